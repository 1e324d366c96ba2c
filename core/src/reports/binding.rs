//! Is a certificate-bound access token presented with the certificate it is bound to? (RFC 8705
//! §3: the token's `cnf` claim holds `x5t#S256`, the base64url SHA-256 of the DER certificate the
//! client authenticated with; the resource server compares it with the certificate of the
//! request.)
//!
//! The check is strict: the value must be exactly the 43 base64url characters of the SHA-256 of
//! the presented certificate (compared in constant time). When it is not, the answer says what
//! the value is instead, reusing the normaliser ([`crate::normalize_thumbprint`]) and the near-miss
//! search of [`crate::compare_decoded`]: another certificate's thumbprint (both are shown), this
//! certificate's SHA-1 or its SHA-256 in hex, padding or standard base64, the hash of the public
//! key or of the issuer's certificate in the chain the client sent, a typo, a DPoP (`jkt`) or
//! proof-of-possession key (`jwk`) confirmation instead of a certificate one, or no `cnf` at all.
//!
//! The server (actix-web extractor), the CLI (`certbind verify-token`), the npm package
//! (`checkBinding`, `certbind/api`) and the checker page all answer with this one function.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use subtle::ConstantTimeEq;

use crate::text::Quoted;
use crate::{
    Certificate, ChangeKind, Decoded, InputFormat, NearMiss, NearMissKind, PresentedCertificate,
    ThumbprintForm, compare_decoded, normalize_thumbprint,
};

/// The `cnf` member of a certificate binding (RFC 8705 §3.1).
pub const X5T_S256: &str = "x5t#S256";

/// Longest value quoted in a message (a thumbprint is 43 characters; anything much longer is
/// not one, and a token's claims are untrusted).
const MAX_QUOTED_CHARS: usize = 80;

/// The `cnf` (confirmation) claim of a token (RFC 7800 §3.1), as the token carried it: the name
/// of each member and, when the member is a string, its value.
///
/// Built by the caller from its JSON parser's view of the claims, so that the check itself needs
/// none (`Confirmation::new().with("x5t#S256", Some("…"))`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Confirmation {
    members: Vec<(String, Option<String>)>,
}

impl Confirmation {
    /// An empty `cnf` object (`{}`).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            members: Vec::new(),
        }
    }

    /// Adds a member: `value` is the string it holds, `None` when it is not a string (an object
    /// such as `jwk`, a number, …).
    pub fn push(&mut self, name: impl Into<String>, value: Option<String>) {
        self.members.push((name.into(), value));
    }

    /// [`Confirmation::push`] as a builder.
    #[must_use]
    pub fn with(mut self, name: &str, value: Option<&str>) -> Self {
        self.push(name, value.map(String::from));
        self
    }

    /// The member `name`: `None` when absent, `Some(None)` when present but not a string.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.members
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }

    /// The member names, in the order given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(n, _)| n.as_str())
    }
}

/// The verdict of [`check_binding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BindingOutcome {
    /// `cnf.x5t#S256` is the presented certificate's: the token is bound to it.
    Bound,
    /// The token has no `cnf` claim: it is a plain bearer token, bound to nothing.
    NoConfirmation,
    /// `cnf` is there but has no `x5t#S256` (e.g. a DPoP `jkt`, or a SHA-1 `x5t`).
    NoCertificateThumbprint,
    /// `cnf.x5t#S256` is not a base64url SHA-256 (43 characters, no padding).
    Malformed,
    /// The token is bound to a certificate, and the request presented none.
    NoCertificate,
    /// `cnf.x5t#S256` is a well-formed thumbprint of another certificate.
    OtherCertificate,
}

/// What a binding value that does not match is instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BindingHintKind {
    /// `=` padding after the base64url (RFC 7515 §2: JOSE base64url has none).
    Padding,
    /// `+` or `/` of standard base64 instead of base64url's `-` and `_`.
    StandardBase64,
    /// The SHA-256 in hex (64 digits) instead of base64url.
    Hex,
    /// A SHA-1 digest (40 hex digits or a 27-character `x5t`) instead of SHA-256.
    Sha1,
    /// Spaces, invisible characters, separators or quotes around or inside the value.
    Formatting,
    /// The SHA-256 of the certificate's public key (SubjectPublicKeyInfo), not of the certificate.
    PublicKeyHash,
    /// The thumbprint of the CA certificate (in the chain the client sent) that issued the
    /// client's certificate.
    IssuerCertificate,
    /// The thumbprint of another certificate of the chain the client sent.
    ChainCertificate,
    /// The certificate's Subject Key Identifier, Authority Key Identifier or serial number.
    CertificateField,
    /// The certificate's `x5t#S256` with a few characters changed.
    CharactersDiffer,
    /// `cnf.jkt`: bound to a DPoP key (RFC 9449), not to a certificate.
    Dpop,
    /// `cnf.jwk`, `cnf.jwe`, `cnf.kid` or `cnf.jku`: bound to a proof-of-possession key
    /// (RFC 7800), not to a certificate.
    ProofOfPossessionKey,
    /// The value is no thumbprint in any form.
    NotAThumbprint,
}

/// One near miss: what the binding value is instead, in words.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct BindingHint {
    /// What it is.
    pub kind: BindingHintKind,
    /// Whether, read that way, it denotes the presented certificate (the authorization server
    /// wrote the right certificate in the wrong form).
    pub matches_certificate: bool,
    /// The hint in words, ready to show.
    pub message: String,
}

/// The answer of [`check_binding`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Binding {
    /// The verdict.
    pub outcome: BindingOutcome,
    /// Whether the token is bound to the presented certificate (`outcome` is `bound`).
    pub bound: bool,
    /// `cnf.x5t#S256` as the token carried it, when it is a string.
    pub token_x5t_s256: Option<String>,
    /// The presented certificate's `x5t#S256`, when a certificate was presented.
    pub certificate_x5t_s256: Option<String>,
    /// What the value is instead, when the token is not bound to the certificate.
    pub hints: Vec<BindingHint>,
    /// The verdict in words.
    pub message: String,
}

/// Checks the binding of a token (its `cnf` claim, `None` when it has none) to the certificate
/// presented with it (`None` when there was none).
///
/// The value is accepted only when it is exactly the base64url (no padding) of the SHA-256 of
/// the presented DER certificate; the digest is compared in constant time. The near-miss search
/// runs only on a mismatch.
#[must_use]
pub fn check_binding(
    cnf: Option<&Confirmation>,
    certificate: Option<&PresentedCertificate>,
) -> Binding {
    let certificate_x5t_s256 = certificate.map(PresentedCertificate::x5t_s256);
    let mut binding = Binding {
        outcome: BindingOutcome::NoConfirmation,
        bound: false,
        token_x5t_s256: None,
        certificate_x5t_s256,
        hints: Vec::new(),
        message: String::new(),
    };
    let Some(cnf) = cnf else {
        binding.message = String::from(
            "the token has no cnf claim: it is not bound to any certificate (RFC 8705 §3.1); the \
             authorization server issues bound tokens to clients registered with \
             tls_client_certificate_bound_access_tokens",
        );
        return binding;
    };
    let value = match cnf.get(X5T_S256) {
        Some(Some(value)) => value,
        Some(None) => {
            binding.outcome = BindingOutcome::Malformed;
            binding.message = String::from("cnf.x5t#S256 is not a string");
            return binding;
        }
        None => {
            binding.outcome = BindingOutcome::NoCertificateThumbprint;
            binding.message = no_thumbprint_message(cnf);
            binding.hints = other_confirmations(cnf, certificate);
            return binding;
        }
    };
    binding.token_x5t_s256 = Some(value.to_string());
    let digest = well_formed(value);
    let Some(certificate) = certificate else {
        binding.outcome = if digest.is_some() {
            BindingOutcome::NoCertificate
        } else {
            BindingOutcome::Malformed
        };
        binding.message = format!(
            "the token is bound to a certificate (cnf.x5t#S256 {}), and the request presented \
             none",
            shown(value)
        );
        return binding;
    };
    if let Some(digest) = digest {
        if bool::from(digest.as_slice().ct_eq(certificate.sha256())) {
            binding.outcome = BindingOutcome::Bound;
            binding.bound = true;
            binding.message = format!(
                "the token is bound to this certificate (x5t#S256 {})",
                certificate.x5t_s256()
            );
            return binding;
        }
        binding.outcome = BindingOutcome::OtherCertificate;
        binding.message = format!(
            "the token is bound to another certificate: cnf.x5t#S256 is {value}, the presented \
             certificate's x5t#S256 is {}",
            certificate.x5t_s256()
        );
    } else {
        binding.outcome = BindingOutcome::Malformed;
        binding.message = format!(
            "cnf.x5t#S256 {} is not an x5t#S256 (the base64url SHA-256 of a certificate: 43 \
             characters, no padding); the presented certificate's is {}",
            shown(value),
            certificate.x5t_s256()
        );
    }
    binding.hints = value_hints(value, certificate);
    binding
}

/// The digest a binding value denotes when it is a canonical x5t#S256: 43 base64url characters,
/// no padding, zero unused bits.
fn well_formed(value: &str) -> Option<Vec<u8>> {
    if value.len() != 43 {
        return None;
    }
    crate::base64::decode(value.as_bytes(), true).filter(|d| d.len() == 32)
}

/// A value for a message: quoted, escaped, and cut after [`MAX_QUOTED_CHARS`] characters.
fn shown(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!(
            "{}… ({} characters)",
            Quoted(value.get(..end).unwrap_or(value)),
            value.chars().count()
        ),
        None => Quoted(value).to_string(),
    }
}

fn no_thumbprint_message(cnf: &Confirmation) -> String {
    let mut names = String::new();
    for (i, name) in cnf.names().enumerate() {
        let separator = if i == 0 { "" } else { ", " };
        let _ = write!(names, "{separator}{}", Quoted(name));
    }
    if names.is_empty() {
        String::from(
            "the token's cnf claim is empty: it is not bound to a certificate (RFC 8705 §3.1 \
             puts the certificate's x5t#S256 there)",
        )
    } else {
        format!(
            "the token's cnf claim has no x5t#S256 member, so it is not bound to a certificate \
             (RFC 8705 §3.1); it has {names}"
        )
    }
}

/// Hints for a `cnf` without `x5t#S256`: what its members bind to instead.
fn other_confirmations(
    cnf: &Confirmation,
    certificate: Option<&PresentedCertificate>,
) -> Vec<BindingHint> {
    let mut hints = Vec::new();
    for (name, value) in &cnf.members {
        match name.as_str() {
            "jkt" => hints.push(hint(
                BindingHintKind::Dpop,
                false,
                String::from(
                    "cnf.jkt is a DPoP key thumbprint (RFC 9449): the token is bound to a DPoP \
                     key and must come with a DPoP proof; it is not a certificate-bound token",
                ),
            )),
            "jwk" | "jwe" | "kid" | "jku" => hints.push(hint(
                BindingHintKind::ProofOfPossessionKey,
                false,
                format!(
                    "cnf.{name} binds the token to a proof-of-possession key (RFC 7800), not to \
                     a certificate"
                ),
            )),
            other => {
                // `x5t` (SHA-1), `x5t#S256` under another spelling (`x5t#s256`, `x5t_s256`):
                // read the value as a thumbprint and say what it is.
                let Some(value) = value else { continue };
                if !other.to_ascii_lowercase().starts_with("x5t") {
                    continue;
                }
                let spelled = if other == "x5t" {
                    String::from("cnf.x5t is not a member RFC 8705 defines")
                } else {
                    format!("cnf.{other} is not spelled x5t#S256 (member names are case-sensitive)")
                };
                match certificate {
                    Some(certificate) => {
                        for mut h in value_hints(value, certificate) {
                            h.message = format!("{spelled}; its value: {}", h.message);
                            hints.push(h);
                        }
                    }
                    None => hints.push(hint(BindingHintKind::Formatting, false, spelled)),
                }
            }
        }
    }
    hints
}

fn hint(kind: BindingHintKind, matches_certificate: bool, message: String) -> BindingHint {
    BindingHint {
        kind,
        matches_certificate,
        message,
    }
}

/// What a binding value that is not the presented certificate's x5t#S256 is instead.
fn value_hints(value: &str, certificate: &PresentedCertificate) -> Vec<BindingHint> {
    let normalized = match normalize_thumbprint(value) {
        Ok(normalized) => normalized,
        Err(error) => {
            return alloc::vec![hint(
                BindingHintKind::NotAThumbprint,
                false,
                format!("the value is no thumbprint in any form: {error}"),
            )];
        }
    };
    let comparison = compare_decoded(&[], &as_decoded(certificate), normalized);
    let form = comparison.expected.form;
    let matched = comparison.matched;
    let mut hints = Vec::new();
    // How the value is written: each way it differs from a canonical x5t#S256.
    let read_as = |what: &str| -> String {
        if matched {
            format!(
                "{what}; read that way it is this certificate's {} ({}): the right certificate, \
                 written in the wrong form",
                form.label(),
                comparison.expected.value
            )
        } else {
            format!("{what}; read that way it is not this certificate's either")
        }
    };
    let changes = &comparison.expected.changes;
    let changed = |kind: ChangeKind| changes.iter().any(|c| c.kind == kind);
    if changed(ChangeKind::Padding) {
        hints.push(hint(
            BindingHintKind::Padding,
            matched,
            read_as("it ends with '=' padding, which JOSE base64url never has (RFC 7515 §2)"),
        ));
    }
    if changed(ChangeKind::StandardBase64) {
        hints.push(hint(
            BindingHintKind::StandardBase64,
            matched,
            read_as(
                "it uses '+' or '/' of standard base64; x5t#S256 is base64url ('-' and '_', \
                 RFC 4648 §5)",
            ),
        ));
    }
    if changes.iter().any(|c| {
        matches!(
            c.kind,
            ChangeKind::Whitespace
                | ChangeKind::Invisible
                | ChangeKind::Separator
                | ChangeKind::Quote
                | ChangeKind::Label
                | ChangeKind::Prefix
        )
    }) {
        hints.push(hint(
            BindingHintKind::Formatting,
            matched,
            read_as(
                "it holds characters a thumbprint does not have (spaces, invisible characters, \
                 separators, quotes or a label)",
            ),
        ));
    }
    match form {
        ThumbprintForm::Sha256Hex => hints.push(hint(
            BindingHintKind::Hex,
            matched,
            read_as(
                "it is 64 hex digits, a SHA-256 in hex; x5t#S256 is the same digest in base64url \
                 (43 characters)",
            ),
        )),
        ThumbprintForm::Sha1Hex => hints.push(hint(
            BindingHintKind::Sha1,
            matched,
            read_as(
                "it is 40 hex digits, a SHA-1 thumbprint; x5t#S256 is the certificate's SHA-256 \
                 in base64url",
            ),
        )),
        ThumbprintForm::X5t => hints.push(hint(
            BindingHintKind::Sha1,
            matched,
            read_as(
                "it is 27 base64url characters, an x5t (SHA-1); x5t#S256 is the certificate's \
                 SHA-256 (43 characters)",
            ),
        )),
        _ => {}
    }
    for miss in &comparison.near_misses {
        if let Some(h) = near_miss_hint(miss, certificate) {
            hints.push(h);
        }
    }
    hints
}

/// The presented certificate and the chain it came with, as the input [`compare_decoded`]
/// searches: the leaf is the client certificate (as if it held the key), the rest its chain.
fn as_decoded(certificate: &PresentedCertificate) -> Decoded {
    let mut certificates = Vec::with_capacity(1 + certificate.chain().len());
    if let Ok(leaf) = Certificate::from_der(certificate.der()) {
        certificates.push(leaf);
    }
    certificates.extend(
        certificate
            .chain()
            .iter()
            .filter_map(|der| Certificate::from_der(der).ok()),
    );
    Decoded {
        format: InputFormat::Der,
        certificates,
        key_certificate: Some(0),
        has_private_key: false,
        notes: Vec::new(),
    }
}

/// A near miss of the comparison, in the words of a token binding.
fn near_miss_hint(miss: &NearMiss, certificate: &PresentedCertificate) -> Option<BindingHint> {
    // Position 0 is the client's certificate; 1… are the chain it sent.
    let whose = |index: Option<usize>| match index {
        Some(0) | None => String::from("the presented certificate"),
        Some(i) => format!(
            "certificate #{i} of the chain the client sent ({})",
            certificate
                .chain()
                .get(i - 1)
                .and_then(|der| crate::decide::subject_name(der))
                .unwrap_or_else(|| String::from("unreadable subject"))
        ),
    };
    let (kind, message) = match miss.kind {
        NearMissKind::PublicKeyHash => (
            BindingHintKind::PublicKeyHash,
            format!(
                "it is the SHA-256 of the public key (SubjectPublicKeyInfo) of {}, not of the \
                 certificate: x5t#S256 hashes the whole DER certificate",
                whose(miss.index)
            ),
        ),
        NearMissKind::IssuerCertificate => (
            BindingHintKind::IssuerCertificate,
            format!(
                "it is the {} of {}, the CA that issued the client's certificate: the token is \
                 bound to the issuer's certificate instead of the client's",
                miss.form.label(),
                whose(miss.index)
            ),
        ),
        NearMissKind::OtherCertificate => (
            BindingHintKind::ChainCertificate,
            format!(
                "it is the {} of {}, not of the client's certificate",
                miss.form.label(),
                whose(miss.index)
            ),
        ),
        NearMissKind::SubjectKeyIdentifier => (
            BindingHintKind::CertificateField,
            format!(
                "it is the Subject Key Identifier of {}, not a thumbprint",
                whose(miss.index)
            ),
        ),
        NearMissKind::AuthorityKeyIdentifier => (
            BindingHintKind::CertificateField,
            format!(
                "it is the Authority Key Identifier of {} (it identifies the issuer's key), not \
                 a thumbprint",
                whose(miss.index)
            ),
        ),
        NearMissKind::SerialNumber => (
            BindingHintKind::CertificateField,
            format!(
                "it is the serial number of {}, not a thumbprint",
                whose(miss.index)
            ),
        ),
        NearMissKind::CharactersDiffer => {
            let mut at = String::new();
            for (n, d) in miss.differences.iter().enumerate() {
                let separator = if n == 0 { "" } else { ", " };
                let _ = write!(
                    at,
                    "{separator}position {} ('{}' should be '{}')",
                    d.index, d.pasted, d.certificate
                );
            }
            (
                BindingHintKind::CharactersDiffer,
                format!(
                    "it differs from the presented certificate's {} in {} character(s): {at}",
                    miss.form.label(),
                    miss.differences.len()
                ),
            )
        }
        // The file-hash near miss needs text input; a token has none.
        _ => return None,
    };
    Some(hint(kind, false, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_takes_only_canonical_base64url_sha256() {
        let good = "q_zda5gHirBUmZkxvpfCBOebpf_EJ-f45N5fCNYSJ1Y";
        assert_eq!(well_formed(good).map(|d| d.len()), Some(32));
        assert!(well_formed(&format!("{good}=")).is_none());
        assert!(well_formed(&good.replace('_', "/")).is_none());
        // The last character carries 2 unused bits, which must be zero.
        assert!(well_formed("q_zda5gHirBUmZkxvpfCBOebpf_EJ-f45N5fCNYSJ1Z").is_none());
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "A".repeat(500);
        let s = shown(&long);
        assert!(s.ends_with("… (500 characters)"), "{s}");
        assert!(s.chars().count() < 110, "{s}");
    }

    #[test]
    fn no_cnf_and_other_confirmations_say_so() {
        let b = check_binding(None, None);
        assert_eq!(b.outcome, BindingOutcome::NoConfirmation);
        let dpop =
            Confirmation::new().with("jkt", Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"));
        let b = check_binding(Some(&dpop), None);
        assert_eq!(b.outcome, BindingOutcome::NoCertificateThumbprint);
        assert_eq!(b.hints[0].kind, BindingHintKind::Dpop);
        assert!(b.message.contains("\"jkt\""), "{}", b.message);
        let b = check_binding(Some(&Confirmation::new().with(X5T_S256, None)), None);
        assert_eq!(b.outcome, BindingOutcome::Malformed);
    }
}
