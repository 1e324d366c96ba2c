//! Every invisible and space character the normaliser strips, one at a time, at the start, in the
//! middle and at the end of a thumbprint: removed, and reported with its position, code point,
//! Unicode name and kind.

// Helpers outside #[test] functions panic on purpose: clippy's allow-*-in-tests does not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use certbind_core::{ChangeKind, ThumbprintForm, normalize_thumbprint};

const SHA1: &str = "61B754C4B1F2D4BE0C6DC8CC9E9A11CBDF1E7BE9";

/// (character, Unicode name, kind). Names checked against Python's `unicodedata.name` (and
/// NameAliases.txt for the control characters, which have no name).
const STRIPPED: &[(char, &str, ChangeKind)] = &[
    ('\u{200E}', "LEFT-TO-RIGHT MARK", ChangeKind::Invisible),
    ('\u{200F}', "RIGHT-TO-LEFT MARK", ChangeKind::Invisible),
    ('\u{061C}', "ARABIC LETTER MARK", ChangeKind::Invisible),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING", ChangeKind::Invisible),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING", ChangeKind::Invisible),
    (
        '\u{202C}',
        "POP DIRECTIONAL FORMATTING",
        ChangeKind::Invisible,
    ),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE", ChangeKind::Invisible),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE", ChangeKind::Invisible),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE", ChangeKind::Invisible),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE", ChangeKind::Invisible),
    ('\u{2068}', "FIRST STRONG ISOLATE", ChangeKind::Invisible),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE", ChangeKind::Invisible),
    (
        '\u{FEFF}',
        "ZERO WIDTH NO-BREAK SPACE",
        ChangeKind::Invisible,
    ),
    ('\u{200B}', "ZERO WIDTH SPACE", ChangeKind::Invisible),
    ('\u{200C}', "ZERO WIDTH NON-JOINER", ChangeKind::Invisible),
    ('\u{200D}', "ZERO WIDTH JOINER", ChangeKind::Invisible),
    ('\u{2060}', "WORD JOINER", ChangeKind::Invisible),
    ('\u{2061}', "FUNCTION APPLICATION", ChangeKind::Invisible),
    ('\u{2062}', "INVISIBLE TIMES", ChangeKind::Invisible),
    ('\u{2063}', "INVISIBLE SEPARATOR", ChangeKind::Invisible),
    ('\u{2064}', "INVISIBLE PLUS", ChangeKind::Invisible),
    ('\u{00AD}', "SOFT HYPHEN", ChangeKind::Invisible),
    (
        '\u{034F}',
        "COMBINING GRAPHEME JOINER",
        ChangeKind::Invisible,
    ),
    (
        '\u{180E}',
        "MONGOLIAN VOWEL SEPARATOR",
        ChangeKind::Invisible,
    ),
    ('\u{FE0F}', "VARIATION SELECTOR-16", ChangeKind::Invisible),
    ('\u{FE00}', "VARIATION SELECTOR-1", ChangeKind::Invisible),
    (' ', "SPACE", ChangeKind::Whitespace),
    ('\t', "CHARACTER TABULATION", ChangeKind::Whitespace),
    ('\n', "LINE FEED", ChangeKind::Whitespace),
    ('\r', "CARRIAGE RETURN", ChangeKind::Whitespace),
    ('\u{000B}', "LINE TABULATION", ChangeKind::Whitespace),
    ('\u{000C}', "FORM FEED", ChangeKind::Whitespace),
    ('\u{0085}', "NEXT LINE", ChangeKind::Whitespace),
    ('\u{00A0}', "NO-BREAK SPACE", ChangeKind::Whitespace),
    ('\u{1680}', "OGHAM SPACE MARK", ChangeKind::Whitespace),
    ('\u{2000}', "EN QUAD", ChangeKind::Whitespace),
    ('\u{2001}', "EM QUAD", ChangeKind::Whitespace),
    ('\u{2002}', "EN SPACE", ChangeKind::Whitespace),
    ('\u{2003}', "EM SPACE", ChangeKind::Whitespace),
    ('\u{2004}', "THREE-PER-EM SPACE", ChangeKind::Whitespace),
    ('\u{2005}', "FOUR-PER-EM SPACE", ChangeKind::Whitespace),
    ('\u{2006}', "SIX-PER-EM SPACE", ChangeKind::Whitespace),
    ('\u{2007}', "FIGURE SPACE", ChangeKind::Whitespace),
    ('\u{2008}', "PUNCTUATION SPACE", ChangeKind::Whitespace),
    ('\u{2009}', "THIN SPACE", ChangeKind::Whitespace),
    ('\u{200A}', "HAIR SPACE", ChangeKind::Whitespace),
    ('\u{2028}', "LINE SEPARATOR", ChangeKind::Whitespace),
    ('\u{2029}', "PARAGRAPH SEPARATOR", ChangeKind::Whitespace),
    ('\u{202F}', "NARROW NO-BREAK SPACE", ChangeKind::Whitespace),
    (
        '\u{205F}',
        "MEDIUM MATHEMATICAL SPACE",
        ChangeKind::Whitespace,
    ),
    ('\u{3000}', "IDEOGRAPHIC SPACE", ChangeKind::Whitespace),
];

#[test]
fn each_invisible_or_space_character_is_removed_and_reported_wherever_it_is() {
    let chars: Vec<char> = SHA1.chars().collect();
    for &(c, name, kind) in STRIPPED {
        for at in [0, 17, chars.len()] {
            let mut text: String = chars[..at].iter().collect();
            text.push(c);
            text.extend(&chars[at..]);
            let n = normalize_thumbprint(&text)
                .unwrap_or_else(|e| panic!("U+{:04X} at {at}: {e}", u32::from(c)));
            assert_eq!(n.value, SHA1, "U+{:04X} at {at}", u32::from(c));
            assert_eq!(n.form, ThumbprintForm::Sha1Hex);
            assert_eq!(
                n.changes.len(),
                1,
                "U+{:04X} at {at}: {:?}",
                u32::from(c),
                n.changes
            );
            let change = &n.changes[0];
            assert_eq!(change.index, at);
            assert_eq!(change.character, c);
            assert_eq!(change.code_point, format!("U+{:04X}", u32::from(c)));
            assert_eq!(change.name, name);
            assert_eq!(change.kind, kind, "U+{:04X}", u32::from(c));
        }
    }
}

#[test]
fn every_unicode_white_space_character_is_in_the_list_above() {
    // The White_Space property as Rust knows it: the test list must not miss one.
    for cp in 0..=0x10FFFF_u32 {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        if c.is_whitespace() {
            assert!(
                STRIPPED
                    .iter()
                    .any(|&(s, _, k)| s == c && k == ChangeKind::Whitespace),
                "U+{cp:04X} is White_Space but not tested"
            );
        }
    }
}

#[test]
fn positions_count_characters_not_bytes() {
    // Three 3-byte invisible characters before the value: positions 0, 1, 2.
    let text = format!("\u{200E}\u{FEFF}\u{202E}{SHA1}\u{2069}");
    let n = normalize_thumbprint(&text).unwrap();
    let indexes: Vec<usize> = n.changes.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [0, 1, 2, 43]);
}

#[test]
fn a_thumbprint_copied_from_the_windows_certificate_dialog_is_cleaned() {
    // The Windows certificate dialog shows "‎61 b7 54 …" with a LEFT-TO-RIGHT MARK first and
    // lowercase pairs separated by spaces.
    let pairs: Vec<String> = SHA1
        .as_bytes()
        .chunks(2)
        .map(|p| String::from_utf8_lossy(p).to_lowercase())
        .collect();
    let text = format!("\u{200E}{}", pairs.join(" "));
    let n = normalize_thumbprint(&text).unwrap();
    assert_eq!(n.value, SHA1);
    let invisible: Vec<_> = n
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Invisible)
        .collect();
    assert_eq!(invisible.len(), 1);
    assert_eq!(invisible[0].name, "LEFT-TO-RIGHT MARK");
    assert_eq!(
        n.changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Whitespace)
            .count(),
        19
    );
    let folded = n
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::CaseFolded)
        .count();
    assert_eq!(
        folded,
        SHA1.chars().filter(|c| c.is_ascii_alphabetic()).count()
    );
}
