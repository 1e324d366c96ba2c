//! Distinguished names as people register them, compared with a certificate's subject.
//!
//! Three written forms are read:
//! - RFC 4514: `CN=a,O=b,C=US` (most specific RDN first), with `\` escapes and `#hex` values;
//! - .NET's `X500DistinguishedName` / `X509Certificate2.Subject`: `CN=a, O="b, Inc.", C=US`
//!   (spaces after separators, quoted values, `S=` for state, `E=` for email, `OID.x.y=`);
//! - OpenSSL's `-nameopt compat` form `/C=US/O=b/CN=a` (least specific first, i.e. reversed).
//!
//! An RFC 4514-style string that starts with `subject=` (as `openssl x509 -subject` prints it,
//! e.g. `subject=C = US, O = b, CN = a`) is read in OpenSSL's order.
//!
//! Comparison follows RFC 5280 §7.1 and RFC 4518 string preparation, per attribute: the same
//! number of RDNs in the same order, each with the same attribute types, and each value equal
//! after mapping insignificant characters away, folding case and folding insignificant space
//! (leading/trailing removed, inner runs collapsed to one). Unicode normalisation (NFKC) is not
//! applied. A `#hex` value compares the DER encoding byte for byte.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use const_oid::ObjectIdentifier;
use der::Encode;
use x509_cert::name::Name;

use crate::Error;

/// A distinguished name as registered, parsed.
#[derive(Clone, PartialEq, Eq)]
pub struct DistinguishedName {
    /// The text as written.
    text: String,
    /// RDNs in certificate (RDNSequence) order: least specific first.
    rdns: Vec<Vec<Attribute>>,
}

/// One `type=value` of a registered name.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Attribute {
    oid: ObjectIdentifier,
    value: Value,
}

/// A registered attribute value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    /// Text, already prepared for comparison, and as written (unescaped).
    Text { prepared: String, written: String },
    /// `#hex`: the DER encoding of the value.
    Der(Vec<u8>),
}

/// How a registered name differs from a certificate's subject.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DnDifference {
    /// An attribute has a different value.
    Value {
        /// The attribute (short name such as `O`, or dotted OID).
        attribute: String,
        /// The registered value.
        expected: String,
        /// The certificate's value.
        actual: String,
    },
    /// The registered name has an attribute the subject lacks.
    Missing {
        /// The attribute.
        attribute: String,
        /// The registered value.
        expected: String,
    },
    /// The subject has an attribute the registered name lacks.
    Extra {
        /// The attribute.
        attribute: String,
        /// The certificate's value.
        actual: String,
    },
    /// At one position the registered name and the subject have different attributes.
    Attribute {
        /// 0-based position of the RDN, most specific first (as in RFC 4514).
        position: usize,
        /// The registered `type=value`.
        expected: String,
        /// The certificate's `type=value`.
        actual: String,
    },
    /// The registered name equals the subject read backwards: written in the other order.
    Reversed,
    /// The certificate's name cannot be read.
    Unreadable {
        /// Why.
        detail: String,
    },
}

impl fmt::Display for DnDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value {
                attribute,
                expected,
                actual,
            } => write!(
                f,
                "{attribute} differs: registered {expected:?}, certificate has {actual:?}"
            ),
            Self::Missing {
                attribute,
                expected,
            } => write!(
                f,
                "the certificate has no {attribute} (registered {attribute}={expected})"
            ),
            Self::Extra { attribute, actual } => write!(
                f,
                "the certificate has {attribute}={actual}, which the registered name lacks"
            ),
            Self::Attribute {
                position,
                expected,
                actual,
            } => write!(
                f,
                "RDN #{} differs: registered {expected}, certificate has {actual}",
                position + 1
            ),
            Self::Unreadable { detail } => {
                write!(f, "the certificate's name cannot be read: {detail}")
            }
            Self::Reversed => f.write_str(
                "the registered name lists the same attributes in the opposite order: RFC 4514 \
                 (CN=…,O=…,C=…) writes the most specific first, OpenSSL (/C=…/O=…/CN=… or \
                 C = …, O = …, CN = …) the least specific first",
            ),
        }
    }
}

impl DistinguishedName {
    /// Reads a distinguished name in RFC 4514, .NET or OpenSSL form.
    ///
    /// # Errors
    /// [`Error::InvalidName`] with the character position and what is wrong.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let rdns = parse(text).map_err(|(index, reason)| Error::InvalidName {
            input: text.to_string(),
            index,
            reason,
        })?;
        Ok(Self {
            text: text.to_string(),
            rdns,
        })
    }

    /// The name as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Compares with the subject of a certificate.
    ///
    /// # Errors
    /// The first difference found; [`DnDifference::Unreadable`] when the subject cannot be read.
    pub fn compare_subject(&self, certificate: &crate::Certificate) -> Result<(), DnDifference> {
        use der::Decode;
        let subject = crate::tbs::walk(certificate.der())
            .and_then(|raw| Name::from_der(raw.subject))
            .map_err(|e| DnDifference::Unreadable {
                detail: e.to_string(),
            })?;
        self.compare(&subject)
    }

    /// Compares with a certificate's name; `Ok` when equal under the rules of this module.
    ///
    /// # Errors
    /// The first difference found, most specific RDN first.
    pub fn compare(&self, name: &Name) -> Result<(), DnDifference> {
        let theirs: Vec<Vec<CertAttribute>> = name
            .iter_rdn()
            .map(|rdn| rdn.iter().map(CertAttribute::new).collect())
            .collect();
        if rdns_match(&self.rdns, &theirs) {
            return Ok(());
        }
        let reversed: Vec<Vec<Attribute>> = self.rdns.iter().rev().cloned().collect();
        if self.rdns.len() > 1 && rdns_match(&reversed, &theirs) {
            return Err(DnDifference::Reversed);
        }
        // Written in the other order *and* with another value: name the value (once it is
        // fixed, the order is reported).
        if self.rdns.len() > 1
            && !types_match(&self.rdns, &theirs)
            && types_match(&reversed, &theirs)
        {
            return Err(first_difference(&reversed, &theirs));
        }
        Err(first_difference(&self.rdns, &theirs))
    }
}

impl fmt::Debug for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DistinguishedName")
            .field(&self.text)
            .finish()
    }
}

impl fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

// ------------------------------------------------------------------------------ comparison

/// A certificate's attribute, decoded once for comparison and display.
struct CertAttribute {
    oid: ObjectIdentifier,
    /// The value's DER (tag, length, value).
    der: Vec<u8>,
    /// The value as text when it is a string type.
    text: Option<String>,
}

impl CertAttribute {
    fn new(atv: &x509_cert::attr::AttributeTypeAndValue) -> Self {
        let der = atv.value.to_der().unwrap_or_default();
        let text = crate::name::decode_string(&der);
        Self {
            oid: atv.oid,
            der,
            text,
        }
    }

    fn shown(&self) -> String {
        match &self.text {
            Some(text) => text.clone(),
            None => format!("#{}", hex(&self.der)),
        }
    }
}

/// Whether both names have the same attribute types in the same RDN positions.
fn types_match(ours: &[Vec<Attribute>], theirs: &[Vec<CertAttribute>]) -> bool {
    ours.len() == theirs.len()
        && ours.iter().zip(theirs).all(|(a, b)| {
            let mut x: Vec<&ObjectIdentifier> = a.iter().map(|v| &v.oid).collect();
            let mut y: Vec<&ObjectIdentifier> = b.iter().map(|v| &v.oid).collect();
            x.sort();
            y.sort();
            x == y
        })
}

fn rdns_match(ours: &[Vec<Attribute>], theirs: &[Vec<CertAttribute>]) -> bool {
    ours.len() == theirs.len() && ours.iter().zip(theirs).all(|(a, b)| rdn_match(a, b))
}

/// Multi-valued RDNs are sets: every registered attribute matches a distinct one of theirs.
fn rdn_match(ours: &[Attribute], theirs: &[CertAttribute]) -> bool {
    if ours.len() != theirs.len() {
        return false;
    }
    let mut used = alloc::vec![false; theirs.len()];
    ours.iter().all(|attr| {
        let found = theirs
            .iter()
            .zip(used.iter_mut())
            .find(|(t, used)| !**used && attribute_match(attr, t));
        match found {
            Some((_, used)) => {
                *used = true;
                true
            }
            None => false,
        }
    })
}

fn attribute_match(ours: &Attribute, theirs: &CertAttribute) -> bool {
    if ours.oid != theirs.oid {
        return false;
    }
    match &ours.value {
        Value::Der(der) => *der == theirs.der,
        Value::Text { prepared, .. } => theirs
            .text
            .as_deref()
            .is_some_and(|text| prepare(text) == *prepared),
    }
}

fn first_difference(ours: &[Vec<Attribute>], theirs: &[Vec<CertAttribute>]) -> DnDifference {
    let common = ours.len().min(theirs.len());
    for i in 0..common {
        let (Some(a), Some(b)) = (ours.get(i), theirs.get(i)) else {
            break;
        };
        if rdn_match(a, b) {
            continue;
        }
        // The same attribute types: name the attribute whose value differs.
        if let Some(diff) = value_difference(a, b) {
            return diff;
        }
        if ours.len() < theirs.len() && theirs.get(i + 1).is_some_and(|next| rdn_match(a, next)) {
            return extra(b);
        }
        if ours.len() > theirs.len() && ours.get(i + 1).is_some_and(|next| rdn_match(next, b)) {
            return missing(a);
        }
        return DnDifference::Attribute {
            position: ours.len().saturating_sub(i + 1),
            expected: show_rdn(a),
            actual: show_cert_rdn(b),
        };
    }
    if let Some(rdn) = theirs.get(common) {
        return extra(rdn);
    }
    match ours.get(common) {
        Some(rdn) => missing(rdn),
        // Unreachable when the names differ; keep a truthful answer anyway.
        None => DnDifference::Reversed,
    }
}

/// When both RDNs hold the same attribute types, the first attribute whose value differs.
fn value_difference(ours: &[Attribute], theirs: &[CertAttribute]) -> Option<DnDifference> {
    let mut our_oids: Vec<&ObjectIdentifier> = ours.iter().map(|a| &a.oid).collect();
    let mut their_oids: Vec<&ObjectIdentifier> = theirs.iter().map(|a| &a.oid).collect();
    our_oids.sort();
    their_oids.sort();
    if our_oids != their_oids {
        return None;
    }
    ours.iter().find_map(|attr| {
        let cert = theirs.iter().find(|t| t.oid == attr.oid)?;
        (!attribute_match(attr, cert)).then(|| DnDifference::Value {
            attribute: attribute_name(&attr.oid),
            expected: attr.value.shown(),
            actual: cert.shown(),
        })
    })
}

fn extra(rdn: &[CertAttribute]) -> DnDifference {
    match rdn.first() {
        Some(a) => DnDifference::Extra {
            attribute: attribute_name(&a.oid),
            actual: a.shown(),
        },
        None => DnDifference::Extra {
            attribute: String::from("(empty RDN)"),
            actual: String::new(),
        },
    }
}

fn missing(rdn: &[Attribute]) -> DnDifference {
    match rdn.first() {
        Some(a) => DnDifference::Missing {
            attribute: attribute_name(&a.oid),
            expected: a.value.shown(),
        },
        None => DnDifference::Missing {
            attribute: String::from("(empty RDN)"),
            expected: String::new(),
        },
    }
}

fn show_rdn(rdn: &[Attribute]) -> String {
    let parts: Vec<String> = rdn
        .iter()
        .map(|a| format!("{}={}", attribute_name(&a.oid), a.value.shown()))
        .collect();
    parts.join("+")
}

fn show_cert_rdn(rdn: &[CertAttribute]) -> String {
    let parts: Vec<String> = rdn
        .iter()
        .map(|a| format!("{}={}", attribute_name(&a.oid), a.shown()))
        .collect();
    parts.join("+")
}

impl Value {
    fn shown(&self) -> String {
        match self {
            Self::Text { written, .. } => written.clone(),
            Self::Der(der) => format!("#{}", hex(der)),
        }
    }
}

/// RFC 4518-style preparation: map insignificant characters away and other spaces to U+0020,
/// fold case, and fold insignificant space.
pub(crate) fn prepare(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending_space = false;
    for c in value.chars() {
        if maps_to_nothing(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// RFC 4518 §2.2: soft hyphen, variation selectors, zero-width and control characters.
fn maps_to_nothing(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{1806}' | '\u{180B}'..='\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2063}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFFC}'
    ) || (c.is_control() && !c.is_whitespace())
}

fn hex(bytes: &[u8]) -> String {
    crate::thumbprint::hex_upper(bytes)
}

// ------------------------------------------------------------------------- attribute types

/// The OID of an attribute type written as a name (see [`crate::attribute_types`]),
/// `OID.1.2.3` or `1.2.3`.
fn attribute_oid(name: &str) -> Option<ObjectIdentifier> {
    if let Some(oid) = crate::attribute_types::oid_of(name) {
        return Some(oid);
    }
    // `OID.` in any case, as .NET writes it.
    let dotted = match name.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("OID.") => name.get(4..).unwrap_or_default(),
        _ => name,
    };
    if dotted.starts_with(|c: char| c.is_ascii_digit()) {
        return ObjectIdentifier::new(dotted).ok();
    }
    None
}

/// How an attribute type is shown: the name OpenSSL prints, or the dotted OID.
pub(crate) fn attribute_name(oid: &ObjectIdentifier) -> String {
    crate::attribute_types::name_of(oid).map_or_else(|| oid.to_string(), ToString::to_string)
}

// ------------------------------------------------------------------------------------ parser

type ParseError = (usize, String);

/// Parses any of the three forms into RDNs in certificate order.
fn parse(text: &str) -> Result<Vec<Vec<Attribute>>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let skip_spaces = |mut pos: usize| {
        while chars.get(pos).is_some_and(|c| c.is_whitespace()) {
            pos += 1;
        }
        pos
    };
    let start = skip_spaces(0);
    if start == chars.len() {
        return Err((0, String::from("the name is empty")));
    }
    // `subject=` as `openssl x509 -subject` prints it, whatever -nameopt follows.
    let start = strip_label(&chars, start).map_or(start, skip_spaces);
    if chars.get(start) == Some(&'/') {
        // OpenSSL compat form: already in certificate order.
        return Parser {
            chars: &chars,
            pos: start + 1,
            separators: &['/'],
        }
        .rdns();
    }
    // OpenSSL's default one-line form writes `C = US, O = …`: spaces around `=`, least specific
    // first. RFC 4514 and .NET write `CN=…` with no space before `=`, most specific first.
    let openssl_order = chars
        .iter()
        .skip(start)
        .position(|c| *c == '=')
        .and_then(|i| (start + i).checked_sub(1))
        .is_some_and(|before| chars.get(before).is_some_and(|c| c.is_whitespace()));
    let mut rdns = Parser {
        chars: &chars,
        pos: start,
        separators: &[',', ';'],
    }
    .rdns()?;
    if !openssl_order {
        rdns.reverse();
    }
    Ok(rdns)
}

/// After `subject=` / `subject:` (as `openssl x509 -subject` prints), the position that follows.
fn strip_label(chars: &[char], start: usize) -> Option<usize> {
    let label: String = chars.iter().skip(start).take(7).collect();
    if !label.eq_ignore_ascii_case("subject") {
        return None;
    }
    let mut pos = start + 7;
    while chars.get(pos).is_some_and(|c| c.is_whitespace()) {
        pos += 1;
    }
    match chars.get(pos) {
        Some('=' | ':') => Some(pos + 1),
        _ => None,
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    separators: &'a [char],
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn rdns(mut self) -> Result<Vec<Vec<Attribute>>, ParseError> {
        let mut rdns = Vec::new();
        loop {
            let mut rdn = Vec::new();
            loop {
                rdn.push(self.attribute()?);
                self.skip_spaces();
                if self.peek() == Some('+') {
                    self.pos += 1;
                    continue;
                }
                break;
            }
            rdns.push(rdn);
            match self.peek() {
                None => break,
                Some(c) if self.separators.contains(&c) => {
                    self.pos += 1;
                    self.skip_spaces();
                    if self.peek().is_none() {
                        // A trailing separator, as in some pasted forms: tolerated.
                        break;
                    }
                }
                Some(c) => {
                    return Err((self.pos, format!("unexpected {c:?} after a value")));
                }
            }
        }
        Ok(rdns)
    }

    fn attribute(&mut self) -> Result<Attribute, ParseError> {
        self.skip_spaces();
        let type_start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            self.pos += 1;
        }
        let name: String = self
            .chars
            .get(type_start..self.pos)
            .unwrap_or(&[])
            .iter()
            .collect();
        if name.is_empty() {
            return Err(match self.peek() {
                Some(c) => (
                    self.pos,
                    format!("expected an attribute type such as CN, found {c:?}"),
                ),
                None => (
                    self.pos,
                    String::from("expected an attribute type such as CN"),
                ),
            });
        }
        let oid = attribute_oid(&name)
            .ok_or_else(|| (type_start, format!("unknown attribute type {name:?}")))?;
        self.skip_spaces();
        if self.peek() != Some('=') {
            return Err((self.pos, format!("expected '=' after {name}")));
        }
        self.pos += 1;
        self.skip_spaces();
        let value = match self.peek() {
            Some('#') => self.hex_value()?,
            Some('"') => self.quoted_value()?,
            _ => self.plain_value()?,
        };
        Ok(Attribute { oid, value })
    }

    fn ends_value(&self, c: char) -> bool {
        c == '+' || self.separators.contains(&c)
    }

    fn plain_value(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        let mut bytes = Vec::new();
        let mut last_significant = 0;
        while let Some(c) = self.peek() {
            if self.ends_value(c) {
                break;
            }
            if c == '\\' {
                self.escape(&mut bytes)?;
                last_significant = bytes.len();
                continue;
            }
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            if !c.is_whitespace() {
                last_significant = bytes.len();
            }
            self.pos += 1;
        }
        bytes.truncate(last_significant);
        let written = String::from_utf8(bytes)
            .map_err(|_| (start, String::from("the escaped bytes are not UTF-8")))?;
        if written.is_empty() {
            return Err((start, String::from("the value is empty")));
        }
        Ok(Value::Text {
            prepared: prepare(&written),
            written,
        })
    }

    fn quoted_value(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut bytes = Vec::new();
        loop {
            match self.peek() {
                None => return Err((start, String::from("the quoted value has no closing '\"'"))),
                Some('"') => {
                    // .NET doubles a quote inside a quoted value.
                    if self.chars.get(self.pos + 1) == Some(&'"') {
                        bytes.push(b'"');
                        self.pos += 2;
                        continue;
                    }
                    self.pos += 1;
                    break;
                }
                Some('\\') => self.escape(&mut bytes)?,
                Some(c) => {
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    self.pos += 1;
                }
            }
        }
        self.skip_spaces();
        let written = String::from_utf8(bytes)
            .map_err(|_| (start, String::from("the escaped bytes are not UTF-8")))?;
        Ok(Value::Text {
            prepared: prepare(&written),
            written,
        })
    }

    /// `\` followed by a special character or two hex digits (one byte of UTF-8).
    fn escape(&mut self, bytes: &mut Vec<u8>) -> Result<(), ParseError> {
        let at = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return Err((at, String::from("'\\' at the end of the name")));
        };
        // OpenSSL's compat form escapes bytes as `\xC3`.
        if c == 'x'
            && let (Some(high), Some(low)) = (
                self.chars.get(self.pos + 1).and_then(|c| c.to_digit(16)),
                self.chars.get(self.pos + 2).and_then(|c| c.to_digit(16)),
            )
        {
            bytes.push(u8::try_from(high * 16 + low).unwrap_or(0));
            self.pos += 3;
            return Ok(());
        }
        if let Some(high) = c.to_digit(16) {
            let low = self
                .chars
                .get(self.pos + 1)
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| (at, String::from("'\\' must be followed by two hex digits")))?;
            bytes.push(u8::try_from(high * 16 + low).unwrap_or(0));
            self.pos += 2;
            return Ok(());
        }
        let mut buf = [0u8; 4];
        bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        self.pos += 1;
        Ok(())
    }

    fn hex_value(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut digits = Vec::new();
        while let Some(d) = self.peek().and_then(|c| c.to_digit(16)) {
            digits.push(u8::try_from(d).unwrap_or(0));
            self.pos += 1;
        }
        self.skip_spaces();
        if let Some(c) = self.peek().filter(|c| !self.ends_value(*c)) {
            return Err((
                self.pos,
                format!("{c:?} is not a hex digit in a #hex value"),
            ));
        }
        if digits.is_empty() || digits.len() % 2 != 0 {
            return Err((
                start,
                String::from("a #hex value needs an even number of hex digits"),
            ));
        }
        let der: Vec<u8> = digits
            .chunks_exact(2)
            .map(|pair| pair.iter().fold(0u8, |byte, digit| byte * 16 + digit))
            .collect();
        if <der::asn1::AnyRef<'_> as der::Decode<'_>>::from_der(&der).is_err() {
            return Err((start, String::from("the #hex value is not one DER element")));
        }
        Ok(Value::Der(der))
    }
}
