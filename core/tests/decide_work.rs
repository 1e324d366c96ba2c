//! What a decision costs and how long its answer holds: a disabled client is refused before
//! anything is verified, diagnostic hints are worked out only when asked for, and `next_change`
//! says until when the same request gets the same answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use core::sync::atomic::{AtomicUsize, Ordering};

use certbind_core::{
    ClientReason, Decision, DecisionContext, MemoryFiles, Reason, SignatureCache, ThumbprintHint,
    UnixTime, decide, explain, next_change, parse_rfc3339,
};
use pki::{Ca, LeafSpec, now};

/// A signature cache that remembers nothing and counts how often it is asked: chain validation
/// asks it before every signature verification.
#[derive(Debug, Default)]
struct CountingCache {
    asked: AtomicUsize,
}

impl SignatureCache for CountingCache {
    fn contains(&self, _key: &[u8; 32]) -> bool {
        self.asked.fetch_add(1, Ordering::Relaxed);
        false
    }

    fn insert(&self, _key: [u8; 32]) {}
}

fn tls_client_auth_registry(client_lines: &str, secret_lines: &str) -> String {
    format!(
        r#"trust_anchors = ["ca.pem"]

[[clients]]
client_id = "pkiclient"
scopes = ["read"]
{client_lines}
[[clients.secrets]]
type = "tls_client_auth"
subject_dn = "CN=pkiclient,O=Example,C=US"
{secret_lines}
"#
    )
}

fn time(rfc3339: &str) -> UnixTime {
    parse_rfc3339(rfc3339).unwrap()
}

#[test]
fn a_disabled_client_is_refused_before_its_chain_is_verified() {
    let root = Ca::root("Example Root");
    let issuing = root.intermediate("Example Issuing CA");
    let leaf = issuing.issue(&LeafSpec::client("pkiclient"));
    let files = || MemoryFiles::new().with("ca.pem", root.pem.clone());
    let presented = pki::presented(&leaf.der, &[&issuing.der]);
    let cache = CountingCache::default();

    let enabled = pki::load(&tls_client_auth_registry("", ""), files());
    let mut ctx = DecisionContext::for_registry(&enabled.registry, now());
    ctx.signature_cache = Some(&cache);
    assert!(decide(&enabled.registry.clients[0], &presented, &ctx).is_accepted());
    assert!(
        cache.asked.load(Ordering::Relaxed) > 0,
        "the chain of an enabled client is verified"
    );

    let disabled = pki::load(&tls_client_auth_registry("enabled = false", ""), files());
    let client = &disabled.registry.clients[0];
    let mut ctx = DecisionContext::for_registry(&disabled.registry, now());
    ctx.signature_cache = Some(&cache);
    cache.asked.store(0, Ordering::Relaxed);
    let rejection = pki::rejection(decide(client, &presented, &ctx));
    assert_eq!(rejection.client_reasons, vec![ClientReason::Disabled]);
    assert!(rejection.secrets.is_empty(), "{rejection:?}");
    assert_eq!(
        cache.asked.load(Ordering::Relaxed),
        0,
        "no signature is verified for a disabled client"
    );

    // An explanation still says that the secret would match.
    let explanation = explain(client, &presented, &ctx);
    assert!(!explanation.decision.is_accepted());
    assert!(explanation.secrets[0].result.is_ok(), "{explanation:?}");
}

#[test]
fn hints_are_worked_out_only_when_asked_for() {
    let root = Ca::root("Example Root");
    let issuing = root.intermediate("Example Issuing CA");
    let leaf = issuing.issue(&LeafSpec::client("certclient"));
    // The intermediate's thumbprints registered instead of the client's (a common mistake).
    let toml = format!(
        r#"
[[clients]]
client_id = "certclient"
scopes = ["read"]
[[clients.secrets]]
type = "x509_thumbprint"
value = "{}"
[[clients.secrets]]
type = "self_signed_tls_client_auth"
sha256 = "{}"
"#,
        pki::sha2_for_tests::sha1_hex(&issuing.der),
        pki::sha2_for_tests::sha256_hex(&issuing.der),
    );
    let loaded = pki::load(&toml, MemoryFiles::new());
    let client = &loaded.registry.clients[0];
    let presented = pki::presented(&leaf.der, &[&issuing.der]);
    let reasons = |hints: bool| -> Vec<Reason> {
        let mut ctx = DecisionContext::for_registry(&loaded.registry, now());
        ctx.hints = hints;
        let rejection = pki::rejection(decide(client, &presented, &ctx));
        rejection.secrets.into_iter().map(|s| s.reason).collect()
    };
    let hint = |reason: &Reason| match reason {
        Reason::ThumbprintDiffers { hint, .. } | Reason::CertificateNotRegistered { hint, .. } => {
            hint.clone()
        }
        other => panic!("unexpected reason {other:?}"),
    };
    let with = reasons(true);
    assert_eq!(with.len(), 2);
    for reason in &with {
        assert!(
            matches!(
                hint(reason),
                Some(ThumbprintHint::ChainCertificate { position: 1, .. })
            ),
            "{reason:?}"
        );
    }
    assert!(
        DecisionContext::for_registry(&loaded.registry, now()).hints,
        "hints are on unless turned off"
    );
    let without = reasons(false);
    for (with, without) in with.iter().zip(&without) {
        assert_eq!(hint(without), None, "{without:?}");
        // Everything else is the same.
        let mut stripped = with.clone();
        match &mut stripped {
            Reason::ThumbprintDiffers { hint, .. }
            | Reason::CertificateNotRegistered { hint, .. } => *hint = None,
            _ => {}
        }
        assert_eq!(&stripped, without);
    }
}

/// Whether a decision accepts, and the codes of its reasons (without the instants they name).
fn shape(decision: &Decision) -> (bool, Vec<String>) {
    let Decision::Rejected(rejection) = decision else {
        return (true, Vec::new());
    };
    let mut codes: Vec<String> = rejection
        .client_reasons
        .iter()
        .map(|r| r.code().to_owned())
        .collect();
    for secret in &rejection.secrets {
        let json = serde_json::to_value(&secret.reason).unwrap();
        codes.push(format!("{}/{}", json["code"], json["error"]["code"]));
    }
    (false, codes)
}

#[test]
fn next_change_is_the_first_instant_at_which_the_answer_can_change() {
    let root = Ca::root("Example Root");
    // The issuing CA expires before the client's certificate (2026-01-01) does.
    let issuing = root.intermediate_valid("Short-lived Issuing CA", (2025, 1, 1), (2025, 9, 1));
    let leaf = issuing.issue(&LeafSpec::client("pkiclient"));
    let loaded = pki::load(
        &tls_client_auth_registry("", "expires = 2025-08-01T00:00:00Z"),
        MemoryFiles::new().with("ca.pem", root.pem.clone()),
    );
    let client = &loaded.registry.clients[0];
    let presented = pki::presented(&leaf.der, &[&issuing.der]);
    let decide_at = |t: UnixTime| {
        decide(
            client,
            &presented,
            &DecisionContext::for_registry(&loaded.registry, t),
        )
    };

    // From an hour before the certificate is valid, instant by instant (clock skew 300 s).
    let mut t = time("2024-12-31T23:00:00Z");
    let mut changes = Vec::new();
    let mut answers = vec![shape(&decide_at(t))];
    while let Some(next) = next_change(
        client,
        &presented,
        &DecisionContext::for_registry(&loaded.registry, t),
    ) {
        assert!(next.as_secs() > t.as_secs());
        // The same answer up to the second before it.
        let before =
            UnixTime::since_unix_epoch(core::time::Duration::from_secs(next.as_secs() - 1));
        assert_eq!(
            shape(&decide_at(before)),
            shape(&decide_at(t)),
            "until {next:?}"
        );
        changes.push(certbind_core::format_rfc3339(next));
        answers.push(shape(&decide_at(next)));
        t = next;
    }
    assert_eq!(
        changes,
        [
            "2024-12-31T23:55:00Z", // notBefore − skew: the validity check passes
            "2025-01-01T00:00:00Z", // notBefore: the chain is validated at a later instant
            "2025-08-01T00:00:00Z", // the secret expires
            "2025-09-01T00:00:01Z", // the issuing CA has expired
            "2026-01-01T00:00:01Z", // the certificate has expired (within the skew)
            "2026-01-01T00:05:01Z", // ... and beyond the skew
        ]
    );
    let accepted: Vec<bool> = answers.iter().map(|(accepted, _)| *accepted).collect();
    assert_eq!(accepted, [false, true, true, false, false, false, false]);
}
