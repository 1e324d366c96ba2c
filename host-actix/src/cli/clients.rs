//! `certbind clients add`: registers a client by its certificate in a config file.
//!
//! The new `[[clients]]` entry is appended as text, so every comment and the layout of the file
//! stay as they were. The result is loaded with the same loader as `serve` before it replaces the
//! file (written to a temporary file with the file's mode and owner, then renamed), so a command
//! that succeeds leaves a file the server accepts and no one else can now read.

use std::path::PathBuf;
use std::process::ExitCode;

use certbind_core::{DecodeOptions, decode};

use crate::registry::Registry;

/// Arguments of `certbind clients`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: ClientsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ClientsCommand {
    /// Register a client by the thumbprint of its certificate (appends to the config file).
    Add(AddArgs),
    /// Import a TOML registry into the shared store (idempotent).
    Import(super::clients_store::ImportArgs),
    /// Print the shared store's registry as certbind.toml text.
    Export(super::clients_store::ExportArgs),
    /// Remove a client from the shared store (import adds and updates, never removes).
    Remove(super::clients_store::RemoveArgs),
    /// List the client certificates that expire within a window (exit 1 when any does, 0
    /// when none does, 2 when the check cannot be made).
    Expiring(super::clients_expiring::ExpiringArgs),
}

/// How the certificate is registered.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum By {
    /// `x509_thumbprint_sha256` (recommended).
    Sha256,
    /// `x509_thumbprint`: SHA-1, as IdentityServer3's `X509CertificateThumbprint`.
    Sha1,
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// The config file to edit.
    #[arg(long, short, value_name = "FILE", env = "CERTBIND_CONFIG")]
    config: PathBuf,
    /// The new client's id.
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// The client's certificate (PEM, DER, base64, PKCS#7, PKCS#12 …).
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// Password of a PKCS#12 file.
    #[arg(long, env = "CERTBIND_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// A scope the client may request (repeat for several).
    #[arg(long = "scope", value_name = "SCOPE", required = true)]
    scopes: Vec<String>,
    /// A name for people.
    #[arg(long)]
    name: Option<String>,
    /// Which thumbprint to register.
    #[arg(long, value_enum, default_value = "sha256")]
    by: By,
}

fn toml_string(s: &str) -> String {
    // A JSON string is a valid TOML basic string (same escapes).
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let add = match &args.command {
        ClientsCommand::Add(add) => add,
        ClientsCommand::Import(import) => return super::clients_store::import(import),
        ClientsCommand::Export(export) => return super::clients_store::export(export),
        ClientsCommand::Remove(remove) => return super::clients_store::remove(remove),
        ClientsCommand::Expiring(expiring) => return super::clients_expiring::run(expiring),
    };
    match add_client(add) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("certbind clients add: {message}");
            ExitCode::FAILURE
        }
    }
}

fn add_client(add: &AddArgs) -> Result<String, String> {
    let text = std::fs::read_to_string(&add.config)
        .map_err(|e| format!("{}: {e}", add.config.display()))?;
    let existing = Registry::parse(&text, &add.config).map_err(|e| e.to_string())?;
    if existing.contains(&add.client_id) {
        return Err(format!(
            "{}: a client {:?} is already registered",
            add.config.display(),
            add.client_id
        ));
    }
    let input = std::fs::read(&add.cert).map_err(|e| format!("{}: {e}", add.cert.display()))?;
    let options = add
        .password
        .as_deref()
        .map_or_else(DecodeOptions::default, DecodeOptions::with_password);
    let decoded = decode(&input, &options).map_err(|e| format!("{}: {e}", add.cert.display()))?;
    // A .pfx: the certificate of the private key; otherwise the first (the leaf, by convention).
    let index = decoded.key_certificate.unwrap_or(0);
    let certificate = decoded
        .certificates
        .get(index)
        .ok_or_else(|| format!("{}: no certificate", add.cert.display()))?;
    let thumbprints = certificate.thumbprints();
    let (secret_type, value) = match add.by {
        By::Sha256 => ("x509_thumbprint_sha256", thumbprints.sha256_hex()),
        By::Sha1 => ("x509_thumbprint", thumbprints.sha1_hex()),
    };
    let scopes: Vec<String> = add.scopes.iter().map(|s| toml_string(s)).collect();
    let mut block = format!(
        "\n# Added by `certbind clients add` on {} from {}.\n[[clients]]\nclient_id = {}\n",
        crate::time::rfc3339(crate::time::now_unix()),
        add.cert.display(),
        toml_string(&add.client_id),
    );
    if let Some(name) = &add.name {
        block.push_str(&format!("name = {}\n", toml_string(name)));
    }
    block.push_str(&format!(
        "scopes = [{}]\n\n[[clients.secrets]]\ntype = \"{secret_type}\"\nvalue = \"{value}\"\n",
        scopes.join(", ")
    ));
    let mut new_text = text.clone();
    if !new_text.ends_with('\n') {
        new_text.push('\n');
    }
    new_text.push_str(&block);
    // The server must accept the result: same loader as `serve` (registry and [server]).
    let updated = Registry::parse(&new_text, &add.config).map_err(|e| e.to_string())?;
    if text.contains("[server]") {
        crate::config::parse(&new_text, &add.config).map_err(|e| e.to_string())?;
    }
    // The config may hold secrets' hashes and paths to keys: its mode and owner stay.
    crate::fsutil::replace_keeping_permissions(&add.config, new_text.as_bytes())
        .map_err(|e| format!("{}: {e}", add.config.display()))?;
    Ok(format!(
        "{}: added client {} ({secret_type} {value}); {} client(s), scopes {}. Reload a running \
         server with `kill -HUP <pid>`.",
        add.config.display(),
        add.client_id,
        updated.len(),
        updated.scopes_supported().join(" ")
    ))
}
