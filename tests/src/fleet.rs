//! A fleet of `certbind serve` replicas on one PostgreSQL database (the shared store): the test
//! PKI, a database of its own in a throwaway cluster, the KEK and an initial access token,
//! migrated; replicas as processes.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::sync::Arc;

use crate::postgres::PgCluster;
use crate::replica::{Replica, certbind, certbind_ok};
use crate::server::TestPki;

/// A fleet: the test PKI and config, a database of its own, the KEK and an initial access
/// token, migrated and imported.
#[derive(Debug)]
pub struct Fleet {
    /// The test PKI (and the folder of the config and the replicas' logs).
    pub pki: TestPki,
    /// `certbind.toml`.
    pub config: PathBuf,
    /// The key-encryption key (`CERTBIND_KEK`).
    pub kek: String,
    /// An RFC 7591 initial access token the config accepts.
    pub initial_token: String,
    /// The fleet's database.
    pub database: String,
    /// The PostgreSQL cluster it lives in.
    pub cluster: Arc<PgCluster>,
}

impl Fleet {
    /// A new database in `cluster`, the test config with `[store]` (plus `extra_store`) and
    /// `[registration]`, migrated (the first signing key sealed).
    #[must_use]
    pub fn new(cluster: Arc<PgCluster>, extra_store: &str) -> Self {
        let pki = TestPki::new();
        let database = cluster.create_database("fleet");
        let kek = certbind_ok(&["keys", "new-kek"], &[]).trim().to_owned();
        assert_eq!(kek.len(), 64);
        let new_token = certbind(&["registration", "new-token"], &[]);
        assert!(new_token.status.success());
        let initial_token = String::from_utf8(new_token.stdout)
            .unwrap()
            .trim()
            .to_owned();
        let advice = String::from_utf8(new_token.stderr).unwrap();
        let line = advice
            .lines()
            .find(|l| l.starts_with("initial_access_tokens"))
            .unwrap()
            .to_owned();
        let config = pki.dir().join("certbind.toml");
        std::fs::write(
            &config,
            format!(
                "{}\n[store]\nkind = \"postgres\"\nurl = \"{}\"\nresync_interval = 30\n{extra_store}\n\n[registration]\n{line}\n",
                // One issuer for the fleet (the balancer's URL), not each replica's own address.
                pki.config(false).replace("[server]\n", "[server]\nissuer = \"https://auth.fleet.test\"\n"),
                cluster.url(&database)
            ),
        )
        .unwrap();
        let fleet = Self {
            pki,
            config,
            kek,
            initial_token,
            database,
            cluster,
        };
        let migrated = certbind_ok(
            &["db", "migrate", "--config", &fleet.config_arg()],
            &fleet.env(),
        );
        assert!(migrated.contains("applied [1]"), "{migrated}");
        assert!(migrated.contains("signing key"), "{migrated}");
        fleet
    }

    /// The config file's path as an argument.
    #[must_use]
    pub fn config_arg(&self) -> String {
        self.config.display().to_string()
    }

    /// The environment every certbind command and replica of the fleet needs.
    #[must_use]
    pub fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("CERTBIND_KEK", self.kek.as_str()),
            (
                "CERTBIND_LOG",
                "warn,certbind::audit=info,certbind::store=info",
            ),
        ]
    }

    /// `certbind clients import`: its output.
    pub fn import(&self) -> String {
        certbind_ok(
            &["clients", "import", "--config", &self.config_arg()],
            &self.env(),
        )
    }

    /// A replica on a free port.
    #[must_use]
    pub fn replica(&self, name: &str) -> Replica {
        Replica::start(&self.config, &self.env(), self.pki.dir(), name)
    }

    /// SQL in the fleet's database.
    #[must_use]
    pub fn sql(&self, sql: &str) -> String {
        self.cluster.sql(&self.database, sql)
    }
}
