//! `certbind verify-token`: would an API accept this access token from this certificate, and if
//! not, why — the checks of the `resource` module (signature with the issuer's JWKS, `typ`,
//! `iss`, `aud`, times, and certbind-core's binding check with its near-miss hints), each
//! printed with its verdict.
//!
//! Exit codes: 0 the token is valid (every check passed, the signature included), 1 it is not
//! (or the signature could not be checked: no `--jwks`), 2 usage or input error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certbind_core::PresentedCertificate;

use super::output::{decode_file, fail, instant, print_json, read_input, write_failed};
use crate::resource::{
    Check, DEFAULT_ALGORITHMS, Expectations, KeySet, RemoteJwks, TokenReport, check, decode,
    http_client,
};

/// Arguments of `certbind verify-token`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The access token, a file holding it, or `-` for standard input.
    #[arg(value_name = "TOKEN|FILE|-")]
    token: String,
    /// The client certificate the token is presented with (any format; more certificates in
    /// the file are its chain).
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// More certificates the client sends after its own (intermediates).
    #[arg(long, value_name = "FILE")]
    chain: Vec<PathBuf>,
    /// The issuer's JWKS: an https:// URL (its `jwks_uri`) or a file. Without it the
    /// signature is not checked and the token is not reported valid.
    #[arg(long, value_name = "URL|FILE")]
    jwks: Option<String>,
    /// A CA certificate (PEM) to trust when fetching --jwks, besides the system's.
    #[arg(long, value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// The issuer expected in `iss`.
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// The audience expected among `aud` (the API's identifier).
    #[arg(long, value_name = "URI")]
    audience: Option<String>,
    /// Check the times at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Seconds of clock difference tolerated for exp, nbf and iat.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    leeway: u64,
    /// Password of a PKCS#12 --cert. Prefer the environment variable.
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "CERTBIND_PASSWORD",
        hide_env_values = true
    )]
    password: Option<String>,
    /// Print every check as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `certbind verify-token`.
pub(crate) fn run(args: &Args) -> ExitCode {
    match report(args) {
        Ok(report) => print(args, &report),
        Err(message) => fail(args.json, message),
    }
}

/// The token's text: the argument itself, or the file (or stdin) it names, trimmed.
fn token_text(arg: &str) -> Result<String, String> {
    let text = if arg == "-" || Path::new(arg).is_file() {
        let bytes = read_input(Path::new(arg))?;
        String::from_utf8(bytes).map_err(|_| format!("{arg}: not UTF-8 text"))?
    } else {
        arg.to_owned()
    };
    Ok(text.trim().to_owned())
}

fn report(args: &Args) -> Result<TokenReport, String> {
    let now = instant(args.at.as_deref())?.as_secs();
    let token = token_text(&args.token)?;
    let decoded = decode(&token).map_err(|e| e.to_string())?;
    let certificate = presented(args)?;
    let algorithms: Vec<String> = DEFAULT_ALGORITHMS.iter().map(|a| (*a).to_owned()).collect();
    let keys = match &args.jwks {
        None => None,
        Some(source) => Some(load_keys(source, &args.ca, &algorithms)?),
    };
    let expect = Expectations {
        issuer: args.issuer.as_deref(),
        audience: args.audience.as_deref(),
        leeway: args.leeway,
        algorithms: &algorithms,
        require_binding: true,
    };
    Ok(check(
        &token,
        decoded,
        keys.as_deref(),
        Some(&certificate),
        &expect,
        now,
    ))
}

/// The JWKS of `--jwks`: fetched (https://) or read from a file.
fn load_keys(
    source: &str,
    ca: &[PathBuf],
    algorithms: &[String],
) -> Result<std::sync::Arc<KeySet>, String> {
    if source.starts_with("http://") {
        return Err(format!("--jwks {source}: only https:// URLs are fetched"));
    }
    if !source.starts_with("https://") {
        let bytes = read_input(Path::new(source))?;
        return KeySet::from_json(&bytes, algorithms)
            .map(std::sync::Arc::new)
            .map_err(|e| format!("{source}: {e}"));
    }
    let roots = ca
        .iter()
        .map(|p| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display())))
        .collect::<Result<Vec<_>, _>>()?;
    let client = http_client(&roots)?;
    let remote = RemoteJwks::new(
        source.to_owned(),
        client,
        algorithms.to_vec(),
        crate::resource::RefreshPolicy::default(),
    );
    actix_web::rt::System::new()
        .block_on(remote.keys(None))
        .map_err(|e| e.to_string())
}

/// The certificate `--cert` presents (the PKCS#12 key's certificate, else the first), with the
/// rest of the file and the `--chain` files as its chain.
fn presented(args: &Args) -> Result<PresentedCertificate, String> {
    let decoded = decode_file(&args.cert, args.password.as_deref())?;
    let mut chain = Vec::new();
    for path in &args.chain {
        let more = decode_file(path, None)?;
        chain.extend(more.certificates.iter().map(|c| c.der().to_vec()));
    }
    PresentedCertificate::from_decoded(decoded, chain)
        .map_err(|e| format!("{}: {e}", args.cert.display()))
}

fn print(args: &Args, report: &TokenReport) -> ExitCode {
    if args.json {
        let code = print_json(report);
        if code != ExitCode::SUCCESS {
            return code;
        }
    } else if let Err(e) = write_text(&mut std::io::stdout().lock(), report) {
        return write_failed(&e);
    }
    if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The report in words (`npx certbind verify-token` prints the same bytes).
fn write_text(out: &mut impl std::io::Write, r: &TokenReport) -> std::io::Result<()> {
    let header = serde_json::to_string(&r.header).unwrap_or_default();
    let claims = serde_json::to_string_pretty(&r.claims).unwrap_or_default();
    writeln!(out, "header   {header}")?;
    writeln!(out, "claims   {}", claims.replace('\n', "\n         "))?;
    for (label, check) in [
        ("signature", &r.signature),
        ("typ", &r.typ),
        ("issuer", &r.issuer),
        ("audience", &r.audience),
        ("times", &r.times),
    ] {
        let verdict = match check {
            Check::Passed(_) => "ok",
            Check::Failed(_) => "FAILED",
            Check::NotChecked(_) => "not checked",
        };
        writeln!(out, "{label:<9} {verdict}: {}", check.message())?;
    }
    let verdict = if r.binding.bound { "ok" } else { "FAILED" };
    writeln!(out, "{:<9} {verdict}: {}", "binding", r.binding.message)?;
    for hint in &r.binding.hints {
        writeln!(out, "          hint: {}", hint.message)?;
    }
    if r.valid {
        writeln!(
            out,
            "valid: an API with this issuer and audience accepts the token from this certificate"
        )
    } else {
        writeln!(out, "NOT valid")
    }
}
