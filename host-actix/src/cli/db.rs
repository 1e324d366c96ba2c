//! `certbind db migrate|status --config FILE`: the shared store's schema.

use std::path::PathBuf;
use std::process::ExitCode;

use super::store_config::{block_on, open};
use crate::store::Kek;

/// Arguments of `certbind db`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DbCommand {
    /// Apply pending schema migrations (each in one transaction; safe when several replicas
    /// run it at once). A store without signing keys gets the keys the config names, sealed
    /// under CERTBIND_KEK (or a new key when it names none).
    Migrate(ConfigArg),
    /// Show the schema version, pending migrations, and how many clients and keys are stored.
    Status(ConfigArg),
}

#[derive(Debug, clap::Args)]
struct ConfigArg {
    /// The config file ([store] kind = "postgres").
    #[arg(long, short, value_name = "FILE", env = "CERTBIND_CONFIG")]
    config: PathBuf,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let result = match &args.command {
        DbCommand::Migrate(a) => migrate(a),
        DbCommand::Status(a) => status(a),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("certbind db: {message}");
            ExitCode::FAILURE
        }
    }
}

fn migrate(args: &ConfigArg) -> Result<ExitCode, String> {
    let store = open(&args.config)?;
    let kek = Kek::load(
        store.postgres.kek_file.as_deref(),
        store.settings.key_files(),
    )
    .map_err(|e| e.to_string())?;
    eprintln!(
        "migrating {} (schema {})",
        store.database.shown(),
        store.postgres.schema
    );
    let report = block_on(crate::store::migrate_and_seed_keys(
        &store.database,
        &store.settings,
        &kek,
    ))?
    .map_err(|e| e.to_string())?;
    if report.applied.is_empty() {
        println!("schema version {}: up to date", report.version);
    } else {
        println!(
            "schema version {}: applied {:?}",
            report.version, report.applied
        );
    }
    for (kid, from) in &report.keys {
        println!(
            "signing key {kid} stored (from {from}), sealed under key-encryption key {}",
            kek.id()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn status(args: &ConfigArg) -> Result<ExitCode, String> {
    let store = open(&args.config)?;
    let (status, clients, keys) =
        block_on(crate::store::status(&store.database))?.map_err(|e| e.to_string())?;
    println!("database   {}", store.database.shown());
    println!(
        "schema     {} version {}",
        store.postgres.schema, status.version
    );
    for (version, name) in &status.pending {
        println!("pending    {version} {name}");
    }
    for version in &status.unknown {
        println!("unknown    {version} (newer than this certbind)");
    }
    for version in &status.changed {
        println!("changed    {version} (differs from this build's migration)");
    }
    println!("clients    {clients}");
    println!("keys       {keys}");
    Ok(if status.current() {
        ExitCode::SUCCESS
    } else {
        println!(
            "run `certbind db migrate --config {}`",
            args.config.display()
        );
        ExitCode::from(3)
    })
}
