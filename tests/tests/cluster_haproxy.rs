//! The fleet behind real load balancers, as `bench/cluster.sh` runs it, at CI scale (about half
//! a minute): PostgreSQL, three `certbind serve` replicas on one store, HAProxy in TCP mode (TLS
//! passed through) and HAProxy terminating TLS (the certificate forwarded), both checking
//! `/readyz`, token load from keep-alive (HTTP/1.1 and HTTP/2) and new-handshake clients through
//! both at once while the replicas are restarted one by one, one is killed, a client is
//! registered and a token revoked through one replica, the key is rotated and the database is
//! stopped.
//!
//! Asserted: zero failed token requests through both balancers during the rolling restart and
//! the database outage, and none at all but those in flight on the killed replica; the balancers
//! took it out and back in; registration and revocation seen at every replica (and through the
//! balancer) within a second; every token of the run verified against every replica's JWKS,
//! with both signing keys; every SIGTERM answered by exit 0.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;
use std::process::Command;

use certbind_tests::proxy::free_port;
use certbind_tests::replica::certbind_bin;
use certbind_tests::server::TempDir;

#[test]
fn replicas_behind_haproxy_lose_no_request_through_restarts_and_an_outage() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let certbind = certbind_bin();
    let client = Path::new(env!("CARGO_BIN_EXE_cluster-client"));
    let work = TempDir::new("certbind-cluster");
    // PostgreSQL (as `postgres` when root) must reach its folder.
    let _ = Command::new("chmod").arg("755").arg(work.path()).status();
    let ports: Vec<String> = (0..9).map(|_| free_port().to_string()).collect();
    let run = Command::new("bash")
        .arg(repo.join("bench/cluster.sh"))
        .env("SCALE", "short")
        .env("WORK", work.path().join("run"))
        .env("CERTBIND", &certbind)
        .env("CLIENT", client)
        .env("PORTS", ports.join(" "))
        .env_remove("CERTBIND_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    let results = std::fs::read_to_string(work.path().join("run/results.json"))
        .unwrap_or_else(|e| panic!("no results.json ({e}):\n{stdout}\n{stderr}"));
    let results: serde_json::Value = serde_json::from_str(&results).unwrap();
    // What the balancers saw (servers going DOWN and UP, and why), for a failure's message.
    let balancer_logs: String = ["passthrough", "terminating"]
        .iter()
        .map(|b| {
            let log =
                std::fs::read_to_string(work.path().join(format!("run/logs/haproxy-{b}.log")))
                    .unwrap_or_default();
            format!("{b}:\n{log}")
        })
        .collect();
    assert!(
        run.status.success() && results["failed_claims"] == serde_json::json!([]),
        "claims not met: {}\n{stdout}\n{stderr}\n{balancer_logs}",
        results["failed_claims"]
    );
    for balancer in ["passthrough", "terminating"] {
        let load = &results["balancers"][balancer]["summary"]["load"];
        let phase = |name: &str| {
            load["phases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{balancer}: no phase {name}: {load}"))
                .clone()
        };
        for name in ["rolling-restart", "database-down"] {
            let p = phase(name);
            assert_eq!(p["failed"], 0, "{balancer} {name}: {p}");
            assert!(p["ok"].as_u64().unwrap() > 0, "{balancer} {name}: {p}");
        }
        assert_eq!(load["failed_not_at_a_kill"], 0, "{balancer}: {load}");
        let tokens = &results["balancers"][balancer]["summary"]["tokens"];
        assert!(tokens["issued"].as_u64().unwrap() > 0);
        assert_eq!(tokens["verified"], tokens["issued"], "{balancer}: {tokens}");
        assert!(tokens["kids"].as_object().unwrap().len() >= 2, "{tokens}");
        for probe in ["register", "revoke"] {
            let p = &results["balancers"][balancer][probe];
            assert_eq!(p["within_limit"], true, "{balancer} {probe}: {p}");
        }
    }
    println!("{stdout}");
}
