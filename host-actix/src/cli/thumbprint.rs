//! `certbind thumbprint FILE...`: every thumbprint form of every certificate in the files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use certbind_core::ThumbprintReport;

use super::output;

/// Arguments of `certbind thumbprint`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Certificate files: PEM, DER (.cer/.der/.crt), base64, hex, PKCS#7 (.p7b) or PKCS#12
    /// (.pfx/.p12). `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print a JSON array, one object per certificate in file order (same as --format json).
    #[arg(long)]
    json: bool,
    /// Output form: `text` (all forms, labelled), `json`, `idserver` (SHA-1 hex, one per line,
    /// as IdentityServer's X509CertificateThumbprint), `openssl` (as `openssl x509
    /// -fingerprint`), `x5t` (x5t#S256, one per line).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Password for PKCS#12 files (used only for PKCS#12). Prefer the environment variable: a
    /// password on the command line is visible to other users of the machine.
    #[arg(long, env = "CERTBIND_PASSWORD", hide_env_values = true)]
    password: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Idserver,
    Openssl,
    X5t,
}

/// Runs `certbind thumbprint`.
pub(crate) fn run(args: &Args) -> ExitCode {
    let format = if args.json { Format::Json } else { args.format };
    let password = args.password.as_deref();
    let files = match output::decode_files(&args.files, password, format == Format::Json) {
        Ok(files) => files,
        Err(code) => return code,
    };
    if format == Format::Json {
        let reports: Vec<(String, Vec<ThumbprintReport>)> = files
            .iter()
            .map(|(path, decoded)| (path.display().to_string(), decoded.thumbprint_reports()))
            .collect();
        return output::print_file_rows(&reports);
    }
    let mut out = std::io::stdout().lock();
    let many_files = files.len() > 1;
    for (path, decoded) in &files {
        let reports = decoded.thumbprint_reports();
        let result = match format {
            Format::Text => write_text(&mut out, &path.display().to_string(), decoded, &reports),
            Format::Idserver => reports.iter().try_for_each(|r| {
                prefix(&mut out, many_files, path)?;
                writeln!(out, "{}", r.thumbprints.sha1)
            }),
            Format::X5t => reports.iter().try_for_each(|r| {
                prefix(&mut out, many_files, path)?;
                writeln!(out, "{}", r.thumbprints.x5t_s256)
            }),
            Format::Openssl => reports.iter().try_for_each(|r| {
                writeln!(out, "SHA1 Fingerprint={}", colon_pairs(&r.thumbprints.sha1))?;
                writeln!(
                    out,
                    "SHA256 Fingerprint={}",
                    colon_pairs(&r.thumbprints.sha256)
                )
            }),
            Format::Json => Ok(()),
        };
        if let Err(e) = result {
            return output::write_failed(&e);
        }
    }
    ExitCode::SUCCESS
}

fn prefix(out: &mut impl Write, many_files: bool, path: &std::path::Path) -> std::io::Result<()> {
    if many_files {
        write!(out, "{}: ", path.display())
    } else {
        Ok(())
    }
}

fn write_text(
    out: &mut impl Write,
    file: &str,
    decoded: &certbind_core::Decoded,
    reports: &[ThumbprintReport],
) -> std::io::Result<()> {
    let count = reports.len();
    write!(
        out,
        "{file}: {} certificate{}",
        count,
        if count == 1 { "" } else { "s" }
    )?;
    write!(out, " ({})", super::format_name(decoded.format))?;
    if let Some(index) = decoded.key_certificate {
        write!(out, "; the private key belongs to #{}", index + 1)?;
    }
    writeln!(out)?;
    for report in reports {
        let key = if report.has_private_key {
            "  [has private key]"
        } else {
            ""
        };
        writeln!(out, "#{} {}{key}", report.index + 1, report.subject)?;
        output::write_thumbprints(out, &report.thumbprints, 23, "public key SHA-256")?;
    }
    for note in &decoded.notes {
        writeln!(out, "  note: {note}")?;
    }
    Ok(())
}

/// `AABBCC…` as `AA:BB:CC:…`, OpenSSL's fingerprint form.
fn colon_pairs(hex: &str) -> String {
    let mut out = String::with_capacity(hex.len() * 3 / 2);
    for (i, c) in hex.chars().enumerate() {
        if i > 0 && i % 2 == 0 {
            out.push(':');
        }
        out.push(c);
    }
    out
}
