//! The certificate structure check ([`super::check`]) accepts exactly what
//! `x509_cert::Certificate::from_der` accepts, and rejects the rest with the same error (kind and
//! byte position): compared on the fixtures, the system CA bundle, and thousands of
//! structure-aware mutations of them ([`crate::der_mutations`]). One difference, on purpose:
//! a validity time before 1970 (valid in RFC 5280, outside der's `DateTime`), which the check
//! accepts and x509-cert rejects.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use alloc::vec::Vec;

use der::{Decode, ErrorKind, Tag};

use super::check::check;
use crate::der_mutations::{Rng, certificates, mutants};
use crate::tbs::{elements, split_tlv, walk};
use crate::time::certificate_time;

/// Whether the certificate's notBefore or notAfter is a valid time before 1970.
fn has_time_before_1970(der: &[u8]) -> bool {
    let Ok(raw) = walk(der) else { return false };
    let Ok((_, validity)) = split_tlv(raw.validity) else {
        return false;
    };
    elements(validity).any(|time| {
        let Ok((tag, content)) = time.and_then(split_tlv) else {
            return false;
        };
        certificate_time(tag == Tag::GeneralizedTime, content).is_ok_and(|t| t < 0)
    })
}

/// Whether x509-cert refused a valid time before 1970: its error is a time it cannot read, and
/// the time whose TLV ends at the error's position is a valid date before 1970.
fn refused_as_before_1970(der: &[u8], err: &der::Error) -> bool {
    let (generalized, tag_byte, len) = match err.kind() {
        ErrorKind::Value { tag: Tag::UtcTime } => (false, 0x17, 13),
        ErrorKind::Value {
            tag: Tag::GeneralizedTime,
        } => (true, 0x18, 15),
        _ => return false,
    };
    let Some(end) = err.position().and_then(|p| usize::try_from(p).ok()) else {
        return false;
    };
    let Some(tlv) = end
        .checked_sub(len + 2)
        .and_then(|start| der.get(start..end))
    else {
        return false;
    };
    tlv.first() == Some(&tag_byte)
        && tlv.get(1) == Some(&u8::try_from(len).unwrap())
        && certificate_time(generalized, &tlv[2..]).is_ok_and(|t| t < 0)
}

/// Our answer and x509-cert's agree for `der`, but for times before 1970, which only ours
/// accepts; returns whether we accepted it.
fn assert_same(der: &[u8]) -> bool {
    let ours = check(der);
    let theirs = x509_cert::Certificate::from_der(der);
    match (&ours, &theirs) {
        (Ok(()), Ok(_)) => true,
        (Ok(()), Err(theirs)) if refused_as_before_1970(der, theirs) => true,
        // x509-cert stopped at the time; the check read on and found a problem further on
        // (some of der's errors carry no position).
        (Err(ours), Err(theirs)) if refused_as_before_1970(der, theirs) => {
            assert!(
                ours.position().is_none() || ours.position() >= theirs.position(),
                "ours {ours:?}, x509-cert {theirs:?} for {der:02X?}"
            );
            false
        }
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

/// RFC 5280 §4.1.2.5: UTCTime 50–99 is 1950–1999; GeneralizedTime has any year from 0000. The
/// dates must still exist (month, day, hour, minute, second in range), as for later years.
#[test]
fn times_before_1970_are_accepted_and_impossible_dates_are_not() {
    let seeds: Vec<Vec<u8>> = certificates()
        .into_iter()
        .filter(|der| check(der).is_ok() && !has_time_before_1970(der))
        .collect();
    // A seed with `time` in place of its first validity time of the same type and length.
    let with_time = |time: &[u8]| -> Vec<u8> {
        for seed in &seeds {
            let raw = walk(seed).unwrap();
            let (_, validity) = split_tlv(raw.validity).unwrap();
            for tlv in elements(validity) {
                let tlv = tlv.unwrap();
                if tlv.len() == time.len() && tlv.first() == time.first() {
                    let at = seed.windows(tlv.len()).position(|w| w == tlv).unwrap();
                    let mut der = seed.clone();
                    der[at..at + tlv.len()].copy_from_slice(time);
                    return der;
                }
            }
        }
        panic!("no seed with a time like {time:02X?}");
    };
    for (time, valid) in [
        (&b"\x17\x0d500101000000Z"[..], true),
        (b"\x17\x0d691231235959Z", true),
        (b"\x18\x0f19000101000000Z", true),
        (b"\x18\x0f19690720201800Z", true),
        (b"\x18\x0f00000101000000Z", true),
        (b"\x17\x0d690230000000Z", false),
        (b"\x18\x0f19000229000000Z", false),
        (b"\x18\x0f19691231240000Z", false),
    ] {
        let der = with_time(time);
        let what = alloc::string::String::from_utf8_lossy(&time[2..]);
        assert_eq!(check(&der).is_ok(), valid, "{what}");
        assert_eq!(has_time_before_1970(&der), valid, "{what}");
        // x509-cert refuses them all (der's DateTime starts at 1970).
        let theirs = x509_cert::Certificate::from_der(&der).unwrap_err();
        assert_eq!(refused_as_before_1970(&der, &theirs), valid, "{what}");
    }
}
