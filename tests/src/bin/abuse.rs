//! bench/abuse.sh: the abuse run with the numbers (2,000 idle connections, 500 stalled
//! handshakes, 200 slow-header requests, bursts of oversized bodies) against `certbind serve`
//! (`CERTBIND_BIN`, a release build there), printing the report as JSON on stdout and what
//! broke a bound on stderr (exit 1).
//!
//! `abuse [full|short] [ROUNDS]` (default full, the plan's rounds). `SESSION_CACHE_SIZE` in the
//! environment sets the server's `[server.tls] session_cache_size` (default: the server's), to
//! tell the memory the cache keeps from the rest.
#![forbid(unsafe_code)]

use certbind_tests::abuse::{AbusePlan, Bounds, Server, run};

fn main() -> std::process::ExitCode {
    let mut plan = match std::env::args().nth(1).as_deref() {
        None | Some("full") => AbusePlan::FULL,
        Some("short") => AbusePlan::SHORT,
        Some(other) => {
            eprintln!("abuse: unknown plan {other:?} (full or short)");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(rounds) = std::env::args().nth(2) {
        match rounds.parse() {
            Ok(n) if n > 0 => plan.rounds = n,
            _ => {
                eprintln!("abuse: ROUNDS is a whole number, at least 1 (got {rounds:?})");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let tls = match std::env::var("SESSION_CACHE_SIZE") {
        Err(_) => String::new(),
        Ok(size) if size.parse::<u32>().is_ok() => format!("session_cache_size = {size}"),
        Ok(size) => {
            eprintln!("abuse: SESSION_CACHE_SIZE is a whole number (got {size:?})");
            return std::process::ExitCode::from(2);
        }
    };
    let server = Server::start("", &tls);
    eprintln!(
        "abuse: certbind pid {} on port {}; {} idle, {} stalled, {} slow, bursts of {} for {} s",
        server.target.pid,
        server.target.port,
        plan.idle,
        plan.stalled,
        plan.slow,
        plan.oversized,
        plan.attack.as_secs()
    );
    let report = run(&server.target, plan, Bounds::DEFAULT);
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    let problems = report.problems(Bounds::DEFAULT);
    for p in &problems {
        eprintln!("abuse: {p}");
    }
    if problems.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
