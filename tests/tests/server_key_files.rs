//! Private key files: what certbind writes is readable by its owner only, and a key file other
//! users can read is refused (naming the file and the fix) unless `allow_readable_keys = true`.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use std::os::unix::fs::PermissionsExt as _;
    use std::path::Path;

    use certbind_host::Application;
    use certbind_host::state::AppState;
    use certbind_tests::replica::{certbind, certbind_ok};
    use certbind_tests::server::{TempDir, TestPki, spawn_app_from};

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn signing_key(pki: &TestPki) -> std::path::PathBuf {
        std::fs::read_dir(pki.dir().join("keys"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    }

    #[test]
    fn a_tls_key_others_can_read_is_refused_naming_the_file_and_the_fix() {
        let pki = TestPki::new();
        let config = pki.dir().join("certbind.toml");
        std::fs::write(&config, pki.config(false)).unwrap();
        let key = pki.key_path("server");
        chmod(&key, 0o644);
        let loaded = certbind_host::load::load(&config).unwrap();
        let e = actix_web::rt::System::new()
            .block_on(async {
                Application::build_with_keys(&loaded.settings, loaded.registry, loaded.keys)
            })
            .unwrap_err()
            .to_string();
        let fix = format!("chmod 600 {}", key.display());
        assert!(e.starts_with(&format!("{}: ", key.display())), "{e}");
        assert!(e.contains("readable by every user (mode 0644)"), "{e}");
        assert!(e.contains(&fix), "{e}");
        // `certbind check` says the same and fails.
        let out = certbind(&["check", "--config", config.to_str().unwrap()], &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("server.tls.private_key"), "{stderr}");
        assert!(stderr.contains(&fix), "{stderr}");
        // Readable by the owner only, it is used.
        chmod(&key, 0o600);
        let _ = certbind_ok(&["check", "--config", config.to_str().unwrap()], &[]);
    }

    #[actix_rt::test]
    async fn allow_readable_keys_lets_the_server_start_with_readable_keys() {
        let pki = TestPki::new();
        chmod(&pki.key_path("server"), 0o644);
        chmod(&signing_key(&pki), 0o640);
        let config =
            pki.config(false)
                .replacen("[server]\n", "[server]\nallow_readable_keys = true\n", 1);
        let app = spawn_app_from(pki, &config);
        let r = app.token(Some("client"), "certclient", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    #[actix_rt::test]
    async fn a_signing_key_others_can_read_is_refused_at_start_and_at_reload() {
        let pki = TestPki::new();
        let config = pki.dir().join("certbind.toml");
        std::fs::write(&config, pki.config(false)).unwrap();
        let key = signing_key(&pki);
        chmod(&key, 0o604);
        let e = certbind_host::load::load(&config).unwrap_err().to_string();
        assert!(e.contains(&key.display().to_string()), "{e}");
        assert!(e.contains("readable by every user (mode 0604)"), "{e}");
        assert!(e.contains(&format!("chmod 600 {}", key.display())), "{e}");
        // A running server keeps its keys when a reload finds a readable one.
        chmod(&key, 0o600);
        let app = spawn_app_from(pki, &std::fs::read_to_string(&config).unwrap());
        let rotated = certbind_host::keys::rotate(
            &app.pki.dir().join("keys"),
            certbind_host::keys::Algorithm::Es256,
            certbind_host::time::now_unix(),
        )
        .unwrap();
        assert_eq!(mode(&rotated), 0o600, "keys rotate writes 0600");
        chmod(&rotated, 0o660);
        let path = app.config_path.clone();
        let taken = certbind_host::reload::reload_now(&app.state, &move |state: &AppState| {
            certbind_host::load::reload_snapshot(&path, &state.urls)
        });
        assert!(!taken, "the reload is refused");
        assert_eq!(
            app.metric("certbind_reloads_total{result=\"failed\"}")
                .await,
            1
        );
        let r = app.token(Some("client"), "certclient", None).await;
        assert_eq!(r.status, 200, "the previous keys still sign: {}", r.text);
        chmod(&rotated, 0o600);
        let path = app.config_path.clone();
        assert!(certbind_host::reload::reload_now(
            &app.state,
            &move |state: &AppState| { certbind_host::load::reload_snapshot(&path, &state.urls) }
        ));
    }

    #[test]
    fn the_private_keys_certbind_writes_are_readable_by_their_owner_only() {
        let dir = TempDir::new("certbind-key-files");
        let pki = dir.path().join("dev");
        let _ = certbind_ok(&["dev-pki", "--dir", pki.to_str().unwrap()], &[]);
        for name in ["ca.key", "server.key", "client.key", "client.pfx"] {
            assert_eq!(mode(&pki.join(name)), 0o600, "{name}");
        }
        let keys = pki.join("keys");
        let before: Vec<_> = std::fs::read_dir(&keys).unwrap().collect();
        assert_eq!(before.len(), 1);
        let _ = certbind_ok(&["keys", "rotate", "--dir", keys.to_str().unwrap()], &[]);
        for entry in std::fs::read_dir(&keys).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        // The folder it made serves as it is.
        let _ = certbind_ok(
            &[
                "check",
                "--config",
                pki.join("certbind.toml").to_str().unwrap(),
            ],
            &[],
        );
    }

    #[test]
    fn a_kek_file_others_can_read_is_refused() {
        let dir = TempDir::new("certbind-kek-file");
        let file = dir.path().join("kek.hex");
        std::fs::write(&file, "00".repeat(32)).unwrap();
        chmod(&file, 0o644);
        let owner_only = certbind_host::keyfile::KeyFilePolicy::OwnerOnly;
        let e = certbind_host::store::Kek::load(Some(&file), owner_only)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("chmod 600 {}", file.display())), "{e}");
        let allow = certbind_host::keyfile::KeyFilePolicy::AllowReadable;
        assert!(certbind_host::store::Kek::load(Some(&file), allow).is_ok());
        chmod(&file, 0o600);
        assert!(certbind_host::store::Kek::load(Some(&file), owner_only).is_ok());
    }
}
