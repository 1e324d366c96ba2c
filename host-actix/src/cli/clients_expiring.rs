//! `certbind clients expiring --config F --within 30d [--json]`: the client certificates that
//! expire within a window, for cron or CI to page on before tokens stop. Exit 1 when any does
//! (or has expired), naming the client, the secret and the date; 0 when none does; 2 when the
//! check could not be made (usage, an unreadable config).
//!
//! The dates are those the registry gives (secrets that register certificates). A secret that
//! registers a thumbprint or a name does not say when its certificate expires: a running server
//! knows the last one that authenticated (`certbind_client_certificate_not_after_seconds` in
//! `/metrics`), and the command lists such secrets apart.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use certbind_core::{SecretType, When};

use super::output::{self, fail};
use crate::expiry::{self, Expiry};
use crate::store::StoreSettings;

/// Arguments of `certbind clients expiring`.
#[derive(Debug, clap::Args)]
pub(super) struct ExpiringArgs {
    /// The config file whose clients are checked (the `[[clients]]` of the file store).
    #[arg(long, short, value_name = "FILE", env = "CERTBIND_CONFIG")]
    config: PathBuf,
    /// The window: a number with a unit, `30d`, `2w`, `12h`, `90m` or `3600s`.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_window)]
    within: u64,
    /// The time to check at (RFC 3339, e.g. 2026-01-01T00:00:00Z) [default: now].
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Reads `30d`, `2w`, `12h`, `90m`, `3600s` as seconds.
fn parse_window(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} needs a unit: s, m, h, d or w (e.g. 30d)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a number (e.g. 30d)"))?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        other => {
            return Err(format!(
                "unknown unit {other:?}: use s, m, h, d or w (e.g. 30d)"
            ));
        }
    };
    number
        .checked_mul(unit)
        .ok_or_else(|| format!("{text:?} is too long"))
}

/// One expiring certificate in the JSON output.
#[derive(serde::Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    expiry: &'a Expiry,
    seconds_left: i64,
    expired: bool,
}

/// A secret whose registration gives no date.
#[derive(serde::Serialize)]
struct Undated {
    client_id: String,
    secret: usize,
    #[serde(rename = "type")]
    secret_type: SecretType,
}

pub(super) fn run(args: &ExpiringArgs) -> ExitCode {
    match crate::store::load_settings(&args.config) {
        Ok((StoreSettings::Postgres(_), _)) => {
            return fail(
                args.json,
                format!(
                    "{}: the clients are in the shared store; export them first: certbind \
                     clients export --config {} --files DIR > DIR/registry.toml, then certbind \
                     clients expiring --config DIR/registry.toml",
                    args.config.display(),
                    args.config.display()
                ),
            );
        }
        Ok(_) => {}
        Err(e) => return fail(args.json, e),
    }
    let now = match output::instant(args.at.as_deref()) {
        Ok(now) => now,
        Err(e) => return fail(args.json, e),
    };
    let loaded = match crate::registry::load_file(&args.config, now) {
        Ok(loaded) => loaded,
        Err(e) => return fail(args.json, e),
    };
    let now = When::from(now);
    let clients = &loaded.registry.clients;
    let mut expiring: Vec<Expiry> = expiry::registered(clients)
        .into_iter()
        .filter(|e| e.within(now, args.within))
        .collect();
    expiring.sort_by(|a, b| (a.not_after, &a.client_id).cmp(&(b.not_after, &b.client_id)));
    let undated: Vec<Undated> = expiry::undated(clients)
        .into_iter()
        .map(|(client_id, secret, secret_type)| Undated {
            client_id,
            secret,
            secret_type,
        })
        .collect();
    let code = if expiring.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if args.json {
        let rows: Vec<Row<'_>> = expiring
            .iter()
            .map(|e| Row {
                expiry: e,
                seconds_left: e.left(now),
                expired: e.left(now) < 0,
            })
            .collect();
        let printed = output::print_json(&serde_json::json!({
            "at": now,
            "within_seconds": args.within,
            "expiring": rows,
            "undated": undated,
        }));
        return if printed == ExitCode::SUCCESS {
            code
        } else {
            printed
        };
    }
    match write_text(&expiring, &undated, now, args.within) {
        Ok(()) => code,
        Err(e) => output::write_failed(&e),
    }
}

/// Days and hours, for people.
fn left_in_words(seconds: i64) -> String {
    let (sign, s) = if seconds < 0 {
        ("expired ", seconds.unsigned_abs())
    } else {
        ("", seconds.unsigned_abs())
    };
    let days = s / 86_400;
    let ago = if seconds < 0 { " ago" } else { "" };
    if days > 0 {
        format!("{sign}{days} d {} h{ago}", (s % 86_400) / 3600)
    } else {
        format!("{sign}{} h {} min{ago}", s / 3600, (s % 3600) / 60)
    }
}

fn write_text(
    expiring: &[Expiry],
    undated: &[Undated],
    now: When,
    within: u64,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let window = left_in_words(i64::try_from(within).unwrap_or(i64::MAX));
    if expiring.is_empty() {
        writeln!(
            out,
            "no registered client certificate expires within {window} of {now}"
        )?;
    } else {
        let width = expiring
            .iter()
            .map(|e| e.client_id.len())
            .max()
            .unwrap_or(0)
            .max("client".len());
        writeln!(
            out,
            "{:<width$}  {:<36}  {:<20}  left",
            "client", "secret", "not after"
        )?;
        for e in expiring {
            writeln!(
                out,
                "{:<width$}  {:<36}  {:<20}  {}",
                e.client_id,
                format!("#{} {}", e.secret, e.secret_type),
                e.not_after.to_string(),
                left_in_words(e.left(now))
            )?;
        }
        writeln!(
            out,
            "{} client certificate(s) expire within {window} of {now}",
            expiring.len()
        )?;
    }
    if !undated.is_empty() {
        writeln!(
            out,
            "{} secret(s) register a thumbprint or a name, not a certificate: a running server \
             reports the last certificate that authenticated with each \
             (certbind_client_certificate_not_after_seconds in /metrics):",
            undated.len()
        )?;
        for u in undated {
            writeln!(out, "  {} #{} {}", u.client_id, u.secret, u.secret_type)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_need_a_unit() {
        assert_eq!(parse_window("30d"), Ok(30 * 86_400));
        assert_eq!(parse_window("2w"), Ok(14 * 86_400));
        assert_eq!(parse_window("12h"), Ok(43_200));
        assert_eq!(parse_window("90m"), Ok(5400));
        assert_eq!(parse_window("0s"), Ok(0));
        assert!(parse_window("30").unwrap_err().contains("needs a unit"));
        assert!(parse_window("30y").unwrap_err().contains("unknown unit"));
        assert!(parse_window("d").unwrap_err().contains("number"));
    }

    #[test]
    fn time_left_reads_as_days_or_hours() {
        assert_eq!(left_in_words(3 * 86_400 + 7200), "3 d 2 h");
        assert_eq!(left_in_words(5400), "1 h 30 min");
        assert_eq!(left_in_words(-86_400), "expired 1 d 0 h ago");
    }
}
