//! The claims of a `bench/cluster.sh` run, checked from what it left in its folder: `facts.txt`
//! (the exit status of every SIGTERM'd replica, how long each balancer took to take the killed
//! replica out and back in), and per balancer the load's `summary.json` and the probes'
//! `register.json` and `revoke.json`; with `throughput.jsonl` (bench mode) a table of tokens/s.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// `json["key"]` on a serde_json::Value is Null when absent, never a panic.
#![allow(clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// One claim: what, whether it holds, the numbers behind it.
fn claim(claims: &mut Vec<Value>, what: String, holds: bool, detail: String) {
    claims.push(json!({"claim": what, "holds": holds, "detail": detail}));
}

fn phase<'a>(summary: &'a Value, name: &str) -> Option<&'a Value> {
    summary["load"]["phases"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

fn u(value: &Value) -> u64 {
    value.as_u64().unwrap_or(0)
}

/// Checks the run in `work`; the results (with `failed_claims`) and the same as Markdown.
///
/// # Errors
/// A file the run should have written is missing or unreadable.
pub fn report(work: &Path, balancers: &[&str]) -> Result<(Value, String), String> {
    let facts = std::fs::read_to_string(work.join("facts.txt"))
        .map_err(|e| format!("{}: {e}", work.join("facts.txt").display()))?;
    let facts: Vec<Vec<&str>> = facts
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let fact = |kind: &str, a: &str, b: &str| {
        facts
            .iter()
            .find(|f| f.first() == Some(&kind) && f.get(1) == Some(&a) && f.get(2) == Some(&b))
            .and_then(|f| f.get(3).copied())
            .map(str::to_owned)
    };
    let mut claims = Vec::new();
    let exits: Vec<(&str, &str)> = facts
        .iter()
        .filter(|f| f.first() == Some(&"sigterm_exit"))
        .filter_map(|f| Some((*f.get(1)?, *f.get(2)?)))
        .collect();
    claim(
        &mut claims,
        "every replica stopped by SIGTERM exited 0".into(),
        exits.len() == 3 && exits.iter().all(|(_, code)| *code == "0"),
        format!("{exits:?}"),
    );
    let mut md = String::new();
    let mut per_balancer = serde_json::Map::new();
    for &b in balancers {
        let dir = work.join(b);
        let summary = read_json(&dir.join("summary.json"))?;
        let register = read_json(&dir.join("register.json"))?;
        let revoke = read_json(&dir.join("revoke.json"))?;
        let load = &summary["load"];
        let tokens = &summary["tokens"];
        claim(
            &mut claims,
            format!("{b}: keep-alive and new-handshake clients both got tokens"),
            u(&load["ok_keepalive"]) > 0 && u(&load["ok_handshake"]) > 0,
            format!("{} and {}", load["ok_keepalive"], load["ok_handshake"]),
        );
        claim(
            &mut claims,
            format!("{b}: no failed token request except those in flight on the killed replica"),
            u(&load["failed_not_at_a_kill"]) == 0,
            format!(
                "{} failed outside the kill; first failures: {}",
                load["failed_not_at_a_kill"], load["failures"]
            ),
        );
        for (name, what) in [
            (
                "rolling-restart",
                "rolling restart (SIGTERM, wait, start; three replicas)",
            ),
            ("database-down", "database stopped"),
        ] {
            let p = phase(&summary, name);
            let (ok, failed) = p.map_or((0, 0), |p| (u(&p["ok"]), u(&p["failed"])));
            claim(
                &mut claims,
                format!("{b}: {what}: tokens flow, none failed"),
                p.is_some() && ok > 0 && failed == 0,
                format!("{ok} tokens, {failed} failed"),
            );
        }
        let (down, up) = (fact("down_ms", b, "r2"), fact("up_again", b, "r2"));
        claim(
            &mut claims,
            format!("{b}: the balancer took the killed replica out and back in"),
            down.is_some() && up.is_some(),
            format!(
                "out {} ms after the kill, in {} ms after the restart",
                down.as_deref().unwrap_or("?"),
                up.as_deref().unwrap_or("?")
            ),
        );
        let after_kill: u64 = load["kills"]
            .as_array()
            .map(|k| {
                k.iter()
                    .map(|k| u(&k["failed_in_flight"]) + u(&k["failed_on_open_connections"]))
                    .sum()
            })
            .unwrap_or(0);
        let kill_phase = phase(&summary, "kill");
        claim(
            &mut claims,
            format!("{b}: SIGKILL: failures only among the requests in flight on it"),
            kill_phase.is_some_and(|p| u(&p["failed"]) == u(&p["failed_at_kill"])),
            format!(
                "{after_kill} in flight at the kill failed; kills: {}",
                load["kills"]
            ),
        );
        for (probe, what) in [
            (
                &register,
                "registered through one replica: tokens through the balancer and from every replica",
            ),
            (
                &revoke,
                "revoked through one replica: inactive at every replica",
            ),
        ] {
            claim(
                &mut claims,
                format!("{b}: {what} within 1 s"),
                probe["within_limit"] == true,
                format!(
                    "max {:.1} ms: {}",
                    probe["max_ms"].as_f64().unwrap_or(f64::NAN),
                    probe["ms"]
                ),
            );
        }
        let kids = tokens["kids"].as_object().map_or(0, serde_json::Map::len);
        claim(
            &mut claims,
            format!("{b}: every token of the run verifies against the JWKS every replica serves"),
            u(&tokens["issued"]) > 0
                && tokens["verified"] == tokens["issued"]
                && u(&tokens["rejected"]) == 0
                && tokens["jwks_identical"] == true,
            format!(
                "{} issued, {} verified, {} rejected ({}), JWKS identical: {}",
                tokens["issued"],
                tokens["verified"],
                tokens["rejected"],
                tokens["first_rejection"],
                tokens["jwks_identical"]
            ),
        );
        claim(
            &mut claims,
            format!("{b}: the key rotation took effect during the run"),
            kids >= 2,
            format!("tokens by kid: {}", tokens["kids"]),
        );
        balancer_markdown(
            &mut md,
            b,
            &summary,
            &register,
            &revoke,
            down.as_deref(),
            up.as_deref(),
        );
        per_balancer.insert(
            b.to_owned(),
            json!({"summary": summary, "register": register, "revoke": revoke,
                   "down_ms": down, "up_ms": up}),
        );
    }
    let throughput = throughput(&work.join("throughput.jsonl"))?;
    if let Some((_, table)) = &throughput {
        md.push_str(table);
    }
    let failed: Vec<Value> = claims
        .iter()
        .filter(|c| c["holds"] != true)
        .map(|c| c["claim"].clone())
        .collect();
    md.push_str("\n## Claims\n\n");
    for c in &claims {
        let mark = if c["holds"] == true { "✓" } else { "✗" };
        let _ = writeln!(
            md,
            "- {mark} {} — {}",
            c["claim"].as_str().unwrap_or_default(),
            c["detail"].as_str().unwrap_or_default()
        );
    }
    let results = json!({
        "balancers": per_balancer,
        "claims": claims,
        "failed_claims": failed,
        "throughput": throughput.map(|(t, _)| t),
    });
    Ok((results, md))
}

fn balancer_markdown(
    md: &mut String,
    b: &str,
    summary: &Value,
    register: &Value,
    revoke: &Value,
    down: Option<&str>,
    up: Option<&str>,
) {
    let load = &summary["load"];
    let _ = writeln!(
        md,
        "\n## {b}\n\n{:.1} s of load: {} tokens to keep-alive clients, {} to new-handshake \
         clients; {} and {} failed; latency p50/p99 keep-alive {:.2}/{:.2} ms, new-handshake \
         {:.2}/{:.2} ms.\n",
        load["seconds"].as_f64().unwrap_or(0.0),
        load["ok_keepalive"],
        load["ok_handshake"],
        load["failed_keepalive"],
        load["failed_handshake"],
        load["latency_ms"]["keepalive"]["p50"]
            .as_f64()
            .unwrap_or(0.0),
        load["latency_ms"]["keepalive"]["p99"]
            .as_f64()
            .unwrap_or(0.0),
        load["latency_ms"]["handshake"]["p50"]
            .as_f64()
            .unwrap_or(0.0),
        load["latency_ms"]["handshake"]["p99"]
            .as_f64()
            .unwrap_or(0.0),
    );
    md.push_str("| phase | from s | to s | tokens | failed | of which in flight at a kill |\n|---|---|---|---|---|---|\n");
    for p in load["phases"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| {} | {:.1} | {:.1} | {} | {} | {} |",
            p["name"].as_str().unwrap_or_default(),
            p["from_s"].as_f64().unwrap_or(0.0),
            p["to_s"].as_f64().unwrap_or(0.0),
            p["ok"],
            p["failed"],
            p["failed_at_kill"]
        );
    }
    for k in load["kills"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "\nSIGKILL of {} at {:.1} s: {} requests in flight on it failed, {} sent on connections \
             still open to it; the balancer took it out after {} ms and back in {} ms after its \
             restart.",
            k["replica"].as_str().unwrap_or_default(),
            k["at_s"].as_f64().unwrap_or(0.0),
            k["failed_in_flight"],
            k["failed_on_open_connections"],
            down.unwrap_or("?"),
            up.unwrap_or("?")
        );
    }
    let _ = writeln!(
        md,
        "\nRegistered through one replica → token through the balancer and from each replica: {}.\n\
         Revoked through one replica → inactive at each replica: {}.\n\
         Tokens: {} issued, {} verified against the replicas' JWKS, by kid {}.",
        probe_line(register),
        probe_line(revoke),
        summary["tokens"]["issued"],
        summary["tokens"]["verified"],
        summary["tokens"]["kids"]
    );
    if let Some(failures) = load["failures"].as_array().filter(|f| !f.is_empty()) {
        md.push_str("\nFailures (first 20):\n\n");
        for f in failures {
            let _ = writeln!(md, "- {}", f.as_str().unwrap_or_default());
        }
    }
}

fn probe_line(probe: &Value) -> String {
    probe["ms"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            format!(
                "{} {}",
                t["target"].as_str().unwrap_or_default(),
                t["ms"]
                    .as_f64()
                    .map_or_else(|| "never".to_owned(), |ms| format!("{ms:.1} ms"))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The bench's throughput runs: medians per target and mode, and the table.
fn throughput(path: &Path) -> Result<Option<(Value, String)>, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    let mut groups: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let run: Value =
            serde_json::from_str(line).map_err(|e| format!("{}: {e}", path.display()))?;
        let key = (
            run["mode"].as_str().unwrap_or_default().to_owned(),
            run["target"].as_str().unwrap_or_default().to_owned(),
        );
        groups.entry(key).or_default().push(run);
    }
    let mut rows = Vec::new();
    for ((mode, target), runs) in &groups {
        let pick =
            |key: &str| -> Vec<f64> { runs.iter().filter_map(|r| r[key].as_f64()).collect() };
        let cpu_us: Vec<f64> = runs
            .iter()
            .filter_map(|r| {
                let tokens = r["ok"].as_f64()?;
                // Server CPU over warm-up + window, requests at the window's rate.
                let elapsed = r["elapsed_s"].as_f64()?;
                let all = tokens * (elapsed + 2.0) / elapsed;
                Some(r["server_cpu_s"].as_f64()? * 1e6 / all)
            })
            .collect();
        rows.push(json!({
            "mode": mode, "target": target, "runs": runs.len(),
            "tokens_per_s": median(&mut pick("rps")),
            "tokens_per_s_runs": pick("rps"),
            "p50_ms": median(&mut pick("p50_ms")),
            "p99_ms": median(&mut pick("p99_ms")),
            "errors": runs.iter().map(|r| u(&r["errors"])).sum::<u64>(),
            "cpu_us_per_token": median(&mut cpu_us.clone()),
        }));
    }
    let mut md = String::from(
        "\n## Throughput (shared load generator, same run)\n\n| mode | target | tokens/s (median) | runs | × direct | p50 ms | p99 ms | CPU µs/token (replicas + HAProxy) | errors |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in &rows {
        let direct = rows
            .iter()
            .find(|r| r["mode"] == row["mode"] && r["target"] == "direct")
            .and_then(|r| r["tokens_per_s"].as_f64())
            .unwrap_or(f64::NAN);
        let rps = row["tokens_per_s"].as_f64().unwrap_or(f64::NAN);
        let runs: Vec<String> = row["tokens_per_s_runs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| format!("{:.0}", v.as_f64().unwrap_or(0.0)))
            .collect();
        let _ = writeln!(
            md,
            "| {} | {} | {rps:.0} | {} | {:.2} | {:.2} | {:.2} | {:.0} | {} |",
            row["mode"].as_str().unwrap_or_default(),
            row["target"].as_str().unwrap_or_default(),
            runs.join(" / "),
            rps / direct,
            row["p50_ms"].as_f64().unwrap_or(f64::NAN),
            row["p99_ms"].as_f64().unwrap_or(f64::NAN),
            row["cpu_us_per_token"].as_f64().unwrap_or(f64::NAN),
            row["errors"]
        );
    }
    Ok(Some((Value::Array(rows), md)))
}
