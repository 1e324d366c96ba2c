//! The summary of a normalised thumbprint: one line per kind of change, in the words `certbind
//! normalize` prints and the npm package and checker page show. A pasted Windows thumbprint with
//! 19 spaces is three lines, not 36 rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use certbind_core::{ChangeKind, normalize_thumbprint};

fn summary(text: &str) -> Vec<String> {
    normalize_thumbprint(text).unwrap().summary
}

#[test]
fn a_windows_dialog_thumbprint_is_summed_up_in_three_lines() {
    // The certificate dialog's "Thumbprint" field, copied: a U+200E first, bytes separated by
    // spaces, lowercase.
    let pasted = "\u{200e}61 b7 54 c5 41 bb cf c6 a4 5a 9e 9e c5 e4 7d 87 02 b7 8c 29";
    let n = normalize_thumbprint(pasted).unwrap();
    assert_eq!(n.value, "61B754C541BBCFC6A45A9E9EC5E47D8702B78C29");
    assert_eq!(
        n.changes.len(),
        1 + 19 + 16,
        "every character is still listed"
    );
    assert_eq!(
        n.summary,
        [
            "removed invisible U+200E LEFT-TO-RIGHT MARK at position 0",
            "removed 19 whitespace character(s) (U+0020 SPACE), first at position 3",
            "made 16 lowercase hex digit(s) uppercase",
        ]
    );
}

#[test]
fn each_invisible_character_has_its_own_line_and_the_label_is_quoted_as_pasted() {
    let pasted = "\u{feff}SHA1 Fingerprint=61:B7:54:C5:41:BB:CF:C6:A4:5A:9E:9E:C5:E4:7D:87:02:B7:8C:\u{200b}29";
    assert_eq!(
        summary(pasted),
        [
            "removed invisible U+FEFF ZERO WIDTH NO-BREAK SPACE at position 0",
            "removed invisible U+200B ZERO WIDTH SPACE at position 75",
            "removed the label \"SHA1 Fingerprint=\" at position 1",
            "removed 1 whitespace character(s) (U+0020 SPACE), first at position 5",
            "removed 19 separator(s) (':'), first at position 20",
        ]
    );
}

#[test]
fn prefixes_quotes_padding_and_base64_rewrites_are_counted_per_kind() {
    assert_eq!(
        summary("\"0x61b754c541bbcfc6a45a9e9ec5e47d8702b78c29\""),
        [
            "removed 2 prefix character(s) ('0', 'x'), first at position 1",
            "removed 2 quote(s) ('\"'), first at position 0",
            "made 16 lowercase hex digit(s) uppercase",
        ]
    );
    assert_eq!(
        summary("x5t#S256: uBWy5CxPYWX8/eZdYjKlXRtVv8xIGnjCNlYPiPM4e8I="),
        [
            "removed the label \"x5t#S256:\" at position 0",
            "removed 1 whitespace character(s) (U+0020 SPACE), first at position 9",
            "removed 1 padding character(s) ('='), first at position 53",
            "rewrote 1 standard base64 character(s) ('+', '/') as base64url ('-', '_')",
        ]
    );
    // Several kinds of whitespace: each distinct character named once.
    assert_eq!(
        summary("61B754C541BBCFC6A45A9E9E\u{a0}C5E47D87\t02B78C29 "),
        [
            "removed 3 whitespace character(s) (U+0009 CHARACTER TABULATION, U+0020 SPACE, U+00A0 NO-BREAK SPACE), first at position 24"
        ]
    );
}

#[test]
fn a_clean_value_has_no_summary_and_every_change_is_counted_once() {
    assert!(summary("61B754C541BBCFC6A45A9E9EC5E47D8702B78C29").is_empty());
    // Whatever the mix, the counts in the summary add up to the changes listed.
    let pasted =
        "\u{200e}\u{200f} 61:b7:54:c5:41:bb:cf:c6:a4:5a:9e:9e:c5:e4:7d:87:02:b7:8c:29\u{feff}";
    let n = normalize_thumbprint(pasted).unwrap();
    let counted: usize = n
        .summary
        .iter()
        .map(|line| {
            if line.starts_with("removed invisible") {
                1
            } else {
                line.split(' ')
                    .find_map(|w| w.parse::<usize>().ok())
                    .unwrap()
            }
        })
        .sum();
    assert_eq!(counted, n.changes.len());
    assert_eq!(
        n.changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Invisible)
            .count(),
        3
    );
}
