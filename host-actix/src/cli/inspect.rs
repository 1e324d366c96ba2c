//! `certbind inspect FILE...`: the readable view of every certificate in the files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use certbind_core::InspectReport;

use super::output;

/// Arguments of `certbind inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Certificate files in any format `certbind thumbprint` reads. `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print a JSON array, one object per certificate in file order.
    #[arg(long)]
    json: bool,
    /// Password for PKCS#12 files (used only for PKCS#12).
    #[arg(long, env = "CERTBIND_PASSWORD", hide_env_values = true)]
    password: Option<String>,
}

/// Runs `certbind inspect`.
pub(crate) fn run(args: &Args) -> ExitCode {
    let files = match output::decode_files(&args.files, args.password.as_deref(), args.json) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let files: Vec<(String, Vec<InspectReport>)> = files
        .iter()
        .map(|(path, decoded)| (path.display().to_string(), decoded.inspect_reports()))
        .collect();
    if args.json {
        return output::print_file_rows(&files);
    }
    let now = i64::try_from(crate::time::now_unix()).unwrap_or(i64::MAX);
    let mut out = std::io::stdout().lock();
    for (file, reports) in &files {
        for report in reports {
            if let Err(e) = write_text(&mut out, file, report, now) {
                return output::write_failed(&e);
            }
        }
    }
    ExitCode::SUCCESS
}

fn write_text(
    out: &mut impl Write,
    file: &str,
    r: &InspectReport,
    now: i64,
) -> std::io::Result<()> {
    let i = &r.info;
    let key = if r.has_private_key {
        "  [has private key]"
    } else {
        ""
    };
    writeln!(out, "{file} #{}{key}", r.index + 1)?;
    writeln!(out, "  Subject              {}", i.subject)?;
    writeln!(out, "  Issuer               {}", i.issuer)?;
    writeln!(out, "  Serial               {}", i.serial)?;
    writeln!(out, "  Version              {}", i.version)?;
    writeln!(out, "  Not before           {}", i.not_before)?;
    writeln!(
        out,
        "  Not after            {}{}",
        i.not_after,
        validity_state(i.not_before_unix, i.not_after_unix, now)
    )?;
    writeln!(out, "  Key                  {}", i.key_algorithm)?;
    writeln!(out, "  Signature            {}", i.signature_algorithm)?;
    let sans: Vec<String> = i
        .san
        .iter()
        .map(|s| format!("{}:{}", s.kind, s.value))
        .collect();
    writeln!(out, "  Alternative names    {}", list_or_none(&sans))?;
    writeln!(
        out,
        "  Extended key usage   {}",
        list_or_none(&i.extended_key_usage)
    )?;
    writeln!(out, "  Key usage            {}", list_or_none(&i.key_usage))?;
    match &i.basic_constraints {
        Some(bc) => {
            let path = bc
                .path_len
                .map(|p| format!(", path length {p}"))
                .unwrap_or_default();
            writeln!(
                out,
                "  Basic constraints    CA:{}{path}",
                if bc.ca { "TRUE" } else { "FALSE" }
            )?;
        }
        None => writeln!(out, "  Basic constraints    (none)")?,
    }
    writeln!(
        out,
        "  Subject key id       {}",
        i.subject_key_id.as_deref().unwrap_or("(none)")
    )?;
    writeln!(
        out,
        "  Authority key id     {}",
        i.authority_key_id.as_deref().unwrap_or("(none)")
    )?;
    writeln!(
        out,
        "  Self-issued          {}",
        if i.self_issued { "yes" } else { "no" }
    )?;
    output::write_thumbprints(out, &r.thumbprints, 20, "Public key SHA-256")?;
    for warning in &i.warnings {
        writeln!(out, "  warning: {warning}")?;
    }
    Ok(())
}

/// 9999-12-31T23:59:59Z: "no well-defined expiration date" (RFC 5280 §4.1.2.5).
const NO_EXPIRATION: i64 = 253_402_300_799;

fn validity_state(not_before: i64, not_after: i64, now: i64) -> String {
    if now < not_before {
        " (NOT YET VALID)".to_owned()
    } else if now > not_after {
        " (EXPIRED)".to_owned()
    } else if not_after == NO_EXPIRATION {
        " (no expiration date, RFC 5280)".to_owned()
    } else {
        format!(" ({} days left)", (not_after - now) / 86_400)
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}
