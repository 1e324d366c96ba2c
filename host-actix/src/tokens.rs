//! JWT access tokens (RFC 9068), bound to the client certificate (RFC 8705 §3.1).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jws::JwsHeader;
use serde::Serialize;

use crate::keys::KeySet;

/// RFC 9068 §2.1: the `typ` of a JWT access token.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// What goes into one access token.
#[derive(Debug, Clone, Copy)]
pub struct TokenRequest<'a> {
    /// `iss`.
    pub issuer: &'a str,
    /// `aud`: one audience is written as a string, several as an array (RFC 7519 §4.1.3).
    pub audience: &'a [String],
    /// `client_id` and `sub` (client credentials: the client is the subject, RFC 9068 §2.2).
    pub client_id: &'a str,
    /// Granted scopes, space-joined into `scope`.
    pub scopes: &'a [String],
    /// `x5t#S256` of the certificate that authenticated the client, if one did.
    pub x5t_s256: Option<&'a str>,
    /// Unix time of issue.
    pub now: u64,
    /// Lifetime in seconds.
    pub lifetime: u64,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: Audience<'a>,
    client_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    scope: &'a str,
    iat: u64,
    exp: u64,
    jti: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: Option<Confirmation<'a>>,
}

/// `aud`: a string when there is one audience (what most resource servers expect), else an
/// array.
#[derive(Serialize)]
#[serde(untagged)]
enum Audience<'a> {
    One(&'a str),
    Several(&'a [String]),
}

impl<'a> Audience<'a> {
    fn of(audience: &'a [String]) -> Self {
        match audience {
            [one] => Self::One(one),
            several => Self::Several(several),
        }
    }
}

#[derive(Serialize)]
struct Confirmation<'a> {
    #[serde(rename = "x5t#S256")]
    x5t_s256: &'a str,
}

/// A signed token and what the response tells about it.
#[derive(Debug)]
pub struct IssuedToken {
    /// The compact JWS.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The granted scopes, space-joined.
    pub scope: String,
}

/// Signs an access token with the key set's current key.
///
/// # Errors
/// Randomness or signing failed (not caused by the request).
pub fn issue(keys: &KeySet, request: &TokenRequest<'_>) -> Result<IssuedToken, anyhow::Error> {
    let key = keys.current();
    let mut jti_bytes = [0_u8; 16];
    openssl::rand::rand_bytes(&mut jti_bytes)?;
    let jti = URL_SAFE_NO_PAD.encode(jti_bytes);
    let scope = request.scopes.join(" ");
    let claims = Claims {
        iss: request.issuer,
        sub: request.client_id,
        aud: Audience::of(request.audience),
        client_id: request.client_id,
        scope: &scope,
        iat: request.now,
        exp: request.now.saturating_add(request.lifetime),
        jti: &jti,
        cnf: request.x5t_s256.map(|x5t_s256| Confirmation { x5t_s256 }),
    };
    let payload = serde_json::to_vec(&claims)?;
    let mut header = JwsHeader::new();
    header.set_token_type(ACCESS_TOKEN_TYPE);
    header.set_key_id(key.kid());
    let access_token = josekit::jws::serialize_compact(&payload, &header, key.signer())?;
    Ok(IssuedToken {
        access_token,
        expires_in: request.lifetime,
        scope,
    })
}

/// Why a token is not active (for the log; introspection answers only `active: false`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Inactive {
    /// Not a compact JWS, or the header is unreadable.
    #[error("malformed token")]
    Malformed,
    /// No key with this `kid` (another issuer's token, or a key removed since).
    #[error("unknown key id")]
    UnknownKey,
    /// The signature does not verify (tampered) or `alg` does not match the key.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// `typ` is not `at+jwt`.
    #[error("not an access token (typ)")]
    NotAccessToken,
    /// `iss` is not this server.
    #[error("foreign issuer")]
    ForeignIssuer,
    /// `exp` is in the past.
    #[error("expired")]
    Expired,
    /// `iat` is in the future (beyond the allowed skew).
    #[error("issued in the future")]
    NotYetValid,
}

/// Largest token introspection looks at (a certbind token is well under 1 KiB).
const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Clock skew tolerated for `iat` (replicas' clocks differ a little).
const IAT_SKEW_SECS: u64 = 60;

/// Verifies a token this server issued and returns its claims.
///
/// # Errors
/// [`Inactive`] with the reason it is not active.
pub fn verify(
    keys: &KeySet,
    issuer: &str,
    token: &str,
    now: u64,
) -> Result<serde_json::Map<String, serde_json::Value>, Inactive> {
    if token.len() > MAX_TOKEN_LEN || token.split('.').count() != 3 {
        return Err(Inactive::Malformed);
    }
    let header_b64 = token.split('.').next().ok_or(Inactive::Malformed)?;
    let header_json = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| Inactive::Malformed)?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&header_json).map_err(|_| Inactive::Malformed)?;
    let kid = header
        .get("kid")
        .and_then(|v| v.as_str())
        .ok_or(Inactive::UnknownKey)?;
    let key = keys.by_kid(kid).ok_or(Inactive::UnknownKey)?;
    let (payload, header) = josekit::jws::deserialize_compact(token, key.verifier())
        .map_err(|e| Inactive::BadSignature(e.to_string()))?;
    if header.token_type() != Some(ACCESS_TOKEN_TYPE) {
        return Err(Inactive::NotAccessToken);
    }
    let claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&payload).map_err(|_| Inactive::Malformed)?;
    if claims.get("iss").and_then(|v| v.as_str()) != Some(issuer) {
        return Err(Inactive::ForeignIssuer);
    }
    let exp = claims
        .get("exp")
        .and_then(serde_json::Value::as_u64)
        .ok_or(Inactive::Malformed)?;
    if exp <= now {
        return Err(Inactive::Expired);
    }
    let iat = claims
        .get("iat")
        .and_then(serde_json::Value::as_u64)
        .ok_or(Inactive::Malformed)?;
    if iat > now.saturating_add(IAT_SKEW_SECS) {
        return Err(Inactive::NotYetValid);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::keys::{Algorithm, SigningKey, generate_pem};

    fn keys() -> KeySet {
        let pem = generate_pem(Algorithm::Es256).unwrap();
        KeySet::new(vec![
            SigningKey::from_pem(&pem, Algorithm::Es256, Path::new("k")).unwrap(),
        ])
        .unwrap()
    }

    fn audience(values: &[&str]) -> &'static [String] {
        Box::leak(values.iter().map(|v| (*v).to_owned()).collect())
    }

    fn request(now: u64) -> TokenRequest<'static> {
        TokenRequest {
            issuer: "https://as",
            audience: audience(&["https://as/resources"]),
            client_id: "c",
            scopes: &[],
            x5t_s256: Some("abc"),
            now,
            lifetime: 60,
        }
    }

    #[test]
    fn issued_token_verifies_until_it_expires() {
        let keys = keys();
        let t = issue(&keys, &request(1000)).unwrap();
        let claims = verify(&keys, "https://as", &t.access_token, 1059).unwrap();
        assert_eq!(claims["cnf"]["x5t#S256"], "abc");
        assert!(!claims.contains_key("scope"), "no scope granted, no claim");
        assert_eq!(
            verify(&keys, "https://as", &t.access_token, 1060),
            Err(Inactive::Expired)
        );
        assert_eq!(
            verify(&keys, "https://other", &t.access_token, 1000),
            Err(Inactive::ForeignIssuer)
        );
    }

    #[test]
    fn one_audience_is_a_string_and_several_an_array() {
        let keys = keys();
        let one = issue(&keys, &request(1000)).unwrap().access_token;
        let claims = verify(&keys, "https://as", &one, 1000).unwrap();
        assert_eq!(claims["aud"], "https://as/resources");
        let mut several = request(1000);
        several.audience = audience(&["https://payments.example", "https://ledger.example"]);
        let token = issue(&keys, &several).unwrap().access_token;
        let claims = verify(&keys, "https://as", &token, 1000).unwrap();
        assert_eq!(
            claims["aud"],
            serde_json::json!(["https://payments.example", "https://ledger.example"])
        );
    }

    #[test]
    fn tampered_and_foreign_tokens_are_inactive() {
        let keys = keys();
        let t = issue(&keys, &request(1000)).unwrap().access_token;
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        parts[1] = URL_SAFE_NO_PAD.encode(claims.replace("\"sub\":\"c\"", "\"sub\":\"d\""));
        assert!(matches!(
            verify(&keys, "https://as", &parts.join("."), 1000),
            Err(Inactive::BadSignature(_))
        ));
        let other = issue(&self::keys(), &request(1000)).unwrap().access_token;
        assert_eq!(
            verify(&keys, "https://as", &other, 1000),
            Err(Inactive::UnknownKey)
        );
        assert_eq!(
            verify(&keys, "https://as", "a.b", 1000),
            Err(Inactive::Malformed)
        );
    }
}
