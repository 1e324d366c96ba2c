//! Shared plumbing for the subcommands: reading inputs, reporting errors, printing JSON.
//!
//! Exit codes are the same for every subcommand: 0 success, 1 a negative answer (a rejected
//! certificate, an invalid chain), 2 a usage or input error.

use std::fmt::Display;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certbind_core::{DecodeOptions, Decoded, Limits, ThumbprintSet, UnixTime};

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

/// Reads and decodes every file, in order. The first that fails is an input error (for JSON
/// output also `{"error": {"code": "input", …}}` on standard output): its exit code is the `Err`.
pub(crate) fn decode_files<'p>(
    paths: &'p [PathBuf],
    password: Option<&str>,
    json: bool,
) -> Result<Vec<(&'p Path, Decoded)>, ExitCode> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        match decode_file(path, password) {
            Ok(decoded) => files.push((path.as_path(), decoded)),
            Err(message) if json => return Err(json_error("input", &message)),
            Err(message) => return Err(input_error(message)),
        }
    }
    Ok(files)
}

/// One JSON row of a per-certificate report, with the file it came from (the object gains a
/// `file` key).
#[derive(serde::Serialize)]
struct FileRow<'a, R> {
    file: &'a str,
    #[serde(flatten)]
    report: &'a R,
}

/// Prints the reports of every file as one JSON array of rows, in file order.
pub(crate) fn print_file_rows<R: serde::Serialize>(files: &[(String, Vec<R>)]) -> ExitCode {
    let rows: Vec<FileRow<'_, R>> = files
        .iter()
        .flat_map(|(file, reports)| reports.iter().map(move |report| FileRow { file, report }))
        .collect();
    print_json(&rows)
}

/// The exit code of a text report that could not be written: a closed pipe (`certbind … |
/// head`) is not an error.
pub(crate) fn write_failed(e: &io::Error) -> ExitCode {
    if e.kind() == io::ErrorKind::BrokenPipe {
        ExitCode::SUCCESS
    } else {
        input_error(format!("writing output: {e}"))
    }
}

/// The four thumbprints and the key hash, one per line, their labels in a column `width`
/// characters wide (`inspect` and `thumbprint` align them with their other fields).
pub(crate) fn write_thumbprints(
    out: &mut impl Write,
    t: &ThumbprintSet,
    width: usize,
    key_label: &str,
) -> io::Result<()> {
    writeln!(out, "  {:<width$} {}", "SHA-1 (IdentityServer)", t.sha1)?;
    writeln!(out, "  {:<width$} {}", "SHA-256", t.sha256)?;
    writeln!(out, "  {:<width$} {}", "x5t", t.x5t)?;
    writeln!(out, "  {:<width$} {}", "x5t#S256", t.x5t_s256)?;
    if let Some(spki) = &t.spki_sha256 {
        writeln!(
            out,
            "  {key_label:<width$} {spki}  (identifies the key, not a thumbprint)"
        )?;
    }
    Ok(())
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

/// An input error: for `--json` runs also as `{"error": {"code": "InputError", …}}` on standard
/// output.
pub(crate) fn fail(json: bool, message: impl Display) -> ExitCode {
    if json {
        json_error("InputError", &message.to_string())
    } else {
        input_error(message)
    }
}

/// `--at` (RFC 3339), or the clock.
pub(crate) fn instant(at: Option<&str>) -> Result<UnixTime, String> {
    match at {
        Some(text) => certbind_core::parse_rfc3339(text).map_err(|e| format!("--at: {e}")),
        None => Ok(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            crate::time::now_unix(),
        ))),
    }
}
