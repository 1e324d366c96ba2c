//! The real `certbind` binary: `serve --dev` on a fresh folder (also under a base path), then
//! SIGHUP reloads (clients, rotated keys, a broken file that is refused), and `check`.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_certbind");

struct Server {
    child: Child,
    dir: PathBuf,
    base: String,
    /// The development banner, line by line.
    banner: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(dir: &Path) -> Server {
    start_with(dir, &[])
}

fn start_with(dir: &Path, args: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--dir"])
        .arg(dir)
        .args(args)
        .env("CERTBIND_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Read the banner (its last line names the pid for SIGHUP), then keep draining stdout in
    // the background.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut banner = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        let last = line.trim().starts_with("reload clients");
        banner.push(line);
        if last {
            break;
        }
    }
    let base = banner
        .iter()
        .find_map(|line| line.trim().strip_prefix("token"))
        .map(|url| url.trim().trim_end_matches("/connect/token").to_owned());
    Server {
        child,
        dir: dir.to_owned(),
        base: base.expect("the banner names the token URL"),
        banner,
    }
}

/// The URL on the banner line labelled `label`.
fn banner_url(server: &Server, label: &str) -> String {
    server
        .banner
        .iter()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(|url| url.trim().to_owned())
        .unwrap_or_else(|| panic!("no {label} line in {:#?}", server.banner))
}

fn curl(server: &Server, args: &[&str]) -> serde_json::Value {
    let d = server.dir.display().to_string();
    let out = Command::new("curl")
        .args([
            "-sS",
            "--cacert",
            &format!("{d}/ca.pem"),
            "--cert",
            &format!("{d}/client.pem"),
        ])
        .args(["--key", &format!("{d}/client.key")])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn token(server: &Server, scope: &str) -> serde_json::Value {
    let url = format!("{}/connect/token", server.base);
    curl(
        server,
        &[
            "-d",
            "grant_type=client_credentials",
            "-d",
            "client_id=certclient",
            "-d",
            &format!("scope={scope}"),
            &url,
        ],
    )
}

fn hup(server: &Server) {
    let status = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Polls until `check` holds (reloads are asynchronous), for at most 5 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "timed out waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("certbind-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn sighup_reloads_clients_and_keys_and_keeps_the_old_config_when_the_new_one_is_bad() {
    let server = start(&scratch("reload"));
    assert!(
        token(&server, "write")["access_token"].is_string(),
        "dev client gets read and write"
    );

    // 1. Narrow the client's scopes, reload: `write` is now refused.
    let config = server.dir.join("certbind.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        original.replacen("scopes = [\"read\", \"write\"]", "scopes = [\"read\"]", 1),
    )
    .unwrap();
    hup(&server);
    eventually("write scope refused", || {
        token(&server, "write")["error"] == "invalid_scope"
    });

    // 2. Rotate the signing key, reload: both keys published, the new one signs.
    let out = Command::new(BIN)
        .args(["keys", "rotate", "--dir"])
        .arg(server.dir.join("keys"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    hup(&server);
    let jwks_url = format!("{}/jwks", server.base);
    eventually("two keys published", || {
        curl(&server, &[&jwks_url])["keys"]
            .as_array()
            .is_some_and(|k| k.len() == 2)
    });
    let jwks = curl(&server, &[&jwks_url]);
    let newest = jwks["keys"][0]["kid"].as_str().unwrap().to_owned();
    let t = token(&server, "read")["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let header = t.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(&base64_url_decode(header)).unwrap();
    assert_eq!(header["kid"], newest, "the newest key signs");

    // 3. A broken file is refused; the server keeps the last good configuration.
    std::fs::write(&config, "[[clients]]\nclient_id = \"x\"\nsecrets = 7\n").unwrap();
    hup(&server);
    std::thread::sleep(Duration::from_millis(300));
    assert!(token(&server, "read")["access_token"].is_string());
    let metrics = Command::new("curl")
        .args([
            "-sS",
            "--cacert",
            &format!("{}/ca.pem", server.dir.display()),
            &format!("{}/metrics", server.base),
        ])
        .output()
        .unwrap();
    let metrics = String::from_utf8_lossy(&metrics.stdout).into_owned();
    assert!(
        metrics.contains("certbind_reloads_total{result=\"ok\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("certbind_reloads_total{result=\"failed\"} 1"),
        "{metrics}"
    );
}

#[test]
fn serve_base_path_puts_every_endpoint_and_banner_url_under_it() {
    let server = start_with(&scratch("base-path"), &["--base-path", "/core"]);
    assert!(
        server.base.starts_with("https://localhost:") && server.base.ends_with("/core"),
        "{}",
        server.base
    );
    assert_eq!(
        banner_url(&server, "discovery"),
        format!("{}/.well-known/openid-configuration", server.base)
    );
    assert_eq!(
        banner_url(&server, "checker"),
        format!("{}/tools/thumbprint", server.base)
    );
    let curl_line = server.banner.iter().find(|l| l.contains("curl ")).unwrap();
    assert!(
        curl_line.ends_with(&format!(" {}/connect/token", server.base)),
        "{curl_line}"
    );
    // The banner's token URL works over mTLS, and discovery names the URLs under /core.
    assert!(token(&server, "read")["access_token"].is_string());
    let d = curl(&server, &[&banner_url(&server, "discovery")]);
    assert_eq!(d["issuer"], server.base);
    assert_eq!(
        d["token_endpoint"],
        format!("{}/connect/token", server.base)
    );
    let page = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(server.dir.join("ca.pem"))
        .arg(banner_url(&server, "checker"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&page.stdout).contains("Certificate thumbprint checker"));

    // In the config file: `check` names the file, line and field of a bad one, and shows a
    // good one.
    let config = server.dir.join("certbind.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let check = |base_path: &str| {
        std::fs::write(
            &config,
            original.replacen(
                "[server]\n",
                &format!("[server]\nbase_path = \"{base_path}\"\n"),
                1,
            ),
        )
        .unwrap();
        Command::new(BIN)
            .args(["check", "--config"])
            .arg(&config)
            .output()
            .unwrap()
    };
    let out = check("/core");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("  base path  /core"));
    let line = original.lines().position(|l| l == "[server]").unwrap() + 2;
    let out = check("/core/");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "certbind.toml:{line}: server.base_path: \"/core/\" ends with \"/\": write \"/core\""
        )),
        "{stderr}"
    );

    // A base path that is not one is a usage error that says why.
    let out = Command::new(BIN)
        .args(["serve", "--dev", "--base-path", "core/", "--dir"])
        .arg(scratch("base-path-bad"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--base-path") && stderr.contains("must start with"),
        "{stderr}"
    );
}

#[test]
fn check_validates_a_config_and_names_line_and_field_of_a_problem() {
    let dir = scratch("check");
    let out = Command::new(BIN)
        .args(["dev-pki", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.join("certbind.toml");
    let out = Command::new(BIN)
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("clients    1"), "{stdout}");

    // `clients add` appends a client registered by SHA-256, keeps the comments, and the result
    // passes `check`; a second add of the same id is refused and leaves the file alone.
    let add = |id: &str| {
        Command::new(BIN)
            .args(["clients", "add", "--config"])
            .arg(&config)
            .args(["--client-id", id, "--scope", "read", "--cert"])
            .arg(dir.join("client.pem"))
            .output()
            .unwrap()
    };
    let out = add("second");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with("# certbind development configuration"),
        "comments kept"
    );
    assert!(text.contains("client_id = \"second\"") && text.contains("x509_thumbprint_sha256"));
    let out = Command::new(BIN)
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("clients    2"));
    let out = add("second");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already registered"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);

    let text = std::fs::read_to_string(&config).unwrap();
    let line = text.lines().position(|l| l.starts_with("address")).unwrap() + 1;
    std::fs::write(
        &config,
        text.replacen("address = \"127.0.0.1:8443\"", "address = \"localhost\"", 1),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains(&format!(
            "certbind.toml:{line}: server.listeners[0].address"
        )),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn base64_url_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}
