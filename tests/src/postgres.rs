//! A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` in a scratch folder, its
//! own port on 127.0.0.1 and its own socket folder, trust authentication for the user
//! `certbind`, stopped (`pg_ctl stop -m immediate`) and removed when dropped.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
//! `postgres` user the Debian package creates, in a folder handed to it (`chown`). Binaries come
//! from `CERTBIND_PG_BIN`, `pg_config --bindir`, or Debian's `/usr/lib/postgresql/<n>/bin`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::proxy::free_port;
use crate::server::TempDir;

/// The database user the tests connect as.
pub const USER: &str = "certbind";

/// A running throwaway cluster.
#[derive(Debug)]
pub struct PgCluster {
    dir: TempDir,
    bin: PathBuf,
    /// Port on 127.0.0.1.
    pub port: u16,
    run_as: Option<String>,
    /// Server options besides port, socket folder and address (TLS).
    options: Mutex<String>,
}

/// The folder of PostgreSQL's server binaries.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CERTBIND_PG_BIN") {
        return PathBuf::from(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() {
            return dir;
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    versions.retain(|d| d.join("initdb").is_file());
    versions.sort();
    versions.pop().unwrap_or_else(|| {
        panic!("PostgreSQL is not installed: run scripts/setup.sh (Debian package postgresql)")
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl PgCluster {
    /// Creates and starts a cluster (about a second).
    #[must_use]
    pub fn start() -> Self {
        let dir = TempDir::new("certbind-pg");
        let run_as = is_root().then(|| "postgres".to_owned());
        if let Some(user) = &run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown {user} {}", dir.path().display());
        }
        let cluster = Self {
            dir,
            bin: bin_dir(),
            port: free_port(),
            run_as,
            options: Mutex::new(String::new()),
        };
        let data = cluster.data();
        let out = cluster.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-A",
                "trust",
                "-U",
                USER,
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        assert!(out.status.success(), "initdb failed:\n{}", text(&out));
        cluster.start_again();
        cluster
    }

    /// The cluster of this test process, shared by its tests (each uses its own database, see
    /// [`PgCluster::create_database`]); stopped when the last test holding it ends.
    #[must_use]
    pub fn shared() -> Arc<Self> {
        static SHARED: Mutex<Weak<PgCluster>> = Mutex::new(Weak::new());
        let mut slot = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cluster) = slot.upgrade() {
            return cluster;
        }
        let cluster = Arc::new(Self::start());
        *slot = Arc::downgrade(&cluster);
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs a PostgreSQL binary (as the server's user when root).
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let binary = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        command.args(args).current_dir(self.dir.path());
        command.output().unwrap()
    }

    /// Restarts the cluster with TLS on (`ssl=on`), serving `certificate` (PEM chain) and
    /// `key` (PEM), copied into its folder for the server's user.
    pub fn enable_tls(&self, certificate: &Path, key: &Path) {
        let (cert_copy, key_copy) = (self.dir().join("server.crt"), self.dir().join("server.key"));
        std::fs::copy(certificate, &cert_copy).unwrap();
        std::fs::copy(key, &key_copy).unwrap();
        let mode = Command::new("chmod")
            .arg("600")
            .arg(&key_copy)
            .status()
            .unwrap();
        assert!(mode.success());
        if let Some(user) = &self.run_as {
            for file in [&cert_copy, &key_copy] {
                let owner = Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(file)
                    .status()
                    .unwrap();
                assert!(owner.success());
            }
        }
        *self.options.lock().unwrap() = format!(
            " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            cert_copy.display(),
            key_copy.display()
        );
        self.stop_immediate();
        self.start_again();
    }

    /// Starts the (stopped) cluster and waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off{}",
            self.port,
            self.dir.path().display(),
            self.options.lock().unwrap()
        );
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &self.dir.path().join("server.log").display().to_string(),
                "-w",
                "-t",
                "30",
                "-o",
                &options,
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed:\n{}\n{}",
            text(&out),
            self.log()
        );
    }

    /// Stops the cluster as a crash would (`pg_ctl stop -m immediate`).
    pub fn stop_immediate(&self) {
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        assert!(out.status.success(), "pg_ctl stop failed:\n{}", text(&out));
    }

    /// The server's log.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// A URL for `database` (TLS off: loopback).
    #[must_use]
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{USER}@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }

    /// Creates a database of its own for one test; returns its name.
    #[must_use]
    pub fn create_database(&self, prefix: &str) -> String {
        let mut bytes = [0_u8; 4];
        openssl::rand::rand_bytes(&mut bytes).unwrap();
        let name = format!(
            "{prefix}_{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let _ = self.sql("postgres", &format!("CREATE DATABASE {name}"));
        name
    }

    /// Runs SQL with `psql` and returns its unaligned, tuples-only output.
    #[must_use]
    pub fn sql(&self, database: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
            .args(["-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "psql {sql}:\n{}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Waits until the server accepts connections again (after [`PgCluster::start_again`]).
    pub fn wait_ready(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let ok = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("PostgreSQL is not ready:\n{}", self.log());
    }

    /// The scratch folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Stop as fast as possible; the folder goes with the TempDir.
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
