//! `certbind clients import|export --config FILE`: move a registry into and out of the shared
//! store. Import checks the whole file with the server's loader first (every problem with its
//! line), then writes clients, the files they name and the registry settings in one
//! transaction; running it again changes nothing. Export prints the store's registry as
//! `certbind.toml` text.

use std::path::PathBuf;
use std::process::ExitCode;

use super::store_config::{block_on, open};

#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    /// The config file naming the store; its registry is imported unless --from names another.
    #[arg(long, short, value_name = "FILE", env = "CERTBIND_CONFIG")]
    config: PathBuf,
    /// A registry file to import instead of the config's own (`trust_anchors`, `[[clients]]`).
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(super) struct ExportArgs {
    /// The config file naming the store.
    #[arg(long, short, value_name = "FILE", env = "CERTBIND_CONFIG")]
    config: PathBuf,
    /// Also write the files the registry names (trust anchors, certificates, JWKS) into this
    /// folder, by the names it uses.
    #[arg(long, value_name = "DIR")]
    files: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(super) struct RemoveArgs {
    /// The config file naming the store.
    #[arg(long, short, value_name = "FILE", env = "CERTBIND_CONFIG")]
    config: PathBuf,
    /// The client to remove.
    #[arg(long, value_name = "ID")]
    client_id: String,
}

pub(super) fn remove(args: &RemoveArgs) -> ExitCode {
    let run = || -> Result<bool, String> {
        let store = open(&args.config)?;
        block_on(crate::store::remove(&store.database, &args.client_id))?.map_err(|e| e.to_string())
    };
    match run() {
        Ok(true) => {
            println!(
                "removed {}; every replica forgets it within a second",
                args.client_id
            );
            tracing::info!(
                target: "certbind::audit", event = "client_removed", by = "cli",
                client = %args.client_id, "client removed"
            );
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!(
                "certbind clients remove: no client {:?} in the store",
                args.client_id
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("certbind clients remove: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(super) fn import(args: &ImportArgs) -> ExitCode {
    let run = || -> Result<(), String> {
        let store = open(&args.config)?;
        let from = args.from.clone().unwrap_or_else(|| args.config.clone());
        let report =
            block_on(crate::store::import(&store.database, &from))?.map_err(|e| e.to_string())?;
        for id in &report.added {
            println!("added      {id}");
        }
        for id in &report.updated {
            println!("updated    {id}");
        }
        println!(
            "{}: {} added, {} updated, {} unchanged, {} file(s) stored; every replica follows within a second",
            from.display(),
            report.added.len(),
            report.updated.len(),
            report.unchanged,
            report.files
        );
        tracing::info!(
            target: "certbind::audit", event = "clients_imported", by = "cli",
            file = %from.display(), added = report.added.len(), updated = report.updated.len(),
            "registry imported"
        );
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certbind clients import: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(super) fn export(args: &ExportArgs) -> ExitCode {
    let run = || -> Result<(), String> {
        let store = open(&args.config)?;
        let (text, files) =
            block_on(crate::store::export(&store.database))?.map_err(|e| e.to_string())?;
        if let Some(dir) = &args.files {
            for (name, content) in &files {
                let path = dir.join(name);
                // Names are as written in the registry; never outside the folder.
                if std::path::Path::new(name).is_absolute() || name.contains("..") {
                    eprintln!("skipped {name:?}: not a relative name inside the folder");
                    continue;
                }
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        } else if !files.is_empty() {
            eprintln!(
                "the registry names {} file(s); --files DIR writes them",
                files.len()
            );
        }
        print!("{text}");
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certbind clients export: {e}");
            ExitCode::FAILURE
        }
    }
}
