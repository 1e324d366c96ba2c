//! `deploy/certbind.service`: `systemd-analyze verify` finds nothing to say about it (it exits 0
//! on unknown keys, so its output must be empty too), `systemd-analyze security --offline`
//! rates its exposure at most 2.0, it is `Type=notify` with `ExecReload` sending SIGHUP and the
//! hardening a reviewer looks for; and its sandbox lets certbind do what it does: a replica on
//! the PostgreSQL store, run under `strace -f` through start, `READY=1`, every kind of request
//! (reads, and writes to the database), a reload and a drained stop, makes only system calls
//! the unit's `SystemCallFilter` allows, opens only sockets of the families
//! `RestrictAddressFamilies` lists, and never maps memory writable and executable at once
//! (`MemoryDenyWriteExecute`). systemd does not run here (no PID 1 to start the unit), so these
//! are what can be checked without it.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certbind_tests::fleet::Fleet;
use certbind_tests::postgres::PgCluster;
use certbind_tests::proxy::free_port;
use certbind_tests::replica::{Endpoint, certbind_bin};
use certbind_tests::server::TempDir;
use reqwest::Method;
use serde_json::json;

/// Where the unit says certbind is installed.
const INSTALLED: &str = "/usr/local/bin/certbind";

fn unit_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/certbind.service")
}

fn unit() -> String {
    std::fs::read_to_string(unit_path()).unwrap()
}

/// Every value of `key=` in the unit, in order.
fn values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|l| l.trim().strip_prefix(key)?.strip_prefix('='))
        .map(str::to_owned)
        .collect()
}

fn systemd_analyze(args: &[&str]) -> std::process::Output {
    Command::new("systemd-analyze")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("systemd-analyze: {e} (Debian package systemd; run scripts/setup.sh)")
        })
}

/// The unit as installed, with `ExecStart` naming the binary under test (verify checks that the
/// program exists), in `dir`.
fn unit_for_verify(dir: &Path) -> PathBuf {
    let text = unit();
    assert!(
        text.contains(&format!("ExecStart={INSTALLED} serve --config ")),
        "ExecStart runs {INSTALLED} serve"
    );
    let path = dir.join("certbind.service");
    std::fs::write(
        &path,
        text.replace(INSTALLED, &certbind_bin().display().to_string()),
    )
    .unwrap();
    path
}

#[test]
fn the_unit_verifies_cleanly_and_its_exposure_is_low() {
    let text = unit();
    for (key, expected) in [
        ("Type", "notify"),
        ("NotifyAccess", "main"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("User", "certbind"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE"),
        ("ReadWritePaths", "/var/lib/certbind"),
        ("KillSignal", "SIGTERM"),
    ] {
        assert_eq!(values(&text, key), [expected], "{key}=");
    }
    let dir = TempDir::new("certbind-unit");
    let path = unit_for_verify(dir.path());
    let path_arg = path.display().to_string();
    let verify = systemd_analyze(&["verify", &path_arg]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(verify.status.success() && said.trim().is_empty(), "{said}");

    let security = systemd_analyze(&[
        "security",
        "--offline=true",
        "--threshold=20",
        "--no-pager",
        &path_arg,
    ]);
    let report = String::from_utf8_lossy(&security.stdout).into_owned();
    let overall = report
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        security.status.success(),
        "exposure above 2.0: {overall}\n{report}"
    );
    println!("{overall}");
}

/// `systemd-analyze syscall-filter` groups, expanded to system-call names.
fn syscalls_of(item: &str, seen: &mut BTreeSet<String>) -> BTreeSet<String> {
    if !item.starts_with('@') {
        return BTreeSet::from([item.to_owned()]);
    }
    if !seen.insert(item.to_owned()) {
        return BTreeSet::new();
    }
    let out = systemd_analyze(&["syscall-filter", "--no-pager", item]);
    assert!(out.status.success(), "syscall-filter {item}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut calls = BTreeSet::new();
    for line in text.lines().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        calls.extend(syscalls_of(line, seen));
    }
    calls
}

/// What the unit's `SystemCallFilter=` lines allow: the allow-list minus every `~` list.
fn allowed_syscalls(unit: &str) -> BTreeSet<String> {
    let mut allowed = BTreeSet::new();
    let mut denied = BTreeSet::new();
    for value in values(unit, "SystemCallFilter") {
        let (into, list) = match value.strip_prefix('~') {
            Some(list) => (&mut denied, list.to_owned()),
            None => (&mut allowed, value),
        };
        for item in list.split_whitespace() {
            into.extend(syscalls_of(item, &mut BTreeSet::new()));
        }
    }
    assert!(!allowed.is_empty(), "an allow-list");
    allowed.difference(&denied).cloned().collect()
}

/// The process strace started (its only child).
fn traced_child(strace: u32) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let children = std::fs::read_to_string(format!("/proc/{strace}/task/{strace}/children"))
            .unwrap_or_default();
        if let Some(pid) = children.split_whitespace().next() {
            return pid.parse().unwrap();
        }
        assert!(Instant::now() < deadline, "strace started nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn notification(socket: &UnixDatagram) -> String {
    let mut buffer = [0_u8; 4096];
    let n = socket.recv(&mut buffer).expect("a notification");
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

/// Sends `signal` to the traced replica; when it is gone, fails with its log (what ended it).
fn kill(signal: &str, pid: u32, log: &Path) {
    let sent = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(
        sent,
        "SIG{signal} to the traced replica {pid}: no such process; its log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

#[actix_rt::test]
async fn the_sandbox_allows_every_system_call_and_socket_a_replica_uses() {
    let text = unit();
    let fleet = Fleet::new(PgCluster::shared(), "");
    fleet.import();
    let dir = fleet.pki.dir();
    let notify = UnixDatagram::bind(dir.join("notify.sock")).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let trace = dir.join("strace.txt");
    let port = free_port();
    let mut strace = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&trace)
        .arg("--")
        .arg(certbind_bin())
        .args(["serve", "--config", &fleet.config_arg()])
        .args(["--listen", &format!("127.0.0.1:{port}"), "--workers", "2"])
        .args(["--drain-delay", "1"])
        .envs(fleet.env())
        .env("NOTIFY_SOCKET", dir.join("notify.sock"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("traced.log")).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("strace: {e} (Debian package strace; run scripts/setup.sh)"));
    let pid = traced_child(strace.id());
    let ready = notification(&notify);
    assert!(
        ready.contains("READY=1"),
        "{ready}\n{}",
        std::fs::read_to_string(dir.join("traced.log")).unwrap_or_default()
    );

    // Every kind of work: token, introspection and revocation (a database write), RFC 7591
    // registration (a write, then NOTIFY and the follower's re-read), reads, metrics.
    let endpoint = Endpoint {
        pki: &fleet.pki,
        base: format!("https://localhost:{port}"),
    };
    let token = endpoint.token(Some("client"), "certclient", None).await;
    assert_eq!(token.status, 200, "{}", token.text);
    let access = token.json["access_token"].as_str().unwrap().to_owned();
    let introspected = endpoint
        .post_form(
            Some("client"),
            "/connect/introspect",
            &[("client_id", "certclient"), ("token", &access)],
        )
        .await;
    assert_eq!(introspected.json["active"], true, "{}", introspected.text);
    let revoked = endpoint
        .post_form(
            Some("client"),
            "/connect/revocation",
            &[("client_id", "certclient"), ("token", &access)],
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    let sha1 = fleet.pki.sha1_hex_by_openssl_cli("client").to_lowercase();
    let registered = endpoint
        .json(
            Method::POST,
            "/connect/register",
            Some(&fleet.initial_token),
            Some(&json!({
                "client_name": "traced",
                "scope": "read",
                "token_endpoint_auth_method": "self_signed_tls_client_auth",
                "x509_thumbprint": sha1,
            })),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.text);
    for path in [
        "/jwks",
        "/readyz",
        "/healthz",
        "/metrics",
        "/tools/thumbprint",
    ] {
        assert_eq!(endpoint.get(path).await.status, 200, "{path}");
    }
    kill("HUP", pid, &dir.join("traced.log"));
    assert!(notification(&notify).contains("RELOADING=1"));
    assert!(notification(&notify).contains("READY=1"));
    kill("TERM", pid, &dir.join("traced.log"));
    assert!(notification(&notify).contains("STOPPING=1"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = strace.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the traced replica did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "strace passes on certbind's status");

    let trace = std::fs::read_to_string(&trace).unwrap();
    assert!(
        !trace.contains("PTRACE") && trace.lines().count() > 100,
        "strace could not trace (ptrace not permitted?):\n{}",
        trace.lines().take(20).collect::<Vec<_>>().join("\n")
    );
    // `PID name(args…` opens a call; `<... name resumed>` continues one.
    let used: BTreeSet<String> = trace
        .lines()
        .filter_map(|l| {
            let call = l.split_once(' ')?.1.trim_start();
            let name = call.split('(').next()?;
            (name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && call.contains('('))
            .then(|| name.to_owned())
        })
        .collect();
    assert!(
        used.contains("accept4") && used.contains("sendto"),
        "{used:?}"
    );
    let allowed = allowed_syscalls(&text);
    let blocked: Vec<&String> = used.difference(&allowed).collect();
    assert!(
        blocked.is_empty(),
        "SystemCallFilter would refuse {blocked:?} (certbind used {used:?})"
    );

    let families: BTreeSet<String> = trace
        .lines()
        .filter_map(|l| l.split_once(" socket(")?.1.split(',').next())
        .map(str::to_owned)
        .collect();
    let restricted = values(&text, "RestrictAddressFamilies");
    let restricted: BTreeSet<&str> = restricted
        .iter()
        .flat_map(|v| v.split_whitespace())
        .collect();
    assert!(families.contains("AF_INET") && families.contains("AF_UNIX"));
    for family in &families {
        assert!(
            restricted.contains(family.as_str()),
            "RestrictAddressFamilies would refuse {family} ({families:?})"
        );
    }
    let write_exec: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("PROT_WRITE|PROT_EXEC") || l.contains("PROT_EXEC|PROT_WRITE"))
        .collect();
    assert!(
        write_exec.is_empty(),
        "MemoryDenyWriteExecute would refuse {write_exec:?}"
    );
}
