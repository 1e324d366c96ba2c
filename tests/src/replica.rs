//! `certbind serve` as a separate process (a replica of a fleet), on a free loopback port,
//! stopped by PID when dropped; and the certbind command line for the store commands.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use crate::proxy::free_port;
use crate::server::{Reply, TestApp, TestPki};

/// The certbind binary the tests run: `CERTBIND_BIN`, else `certbind-under-test`, which cargo
/// builds next to the test binaries of this crate (`target/<profile>/`).
#[must_use]
pub fn certbind_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("CERTBIND_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile_dir.join("certbind-under-test");
    assert!(
        bin.is_file(),
        "{} is missing: run the tests with cargo test -p certbind-tests (it builds the binary)",
        bin.display()
    );
    bin
}

/// Runs `certbind ARGS` with `env`; returns its output.
#[must_use]
pub fn certbind(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(certbind_bin())
        .args(args)
        .envs(env.iter().copied())
        .env_remove("CERTBIND_CONFIG")
        .output()
        .unwrap()
}

/// Runs `certbind ARGS` and panics with its output unless it succeeds; returns stdout.
#[must_use]
pub fn certbind_ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = certbind(args, env);
    assert!(
        out.status.success(),
        "certbind {args:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `certbind serve` process.
#[derive(Debug)]
pub struct Replica {
    child: Child,
    log: PathBuf,
    /// Port of its mTLS listener.
    pub port: u16,
    /// `https://localhost:<port>`.
    pub base: String,
}

impl Replica {
    /// Starts `certbind serve --config CONFIG --listen 127.0.0.1:<free port>` with `env`, its
    /// log in `log_dir`, and waits until it listens.
    #[must_use]
    pub fn start(config: &Path, env: &[(&str, &str)], log_dir: &Path, name: &str) -> Self {
        let mut replica = Self::spawn(config, env, log_dir, name, free_port(), &[]);
        replica.wait_listening();
        replica
    }

    /// Starts `certbind serve --config CONFIG --listen 127.0.0.1:PORT --workers 2 ARGS…` with
    /// `env` and its log in `log_dir/NAME.log`, without waiting for it.
    #[must_use]
    pub fn spawn(
        config: &Path,
        env: &[(&str, &str)],
        log_dir: &Path,
        name: &str,
        port: u16,
        args: &[&str],
    ) -> Self {
        let log = log_dir.join(format!("{name}.log"));
        let child = Command::new(certbind_bin())
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--workers")
            .arg("2")
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Self {
            child,
            log,
            port,
            base: format!("https://localhost:{port}"),
        }
    }

    /// Waits (at most 30 s) until its port accepts TCP connections.
    ///
    /// # Panics
    /// When the process exits first, or the port never accepts.
    pub fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("certbind serve exited ({status}):\n{}", self.log());
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "certbind serve does not listen on {}:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its log so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Its process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends it a signal by name (`TERM`, `INT`, `HUP`, `KILL`).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {name} {}", self.child.id());
    }

    /// Its exit status, if it has exited.
    #[must_use]
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits at most `limit` for it to exit; its exit status.
    ///
    /// # Panics
    /// When it is still running after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "certbind serve still runs after {limit:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // A stop signal starts the drain; a second one (another kind: signals of one kind that
        // arrive together count once) exits at once.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        std::thread::sleep(Duration::from_millis(50));
        let _ = Command::new("kill").args(["-INT", &pid]).status();
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

/// Requests to a replica, with the test PKI's certificates.
#[derive(Debug, Clone)]
pub struct Endpoint<'a> {
    /// The test PKI.
    pub pki: &'a TestPki,
    /// `https://localhost:<port>`.
    pub base: String,
}

impl<'a> Endpoint<'a> {
    /// Requests to `replica`.
    #[must_use]
    pub fn of(pki: &'a TestPki, replica: &Replica) -> Self {
        Self {
            pki,
            base: replica.base.clone(),
        }
    }

    /// A form POST presenting `identity`'s certificate.
    pub async fn post_form(
        &self,
        identity: Option<&str>,
        path: &str,
        form: &[(&str, &str)],
    ) -> Reply {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", crate::server::enc(k), crate::server::enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .pki
            .https_client(identity)
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        TestApp::send(request).await
    }

    /// A client_credentials token request.
    pub async fn token(
        &self,
        identity: Option<&str>,
        client_id: &str,
        scope: Option<&str>,
    ) -> Reply {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.post_form(identity, "/connect/token", &form).await
    }

    /// A GET without a client certificate.
    pub async fn get(&self, path: &str) -> Reply {
        TestApp::send(
            self.pki
                .https_client(None)
                .get(format!("{}{path}", self.base)),
        )
        .await
    }

    /// A JSON request (registration) with an optional bearer token.
    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Reply {
        let mut request = self
            .pki
            .https_client(None)
            .request(method, format!("{}{path}", self.base));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(body).unwrap());
        }
        TestApp::send(request).await
    }
}

/// Polls `check` every 20 ms until it returns `Some`, at most `limit`; returns the value and
/// how long it took, or panics with `what`.
pub async fn within<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> (T, Duration)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return (value, started.elapsed());
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}
