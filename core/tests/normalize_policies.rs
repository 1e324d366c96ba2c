//! The normaliser's policies (see `certbind_core` docs, "Pasted thumbprints" in core/README.md):
//! labels, separators, `0x`, case, hex versus base64, standard base64, look-alikes.

// Helpers outside #[test] functions panic on purpose: clippy's allow-*-in-tests does not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use certbind_core::{ChangeKind, Error, ThumbprintForm, normalize_thumbprint};

const SHA1: &str = "61B754C4B1F2D4BE0C6DC8CC9E9A11CBDF1E7BE9";
const SHA256: &str = "3E2D6A8F0F1C42B7A9E4D5C6B7A8F9E0D1C2B3A4958677685A4B3C2D1E0F9A8B";

fn bytes_of(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn with_separator(hex: &str, sep: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|p| core::str::from_utf8(p).unwrap())
        .collect::<Vec<_>>()
        .join(sep)
}

fn kinds(n: &certbind_core::NormalizedThumbprint, kind: ChangeKind) -> usize {
    n.changes.iter().filter(|c| c.kind == kind).count()
}

fn err(text: &str) -> Error {
    normalize_thumbprint(text).expect_err(text)
}

#[test]
fn plain_hex_is_recognised_by_length_and_decoded() {
    let n = normalize_thumbprint(SHA1).unwrap();
    assert_eq!(
        (n.form, n.value.as_str(), n.digest.clone()),
        (ThumbprintForm::Sha1Hex, SHA1, bytes_of(SHA1))
    );
    assert!(n.changes.is_empty());
    let n = normalize_thumbprint(SHA256).unwrap();
    assert_eq!(
        (n.form, n.value.as_str(), n.digest.clone()),
        (ThumbprintForm::Sha256Hex, SHA256, bytes_of(SHA256))
    );
}

#[test]
fn lowercase_hex_is_folded_and_each_folded_digit_reported() {
    let n = normalize_thumbprint(&SHA1.to_lowercase()).unwrap();
    assert_eq!(n.value, SHA1);
    let letters: Vec<usize> = SHA1
        .char_indices()
        .filter(|(_, c)| c.is_ascii_alphabetic())
        .map(|(i, _)| i)
        .collect();
    let folded: Vec<usize> = n
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::CaseFolded)
        .map(|c| c.index)
        .collect();
    assert_eq!(folded, letters);
    assert!(n.changes.iter().all(|c| c.kind == ChangeKind::CaseFolded));
}

#[test]
fn openssl_keytool_powershell_and_jose_labels_are_removed_at_the_start() {
    let colons = with_separator(SHA1, ":");
    let colons256 = with_separator(SHA256, ":");
    for (text, expected) in [
        (format!("SHA1 Fingerprint={colons}"), SHA1),
        (format!("sha1 Fingerprint={colons}"), SHA1),
        (format!("SHA256 Fingerprint={colons256}"), SHA256),
        (format!("sha256 Fingerprint={colons256}"), SHA256),
        (format!("SHA-256 Fingerprint: {colons256}"), SHA256),
        (format!("Thumbprint: {SHA1}"), SHA1),
        (format!("Thumbprint = {SHA1}"), SHA1),
        (
            "Thumbprint                                Subject".to_string(),
            "",
        ),
        (format!("  thumbprint   : {SHA1}\r\n"), SHA1),
        (format!("Certificate Thumbprint: {SHA1}"), SHA1),
        (format!("Fingerprint: {SHA1}"), SHA1),
        (format!("SHA1: {colons}"), SHA1),
        (format!("SHA256: {colons256}"), SHA256),
        (format!("SHA1 Thumbprint={SHA1}"), SHA1),
        // certutil -dump, with and without spaces between bytes.
        (
            format!(
                "Cert Hash(sha1): {}",
                with_separator(&SHA1.to_lowercase(), " ")
            ),
            SHA1,
        ),
        (format!("Cert Hash(sha256): {SHA256}"), SHA256),
    ] {
        if expected.is_empty() {
            // A table header is not a label followed by a value.
            assert!(normalize_thumbprint(&text).is_err());
            continue;
        }
        let n = normalize_thumbprint(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(n.value, expected, "{text:?}");
        assert!(kinds(&n, ChangeKind::Label) > 0, "{text:?}");
    }
}

#[test]
fn a_pair_of_quotes_around_the_value_or_the_whole_text_is_removed_and_reported() {
    for (text, quotes) in [
        (format!("\"{SHA1}\""), vec![(0, '"'), (41, '"')]),
        (format!("'{SHA1}'"), vec![(0, '\''), (41, '\'')]),
        (format!("`{SHA1}`"), vec![(0, '`'), (41, '`')]),
        (
            format!("\u{201C}{SHA1}\u{201D}"),
            vec![(0, '\u{201C}'), (41, '\u{201D}')],
        ),
        (
            format!("\u{2018}{SHA1}\u{2019}"),
            vec![(0, '\u{2018}'), (41, '\u{2019}')],
        ),
        (
            format!("\u{201E}{SHA1}\u{201C}"),
            vec![(0, '\u{201E}'), (41, '\u{201C}')],
        ),
        (
            format!("\u{00AB}{SHA1}\u{00BB}"),
            vec![(0, '\u{00AB}'), (41, '\u{00BB}')],
        ),
        // After a label, and around a label and its quoted value (a YAML line in quotes).
        (
            format!("Thumbprint: '{SHA1}'"),
            vec![(12, '\''), (53, '\'')],
        ),
        (
            format!("\"thumbprint: '{SHA1}'\""),
            vec![(0, '"'), (13, '\''), (54, '\''), (55, '"')],
        ),
        // Inside the quotes, everything else is cleaned as usual.
        (
            format!("\" {} \"\n", with_separator(SHA1, ":")),
            vec![(0, '"'), (62, '"')],
        ),
    ] {
        let n = normalize_thumbprint(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(n.value, SHA1, "{text:?}");
        let found: Vec<(usize, char)> = n
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Quote)
            .map(|c| (c.index, c.character))
            .collect();
        assert_eq!(found, quotes, "{text:?}");
        // Still in input order.
        assert!(
            n.changes.windows(2).all(|w| w[0].index < w[1].index),
            "{text:?}"
        );
    }
}

#[test]
fn a_lone_or_mismatched_quote_is_rejected_at_its_position() {
    for (text, index) in [
        (format!("\"{SHA1}"), 0),
        (format!("{SHA1}\""), 40),
        (format!("\"{SHA1}'"), 0),
        (format!("\u{201D}{SHA1}\u{201C}"), 0),
        (format!("''{SHA1}''"), 1),
    ] {
        match err(&text) {
            Error::ThumbprintInvalidCharacter { index: at, .. } => {
                assert_eq!(at, index, "{text:?}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    assert!(matches!(err("\"\""), Error::ThumbprintEmpty));
}

#[test]
fn label_characters_are_reported_one_by_one_with_their_positions() {
    let n = normalize_thumbprint(&format!("SHA1 Fingerprint={SHA1}")).unwrap();
    let label: String = n
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Label)
        .map(|c| c.character)
        .collect();
    assert_eq!(label, "SHA1Fingerprint=");
    // The space inside the label is whitespace, at position 4.
    let space = n
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::Whitespace)
        .unwrap();
    assert_eq!((space.index, space.name.as_str()), (4, "SPACE"));
    let positions: Vec<usize> = n.changes.iter().map(|c| c.index).collect();
    assert_eq!(positions, (0..17).collect::<Vec<_>>(), "all in input order");
}

#[test]
fn x5t_labels_select_the_base64_form() {
    let x5t = "kbfmH8u7wG5u2lOYqDBtNS-Y7Pw";
    let n = normalize_thumbprint(&format!("x5t: {x5t}")).unwrap();
    assert_eq!((n.form, n.value.as_str()), (ThumbprintForm::X5t, x5t));
    let s256 = "vN9q7q7SAzXQ4hf4tVNHFBiMJgdEf_3-DgXmCuTmIvw";
    let n = normalize_thumbprint(&format!("x5t#S256: {s256}")).unwrap();
    assert_eq!((n.form, n.value.as_str()), (ThumbprintForm::X5tS256, s256));
    let n = normalize_thumbprint(&format!("X5T#s256={s256}")).unwrap();
    assert_eq!(n.form, ThumbprintForm::X5tS256);
}

#[test]
fn a_label_must_agree_with_the_value() {
    let e = err(&format!("SHA256 Fingerprint={SHA1}"));
    assert_eq!(
        e.to_string(),
        "40 hex digits make a SHA-1 thumbprint, but the label at the start announces a SHA-256 \
         thumbprint (64 hex digits)"
    );
    let e = err(&format!("x5t: {SHA1}"));
    assert!(
        matches!(
            e,
            Error::ThumbprintInvalidCharacter { .. } | Error::ThumbprintLength { .. }
        ),
        "{e}"
    );
    let e = err("x5t#S256: kbfmH8u7wG5u2lOYqDBtNS-Y7Pw");
    assert_eq!(
        e.to_string(),
        "27 base64url characters make an x5t, but the label at the start announces an x5t#S256 \
         (43 base64url characters)"
    );
}

#[test]
fn a_label_is_only_recognised_at_the_start() {
    let e = err(&format!("{SHA1} SHA1 Fingerprint="));
    match e {
        Error::ThumbprintInvalidCharacter {
            character: 'S',
            index: 41,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn colons_and_hyphens_separating_every_byte_are_removed() {
    for sep in [":", "-"] {
        let text = with_separator(SHA1, sep);
        let n = normalize_thumbprint(&text).unwrap();
        assert_eq!(n.value, SHA1);
        assert_eq!(kinds(&n, ChangeKind::Separator), 19);
        let text = with_separator(&SHA256.to_lowercase(), sep);
        let n = normalize_thumbprint(&text).unwrap();
        assert_eq!(
            (n.value.as_str(), n.form),
            (SHA256, ThumbprintForm::Sha256Hex)
        );
    }
    // Spaces around separators (line-wrapped OpenSSL output) are just whitespace.
    let wrapped = with_separator(SHA1, ": ");
    assert_eq!(normalize_thumbprint(&wrapped).unwrap().value, SHA1);
}

#[test]
fn separators_that_do_not_separate_every_byte_are_rejected() {
    // .NET BitConverter style with one hyphen missing.
    let mut text = with_separator(SHA1, "-");
    text.replace_range(2..3, "");
    match err(&text) {
        Error::ThumbprintInvalidCharacter {
            character: 'B',
            index: 2,
            expected,
        } => {
            assert!(expected.starts_with("'-'"), "{expected}")
        }
        other => panic!("{other:?}"),
    }
    // A GUID-like grouping.
    assert!(matches!(
        err("61B754C4-B1F2-D4BE-0C6D-C8CC9E9A11CBDF1E7BE9"),
        Error::ThumbprintInvalidCharacter {
            character: 'B',
            index: 2,
            ..
        }
    ));
    // Separator inside a byte.
    assert!(matches!(
        err(&format!("6:1{}", &SHA1[2..])),
        Error::ThumbprintInvalidCharacter {
            character: ':',
            index: 1,
            ..
        }
    ));
    // Two in a row, leading, trailing.
    let doubled = with_separator(SHA1, ":").replacen(':', "::", 1);
    assert!(matches!(
        err(&doubled),
        Error::ThumbprintInvalidCharacter {
            character: ':',
            index: 3,
            ..
        }
    ));
    assert!(matches!(
        err(&format!(":{}", with_separator(SHA1, ":"))),
        Error::ThumbprintInvalidCharacter {
            character: ':',
            index: 0,
            ..
        }
    ));
    assert!(matches!(
        err(&format!("{}:", with_separator(SHA1, ":"))),
        Error::ThumbprintInvalidCharacter {
            character: ':',
            index: 59,
            ..
        }
    ));
    // Mixed separators.
    let mixed = with_separator(SHA1, ":")
        .replacen(':', "-", 2)
        .replacen('-', ":", 1);
    assert!(matches!(
        err(&mixed),
        Error::ThumbprintInvalidCharacter {
            character: '-',
            index: 5,
            ..
        }
    ));
}

#[test]
fn an_0x_prefix_is_removed_once_at_the_start() {
    for prefix in ["0x", "0X"] {
        let n = normalize_thumbprint(&format!("{prefix}{SHA1}")).unwrap();
        assert_eq!(n.value, SHA1);
        let removed: Vec<(usize, char)> = n
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Prefix)
            .map(|c| (c.index, c.character))
            .collect();
        assert_eq!(removed, [(0, '0'), (1, prefix.chars().nth(1).unwrap())]);
    }
    // After a label too.
    assert_eq!(
        normalize_thumbprint(&format!("Thumbprint: 0x{SHA1}"))
            .unwrap()
            .value,
        SHA1
    );
    // Only once.
    assert!(matches!(
        err(&format!("0x0x{SHA1}")),
        Error::ThumbprintInvalidCharacter {
            character: 'x',
            index: 3,
            ..
        }
    ));
}

#[test]
fn fullwidth_hex_digits_and_letters_are_rejected_naming_the_character() {
    let fullwidth = ('\u{FF10}'..='\u{FF19}')
        .chain('\u{FF21}'..='\u{FF26}')
        .chain('\u{FF41}'..='\u{FF46}');
    for c in fullwidth {
        let ascii = char::from_u32(u32::from(c) - 0xFEE0).unwrap();
        let text = format!("{}{c}{}", &SHA1[..5], &SHA1[6..]);
        let e = err(&text);
        let Error::ThumbprintInvalidCharacter {
            character,
            index,
            ref expected,
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!((character, index), (c, 5));
        assert!(
            expected.contains(&format!("fullwidth form of '{ascii}'")),
            "{expected}"
        );
        let message = e.to_string();
        assert!(
            message.starts_with(&format!("U+{:04X} FULLWIDTH ", u32::from(c))),
            "{message}"
        );
        assert!(message.contains("at position 5"), "{message}");
    }
}

#[test]
fn other_look_alikes_are_rejected_with_a_hint() {
    for (c, looks_like) in [
        ('\u{0410}', 'A'),
        ('\u{0421}', 'C'),
        ('\u{0395}', 'E'),
        ('\u{0435}', 'e'),
    ] {
        let text = format!("{}{c}{}", &SHA1[..3], &SHA1[4..]);
        let Error::ThumbprintInvalidCharacter {
            character,
            index,
            expected,
        } = err(&text)
        else {
            panic!()
        };
        assert_eq!((character, index), (c, 3));
        assert!(
            expected.contains(&format!("looks like '{looks_like}'")),
            "{expected}"
        );
    }
    // En dash as a separator (a word processor "fixed" the hyphens).
    let text = with_separator(SHA1, "\u{2013}");
    let e = err(&text);
    assert_eq!(
        e.to_string(),
        "U+2013 EN DASH at position 2 is not allowed: expected a hex digit (0-9, A-F); this dash \
         is not '-' (U+002D HYPHEN-MINUS)"
    );
}

#[test]
fn forty_hex_digits_are_sha1_never_base64() {
    // 40 characters that are all valid base64url too.
    let n = normalize_thumbprint("ABCDEF0123456789ABCDEF0123456789ABCDEF01").unwrap();
    assert_eq!(n.form, ThumbprintForm::Sha1Hex);
    let n = normalize_thumbprint(&"a".repeat(64)).unwrap();
    assert_eq!(n.form, ThumbprintForm::Sha256Hex);
}

#[test]
fn base64url_of_27_and_43_characters_is_x5t_and_x5t_s256() {
    // Values produced independently: `printf %s SHA1 | xxd -r -p | basenc --base64url`.
    let n = normalize_thumbprint("YbdUxLHy1L4MbcjMnpoRy98ee-k").unwrap();
    assert_eq!(
        (n.form, n.digest.clone()),
        (ThumbprintForm::X5t, bytes_of(SHA1))
    );
    assert!(n.changes.is_empty());
    let n = normalize_thumbprint("Pi1qjw8cQrep5NXGt6j54NHCs6SVhndoWks8LR4Pmos").unwrap();
    assert_eq!(
        (n.form, n.digest.clone()),
        (ThumbprintForm::X5tS256, bytes_of(SHA256))
    );
    // 27 characters that are all hex digits still are an x5t (27 is odd: never hex).
    let n = normalize_thumbprint("AAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    assert_eq!(n.form, ThumbprintForm::X5t);
    // Base64 is case-sensitive: nothing is folded.
    let n = normalize_thumbprint("kbfmH8u7wG5u2lOYqDBtNS-Y7Pw").unwrap();
    assert_eq!(n.value, "kbfmH8u7wG5u2lOYqDBtNS-Y7Pw");
}

#[test]
fn standard_base64_with_padding_is_accepted_and_reported() {
    // `… | base64 -d | xxd -p` of this text is FBEFFF repeated: a digest whose standard base64
    // is all '+' and '/'.
    let standard = "++//++//++//++//++//++//++//++//++//++//++8=";
    let n = normalize_thumbprint(standard).unwrap();
    assert_eq!(n.form, ThumbprintForm::X5tS256);
    assert_eq!(n.value, "--__--__--__--__--__--__--__--__--__--__--8");
    assert_eq!(kinds(&n, ChangeKind::StandardBase64), 42);
    assert_eq!(kinds(&n, ChangeKind::Padding), 1);
    assert!(!ChangeKind::StandardBase64.is_removal());
    assert!(ChangeKind::Padding.is_removal());
    let padded = normalize_thumbprint("YbdUxLHy1L4MbcjMnpoRy98ee+k=").unwrap();
    assert_eq!(padded.value, "YbdUxLHy1L4MbcjMnpoRy98ee-k");
    assert_eq!(padded.digest, bytes_of(SHA1));
}

#[test]
fn mixed_base64_alphabets_and_bad_padding_are_rejected() {
    assert!(matches!(
        err("YbdUxLHy1L4Mbc-MnpoRy98ee+k"),
        Error::ThumbprintInvalidCharacter {
            character: '+',
            index: 25,
            ..
        }
    ));
    assert!(matches!(
        err("YbdUxLHy1L4MbcjMnpoRy98ee-k=="),
        Error::ThumbprintInvalidCharacter {
            character: '=',
            index: 28,
            ..
        }
    ));
    assert!(matches!(
        err("YbdUxLHy1L4MbcjM=npoRy98ee-k"),
        Error::ThumbprintInvalidCharacter {
            character: 'n',
            index: 17,
            ..
        }
    ));
}

#[test]
fn a_non_canonical_final_base64_character_is_rejected() {
    // 'l' = 37 leaves two non-zero unused bits after the 160 bits of a SHA-1.
    let e = err("YbdUxLHy1L4MbcjMnpoRy98ee-l");
    assert!(
        matches!(
            e,
            Error::ThumbprintInvalidCharacter {
                character: 'l',
                index: 26,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_hex_thumbprint_with_a_letter_o_gets_a_hint() {
    let text = format!("{}O{}", &SHA1[..12], &SHA1[13..]);
    let e = err(&text);
    assert_eq!(
        e.to_string(),
        "'O' at position 12 is not allowed: expected a hex digit (0-9, A-F); 'O' is a letter: did \
         you mean the digit '0'?"
    );
    let text = format!("{}l{}", &SHA1[..7], &SHA1[8..]);
    assert!(
        err(&text)
            .to_string()
            .contains("did you mean the digit '1'?")
    );
}

#[test]
fn wrong_lengths_name_the_count_and_the_forms() {
    assert_eq!(
        err(&SHA1[..39]).to_string(),
        "39 hex digits; a SHA-1 thumbprint has 40 (a SHA-256 thumbprint 64)"
    );
    assert_eq!(
        err(&format!("{SHA1}A")).to_string(),
        "41 hex digits; a SHA-1 thumbprint has 40 (a SHA-256 thumbprint 64)"
    );
    assert_eq!(
        err(&SHA256[..62]).to_string(),
        "62 hex digits; a SHA-256 thumbprint has 64 (a SHA-1 thumbprint 40)"
    );
    assert_eq!(
        err("A").to_string(),
        "1 hex digit; a SHA-1 thumbprint has 40 (a SHA-256 thumbprint 64)"
    );
    assert_eq!(
        err("kbfmH8u7wG5u2lOYqDBtNS-Y7P").to_string(),
        "26 base64url characters; an x5t has 27 (an x5t#S256 43)"
    );
    assert!(matches!(
        err(&SHA1[..39]),
        Error::ThumbprintLength { found: 39, .. }
    ));
}

#[test]
fn empty_and_blank_input_is_its_own_error() {
    for text in [
        "",
        "   ",
        "\u{200E}\u{FEFF}\n",
        "SHA1 Fingerprint=",
        "Thumbprint: \u{00A0}",
    ] {
        assert_eq!(err(text), Error::ThumbprintEmpty, "{text:?}");
    }
    assert_eq!(
        Error::ThumbprintEmpty.to_string(),
        "the thumbprint is empty"
    );
}

#[test]
fn overlong_input_is_refused_before_any_work() {
    let text = " ".repeat(5000);
    assert_eq!(
        err(&text),
        Error::InputTooLarge {
            size: 5000,
            limit: 4096
        }
    );
}

#[test]
fn the_normalised_value_is_a_fixed_point() {
    for text in [
        format!("SHA1 Fingerprint={}", with_separator(SHA1, ":")),
        with_separator(&SHA256.to_lowercase(), "-"),
        "YbdUxLHy1L4MbcjMnpoRy98ee+k=".to_string(),
    ] {
        let once = normalize_thumbprint(&text).unwrap();
        let twice = normalize_thumbprint(&once.value).unwrap();
        assert_eq!(
            (once.value.clone(), once.form, once.digest.clone()),
            (twice.value, twice.form, twice.digest)
        );
        assert!(twice.changes.is_empty());
    }
}

/// xorshift64*: a deterministic stream of test digests.
fn digests(count: usize, len: usize) -> Vec<Vec<u8>> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..count)
        .map(|_| {
            (0..len)
                .map(|_| {
                    state ^= state >> 12;
                    state ^= state << 25;
                    state ^= state >> 27;
                    state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_be_bytes()[0]
                })
                .collect()
        })
        .collect()
}

#[test]
fn random_digests_in_every_written_form_give_back_the_digest() {
    use base64ct::{Base64, Base64UrlUnpadded, Encoding};
    for len in [20, 32] {
        for digest in digests(2000, len) {
            let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
            let url = Base64UrlUnpadded::encode_string(&digest);
            let standard = Base64::encode_string(&digest);
            for text in [
                hex.clone(),
                hex.to_lowercase(),
                with_separator(&hex, ":"),
                with_separator(&hex.to_lowercase(), "-"),
                format!("0x{hex}"),
                url.clone(),
                standard,
                format!("\u{200E}{url}\u{200F}"),
            ] {
                let n = normalize_thumbprint(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
                assert_eq!(n.digest, digest, "{text:?}");
                let again = normalize_thumbprint(&n.value).unwrap();
                assert_eq!(
                    (again.value, again.form),
                    (n.value.clone(), n.form),
                    "{text:?}"
                );
                assert!(again.changes.is_empty(), "{text:?}");
            }
        }
    }
}
