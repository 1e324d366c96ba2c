//! Every check of one access token, each with its verdict in words: the signature (josekit, with
//! a key of the issuer's JWKS), `typ` (RFC 9068 §4), `iss`, `aud`, `exp`/`nbf`/`iat` with a
//! leeway, and the certificate binding (certbind-core's [`check_binding`]).
//!
//! The API's extractor rejects on the first failed check and logs why; `certbind verify-token`
//! prints them all.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use certbind_core::{Binding, BindingOutcome, Confirmation, PresentedCertificate, check_binding};
use serde_json::{Map, Value};

use super::jwks::KeySet;

/// Largest token read (certbind's and most issuers' tokens are under 2 KiB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The `typ` values RFC 9068 §4 accepts (case-insensitive, RFC 7515 §4.1.9).
const ACCESS_TOKEN_TYPES: [&str; 2] = ["at+jwt", "application/at+jwt"];

/// A token that is not a JWS in compact form (RFC 7515 §7.1) with JSON header and claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedToken {
    /// Longer than [`MAX_TOKEN_BYTES`].
    #[error("the token is {size} bytes; the limit is {MAX_TOKEN_BYTES}")]
    TooLong {
        /// Its size.
        size: usize,
    },
    /// Not three parts separated by `.`.
    #[error("the token has {parts} part(s); a JWS in compact form has 3 separated by '.'")]
    Parts {
        /// How many.
        parts: usize,
    },
    /// A part is not base64url without padding.
    #[error("the token's {part} is not base64url (RFC 7515 §2)")]
    Base64 {
        /// `header`, `claims` or `signature`.
        part: &'static str,
    },
    /// The header or claims are not a JSON object.
    #[error("the token's {part} is not a JSON object: {reason}")]
    Json {
        /// `header` or `claims`.
        part: &'static str,
        /// The parser's words.
        reason: String,
    },
}

/// A token split and decoded, not yet verified.
#[derive(Debug, Clone)]
pub struct DecodedToken {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Map<String, Value>,
}

/// Splits a compact JWS and decodes its header and claims.
///
/// # Errors
/// [`MalformedToken`] naming the part.
pub fn decode(token: &str) -> Result<DecodedToken, MalformedToken> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(MalformedToken::TooLong { size: token.len() });
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err(MalformedToken::Parts { parts: parts.len() });
    };
    let object = |text: &str, part: &'static str| -> Result<Map<String, Value>, MalformedToken> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| MalformedToken::Base64 { part })?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(MalformedToken::Json {
                part,
                reason: String::from("it is JSON, but not an object"),
            }),
            Err(e) => Err(MalformedToken::Json {
                part,
                reason: e.to_string(),
            }),
        }
    };
    let header = object(header, "header")?;
    let claims = object(claims, "claims")?;
    URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| MalformedToken::Base64 { part: "signature" })?;
    Ok(DecodedToken { header, claims })
}

/// The verdict of one check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", content = "message", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Check {
    /// It holds.
    Passed(String),
    /// It does not.
    Failed(String),
    /// It was not checked (nothing to check against).
    NotChecked(String),
}

impl Check {
    /// Whether it failed.
    #[must_use]
    pub const fn failed(&self) -> bool {
        matches!(self, Self::Failed(_))
    }

    /// The verdict in words.
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            Self::Passed(m) | Self::Failed(m) | Self::NotChecked(m) => m,
        }
    }
}

/// What a token is checked against (built by the caller: the API's verifier, the CLI, a
/// benchmark).
#[derive(Debug, Clone)]
#[allow(clippy::exhaustive_structs)]
pub struct Expectations<'a> {
    /// The issuer (`iss`) expected; `None`: not checked.
    pub issuer: Option<&'a str>,
    /// An audience (`aud`) that must be among the token's; `None`: not checked.
    pub audience: Option<&'a str>,
    /// Seconds of clock difference tolerated for `exp`, `nbf` and `iat`.
    pub leeway: u64,
    /// The JWS algorithms accepted.
    pub algorithms: &'a [String],
    /// Whether a token without `cnf` is rejected (else only a `cnf` that does not match is).
    pub require_binding: bool,
}

/// Every check of one token.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct TokenReport {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Map<String, Value>,
    /// Whether the signature verifies with a key of the issuer's JWKS.
    pub signature: Check,
    /// `typ` is `at+jwt` (RFC 9068).
    pub typ: Check,
    /// `iss`.
    pub issuer: Check,
    /// `aud`.
    pub audience: Check,
    /// `exp`, `nbf`, `iat`.
    pub times: Check,
    /// The certificate binding (`cnf`), by certbind-core.
    pub binding: Binding,
    /// Whether the token is acceptable: every check passed (the signature included), none
    /// failed.
    pub valid: bool,
}

impl TokenReport {
    /// The first failed check, in the order a resource server applies them (signature first:
    /// the claims of a token whose signature fails say nothing), as `(check, reason)`.
    #[must_use]
    pub fn first_failure(&self) -> Option<(&'static str, &str)> {
        let checks = [
            ("signature", &self.signature),
            ("typ", &self.typ),
            ("issuer", &self.issuer),
            ("audience", &self.audience),
            ("times", &self.times),
        ];
        if let Some((name, check)) = checks.into_iter().find(|(_, c)| c.failed()) {
            return Some((name, check.message()));
        }
        if matches!(self.signature, Check::NotChecked(_)) {
            return Some(("signature", self.signature.message()));
        }
        (!self.valid).then_some(("binding", self.binding.message.as_str()))
    }
}

/// Checks a decoded token. `keys`: the issuer's keys (`None`: the signature is not checked,
/// and the token is not valid); `certificate`: the one presented with the token.
#[must_use]
pub fn check(
    token: &str,
    decoded: DecodedToken,
    keys: Option<&KeySet>,
    certificate: Option<&PresentedCertificate>,
    expect: &Expectations<'_>,
    now: u64,
) -> TokenReport {
    let DecodedToken { header, claims } = decoded;
    let signature = match keys {
        Some(keys) => signature(token, &header, keys, expect.algorithms),
        None => Check::NotChecked(String::from("no JWKS given: the signature is not checked")),
    };
    let typ = typ(&header);
    let issuer = issuer(&claims, expect.issuer);
    let audience = audience(&claims, expect.audience);
    let times = times(&claims, expect.leeway, now);
    let cnf = claims.get("cnf").map(confirmation);
    let binding = check_binding(cnf.as_ref(), certificate);
    let binding_ok = binding.bound
        || (!expect.require_binding && binding.outcome == BindingOutcome::NoConfirmation);
    let valid = matches!(signature, Check::Passed(_))
        && matches!(typ, Check::Passed(_))
        && matches!(times, Check::Passed(_))
        && !issuer.failed()
        && !audience.failed()
        && binding_ok;
    TokenReport {
        header,
        claims,
        signature,
        typ,
        issuer,
        audience,
        times,
        binding,
        valid,
    }
}

/// The `cnf` claim as certbind-core's [`Confirmation`]: each member, with its value when it is a
/// string. A `cnf` that is not an object is an empty one (it binds to nothing).
#[must_use]
pub fn confirmation(cnf: &Value) -> Confirmation {
    let mut out = Confirmation::new();
    if let Some(members) = cnf.as_object() {
        for (name, value) in members {
            out.push(name.clone(), value.as_str().map(str::to_owned));
        }
    }
    out
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

fn signature(
    token: &str,
    header: &Map<String, Value>,
    keys: &KeySet,
    algorithms: &[String],
) -> Check {
    let Some(alg) = text(header.get("alg")) else {
        return Check::Failed(String::from("the header has no alg"));
    };
    if !algorithms.iter().any(|a| a == alg) {
        return Check::Failed(format!(
            "alg {alg:?} is not accepted (accepted: {})",
            algorithms.join(", ")
        ));
    }
    let kid = text(header.get("kid"));
    let candidates = keys.candidates(kid, alg);
    if candidates.is_empty() {
        return Check::Failed(match kid {
            Some(kid) => format!("the JWKS has no {alg} key with kid {kid:?}"),
            None => format!("the token names no kid, and the JWKS has no {alg} key"),
        });
    }
    for (key_id, verifier) in &candidates {
        if josekit::jws::deserialize_compact(token, *verifier).is_ok() {
            return Check::Passed(match key_id {
                Some(kid) => format!("verified with the {alg} key {kid:?}"),
                None => format!("verified with a {alg} key without kid"),
            });
        }
    }
    Check::Failed(match kid {
        Some(kid) => format!("the {alg} signature does not verify with the key {kid:?}"),
        None => format!(
            "the {alg} signature verifies with none of the {} key(s) of the JWKS",
            candidates.len()
        ),
    })
}

fn typ(header: &Map<String, Value>) -> Check {
    match text(header.get("typ")) {
        Some(t) if ACCESS_TOKEN_TYPES.iter().any(|a| a.eq_ignore_ascii_case(t)) => {
            Check::Passed(format!("typ is {t:?} (RFC 9068)"))
        }
        Some(t) => Check::Failed(format!(
            "typ is {t:?}, not \"at+jwt\": not an RFC 9068 access token (an ID token or another \
             JWT of the issuer must not pass as one)"
        )),
        None => Check::Failed(String::from(
            "the header has no typ: not an RFC 9068 access token (\"at+jwt\")",
        )),
    }
}

fn issuer(claims: &Map<String, Value>, expected: Option<&str>) -> Check {
    let iss = text(claims.get("iss"));
    match (iss, expected) {
        (Some(iss), Some(e)) if iss == e => Check::Passed(format!("iss is {iss:?}")),
        (Some(iss), Some(e)) => Check::Failed(format!("iss is {iss:?}, expected {e:?}")),
        (None, Some(e)) => Check::Failed(format!("the token has no iss; expected {e:?}")),
        (Some(iss), None) => {
            Check::NotChecked(format!("iss is {iss:?} (no issuer to compare with)"))
        }
        (None, None) => Check::NotChecked(String::from("the token has no iss")),
    }
}

fn audience(claims: &Map<String, Value>, expected: Option<&str>) -> Check {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let shown = format!("{audiences:?}");
    match expected {
        Some(e) if audiences.contains(&e) => Check::Passed(format!("aud {shown} includes {e:?}")),
        Some(e) if audiences.is_empty() => {
            Check::Failed(format!("the token has no aud; expected {e:?}"))
        }
        Some(e) => Check::Failed(format!("aud {shown} does not include {e:?}")),
        None => Check::NotChecked(format!("aud is {shown} (no audience to compare with)")),
    }
}

fn times(claims: &Map<String, Value>, leeway: u64, now: u64) -> Check {
    let number = |name: &str| -> Result<Option<u64>, String> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .or_else(|| {
                    // A NumericDate may have a fraction (RFC 7519 §2): its whole seconds.
                    v.as_f64()
                        .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e15)
                        .and_then(|f| format!("{}", f.trunc()).parse().ok())
                })
                .map(Some)
                .ok_or_else(|| format!("{name} is not a NumericDate")),
        }
    };
    let (exp, nbf, iat) = match (number("exp"), number("nbf"), number("iat")) {
        (Ok(e), Ok(n), Ok(i)) => (e, n, i),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Check::Failed(e),
    };
    let at = crate::time::rfc3339;
    let Some(exp) = exp else {
        return Check::Failed(String::from("the token has no exp (RFC 9068 requires it)"));
    };
    if now >= exp.saturating_add(leeway) {
        return Check::Failed(format!(
            "expired at {} ({} s before {}, leeway {leeway} s)",
            at(exp),
            now - exp,
            at(now)
        ));
    }
    if let Some(nbf) = nbf
        && nbf > now.saturating_add(leeway)
    {
        return Check::Failed(format!(
            "not valid before {} ({} s after {}, leeway {leeway} s)",
            at(nbf),
            nbf - now,
            at(now)
        ));
    }
    if let Some(iat) = iat
        && iat > now.saturating_add(leeway)
    {
        return Check::Failed(format!(
            "issued in the future: iat {} is {} s after {} (leeway {leeway} s)",
            at(iat),
            iat - now,
            at(now)
        ));
    }
    Check::Passed(format!("valid until {} (checked at {})", at(exp), at(now)))
}
