//! `certbind inspect`.

use std::process::ExitCode;

/// Arguments of `certbind inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: &Args) -> ExitCode {
    ExitCode::FAILURE
}
