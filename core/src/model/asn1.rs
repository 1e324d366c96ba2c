//! Reading ASN.1 structures with the `der` crate's [`SliceReader`], written out by hand instead of
//! derived: a SEQUENCE, EXPLICIT and IMPLICIT context-specific fields, each with der's own rules
//! (the header, the minimal length, the constructed bit, no bytes left inside), so the errors
//! are der's errors at der's positions.
//!
//! Why by hand: der's derive macros and x509-cert's typed model generate (and monomorphise) a
//! decoder per type, which made up most of the npm package; a handful of these helpers over the
//! one reader type cover every structure certbind reads.
//!
//! Also here: reading BER containers (indefinite lengths: PKCS#7 and PKCS#12 files, and the
//! structure check that tells those from a certificate), and der's errors as [`Error::BadDer`].

use alloc::string::ToString;

use der::{
    Class, DecodeValue, ErrorKind, FixedTag, Header, Length, Reader, SliceReader, Tag, TagNumber,
    Tagged,
};

use crate::Error;

pub(crate) type Result<T> = der::Result<T>;

/// Runs `f` on exactly the next `len` bytes: der's nested reading (an error when `f` leaves
/// bytes unread). One instance for every caller: `f` is a trait object, and the helpers below
/// pass their results out through the closure's captures.
#[inline(never)]
fn nested<'a>(
    r: &mut SliceReader<'a>,
    len: Length,
    f: &mut dyn FnMut(&mut SliceReader<'a>) -> Result<()>,
) -> Result<()> {
    r.read_nested(len, f)
}

/// `nested` for a closure with a result.
pub(crate) fn nested_value<'a, T>(
    r: &mut SliceReader<'a>,
    len: Length,
    f: impl FnOnce(&mut SliceReader<'a>) -> Result<T>,
) -> Result<T> {
    let mut f = Some(f);
    let mut value = None;
    nested(r, len, &mut |r| {
        if let Some(f) = f.take() {
            value = Some(f(r)?);
        }
        Ok(())
    })?;
    value.ok_or_else(|| ErrorKind::Failed.into())
}

/// One value of a type with a fixed tag, exactly as der's `T::decode` reads it (the header, the
/// tag, then the value on exactly its contents), with one shared copy of the nested reading.
pub(crate) fn decode<'a, T: DecodeValue<'a, Error = der::Error> + FixedTag>(
    r: &mut SliceReader<'a>,
) -> Result<T> {
    let header = <Header as der::Decode>::decode(r)?;
    header.tag().assert_eq(T::TAG)?;
    nested_value(r, header.length(), |r| T::decode_value(r, header))
}

/// Reads all of `bytes` with `f`: der's `from_der` (nothing may follow).
pub(crate) fn from_der<'a, T>(
    bytes: &'a [u8],
    f: impl FnOnce(&mut SliceReader<'a>) -> Result<T>,
) -> Result<T> {
    let mut r = SliceReader::new(bytes)?;
    let value = f(&mut r)?;
    r.finish()?;
    Ok(value)
}

/// The contents of an already read SEQUENCE, read with `f` (der's `AnyRef::sequence`).
pub(crate) fn any_sequence<'a, T>(
    any: der::AnyRef<'a>,
    f: impl FnOnce(&mut SliceReader<'a>) -> Result<T>,
) -> Result<T> {
    any.tag().assert_eq(Tag::Sequence)?;
    from_der(any.value(), f)
}

/// `SEQUENCE { … }`: the header, then `f` on exactly its contents.
pub(crate) fn sequence<'a, T>(
    r: &mut SliceReader<'a>,
    f: impl FnOnce(&mut SliceReader<'a>) -> Result<T>,
) -> Result<T> {
    constructed(r, Tag::Sequence, f)
}

/// A value of the constructed type `tag` (SEQUENCE, SET): the header, then `f` on exactly its
/// contents.
pub(crate) fn constructed<'a, T>(
    r: &mut SliceReader<'a>,
    tag: Tag,
    f: impl FnOnce(&mut SliceReader<'a>) -> Result<T>,
) -> Result<T> {
    let header = <Header as der::Decode>::decode(r)?;
    header.tag().assert_eq(tag)?;
    nested_value(r, header.length(), f)
}

/// `ANY`: one TLV of any tag, as der's owned `Any` reads it (the contents are read as a nested
/// value, so an overlong length is the same error).
pub(crate) fn any(r: &mut SliceReader<'_>) -> Result<()> {
    let header = <Header as der::Decode>::decode(r)?;
    nested(r, header.length(), &mut |r| {
        r.read_slice(header.length())?;
        Ok(())
    })
}

/// Whether the next element is context-specific `[number]` (of either form).
pub(crate) fn next_is_context(r: &SliceReader<'_>, number: u32) -> Result<bool> {
    if r.is_finished() {
        return Ok(false);
    }
    let tag = Tag::peek(r)?;
    Ok(tag.class() == Class::ContextSpecific && tag.number() == TagNumber(number))
}

/// `[n] EXPLICIT T`: a constructed context-specific header, then `f` on exactly its contents.
pub(crate) fn explicit<'a, T>(
    r: &mut SliceReader<'a>,
    f: impl FnOnce(&mut SliceReader<'a>) -> Result<T>,
) -> Result<T> {
    let header = <Header as der::Decode>::decode(r)?;
    if !header.tag().is_constructed() {
        return Err(r.error(header.tag().non_canonical_error()));
    }
    nested_value(r, header.length(), f)
}

/// `[n] IMPLICIT T`: a context-specific header that is constructed exactly when `T` is, then `f`
/// on exactly its contents, with the header.
pub(crate) fn implicit<'a, T>(
    r: &mut SliceReader<'a>,
    constructed: bool,
    f: impl FnOnce(&mut SliceReader<'a>, Header) -> Result<T>,
) -> Result<T> {
    let header = <Header as der::Decode>::decode(r)?;
    if header.tag().is_constructed() != constructed {
        return Err(r.error(header.tag().non_canonical_error()));
    }
    nested_value(r, header.length(), |r| f(r, header))
}

/// `ANY OPTIONAL` at the end of a SEQUENCE, as der's `Option<AnyRef>` reads it.
pub(crate) fn optional_any<'a>(r: &mut SliceReader<'a>) -> Result<Option<der::AnyRef<'a>>> {
    if r.is_finished() {
        return Ok(None);
    }
    Tag::peek(r)?;
    <der::AnyRef<'a> as der::Decode<'a>>::decode(r).map(Some)
}

// ------------------------------------------------------- BER containers, der errors

/// A reader with BER rules (indefinite lengths allowed).
pub(crate) fn ber_reader(bytes: &[u8]) -> der::Result<SliceReader<'_>> {
    SliceReader::new_with_encoding_rules(bytes, der::EncodingRules::Ber)
}

/// Reads one whole TLV, returning its bytes. Unlike `Reader::tlv_bytes`, this gets the extent
/// of indefinite-length values right (der 0.8 miscounts their header).
pub(crate) fn read_tlv<'a>(reader: &mut SliceReader<'a>) -> der::Result<&'a [u8]> {
    let mut before = reader.clone();
    let start = reader.position();
    let header = <Header as der::Decode>::decode(reader)?;
    reader.read_slice(header.length())?;
    let consumed = (reader.position() - start)?;
    before.read_slice(consumed)
}

/// Reads one value: its tag and contents. For an indefinite length the contents end before the
/// end-of-contents marker (der 0.8's `AnyRef` would include it).
pub(crate) fn read_value<'a>(reader: &mut SliceReader<'a>) -> der::Result<der::AnyRef<'a>> {
    let tlv = read_tlv(reader)?;
    let mut tlv_reader = ber_reader(tlv)?;
    match tlv {
        // One-byte tag, indefinite length, contents, end-of-contents.
        [first, 0x80, contents @ .., 0, 0] if first & 0x1F != 0x1F => {
            der::AnyRef::new(Tag::peek(&tlv_reader)?, contents)
        }
        _ => <der::AnyRef<'a> as der::Decode<'a>>::decode(&mut tlv_reader),
    }
}

/// Turns a `der` decoder error into [`Error::BadDer`], naming what was being read.
pub(crate) fn bad_der(what: &str, err: &der::Error) -> Error {
    Error::BadDer {
        offset: err
            .position()
            .map(|p| usize::try_from(u32::from(p)).unwrap_or(usize::MAX)),
        what: what.to_string(),
        reason: err.kind().to_string(),
        pem: None,
    }
}

/// The DER content bytes of a dotted OID, computed at compile time: a table entry as long as the
/// OID itself instead of a 40-byte `ObjectIdentifier`, compared with `ObjectIdentifier::as_bytes`.
macro_rules! oid_bytes {
    ($dotted:literal) => {{
        const OID: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap($dotted);
        const LEN: usize = OID.as_bytes().len();
        // Evaluated by the compiler: an index out of bounds would be a compile error.
        #[allow(clippy::indexing_slicing)]
        const BYTES: [u8; LEN] = {
            let mut out = [0; LEN];
            let src = OID.as_bytes();
            let mut i = 0;
            while i < LEN {
                out[i] = src[i];
                i += 1;
            }
            out
        };
        &BYTES as &[u8]
    }};
}
pub(crate) use oid_bytes;
