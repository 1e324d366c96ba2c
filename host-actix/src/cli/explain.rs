//! `certbind explain`: would this certificate authenticate a client of this registry, and if
//! not, why — one line per registered secret.
//!
//! The report, in words and as `--json`, is certbind-core's [`ExplainReport`]: the same one the
//! npm package's `explain()` and `npx certbind explain` give for the same files. This file only
//! reads the files and prints.
//!
//! Exit codes: 0 accepted (by the client asked for, or by at least one candidate), 1 rejected,
//! 2 usage or input error (a `--client` the registry does not have included).

use std::path::PathBuf;
use std::process::ExitCode;

use certbind_core::{ClientIndex, ExplainReport, PresentedCertificate, explain_certificate};

use super::output::{decode_file, fail, instant, print_json};

/// Arguments of `certbind explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The registry (or the server's certbind.toml; sections other than the registry's are
    /// ignored). Files it names are read relative to it.
    #[arg(long, short, value_name = "FILE", env = "CERTBIND_CONFIG")]
    config: PathBuf,
    /// The client to explain; without it, every client the certificate could belong to (by
    /// thumbprint, subject DN or SAN).
    #[arg(long, value_name = "ID")]
    client: Option<String>,
    /// Decide at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// More certificates the client sends after its own (intermediates).
    #[arg(long, value_name = "FILE")]
    chain: Vec<PathBuf>,
    /// Password of a PKCS#12 CERTFILE. Prefer the environment variable: a password on the
    /// command line is visible to other users of the machine.
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "CERTBIND_PASSWORD",
        hide_env_values = true
    )]
    password: Option<String>,
    /// Print the decision as JSON.
    #[arg(long)]
    json: bool,
    /// The client certificate (any format; a file with several certificates is the
    /// certificate followed by its chain).
    #[arg(value_name = "CERTFILE")]
    certificate: PathBuf,
}

/// Runs `certbind explain`.
pub(crate) fn run(args: &Args) -> ExitCode {
    match report(args) {
        Ok(report) => print(args, &report),
        Err(message) => fail(args.json, message),
    }
}

/// The core's report for the files named by `args`.
fn report(args: &Args) -> Result<ExplainReport, String> {
    let now = instant(args.at.as_deref())?;
    let certificate = presented(args)?;
    let loaded = crate::registry::load_file(&args.config, now).map_err(|e| e.to_string())?;
    let index = ClientIndex::new(loaded.registry);
    let report = explain_certificate(&index, &certificate, args.client.as_deref(), now)
        .with_warnings(loaded.warnings);
    match &report.unknown_client {
        Some(id) => Err(format!(
            "{}: no client has client_id {id:?}",
            args.config.display()
        )),
        None => Ok(report),
    }
}

fn print(args: &Args, report: &ExplainReport) -> ExitCode {
    if args.json {
        let code = print_json(report);
        if code != ExitCode::SUCCESS {
            return code;
        }
    } else {
        for warning in &report.warnings {
            eprintln!("certbind: warning: {}: {warning}", args.config.display());
        }
        print!("{report}");
    }
    if report.accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The certificate CERTFILE presents (the PKCS#12 key's certificate, else the first), with the
/// rest of the file and the `--chain` files as its chain.
fn presented(args: &Args) -> Result<PresentedCertificate, String> {
    let decoded = decode_file(&args.certificate, args.password.as_deref())?;
    let mut chain = Vec::new();
    for path in &args.chain {
        let more = decode_file(path, None)?;
        chain.extend(more.certificates.iter().map(|c| c.der().to_vec()));
    }
    PresentedCertificate::from_decoded(decoded, chain)
        .map_err(|e| format!("{}: {e}", args.certificate.display()))
}
