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
    /// Generate a new signing key (PEM, PKCS#8) that sorts after the existing ones.
    Rotate(RotateArgs),
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
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
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let KeysCommand::Rotate(rotate) = &args.command;
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
