//! `certbind clients add` rewrites the config file in place: the file keeps its mode and owner
//! (a 0600 `certbind.toml` stays 0600), and a symbolic link to it stays a link.

#![cfg(unix)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_certbind");

/// A development PKI and config in a fresh folder, removed on drop.
struct DevDir(PathBuf);

impl DevDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("certbind-clients-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
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
        Self(dir)
    }
}

impl Drop for DevDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn add(config: &Path, client_id: &str, cert: &Path) -> Output {
    Command::new(BIN)
        .args(["clients", "add", "--config"])
        .arg(config)
        .args(["--client-id", client_id, "--scope", "read", "--cert"])
        .arg(cert)
        .env_remove("CERTBIND_CONFIG")
        .output()
        .unwrap()
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[test]
fn clients_add_keeps_the_mode_and_owner_of_the_config_file() {
    let dir = DevDir::new("mode");
    let config = dir.0.join("certbind.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    // Owned by another user and group, when the test may give it away (CI runs as root).
    let owner = if is_root() {
        std::os::unix::fs::chown(&config, Some(65_534), Some(65_534)).unwrap();
        (65_534, 65_534)
    } else {
        let m = std::fs::metadata(&config).unwrap();
        (m.uid(), m.gid())
    };

    let out = add(&config, "second", &dir.0.join("client.pem"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::metadata(&config).unwrap();
    assert_eq!(
        after.permissions().mode() & 0o7777,
        0o600,
        "a 0600 config stays 0600"
    );
    assert_eq!((after.uid(), after.gid()), owner, "the owner stays");
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("client_id = \"second\"")
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("certbind-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A group-readable config stays group-readable (the mode is kept, not forced to 0600).
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = add(&config, "third", &dir.0.join("client.pem"));
    assert!(out.status.success());
    let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640);
}

#[test]
fn clients_add_through_a_symbolic_link_replaces_the_file_it_points_to() {
    let dir = DevDir::new("link");
    let config = dir.0.join("certbind.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.0.join("current.toml");
    std::os::unix::fs::symlink("certbind.toml", &link).unwrap();

    let out = add(&link, "second", &dir.0.join("client.pem"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("client_id = \"second\""), "{text}");
    let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600);
}
