//! Real reverse proxies (nginx, HAProxy from the Debian packages) started by the tests, as the
//! current user, with their config, pid file and logs in a scratch folder and a free port. They
//! are stopped by PID when the guard is dropped, a failed test included.
//!
//! The configs are the templates in `docs/proxy/` (the ones `docs/proxy.md` shows), with their
//! `{{NAME}}` placeholders filled in.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::TempDir;

/// The nginx template of `docs/proxy/nginx.conf`.
pub const NGINX_TEMPLATE: &str = include_str!("../../docs/proxy/nginx.conf");
/// The HAProxy template of `docs/proxy/haproxy.cfg`.
pub const HAPROXY_TEMPLATE: &str = include_str!("../../docs/proxy/haproxy.cfg");

/// A template without its leading comment block: the part `docs/proxy.md` shows verbatim.
#[must_use]
pub fn template_body(template: &str) -> &str {
    let start = template
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with('#'))
        .map(|l| l.len() + 1)
        .sum::<usize>();
    template.get(start..).unwrap_or_default()
}

/// A port that was free a moment ago on 127.0.0.1.
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Replaces every `{{NAME}}` of `template`; panics if one is left unfilled.
#[must_use]
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in values {
        let placeholder = format!("{{{{{name}}}}}");
        assert!(
            text.contains(&placeholder),
            "the template has no {placeholder}"
        );
        text = text.replace(&placeholder, value);
    }
    assert!(!text.contains("{{"), "unfilled placeholder in:\n{text}");
    text
}

/// The path of a proxy binary: on `PATH` or in `/usr/sbin` (Debian's place).
fn binary(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    let path = on_path.unwrap_or_else(|| Path::new("/usr/sbin").join(name));
    assert!(
        path.is_file(),
        "{name} is not installed: run scripts/setup.sh (Debian packages nginx-light, haproxy)"
    );
    path
}

/// A running proxy, stopped (by PID) on drop.
#[derive(Debug)]
pub struct Proxy {
    name: &'static str,
    child: Child,
    dir: TempDir,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
}

impl Proxy {
    /// Starts nginx with `config` (the filled template) in `dir`, listening on `port`.
    #[must_use]
    pub fn nginx(dir: TempDir, config: &str, port: u16) -> Self {
        let conf = dir.path().join("nginx.conf");
        let mut command = Command::new(binary("nginx"));
        command
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            // The error log before the config is read (else /var/log/nginx, not writable).
            .arg("-e")
            .arg(dir.path().join("error.log"));
        let proxy = Self::start("nginx", command, dir, &conf, config, port);
        // nginx opens its sockets before it writes its pid file: wait for the pid too.
        let pid_path = proxy.dir.path().join("nginx.pid");
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut pid_file = String::new();
        while Instant::now() < deadline {
            pid_file = std::fs::read_to_string(&pid_path).unwrap_or_default();
            if pid_file.ends_with('\n') {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            pid_file.trim(),
            proxy.child.id().to_string(),
            "nginx's pid file names the process the test started"
        );
        proxy
    }

    /// Starts HAProxy in the foreground (`-db`) with `config` in `dir`, listening on `port`.
    #[must_use]
    pub fn haproxy(dir: TempDir, config: &str, port: u16) -> Self {
        let conf = dir.path().join("haproxy.cfg");
        let mut command = Command::new(binary("haproxy"));
        command
            .arg("-db")
            .arg("-f")
            .arg(&conf)
            .arg("-p")
            .arg(dir.path().join("haproxy.pid"));
        Self::start("haproxy", command, dir, &conf, config, port)
    }

    /// Writes `config` to `conf`, runs `command` with its stderr in `dir/stderr.log`, and waits
    /// until it listens on `port`.
    fn start(
        name: &'static str,
        mut command: Command,
        dir: TempDir,
        conf: &Path,
        config: &str,
        port: u16,
    ) -> Self {
        std::fs::write(conf, config).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        let mut proxy = Self {
            name,
            child,
            dir,
            port,
        };
        proxy.wait_ready();
        proxy
    }

    /// The folder of its config and logs.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Its logs (error log and stderr), for failure messages.
    #[must_use]
    pub fn logs(&self) -> String {
        ["error.log", "stderr.log"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(self.dir.path().join(f)).ok())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until the port accepts connections; panics with the logs if the proxy exits.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("{} exited ({status}):\n{}", self.name, self.logs());
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} does not listen on {}:\n{}",
                self.name,
                self.port,
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // SIGTERM by PID: nginx's master stops its workers; then reap. SIGKILL if it lingers.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `[[server.listeners]]` table for a listener behind a proxy: kind `mtls`, port 0,
/// `tls` on or off, `trusted` (TOML list items, e.g. `"127.0.0.1"`), header `format`.
#[must_use]
pub fn proxy_listener(format: &str, trusted: &[&str], tls: bool) -> String {
    let trusted: Vec<String> = trusted.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        "\n[[server.listeners]]\naddress = \"127.0.0.1:0\"\nkind = \"mtls\"\ntls = {tls}\n\
         behind_proxy = true\ntrusted_proxies = [{}]\nclient_cert_header = \"{format}\"\n",
        trusted.join(", ")
    )
}

/// Starts certbind with the test config plus `extra` TOML (listeners, clients) appended.
#[must_use]
pub fn spawn_with(extra: &str) -> crate::server::TestApp {
    let pki = crate::server::TestPki::new();
    let config = format!("{}{extra}", pki.config(false));
    crate::server::spawn_app_from(pki, &config)
}

/// A client_credentials request for `client_id` (scope `read`) to `url` with extra headers,
/// sent by `client`.
pub async fn token_via(
    client: &reqwest::Client,
    url: &str,
    client_id: &str,
    headers: &[(&str, &str)],
) -> crate::server::Reply {
    let mut request = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={}&scope=read",
            crate::server::enc(client_id)
        ));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    crate::server::TestApp::send(request).await
}

/// The value of `certbind_forwarded_certificates_total{result="…"}` in `/metrics`.
pub async fn forwarded_count(app: &crate::server::TestApp, result: &str) -> u64 {
    let metrics = app.get("/metrics").await.text;
    let prefix = format!("certbind_forwarded_certificates_total{{result=\"{result}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in /metrics:\n{metrics}"))
}
