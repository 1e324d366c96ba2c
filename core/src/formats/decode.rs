//! Reading certificates from whatever people have: PEM, DER, bare base64, hex, PKCS#7 and
//! PKCS#12. The format is detected from the bytes, never from a file name.
//!
//! Detection, in order:
//! 1. A UTF-16 byte-order mark: the text is converted (Windows PowerShell writes UTF-16), and a
//!    UTF-8 byte-order mark is skipped.
//! 2. Binary input starting with a DER SEQUENCE (`0x30`): DER. What the DER *is* comes from its
//!    structure: a certificate, a PKCS#7 SignedData (`.p7b`), a PKCS#12 PFX, or a well-known
//!    non-certificate (key, CSR, CRL, public key), which is [`Error::NotACertificate`].
//! 3. Text with a `-----BEGIN` line: PEM.
//! 4. Text of only hex digits (with spaces, `:` and an optional `0x`): hex of DER.
//! 5. Text of only base64 characters (standard or URL-safe, wrapped or not, padded or not,
//!    optionally in double quotes as in a JSON `x5c` array): base64 of DER.
//!
//! The DER inside base64, hex or a PEM block goes through step 2, so a base64-encoded `.pfx` or
//! a `.p7b` in a `CERTIFICATE` PEM block (as Microsoft CA web enrolment writes it) works.
//!
//! PEM labels: `CERTIFICATE`, `X509 CERTIFICATE` and `X.509 CERTIFICATE` hold a certificate;
//! `PKCS7`, `PKCS #7 SIGNED DATA` and `CMS` a PKCS#7 bundle. `TRUSTED CERTIFICATE` (OpenSSL's
//! certificate followed by its trust settings) is accepted: the certificate is its first DER
//! element and only that is kept and hashed, as `openssl x509 -fingerprint` does; a note says
//! that the trust settings were dropped. Every other block (keys, CSRs, CRLs, EC parameters,
//! public keys) is skipped with a note; a private-key block sets [`Decoded::has_private_key`].

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::asn1::bad_der;
use crate::pem::{self, Block};
use crate::percent::{self, percent_decode};
use crate::pkcs7;
use crate::pkcs12;
use crate::text::{
    Base64Collector, EmbeddedBase64, Lines, SkippedCharacters, decode_hex, describe_at, find,
    is_base64_text, is_hex_text, is_space, trim,
};
use crate::x509::{DerKind, classify, split_tlv};
use crate::{Certificate, Error, Limits, PemPosition, Source};
use crate::{x5c, xmldsig};

/// The format an input was recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InputFormat {
    /// PEM text with one or more certificate blocks.
    Pem,
    /// One DER certificate (`.cer`, `.der`, `.crt` in binary).
    Der,
    /// Bare base64 of one DER certificate (JWK `x5c`, SAML metadata), wrapped or not.
    Base64,
    /// Hex of one DER certificate.
    Hex,
    /// PKCS#7 / CMS SignedData certificate bundle (`.p7b`, `.p7c`), DER, PEM, or base64.
    Pkcs7,
    /// PKCS#12 (`.pfx`, `.p12`), binary or base64.
    Pkcs12,
}

/// Options for [`decode`].
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct DecodeOptions<'a> {
    /// Password for PKCS#12 input; ignored for every other format. `None` and `Some("")` both
    /// try the empty password (in both of its encodings).
    pub password: Option<&'a str>,
    /// Bounds on the work done.
    pub limits: Limits,
}

impl<'a> DecodeOptions<'a> {
    /// Options with a PKCS#12 password.
    #[must_use]
    pub fn with_password(password: &'a str) -> Self {
        Self {
            password: Some(password),
            limits: Limits::DEFAULT,
        }
    }
}

/// The certificates read from one input, in input order.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Decoded {
    /// The format the input was recognised as.
    pub format: InputFormat,
    /// The certificates, in the order they appear in the input.
    pub certificates: Vec<Certificate>,
    /// For PKCS#12 input: the index in `certificates` of the certificate the private key belongs
    /// to (paired by `localKeyId`, or else by comparing public keys). The key itself is never
    /// returned.
    pub key_certificate: Option<usize>,
    /// Whether the input held a private key (PKCS#12 key bags, PEM key blocks).
    pub has_private_key: bool,
    /// Things that were skipped or interpreted, e.g. `"line 12: skipped PEM block PRIVATE KEY"`.
    pub notes: Vec<String>,
}

/// Reads every certificate in `input`.
///
/// # Errors
/// A typed [`Error`] naming what was wrong and where; see the variants for each format.
/// [`Error::InputTooLarge`] is checked before anything else, [`Error::TooManyCertificates`]
/// before each certificate is parsed.
pub fn decode(input: &[u8], options: &DecodeOptions<'_>) -> Result<Decoded, Error> {
    let limits = options.limits;
    if input.len() > limits.max_input_bytes {
        return Err(Error::InputTooLarge {
            size: input.len(),
            limit: limits.max_input_bytes,
        });
    }
    let mut reader = Collector::new(options);
    let format = if let Some(text) = utf16_to_utf8(input) {
        reader.note(String::from(
            "read as UTF-16 text (it starts with a UTF-16 byte-order mark)",
        ));
        reader.text(text.as_bytes(), 0)?
    } else {
        let (input, base) = match input.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => {
                reader.note(String::from("skipped a UTF-8 byte-order mark"));
                (rest, 3)
            }
            None => (input, 0),
        };
        if trim(input).is_empty() {
            return Err(Error::EmptyInput);
        }
        if input.first() == Some(&0x30) && !looks_like_text(input) {
            match reader.der(input, &At::binary())? {
                Container::Certificate => InputFormat::Der,
                Container::Pkcs7 => InputFormat::Pkcs7,
                Container::Pkcs12 => InputFormat::Pkcs12,
            }
        } else {
            reader.text(input, base)?
        }
    };
    reader.finish(format)
}

/// What a DER value turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Container {
    Certificate,
    Pkcs7,
    Pkcs12,
}

/// Where DER bytes came from, to locate errors and certificates.
#[derive(Clone, Debug)]
struct At {
    /// The PEM block, for PEM input.
    pem: Option<PemPosition>,
    /// Byte offset of the PEM block in the input.
    block_offset: usize,
}

impl At {
    const fn binary() -> Self {
        Self {
            pem: None,
            block_offset: 0,
        }
    }

    fn pem(block: &Block<'_>) -> Self {
        Self {
            pem: Some(PemPosition::new(block.label.clone(), block.line)),
            block_offset: block.offset,
        }
    }

    /// The source of a certificate at `offset` in the DER bytes.
    fn source(&self, offset: usize) -> Source {
        match &self.pem {
            Some(pem) => Source::at_line(pem.line, self.block_offset),
            None => Source::at_offset(offset),
        }
    }

    /// Adds the context to an error about the DER bytes at `offset`.
    fn locate(&self, err: Error, offset: usize) -> Error {
        let pem = self.pem.clone();
        match err {
            Error::BadDer {
                offset: o,
                what,
                reason,
                ..
            } => Error::BadDer {
                offset: o.map(|o| o + offset),
                what,
                reason,
                pem,
            },
            Error::TrailingData {
                offset: o, count, ..
            } => Error::TrailingData {
                offset: o + offset,
                count,
                pem,
            },
            Error::NotACertificate { found, .. } => Error::NotACertificate { found, pem },
            Error::Pkcs7 {
                reason, offset: o, ..
            } => Error::Pkcs7 {
                reason,
                offset: o.map(|o| o + offset),
                pem,
            },
            other => other,
        }
    }
}

/// Most notes kept; more are counted.
const MAX_NOTES: usize = 64;

/// Collects certificates, notes and flags while an input is read.
struct Collector<'o> {
    options: &'o DecodeOptions<'o>,
    certificates: Vec<Certificate>,
    key_certificate: Option<usize>,
    has_private_key: bool,
    notes: Vec<String>,
    dropped_notes: usize,
    /// Non-certificate things found, for [`Error::NoCertificate`].
    found: Vec<String>,
}

impl<'o> Collector<'o> {
    fn new(options: &'o DecodeOptions<'o>) -> Self {
        Self {
            options,
            certificates: Vec::new(),
            key_certificate: None,
            has_private_key: false,
            notes: Vec::new(),
            dropped_notes: 0,
            found: Vec::new(),
        }
    }

    fn note(&mut self, note: String) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note);
        } else {
            self.dropped_notes += 1;
        }
    }

    fn finish(mut self, format: InputFormat) -> Result<Decoded, Error> {
        if self.certificates.is_empty() {
            return Err(Error::NoCertificate { found: self.found });
        }
        if self.dropped_notes > 0 {
            let n = self.dropped_notes;
            self.notes.push(format!("… and {n} more notes"));
        }
        Ok(Decoded {
            format,
            certificates: self.certificates,
            key_certificate: self.key_certificate,
            has_private_key: self.has_private_key,
            notes: self.notes,
        })
    }

    /// Adds one certificate, checking the count limit before parsing it.
    fn push(&mut self, der: &[u8], at: &At, offset: usize) -> Result<(), Error> {
        let limit = self.options.limits.max_certificates;
        if self.certificates.len() >= limit {
            return Err(Error::TooManyCertificates { limit });
        }
        let certificate =
            Certificate::from_der_at(der, at.source(offset)).map_err(|e| at.locate(e, offset))?;
        self.certificates.push(certificate);
        Ok(())
    }

    /// Reads DER bytes: one TLV, nothing after it.
    fn der(&mut self, der: &[u8], at: &At) -> Result<Container, Error> {
        let (tlv, trailing) =
            split_tlv(der).map_err(|e| at.locate(bad_der("Certificate", &e), 0))?;
        if !trailing.is_empty() {
            let err = Error::TrailingData {
                offset: tlv.len(),
                count: trailing.len(),
                pem: None,
            };
            return Err(at.locate(err, 0));
        }
        match classify(tlv) {
            DerKind::Certificate | DerKind::Unknown => {
                self.push(tlv, at, 0)?;
                Ok(Container::Certificate)
            }
            DerKind::Pkcs7 => {
                let bundle = pkcs7::certificates(tlv).map_err(|e| at.locate(e, 0))?;
                if bundle.certificates.is_empty() {
                    self.found
                        .push(String::from("a PKCS#7 bundle with no certificates"));
                }
                for (cert, offset) in bundle.certificates {
                    self.push(cert, at, offset)?;
                }
                for note in bundle.notes {
                    self.note(note);
                }
                Ok(Container::Pkcs7)
            }
            DerKind::Pkcs12 => {
                let contents = pkcs12::read(tlv, self.options.password, &self.options.limits)?;
                let first = self.certificates.len();
                self.has_private_key |= contents.has_private_key;
                if contents.certificates.is_empty() {
                    self.found.push(String::from(if contents.has_private_key {
                        "a PKCS#12 file with a private key but no certificate"
                    } else {
                        "an empty PKCS#12 file"
                    }));
                }
                for (cert, offset) in &contents.certificates {
                    self.push(cert, at, *offset)?;
                }
                if let Some(index) = contents.key_certificate {
                    self.key_certificate.get_or_insert(first + index);
                }
                for note in contents.notes {
                    self.note(note);
                }
                Ok(Container::Pkcs12)
            }
            DerKind::Other(found) => Err(at.locate(Error::NotACertificate { found, pem: None }, 0)),
        }
    }

    /// Reads text: PEM, hex or base64. `base` is the offset of `text` in the input (3 after a
    /// UTF-8 byte-order mark), for byte offsets in errors.
    fn text(&mut self, text: &[u8], base: usize) -> Result<InputFormat, Error> {
        if trim(text).is_empty() {
            return Err(Error::EmptyInput);
        }
        if let Some(plus) = percent::url_encoded_pem(text) {
            let decoded = percent_decode(text, plus).map_err(|e| match e {
                Error::InvalidPercentEncoding { offset } => Error::InvalidPercentEncoding {
                    offset: base + offset,
                },
                other => other,
            })?;
            self.note(String::from(
                "read as URL-encoded PEM (as nginx, Envoy or AWS ALB forward a client certificate); line numbers are those of the decoded text",
            ));
            return self.pem(&decoded);
        }
        if pem::has_begin_marker(text) {
            return self.pem(text);
        }
        let payload = unquote(trim(text));
        let start = pkcs7::offset_in(text, payload);
        let looks_hex = || {
            payload.len() >= 3
                && payload.starts_with(b"30")
                && payload
                    .iter()
                    .take(4)
                    .all(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b' ')
        };
        if is_hex_text(payload) || looks_hex() {
            let bytes = decode_hex(payload).map_err(|(at, reason)| Error::InvalidHex {
                offset: base + start + at,
                reason,
            })?;
            return self.decoded_der(&bytes, InputFormat::Hex, "hex");
        }
        if is_base64_text(payload) || payload.starts_with(b"MI") {
            let end = start + payload.len();
            if let Some(lines) = certificate_per_line(text, start, end) {
                // Several certificates, one per line (x5c values, a list in a config file):
                // read as one text first (a wrapped certificate may have a line starting with
                // "MI" by chance), then line by line.
                let checkpoint = self.checkpoint();
                if let Ok(format) = self.base64_der(text, start, end) {
                    return Ok(format);
                }
                self.restore(checkpoint);
                self.note(format!(
                    "read each of the {} lines as one base64 certificate",
                    lines.len()
                ));
                for (from, to) in lines {
                    self.base64_der(text, from, to)?;
                }
                return Ok(InputFormat::Base64);
            }
            return self.base64_der(text, start, end);
        }
        if matches!(payload.first(), Some(b'[' | b'{'))
            && let Some(strings) = x5c::x5c_strings(payload)
        {
            self.note(format!(
                "read {} base64 string(s) of JSON x5c arrays (RFC 7517), as JWKs and JWKS documents carry certificates",
                strings.len()
            ));
            return self.embedded(text, start, &strings);
        }
        if payload.first() == Some(&b'<')
            && let Some(elements) = xmldsig::x509_certificate_elements(payload)
        {
            self.note(format!(
                "read {} XML-DSig <X509Certificate> element(s), as SAML and WS-Federation metadata carry certificates",
                elements.len()
            ));
            return self.embedded(text, start, &elements);
        }
        Err(Error::UnrecognizedFormat {
            found: describe_start(payload),
        })
    }

    /// Reads the base64 in `text[start..end]` as DER.
    fn base64_der(&mut self, text: &[u8], start: usize, end: usize) -> Result<InputFormat, Error> {
        let bytes = self.base64(text, start, end)?;
        self.decoded_der(&bytes, InputFormat::Base64, "base64")
    }

    /// What has been collected so far, to go back to after an attempt that failed.
    fn checkpoint(&self) -> [usize; 4] {
        [
            self.certificates.len(),
            self.notes.len(),
            self.dropped_notes,
            self.found.len(),
        ]
    }

    fn restore(&mut self, [certificates, notes, dropped_notes, found]: [usize; 4]) {
        self.certificates.truncate(certificates);
        self.notes.truncate(notes);
        self.dropped_notes = dropped_notes;
        self.found.truncate(found);
    }

    /// Reads the base64 certificates found inside JSON or XML; `start` is the offset of the
    /// document in `text`.
    fn embedded(
        &mut self,
        text: &[u8],
        start: usize,
        strings: &[EmbeddedBase64],
    ) -> Result<InputFormat, Error> {
        for s in strings {
            // Errors name the line and column in the input, but for a string with escapes
            // undone, where they count in that string.
            let der = if s.rewritten {
                self.base64(&s.contents, 0, s.contents.len())?
            } else {
                let from = start + s.offset;
                self.base64(text, from, from + s.contents.len())?
            };
            self.decoded_der(&der, InputFormat::Base64, "base64")?;
        }
        Ok(InputFormat::Base64)
    }

    /// Reads DER that came out of base64 or hex text.
    fn decoded_der(
        &mut self,
        der: &[u8],
        format: InputFormat,
        encoding: &str,
    ) -> Result<InputFormat, Error> {
        // Base64 of a whole PEM file: the data of a Kubernetes TLS secret (`tls.crt`), Helm values,
        // CI variables. Read once; PEM blocks hold DER, so this cannot nest further.
        if format == InputFormat::Base64 && trim(der).starts_with(b"-----BEGIN") {
            self.note(String::from(
                "the base64 decodes to PEM text (as in a Kubernetes secret's tls.crt); read that PEM; line numbers are those of the decoded text",
            ));
            return self.pem(der);
        }
        // No certificate is as short as a digest: a thumbprint was pasted in the wrong place.
        let digest = match der.len() {
            20 => Some("SHA-1 thumbprint (or x5t)"),
            32 => Some("SHA-256 thumbprint (or x5t#S256)"),
            _ => None,
        };
        if let Some(which) = digest {
            return Err(Error::UnrecognizedFormat {
                found: format!(
                    "{encoding} of {} bytes: this looks like a {which}, not a certificate",
                    der.len()
                ),
            });
        }
        if der.first() != Some(&0x30) {
            return Err(Error::UnrecognizedFormat {
                found: format!(
                    "{encoding} of {} bytes that are not DER (they start with {})",
                    der.len(),
                    hex_preview(der)
                ),
            });
        }
        Ok(match self.der(der, &At::binary())? {
            Container::Certificate => format,
            Container::Pkcs7 => InputFormat::Pkcs7,
            Container::Pkcs12 => InputFormat::Pkcs12,
        })
    }

    /// Decodes the base64 in `text[start..end]`, naming line and column of any bad character.
    fn base64(&mut self, text: &[u8], start: usize, end: usize) -> Result<Vec<u8>, Error> {
        let mut collector = Base64Collector::new();
        let error = |e: crate::text::TextError| Error::InvalidBase64 {
            label: None,
            line: Some(e.line),
            column: e.column,
            reason: e.reason,
        };
        for line in Lines::new(text, false) {
            let line_end = line.offset + line.text.len();
            if line_end < start || line.offset >= end {
                continue;
            }
            let from = start.saturating_sub(line.offset);
            let to = end.min(line_end) - line.offset;
            collector.push(&line, from, to).map_err(error)?;
        }
        if collector.is_url_safe() {
            self.note(String::from("read as URL-safe base64"));
        }
        if let Some(skipped) = collector.skipped() {
            self.note(skipped_note(&skipped, ""));
        }
        collector.finish().map_err(error)
    }

    /// Reads PEM text.
    fn pem(&mut self, text: &[u8]) -> Result<InputFormat, Error> {
        let escaped = pem::has_escaped_newlines(text);
        if escaped {
            self.note(String::from(
                "read the literal \\n sequences as line breaks (PEM from a JSON string?); line numbers count them",
            ));
        }
        let blocks = pem::scan(text, escaped)?;
        let mut only_pkcs7 = true;
        for block in &blocks {
            let (line, label) = (block.line, block.label.as_str());
            match label_kind(label) {
                Label::Certificate | Label::Trusted | Label::Pkcs7 => {
                    let at = At::pem(block);
                    if block.header_lines > 0 {
                        self.note(format!(
                            "line {line}: skipped {} header line(s) in PEM block {label}",
                            block.header_lines
                        ));
                    }
                    if block.sloppy_marker {
                        self.note(format!("line {line}: a BEGIN or END line of PEM block {label} lacks its five closing dashes"));
                    }
                    let (body, skipped) = block.decode()?;
                    if let Some(skipped) = skipped {
                        self.note(skipped_note(&skipped, &format!(" of PEM block {label}")));
                    }
                    let der = if label_kind(label) == Label::Trusted {
                        self.trusted(&body, &at)?
                    } else {
                        body.as_slice()
                    };
                    let container = self.der(der, &at)?;
                    only_pkcs7 &= container == Container::Pkcs7;
                    if container == Container::Pkcs7 && label_kind(label) != Label::Pkcs7 {
                        self.note(format!(
                            "line {line}: PEM block {label} holds a PKCS#7 bundle"
                        ));
                    }
                }
                Label::PrivateKey => {
                    self.has_private_key = true;
                    self.found.push(format!("PEM block {label} at line {line}"));
                    self.note(format!(
                        "line {line}: skipped PEM block {label} (a private key; not read)"
                    ));
                }
                Label::Other => {
                    self.found.push(format!("PEM block {label} at line {line}"));
                    self.note(format!("line {line}: skipped PEM block {label}"));
                }
            }
        }
        Ok(if only_pkcs7 && !self.certificates.is_empty() {
            InputFormat::Pkcs7
        } else {
            InputFormat::Pem
        })
    }

    /// The certificate of a `TRUSTED CERTIFICATE` block: its first DER element.
    fn trusted<'d>(&mut self, der: &'d [u8], at: &At) -> Result<&'d [u8], Error> {
        let (cert, aux) = split_tlv(der).map_err(|e| at.locate(bad_der("Certificate", &e), 0))?;
        let line = at.pem.as_ref().map_or(0, |p| p.line);
        self.note(format!(
            "line {line}: TRUSTED CERTIFICATE: kept the certificate, dropped {} bytes of OpenSSL trust settings",
            aux.len()
        ));
        Ok(cert)
    }
}

/// How a PEM label is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Label {
    Certificate,
    Trusted,
    Pkcs7,
    PrivateKey,
    Other,
}

fn label_kind(label: &str) -> Label {
    let is = |name: &str| label.eq_ignore_ascii_case(name);
    if is("CERTIFICATE") || is("X509 CERTIFICATE") || is("X.509 CERTIFICATE") {
        Label::Certificate
    } else if is("TRUSTED CERTIFICATE") {
        Label::Trusted
    } else if is("PKCS7") || is("PKCS #7 SIGNED DATA") || is("CMS") {
        Label::Pkcs7
    } else if find(label.to_ascii_uppercase().as_bytes(), b"PRIVATE KEY").is_some() {
        Label::PrivateKey
    } else {
        Label::Other
    }
}

/// Whether `input` has no control bytes other than whitespace (so it is text, not DER).
fn looks_like_text(input: &[u8]) -> bool {
    input.iter().all(|&b| b >= 0x20 && b != 0x7F || is_space(b))
}

/// The byte ranges of the lines of `text[start..end]` when there are two or more and each
/// starts like a base64 DER certificate (`MI`); `None` otherwise.
fn certificate_per_line(text: &[u8], start: usize, end: usize) -> Option<Vec<(usize, usize)>> {
    let mut lines = Vec::new();
    for line in Lines::new(text, false) {
        let from = line.offset.max(start);
        let to = (line.offset + line.text.len()).min(end);
        let Some(part) = text.get(from..to) else {
            continue;
        };
        let trimmed = trim(part);
        if trimmed.is_empty() {
            continue;
        }
        if !trimmed.starts_with(b"MI") {
            return None;
        }
        let at = from + pkcs7::offset_in(part, trimmed);
        lines.push((at, at + trimmed.len()));
    }
    (lines.len() >= 2).then_some(lines)
}

/// The note for characters skipped inside base64; `whose` names the PEM block, if any.
fn skipped_note(skipped: &SkippedCharacters, whose: &str) -> String {
    let SkippedCharacters {
        first,
        line,
        column,
        count,
    } = *skipped;
    format!(
        "line {line}, column {column}: skipped {count} non-ASCII space or invisible character(s) in the base64{whose}, the first {}; e-mail and chat clients insert them",
        crate::describe_char(first)
    )
}

/// `text` without one pair of surrounding double quotes (a JSON string, e.g. from `x5c`).
fn unquote(text: &[u8]) -> &[u8] {
    match text {
        [b'"', inner @ .., b'"'] => inner,
        _ => text,
    }
}

/// Converts UTF-16 text with a byte-order mark to UTF-8.
fn utf16_to_utf8(input: &[u8]) -> Option<String> {
    let (big_endian, body) = match input {
        [0xFF, 0xFE, rest @ ..] => (false, rest),
        [0xFE, 0xFF, rest @ ..] => (true, rest),
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|pair| match pair {
        [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
        [a, b] => u16::from_le_bytes([*a, *b]),
        _ => 0,
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// The first bytes of `der` in hex, for messages.
fn hex_preview(der: &[u8]) -> String {
    let mut out = String::new();
    for b in der.iter().take(4) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{b:02X}"));
    }
    if out.is_empty() {
        String::from("nothing")
    } else {
        out
    }
}

/// What the start of an unrecognised input looks like, in words.
fn describe_start(input: &[u8]) -> String {
    if !looks_like_text(input) {
        return format!("binary data starting with {}", hex_preview(input));
    }
    let text = String::from_utf8_lossy(input);
    let mut preview: String = text
        .chars()
        .take(32)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > 32 {
        preview.push('…');
    }
    let first = describe_at(input);
    format!("text starting with \"{preview}\" ({first} cannot start PEM, base64 or hex)")
}
