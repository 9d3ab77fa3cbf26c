//! Code a page shipped and never used during the load: the share of each script's source in
//! functions that never ran (the browser's precise coverage, function by function, as
//! Lighthouse's unused-javascript reads it), and of each stylesheet's in rules that never
//! matched (the browser's rule usage). Pure: ranges in, shares out.
//!
//! The browser counts a source's characters (UTF-16 code units); a share of them is applied
//! to the request's decoded bytes, so "600 kB of which 480 kB never ran" is exact for the
//! ASCII sources scripts and stylesheets almost always are, and an estimate otherwise.

use serde::{Deserialize, Serialize};

/// Longest source measured, in characters (a larger one's share is not computed).
const MAX_SOURCE: u64 = 64 * 1024 * 1024;

/// A script or stylesheet.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A script: its functions that never ran are unused.
    Script,
    /// A stylesheet: its rules that never matched are unused.
    Stylesheet,
}

/// What of one script or stylesheet the page never used during the load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UnusedCode {
    /// The script's or stylesheet's URL.
    pub url: String,
    /// Script or stylesheet.
    pub kind: CodeKind,
    /// Its decoded bytes.
    pub decoded_bytes: u64,
    /// The share of its source never run or never matched (0 to 1).
    pub unused_share: f64,
    /// That share of its decoded bytes.
    pub unused_bytes: u64,
}

/// One range of a source, in characters, and whether it was used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// First character.
    pub start: u64,
    /// One past the last.
    pub end: u64,
    /// Run (a function called at least once) or matched (a rule).
    pub used: bool,
}

/// The share of a script's source in functions that never ran: each function's range marks
/// its characters, an inner function over the one around it; characters no function covers
/// count as used (nothing says otherwise). `None` without ranges, or for a source too large.
pub fn script_share(functions: &[Range]) -> Option<f64> {
    let len = functions.iter().map(|r| r.end).max()?;
    if len == 0 || len > MAX_SOURCE {
        return None;
    }
    let mut sorted: Vec<&Range> = functions.iter().filter(|r| r.start < r.end).collect();
    // Outer ranges first, so inner ones are painted over them.
    sorted.sort_by_key(|r| (std::cmp::Reverse(r.end - r.start), r.start));
    let mut used = vec![true; len as usize];
    for r in sorted {
        used[r.start as usize..r.end as usize].fill(r.used);
    }
    let unused = used.iter().filter(|u| !**u).count();
    Some(unused as f64 / len as f64)
}

/// The share of a stylesheet of `length` characters outside the rules that matched (its
/// unmatched rules, and comments and space between rules). `None` for an empty sheet.
pub fn sheet_share(length: u64, rules: &[Range]) -> Option<f64> {
    if length == 0 || length > MAX_SOURCE {
        return None;
    }
    let mut spans: Vec<(u64, u64)> = (rules.iter())
        .filter(|r| r.used)
        .map(|r| (r.start.min(length), r.end.min(length)))
        .collect();
    spans.sort_unstable();
    let (mut covered, mut reach) = (0u64, 0u64);
    for (s, e) in spans {
        let s = s.max(reach);
        if e > s {
            covered += e - s;
            reach = e;
        }
    }
    Some((length - covered) as f64 / length as f64)
}

impl UnusedCode {
    /// A script or stylesheet of `decoded_bytes` with this share unused.
    pub fn new(url: String, kind: CodeKind, decoded_bytes: u64, share: f64) -> UnusedCode {
        let share = share.clamp(0.0, 1.0);
        UnusedCode {
            url,
            kind,
            decoded_bytes,
            unused_share: (share * 1000.0).round() / 1000.0,
            unused_bytes: (decoded_bytes as f64 * share).round() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, end: u64, used: bool) -> Range {
        Range { start, end, used }
    }

    #[test]
    fn functions_never_run_are_unused_an_inner_one_over_its_outer() {
        // A 1000-character script: its top level ran; a 400-character function never did,
        // and inside it nothing; a 100-character function inside a function that ran, never.
        let share = script_share(&[
            r(0, 1000, true),
            r(100, 500, false),
            r(600, 900, true),
            r(700, 800, false),
        ]);
        assert_eq!(share, Some(0.5));
        // A function that ran inside one that never did (impossible, but given) is used.
        assert_eq!(script_share(&[r(0, 100, false), r(0, 50, true)]), Some(0.5));
        assert_eq!(script_share(&[]), None);
    }

    #[test]
    fn a_sheets_unused_share_is_what_its_matched_rules_do_not_cover() {
        // 200 characters: rules 0-50 matched, 50-120 did not, 100-150 matched (overlapping
        // ranges counted once); 150-200 is space and comments.
        let share = sheet_share(
            200,
            &[
                r(0, 50, true),
                r(50, 120, false),
                r(100, 150, true),
                r(120, 140, true),
            ],
        );
        assert_eq!(share, Some(0.5));
        assert_eq!(sheet_share(0, &[]), None);
        assert_eq!(sheet_share(10, &[]), Some(1.0));
    }

    #[test]
    fn the_share_is_applied_to_the_decoded_bytes() {
        let u = UnusedCode::new(
            "https://t.example/tag.js".into(),
            CodeKind::Script,
            600_000,
            0.8,
        );
        assert_eq!((u.unused_bytes, u.unused_share), (480_000, 0.8));
    }
}
