//! `certbind normalize [TEXT]`: clean a pasted thumbprint, print it alone, report what changed.

use std::io::Read;
use std::process::ExitCode;

use certbind_core::NormalizedThumbprint;

use super::output;

/// Arguments of `certbind normalize`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The thumbprint as pasted. Without it, standard input is read (one trailing newline is
    /// ignored there).
    text: Option<String>,
    /// Print the details (value, form, every removed or changed character) as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let text = match &args.text {
        Some(text) => text.clone(),
        None => match read_stdin() {
            Ok(text) => text,
            Err(message) => return output::input_error(message),
        },
    };
    let normalized = match certbind_core::normalize_thumbprint(&text) {
        Ok(n) => n,
        Err(e) if args.json => return output::json_error(e.code(), &e.to_string()),
        Err(e) => return output::input_error(e),
    };
    if args.json {
        return output::print_json(&normalized);
    }
    println!("{}", normalized.value);
    report_changes(&normalized);
    ExitCode::SUCCESS
}

/// Standard input, bounded, without the one line ending that `echo` or a terminal adds.
fn read_stdin() -> Result<String, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(64 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading standard input: {e}"))?;
    let mut text =
        String::from_utf8(bytes).map_err(|_| "standard input is not UTF-8 text".to_owned())?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

fn report_changes(n: &NormalizedThumbprint) {
    let form = match n.form {
        certbind_core::ThumbprintForm::Sha1Hex => "SHA-1 (40 hex digits)",
        certbind_core::ThumbprintForm::Sha256Hex => "SHA-256 (64 hex digits)",
        certbind_core::ThumbprintForm::X5t => "x5t (base64url SHA-1)",
        certbind_core::ThumbprintForm::X5tS256 => "x5t#S256 (base64url SHA-256)",
        _ => "thumbprint",
    };
    eprintln!("certbind: recognised as {form}");
    // The core's summary by kind (the npm package and the checker page show the same lines).
    for line in &n.summary {
        eprintln!("certbind: {line}");
    }
}
