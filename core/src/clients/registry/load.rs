//! Walks a registry document, checks everything, collects every problem and warning.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use super::node::{Key, Node, Value};
use super::{
    Client, DEFAULT_ACCESS_TOKEN_LIFETIME, DEFAULT_CLOCK_SKEW, FileError, FileSource,
    Introspection, LoadOptions, LoadedRegistry, OtherKeys, Registry,
};
use crate::dn::DistinguishedName;
use crate::san::{SanKind, SanRequirement};
use crate::secret::{
    AuthMethod, Secret, SecretKind, SecretType, SelfSigned, SharedSecretHash, SubjectRequirement,
    Thumbprint, TlsClientAuth,
};
use crate::trust::{Anchor, TrustStore};
use crate::when::When;
use crate::{Certificate, DecodeOptions, Error, RegistryProblem};

/// Largest registry accepted (clients); a bound on work for untrusted documents.
const MAX_CLIENTS: usize = 1_000_000;
/// Most secrets per client.
const MAX_SECRETS: usize = 100;
/// Longest access-token lifetime accepted, in seconds (one year).
const MAX_LIFETIME: u64 = 365 * 24 * 3600;
/// Largest clock skew accepted, in seconds (one day).
const MAX_SKEW: u64 = 24 * 3600;

const TOP_KEYS: &[&str] = &["trust_anchors", "clock_skew", "clients"];
const CLIENT_KEYS: &[&str] = &[
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
const COMMON_SECRET_KEYS: &[&str] = &["type", "description", "expires"];
const SUBJECT_KEYS: &[&str] = &["subject_dn", "san_dns", "san_uri", "san_ip", "san_email"];

/// The keys each secret type takes besides `type`, `description` and `expires`.
fn secret_keys(kind: SecretType) -> &'static [&'static str] {
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

/// Loads and checks a registry document.
pub(super) fn load(
    root: &Node,
    options: &LoadOptions,
    files: &mut dyn FileSource,
) -> Result<LoadedRegistry, Error> {
    let mut loader = Loader {
        problems: Vec::new(),
        warnings: Vec::new(),
        now: When::from(options.now),
        files,
        anchor_uses: BTreeMap::new(),
        client_ids: Vec::new(),
    };
    let registry = loader.registry(root, options.other_keys);
    let Loader {
        mut problems,
        mut warnings,
        ..
    } = loader;
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    warnings.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    if problems.is_empty() {
        Ok(LoadedRegistry { registry, warnings })
    } else {
        Err(Error::Registry { problems })
    }
}

/// Loads and checks one client definition alone (the table of one `[[clients]]` entry): the same
/// checks as in a registry, with field paths relative to the client, and the anchor files it
/// names read into its own trust store.
pub(super) fn load_client(
    root: &Node,
    options: &LoadOptions,
    files: &mut dyn FileSource,
) -> Result<super::LoadedClient, Error> {
    let mut loader = Loader {
        problems: Vec::new(),
        warnings: Vec::new(),
        now: When::from(options.now),
        files,
        anchor_uses: BTreeMap::new(),
        client_ids: Vec::new(),
    };
    let at = At {
        client_id: None,
        path: String::new(),
        line: root.line,
    };
    let client = loader.client(root, &at);
    let trust = loader.load_anchors(&[]);
    let Loader {
        mut problems,
        mut warnings,
        ..
    } = loader;
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    warnings.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    match client {
        Some(client) if problems.is_empty() => Ok(super::LoadedClient {
            client,
            trust,
            warnings,
        }),
        _ => Err(Error::Registry { problems }),
    }
}

/// Whether a secret validates its chain to the client's `trust_anchors`.
fn uses_client_anchors(secret: &Secret) -> bool {
    match &secret.kind {
        SecretKind::X509Name(_) => true,
        SecretKind::TlsClientAuth(t) => t.trust_anchors.is_none(),
        _ => false,
    }
}

/// Derives the method from the secrets; `None` when they belong to different methods or there
/// are none.
pub(super) fn derive_method(secrets: &[Secret]) -> Option<AuthMethod> {
    let mut methods = secrets.iter().map(|s| s.secret_type().method());
    let first = methods.next()?;
    methods.all(|m| m == first).then_some(first)
}

/// Where a field is, for messages.
#[derive(Clone)]
struct At {
    client_id: Option<String>,
    path: String,
    line: Option<usize>,
}

impl At {
    fn field(&self, name: &str, node: Option<&Node>) -> Self {
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

    fn index(&self, i: usize, node: &Node) -> Self {
        Self {
            client_id: self.client_id.clone(),
            path: format!("{}[{i}]", self.path),
            line: node.line.or(self.line),
        }
    }
}

struct Loader<'f> {
    problems: Vec<RegistryProblem>,
    warnings: Vec<RegistryProblem>,
    now: When,
    files: &'f mut dyn FileSource,
    /// Anchor files named anywhere, with the first place that names them.
    anchor_uses: BTreeMap<String, At>,
    /// Every client_id read, with the line of its value, for the duplicate check.
    client_ids: Vec<(String, Option<usize>)>,
}

/// What an array of tables (`[[clients]]`, `[[clients.secrets]]`) may hold, for its messages.
struct ArrayOfTables {
    /// At most this many items.
    max: usize,
    /// What the items are, in "more than N …".
    noun: &'static str,
    /// How the array is written in TOML.
    header: &'static str,
}

/// A table being read: which keys were used, so that the rest can be reported.
struct Table<'n> {
    entries: &'n [(Key, Node)],
    used: Vec<bool>,
}

impl<'n> Table<'n> {
    fn get(&mut self, name: &str) -> Option<&'n Node> {
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
    fn problem(&mut self, at: &At, message: impl Into<String>) {
        self.problems.push(RegistryProblem::new(
            at.client_id.clone(),
            at.path.clone(),
            at.line,
            message,
        ));
    }

    fn warning(&mut self, at: &At, message: impl Into<String>) {
        self.warnings.push(RegistryProblem::new(
            at.client_id.clone(),
            at.path.clone(),
            at.line,
            message,
        ));
    }

    fn table<'n>(&mut self, node: &'n Node, at: &At) -> Option<Table<'n>> {
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
    fn unknown_keys(
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

    fn string(&mut self, node: &Node, at: &At) -> Option<String> {
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

    fn bool(&mut self, node: &Node, at: &At) -> Option<bool> {
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

    fn seconds(&mut self, node: &Node, at: &At, min: u64, max: u64) -> Option<u64> {
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
    fn array_of_tables<T>(
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

    /// The file names of a `trust_anchors` list under `at`, each remembered with where it was
    /// first named: the files are read once the whole document is checked, and a file that
    /// cannot be read is reported at that place.
    fn trust_anchor_files(&mut self, node: &Node, at: &At) -> Option<Vec<String>> {
        let field = at.field("trust_anchors", Some(node));
        let files = self.strings(node, &field)?;
        for file in &files {
            self.anchor_uses
                .entry(file.clone())
                .or_insert_with(|| field.clone());
        }
        Some(files)
    }

    /// A string or an array of strings.
    fn strings(&mut self, node: &Node, at: &At) -> Option<Vec<String>> {
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

    fn time(&mut self, node: &Node, at: &At) -> Option<When> {
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

    // -------------------------------------------------------------------------- registry

    fn registry(&mut self, root: &Node, other_keys: OtherKeys) -> Registry {
        let top = At {
            client_id: None,
            path: String::new(),
            line: root.line,
        };
        let Some(mut table) = self.table(root, &top) else {
            return Registry::default();
        };

        let trust_anchor_files = table
            .get("trust_anchors")
            .and_then(|node| self.trust_anchor_files(node, &top))
            .unwrap_or_default();
        let clock_skew = match table.get("clock_skew") {
            Some(node) => {
                let at = top.field("clock_skew", Some(node));
                self.seconds(node, &at, 0, MAX_SKEW)
                    .unwrap_or(DEFAULT_CLOCK_SKEW)
            }
            None => DEFAULT_CLOCK_SKEW,
        };

        let clients = match table.get("clients") {
            Some(node) => {
                let at = top.field("clients", Some(node));
                let shape = ArrayOfTables {
                    max: MAX_CLIENTS,
                    noun: "clients",
                    header: "[[clients]]",
                };
                self.array_of_tables(node, &at, &shape, Self::client)
            }
            None => Vec::new(),
        };
        if other_keys == OtherKeys::Reject {
            self.unknown_keys(&table, &top, TOP_KEYS, &|_| None);
        }
        self.check_duplicates();

        let trust = self.load_anchors(&trust_anchor_files);
        Registry {
            clients,
            trust,
            trust_anchor_files,
            clock_skew,
        }
    }

    fn check_duplicates(&mut self) {
        let ids = core::mem::take(&mut self.client_ids);
        let mut seen: hashbrown::HashMap<&str, (usize, Option<usize>), crate::index::FxBuild> =
            hashbrown::HashMap::with_capacity_and_hasher(ids.len(), crate::index::FxBuild);
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

    /// Reads every anchor file named anywhere into a store.
    fn load_anchors(&mut self, defaults: &[String]) -> TrustStore {
        let mut store = TrustStore::new();
        store.set_default_names(defaults.to_vec());
        let uses = core::mem::take(&mut self.anchor_uses);
        for (file, at) in uses {
            let Some(certificates) = self.read_certificates(&file, &at, "trust anchor file") else {
                continue;
            };
            let mut anchors = Vec::new();
            for (i, cert) in certificates.into_iter().enumerate() {
                match Anchor::new(cert) {
                    Ok(anchor) => anchors.push(anchor),
                    Err(Error::InvalidTrustAnchor { reason, .. }) => {
                        self.problem(
                            &at,
                            format!(
                                "{file}: certificate #{} is not a usable trust anchor: {reason}",
                                i + 1
                            ),
                        );
                    }
                    Err(e) => self.problem(&at, format!("{file}: {e}")),
                }
            }
            store.insert(file, anchors);
        }
        store
    }

    /// Reads a certificate file through the file source; `None` (with a problem or a warning)
    /// when it cannot be read.
    fn read_certificates(&mut self, file: &str, at: &At, what: &str) -> Option<Vec<Certificate>> {
        match self.files.read(file) {
            Ok(bytes) => match crate::decode(&bytes, &DecodeOptions::default()) {
                Ok(decoded) => Some(decoded.certificates),
                Err(e) => {
                    self.problem(at, format!("{what} {file:?}: {e}"));
                    None
                }
            },
            Err(FileError::Unavailable) => {
                self.warning(
                    at,
                    format!(
                        "{what} {file:?} is not available here (no file system); give it as data"
                    ),
                );
                None
            }
            Err(FileError::Failed(reason)) => {
                self.problem(at, format!("cannot read {what} {file:?}: {reason}"));
                None
            }
        }
    }

    // ---------------------------------------------------------------------------- client

    fn client(&mut self, node: &Node, at: &At) -> Option<Client> {
        let mut table = self.table(node, at)?;
        let mut at = at.clone();

        let client_id = match table.get("client_id") {
            Some(n) => {
                let field = at.field("client_id", Some(n));
                let id = self.string(n, &field);
                if let Some(reason) = id.as_deref().and_then(client_id_problem) {
                    self.problem(&field, reason);
                }
                if let Some(id) = &id {
                    self.client_ids.push((id.clone(), field.line));
                }
                id
            }
            None => {
                self.problem(&at, "missing `client_id`");
                None
            }
        };
        at.client_id.clone_from(&client_id);

        let name = table
            .get("name")
            .and_then(|n| self.string(n, &at.field("name", Some(n))));
        let description = table
            .get("description")
            .and_then(|n| self.string(n, &at.field("description", Some(n))));
        let enabled = table
            .get("enabled")
            .and_then(|n| self.bool(n, &at.field("enabled", Some(n))))
            .unwrap_or(true);
        let grant_types = match table.get("grant_types") {
            Some(n) => {
                let field = at.field("grant_types", Some(n));
                let types = self.strings(n, &field).unwrap_or_default();
                for t in &types {
                    if t != "client_credentials" {
                        self.problem(&field, format!("unsupported grant type {t:?}: certbind issues tokens for client_credentials"));
                    }
                }
                if types.is_empty() {
                    self.problem(&field, "the grant_types list is empty");
                }
                types
            }
            None => alloc::vec![String::from("client_credentials")],
        };
        let scopes = match table.get("scopes") {
            Some(n) => {
                let field = at.field("scopes", Some(n));
                let scopes = self.strings(n, &field).unwrap_or_default();
                if scopes.is_empty() && matches!(n.value, Value::Array(_)) {
                    self.problem(
                        &field,
                        "the scope list is empty: the client could not ask for any token",
                    );
                }
                for (i, scope) in scopes.iter().enumerate() {
                    if let Some(reason) = scope_problem(scope) {
                        self.problem(&field, format!("scope #{} {scope:?}: {reason}", i + 1));
                    }
                }
                scopes
            }
            None => {
                self.problem(
                    &at,
                    "missing `scopes`: list the scopes the client may ask for",
                );
                Vec::new()
            }
        };
        let access_token_lifetime = table
            .get("access_token_lifetime")
            .and_then(|n| {
                self.seconds(
                    n,
                    &at.field("access_token_lifetime", Some(n)),
                    1,
                    MAX_LIFETIME,
                )
            })
            .unwrap_or(DEFAULT_ACCESS_TOKEN_LIFETIME);
        let audience = match table.get("audience") {
            Some(n) => {
                let field = at.field("audience", Some(n));
                let audience = self.strings(n, &field).unwrap_or_default();
                if audience.is_empty() && matches!(n.value, Value::Array(_)) {
                    self.problem(
                        &field,
                        "the audience list is empty: leave `audience` out for the server's",
                    );
                }
                if audience.iter().any(String::is_empty) {
                    self.problem(&field, "an audience is empty");
                }
                audience
            }
            None => Vec::new(),
        };
        let introspection = table
            .get("introspection")
            .and_then(|n| {
                let field = at.field("introspection", Some(n));
                let text = self.string(n, &field)?;
                let value = Introspection::from_name(&text);
                if value.is_none() {
                    let names: Vec<&str> = Introspection::ALL.iter().map(|i| i.name()).collect();
                    self.problem(
                        &field,
                        format!(
                            "unknown value {text:?}; expected one of {} (which tokens the client \
                             may introspect)",
                            names.join(", ")
                        ),
                    );
                }
                value
            })
            .unwrap_or_default();
        let method_node = table.get("token_endpoint_auth_method");
        let method = method_node.and_then(|n| {
            let field = at.field("token_endpoint_auth_method", Some(n));
            let text = self.string(n, &field)?;
            let method = AuthMethod::from_name(&text);
            if method.is_none() {
                let names: Vec<&str> = AuthMethod::ALL.iter().map(|m| m.name()).collect();
                self.problem(
                    &field,
                    format!(
                        "unknown method {text:?}; expected one of {}",
                        names.join(", ")
                    ),
                );
            }
            method
        });
        let bound = table.get("certificate_bound_access_tokens").map(|n| {
            (
                self.bool(n, &at.field("certificate_bound_access_tokens", Some(n))),
                at.field("certificate_bound_access_tokens", Some(n)),
            )
        });
        let trust_anchors_node = table.get("trust_anchors");
        let trust_anchors = trust_anchors_node.and_then(|n| self.trust_anchor_files(n, &at));

        let mut secrets = Vec::new();
        match table.get("secrets") {
            Some(n) if matches!(&n.value, Value::Array(items) if items.is_empty()) => {
                self.problem(
                    &at.field("secrets", Some(n)),
                    "the client has no secrets: nothing could authenticate it",
                );
            }
            Some(n) => {
                let field = at.field("secrets", Some(n));
                let shape = ArrayOfTables {
                    max: MAX_SECRETS,
                    noun: "secrets",
                    header: "[[clients.secrets]]",
                };
                secrets = self.array_of_tables(n, &field, &shape, Self::secret);
            }
            None => self.problem(
                &at,
                "missing `secrets`: the client has nothing to authenticate with",
            ),
        }
        self.unknown_keys(&table, &at, CLIENT_KEYS, &|_| None);
        if let Some(node) = trust_anchors_node
            && !secrets.is_empty()
            && !secrets.iter().any(uses_client_anchors)
        {
            self.problem(
                &at.field("trust_anchors", Some(node)),
                "not used: only x509_name secrets and tls_client_auth secrets without their own \
                 trust_anchors validate a chain to the client's anchors, and this client has none",
            );
        }

        let (method, method_derived) = match method {
            Some(method) => {
                self.check_method(method, &secrets, &at);
                (method, false)
            }
            None => match derive_method(&secrets) {
                Some(method) => (method, true),
                None => {
                    if !secrets.is_empty() && method_node.is_none() {
                        let kinds: BTreeSet<&str> = secrets
                            .iter()
                            .map(|s| s.secret_type().method().name())
                            .collect();
                        let kinds: Vec<&str> = kinds.into_iter().collect();
                        self.problem(&at, format!(
                            "the secrets belong to different methods ({}); write token_endpoint_auth_method to say which one the client uses",
                            kinds.join(", ")
                        ));
                    }
                    (AuthMethod::ClientSecretBasic, true)
                }
            },
        };
        let certificate_bound_access_tokens = match bound {
            Some((Some(true), field)) if !method.uses_certificate() => {
                self.problem(&field, format!("tokens can be bound to a certificate only when one authenticates the client; the method is {method}"));
                false
            }
            Some((Some(b), _)) => b,
            _ => method.uses_certificate(),
        };

        Some(Client {
            client_id: client_id?,
            name,
            description,
            enabled,
            grant_types,
            scopes,
            access_token_lifetime,
            audience,
            introspection,
            token_endpoint_auth_method: method,
            method_derived,
            certificate_bound_access_tokens,
            trust_anchors,
            secrets,
            line: node.line,
        })
    }

    fn check_method(&mut self, method: AuthMethod, secrets: &[Secret], at: &At) {
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

    // ---------------------------------------------------------------------------- secret

    fn secret(&mut self, node: &Node, at: &At) -> Option<Secret> {
        let mut table = self.table(node, at)?;
        let kind = match table.get("type") {
            Some(n) => {
                let field = at.field("type", Some(n));
                let text = self.string(n, &field)?;
                let kind = SecretType::from_name(&text);
                if kind.is_none() {
                    let names: Vec<&str> = SecretType::ALL.iter().map(|t| t.name()).collect();
                    let mut message = format!(
                        "unknown secret type {text:?}; expected one of {}",
                        names.join(", ")
                    );
                    if let Some(close) = closest(&text, &names) {
                        message.push_str(&format!(" (did you mean `{close}`?)"));
                    }
                    self.problem(&field, message);
                }
                kind?
            }
            None => {
                self.problem(at, "missing `type` (x509_thumbprint, tls_client_auth, …)");
                return None;
            }
        };
        let description = table
            .get("description")
            .and_then(|n| self.string(n, &at.field("description", Some(n))));
        let expires = table
            .get("expires")
            .and_then(|n| self.time(n, &at.field("expires", Some(n))));
        if let Some(expires) = expires
            && expires <= self.now
        {
            self.warning(
                &at.field("expires", None),
                format!("the secret expired at {expires}: it will not authenticate"),
            );
        }

        let value = match kind {
            SecretType::X509Thumbprint => self
                .thumbprint(&mut table, at, kind)
                .map(SecretKind::X509Thumbprint),
            SecretType::X509ThumbprintSha256 => self
                .thumbprint(&mut table, at, kind)
                .map(SecretKind::X509ThumbprintSha256),
            SecretType::X509Name => {
                let n = self.required(
                    &mut table,
                    at,
                    "value",
                    "the subject DN, e.g. CN=client,O=Example,C=US",
                )?;
                let field = at.field("value", Some(n));
                let text = self.string(n, &field)?;
                self.dn(&text, &field).map(SecretKind::X509Name)
            }
            SecretType::TlsClientAuth => self
                .tls_client_auth(&mut table, at)
                .map(SecretKind::TlsClientAuth),
            SecretType::SelfSignedTlsClientAuth => self
                .self_signed(&mut table, at)
                .map(SecretKind::SelfSignedTlsClientAuth),
            SecretType::SharedSecret => {
                let n = self.required(&mut table, at, "value", "the SHA-256 of the secret")?;
                let field = at.field("value", Some(n));
                let text = self.string(n, &field)?;
                match shared_secret_hash(&text) {
                    Ok(hash) => Some(SecretKind::SharedSecret(SharedSecretHash(hash))),
                    Err(reason) => {
                        self.problem(&field, reason);
                        None
                    }
                }
            }
        };
        let own = secret_keys(kind);
        let hint = |key: &str| -> Option<String> {
            let owner = SecretType::ALL
                .into_iter()
                .find(|t| *t != kind && secret_keys(*t).contains(&key))?;
            Some(format!(
                ": `{key}` belongs to {owner} secrets, this one is {kind}"
            ))
        };
        let known: Vec<&str> = COMMON_SECRET_KEYS.iter().chain(own).copied().collect();
        self.unknown_keys(&table, at, &known, &hint);
        Some(Secret {
            kind: value?,
            description,
            expires,
            line: node.line,
        })
    }

    fn required<'n>(
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

    fn thumbprint(
        &mut self,
        table: &mut Table<'_>,
        at: &At,
        kind: SecretType,
    ) -> Option<Thumbprint> {
        let what = if kind == SecretType::X509Thumbprint {
            "the certificate's SHA-1 thumbprint (40 hex digits)"
        } else {
            "the certificate's SHA-256 thumbprint (64 hex digits or x5t#S256)"
        };
        let n = self.required(table, at, "value", what)?;
        let field = at.field("value", Some(n));
        let text = self.string(n, &field)?;
        let normalized = match crate::normalize_thumbprint(&text) {
            Ok(normalized) => normalized,
            Err(e) => {
                self.problem(&field, format!("not a thumbprint: {e}"));
                return None;
            }
        };
        if !normalized.summary.is_empty() {
            // The normaliser's summary, as `certbind normalize` prints it.
            self.warning(
                &field,
                format!(
                    "the value was cleaned to {}: {}",
                    normalized.value,
                    normalized.summary.join("; ")
                ),
            );
        }
        let len = normalized.digest.len();
        if kind == SecretType::X509Thumbprint && len == 32 {
            self.warning(&field, "this is a SHA-256 thumbprint, but x509_thumbprint compares SHA-1 (40 hex digits): it will not match; use type = \"x509_thumbprint_sha256\"");
        }
        if kind == SecretType::X509ThumbprintSha256 && len == 20 {
            self.warning(&field, "this is a SHA-1 thumbprint, but x509_thumbprint_sha256 compares SHA-256: it will not match; use type = \"x509_thumbprint\"");
        }
        Some(Thumbprint {
            digest: normalized.digest,
            text: normalized.value,
        })
    }

    fn dn(&mut self, text: &str, at: &At) -> Option<DistinguishedName> {
        match DistinguishedName::parse(text) {
            Ok(dn) => Some(dn),
            Err(Error::InvalidName { index, reason, .. }) => {
                self.problem(
                    at,
                    format!("not a distinguished name: {reason} (at character {index})"),
                );
                None
            }
            Err(e) => {
                self.problem(at, e.to_string());
                None
            }
        }
    }

    fn tls_client_auth(&mut self, table: &mut Table<'_>, at: &At) -> Option<TlsClientAuth> {
        let present: Vec<(&str, &Node)> = SUBJECT_KEYS
            .iter()
            .filter_map(|k| table.get(k).map(|n| (*k, n)))
            .collect();
        let subject = match present.as_slice() {
            [] => {
                self.problem(at, "a tls_client_auth secret needs exactly one of subject_dn, san_dns, san_uri, san_ip, san_email; none is given");
                None
            }
            [(key, n)] => {
                let field = at.field(key, Some(n));
                let text = self.string(n, &field)?;
                if *key == "subject_dn" {
                    self.dn(&text, &field).map(SubjectRequirement::SubjectDn)
                } else {
                    let kind = match *key {
                        "san_dns" => SanKind::Dns,
                        "san_uri" => SanKind::Uri,
                        "san_ip" => SanKind::Ip,
                        _ => SanKind::Email,
                    };
                    match SanRequirement::parse(kind, &text) {
                        Ok(san) => Some(SubjectRequirement::San(san)),
                        Err(reason) => {
                            self.problem(&field, reason);
                            None
                        }
                    }
                }
            }
            several => {
                let keys: Vec<&str> = several.iter().map(|(k, _)| *k).collect();
                let line = several.get(1).and_then(|(_, n)| n.line);
                let field = At {
                    line: line.or(at.line),
                    ..at.clone()
                };
                self.problem(&field, format!("a tls_client_auth secret needs exactly one of subject_dn, san_dns, san_uri, san_ip, san_email; {} are given", keys.join(" and ")));
                None
            }
        };
        let trust_anchors = table
            .get("trust_anchors")
            .and_then(|n| self.trust_anchor_files(n, at));
        let mut issuer_key_sha256 = Vec::new();
        if let Some(n) = table.get("issuer_key_sha256") {
            let field = at.field("issuer_key_sha256", Some(n));
            for pin in self.strings(n, &field).unwrap_or_default() {
                match key_pin(&pin) {
                    Ok(digest) => issuer_key_sha256.push(digest),
                    Err(reason) => self.problem(&field, format!("{pin:?}: {reason}")),
                }
            }
        }
        Some(TlsClientAuth {
            subject: subject?,
            trust_anchors,
            issuer_key_sha256,
        })
    }

    fn self_signed(&mut self, table: &mut Table<'_>, at: &At) -> Option<SelfSigned> {
        let mut secret = SelfSigned::default();
        let mut given = false;
        let mut certificates: Vec<(Certificate, At)> = Vec::new();
        if let Some(n) = table.get("pem") {
            given = true;
            let field = at.field("pem", Some(n));
            if let Some(text) = self.string(n, &field) {
                match crate::decode(text.as_bytes(), &DecodeOptions::default()) {
                    Ok(decoded) => certificates
                        .extend(decoded.certificates.into_iter().map(|c| (c, field.clone()))),
                    Err(e) => self.problem(&field, format!("not a certificate: {e}")),
                }
            }
        }
        if let Some(n) = table.get("pem_file") {
            given = true;
            let field = at.field("pem_file", Some(n));
            for file in self.strings(n, &field).unwrap_or_default() {
                match self.read_certificates(&file, &field, "certificate file") {
                    Some(certs) => {
                        certificates.extend(certs.into_iter().map(|c| (c, field.clone())))
                    }
                    None => secret.unavailable_files.push(file),
                }
            }
        }
        if let Some(n) = table.get("x5c") {
            given = true;
            let field = at.field("x5c", Some(n));
            for (i, b64) in self
                .strings(n, &field)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                use base64ct::Encoding;
                let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
                match base64ct::Base64::decode_vec(&compact) {
                    Ok(der) => match Certificate::from_der(&der) {
                        Ok(cert) => certificates.push((cert, field.clone())),
                        Err(e) => self.problem(&field, format!("x5c #{}: {e}", i + 1)),
                    },
                    Err(_) => self.problem(
                        &field,
                        format!(
                            "x5c #{}: not base64 (x5c holds standard base64 of DER, RFC 7517 §4.7)",
                            i + 1
                        ),
                    ),
                }
            }
        }
        if let Some(n) = table.get("jwks_file") {
            given = true;
            let field = at.field("jwks_file", Some(n));
            if let Some(file) = self.string(n, &field) {
                match self.files.jwks_certificates(&file) {
                    Ok(ders) => {
                        if ders.is_empty() {
                            self.problem(
                                &field,
                                format!("the JWKS {file:?} has no key with an x5c certificate"),
                            );
                        }
                        for der in ders {
                            match Certificate::from_der(&der) {
                                Ok(cert) => certificates.push((cert, field.clone())),
                                Err(e) => self.problem(&field, format!("{file}: {e}")),
                            }
                        }
                    }
                    Err(FileError::Unavailable) => {
                        self.warning(&field, format!("the JWKS {file:?} is not available here"));
                        secret.unavailable_files.push(file);
                    }
                    Err(FileError::Failed(reason)) => {
                        self.problem(&field, format!("cannot read the JWKS {file:?}: {reason}"));
                    }
                }
            }
        }
        if let Some(n) = table.get("sha256") {
            given = true;
            let field = at.field("sha256", Some(n));
            for text in self.strings(n, &field).unwrap_or_default() {
                match crate::normalize_thumbprint(&text) {
                    Ok(t) => match <[u8; 32]>::try_from(t.digest.as_slice()) {
                        Ok(digest) => secret.sha256.push(digest),
                        Err(_) => self.problem(&field, format!("{text:?} is a SHA-1 thumbprint; sha256 needs the SHA-256 (64 hex digits or x5t#S256)")),
                    },
                    Err(e) => self.problem(&field, format!("not a thumbprint: {e}")),
                }
            }
        }
        if !given {
            self.problem(at, "a self_signed_tls_client_auth secret needs the certificate: pem, pem_file, x5c, jwks_file or sha256");
            return None;
        }
        for (cert, field) in certificates {
            secret.sha256.push(Sha256::digest(cert.der()).into());
            if let Ok((_, not_after)) = crate::validity::read_validity(cert.der())
                && not_after < self.now
            {
                self.warning(
                    &field,
                    format!("a registered certificate expired at {not_after}"),
                );
            }
            if let Some(reason) = super::client_certificate::not_a_client_certificate(&cert) {
                self.warning(&field, reason);
            }
        }
        Some(secret)
    }
}

// ------------------------------------------------------------------------------- value checks

/// RFC 6749 §A.1: client_id is VSCHAR (printable ASCII and space).
fn client_id_problem(id: &str) -> Option<String> {
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
fn scope_problem(scope: &str) -> Option<String> {
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
pub(crate) fn shared_secret_hash(text: &str) -> Result<[u8; 32], String> {
    digest32(text).ok_or_else(|| String::from(
        "expected the SHA-256 of the secret: 64 hex digits, or base64 as IdentityServer's \"secret\".Sha256() gives (44 characters); never the secret itself",
    ))
}

/// An issuer key pin: SHA-256 of the SubjectPublicKeyInfo, hex or base64 (also with curl's
/// `sha256//` prefix).
fn key_pin(text: &str) -> Result<[u8; 32], String> {
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
fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
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
