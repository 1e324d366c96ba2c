//! The decision: does what a client presented authenticate it, and if not, why not — one reason
//! per registered secret. The answers are in [`crate::outcome`], the reasons and their messages
//! in [`crate::reason`]; this module holds the checks.
//!
//! ## Order of checks, per secret
//! 1. the secret's type must serve the client's method (else *method not allowed*);
//! 2. the credential must be there (a certificate, or a shared secret);
//! 3. identity: thumbprint / registered certificate / subject DN / SAN / secret value;
//! 4. certificate methods: the presented certificate's validity, with the clock skew;
//! 5. `tls_client_auth` and `x509_name`: the chain, to the trust anchors, for `clientAuth`;
//!    then the issuer key pin;
//! 6. the secret's own `expires` (reported instead of the above when it has passed, saying
//!    whether the secret would otherwise have matched).
//!
//! ## Validity and clock skew
//! The presented certificate's notBefore/notAfter are checked for *every* certificate method,
//! including the pinned ones (a thumbprint does not make an expired certificate acceptable;
//! rotate the registration along with the certificate). The registered secret's `expires` is
//! checked separately. A certificate is accepted from `notBefore − skew` to `notAfter + skew`
//! (default 5 minutes, `clock_skew` in the registry). Chains are then validated at the instant
//! closest to now inside the leaf's validity, so the skew extends to the whole path.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::UnixTime;
use crate::holder_names::HolderNames;
use crate::outcome::{Acceptance, Decision, Explanation, Rejection, SecretOutcome};
use crate::presented::{Presented, PresentedCertificate, SecretTransport};
use crate::reason::{
    ClientReason, Credential, DigestKind, Reason, SecretRejection, ThumbprintHint,
};
use crate::registry::{Client, DEFAULT_CLOCK_SKEW, Registry};
use crate::san::SanMismatch;
use crate::secret::{AuthMethod, Secret, SecretKind, SecretType, SubjectRequirement};
use crate::thumbprint::hex_upper;
use crate::trust::TrustStore;
use crate::when::When;

/// What the decision needs besides the client and the credentials.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct DecisionContext<'a> {
    /// The time of the request.
    pub now: UnixTime,
    /// The trust anchors for `tls_client_auth` and `x509_name`.
    pub trust: &'a TrustStore,
    /// Seconds of clock skew allowed on certificate validity.
    pub clock_skew: u64,
    /// The signature algorithms chain validation accepts.
    #[cfg(feature = "chain")]
    pub algorithms: &'a [&'a dyn pki_types::SignatureVerificationAlgorithm],
    /// Signatures already verified (see [`crate::SignatureCache`]); `None` verifies every time.
    #[cfg(feature = "chain")]
    pub signature_cache: Option<&'a (dyn crate::SignatureCache + Sync)>,
    /// Whether a rejection says what a registered thumbprint that does not match is instead
    /// ([`ThumbprintHint`]: this certificate's other digest, its key's hash, a certificate of
    /// the chain it sent). Finding out hashes the presented chain, so a server that will not
    /// log the reason turns it off; explanations keep it. Default: on.
    pub hints: bool,
}

impl<'a> DecisionContext<'a> {
    /// A context with the default clock skew and certbind's algorithms.
    #[must_use]
    pub fn new(now: UnixTime, trust: &'a TrustStore) -> Self {
        Self {
            now,
            trust,
            clock_skew: DEFAULT_CLOCK_SKEW,
            #[cfg(feature = "chain")]
            algorithms: crate::signature::ALL_ALGORITHMS,
            #[cfg(feature = "chain")]
            signature_cache: None,
            hints: true,
        }
    }

    /// A context for a registry: its anchors and its clock skew.
    #[must_use]
    pub fn for_registry(registry: &'a Registry, now: UnixTime) -> Self {
        Self {
            clock_skew: registry.clock_skew,
            ..Self::new(now, &registry.trust)
        }
    }
}

/// Decides whether `presented` authenticates `client`. Stops at the first secret that matches.
#[must_use]
pub fn decide(
    client: &Client,
    presented: &Presented<'_>,
    context: &DecisionContext<'_>,
) -> Decision {
    evaluate(client, presented, context, true).decision
}

/// Like [`decide`], evaluating every secret (for explanations).
#[must_use]
pub fn explain(
    client: &Client,
    presented: &Presented<'_>,
    context: &DecisionContext<'_>,
) -> Explanation {
    evaluate(client, presented, context, false)
}

/// The first instant after `context.now` at which [`decide`] could answer otherwise for the same
/// client and the same presentation only because time has passed, or `None` when no later
/// instant can change it.
///
/// The decision depends on the time only through these instants: the presented certificate's
/// notBefore and notAfter, with the clock skew (its validity check) and without (chains are
/// validated at the instant closest to now inside its validity); the notBefore and notAfter of
/// every certificate sent after it (any of them may be on the path); and each secret's
/// `expires`. Trust anchors have no validity in chain validation. A server may therefore reuse a
/// decision for the same inputs until then, as certbind's does on a connection.
#[must_use]
pub fn next_change(
    client: &Client,
    presented: &Presented<'_>,
    context: &DecisionContext<'_>,
) -> Option<UnixTime> {
    let now = When::from(context.now);
    let skew = i64::try_from(context.clock_skew).unwrap_or(i64::MAX);
    // Each instant is the first second at which a comparison with `now` turns.
    let mut instants: Vec<When> = client.secrets.iter().filter_map(|s| s.expires).collect();
    if let Some(cert) = presented.certificate {
        let (not_before, not_after) = (cert.not_before(), cert.not_after());
        instants.extend([
            not_before.plus(-skew),
            not_before,
            not_after.plus(1),
            not_after.plus(skew).plus(1),
        ]);
        for der in cert.chain() {
            if let Ok((not_before, not_after)) = crate::validity::read_validity(der) {
                instants.extend([not_before, not_after.plus(1)]);
            }
        }
    }
    instants
        .into_iter()
        .filter(|instant| *instant > now)
        .min()
        .map(When::unix_time)
}

fn evaluate(
    client: &Client,
    presented: &Presented<'_>,
    ctx: &DecisionContext<'_>,
    stop_at_match: bool,
) -> Explanation {
    let client_reasons = client_reasons(client, presented);
    if stop_at_match && !client.enabled {
        // A disabled client is rejected whatever it presents: nothing is verified for it (an
        // explanation still evaluates every secret, to say whether it would match).
        return Explanation {
            decision: Decision::Rejected(Rejection {
                client_id: client.client_id.clone(),
                client_reasons,
                secrets: Vec::new(),
            }),
            secrets: Vec::new(),
        };
    }
    let mut outcomes = Vec::with_capacity(client.secrets.len());
    let mut accepted = None;
    for (index, secret) in client.secrets.iter().enumerate() {
        let result = evaluate_secret(client, secret, presented, ctx);
        if accepted.is_none()
            && client_reasons.is_empty()
            && let Ok(method) = result
        {
            accepted = Some((index, secret.secret_type(), method));
        }
        outcomes.push(SecretOutcome {
            index,
            secret_type: secret.secret_type(),
            description: secret.description.clone(),
            result,
        });
        if stop_at_match && accepted.is_some() {
            break;
        }
    }
    let decision = match accepted {
        Some((secret_index, secret_type, used)) => {
            let acceptance =
                Acceptance::new(client.client_id.clone(), secret_index, secret_type, used);
            Decision::Accepted(match presented.certificate {
                Some(certificate) if used.uses_certificate() => {
                    acceptance.with_certificate(certificate, client.certificate_bound_access_tokens)
                }
                _ => acceptance,
            })
        }
        None => Decision::Rejected(Rejection {
            client_id: client.client_id.clone(),
            client_reasons,
            secrets: outcomes
                .iter()
                .filter_map(|o| {
                    o.result.as_ref().err().map(|reason| SecretRejection {
                        index: o.index,
                        secret_type: o.secret_type,
                        description: o.description.clone(),
                        reason: reason.clone(),
                    })
                })
                .collect(),
        }),
    };
    Explanation {
        decision,
        secrets: outcomes,
    }
}

fn client_reasons(client: &Client, presented: &Presented<'_>) -> Vec<ClientReason> {
    let mut reasons = Vec::new();
    if !client.enabled {
        reasons.push(ClientReason::Disabled);
    }
    let method = client.token_endpoint_auth_method;
    let secret = presented
        .secret
        .as_ref()
        .map(|s| Credential::of_transport(s.transport()));
    if method.uses_certificate() {
        if presented.certificate.is_none() {
            reasons.push(ClientReason::NoCertificatePresented { method });
            if let Some(presented) = secret {
                reasons.push(ClientReason::MethodNotAllowed { presented, method });
            }
        }
    } else {
        match presented.secret.as_ref() {
            None => {
                reasons.push(ClientReason::NoSecretPresented { method });
                if presented.certificate.is_some() {
                    reasons.push(ClientReason::MethodNotAllowed {
                        presented: Credential::Certificate,
                        method,
                    });
                }
            }
            Some(s) => {
                let used = match s.transport() {
                    SecretTransport::Basic => AuthMethod::ClientSecretBasic,
                    SecretTransport::Post => AuthMethod::ClientSecretPost,
                };
                if !client.accepts(used) {
                    reasons.push(ClientReason::MethodNotAllowed {
                        presented: Credential::of_transport(s.transport()),
                        method,
                    });
                }
            }
        }
    }
    reasons
}

fn evaluate_secret(
    client: &Client,
    secret: &Secret,
    presented: &Presented<'_>,
    ctx: &DecisionContext<'_>,
) -> Result<AuthMethod, Reason> {
    let kind = secret.secret_type();
    let client_method = client.token_endpoint_auth_method;
    if !kind.serves(client_method) {
        return Err(Reason::MethodNotAllowed {
            secret_method: kind.method(),
            client_method,
        });
    }
    let result = match &secret.kind {
        SecretKind::SharedSecret(hash) => match &presented.secret {
            None => Err(Reason::NoSecret),
            Some(given) => {
                if bool::from(given.sha256().ct_eq(&hash.0)) {
                    Ok(client_method)
                } else {
                    Err(Reason::SecretDiffers)
                }
            }
        },
        certificate_kind => match presented.certificate {
            None => Err(Reason::NoCertificate),
            Some(cert) => check_certificate(client, certificate_kind, cert, ctx),
        },
    };
    match secret.expires {
        Some(at) if at <= When::from(ctx.now) => Err(Reason::SecretExpired {
            at,
            would_match: result.is_ok(),
        }),
        _ => result,
    }
}

fn check_certificate(
    client: &Client,
    kind: &SecretKind,
    cert: &PresentedCertificate,
    ctx: &DecisionContext<'_>,
) -> Result<AuthMethod, Reason> {
    match kind {
        SecretKind::X509Thumbprint(t) => {
            check_thumbprint(&t.digest, &t.text, DigestKind::Sha1, cert, ctx.hints)?;
            check_validity(cert, ctx)?;
            Ok(AuthMethod::SelfSignedTlsClientAuth)
        }
        SecretKind::X509ThumbprintSha256(t) => {
            check_thumbprint(&t.digest, &t.text, DigestKind::Sha256, cert, ctx.hints)?;
            check_validity(cert, ctx)?;
            Ok(AuthMethod::SelfSignedTlsClientAuth)
        }
        SecretKind::SelfSignedTlsClientAuth(s) => {
            let mut matched = subtle::Choice::from(0);
            for registered in &s.sha256 {
                matched |= registered.ct_eq(cert.sha256());
            }
            if !bool::from(matched) {
                let hint = s
                    .sha256
                    .iter()
                    .filter(|_| ctx.hints)
                    .find_map(|d| thumbprint_hint(d, DigestKind::Sha256, cert));
                return Err(Reason::CertificateNotRegistered {
                    registered: s.sha256.iter().map(|d| hex_upper(d)).collect(),
                    actual: hex_upper(cert.sha256()),
                    hint,
                });
            }
            check_validity(cert, ctx)?;
            Ok(AuthMethod::SelfSignedTlsClientAuth)
        }
        SecretKind::X509Name(dn) => {
            let parsed = parsed(cert)?;
            check_subject(&SubjectRequirement::SubjectDn(dn.clone()), parsed, cert)?;
            check_validity(cert, ctx)?;
            check_chain(client.trust_anchors.as_deref(), &[], cert, ctx)?;
            Ok(AuthMethod::TlsClientAuth)
        }
        SecretKind::TlsClientAuth(t) => {
            let parsed = parsed(cert)?;
            check_subject(&t.subject, parsed, cert)?;
            check_validity(cert, ctx)?;
            let anchors = t
                .trust_anchors
                .as_deref()
                .or(client.trust_anchors.as_deref());
            check_chain(anchors, &t.issuer_key_sha256, cert, ctx)?;
            Ok(AuthMethod::TlsClientAuth)
        }
        SecretKind::SharedSecret(_) => Err(Reason::NoSecret),
    }
}

fn parsed(cert: &PresentedCertificate) -> Result<&HolderNames, Reason> {
    cert.names()
        .map_err(|detail| Reason::CertificateUnreadable {
            detail: detail.to_string(),
        })
}

fn check_thumbprint(
    registered: &[u8],
    text: &str,
    algorithm: DigestKind,
    cert: &PresentedCertificate,
    hints: bool,
) -> Result<(), Reason> {
    let actual: &[u8] = match algorithm {
        DigestKind::Sha1 => cert.sha1(),
        DigestKind::Sha256 => cert.sha256(),
    };
    if bool::from(registered.ct_eq(actual)) {
        return Ok(());
    }
    Err(Reason::ThumbprintDiffers {
        algorithm,
        expected: text.to_string(),
        actual: hex_upper(actual),
        hint: if hints {
            thumbprint_hint(registered, algorithm, cert)
        } else {
            None
        },
    })
}

/// What a registered digest that does not match this certificate is, when certbind can tell.
fn thumbprint_hint(
    registered: &[u8],
    algorithm: DigestKind,
    cert: &PresentedCertificate,
) -> Option<ThumbprintHint> {
    if registered == cert.sha256().as_slice() && algorithm != DigestKind::Sha256 {
        return Some(ThumbprintHint::OtherAlgorithm {
            algorithm: DigestKind::Sha256,
            use_type: SecretType::X509ThumbprintSha256,
        });
    }
    if registered == cert.sha1().as_slice() && algorithm != DigestKind::Sha1 {
        return Some(ThumbprintHint::OtherAlgorithm {
            algorithm: DigestKind::Sha1,
            use_type: SecretType::X509Thumbprint,
        });
    }
    if let Ok(raw) = crate::tbs::walk(cert.der())
        && registered == Sha256::digest(raw.spki).as_slice()
    {
        return Some(ThumbprintHint::KeyHash);
    }
    cert.chain().iter().enumerate().find_map(|(i, der)| {
        let matches = registered == Sha1::digest(der).as_slice()
            || registered == Sha256::digest(der).as_slice();
        matches.then(|| ThumbprintHint::ChainCertificate {
            position: i + 1,
            subject: subject_of(der),
        })
    })
}

/// The RFC 4514 subject of a DER certificate, when it can be read.
pub(crate) fn subject_name(der: &[u8]) -> Option<String> {
    let raw = crate::tbs::walk(der).ok()?;
    crate::name::format_name(raw.subject).ok()
}

/// The RFC 4514 issuer of a DER certificate, when it can be read.
pub(crate) fn issuer_name(der: &[u8]) -> Option<String> {
    let raw = crate::tbs::walk(der).ok()?;
    crate::name::format_name(raw.issuer).ok()
}

/// The RFC 4514 subject of a DER certificate, or a placeholder.
fn subject_of(der: &[u8]) -> String {
    subject_name(der).unwrap_or_else(|| String::from("(unreadable subject)"))
}

/// The RFC 4514 issuer of a DER certificate, or a placeholder.
#[cfg(feature = "chain")]
fn issuer_of(der: &[u8]) -> String {
    issuer_name(der).unwrap_or_else(|| String::from("(unreadable issuer)"))
}

fn check_subject(
    requirement: &SubjectRequirement,
    parsed: &HolderNames,
    cert: &PresentedCertificate,
) -> Result<(), Reason> {
    match requirement {
        SubjectRequirement::SubjectDn(dn) => {
            dn.compare(&parsed.subject)
                .map_err(|difference| Reason::SubjectDiffers {
                    expected: dn.as_str().to_string(),
                    actual: subject_of(cert.der()),
                    difference,
                })
        }
        SubjectRequirement::San(san) => san.check(parsed).map_err(|mismatch| match mismatch {
            SanMismatch::Absent => Reason::SanAbsent {
                kind: san.kind(),
                expected: san.as_str().to_string(),
            },
            SanMismatch::Differs(found) => Reason::SanDiffers {
                kind: san.kind(),
                expected: san.as_str().to_string(),
                found,
            },
            SanMismatch::Unreadable(detail) => Reason::CertificateUnreadable {
                detail: format!("the subjectAltName extension: {detail}"),
            },
        }),
    }
}

fn check_validity(cert: &PresentedCertificate, ctx: &DecisionContext<'_>) -> Result<(), Reason> {
    let now = When::from(ctx.now);
    let skew = i64::try_from(ctx.clock_skew).unwrap_or(i64::MAX);
    if now > cert.not_after().plus(skew) {
        return Err(Reason::CertificateExpired {
            not_after: cert.not_after(),
            now,
            skew: ctx.clock_skew,
        });
    }
    if now < cert.not_before().plus(-skew) {
        return Err(Reason::CertificateNotYetValid {
            not_before: cert.not_before(),
            now,
            skew: ctx.clock_skew,
        });
    }
    Ok(())
}

#[cfg(feature = "chain")]
fn check_chain(
    anchor_files: Option<&[String]>,
    pins: &[[u8; 32]],
    cert: &PresentedCertificate,
    ctx: &DecisionContext<'_>,
) -> Result<(), Reason> {
    use crate::chain::{ChainError, ChainOptions, verify_chain};

    let resolved = ctx.trust.resolve(anchor_files);
    if resolved.anchors.is_empty() && !resolved.missing.is_empty() {
        return Err(Reason::TrustAnchorsMissing {
            files: resolved.missing.iter().map(ToString::to_string).collect(),
        });
    }
    // Validate at the instant closest to now within the leaf's validity: the skew was
    // applied to the leaf already.
    let now = When::from(ctx.now);
    let at = now.max(cert.not_before()).min(cert.not_after());
    let intermediates: Vec<&[u8]> = cert.chain().iter().map(Vec::as_slice).collect();
    let cached: Vec<crate::sigcache::Cached<'_>> = match ctx.signature_cache {
        Some(cache) => ctx
            .algorithms
            .iter()
            .map(|inner| crate::sigcache::Cached {
                inner: *inner,
                cache,
            })
            .collect(),
        None => Vec::new(),
    };
    let cached_refs: Vec<&dyn pki_types::SignatureVerificationAlgorithm> = cached
        .iter()
        .map(|c| c as &dyn pki_types::SignatureVerificationAlgorithm)
        .collect();
    let mut options = ChainOptions::client_auth();
    options.algorithms = if cached_refs.is_empty() {
        ctx.algorithms
    } else {
        &cached_refs
    };
    let verified = verify_chain(
        cert.der(),
        &intermediates,
        &resolved.anchors,
        at.unix_time(),
        &options,
    )
    .map_err(|error| match error {
        ChainError::EkuNotAllowed { present, .. } => Reason::EkuNotClientAuth { present },
        error => Reason::ChainInvalid {
            error,
            issuer: issuer_of(cert.der()),
        },
    })?;
    if !pins.is_empty() {
        let mut pinned = subtle::Choice::from(0);
        for pin in pins {
            pinned |= pin.ct_eq(&verified.issuer_spki_sha256);
        }
        if !bool::from(pinned) {
            return Err(Reason::IssuerKeyNotPinned {
                expected: pins.iter().map(|p| hex_upper(p)).collect(),
                actual: hex_upper(&verified.issuer_spki_sha256),
            });
        }
    }
    Ok(())
}

#[cfg(not(feature = "chain"))]
fn check_chain(
    _anchor_files: Option<&[String]>,
    _pins: &[[u8; 32]],
    _cert: &PresentedCertificate,
    _ctx: &DecisionContext<'_>,
) -> Result<(), Reason> {
    Err(Reason::ChainValidationUnavailable)
}
