//! `cluster-client`: the client side of the fleet harness (`bench/cluster.sh`), which runs it
//! against real replicas behind real HAProxy instances.
//!
//! - `load`: keep-alive (HTTP/1.1 and HTTP/2) and new-handshake token clients at once until a
//!   stop file appears; then sets the failures against the harness's events, verifies every
//!   token it got against the JWKS of every replica, and writes `summary.json` and
//!   `timeseries.csv`;
//! - `register`: an RFC 7591 registration through one replica, then token requests through the
//!   balancer and to every replica until each answers with a token (ms after the 201);
//! - `revoke`: a token, revoked through one replica (RFC 7009), then introspection at every
//!   replica until each says inactive (ms after the 200);
//! - `wait-ready`: `/readyz` until it answers 200 `ready`;
//! - `haproxy`: HAProxy's runtime API: wait for a server's status, or send a command.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// `json["key"]` on a serde_json::Value is Null when absent, never a panic.
#![allow(clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use certbind_host::resource::TokenVerifier;
use certbind_tests::cluster_report as report;
use certbind_tests::haproxy;
use certbind_tests::load::{self, LoadSettings};
use clap::{Parser, Subcommand};
use serde_json::json;

#[derive(Debug, Parser)]
#[command(about = "The client side of bench/cluster.sh")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The PKI files every request uses.
#[derive(Debug, clap::Args)]
struct Pki {
    /// CA of the server certificates (PEM).
    #[arg(long)]
    ca: PathBuf,
    /// Client certificate (PEM).
    #[arg(long)]
    cert: PathBuf,
    /// Its key (PEM, PKCS#8).
    #[arg(long)]
    key: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Token load until --stop-file exists; then the summary and the token check.
    Load {
        #[command(flatten)]
        pki: Pki,
        /// The token endpoint (through the balancer).
        #[arg(long)]
        url: String,
        #[arg(long, default_value = "certclient")]
        client_id: String,
        #[arg(long, default_value = "read")]
        scope: String,
        /// Keep-alive clients.
        #[arg(long, default_value_t = 4)]
        keepalive: usize,
        /// New-handshake clients.
        #[arg(long, default_value_t = 4)]
        handshake: usize,
        /// HTTP/2 clients (counted with the keep-alive clients).
        #[arg(long, default_value_t = 0)]
        http2: usize,
        /// Milliseconds each client waits between two requests.
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
        #[arg(long)]
        stop_file: PathBuf,
        /// Seconds after which it stops in any case.
        #[arg(long, default_value_t = 600)]
        max_duration: u64,
        /// The harness's event log, read when the load has stopped.
        #[arg(long)]
        events: PathBuf,
        /// Where summary.json and timeseries.csv go.
        #[arg(long)]
        out: PathBuf,
        /// JWKS of every replica, comma-separated.
        #[arg(long, value_delimiter = ',')]
        jwks: Vec<String>,
        /// The fleet's issuer.
        #[arg(long)]
        issuer: String,
        /// Milliseconds per row of timeseries.csv.
        #[arg(long, default_value_t = 250)]
        bucket_ms: u64,
    },
    /// Registration through one replica, tokens through the balancer and from every replica.
    Register {
        #[command(flatten)]
        pki: Pki,
        /// The replica registered through (base URL).
        #[arg(long)]
        replica: String,
        /// The balancer (base URL).
        #[arg(long)]
        balancer: String,
        /// Every replica (base URLs), comma-separated.
        #[arg(long, value_delimiter = ',')]
        replicas: Vec<String>,
        #[arg(long)]
        initial_token: String,
        /// Milliseconds within which every one must give a token.
        #[arg(long, default_value_t = 1000)]
        limit_ms: u64,
    },
    /// A token through the balancer, revoked through one replica, inactive at every replica.
    Revoke {
        #[command(flatten)]
        pki: Pki,
        #[arg(long)]
        replica: String,
        #[arg(long)]
        balancer: String,
        #[arg(long, value_delimiter = ',')]
        replicas: Vec<String>,
        #[arg(long, default_value = "certclient")]
        client_id: String,
        #[arg(long, default_value_t = 1000)]
        limit_ms: u64,
    },
    /// Waits until `/readyz` answers 200 `ready`.
    WaitReady {
        /// The replica (base URL).
        #[arg(long)]
        url: String,
        #[arg(long)]
        ca: PathBuf,
        /// Seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Checks the claims of a harness run and writes results.json and results.md in --work.
    Report {
        /// The harness's folder.
        #[arg(long)]
        work: PathBuf,
        /// The balancers that ran, space-separated.
        #[arg(long)]
        balancers: String,
    },
    /// HAProxy's runtime API.
    Haproxy {
        /// Its stats socket.
        #[arg(long)]
        socket: PathBuf,
        #[command(subcommand)]
        action: HaproxyAction,
    },
}

#[derive(Debug, Subcommand)]
enum HaproxyAction {
    /// Waits until a server's status is exactly --status; prints the milliseconds since
    /// --since-us (µs since the epoch; default: since it started waiting).
    Wait {
        #[arg(long)]
        backend: String,
        #[arg(long)]
        server: String,
        /// `UP`, `DOWN` or `MAINT`.
        #[arg(long)]
        status: String,
        /// Seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        #[arg(long)]
        since_us: Option<u64>,
    },
    /// Sends a command and prints the answer.
    Cmd {
        /// E.g. `set server certbind/r2 state maint`.
        command: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cluster-client: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cluster-client: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Load {
            pki,
            url,
            client_id,
            scope,
            keepalive,
            handshake,
            http2,
            pause_ms,
            stop_file,
            max_duration,
            events,
            out,
            jwks,
            issuer,
            bucket_ms,
        } => {
            let settings = LoadSettings {
                url,
                ca: pki.ca.clone(),
                cert: pki.cert.clone(),
                key: pki.key.clone(),
                body: format!("grant_type=client_credentials&client_id={client_id}&scope={scope}"),
                keepalive,
                handshake,
                http2,
                stop_file: Some(stop_file),
                max_duration: Duration::from_secs(max_duration),
                timeout: Duration::from_secs(10),
                pause: Duration::from_millis(pause_ms),
            };
            let run = load::run(&settings).await?;
            let events = std::fs::read_to_string(&events)
                .map_err(|e| format!("{}: {e}", events.display()))?;
            let summary = load::summarize(&run, &load::parse_events(&events)?);
            let tokens = check_tokens(&run.tokens, &jwks, &issuer, &pki).await?;
            std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
            let summary = json!({ "load": summary, "tokens": tokens });
            write(&out.join("summary.json"), &pretty(&summary))?;
            write(
                &out.join("timeseries.csv"),
                &load::timeseries_csv(&run, Duration::from_millis(bucket_ms)),
            )?;
            eprintln!(
                "cluster-client load: {} tokens, {} failed ({} not in flight at a kill), {} tokens verified",
                summary["load"]["ok_keepalive"].as_u64().unwrap_or(0)
                    + summary["load"]["ok_handshake"].as_u64().unwrap_or(0),
                summary["load"]["failed_keepalive"].as_u64().unwrap_or(0)
                    + summary["load"]["failed_handshake"].as_u64().unwrap_or(0),
                summary["load"]["failed_not_at_a_kill"],
                summary["tokens"]["verified"],
            );
            Ok(())
        }
        Command::Register {
            pki,
            replica,
            balancer,
            replicas,
            initial_token,
            limit_ms,
        } => {
            let report = register(
                &pki,
                &replica,
                &balancer,
                &replicas,
                &initial_token,
                limit_ms,
            )
            .await?;
            println!("{report}");
            Ok(())
        }
        Command::Revoke {
            pki,
            replica,
            balancer,
            replicas,
            client_id,
            limit_ms,
        } => {
            let report = revoke(&pki, &replica, &balancer, &replicas, &client_id, limit_ms).await?;
            println!("{report}");
            Ok(())
        }
        Command::WaitReady { url, ca, timeout } => wait_ready(&url, &ca, timeout).await,
        Command::Report { work, balancers } => {
            let balancers: Vec<&str> = balancers.split_whitespace().collect();
            let (results, markdown) = report::report(&work, &balancers)?;
            write(&work.join("results.json"), &pretty(&results))?;
            write(&work.join("results.md"), &markdown)?;
            print!("{markdown}");
            match results["failed_claims"].as_array() {
                Some(failed) if failed.is_empty() => Ok(()),
                _ => Err(format!("claims not met: {}", results["failed_claims"])),
            }
        }
        Command::Haproxy { socket, action } => match action {
            HaproxyAction::Wait {
                backend,
                server,
                status,
                timeout,
                since_us,
            } => {
                let started = Instant::now();
                let since_us = since_us.unwrap_or_else(load::now_us);
                loop {
                    let states = haproxy::server_status(&socket, &backend)?;
                    if states.iter().any(|(s, st)| *s == server && *st == status) {
                        let waited = load::now_us().saturating_sub(since_us);
                        println!("{}", waited / 1000);
                        return Ok(());
                    }
                    if started.elapsed() > Duration::from_secs(timeout) {
                        return Err(format!(
                            "{backend}/{server} is not {status} after {timeout} s: {states:?}"
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            HaproxyAction::Cmd { command } => {
                let answer = haproxy::command(&socket, &command)
                    .map_err(|e| format!("{}: {e}", socket.display()))?;
                print!("{answer}");
                Ok(())
            }
        },
    }
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A client trusting `ca`, presenting the PKI's certificate when `identity`; a new connection
/// for every request (so that each one is balanced anew).
fn https(pki_ca: &Path, identity: Option<&Pki>) -> Result<reqwest::Client, String> {
    let ca = reqwest::Certificate::from_pem(&read(pki_ca)?).map_err(|e| e.to_string())?;
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(ca)
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10));
    if let Some(pki) = identity {
        let identity = reqwest::Identity::from_pkcs8_pem(&read(&pki.cert)?, &read(&pki.key)?)
            .map_err(|e| e.to_string())?;
        builder = builder.identity(identity);
    }
    builder.build().map_err(|e| e.to_string())
}

/// POSTs a form; status and JSON body.
async fn form(
    client: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
) -> Result<(u16, serde_json::Value), String> {
    let body: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                certbind_tests::server::enc(k),
                certbind_tests::server::enc(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let response = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| format!("{url}: {e}"))?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    ))
}

/// Polls every target with `check` until each has passed once or `limit` × 3 has gone by;
/// the milliseconds each took (`None`: never).
async fn first_success<F, Fut>(targets: &[String], limit: Duration, check: F) -> Vec<Option<f64>>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    let mut took: Vec<Option<f64>> = vec![None; targets.len()];
    while took.iter().any(Option::is_none) && started.elapsed() < limit * 3 {
        for (target, slot) in targets.iter().zip(took.iter_mut()) {
            if slot.is_none() && check(target.clone()).await {
                *slot = Some(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    took
}

fn sha1_hex(cert: &Path) -> Result<String, String> {
    let x509 = openssl::x509::X509::from_pem(&read(cert)?).map_err(|e| e.to_string())?;
    let digest = x509
        .digest(openssl::hash::MessageDigest::sha1())
        .map_err(|e| e.to_string())?;
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

async fn register(
    pki: &Pki,
    replica: &str,
    balancer: &str,
    replicas: &[String],
    initial_token: &str,
    limit_ms: u64,
) -> Result<serde_json::Value, String> {
    let anonymous = https(&pki.ca, None)?;
    let url = format!("{replica}/connect/register");
    let response = anonymous
        .post(&url)
        .bearer_auth(initial_token)
        .header("content-type", "application/json")
        .body(
            json!({
                "client_name": "cluster probe",
                "scope": "read",
                "token_endpoint_auth_method": "self_signed_tls_client_auth",
                "x509_thumbprint": sha1_hex(&pki.cert)?,
            })
            .to_string(),
        )
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| format!("{url}: {e}"))?;
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    let client_id = match (status, body["client_id"].as_str()) {
        (201, Some(id)) => id.to_owned(),
        _ => return Err(format!("registration through {replica}: {status} {text}")),
    };
    let client = https(&pki.ca, Some(pki))?;
    let mut targets = vec![balancer.to_owned()];
    targets.extend(replicas.iter().cloned());
    let limit = Duration::from_millis(limit_ms);
    let took = first_success(&targets, limit, |base| {
        let client = client.clone();
        let client_id = client_id.clone();
        async move {
            form(
                &client,
                &format!("{base}/connect/token"),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client_id),
                ],
            )
            .await
            .is_ok_and(|(status, body)| status == 200 && body["access_token"].is_string())
        }
    })
    .await;
    Ok(probe_report("registered", &targets, &took, limit))
}

async fn revoke(
    pki: &Pki,
    replica: &str,
    balancer: &str,
    replicas: &[String],
    client_id: &str,
    limit_ms: u64,
) -> Result<serde_json::Value, String> {
    let client = https(&pki.ca, Some(pki))?;
    let (status, body) = form(
        &client,
        &format!("{balancer}/connect/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
        ],
    )
    .await?;
    let token = match (status, body["access_token"].as_str()) {
        (200, Some(token)) => token.to_owned(),
        _ => return Err(format!("token through {balancer}: {status} {body}")),
    };
    let active = |base: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            form(
                &client,
                &format!("{base}/connect/introspect"),
                &[("client_id", client_id), ("token", &token)],
            )
            .await
            .map(|(_, body)| body["active"].as_bool())
        }
    };
    for base in replicas {
        if active(base.clone()).await? != Some(true) {
            return Err(format!("the new token is not active at {base}"));
        }
    }
    let (status, body) = form(
        &client,
        &format!("{replica}/connect/revocation"),
        &[("client_id", client_id), ("token", &token)],
    )
    .await?;
    if status != 200 {
        return Err(format!("revocation through {replica}: {status} {body}"));
    }
    let limit = Duration::from_millis(limit_ms);
    let took = first_success(replicas, limit, |base| {
        let active = active(base);
        async move { active.await.is_ok_and(|a| a == Some(false)) }
    })
    .await;
    Ok(probe_report("inactive", replicas, &took, limit))
}

fn probe_report(
    what: &str,
    targets: &[String],
    took: &[Option<f64>],
    limit: Duration,
) -> serde_json::Value {
    let within = took
        .iter()
        .all(|t| t.is_some_and(|ms| ms <= limit.as_secs_f64() * 1000.0));
    let max = took.iter().flatten().copied().fold(0.0_f64, f64::max);
    json!({
        "what": what,
        "ms": targets.iter().zip(took).map(|(t, ms)| json!({"target": t, "ms": ms})).collect::<Vec<_>>(),
        "max_ms": max,
        "limit_ms": limit.as_millis(),
        "within_limit": within,
    })
}

async fn wait_ready(url: &str, ca: &Path, timeout: u64) -> Result<(), String> {
    let client = https(ca, None)?;
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(timeout) {
        if let Ok(response) = client.get(format!("{url}/readyz")).send().await {
            let status = response.status().as_u16();
            last = response.text().await.unwrap_or_default();
            if status == 200 && last.contains("\"status\":\"ready\"") {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("{url}/readyz not ready after {timeout} s: {last}"))
}

/// Every token against the JWKS of every replica (the replicas' JWKS must hold the same keys);
/// each token is verified (signature, `typ`, issuer, audience, times, binding to the client's
/// certificate) with certbind's resource-server verifier against one replica's JWKS, in turn.
async fn check_tokens(
    tokens: &[String],
    jwks_urls: &[String],
    issuer: &str,
    pki: &Pki,
) -> Result<serde_json::Value, String> {
    let client = https(&pki.ca, None)?;
    let mut sets = Vec::new();
    for url in jwks_urls {
        let body = client
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?
            .bytes()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let json: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("{url}: {e}"))?;
        let mut keys: Vec<String> = json["keys"]
            .as_array()
            .map(|k| k.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        keys.sort();
        sets.push((url.clone(), body.to_vec(), keys));
    }
    let identical = sets.windows(2).all(|w| w[0].2 == w[1].2);
    let verifiers = sets
        .iter()
        .map(|(url, body, _)| {
            TokenVerifier::builder(issuer, format!("{issuer}/resources"))
                .jwks_json(body.clone())
                .build()
                .map_err(|e| format!("{url}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if verifiers.is_empty() {
        return Err("no JWKS to verify against".into());
    }
    let der = openssl::x509::X509::from_pem(&read(&pki.cert)?)
        .and_then(|c| c.to_der())
        .map_err(|e| e.to_string())?;
    let certificate =
        certbind_core::PresentedCertificate::new(der, Vec::new()).map_err(|e| e.to_string())?;
    let now = certbind_host::time::now_unix();
    let mut kids = std::collections::BTreeMap::<String, u64>::new();
    let (mut verified, mut rejected, mut first_rejection) = (0_u64, 0_u64, None);
    for (i, token) in tokens.iter().enumerate() {
        let verifier = &verifiers[i % verifiers.len()];
        match verifier.verify(token, Some(&certificate), now).await {
            Ok(v) => {
                verified += 1;
                let kid = v.header.get("kid").and_then(|k| k.as_str()).unwrap_or("");
                *kids.entry(kid.to_owned()).or_default() += 1;
            }
            Err(e) => {
                rejected += 1;
                first_rejection.get_or_insert_with(|| e.to_string());
            }
        }
    }
    Ok(json!({
        "issued": tokens.len(),
        "verified": verified,
        "rejected": rejected,
        "first_rejection": first_rejection,
        "kids": kids,
        "jwks_identical": identical,
        "jwks": sets.iter().map(|(url, _, keys)| json!({"url": url, "keys": keys.len()})).collect::<Vec<_>>(),
    }))
}
