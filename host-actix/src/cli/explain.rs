//! `certbind explain`: would this certificate authenticate a client of this registry, and if
//! not, why — one line per registered secret.
//!
//! Exit codes: 0 accepted (by the client asked for, or by at least one candidate), 1 rejected,
//! 2 usage or input error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certbind_core::{
    Client, ClientIndex, Decision, DecisionContext, Explanation, FileError, FileSource,
    LoadOptions, Presented, PresentedCertificate, RegistryProblem, UnixTime, explain,
    load_registry_toml,
};
use serde_json::json;

use super::output::{decode_file, input_error, json_error, print_json, read_input};

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
    /// Password of a PKCS#12 CERTFILE.
    #[arg(long, value_name = "PASSWORD")]
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
    let fail = |message: String| {
        if args.json {
            json_error("InputError", &message)
        } else {
            input_error(message)
        }
    };
    let now = match instant(args.at.as_deref()) {
        Ok(now) => now,
        Err(e) => return fail(e),
    };
    let (leaf, presented) = match presented(args) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let (index, warnings) = match load(&args.config, now) {
        Ok(loaded) => loaded,
        Err(e) => return fail(e),
    };

    let registry = index.registry();
    let clients: Vec<&Client> = match &args.client {
        Some(id) => match index.get(id) {
            Some(client) => vec![client],
            None => {
                let known: Vec<&str> = registry
                    .clients
                    .iter()
                    .take(20)
                    .map(|c| c.client_id.as_str())
                    .collect();
                return fail(format!(
                    "{}: no client {id:?} (clients: {}{})",
                    args.config.display(),
                    known.join(", "),
                    if registry.clients.len() > known.len() {
                        ", …"
                    } else {
                        ""
                    }
                ));
            }
        },
        None => index.candidates(&leaf),
    };

    let context = DecisionContext::for_registry(registry, now);
    let explanations: Vec<(&Client, Explanation)> = clients
        .iter()
        .map(|client| (*client, explain(client, &presented, &context)))
        .collect();
    let accepted = explanations.iter().any(|(_, e)| e.decision.is_accepted());

    if args.json {
        let code = print_json(&json!({
            "certificate": certificate_json(&leaf),
            "at": certbind_core::format_rfc3339(now),
            "accepted": accepted,
            "clients": explanations.iter().map(|(client, e)| json!({
                "client_id": client.client_id,
                "method": client.token_endpoint_auth_method,
                "method_derived": client.method_derived,
                "decision": e.decision,
                "secrets": e.secrets,
            })).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
        if code != ExitCode::SUCCESS {
            return code;
        }
    } else {
        for warning in &warnings {
            eprintln!("certbind: warning: {}: {warning}", args.config.display());
        }
        print_text(&leaf, now, &explanations);
    }
    if accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `--at`, or the clock.
pub(crate) fn instant(at: Option<&str>) -> Result<UnixTime, String> {
    match at {
        Some(text) => certbind_core::parse_rfc3339(text).map_err(|e| format!("--at: {e}")),
        None => Ok(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            crate::time::now_unix(),
        ))),
    }
}

/// The leaf (the PKCS#12 key's certificate, else the first) and the chain after it.
fn presented(args: &Args) -> Result<(PresentedCertificate, Presented), String> {
    let decoded = decode_file(&args.certificate, args.password.as_deref())?;
    let leaf_index = decoded.key_certificate.unwrap_or(0);
    let mut chain: Vec<Vec<u8>> = Vec::new();
    let mut leaf = None;
    for (i, cert) in decoded.certificates.iter().enumerate() {
        if i == leaf_index {
            leaf = Some(cert.der().to_vec());
        } else {
            chain.push(cert.der().to_vec());
        }
    }
    for path in &args.chain {
        let more = decode_file(path, None)?;
        chain.extend(more.certificates.iter().map(|c| c.der().to_vec()));
    }
    let leaf = leaf.ok_or_else(|| format!("{}: no certificate", args.certificate.display()))?;
    let certificate = PresentedCertificate::new(leaf, chain)
        .map_err(|e| format!("{}: {e}", args.certificate.display()))?;
    Ok((certificate.clone(), Presented::certificate(certificate)))
}

/// Largest config file `explain` reads.
const MAX_CONFIG_BYTES: u64 = 256 * 1024 * 1024;

/// Loads the registry part of a config file, reading the files it names next to it.
fn load(config: &Path, now: UnixTime) -> Result<(ClientIndex, Vec<RegistryProblem>), String> {
    // A registry of 100,000 clients is ~15 MB of TOML: allow far more than a certificate file.
    let size = std::fs::metadata(config)
        .map_err(|e| format!("{}: {e}", config.display()))?
        .len();
    if size > MAX_CONFIG_BYTES {
        return Err(format!(
            "{}: {size} bytes; the limit is {MAX_CONFIG_BYTES}",
            config.display()
        ));
    }
    let bytes = std::fs::read(config).map_err(|e| format!("{}: {e}", config.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| format!("{}: not UTF-8 text ({e})", config.display()))?;
    let base = config.parent().unwrap_or_else(|| Path::new("")).to_owned();
    let loaded = load_registry_toml(&text, &LoadOptions::embedded(now), &mut DiskFiles { base })
        .map_err(|e| format!("{}: {e}", config.display()))?;
    Ok((ClientIndex::new(loaded.registry), loaded.warnings))
}

fn certificate_json(leaf: &PresentedCertificate) -> serde_json::Value {
    let info = certbind_core::Certificate::from_der(leaf.der())
        .map(|c| c.info())
        .ok();
    json!({
        "subject": info.as_ref().map(|i| i.subject.clone()),
        "issuer": info.as_ref().map(|i| i.issuer.clone()),
        "sha1": hex(leaf.sha1()),
        "sha256": hex(leaf.sha256()),
        "x5t#S256": leaf.x5t_s256(),
        "not_before": leaf.not_before(),
        "not_after": leaf.not_after(),
        "chain": leaf.chain().len(),
    })
}

fn print_text(leaf: &PresentedCertificate, now: UnixTime, explanations: &[(&Client, Explanation)]) {
    let info = certbind_core::Certificate::from_der(leaf.der())
        .map(|c| c.info())
        .ok();
    if let Some(info) = &info {
        println!("certificate {} (issued by {})", info.subject, info.issuer);
    }
    println!("  SHA-1 {}  x5t#S256 {}", hex(leaf.sha1()), leaf.x5t_s256());
    println!(
        "  valid {} to {}; checked at {}",
        leaf.not_before(),
        leaf.not_after(),
        certbind_core::format_rfc3339(now)
    );
    if explanations.is_empty() {
        println!(
            "rejected: no client registered this certificate (by SHA-1 or SHA-256 thumbprint), \
             and no tls_client_auth or x509_name secret names its subject or SANs"
        );
        return;
    }
    for (client, explanation) in explanations {
        let method = client.token_endpoint_auth_method;
        match &explanation.decision {
            Decision::Accepted(a) => println!(
                "client {:?} ({method}): ACCEPTED by secret #{} ({})",
                client.client_id,
                a.secret_index + 1,
                a.secret_type
            ),
            Decision::Rejected(r) => {
                println!("client {:?} ({method}): REJECTED", client.client_id);
                for reason in &r.client_reasons {
                    println!("  {reason}");
                }
            }
            _ => println!("client {:?} ({method}): undecided", client.client_id),
        }
        for outcome in &explanation.secrets {
            let description = outcome
                .description
                .as_deref()
                .map(|d| format!(", {d:?}"))
                .unwrap_or_default();
            let text = match &outcome.result {
                Ok(method) => format!("matches ({method})"),
                Err(reason) => reason.to_string(),
            };
            println!(
                "  secret #{} ({}{description}): {text}",
                outcome.index + 1,
                outcome.secret_type
            );
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Reads the files a registry names, relative to its folder.
struct DiskFiles {
    base: PathBuf,
}

impl DiskFiles {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FileError> {
        read_input(&self.base.join(path)).map_err(FileError::Failed)
    }
}

impl FileSource for DiskFiles {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
        self.read_file(path)
    }

    fn jwks_certificates(&mut self, path: &str) -> Result<Vec<Vec<u8>>, FileError> {
        use base64::Engine as _;
        let bytes = self.read_file(path)?;
        let fail = |m: String| FileError::Failed(format!("{path}: {m}"));
        let jwks: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| fail(format!("not JSON: {e}")))?;
        let keys = jwks
            .get("keys")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| fail("no \"keys\" array".into()))?;
        let mut out = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let Some(first) = key.get("x5c").and_then(|x| x.get(0)) else {
                continue;
            };
            let b64 = first
                .as_str()
                .ok_or_else(|| fail(format!("keys[{i}].x5c[0] is not a string")))?;
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| fail(format!("keys[{i}].x5c[0]: {e}")))?;
            out.push(der);
        }
        Ok(out)
    }
}
