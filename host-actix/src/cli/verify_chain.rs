//! `certbind verify-chain`: does this certificate chain validate to these anchors (rustls-webpki
//! on certbind's pure-Rust algorithms, the same validation `tls_client_auth` uses)?
//!
//! Exit codes: 0 valid, 1 invalid, 2 usage or input error.

use std::path::PathBuf;
use std::process::ExitCode;

use certbind_core::{
    Anchor, Certificate, ChainOptions, KeyPurpose, anchors_from_certificates, verify_chain,
};
use serde_json::json;

use super::output::{decode_file, fail, instant, print_json};

/// What the end-entity certificate must be good for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Usage {
    /// TLS client authentication (clientAuth).
    Client,
    /// TLS server authentication (serverAuth).
    Server,
}

/// Arguments of `certbind verify-chain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The end-entity certificate (more certificates in the file count as intermediates).
    #[arg(value_name = "LEAF")]
    leaf: PathBuf,
    /// Trust anchor file(s); every certificate in them is an anchor.
    #[arg(long, value_name = "FILE", required = true)]
    anchor: Vec<PathBuf>,
    /// Intermediate certificate file(s).
    #[arg(long, value_name = "FILE")]
    intermediate: Vec<PathBuf>,
    /// Validate at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// The extended key usage required of the leaf.
    #[arg(long, value_enum, default_value = "client")]
    usage: Usage,
    /// A DNS name or IP address the leaf must be valid for (server usage).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `certbind verify-chain`.
pub(crate) fn run(args: &Args) -> ExitCode {
    let fail = |message: String| fail(args.json, message);
    let inputs = match read(args) {
        Ok(inputs) => inputs,
        Err(e) => return fail(e),
    };
    let at = match instant(args.at.as_deref()) {
        Ok(at) => at,
        Err(e) => return fail(e),
    };
    let mut options = ChainOptions::for_purpose(match args.usage {
        Usage::Client => KeyPurpose::ClientAuth,
        Usage::Server => KeyPurpose::ServerAuth,
    });
    options.server_name = args.name.as_deref();
    let anchors: Vec<&Anchor> = inputs.anchors.iter().collect();
    let intermediates: Vec<&[u8]> = inputs.intermediates.iter().map(Certificate::der).collect();
    match verify_chain(inputs.leaf.der(), &intermediates, &anchors, at, &options) {
        Ok(verified) => {
            let mut path = vec![subject(&inputs.leaf)];
            path.extend(
                verified
                    .intermediates
                    .iter()
                    .filter_map(|i| inputs.intermediates.get(*i))
                    .map(subject),
            );
            let anchor = inputs
                .anchors
                .get(verified.anchor)
                .map(|a| subject(a.certificate()));
            let code = if args.json {
                print_json(&json!({"valid": true, "path": path, "anchor": anchor}))
            } else {
                println!(
                    "valid: {} → {} (anchor)",
                    path.join(" → "),
                    anchor.unwrap_or_default()
                );
                ExitCode::SUCCESS
            };
            if code == ExitCode::SUCCESS {
                ExitCode::SUCCESS
            } else {
                code
            }
        }
        Err(error) => {
            let code = serde_json::to_value(&error)
                .ok()
                .and_then(|v| v.get("code").and_then(|c| c.as_str().map(String::from)))
                .unwrap_or_default();
            if args.json {
                let printed =
                    print_json(&json!({"valid": false, "code": code, "reason": error.to_string()}));
                if printed != ExitCode::SUCCESS {
                    return printed;
                }
            } else {
                println!("invalid: {error}");
            }
            ExitCode::FAILURE
        }
    }
}

struct Inputs {
    leaf: Certificate,
    intermediates: Vec<Certificate>,
    anchors: Vec<Anchor>,
}

fn read(args: &Args) -> Result<Inputs, String> {
    let mut leaf_file = decode_file(&args.leaf, None)?.certificates.into_iter();
    let leaf = leaf_file
        .next()
        .ok_or_else(|| format!("{}: no certificate", args.leaf.display()))?;
    let mut intermediates: Vec<Certificate> = leaf_file.collect();
    for path in &args.intermediate {
        intermediates.extend(decode_file(path, None)?.certificates);
    }
    let mut anchors = Vec::new();
    for path in &args.anchor {
        let certificates = decode_file(path, None)?.certificates;
        anchors.extend(
            anchors_from_certificates(&certificates)
                .map_err(|e| format!("{}: {e}", path.display()))?,
        );
    }
    Ok(Inputs {
        leaf,
        intermediates,
        anchors,
    })
}

fn subject(certificate: &Certificate) -> String {
    certificate.info().subject
}
