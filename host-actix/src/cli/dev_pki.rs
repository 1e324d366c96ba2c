//! `certbind dev-pki`: creates (or shows) the development PKI without starting the server.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::dev_pki;

/// Arguments of `certbind dev-pki`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The folder.
    #[arg(long, value_name = "DIR", default_value = dev_pki::DEFAULT_DIR)]
    dir: PathBuf,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    match dev_pki::ensure(&args.dir, crate::time::now_unix()) {
        Ok(pki) => {
            let state = if pki.created { "created" } else { "reused" };
            println!("{} ({state})", pki.dir.display());
            for name in [
                "ca.pem",
                "ca.key",
                "server.pem",
                "server.key",
                "client.pem",
                "client.key",
                "client.pfx",
                "certbind.toml",
            ] {
                if pki.file(name).exists() {
                    println!("  {}", pki.file(name).display());
                }
            }
            if pki.has_pfx {
                println!("client.pfx password: {}", dev_pki::PFX_PASSWORD);
            }
            println!(
                "{} SHA-1 thumbprint: {}",
                dev_pki::CLIENT_ID,
                pki.client_sha1
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("certbind dev-pki: {e}");
            ExitCode::FAILURE
        }
    }
}
