//! RFC 3339 reading and writing (`parse_rfc3339`, `format_rfc3339`), checked against GNU `date`
//! as an independent calendar.

// Helpers outside #[test] functions panic on purpose: clippy's allow-*-in-tests does not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use core::time::Duration;
use std::process::Command;

use certbind_core::{Error, UnixTime, format_rfc3339, parse_rfc3339};

/// Seconds since the epoch by GNU `date -d`.
fn gnu_seconds(text: &str) -> u64 {
    let out = Command::new("date")
        .args(["-u", "-d", text, "+%s"])
        .output()
        .expect("GNU date is needed for this test");
    assert!(out.status.success(), "date -d {text:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// RFC 3339 UTC by GNU `date`.
fn gnu_format(seconds: u64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{seconds}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .expect("GNU date is needed for this test");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn at(seconds: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(seconds))
}

#[test]
fn formatting_agrees_with_gnu_date() {
    for seconds in [
        0,
        1,
        951_782_400,
        2_147_483_647,
        2_147_483_648,
        4_102_444_800,
        253_402_300_799,
    ]
    .into_iter()
    .chain((0..40).map(|i| i * 6_311_543_217 % 253_402_300_799))
    {
        assert_eq!(
            format_rfc3339(at(seconds)),
            gnu_format(seconds),
            "{seconds}"
        );
    }
}

#[test]
fn parsing_agrees_with_gnu_date() {
    for text in [
        "1970-01-01T00:00:00Z",
        "2000-02-29T12:34:56Z",
        "2024-02-29T23:59:59Z",
        "2038-01-19T03:14:08Z",
        "2100-03-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2025-06-01T10:00:00+02:00",
        "2025-06-01T10:00:00-05:30",
        "2025-06-01T00:30:00+01:00",
    ] {
        assert_eq!(
            parse_rfc3339(text).unwrap().as_secs(),
            gnu_seconds(text),
            "{text}"
        );
    }
}

#[test]
fn rfc3339_allowances_are_accepted() {
    let base = parse_rfc3339("2025-01-31T23:59:59Z").unwrap();
    for text in [
        "2025-01-31t23:59:59z",
        "2025-01-31 23:59:59Z",
        "2025-01-31T23:59:59.999Z",
        "2025-02-01T00:59:59+01:00",
        "2025-01-31T23:59:59+00:00",
        "2025-01-31T23:59:59-00:00",
    ] {
        assert_eq!(parse_rfc3339(text).unwrap(), base, "{text}");
    }
    // A leap second is the first second of the next minute.
    assert_eq!(
        parse_rfc3339("2016-12-31T23:59:60Z").unwrap().as_secs(),
        gnu_seconds("2017-01-01T00:00:00Z")
    );
}

#[test]
fn round_trips() {
    for seconds in (0..2000).map(|i| i * 126_701_153) {
        assert_eq!(
            parse_rfc3339(&format_rfc3339(at(seconds))).unwrap(),
            at(seconds)
        );
    }
}

#[test]
fn every_error_names_the_problem() {
    for (text, reason) in [
        ("", "expected a 4-digit year at the start"),
        ("20251-01-01T00:00:00Z", "expected '-' after the year"),
        (
            "2025-1-01T00:00:00Z",
            "expected a 2-digit month after the year",
        ),
        ("2025-01-01", "the time of day is missing (e.g. T00:00:00Z)"),
        (
            "2025-01-01X00:00:00Z",
            "expected 'T' between the date and the time",
        ),
        ("2025-01-01T0:00:00Z", "expected a 2-digit hour after 'T'"),
        (
            "2025-01-01T00:00Z",
            "expected ':' and seconds after the minutes (RFC 3339 requires them)",
        ),
        ("2025-01-01T00:00:0Z", "expected 2-digit seconds"),
        (
            "2025-01-01T00:00:00",
            "the UTC offset is missing (add 'Z' for UTC)",
        ),
        (
            "2025-01-01T00:00:00.Z",
            "expected digits after the decimal point",
        ),
        ("2025-01-01T00:00:00+0100", "expected ':' in the UTC offset"),
        (
            "2025-01-01T00:00:00+24:00",
            "the UTC offset is out of range",
        ),
        (
            "2025-01-01T00:00:00Q",
            "expected 'Z' or a UTC offset such as +01:00",
        ),
        (
            "2025-01-01T00:00:00Z junk",
            "unexpected characters after the date-time",
        ),
        ("2025-02-29T00:00:00Z", "the date or time is out of range"),
        ("2025-13-01T00:00:00Z", "the date or time is out of range"),
        ("2025-01-01T24:00:00Z", "the date or time is out of range"),
        (
            "1969-12-31T23:59:59Z",
            "before 1970-01-01T00:00:00Z, which certbind cannot represent",
        ),
        (
            "1970-01-01T00:30:00+01:00",
            "before 1970-01-01T00:00:00Z, which certbind cannot represent",
        ),
    ] {
        let e = parse_rfc3339(text).unwrap_err();
        assert_eq!(
            e,
            Error::InvalidTime {
                input: text.to_string(),
                reason: reason.to_string()
            },
            "{text}"
        );
        assert_eq!(
            e.to_string(),
            format!("invalid date-time {text:?}: {reason} (expected RFC 3339)")
        );
    }
    assert!(matches!(
        parse_rfc3339(&"9".repeat(100)),
        Err(Error::InvalidTime { .. })
    ));
}
