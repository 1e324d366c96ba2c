//! The `certbind` command line: one module per subcommand, each with its `Args` and `run`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod clients;
mod clients_expiring;
mod clients_store;
mod db;
mod dev_pki;
mod explain;
mod inspect;
mod keys;
mod normalize;
mod output;
mod registration;
mod serve;
mod store_config;
mod thumbprint;
mod verify_chain;
#[cfg(feature = "resource-server")]
mod verify_token;

/// Authenticate OAuth 2.0 clients by X.509 certificate (mutual TLS), and get certificate
/// registration right.
#[derive(Debug, Parser)]
#[command(name = "certbind", version = version(), about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the thumbprints (SHA-1, SHA-256, x5t, x5t#S256) of every certificate in FILEs.
    Thumbprint(thumbprint::Args),
    /// Show subject, issuer, serial, validity, SANs, key and extensions of every certificate.
    Inspect(inspect::Args),
    /// Clean a pasted thumbprint (invisible characters, colons, labels) and print it.
    Normalize(normalize::Args),
    /// Run the mTLS token server (no --config: development mode with a local test PKI).
    Serve(serve::Args),
    /// Validate a configuration file without starting the server.
    Check(check::Args),
    /// Explain whether a certificate authenticates a client of a registry, and why not.
    Explain(explain::Args),
    /// Validate a certificate chain to trust anchors (the validation tls_client_auth uses).
    VerifyChain(verify_chain::Args),
    /// Check an access token as an API would: signature (JWKS), typ, iss, aud, times, and its
    /// binding to a client certificate, with the reason for each check that fails.
    #[cfg(feature = "resource-server")]
    VerifyToken(verify_token::Args),
    /// Manage token signing keys.
    Keys(keys::Args),
    /// Create (or show) the development PKI used by `serve --dev`.
    DevPki(dev_pki::Args),
    /// Register clients in a config file, or move registries into and out of the shared store.
    Clients(clients::Args),
    /// The shared store's schema: migrate, status.
    Db(db::Args),
    /// RFC 7591 dynamic registration: initial access tokens.
    Registration(registration::Args),
}

/// What `certbind --version` prints after the name: certbind's version and the OpenSSL it runs
/// on, which decides whether an OpenSSL security fix is in (a vendored OpenSSL is part of the
/// binary: only a rebuild updates it; a system one is updated with the system).
fn version() -> &'static str {
    static LINE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LINE.get_or_init(|| {
        format!(
            "{} ({}, {})",
            env!("CARGO_PKG_VERSION"),
            openssl::version::version(),
            if cfg!(feature = "vendored-openssl") {
                "built into certbind"
            } else {
                "the system's library"
            }
        )
    })
}

/// Parses the command line and runs the subcommand; returns the process exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Thumbprint(args) => thumbprint::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Normalize(args) => normalize::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::VerifyChain(args) => verify_chain::run(&args),
        #[cfg(feature = "resource-server")]
        Command::VerifyToken(args) => verify_token::run(&args),
        Command::Keys(args) => keys::run(&args),
        Command::DevPki(args) => dev_pki::run(&args),
        Command::Clients(args) => clients::run(&args),
        Command::Db(args) => db::run(&args),
        Command::Registration(args) => registration::run(&args),
    }
}

/// The name of an input format as people know it.
fn format_name(format: certbind_core::InputFormat) -> &'static str {
    use certbind_core::InputFormat;
    match format {
        InputFormat::Pem => "PEM",
        InputFormat::Der => "DER",
        InputFormat::Base64 => "base64",
        InputFormat::Hex => "hex",
        InputFormat::Pkcs7 => "PKCS#7",
        InputFormat::Pkcs12 => "PKCS#12",
        _ => "other",
    }
}
