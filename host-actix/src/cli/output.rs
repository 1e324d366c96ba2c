//! Shared plumbing for the subcommands: reading inputs, reporting errors, printing JSON.
//!
//! Exit codes are the same for every subcommand: 0 success, 1 a negative answer (a rejected
//! certificate, an invalid chain), 2 a usage or input error.

use std::fmt::Display;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use certbind_core::{DecodeOptions, Decoded, Limits};

/// Exit code for "the input could not be read or used".
pub(crate) const EXIT_INPUT_ERROR: u8 = 2;

/// Reads a whole input file (`-` = standard input), refusing anything larger than the core's
/// input limit before reading it all into memory.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    let limit = Limits::DEFAULT.max_input_bytes;
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        io::stdin()
            .lock()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() > limit {
        return Err(format!(
            "{}: larger than {limit} bytes, the input limit; is this a certificate file?",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Reads and decodes one certificate file (any format the core reads).
pub(crate) fn decode_file(path: &Path, password: Option<&str>) -> Result<Decoded, String> {
    let bytes = read_input(path)?;
    let mut options = DecodeOptions::default();
    options.password = password;
    certbind_core::decode(&bytes, &options).map_err(|e| format!("{}: {e}", path.display()))
}

/// Prints `certbind: <message>` on standard error and returns the input-error exit code.
pub(crate) fn input_error(message: impl Display) -> ExitCode {
    eprintln!("certbind: {message}");
    ExitCode::from(EXIT_INPUT_ERROR)
}

/// Prints a value as pretty JSON on standard output, followed by a newline.
pub(crate) fn print_json(value: &impl serde::Serialize) -> ExitCode {
    let mut out = io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`certbind … | head`) is not worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => input_error(format!("writing output: {e}")),
    }
}

/// For `--json` runs that fail: `{"error": {"code": …, "message": …}}` on standard output as
/// well as the one-line message on standard error.
pub(crate) fn json_error(code: &str, message: &str) -> ExitCode {
    let _ = print_json(&serde_json::json!({ "error": { "code": code, "message": message } }));
    input_error(message)
}
