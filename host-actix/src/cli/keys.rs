//! `certbind keys rotate`: writes a new signing key that becomes the signing key at the next
//! start or reload (SIGHUP); older keys stay published so their tokens still verify.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::KeySource;
use crate::keys::Algorithm;

/// Arguments of `certbind keys`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, clap::Subcommand)]
enum KeysCommand {
    /// Generate a new signing key. In a key folder: a PEM file that sorts after the existing
    /// ones. In a shared store: sealed under CERTBIND_KEK, published by every replica at once
    /// and signing only after the activation delay; keys whose tokens have all expired are
    /// removed.
    Rotate(RotateArgs),
    /// Print a new key-encryption key (64 hex digits) for CERTBIND_KEK.
    NewKek,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).multiple(false)))]
struct RotateArgs {
    /// The key folder.
    #[arg(long, value_name = "DIR", group = "target")]
    dir: Option<PathBuf>,
    /// A config file whose `[server.keys] dir` is the key folder.
    #[arg(long, short, value_name = "FILE", group = "target")]
    config: Option<PathBuf>,
    /// ES256 (default), ES384, RS256, PS256 or EdDSA.
    #[arg(long, value_name = "ALG", value_parser = Algorithm::parse)]
    algorithm: Option<Algorithm>,
    /// Shared store: seconds between publishing the new key and signing with it
    /// [default: the config's key_activation_delay, 600].
    #[arg(long, value_name = "SECONDS")]
    delay: Option<u64>,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let rotate = match &args.command {
        KeysCommand::Rotate(rotate) => rotate,
        KeysCommand::NewKek => return new_kek(),
    };
    if let Some(config) = &rotate.config
        && let Ok((crate::store::StoreSettings::Postgres(_), _)) =
            crate::store::load_settings(config)
    {
        return rotate_in_store(rotate, config);
    }
    let (dir, configured) = match (&rotate.dir, &rotate.config) {
        (Some(dir), _) => (dir.clone(), Algorithm::default()),
        (None, Some(config)) => match crate::config::load(config) {
            Ok(settings) => match settings.keys {
                KeySource::Dir(dir) => (dir, settings.key_algorithm),
                KeySource::Files(_) => {
                    eprintln!(
                        "{}: [server.keys] lists `files`; rotate with --dir DIR and add the new \
                         file at the end of the list",
                        config.display()
                    );
                    return ExitCode::from(2);
                }
            },
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        (None, None) => return ExitCode::from(2),
    };
    let algorithm = rotate.algorithm.unwrap_or(configured);
    match crate::keys::rotate(&dir, algorithm, crate::time::now_unix()) {
        Ok(path) => {
            println!("{}", path.display());
            eprintln!(
                "new {} key written; it signs after the next start or `kill -HUP <certbind pid>`",
                algorithm.name()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("certbind keys rotate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn new_kek() -> ExitCode {
    match crate::store::Kek::generate() {
        Ok(kek) => {
            println!("{}", kek.to_hex());
            eprintln!(
                "a new key-encryption key: give the same one to every replica as {} (or in the \
                 file [store] kek_file names); keep a copy: the signing keys in the store open \
                 with it only",
                crate::store::KEK_ENV
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("certbind keys new-kek: {e}");
            ExitCode::FAILURE
        }
    }
}

fn rotate_in_store(rotate: &RotateArgs, config: &std::path::Path) -> ExitCode {
    let run = || -> Result<(), String> {
        let store = super::store_config::open(config)?;
        let kek = crate::store::Kek::load(
            store.postgres.kek_file.as_deref(),
            store.settings.key_files(),
        )
        .map_err(|e| e.to_string())?;
        let algorithm = rotate.algorithm.unwrap_or(store.settings.key_algorithm);
        let delay = rotate.delay.unwrap_or(store.postgres.key_activation_delay);
        let report = super::store_config::block_on(crate::store::rotate(
            &store.database,
            &kek,
            algorithm,
            delay,
            store.settings.max_token_lifetime,
        ))?
        .map_err(|e| e.to_string())?;
        println!("{}", report.kid);
        eprintln!(
            "new {} key {} published by every replica now; it signs from {} ({delay} s from now)",
            algorithm.name(),
            report.kid,
            crate::time::rfc3339(u64::try_from(report.signs_from).unwrap_or(0)),
        );
        for kid in &report.removed {
            eprintln!("removed key {kid}: every token it signed has expired");
        }
        tracing::info!(
            target: "certbind::audit", event = "key_rotated", by = "cli", kid = %report.kid,
            algorithm = algorithm.name(), signs_from = report.signs_from,
            removed = report.removed.len(), "signing key rotated"
        );
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certbind keys rotate: {e}");
            ExitCode::FAILURE
        }
    }
}
