//! The certificate structure check ([`super::check`]) accepts exactly what
//! `x509_cert::Certificate::from_der` accepts, and rejects the rest with the same error (kind and
//! byte position): compared on the fixtures, the system CA bundle, and thousands of
//! structure-aware mutations of them ([`crate::der_mutations`]).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use der::Decode;

use super::check::check;
use crate::der_mutations::{Rng, certificates, mutants};

/// Our answer and x509-cert's agree for `der`; returns whether x509-cert accepted it.
fn assert_same(der: &[u8]) -> bool {
    let ours = check(der);
    let theirs = x509_cert::Certificate::from_der(der);
    match (&ours, &theirs) {
        (Ok(()), Ok(_)) => true,
        (Err(ours), Err(theirs)) => {
            assert_eq!(
                (ours.position(), ours.kind()),
                (theirs.position(), theirs.kind()),
                "different error for {der:02X?}"
            );
            false
        }
        _ => panic!("ours {ours:?}, x509-cert {theirs:?} for {der:02X?}"),
    }
}

#[test]
fn the_check_agrees_with_x509_cert_on_real_and_mutated_certificates() {
    let seeds = certificates();
    assert!(seeds.len() > 10, "{} seeds", seeds.len());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut accepted, mut rejected) = (0, 0);
    let mut certificates = 0;
    for seed in &seeds {
        // The fixtures include non-certificates (keys, a CRL, a CSR): compared, not mutated.
        if !assert_same(seed) {
            continue;
        }
        certificates += 1;
        for der in mutants(seed, 150, &mut rng) {
            if assert_same(&der) {
                accepted += 1;
            } else {
                rejected += 1;
            }
        }
        // Raw damage: truncation and a changed byte near the start (tags and lengths).
        for _ in 0..10 {
            let mut der = seed.clone();
            if rng.below(2) == 0 {
                der.truncate(rng.below(der.len()));
            } else {
                let at = rng.below(der.len().min(200));
                der[at] = u8::try_from(rng.below(256)).unwrap();
            }
            assert_same(&der);
        }
    }
    // The mutations reach both outcomes in numbers (a guard against a mutator that only
    // produces garbage the outer framing already rejects).
    assert!(certificates > 10, "{certificates} certificates");
    assert!(
        accepted > 500 && rejected > 500,
        "{accepted} accepted, {rejected} rejected"
    );
}
