//! The `certbind` command line: one module per subcommand, each with its `Args` and `run`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod inspect;
mod normalize;
mod output;
mod thumbprint;

/// Authenticate OAuth 2.0 clients by X.509 certificate (mutual TLS), and get certificate
/// registration right.
#[derive(Debug, Parser)]
#[command(name = "certbind", version, about, long_about = None, propagate_version = true)]
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
}

/// Parses the command line and runs the subcommand; returns the process exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Thumbprint(args) => thumbprint::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Normalize(args) => normalize::run(&args),
    }
}
