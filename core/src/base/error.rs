//! The one error type of certbind-core.
//!
//! Malformed or unsupported *input* is an [`Error`]. A certificate that is well formed but does not
//! authenticate a client is not an error: that is a [`crate::Decision`] with its reasons.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::text::Quoted;

/// Everything that can go wrong while reading certificates, thumbprints, names or a registry.
///
/// Every variant says *what* was wrong and *where* (byte offset, line, PEM label, field), so
/// that a person can fix the input without a debugger. [`Error::code`] gives a stable name for
/// programs (the npm package throws it as `error.code`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ---------------------------------------------------------------- input framing
    /// The input is empty or holds only whitespace.
    EmptyInput,
    /// The input is larger than the limit (see [`crate::Limits`]).
    InputTooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// More certificates than the limit (see [`crate::Limits`]).
    TooManyCertificates {
        /// The limit.
        limit: usize,
    },
    /// The input is none of the formats certbind reads (PEM, DER, base64, hex, PKCS#7, PKCS#12).
    UnrecognizedFormat {
        /// What the first bytes look like, in words.
        found: String,
    },
    /// The input was read, but holds no certificate (e.g. PEM with only a private key).
    NoCertificate {
        /// What was found instead (e.g. `"PEM block PRIVATE KEY at line 1"`), possibly empty.
        found: Vec<String>,
    },

    // ---------------------------------------------------------------- PEM, base64, hex
    /// A `-----BEGIN …-----` line has no matching `-----END …-----` line.
    PemUnterminated {
        /// The label of the BEGIN line.
        label: String,
        /// 1-based line of the BEGIN line.
        line: usize,
    },
    /// The END line's label differs from the BEGIN line's.
    PemLabelMismatch {
        /// The label of the BEGIN line.
        begin: String,
        /// The label of the END line.
        end: String,
        /// 1-based line of the END line.
        line: usize,
    },
    /// A character inside a PEM block (or bare base64) is not base64, or the padding is wrong.
    InvalidBase64 {
        /// The PEM label, when inside a PEM block.
        label: Option<String>,
        /// 1-based line, when the input is text.
        line: Option<usize>,
        /// 1-based column (in characters) on that line, or byte offset for single-line input.
        column: usize,
        /// What is wrong there, e.g. `"'*' is not a base64 character"`.
        reason: String,
    },
    /// Hex input with a character that is not a hex digit, or an odd number of digits.
    InvalidHex {
        /// Byte offset in the input (in the converted text for UTF-16 input).
        offset: usize,
        /// What is wrong there.
        reason: String,
    },
    /// URL-encoded PEM (as nginx, Envoy and AWS ALB forward it) with a `%` that is not followed
    /// by two hex digits: the text was cut or edited.
    InvalidPercentEncoding {
        /// Byte offset of the `%` in the input (in the converted text for UTF-16 input).
        offset: usize,
    },

    // ---------------------------------------------------------------- DER / X.509
    /// The bytes are not a well-formed DER X.509 certificate (RFC 5280 §4.1).
    BadDer {
        /// Byte offset of the problem in the DER bytes: in the file for binary input, in the
        /// decoded bytes for PEM, base64 and hex.
        offset: Option<usize>,
        /// What was being read (e.g. `"Certificate"`, `"TBSCertificate.validity"`).
        what: String,
        /// The DER decoder's description of the problem.
        reason: String,
        /// The PEM block the DER came from, for PEM input.
        pem: Option<PemPosition>,
    },
    /// Bytes follow the end of a DER certificate (a `.cer`/`.der` file holds exactly one).
    TrailingData {
        /// Byte offset where the certificate ends and the extra bytes begin (in the DER bytes,
        /// as for [`Error::BadDer`]).
        offset: usize,
        /// How many extra bytes there are.
        count: usize,
        /// The PEM block the DER came from, for PEM input.
        pem: Option<PemPosition>,
    },
    /// The DER is a well-formed structure, but a different one (a key, a CSR, a CRL…).
    NotACertificate {
        /// What it appears to be, e.g. `"a PKCS#8 private key"`.
        found: String,
        /// The PEM block the DER came from, for PEM input.
        pem: Option<PemPosition>,
    },

    // ---------------------------------------------------------------- PKCS#7 / PKCS#12
    /// The PKCS#7 / CMS content is malformed or is not SignedData.
    Pkcs7 {
        /// What is wrong.
        reason: String,
        /// Byte offset of the problem in the DER bytes, when known.
        offset: Option<usize>,
        /// The PEM block the DER came from, for PEM input.
        pem: Option<PemPosition>,
    },
    /// The PKCS#12 file is encrypted and no password was given.
    Pkcs12PasswordRequired,
    /// The PKCS#12 password is wrong (the MAC or the decryption does not check out).
    Pkcs12WrongPassword,
    /// The PKCS#12 file uses an algorithm or feature certbind does not implement (or the crate
    /// was built without the `pkcs12` feature).
    Pkcs12Unsupported {
        /// The algorithm or feature, with its OID when it has one.
        algorithm: String,
    },
    /// The PKCS#12 file asks for more key-derivation iterations than the limit.
    Pkcs12TooManyIterations {
        /// Iterations the file asks for.
        iterations: u64,
        /// The limit (see [`crate::Limits`]).
        limit: u64,
    },
    /// The PKCS#12 structure is malformed.
    Pkcs12Malformed {
        /// What is wrong, and where in the structure.
        reason: String,
    },

    // ---------------------------------------------------------------- thumbprint strings
    /// A pasted thumbprint is empty once invisible characters, spaces and labels are removed.
    ThumbprintEmpty,
    /// A character in a pasted thumbprint is not allowed.
    ThumbprintInvalidCharacter {
        /// The character.
        character: char,
        /// 0-based position, in characters, in the text as given.
        index: usize,
        /// What was expected there.
        expected: String,
    },
    /// A pasted thumbprint has the wrong length for every form (or for the form its label
    /// names).
    ThumbprintLength {
        /// The number of digits/characters found after cleaning.
        found: usize,
        /// What was counted and what the forms need, read after `found`: e.g.
        /// `"hex digits; a SHA-1 thumbprint has 40 (a SHA-256 thumbprint 64)"`.
        expected: String,
    },

    // ---------------------------------------------------------------- names, times
    /// A distinguished name string (RFC 4514, .NET or OpenSSL form) cannot be read.
    InvalidName {
        /// The text.
        input: String,
        /// 0-based character position of the problem.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A date-time string is not RFC 3339.
    InvalidTime {
        /// The text.
        input: String,
        /// What is wrong.
        reason: String,
    },

    // ---------------------------------------------------------------- registry, chain
    /// The client registry has problems; every one is listed.
    Registry {
        /// One entry per problem, in file order.
        problems: Vec<RegistryProblem>,
    },
    /// A trust anchor (or intermediate) given for chain validation is unusable.
    InvalidTrustAnchor {
        /// 0-based index in the list given.
        index: usize,
        /// Why.
        reason: String,
    },
}

/// Where a PEM block is: its label and the line of its `-----BEGIN` line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PemPosition {
    /// The block's label, e.g. `CERTIFICATE`.
    pub label: String,
    /// 1-based line of the `-----BEGIN` line.
    pub line: usize,
}

impl PemPosition {
    /// The block with `label` that begins at `line`.
    pub fn new(label: impl Into<String>, line: usize) -> Self {
        Self {
            label: label.into(),
            line,
        }
    }
}

impl fmt::Display for PemPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PEM block {} at line {}", self.label, self.line)
    }
}

/// Writes `"<pem position>: "` when there is one.
fn write_pem_prefix(f: &mut fmt::Formatter<'_>, pem: Option<&PemPosition>) -> fmt::Result {
    match pem {
        Some(pem) => write!(f, "{pem}: "),
        None => Ok(()),
    }
}

/// One problem found while loading a client registry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RegistryProblem {
    /// The client it concerns, when it concerns one.
    pub client_id: Option<String>,
    /// Dotted path of the field, e.g. `clients[2].secrets[0].value`.
    pub field: String,
    /// 1-based line in the TOML text, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl RegistryProblem {
    /// A problem with a field.
    pub fn new(
        client_id: Option<String>,
        field: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            client_id,
            field: field.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for RegistryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{}", self.field)?;
        if let Some(id) = &self.client_id {
            write!(f, " (client {})", Quoted(id))?;
        }
        write!(f, ": {}", self.message)
    }
}

impl Error {
    /// A stable, machine-readable name for the kind of error (the variant name).
    ///
    /// The npm package throws errors with this as `error.code`; it never changes for a variant.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyInput => "EmptyInput",
            Self::InputTooLarge { .. } => "InputTooLarge",
            Self::TooManyCertificates { .. } => "TooManyCertificates",
            Self::UnrecognizedFormat { .. } => "UnrecognizedFormat",
            Self::NoCertificate { .. } => "NoCertificate",
            Self::PemUnterminated { .. } => "PemUnterminated",
            Self::PemLabelMismatch { .. } => "PemLabelMismatch",
            Self::InvalidBase64 { .. } => "InvalidBase64",
            Self::InvalidHex { .. } => "InvalidHex",
            Self::InvalidPercentEncoding { .. } => "InvalidPercentEncoding",
            Self::BadDer { .. } => "BadDer",
            Self::TrailingData { .. } => "TrailingData",
            Self::NotACertificate { .. } => "NotACertificate",
            Self::Pkcs7 { .. } => "Pkcs7",
            Self::Pkcs12PasswordRequired => "Pkcs12PasswordRequired",
            Self::Pkcs12WrongPassword => "Pkcs12WrongPassword",
            Self::Pkcs12Unsupported { .. } => "Pkcs12Unsupported",
            Self::Pkcs12TooManyIterations { .. } => "Pkcs12TooManyIterations",
            Self::Pkcs12Malformed { .. } => "Pkcs12Malformed",
            Self::ThumbprintEmpty => "ThumbprintEmpty",
            Self::ThumbprintInvalidCharacter { .. } => "ThumbprintInvalidCharacter",
            Self::ThumbprintLength { .. } => "ThumbprintLength",
            Self::InvalidName { .. } => "InvalidName",
            Self::InvalidTime { .. } => "InvalidTime",
            Self::Registry { .. } => "Registry",
            Self::InvalidTrustAnchor { .. } => "InvalidTrustAnchor",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyInput => f.write_str("the input is empty"),
            Self::InputTooLarge { size, limit } => {
                write!(f, "the input is {size} bytes; the limit is {limit} bytes")
            }
            Self::TooManyCertificates { limit } => {
                write!(
                    f,
                    "the input holds more than {limit} certificates (the limit)"
                )
            }
            Self::UnrecognizedFormat { found } => write!(
                f,
                "not a certificate in any format certbind reads (PEM, DER, base64, hex, PKCS#7, \
                 PKCS#12): {found}"
            ),
            Self::NoCertificate { found } => {
                if found.is_empty() {
                    f.write_str("no certificate found in the input")
                } else {
                    f.write_str("no certificate found; the input holds: ")?;
                    for (i, what) in found.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        f.write_str(what)?;
                    }
                    Ok(())
                }
            }
            Self::PemUnterminated { label, line } => write!(
                f,
                "line {line}: `-----BEGIN {label}-----` has no matching `-----END {label}-----`"
            ),
            Self::PemLabelMismatch { begin, end, line } => write!(
                f,
                "line {line}: `-----END {end}-----` closes a block that began as `BEGIN {begin}`"
            ),
            Self::InvalidBase64 {
                label,
                line,
                column,
                reason,
            } => {
                if let Some(line) = line {
                    write!(f, "line {line}, column {column}: ")?;
                } else {
                    write!(f, "offset {column}: ")?;
                }
                if let Some(label) = label {
                    write!(f, "in PEM block {label}: ")?;
                }
                write!(f, "invalid base64: {reason}")
            }
            Self::InvalidHex { offset, reason } => {
                write!(f, "offset {offset}: invalid hex: {reason}")
            }
            Self::InvalidPercentEncoding { offset } => write!(
                f,
                "offset {offset}: invalid URL encoding: '%' is not followed by two hex digits"
            ),
            Self::BadDer {
                offset,
                what,
                reason,
                pem,
            } => {
                write_pem_prefix(f, pem.as_ref())?;
                write!(f, "malformed DER certificate")?;
                if let Some(offset) = offset {
                    write!(f, " at byte {offset}")?;
                }
                write!(f, " ({what}): {reason}")
            }
            Self::TrailingData { offset, count, pem } => {
                write_pem_prefix(f, pem.as_ref())?;
                write!(
                    f,
                    "{count} unexpected byte(s) after the end of the certificate at byte {offset}"
                )
            }
            Self::NotACertificate { found, pem } => {
                write_pem_prefix(f, pem.as_ref())?;
                write!(f, "not a certificate: this is {found}")
            }
            Self::Pkcs7 {
                reason,
                offset,
                pem,
            } => {
                write_pem_prefix(f, pem.as_ref())?;
                write!(f, "PKCS#7")?;
                if let Some(offset) = offset {
                    write!(f, " at byte {offset}")?;
                }
                write!(f, ": {reason}")
            }
            Self::Pkcs12PasswordRequired => {
                f.write_str("PKCS#12: the file is password protected; give the password")
            }
            Self::Pkcs12WrongPassword => f.write_str("PKCS#12: wrong password"),
            Self::Pkcs12Unsupported { algorithm } => {
                write!(f, "PKCS#12: {algorithm} is not supported")
            }
            Self::Pkcs12TooManyIterations { iterations, limit } => write!(
                f,
                "PKCS#12: the file asks for {iterations} key-derivation iterations; the limit is \
                 {limit}"
            ),
            Self::Pkcs12Malformed { reason } => write!(f, "PKCS#12: malformed file: {reason}"),
            Self::ThumbprintEmpty => f.write_str("the thumbprint is empty"),
            Self::ThumbprintInvalidCharacter {
                character,
                index,
                expected,
            } => write!(
                f,
                "{} at position {index} is not allowed: expected {expected}",
                crate::describe_char(*character)
            ),
            Self::ThumbprintLength { found, expected } => write!(f, "{found} {expected}"),
            Self::InvalidName {
                input,
                index,
                reason,
            } => {
                write!(
                    f,
                    "invalid distinguished name {} at position {index}: {reason}",
                    Quoted(input)
                )
            }
            Self::InvalidTime { input, reason } => {
                write!(
                    f,
                    "invalid date-time {}: {reason} (expected RFC 3339)",
                    Quoted(input)
                )
            }
            Self::Registry { problems } => {
                write!(f, "the client registry has {} problem(s)", problems.len())?;
                for problem in problems {
                    write!(f, "\n  {problem}")?;
                }
                Ok(())
            }
            Self::InvalidTrustAnchor { index, reason } => {
                write!(f, "trust anchor #{index} is unusable: {reason}")
            }
        }
    }
}

impl core::error::Error for Error {}
