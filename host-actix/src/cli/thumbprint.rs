//! `certbind thumbprint`.

use std::process::ExitCode;

/// Arguments of `certbind thumbprint`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: &Args) -> ExitCode {
    ExitCode::FAILURE
}
