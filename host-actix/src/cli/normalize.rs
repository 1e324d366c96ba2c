//! `certbind normalize [TEXT]`: clean a pasted thumbprint, print it alone, report what changed.

use std::io::Read;
use std::process::ExitCode;

use certbind_core::{ChangeKind, NormalizedThumbprint};

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
    report_changes(&text, &normalized);
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

fn report_changes(text: &str, n: &NormalizedThumbprint) {
    let form = match n.form {
        certbind_core::ThumbprintForm::Sha1Hex => "SHA-1 (40 hex digits)",
        certbind_core::ThumbprintForm::Sha256Hex => "SHA-256 (64 hex digits)",
        certbind_core::ThumbprintForm::X5t => "x5t (base64url SHA-1)",
        certbind_core::ThumbprintForm::X5tS256 => "x5t#S256 (base64url SHA-256)",
        _ => "thumbprint",
    };
    eprintln!("certbind: recognised as {form}");
    // Invisible characters are what people cannot see for themselves: list each one. Visible
    // removals (separators, spaces, labels) are summed up per kind.
    for change in n.changes.iter().filter(|c| c.kind == ChangeKind::Invisible) {
        eprintln!(
            "certbind: removed invisible {} {} at position {}",
            change.code_point, change.name, change.index
        );
    }
    let labels: Vec<usize> = n
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Label)
        .map(|c| c.index)
        .collect();
    if let (Some(&first), Some(&last)) = (labels.first(), labels.last()) {
        let label: String = text.chars().skip(first).take(last + 1 - first).collect();
        eprintln!("certbind: removed the label {label:?} at position {first}");
    }
    let kinds = [
        (ChangeKind::Whitespace, "whitespace character(s)"),
        (ChangeKind::Separator, "separator(s)"),
        (ChangeKind::Prefix, "prefix character(s)"),
        (ChangeKind::Quote, "quote(s)"),
        (ChangeKind::Padding, "padding character(s)"),
    ];
    for (kind, what) in kinds {
        let removed: Vec<&certbind_core::Change> =
            n.changes.iter().filter(|c| c.kind == kind).collect();
        if let Some(first) = removed.first() {
            let mut distinct: Vec<char> = removed.iter().map(|c| c.character).collect();
            distinct.sort_unstable();
            distinct.dedup();
            let shown: Vec<String> = distinct
                .iter()
                .map(|c| certbind_core::describe_char(*c))
                .collect();
            eprintln!(
                "certbind: removed {} {what} ({}), first at position {}",
                removed.len(),
                shown.join(", "),
                first.index
            );
        }
    }
    // Characters kept in another form: counted per kind.
    let kept: [(ChangeKind, Say); 2] = [
        (ChangeKind::CaseFolded, |n| {
            format!("made {n} lowercase hex digit(s) uppercase")
        }),
        (ChangeKind::StandardBase64, |n| {
            format!("rewrote {n} standard base64 character(s) ('+', '/') as base64url ('-', '_')")
        }),
    ];
    for (kind, say) in kept {
        let count = n.changes.iter().filter(|c| c.kind == kind).count();
        if count > 0 {
            eprintln!("certbind: {}", say(count));
        }
    }
}

/// A message for a count of changed characters.
type Say = fn(usize) -> String;
