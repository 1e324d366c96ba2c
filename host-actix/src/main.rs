//! The `certbind` command: a thin shell over [`certbind_host::cli`].
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    certbind_host::cli::main()
}
