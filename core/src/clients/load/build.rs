//! Builds the registry (or one client) from the document as [`super::validate`] checks it:
//! the clients and their secrets, with the anchor and certificate files they name read through
//! the [`super::FileSource`].

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use super::files::{FileError, FileSource};
use super::parse::{Node, Value};
use super::validate::{
    ArrayOfTables, At, CLIENT_KEYS, COMMON_SECRET_KEYS, Loader, MAX_CLIENTS, MAX_LIFETIME,
    MAX_SECRETS, MAX_SKEW, SUBJECT_KEYS, TOP_KEYS, Table, client_id_problem, closest, key_pin,
    scope_problem, secret_keys, shared_secret_hash, uses_client_anchors,
};
use crate::dn::DistinguishedName;
use crate::registry::{
    Client, DEFAULT_ACCESS_TOKEN_LIFETIME, DEFAULT_CLOCK_SKEW, Introspection, LoadOptions,
    LoadedClient, LoadedRegistry, OtherKeys, Registry, derive_method,
};
use crate::san::{SanKind, SanRequirement};
use crate::secret::{
    AuthMethod, Secret, SecretKind, SecretType, SelfSigned, SharedSecretHash, SubjectRequirement,
    Thumbprint, TlsClientAuth,
};
use crate::trust::{Anchor, TrustStore};
use crate::when::When;
use crate::{Certificate, DecodeOptions, Error};

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
) -> Result<LoadedClient, Error> {
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
        Some(client) if problems.is_empty() => Ok(LoadedClient {
            client,
            trust,
            warnings,
        }),
        _ => Err(Error::Registry { problems }),
    }
}

impl Loader<'_> {
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
