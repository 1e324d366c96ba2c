//! The `certbind` command line, as the fleet tests run it (`certbind serve`, `db migrate`, …).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    certbind_host::cli::main()
}
