//! The abuse test, short version (bench/abuse.sh runs the full numbers): idle TCP
//! connections, stalled TLS handshakes, slow-header requests and bursts of oversized bodies at
//! once against a `certbind serve` process with the default limits, twice, while a real mTLS
//! client gets tokens. Asserted ([`Bounds::CI`]): no failed request and a p99 under 1 s (no
//! test depends on the machine's speed; bench/abuse.sh asserts 100 ms on a release build), the
//! server's RSS and open files under their bounds, open files and RSS back to baseline after
//! each attack (RSS within 16 MiB: the server gives freed memory back, `memory_release_interval`)
//! and RSS not growing from one attack to the next.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use certbind_tests::abuse::{AbusePlan, Bounds, Server, run};

    #[test]
    fn the_real_client_is_served_within_bounds_while_every_kind_of_attacker_holds_the_listener() {
        let server = Server::start("", "");
        let report = run(&server.target, AbusePlan::SHORT, Bounds::CI);
        println!("{}", serde_json::to_string_pretty(&report).unwrap());
        let problems = report.problems(Bounds::CI);
        assert!(
            problems.is_empty(),
            "{}\nserver log:\n{}",
            problems.join("\n"),
            server.replica.log()
        );
        // The attackers were really refused and cut off, not just ignored.
        for round in &report.rounds {
            assert!(round.attack.closed_by_server > 0, "{round:?}");
            assert!(round.attack.oversized_refused > 0, "{round:?}");
        }
    }
}
