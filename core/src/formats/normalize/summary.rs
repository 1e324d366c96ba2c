//! The changes of a normalised thumbprint summed up by kind, one line each: what `certbind
//! normalize` prints, what the npm package returns as `summary` and what the checker page shows
//! before its per-character table (one wording everywhere).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Change, ChangeKind};
use crate::text::Quoted;
use crate::unicode_names::describe_char;

/// Removals counted per kind: the kind and its plural noun.
const COUNTED: [(ChangeKind, &str); 5] = [
    (ChangeKind::Whitespace, "whitespace character(s)"),
    (ChangeKind::Separator, "separator(s)"),
    (ChangeKind::Prefix, "prefix character(s)"),
    (ChangeKind::Quote, "quote(s)"),
    (ChangeKind::Padding, "padding character(s)"),
];

/// The lines, in this order:
/// - each invisible character by name and position (people cannot see them for themselves):
///   `removed invisible U+200E LEFT-TO-RIGHT MARK at position 0`;
/// - the label as it was pasted: `removed the label "SHA1 Fingerprint=" at position 0`;
/// - the other removals counted per kind, with the distinct characters and the first position:
///   `removed 19 whitespace character(s) (U+0020 SPACE), first at position 3`;
/// - the characters kept in another form, counted: `made 16 lowercase hex digit(s) uppercase`.
pub(super) fn summarize(changes: &[Change]) -> Vec<String> {
    let mut lines = Vec::new();
    for change in changes.iter().filter(|c| c.kind == ChangeKind::Invisible) {
        lines.push(format!(
            "removed invisible {} {} at position {}",
            change.code_point, change.name, change.index
        ));
    }
    let mut labels = changes.iter().filter(|c| c.kind == ChangeKind::Label);
    if let Some(first) = labels.next() {
        let last = labels.next_back().map_or(first.index, |c| c.index);
        // Every character between the label's first and last one was removed (spaces and
        // invisible characters inside it are removed before the label is found), so the
        // changes in that span are the label exactly as pasted.
        let label: String = changes
            .iter()
            .filter(|c| (first.index..=last).contains(&c.index))
            .map(|c| c.character)
            .collect();
        lines.push(format!(
            "removed the label {} at position {}",
            Quoted(&label),
            first.index
        ));
    }
    for (kind, what) in COUNTED {
        let mut count = 0;
        let mut first = 0;
        // The distinct characters in code point order: a handful at most, so an insertion
        // into a short list (no sort or join: they would add kilobytes to the npm package).
        let mut distinct: Vec<char> = Vec::new();
        for change in changes.iter().filter(|c| c.kind == kind) {
            if count == 0 {
                first = change.index;
            }
            count += 1;
            let c = change.character;
            let at = distinct
                .iter()
                .position(|&d| d >= c)
                .unwrap_or(distinct.len());
            if distinct.get(at) != Some(&c) {
                distinct.insert(at, c);
            }
        }
        if count == 0 {
            continue;
        }
        let mut shown = String::new();
        for c in distinct {
            if !shown.is_empty() {
                shown.push_str(", ");
            }
            shown.push_str(&describe_char(c));
        }
        lines.push(format!(
            "removed {count} {what} ({shown}), first at position {first}"
        ));
    }
    let folded = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::CaseFolded)
        .count();
    if folded > 0 {
        lines.push(format!("made {folded} lowercase hex digit(s) uppercase"));
    }
    let rewritten = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::StandardBase64)
        .count();
    if rewritten > 0 {
        lines.push(format!(
            "rewrote {rewritten} standard base64 character(s) ('+', '/') as base64url ('-', '_')"
        ));
    }
    lines
}
