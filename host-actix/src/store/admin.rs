//! What the command line does to the shared store: migrate (and bring in the first signing
//! keys), import and export registries, rotate keys. Each change is one transaction ending with
//! the notification every replica follows.

use std::collections::BTreeMap;
use std::path::Path;

use certbind_core::{LoadOptions, UnixTime};
use tokio_postgres::Client;

use super::clients::{self as rows, ImportOutcome};
use super::connect::Database;
use super::definition::{json_to_toml, toml_to_json};
use super::files::RecordingFiles;
use super::handle::Change;
use super::kek::Kek;
use super::{StoreError, migrate, signing_keys};
use crate::config::{KeySource, Settings};
use crate::keys::Algorithm;

/// What `db migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrateReport {
    /// Versions applied by this run.
    pub applied: Vec<i32>,
    /// The schema version now.
    pub version: i32,
    /// Signing keys brought in (kid, where from), when the store had none.
    pub keys: Vec<(String, String)>,
}

fn now_unix() -> i64 {
    i64::try_from(crate::time::now_unix()).unwrap_or(i64::MAX)
}

/// Applies pending migrations; when the store holds no signing key, seals and stores the keys
/// the configuration names (or a new one when it names none that load).
///
/// # Errors
/// The database, the KEK or a key file failed.
pub async fn migrate(
    db: &Database,
    settings: &Settings,
    kek: &Kek,
) -> Result<MigrateReport, StoreError> {
    let mut client = db.connect().await?;
    let applied = migrate::migrate(&mut client, &db.schema).await?;
    let version = migrate::status(&client, &db.schema).await?.version;
    let tx = client.transaction().await.map_err(StoreError::query)?;
    // Two replicas migrating at once: the advisory lock makes the second find the keys.
    tx.execute("SELECT pg_advisory_xact_lock(7)", &[])
        .await
        .map_err(StoreError::query)?;
    let mut keys = Vec::new();
    if signing_keys::all(&tx).await?.is_empty() {
        let files = match &settings.keys {
            KeySource::Dir(dir) => key_files(dir),
            KeySource::Files(files) => files.clone(),
        };
        // Oldest first; the last signs (as with key files): one second apart.
        let count = i64::try_from(files.len()).unwrap_or(0);
        let now = now_unix();
        for (i, file) in files.iter().enumerate() {
            let pem = std::fs::read(file)
                .map_err(|e| StoreError::Invalid(format!("{}: {e}", file.display())))?;
            let signs_from = now - count + i64::try_from(i).unwrap_or(0) + 1;
            let kid =
                signing_keys::insert(&tx, kek, &pem, settings.key_algorithm, signs_from).await?;
            keys.push((kid, file.display().to_string()));
        }
        if keys.is_empty() {
            let pem = crate::keys::generate_pem(settings.key_algorithm)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let kid = signing_keys::insert(&tx, kek, &pem, settings.key_algorithm, now).await?;
            keys.push((kid, "new".into()));
        }
        rows::notify(&tx, &Change::Keys).await?;
    }
    tx.commit().await.map_err(StoreError::query)?;
    Ok(MigrateReport {
        applied,
        version,
        keys,
    })
}

/// The `*.pem` files of a key folder, sorted (none when it does not exist).
fn key_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "pem") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The schema's status.
///
/// # Errors
/// The database cannot be read.
pub async fn status(db: &Database) -> Result<(migrate::SchemaStatus, i64, i64), StoreError> {
    let client = db.connect().await?;
    let status = migrate::status(&client, &db.schema).await?;
    let (clients, keys) = if status.version > 0 {
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM clients), (SELECT count(*) FROM signing_keys)",
                &[],
            )
            .await
            .map_err(StoreError::query)?;
        (row.get(0), row.get(1))
    } else {
        (0, 0)
    };
    Ok((status, clients, keys))
}

/// What `clients import` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// Clients not there before.
    pub added: Vec<String>,
    /// Clients whose definition changed.
    pub updated: Vec<String>,
    /// Clients already there as they are.
    pub unchanged: usize,
    /// Files stored (trust anchors, certificates, JWKS the registry names).
    pub files: usize,
}

/// Imports the registry of a TOML file (`trust_anchors`, `clock_skew`, `[[clients]]`) with the
/// files it names: checked whole by certbind-core's loader first, then written in one
/// transaction. Running it again changes nothing.
///
/// # Errors
/// The file does not load (every problem, with lines), or the database failed.
pub async fn import(db: &Database, path: &Path) -> Result<ImportReport, StoreError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))?;
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(crate::time::now_unix()));
    let mut files = RecordingFiles::new(crate::registry::DiskFiles::next_to(path));
    certbind_core::load_registry_toml(&text, &LoadOptions::embedded(now), &mut files)
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))?;
    let document: toml::Table = toml::from_str(&text)
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))?;
    let trust_anchors = document
        .get("trust_anchors")
        .map_or_else(|| serde_json::json!([]), toml_to_json);
    let trust_anchors = match trust_anchors {
        serde_json::Value::String(one) => serde_json::json!([one]),
        other => other,
    };
    let clock_skew = document.get("clock_skew").and_then(toml::Value::as_integer);
    let clients: Vec<serde_json::Value> = document
        .get("clients")
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().map(toml_to_json).collect())
        .unwrap_or_default();

    let mut client = db.connect().await?;
    migrate::require_current(&client, &db.schema).await?;
    let tx = client.transaction().await.map_err(StoreError::query)?;
    rows::write_registry(&tx, &trust_anchors, clock_skew, &files.seen).await?;
    let mut report = ImportReport {
        files: files.seen.len(),
        ..ImportReport::default()
    };
    for definition in &clients {
        let Some(id) = definition.get("client_id").and_then(|v| v.as_str()) else {
            continue;
        };
        match rows::upsert_imported(&tx, id, definition).await? {
            ImportOutcome::Added => report.added.push(id.to_owned()),
            ImportOutcome::Updated => report.updated.push(id.to_owned()),
            ImportOutcome::Unchanged => report.unchanged += 1,
        }
    }
    rows::notify(&tx, &Change::All).await?;
    tx.commit().await.map_err(StoreError::query)?;
    Ok(report)
}

/// The store's registry as `certbind.toml` text (top-level `trust_anchors`, `clock_skew`,
/// `[[clients]]`), with the files it names.
///
/// # Errors
/// The database failed.
pub async fn export(db: &Database) -> Result<(String, BTreeMap<String, Vec<u8>>), StoreError> {
    let client = db.connect().await?;
    migrate::require_current(&client, &db.schema).await?;
    let settings = rows::registry_settings(&client).await?;
    let mut document = toml::Table::new();
    if let Some(anchors) = settings.get("trust_anchors").and_then(json_to_toml)
        && anchors.as_array().is_some_and(|a| !a.is_empty())
    {
        document.insert("trust_anchors".into(), anchors);
    }
    if let Some(skew) = settings.get("clock_skew").and_then(json_to_toml) {
        document.insert("clock_skew".into(), skew);
    }
    let clients: Vec<toml::Value> = rows::definitions(&client)
        .await?
        .iter()
        .filter_map(|(_, d)| json_to_toml(d))
        .collect();
    document.insert("clients".into(), toml::Value::Array(clients));
    let text = toml::to_string(&document)
        .map_err(|e| StoreError::Invalid(format!("cannot write TOML: {e}")))?;
    Ok((text, rows::files(&client).await?))
}

/// Removes a client from the store (every replica forgets it within a second); `false` when
/// there was none.
///
/// # Errors
/// The database failed.
pub async fn remove(db: &Database, client_id: &str) -> Result<bool, StoreError> {
    let mut client = db.connect().await?;
    migrate::require_current(&client, &db.schema).await?;
    let tx = client.transaction().await.map_err(StoreError::query)?;
    let removed = rows::delete(&tx, client_id).await?;
    if removed {
        rows::notify(&tx, &Change::Client(client_id.to_owned())).await?;
    }
    tx.commit().await.map_err(StoreError::query)?;
    Ok(removed)
}

/// What `keys rotate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotateReport {
    /// The new key.
    pub kid: String,
    /// When it starts signing (Unix seconds).
    pub signs_from: i64,
    /// Old keys deleted because no token they signed is still valid.
    pub removed: Vec<String>,
}

/// Stores a new key that every replica publishes at once and signs with `delay` seconds later;
/// deletes keys whose last token has expired.
///
/// # Errors
/// The database or the KEK failed.
pub async fn rotate(
    db: &Database,
    kek: &Kek,
    algorithm: Algorithm,
    delay: u64,
    max_token_lifetime: u64,
) -> Result<RotateReport, StoreError> {
    let mut client: Client = db.connect().await?;
    migrate::require_current(&client, &db.schema).await?;
    let pem =
        crate::keys::generate_pem(algorithm).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let now = now_unix();
    let signs_from = now.saturating_add(i64::try_from(delay).unwrap_or(0));
    let tx = client.transaction().await.map_err(StoreError::query)?;
    let existing = signing_keys::all(&tx).await?;
    // A key whose KEK is another is reported now, not on every replica later.
    if let Some(first) = existing.first() {
        kek.open(&first.kid, &first.sealed)?;
    }
    let kid = signing_keys::insert(&tx, kek, &pem, algorithm, signs_from).await?;
    let removed = signing_keys::schedule(&existing, now, max_token_lifetime)
        .map(|plan| plan.expired)
        .unwrap_or_default();
    if !removed.is_empty() {
        signing_keys::delete(&tx, &removed).await?;
    }
    rows::notify(&tx, &Change::Keys).await?;
    tx.commit().await.map_err(StoreError::query)?;
    Ok(RotateReport {
        kid,
        signs_from,
        removed,
    })
}
