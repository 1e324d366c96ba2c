//! Checks a registry document as it is read: each field's type, the keys each table takes, the
//! rules for values (client_id, scopes, digests, key pins, bounds), duplicate client_ids and the
//! secrets a method can use. Every problem and warning is collected with its field path and
//! line, so that one load reports them all.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::files::FileSource;
use super::parse::{Key, Node, Value};
use crate::RegistryProblem;
use crate::secret::{AuthMethod, Secret, SecretKind, SecretType};
use crate::when::When;

/// Largest registry accepted (clients); a bound on work for untrusted documents.
pub(super) const MAX_CLIENTS: usize = 1_000_000;
/// Most secrets per client.
pub(super) const MAX_SECRETS: usize = 100;
/// Longest access-token lifetime accepted, in seconds (one year).
pub(super) const MAX_LIFETIME: u64 = 365 * 24 * 3600;
/// Largest clock skew accepted, in seconds (one day).
pub(super) const MAX_SKEW: u64 = 24 * 3600;

pub(super) const TOP_KEYS: &[&str] = &["trust_anchors", "clock_skew", "clients"];
pub(super) const CLIENT_KEYS: &[&str] = &[
    "client_id",
    "name",
    "description",
    "enabled",
    "grant_types",
    "scopes",
    "access_token_lifetime",
    "audience",
    "introspection",
    "token_endpoint_auth_method",
    "certificate_bound_access_tokens",
    "trust_anchors",
    "secrets",
];
pub(super) const COMMON_SECRET_KEYS: &[&str] = &["type", "description", "expires"];
pub(super) const SUBJECT_KEYS: &[&str] =
    &["subject_dn", "san_dns", "san_uri", "san_ip", "san_email"];

/// The keys each secret type takes besides `type`, `description` and `expires`.
pub(super) fn secret_keys(kind: SecretType) -> &'static [&'static str] {
    match kind {
        SecretType::X509Thumbprint
        | SecretType::X509ThumbprintSha256
        | SecretType::X509Name
        | SecretType::SharedSecret => &["value"],
        SecretType::TlsClientAuth => &[
            "subject_dn",
            "san_dns",
            "san_uri",
            "san_ip",
            "san_email",
            "trust_anchors",
            "issuer_key_sha256",
        ],
        SecretType::SelfSignedTlsClientAuth => &["pem", "pem_file", "x5c", "jwks_file", "sha256"],
    }
}

/// Whether a secret validates its chain to the client's `trust_anchors`.
pub(super) fn uses_client_anchors(secret: &Secret) -> bool {
    match &secret.kind {
        SecretKind::X509Name(_) => true,
        SecretKind::TlsClientAuth(t) => t.trust_anchors.is_none(),
        _ => false,
    }
}

/// Where a field is, for messages.
#[derive(Clone)]
pub(super) struct At {
    pub(super) client_id: Option<String>,
    pub(super) path: String,
    pub(super) line: Option<usize>,
}

impl At {
    pub(super) fn field(&self, name: &str, node: Option<&Node>) -> Self {
        Self {
            client_id: self.client_id.clone(),
            path: if self.path.is_empty() {
                name.to_string()
            } else {
                format!("{}.{name}", self.path)
            },
            line: node.and_then(|n| n.line).or(self.line),
        }
    }

    pub(super) fn index(&self, i: usize, node: &Node) -> Self {
        Self {
            client_id: self.client_id.clone(),
            path: format!("{}[{i}]", self.path),
            line: node.line.or(self.line),
        }
    }
}

/// The state of one load: the problems and warnings found so far, and what building needs (the
/// time, the files, the anchor files named, the `client_id`s read).
pub(super) struct Loader<'f> {
    pub(super) problems: Vec<RegistryProblem>,
    pub(super) warnings: Vec<RegistryProblem>,
    pub(super) now: When,
    pub(super) files: &'f mut dyn FileSource,
    /// Anchor files named anywhere, with the first place that names them.
    pub(super) anchor_uses: BTreeMap<String, At>,
    /// Every client_id read, with the line of its value, for the duplicate check.
    pub(super) client_ids: Vec<(String, Option<usize>)>,
}

/// What an array of tables (`[[clients]]`, `[[clients.secrets]]`) may hold, for its messages.
pub(super) struct ArrayOfTables {
    /// At most this many items.
    pub(super) max: usize,
    /// What the items are, in "more than N …".
    pub(super) noun: &'static str,
    /// How the array is written in TOML.
    pub(super) header: &'static str,
}

/// A table being read: which keys were used, so that the rest can be reported.
pub(super) struct Table<'n> {
    entries: &'n [(Key, Node)],
    used: Vec<bool>,
}

impl<'n> Table<'n> {
    pub(super) fn get(&mut self, name: &str) -> Option<&'n Node> {
        let entries = self.entries;
        let i = entries.iter().position(|(k, _)| k.name == name)?;
        if let Some(used) = self.used.get_mut(i) {
            *used = true;
        }
        entries.get(i).map(|(_, node)| node)
    }

    fn unused(&self) -> impl Iterator<Item = &'n Key> + '_ {
        self.entries
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|((key, _), _)| key)
    }
}

impl Loader<'_> {
    pub(super) fn problem(&mut self, at: &At, message: impl Into<String>) {
        self.problems.push(RegistryProblem::new(
            at.client_id.clone(),
            at.path.clone(),
            at.line,
            message,
        ));
    }

    pub(super) fn warning(&mut self, at: &At, message: impl Into<String>) {
        self.warnings.push(RegistryProblem::new(
            at.client_id.clone(),
            at.path.clone(),
            at.line,
            message,
        ));
    }

    pub(super) fn table<'n>(&mut self, node: &'n Node, at: &At) -> Option<Table<'n>> {
        match &node.value {
            Value::Table(entries) => Some(Table {
                entries,
                used: alloc::vec![false; entries.len()],
            }),
            other => {
                self.problem(at, format!("expected a table, found {}", other.type_name()));
                None
            }
        }
    }

    /// Reports keys that were not read, suggesting a close known key.
    pub(super) fn unknown_keys(
        &mut self,
        table: &Table<'_>,
        at: &At,
        known: &[&str],
        hint: &dyn Fn(&str) -> Option<String>,
    ) {
        let unknown: Vec<&Key> = table.unused().collect();
        for key in unknown {
            let key_at = At {
                client_id: at.client_id.clone(),
                path: if at.path.is_empty() {
                    key.name.clone()
                } else {
                    format!("{}.{}", at.path, key.name)
                },
                line: key.line.or(at.line),
            };
            let mut message = format!("unknown key `{}`", key.name);
            if let Some(extra) = hint(&key.name) {
                message.push_str(&extra);
            } else if let Some(close) = closest(&key.name, known) {
                message.push_str(&format!(" (did you mean `{close}`?)"));
            }
            self.problem(&key_at, message);
        }
    }

    // ------------------------------------------------------------------------ scalar readers

    pub(super) fn string(&mut self, node: &Node, at: &At) -> Option<String> {
        match &node.value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.problem(
                    at,
                    format!("expected a string, found {}", other.type_name()),
                );
                None
            }
        }
    }

    pub(super) fn bool(&mut self, node: &Node, at: &At) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            other => {
                self.problem(
                    at,
                    format!("expected true or false, found {}", other.type_name()),
                );
                None
            }
        }
    }

    pub(super) fn seconds(&mut self, node: &Node, at: &At, min: u64, max: u64) -> Option<u64> {
        let n = match &node.value {
            Value::Integer(n) => n,
            Value::Number(text) => {
                self.problem(
                    at,
                    format!("expected a whole number of seconds, found {text}"),
                );
                return None;
            }
            other => {
                let found = other.type_name();
                self.problem(
                    at,
                    format!("expected a whole number of seconds, found {found}"),
                );
                return None;
            }
        };
        match u64::try_from(*n) {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.problem(
                    at,
                    format!("{n} is out of range: expected {min} to {max} seconds"),
                );
                None
            }
        }
    }

    /// The items of an array of tables, each read by `read` (`None` for an item with
    /// problems); a problem when there are more than `shape.max` or the value is something else.
    pub(super) fn array_of_tables<T>(
        &mut self,
        node: &Node,
        at: &At,
        shape: &ArrayOfTables,
        mut read: impl FnMut(&mut Self, &Node, &At) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        match &node.value {
            Value::Array(items) if items.len() > shape.max => {
                let (max, noun) = (shape.max, shape.noun);
                self.problem(at, format!("more than {max} {noun}"));
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(value) = read(self, item, &at.index(i, item)) {
                        out.push(value);
                    }
                }
            }
            other => {
                let (header, found) = (shape.header, other.type_name());
                self.problem(
                    at,
                    format!("expected an array of tables ({header}), found {found}"),
                );
            }
        }
        out
    }

    /// A string or an array of strings.
    pub(super) fn strings(&mut self, node: &Node, at: &At) -> Option<Vec<String>> {
        match &node.value {
            Value::String(s) => Some(alloc::vec![s.clone()]),
            Value::Array(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.string(item, &at.index(i, item)) {
                        Some(s) => out.push(s),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            other => {
                let found = other.type_name();
                self.problem(
                    at,
                    format!("expected a string or an array of strings, found {found}"),
                );
                None
            }
        }
    }

    pub(super) fn time(&mut self, node: &Node, at: &At) -> Option<When> {
        let text = match &node.value {
            Value::String(s) | Value::Datetime(s) => s,
            other => {
                let found = other.type_name();
                self.problem(at, format!("expected an RFC 3339 date-time, found {found}"));
                return None;
            }
        };
        match crate::time::parse_rfc3339(text) {
            Ok(t) => Some(When::from(t)),
            Err(e) => {
                self.problem(at, e.to_string());
                None
            }
        }
    }

    pub(super) fn required<'n>(
        &mut self,
        table: &mut Table<'n>,
        at: &At,
        key: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let node = table.get(key);
        if node.is_none() {
            self.problem(at, format!("missing `{key}`: {what}"));
        }
        node
    }

    // ------------------------------------------------------------------ rules across fields

    pub(super) fn check_duplicates(&mut self) {
        let ids = core::mem::take(&mut self.client_ids);
        let mut seen: hashbrown::HashMap<&str, (usize, Option<usize>), crate::fx_hash::FxBuild> =
            hashbrown::HashMap::with_capacity_and_hasher(ids.len(), crate::fx_hash::FxBuild);
        for (i, (id, line)) in ids.iter().enumerate() {
            match seen.get(id.as_str()) {
                Some((first, first_line)) => {
                    let at = At {
                        client_id: Some(id.clone()),
                        path: format!("clients[{i}].client_id"),
                        line: *line,
                    };
                    let where_first = match first_line {
                        Some(line) => format!("clients[{first}] at line {line}"),
                        None => format!("clients[{first}]"),
                    };
                    self.problem(
                        &at,
                        format!("duplicate client_id, already used by {where_first}"),
                    );
                }
                None => {
                    seen.insert(id, (i, *line));
                }
            }
        }
    }

    pub(super) fn check_method(&mut self, method: AuthMethod, secrets: &[Secret], at: &At) {
        let mut usable = 0;
        for (i, secret) in secrets.iter().enumerate() {
            let kind = secret.secret_type();
            if kind.serves(method) {
                usable += 1;
            } else {
                let secret_at = At {
                    client_id: at.client_id.clone(),
                    path: format!("{}.secrets[{i}]", at.path),
                    line: secret.line,
                };
                self.warning(&secret_at, format!("a {kind} secret is for {}; it can never authenticate this client, whose method is {method}", kind.method()));
            }
        }
        if usable == 0 && !secrets.is_empty() {
            self.problem(
                at,
                format!("no secret can be used with token_endpoint_auth_method {method}"),
            );
        }
    }
}

// ------------------------------------------------------------------------------- value checks

/// RFC 6749 §A.1: client_id is VSCHAR (printable ASCII and space).
pub(super) fn client_id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some(String::from("the client_id is empty"));
    }
    if id.len() > 255 {
        return Some(String::from("the client_id is longer than 255 characters"));
    }
    id.chars().position(|c| !(' '..='~').contains(&c)).map(|i| {
        format!(
            "the client_id has {} at position {i}; only printable ASCII is allowed (RFC 6749 §A.1)",
            crate::describe_char(id.chars().nth(i).unwrap_or(' '))
        )
    })
}

/// RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E.
pub(super) fn scope_problem(scope: &str) -> Option<String> {
    if scope.is_empty() {
        return Some(String::from("empty"));
    }
    scope
        .chars()
        .find(|c| !matches!(c, '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e'))
        .map(|c| {
            format!(
                "{} is not allowed in a scope (RFC 6749 §3.3)",
                crate::describe_char(c)
            )
        })
}

/// A shared secret's stored SHA-256: 64 hex digits, or base64 (IdentityServer's
/// `"secret".Sha256()` is base64 of the SHA-256 of the UTF-8 bytes).
pub(super) fn shared_secret_hash(text: &str) -> Result<[u8; 32], String> {
    digest32(text).ok_or_else(|| String::from(
        "expected the SHA-256 of the secret: 64 hex digits, or base64 as IdentityServer's \"secret\".Sha256() gives (44 characters); never the secret itself",
    ))
}

/// An issuer key pin: SHA-256 of the SubjectPublicKeyInfo, hex or base64 (also with curl's
/// `sha256//` prefix).
pub(super) fn key_pin(text: &str) -> Result<[u8; 32], String> {
    let text = text.strip_prefix("sha256//").unwrap_or(text);
    digest32(text).ok_or_else(|| String::from(
        "expected the SHA-256 of the issuing CA's SubjectPublicKeyInfo: 64 hex digits or base64 (openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256)",
    ))
}

/// 32 bytes from 64 hex digits or (padded or not) standard/url-safe base64.
fn digest32(text: &str) -> Option<[u8; 32]> {
    use base64ct::Encoding;
    let text = text.trim();
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut out = [0u8; 32];
        for (i, pair) in text.as_bytes().chunks_exact(2).enumerate() {
            let hex = core::str::from_utf8(pair).ok()?;
            *out.get_mut(i)? = u8::from_str_radix(hex, 16).ok()?;
        }
        return Some(out);
    }
    let decoded = base64ct::Base64::decode_vec(text)
        .or_else(|_| base64ct::Base64Unpadded::decode_vec(text))
        .or_else(|_| base64ct::Base64Url::decode_vec(text))
        .or_else(|_| base64ct::Base64UrlUnpadded::decode_vec(text))
        .ok()?;
    <[u8; 32]>::try_from(decoded.as_slice()).ok()
}

/// The known key closest to a misspelt one (edit distance at most 2).
pub(super) fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let cost = usize::from(ca != *cb);
            let value = (above + 1).min(left + 1).min(previous + cost);
            previous = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("scope", "scopes"), 1);
        assert_eq!(edit_distance("clientid", "client_id"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
        assert_eq!(closest("scope", CLIENT_KEYS), Some("scopes"));
        assert_eq!(closest("zzzzzz", CLIENT_KEYS), None);
    }

    #[test]
    fn shared_secret_accepts_hex_and_identityserver_base64() {
        // "secret".Sha256() in IdentityServer: base64 of SHA-256("secret").
        let hex = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b";
        let b64 = "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=";
        assert_eq!(shared_secret_hash(hex), shared_secret_hash(b64));
        assert!(shared_secret_hash("secret").is_err());
    }
}
