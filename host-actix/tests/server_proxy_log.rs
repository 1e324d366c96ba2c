//! The real `certbind` binary behind-a-proxy logging: a certificate header from an address
//! that is not a trusted proxy is warned about once per address, and a malformed one from a
//! trusted proxy is logged with its parse error (the caller only gets `invalid_client`).

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_certbind");

struct Server {
    child: Child,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn scratch() -> PathBuf {
    let mut bytes = [0_u8; 8];
    openssl::rand::rand_bytes(&mut bytes).unwrap();
    let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::env::temp_dir().join(format!("certbind-proxy-log-{name}"))
}

/// POSTs a token request for `certclient` over plain HTTP from `source` with `header`.
fn post(port: u16, source: &str, header: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--interface", source])
        .args(["-w", "\n%{http_code}", "-H", header])
        .args([
            "-d",
            "grant_type=client_credentials",
            "-d",
            "client_id=certclient",
        ])
        .arg(format!("http://127.0.0.1:{port}/connect/token"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap(), body.to_owned())
}

fn wait_for(port: u16, server: &mut Server, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!(
                "certbind exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "certbind does not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn untrusted_sources_are_warned_once_and_malformed_headers_logged_with_the_reason() {
    let dir = scratch();
    let status = Command::new(BIN)
        .args(["dev-pki", "--dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let (untrusted_port, trusted_port) = (free_port(), free_port());
    let mut config = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("certbind.toml"))
        .unwrap();
    for (port, trusted) in [(untrusted_port, "127.0.0.2"), (trusted_port, "127.0.0.1")] {
        write!(
            config,
            "\n[[server.listeners]]\naddress = \"127.0.0.1:{port}\"\nkind = \"mtls\"\n\
             tls = false\nbehind_proxy = true\ntrusted_proxies = [\"{trusted}\"]\n\
             client_cert_header = \"haproxy-base64\"\n"
        )
        .unwrap();
    }
    drop(config);
    let log = dir.join("stderr.log");
    let child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.join("certbind.toml"))
        .env("CERTBIND_LOG_FORMAT", "json")
        .env("CERTBIND_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut server = Server {
        child,
        dir: dir.clone(),
    };
    wait_for(untrusted_port, &mut server, &log);

    let forged = "X-SSL-Client-Cert: MIIBforgedAAAA";
    for _ in 0..3 {
        let (status, _) = post(untrusted_port, "127.0.0.1", forged);
        assert_eq!(status, 401);
    }
    let (status, body) = post(trusted_port, "127.0.0.1", "X-SSL-Client-Cert: MII!!");
    assert_eq!(status, 401);
    assert!(
        !body.contains("base64"),
        "the caller learns nothing of the parse error: {body}"
    );

    // Give the log a moment to reach the file, then read it.
    std::thread::sleep(Duration::from_millis(200));
    let text = std::fs::read_to_string(&log).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let untrusted: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("not a trusted proxy"))
        })
        .collect();
    assert_eq!(untrusted.len(), 1, "warned once for 3 requests:\n{text}");
    assert_eq!(untrusted[0]["peer"], "127.0.0.1");
    assert_eq!(untrusted[0]["header"], "x-ssl-client-cert");
    assert_eq!(untrusted[0]["level"], "WARN");
    let malformed = events
        .iter()
        .find(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("malformed certificate header"))
        })
        .unwrap_or_else(|| panic!("no malformed-header event:\n{text}"));
    let error = malformed["error"].as_str().unwrap();
    assert!(
        error.starts_with("header x-ssl-client-cert (haproxy-base64): certificate #0: bad base64"),
        "{error}"
    );
    // The token request's own line carries the same reason.
    assert!(
        events.iter().any(|e| e["target"] == "certbind::token"
            && e["reason"]
                .as_str()
                .is_some_and(|r| r.contains("bad base64"))),
        "{text}"
    );
}
