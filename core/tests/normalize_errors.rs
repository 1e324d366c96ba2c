//! Every error the normaliser can give, with its exact message: what is wrong, where (0-based
//! character position in the text as pasted) and what was expected.

// Helpers outside #[test] functions panic on purpose: clippy's allow-*-in-tests does not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use certbind_core::{Error, describe_char, normalize_thumbprint};

const SHA1: &str = "61B754C4B1F2D4BE0C6DC8CC9E9A11CBDF1E7BE9";
const X5T: &str = "YbdUxLHy1L4MbcjMnpoRy98ee-k";

fn message(text: &str) -> String {
    normalize_thumbprint(text).expect_err(text).to_string()
}

/// SHA1 with character `at` replaced by `c`.
fn sha1_with(at: usize, c: char) -> String {
    let mut chars: Vec<char> = SHA1.chars().collect();
    chars[at] = c;
    chars.into_iter().collect()
}

fn x5t_with(at: usize, c: char) -> String {
    let mut chars: Vec<char> = X5T.chars().collect();
    chars[at] = c;
    chars.into_iter().collect()
}

fn colons(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|p| core::str::from_utf8(p).unwrap())
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn framing_errors() {
    assert_eq!(message(""), "the thumbprint is empty");
    assert_eq!(
        message(&"0".repeat(4097)),
        "the input is 4097 bytes; the limit is 4096 bytes"
    );
}

#[test]
fn hex_character_errors() {
    assert_eq!(
        message(&sha1_with(3, 'G')),
        "'G' at position 3 is not allowed: expected a hex digit (0-9, A-F)"
    );
    assert_eq!(
        message(&sha1_with(12, 'o')),
        "'o' at position 12 is not allowed: expected a hex digit (0-9, A-F); 'o' is a letter: did \
         you mean the digit '0'?"
    );
    assert_eq!(
        message(&sha1_with(0, 'I')),
        "'I' at position 0 is not allowed: expected a hex digit (0-9, A-F); 'I' is a letter: did \
         you mean the digit '1'?"
    );
    assert_eq!(
        message(&sha1_with(5, '\u{FF23}')),
        "U+FF23 FULLWIDTH LATIN CAPITAL LETTER C at position 5 is not allowed: expected a hex \
         digit (0-9, A-F); this is the fullwidth form of 'C' (typed with an East Asian input \
         method): certbind does not accept look-alikes, retype it as ASCII"
    );
    assert_eq!(
        message(&sha1_with(5, '\u{FF17}')),
        "U+FF17 FULLWIDTH DIGIT SEVEN at position 5 is not allowed: expected a hex digit (0-9, \
         A-F); this is the fullwidth form of '7' (typed with an East Asian input method): \
         certbind does not accept look-alikes, retype it as ASCII"
    );
    assert_eq!(
        message(&sha1_with(2, '\u{0412}')),
        "U+0412 CYRILLIC CAPITAL LETTER VE at position 2 is not allowed: expected a hex digit \
         (0-9, A-F); this character looks like 'B' but is not ASCII"
    );
    assert_eq!(
        message(&sha1_with(7, '\u{0000}')),
        "U+0000 NULL at position 7 is not allowed: expected a hex digit (0-9, A-F)"
    );
    // A character outside certbind's table of names: the code point alone.
    assert_eq!(
        message(&sha1_with(7, 'é')),
        "U+00E9 at position 7 is not allowed: expected a hex digit (0-9, A-F)"
    );
    // From lossily decoded bytes.
    assert_eq!(
        message(&sha1_with(9, '\u{FFFD}')),
        "U+FFFD REPLACEMENT CHARACTER at position 9 is not allowed: expected a hex digit (0-9, A-F)"
    );
}

#[test]
fn separator_errors() {
    let with_colons = colons(SHA1);
    // 61:B754:… — a third digit where a separator belongs.
    let missing = with_colons
        .replacen(":", "", 2)
        .replacen("61B7", "61:B7", 1);
    assert_eq!(
        message(&missing),
        "'5' at position 5 is not allowed: expected ':': with separators, every byte is 2 hex \
         digits (AB:CD:…)"
    );
    let mixed = with_colons.replacen(':', "-", 2).replacen('-', ":", 1);
    assert_eq!(
        message(&mixed),
        "'-' at position 5 is not allowed: expected a hex digit or ':': this thumbprint separates \
         its bytes with ':'"
    );
    assert_eq!(
        message(&with_colons.replacen(':', "::", 1)),
        "':' at position 3 is not allowed: expected a hex digit (0-9, A-F) before a separator"
    );
    assert_eq!(
        message(&format!("6-1{}", &SHA1[2..])),
        "'-' at position 1 is not allowed: expected a second hex digit: separators go between \
         bytes of 2 hex digits"
    );
    assert_eq!(
        message(&format!("{with_colons}:")),
        "':' at position 59 is not allowed: expected a hex digit after the separator: it must not \
         end the value"
    );
    assert_eq!(
        message(&colons(&SHA1[..38])),
        "38 hex digits; a SHA-1 thumbprint has 40 (a SHA-256 thumbprint 64)"
    );
}

#[test]
fn length_errors() {
    assert_eq!(
        message(&SHA1[..39]),
        "39 hex digits; a SHA-1 thumbprint has 40 (a SHA-256 thumbprint 64)"
    );
    assert_eq!(
        message(&format!("{SHA1}{SHA1}")),
        "80 hex digits; a SHA-256 thumbprint has 64 (a SHA-1 thumbprint 40)"
    );
    assert_eq!(
        message("F"),
        "1 hex digit; a SHA-1 thumbprint has 40 (a SHA-256 thumbprint 64)"
    );
    assert_eq!(
        message(&X5T[..26]),
        "26 base64url characters; an x5t has 27 (an x5t#S256 43)"
    );
    assert_eq!(
        message(&format!("{X5T}{X5T}")),
        "54 base64url characters; an x5t has 27 (an x5t#S256 43)"
    );
}

#[test]
fn base64_errors() {
    assert_eq!(
        message(&x5t_with(4, '*')),
        "'*' at position 4 is not allowed: expected a base64url character (A-Z, a-z, 0-9, '-', '_')"
    );
    assert_eq!(
        message(&x5t_with(4, '\u{FF41}')),
        "U+FF41 FULLWIDTH LATIN SMALL LETTER A at position 4 is not allowed: expected a base64url \
         character (A-Z, a-z, 0-9, '-', '_'); this is the fullwidth form of 'a': certbind does not \
         accept look-alikes"
    );
    assert_eq!(
        message(&x5t_with(4, '\u{0441}')),
        "U+0441 CYRILLIC SMALL LETTER ES at position 4 is not allowed: expected a base64url \
         character (A-Z, a-z, 0-9, '-', '_'); this character looks like 'c' but is not ASCII"
    );
    assert_eq!(
        message(&x5t_with(26, '+')),
        "'+' at position 26 is not allowed: expected a base64url character (A-Z, a-z, 0-9, '-', \
         '_'); '-' earlier in the value is from the other base64 alphabet, and one value cannot \
         mix '+'/'/' with '-'/'_'"
    );
    assert_eq!(
        message(&format!("{}=x", &X5T[..26])),
        "'x' at position 27 is not allowed: expected nothing after '=': padding may only end a \
         base64 value"
    );
    assert_eq!(
        message(&format!("{X5T}==")),
        "'=' at position 28 is not allowed: expected no second '=': this base64 value takes one \
         padding character"
    );
    assert_eq!(
        message(&x5t_with(26, 'l')),
        "'l' at position 26 is not allowed: expected a final character whose unused bits are \
         zero (one of A E I M Q U Y c g k o s w 0 4 8): the value is damaged or not a digest"
    );
}

#[test]
fn mixed_alphabets_name_the_first_character_of_the_other_alphabet() {
    // X5T has '-' at 25; a '/' before it comes first, so the '-' is the offender.
    let text = x5t_with(3, '/');
    assert_eq!(
        message(&text),
        "'-' at position 25 is not allowed: expected a base64url character (A-Z, a-z, 0-9, '-', \
         '_'); '/' earlier in the value is from the other base64 alphabet, and one value cannot \
         mix '+'/'/' with '-'/'_'"
    );
}

#[test]
fn describe_char_quotes_printable_ascii_and_names_the_rest() {
    assert_eq!(describe_char('O'), "'O'");
    assert_eq!(describe_char('~'), "'~'");
    assert_eq!(describe_char(' '), "U+0020 SPACE");
    assert_eq!(describe_char('\u{200E}'), "U+200E LEFT-TO-RIGHT MARK");
    assert_eq!(
        describe_char('\u{FEFF}'),
        "U+FEFF ZERO WIDTH NO-BREAK SPACE"
    );
    assert_eq!(describe_char('\u{FF10}'), "U+FF10 FULLWIDTH DIGIT ZERO");
    assert_eq!(
        describe_char('\u{FF46}'),
        "U+FF46 FULLWIDTH LATIN SMALL LETTER F"
    );
    assert_eq!(describe_char('\u{1F600}'), "U+1F600");
    assert_eq!(describe_char('\u{7F}'), "U+007F DELETE");
}

#[test]
fn errors_carry_the_character_position_and_expectation_as_fields() {
    let e = normalize_thumbprint(&sha1_with(12, 'O')).unwrap_err();
    let Error::ThumbprintInvalidCharacter {
        character,
        index,
        expected,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!((*character, *index), ('O', 12));
    assert!(expected.starts_with("a hex digit"));
    assert_eq!(e.code(), "ThumbprintInvalidCharacter");
    assert_eq!(
        normalize_thumbprint("AB").unwrap_err().code(),
        "ThumbprintLength"
    );
    assert_eq!(
        normalize_thumbprint(" ").unwrap_err().code(),
        "ThumbprintEmpty"
    );
}
