//! Unicode names of the characters that end up in pasted thumbprints: invisible formatting
//! characters, spaces, dashes, and the look-alikes of hex digits (fullwidth forms, Cyrillic and
//! Greek letters). Names are the Unicode character names (UnicodeData.txt); control characters,
//! which have none, get their formal name aliases (NameAliases.txt), e.g. `LINE FEED`.
//!
//! This is deliberately a small table, not the Unicode database: a character outside it is shown
//! as its code point alone. Also here: how a message shows a character ([`describe_char`]) and
//! which characters are invisible ([`is_invisible`]).

use alloc::format;
use alloc::string::{String, ToString};

/// Single characters and their names.
const NAMES: &[(char, &str)] = &[
    ('\u{0000}', "NULL"),
    ('\u{0009}', "CHARACTER TABULATION"),
    ('\u{000A}', "LINE FEED"),
    ('\u{000B}', "LINE TABULATION"),
    ('\u{000C}', "FORM FEED"),
    ('\u{000D}', "CARRIAGE RETURN"),
    ('\u{001B}', "ESCAPE"),
    ('\u{0020}', "SPACE"),
    ('\u{007F}', "DELETE"),
    ('\u{0085}', "NEXT LINE"),
    ('\u{00A0}', "NO-BREAK SPACE"),
    ('\u{00AB}', "LEFT-POINTING DOUBLE ANGLE QUOTATION MARK"),
    ('\u{00AD}', "SOFT HYPHEN"),
    ('\u{00B7}', "MIDDLE DOT"),
    ('\u{00BB}', "RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK"),
    ('\u{034F}', "COMBINING GRAPHEME JOINER"),
    ('\u{0391}', "GREEK CAPITAL LETTER ALPHA"),
    ('\u{0392}', "GREEK CAPITAL LETTER BETA"),
    ('\u{0395}', "GREEK CAPITAL LETTER EPSILON"),
    ('\u{039F}', "GREEK CAPITAL LETTER OMICRON"),
    ('\u{03BF}', "GREEK SMALL LETTER OMICRON"),
    ('\u{0410}', "CYRILLIC CAPITAL LETTER A"),
    ('\u{0412}', "CYRILLIC CAPITAL LETTER VE"),
    ('\u{0415}', "CYRILLIC CAPITAL LETTER IE"),
    ('\u{041E}', "CYRILLIC CAPITAL LETTER O"),
    ('\u{0421}', "CYRILLIC CAPITAL LETTER ES"),
    ('\u{0430}', "CYRILLIC SMALL LETTER A"),
    ('\u{0435}', "CYRILLIC SMALL LETTER IE"),
    ('\u{043E}', "CYRILLIC SMALL LETTER O"),
    ('\u{0441}', "CYRILLIC SMALL LETTER ES"),
    ('\u{061C}', "ARABIC LETTER MARK"),
    ('\u{1680}', "OGHAM SPACE MARK"),
    ('\u{180E}', "MONGOLIAN VOWEL SEPARATOR"),
    ('\u{2000}', "EN QUAD"),
    ('\u{2001}', "EM QUAD"),
    ('\u{2002}', "EN SPACE"),
    ('\u{2003}', "EM SPACE"),
    ('\u{2004}', "THREE-PER-EM SPACE"),
    ('\u{2005}', "FOUR-PER-EM SPACE"),
    ('\u{2006}', "SIX-PER-EM SPACE"),
    ('\u{2007}', "FIGURE SPACE"),
    ('\u{2008}', "PUNCTUATION SPACE"),
    ('\u{2009}', "THIN SPACE"),
    ('\u{200A}', "HAIR SPACE"),
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{2010}', "HYPHEN"),
    ('\u{2011}', "NON-BREAKING HYPHEN"),
    ('\u{2012}', "FIGURE DASH"),
    ('\u{2013}', "EN DASH"),
    ('\u{2014}', "EM DASH"),
    ('\u{2015}', "HORIZONTAL BAR"),
    ('\u{2018}', "LEFT SINGLE QUOTATION MARK"),
    ('\u{2019}', "RIGHT SINGLE QUOTATION MARK"),
    ('\u{201C}', "LEFT DOUBLE QUOTATION MARK"),
    ('\u{201D}', "RIGHT DOUBLE QUOTATION MARK"),
    ('\u{201E}', "DOUBLE LOW-9 QUOTATION MARK"),
    ('\u{2024}', "ONE DOT LEADER"),
    ('\u{2027}', "HYPHENATION POINT"),
    ('\u{2028}', "LINE SEPARATOR"),
    ('\u{2029}', "PARAGRAPH SEPARATOR"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{202F}', "NARROW NO-BREAK SPACE"),
    ('\u{205F}', "MEDIUM MATHEMATICAL SPACE"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{2061}', "FUNCTION APPLICATION"),
    ('\u{2062}', "INVISIBLE TIMES"),
    ('\u{2063}', "INVISIBLE SEPARATOR"),
    ('\u{2064}', "INVISIBLE PLUS"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
    ('\u{206A}', "INHIBIT SYMMETRIC SWAPPING"),
    ('\u{206B}', "ACTIVATE SYMMETRIC SWAPPING"),
    ('\u{206C}', "INHIBIT ARABIC FORM SHAPING"),
    ('\u{206D}', "ACTIVATE ARABIC FORM SHAPING"),
    ('\u{206E}', "NATIONAL DIGIT SHAPES"),
    ('\u{206F}', "NOMINAL DIGIT SHAPES"),
    ('\u{2212}', "MINUS SIGN"),
    ('\u{3000}', "IDEOGRAPHIC SPACE"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
    ('\u{FF03}', "FULLWIDTH NUMBER SIGN"),
    ('\u{FF0D}', "FULLWIDTH HYPHEN-MINUS"),
    ('\u{FF1A}', "FULLWIDTH COLON"),
    ('\u{FF1D}', "FULLWIDTH EQUALS SIGN"),
    ('\u{FFFD}', "REPLACEMENT CHARACTER"),
];

/// English names of the decimal digits, as in `DIGIT ZERO`.
const DIGITS: [&str; 10] = [
    "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
];

/// The Unicode name of `c`, when it is one of the characters this table knows.
pub(crate) fn unicode_name(c: char) -> Option<String> {
    if let Some((_, name)) = NAMES.iter().find(|(k, _)| *k == c) {
        return Some((*name).to_string());
    }
    let cp = u32::from(c);
    match cp {
        // VARIATION SELECTOR-1 … VARIATION SELECTOR-16
        0xFE00..=0xFE0F => Some(format!("VARIATION SELECTOR-{}", cp - 0xFE00 + 1)),
        0xFF10..=0xFF19 => {
            let digit = DIGITS.get(usize::try_from(cp - 0xFF10).ok()?)?;
            Some(format!("FULLWIDTH DIGIT {digit}"))
        }
        0xFF21..=0xFF3A => Some(format!(
            "FULLWIDTH LATIN CAPITAL LETTER {}",
            char::from_u32(cp - 0xFF21 + 0x41)?
        )),
        0xFF41..=0xFF5A => Some(format!(
            "FULLWIDTH LATIN SMALL LETTER {}",
            char::from_u32(cp - 0xFF41 + 0x41)?
        )),
        _ => None,
    }
}

/// The ASCII character that `c` is easily mistaken for, when `c` is a fullwidth form, a Cyrillic
/// or Greek look-alike of a hex letter, or a dash other than `-`.
pub(crate) fn ascii_lookalike(c: char) -> Option<char> {
    let cp = u32::from(c);
    match cp {
        // Fullwidth forms of ASCII 0x21..=0x7E sit at a fixed distance (Unicode Halfwidth and
        // Fullwidth Forms block).
        0xFF01..=0xFF5E => char::from_u32(cp - 0xFF01 + 0x21),
        _ => match c {
            '\u{0391}' | '\u{0410}' => Some('A'),
            '\u{0392}' | '\u{0412}' => Some('B'),
            '\u{0421}' => Some('C'),
            '\u{0395}' | '\u{0415}' => Some('E'),
            '\u{039F}' | '\u{041E}' => Some('O'),
            '\u{0430}' => Some('a'),
            '\u{0441}' => Some('c'),
            '\u{0435}' => Some('e'),
            '\u{03BF}' | '\u{043E}' => Some('o'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => Some('-'),
            '\u{00B7}' | '\u{2024}' | '\u{2027}' => Some('.'),
            _ => None,
        },
    }
}

/// A character as a person should see it in a message: `'O'` for printable ASCII,
/// `U+200E LEFT-TO-RIGHT MARK` otherwise (`U+XXXX` alone for characters outside certbind's small
/// table of names).
#[must_use]
pub fn describe_char(c: char) -> String {
    if c.is_ascii_graphic() {
        return format!("'{c}'");
    }
    match unicode_name(c) {
        Some(name) => format!("{} {name}", code_point(c)),
        None => code_point(c),
    }
}

/// `U+XXXX` (at least four hex digits).
pub(crate) fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Whether `c` is an invisible formatting character: bidi marks, embeddings, overrides and
/// isolates, zero-width characters, the byte order mark, soft hyphen, variation selectors.
/// Pasted thumbprints lose them (and white space) with a note; base64 bodies skip them.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'                      // SOFT HYPHEN
        | '\u{034F}'                    // COMBINING GRAPHEME JOINER
        | '\u{061C}'                    // ARABIC LETTER MARK
        | '\u{180E}'                    // MONGOLIAN VOWEL SEPARATOR
        | '\u{200B}'..='\u{200F}'       // ZERO WIDTH SPACE/NON-JOINER/JOINER, LRM, RLM
        | '\u{202A}'..='\u{202E}'       // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'       // WORD JOINER, invisible operators
        | '\u{2066}'..='\u{206F}'       // bidi isolates, deprecated format characters
        | '\u{FE00}'..='\u{FE0F}'       // variation selectors
        | '\u{FEFF}' // ZERO WIDTH NO-BREAK SPACE (byte order mark)
    )
}
