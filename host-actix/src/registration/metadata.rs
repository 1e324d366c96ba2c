//! RFC 7591 client metadata ↔ certbind's client definition (a `[[clients]]` table).
//!
//! The metadata certbind understands: `client_name`, `scope` (required), `grant_types`
//! (`client_credentials` only), `token_endpoint_auth_method` (`tls_client_auth` or
//! `self_signed_tls_client_auth`, RFC 8705), `tls_client_auth_subject_dn` /
//! `tls_client_auth_san_dns|uri|ip|email` (RFC 8705 §2.1.2), `jwks` with `x5c` certificates
//! (§2.2), `tls_client_certificate_bound_access_tokens` (§3.4), the informational
//! `client_uri`, `logo_uri`, `tos_uri`, `policy_uri`, `contacts`, `software_id`,
//! `software_version`, and one extension: `x509_thumbprint`, the SHA-1 thumbprint of the
//! client's certificate as IdentityServer3's `X509CertificateThumbprint` secret holds it
//! (a pinned certificate: the method is `self_signed_tls_client_auth`). Other metadata is
//! ignored (RFC 7591 §2) and not returned.
//!
//! The definition made from the metadata goes to certbind-core's validator, the same one that
//! reads `certbind.toml`; its problems come back named by the metadata field they concern. A
//! registration is refused for anything the validator *warns* about too (an expired or CA
//! certificate in `jwks`, a cleaned thumbprint): nobody reads the warnings of an HTTP request.

use certbind_core::{LoadOptions, LoadedClient, NoFiles, RegistryProblem, UnixTime};
use serde_json::{Map, Value};

/// Informational metadata kept and returned as given (strings).
const INFORMATIONAL: [&str; 6] = [
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
];

/// RFC 8705 §2.1.2 metadata, with the key of the `tls_client_auth` secret each becomes.
const SUBJECT_FIELDS: [(&str, &str); 5] = [
    ("tls_client_auth_subject_dn", "subject_dn"),
    ("tls_client_auth_san_dns", "san_dns"),
    ("tls_client_auth_san_uri", "san_uri"),
    ("tls_client_auth_san_ip", "san_ip"),
    ("tls_client_auth_san_email", "san_email"),
];

/// The extension field for an IdentityServer3 SHA-1 thumbprint.
pub(crate) const THUMBPRINT_FIELD: &str = "x509_thumbprint";

/// A metadata field that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldProblem {
    /// The RFC 7591 error code (`invalid_client_metadata`, or `unapproved_software_statement`).
    pub(crate) code: &'static str,
    /// The metadata field.
    pub(crate) field: String,
    /// Why.
    pub(crate) reason: String,
}

impl FieldProblem {
    fn new(field: &str, reason: impl Into<String>) -> Self {
        Self {
            code: "invalid_client_metadata",
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// A registration that passed: what to store and what to answer.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    /// The client definition (`[[clients]]` table as JSON).
    pub(crate) definition: Value,
    /// The registered metadata, as returned to the client.
    pub(crate) metadata: Value,
    /// The client as the core loaded it.
    pub(crate) client: LoadedClient,
}

/// Maps and validates the metadata of client `client_id`.
///
/// # Errors
/// Every problem, each naming its metadata field.
pub(crate) fn check(
    client_id: &str,
    body: &Map<String, Value>,
    allowed_scopes: Option<&[String]>,
    now: u64,
) -> Result<Checked, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut definition = Map::new();
    let mut metadata = Map::new();
    definition.insert("client_id".into(), client_id.into());

    if body.contains_key("software_statement") {
        problems.push(FieldProblem {
            code: "unapproved_software_statement",
            field: "software_statement".into(),
            reason: "this server accepts no software statements".into(),
        });
    }
    if body.contains_key("jwks_uri") {
        problems.push(FieldProblem::new(
            "jwks_uri",
            "certbind does not fetch keys; send the certificates in jwks (x5c)",
        ));
    }
    match body.get("client_name") {
        None => {}
        Some(Value::String(name)) => {
            definition.insert("name".into(), name.clone().into());
            metadata.insert("client_name".into(), name.clone().into());
        }
        Some(_) => problems.push(FieldProblem::new("client_name", "must be a string")),
    }
    for field in INFORMATIONAL {
        match body.get(field) {
            None => {}
            Some(v @ Value::String(_)) => {
                metadata.insert(field.into(), v.clone());
            }
            Some(_) => problems.push(FieldProblem::new(field, "must be a string")),
        }
    }
    match body.get("contacts") {
        None => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            metadata.insert("contacts".into(), Value::Array(items.clone()));
        }
        Some(_) => problems.push(FieldProblem::new("contacts", "must be an array of strings")),
    }
    scope(
        body,
        allowed_scopes,
        &mut definition,
        &mut metadata,
        &mut problems,
    );
    match body.get("grant_types") {
        None => {
            metadata.insert(
                "grant_types".into(),
                serde_json::json!(["client_credentials"]),
            );
        }
        Some(v) => {
            definition.insert("grant_types".into(), v.clone());
            metadata.insert("grant_types".into(), v.clone());
        }
    }
    match body.get("response_types") {
        None => {}
        Some(Value::Array(items)) if items.is_empty() => {}
        Some(_) => problems.push(FieldProblem::new(
            "response_types",
            "certbind has no authorization endpoint: leave response_types out (client_credentials needs none)",
        )),
    }

    // The secrets, each remembered with the metadata field it came from.
    let mut secrets: Vec<Value> = Vec::new();
    let mut secret_fields: Vec<&'static str> = Vec::new();
    let mut subject = Map::new();
    subject.insert("type".into(), "tls_client_auth".into());
    let mut first_subject_field = None;
    for (field, key) in SUBJECT_FIELDS {
        if let Some(v) = body.get(field) {
            subject.insert(key.into(), v.clone());
            metadata.insert(field.into(), v.clone());
            first_subject_field.get_or_insert(field);
        }
    }
    if let Some(field) = first_subject_field {
        secrets.push(Value::Object(subject));
        secret_fields.push(field);
    }
    if let Some(jwks) = body.get("jwks") {
        match x5c_of(jwks) {
            Ok(certificates) => {
                secrets.push(serde_json::json!({
                    "type": "self_signed_tls_client_auth",
                    "x5c": certificates,
                }));
                secret_fields.push("jwks");
                metadata.insert("jwks".into(), jwks.clone());
            }
            Err(reason) => problems.push(FieldProblem::new("jwks", reason)),
        }
    }
    match body.get(THUMBPRINT_FIELD) {
        None => {}
        Some(Value::String(text)) => {
            // Lowercase hex is how JSON producers write it: fold case here; anything else the
            // normaliser would clean (invisible characters, colons) is refused below.
            let value = match certbind_core::normalize_thumbprint(text) {
                Ok(n)
                    if n.changes
                        .iter()
                        .all(|c| c.kind == certbind_core::ChangeKind::CaseFolded) =>
                {
                    n.value
                }
                _ => text.clone(),
            };
            secrets.push(serde_json::json!({"type": "x509_thumbprint", "value": value}));
            secret_fields.push(THUMBPRINT_FIELD);
            metadata.insert(THUMBPRINT_FIELD.into(), value.into());
        }
        Some(_) => problems.push(FieldProblem::new(THUMBPRINT_FIELD, "must be a string")),
    }

    match body.get("token_endpoint_auth_method") {
        Some(Value::String(method)) if method.starts_with("client_secret") || method == "none" => {
            problems.push(FieldProblem::new(
                "token_endpoint_auth_method",
                format!("{method:?} is not offered by registration (certbind issues no client secrets): use tls_client_auth or self_signed_tls_client_auth"),
            ));
        }
        Some(v) => {
            definition.insert("token_endpoint_auth_method".into(), v.clone());
        }
        None if secrets.is_empty() => problems.push(FieldProblem::new(
            "token_endpoint_auth_method",
            "missing: tls_client_auth with one of tls_client_auth_subject_dn or \
             tls_client_auth_san_*, or self_signed_tls_client_auth with jwks (x5c)",
        )),
        None => {}
    }
    if secrets.is_empty() && body.contains_key("token_endpoint_auth_method") {
        problems.push(FieldProblem::new(
            "token_endpoint_auth_method",
            "no credential: tls_client_auth needs tls_client_auth_subject_dn or one \
             tls_client_auth_san_*; self_signed_tls_client_auth needs jwks (x5c) or x509_thumbprint",
        ));
    }
    match body.get("tls_client_certificate_bound_access_tokens") {
        None => {}
        Some(v) => {
            definition.insert("certificate_bound_access_tokens".into(), v.clone());
        }
    }
    definition.insert("secrets".into(), Value::Array(secrets));
    if !problems.is_empty() {
        return Err(problems);
    }

    let definition = Value::Object(definition);
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now));
    let loaded =
        match certbind_core::load_client_data(&definition, &LoadOptions::new(now), &mut NoFiles) {
            Ok(loaded) => loaded,
            Err(certbind_core::Error::Registry { problems }) => {
                return Err(problems
                    .iter()
                    .map(|p| from_core(p, &secret_fields))
                    .collect());
            }
            Err(other) => return Err(vec![FieldProblem::new("(metadata)", other.to_string())]),
        };
    if !loaded.warnings.is_empty() {
        return Err(loaded
            .warnings
            .iter()
            .map(|p| from_core(p, &secret_fields))
            .collect());
    }
    metadata.insert(
        "token_endpoint_auth_method".into(),
        loaded.client.token_endpoint_auth_method.name().into(),
    );
    metadata.insert(
        "tls_client_certificate_bound_access_tokens".into(),
        loaded.client.certificate_bound_access_tokens.into(),
    );
    Ok(Checked {
        definition,
        metadata: Value::Object(metadata),
        client: loaded,
    })
}

fn scope(
    body: &Map<String, Value>,
    allowed: Option<&[String]>,
    definition: &mut Map<String, Value>,
    metadata: &mut Map<String, Value>,
    problems: &mut Vec<FieldProblem>,
) {
    let scopes: Vec<String> = match body.get("scope") {
        Some(Value::String(s)) => s
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(_) => {
            problems.push(FieldProblem::new(
                "scope",
                "must be a string of space-separated scopes",
            ));
            return;
        }
        None => Vec::new(),
    };
    if scopes.is_empty() {
        problems.push(FieldProblem::new(
            "scope",
            "missing: the scopes the client may ask for, space-separated",
        ));
        return;
    }
    if let Some(allowed) = allowed {
        for s in &scopes {
            if !allowed.contains(s) {
                problems.push(FieldProblem::new(
                    "scope",
                    format!(
                        "{s:?} is not a scope registered clients may have here (allowed: {})",
                        allowed.join(" ")
                    ),
                ));
            }
        }
    }
    metadata.insert("scope".into(), scopes.join(" ").into());
    definition.insert("scopes".into(), scopes.into());
}

/// The first certificate (`x5c[0]`, base64 DER) of every key of a JWK Set.
fn x5c_of(jwks: &Value) -> Result<Vec<Value>, String> {
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("must be a JWK Set: {\"keys\": [...]} (RFC 7517 §5)")?;
    if keys.is_empty() {
        return Err("the key set is empty".into());
    }
    let mut out = Vec::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        match key
            .get("x5c")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            Some(v @ Value::String(_)) => out.push(v.clone()),
            _ => {
                return Err(format!(
                    "keys[{i}] has no x5c certificate: self_signed_tls_client_auth registers the \
                     client's certificate (RFC 8705 §2.2)"
                ));
            }
        }
    }
    Ok(out)
}

/// A core problem named by the metadata field it concerns.
fn from_core(problem: &RegistryProblem, secret_fields: &[&str]) -> FieldProblem {
    let path = problem.field.as_str();
    let field = if let Some(rest) = path.strip_prefix("secrets[") {
        let index: Option<usize> = rest.split(']').next().and_then(|i| i.parse().ok());
        let key = rest.split_once("].").map(|(_, k)| k);
        let origin = index.and_then(|i| secret_fields.get(i)).copied();
        match (origin, key) {
            (Some("jwks"), _) => "jwks".to_owned(),
            (Some(THUMBPRINT_FIELD), _) => THUMBPRINT_FIELD.to_owned(),
            (Some(_), Some(key)) => SUBJECT_FIELDS
                .iter()
                .find(|(_, k)| key.starts_with(k))
                .map_or_else(
                    || "tls_client_auth_subject_dn".to_owned(),
                    |(f, _)| (*f).to_owned(),
                ),
            (Some(field), None) => field.to_owned(),
            (None, _) => "token_endpoint_auth_method".to_owned(),
        }
    } else {
        match path {
            "name" => "client_name".to_owned(),
            "scopes" => "scope".to_owned(),
            "certificate_bound_access_tokens" => {
                "tls_client_certificate_bound_access_tokens".to_owned()
            }
            "" | "secrets" => "token_endpoint_auth_method".to_owned(),
            other => other.to_owned(),
        }
    };
    FieldProblem::new(&field, problem.message.clone())
}

/// The client information response (RFC 7591 §3.2.1, RFC 7592 §3): the metadata as
/// registered, with `client_id`, `client_id_issued_at`, `registration_client_uri` and, right
/// after registration only, the registration access token (only its hash is kept).
pub(crate) fn response(
    client_id: &str,
    metadata: &Value,
    issued_at: i64,
    registration_client_uri: &str,
    registration_access_token: Option<&str>,
) -> Value {
    let mut out = metadata.as_object().cloned().unwrap_or_default();
    out.insert("client_id".into(), client_id.into());
    out.insert("client_id_issued_at".into(), issued_at.into());
    out.insert(
        "registration_client_uri".into(),
        registration_client_uri.into(),
    );
    if let Some(token) = registration_access_token {
        out.insert("registration_access_token".into(), token.into());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: Value) -> Map<String, Value> {
        json.as_object().cloned().unwrap()
    }

    #[test]
    fn subject_metadata_becomes_a_tls_client_auth_secret_and_problems_name_the_field() {
        let ok = check(
            "abc",
            &body(serde_json::json!({
                "client_name": "Billing",
                "scope": "read write",
                "token_endpoint_auth_method": "tls_client_auth",
                "tls_client_auth_subject_dn": "CN=billing,O=Example",
            })),
            None,
            1_900_000_000,
        )
        .unwrap();
        assert_eq!(
            ok.definition["secrets"][0]["subject_dn"],
            "CN=billing,O=Example"
        );
        assert_eq!(
            ok.metadata["tls_client_certificate_bound_access_tokens"],
            true
        );
        assert_eq!(
            ok.metadata["grant_types"],
            serde_json::json!(["client_credentials"])
        );

        let bad = check(
            "abc",
            &body(serde_json::json!({
                "scope": "read",
                "token_endpoint_auth_method": "tls_client_auth",
                "tls_client_auth_subject_dn": "CN=billing,,O=Example",
            })),
            None,
            1_900_000_000,
        )
        .unwrap_err();
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].field, "tls_client_auth_subject_dn");
        assert!(
            bad[0].reason.starts_with("not a distinguished name"),
            "{bad:?}"
        );

        let unknown = check(
            "abc",
            &body(serde_json::json!({
                "scope": "read",
                "token_endpoint_auth_method": "private_key_jwt",
                "tls_client_auth_san_dns": "client.example.com",
            })),
            None,
            1_900_000_000,
        )
        .unwrap_err();
        assert_eq!(
            unknown[0].field, "token_endpoint_auth_method",
            "{unknown:?}"
        );
        assert!(
            unknown[0]
                .reason
                .contains("unknown method \"private_key_jwt\""),
            "{unknown:?}"
        );

        let scopes = check(
            "abc",
            &body(serde_json::json!({"scope": "admin", "tls_client_auth_san_dns": "a.example"})),
            Some(&["read".to_owned()]),
            1_900_000_000,
        )
        .unwrap_err();
        assert_eq!(scopes[0].field, "scope");
    }
}
