//! `srcset` and `sizes` as the WHATWG HTML standard parses them, and the choice of one
//! candidate for a viewport and device pixel ratio, as Chromium makes it.

use super::{media, Viewport};

/// One image candidate of a `srcset`.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The URL as written (not yet resolved).
    pub url: String,
    /// Width descriptor (`480w`).
    pub width: Option<f64>,
    /// Pixel density descriptor (`2x`).
    pub density: Option<f64>,
}

/// Parses a `srcset` attribute (WHATWG "parse a srcset attribute"). Candidates with invalid
/// descriptors are dropped, as the standard says.
pub fn parse_srcset(input: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    let s = input.as_bytes();
    let mut i = 0;
    loop {
        while i < s.len() && (is_ws(s[i]) || s[i] == b',') {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        let start = i;
        while i < s.len() && !is_ws(s[i]) {
            i += 1;
        }
        let mut url = &input[start..i];
        let mut descriptors = Vec::new();
        if url.ends_with(',') {
            url = url.trim_end_matches(',');
        } else {
            i = descriptors_of(input, i, &mut descriptors);
        }
        if url.is_empty() {
            continue;
        }
        if let Some(c) = candidate(url, &descriptors) {
            out.push(c);
        }
    }
    out
}

/// A candidate's descriptors from `i`, into `out`: they run to the next comma outside
/// parentheses (left for the caller to skip). Where they end. Delimiters are ASCII, so
/// byte positions at them are character boundaries.
fn descriptors_of(input: &str, mut i: usize, out: &mut Vec<String>) -> usize {
    let s = input.as_bytes();
    let mut in_parens = false;
    let mut cur_start: Option<usize> = None;
    let push = |from: &mut Option<usize>, to: usize, out: &mut Vec<String>| {
        if let Some(f) = from.take() {
            out.push(input[f..to].to_string());
        }
    };
    while i < s.len() {
        let c = s[i];
        match c {
            b',' if !in_parens => {
                push(&mut cur_start, i, out);
                return i;
            }
            c if is_ws(c) && !in_parens => push(&mut cur_start, i, out),
            _ => {
                if c == b'(' {
                    in_parens = true;
                } else if c == b')' {
                    in_parens = false;
                }
                cur_start.get_or_insert(i);
            }
        }
        i += 1;
    }
    push(&mut cur_start, i.min(s.len()), out);
    i
}

/// HTML's ASCII whitespace.
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn candidate(url: &str, descriptors: &[String]) -> Option<Candidate> {
    let mut c = Candidate {
        url: url.to_string(),
        width: None,
        density: None,
    };
    let mut height = false;
    for d in descriptors {
        let last = d.char_indices().last().map_or(0, |(i, _)| i);
        let (num, unit) = d.split_at(last);
        match unit {
            "w" | "W" if c.width.is_none() && c.density.is_none() => {
                c.width = Some(positive_integer(num)? as f64);
            }
            "x" | "X" if c.width.is_none() && c.density.is_none() && !height => {
                c.density = Some(float_number(num).filter(|x| *x >= 0.0)?);
            }
            "h" | "H" if !height && c.density.is_none() => {
                positive_integer(num)?;
                height = true;
            }
            _ => return None,
        }
    }
    if height && c.width.is_none() {
        return None;
    }
    Some(c)
}

/// A "valid non-negative integer" above zero: ASCII digits only (no sign, as Rust's `parse`
/// would take).
fn positive_integer(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

/// A "valid floating-point number" of HTML: `-`? digits, `.` digits or both, then an optional
/// exponent. Rust's `parse` also takes `+1`, `1.`, `inf` and `NaN`, which Chromium drops.
fn float_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let digits = |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_end = digits(i);
    let mut end = int_end;
    if b.get(end) == Some(&b'.') {
        end = digits(end + 1);
        if end == int_end + 1 {
            return None;
        }
    } else if int_end == i {
        return None;
    }
    i = end;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        i += usize::from(matches!(b.get(i), Some(b'-' | b'+')));
        end = digits(i);
        if end == i {
            return None;
        }
    }
    if end != b.len() {
        return None;
    }
    s.parse().ok()
}

/// The source size in CSS px from a `sizes` attribute: the length of the first entry whose
/// media condition matches, else `100vw` (also for `auto`, where layout would decide).
pub fn source_size(sizes: Option<&str>, vp: &Viewport) -> f64 {
    let default = vp.width;
    let Some(sizes) = sizes else { return default };
    for entry in split_top_level_commas(sizes) {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        // The length is the last component; a condition may precede it.
        let (cond, len) = last_component(entry);
        let cond = cond.trim();
        if len.eq_ignore_ascii_case("auto") {
            // `auto` stands alone: Chromium 156 takes 100vw for it on an image that is not
            // lazy (a lazy one's layout width is not known here). After a condition it is an
            // invalid entry, skipped.
            if cond.is_empty() {
                return default;
            }
            continue;
        }
        // A negative length is invalid, not zero: the entry is skipped.
        let Some(px) = length_px(len, vp).filter(|px| *px >= 0.0) else {
            continue;
        };
        if cond.is_empty() || media::matches(cond, vp) {
            return px;
        }
    }
    default
}

fn split_top_level_commas(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Splits `"(max-width: 600px) calc(100vw - 2em)"` into the condition and the length.
fn last_component(entry: &str) -> (&str, &str) {
    let bytes = entry.as_bytes();
    let mut depth = 0i32;
    let mut i = bytes.len();
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b')' => depth += 1,
            b'(' => depth -= 1,
            c if c.is_ascii_whitespace() && depth == 0 => {
                return (&entry[..i], entry[i..].trim());
            }
            _ => {}
        }
    }
    ("", entry)
}

/// A CSS length in px: any absolute or viewport unit, and `calc()`, `min()`, `max()` and
/// `clamp()` of lengths.
pub fn length_px(s: &str, vp: &Viewport) -> Option<f64> {
    let lower = s.trim().to_ascii_lowercase();
    if let Some((name, args)) = lower.split_once('(') {
        let args = args.strip_suffix(')')?;
        if name == "calc" {
            return calc(args, vp);
        }
        let vals: Vec<f64> = split_top_level_commas(args)
            .into_iter()
            .map(|p| length_px(p, vp))
            .collect::<Option<_>>()?;
        return match (name, vals.as_slice()) {
            ("min", _) => vals.into_iter().reduce(f64::min),
            ("max", _) => vals.into_iter().reduce(f64::max),
            ("clamp", [low, v, high]) => Some(v.min(*high).max(*low)),
            _ => None,
        };
    }
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let v: f64 = num.parse().ok()?;
    if unit.is_empty() {
        // A number is a length only when it is zero.
        return (v == 0.0).then_some(0.0);
    }
    media::length_unit_px(v, unit, vp)
}

/// `calc()` with + - * / over lengths and numbers, products before sums, left to right; the
/// operators stand between spaces (+ and - must, in CSS). A missing operand is invalid.
fn calc(expr: &str, vp: &Viewport) -> Option<f64> {
    let mut tokens = expr.split_whitespace();
    let (mut total, mut sign) = (0.0, 1.0);
    let mut term = calc_factor(tokens.next()?, vp)?;
    while let Some(op) = tokens.next() {
        let rhs = calc_factor(tokens.next()?, vp)?;
        match op {
            "*" => term *= rhs,
            "/" => term /= rhs,
            "+" | "-" => {
                total += sign * term;
                sign = if op == "+" { 1.0 } else { -1.0 };
                term = rhs;
            }
            _ => return None,
        }
    }
    Some(total + sign * term)
}

fn calc_factor(tok: &str, vp: &Viewport) -> Option<f64> {
    tok.parse::<f64>().ok().or_else(|| length_px(tok, vp))
}

/// Chooses the candidate a browser requests: densities come from `x` descriptors, or from
/// `w` descriptors divided by the source size; the smallest density at least the device
/// pixel ratio wins, else the largest; of equal densities the first written. `src` joins as
/// a 1x candidate when `srcset` has no width descriptor (WHATWG "update the source set": a
/// 1x in `srcset` comes first, so it wins the tie).
pub fn choose<'a>(
    srcset: &'a [Candidate],
    src: Option<&'a str>,
    sizes: Option<&str>,
    vp: &Viewport,
) -> Option<&'a str> {
    let size = source_size(sizes, vp);
    let has_w = srcset.iter().any(|c| c.width.is_some());
    let mut dens: Vec<(f64, &str)> = srcset
        .iter()
        .map(|c| {
            let d = match (c.width, c.density) {
                (Some(w), _) => w / size, // infinite at a zero size: every one ties
                (None, Some(x)) => x,
                (None, None) => 1.0,
            };
            (d, c.url.as_str())
        })
        .collect();
    if let Some(src) = src.filter(|s| !s.trim().is_empty() && !has_w) {
        dens.push((1.0, src));
    }
    // A stable sort keeps the written order within a tie; the first of each tie stays.
    dens.sort_by(|a, b| a.0.total_cmp(&b.0));
    dens.dedup_by(|later, first| later.0 == first.0);
    dens.iter()
        .find(|(d, _)| *d >= vp.dpr - 1e-9)
        .or(dens.last())
        .map(|(_, u)| *u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vp(width: f64, dpr: f64) -> Viewport {
        Viewport {
            width,
            dpr,
            ..Viewport::default()
        }
    }

    #[test]
    fn srcset_parses_descriptors_and_commas_inside_urls() {
        let c = parse_srcset("a.jpg 480w, b.jpg 2x,c.jpg, d,e.jpg 1.5x");
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].width, Some(480.0));
        assert_eq!(c[1].density, Some(2.0));
        assert_eq!(c[2].url, "c.jpg");
        assert_eq!(c[3].url, "d,e.jpg");
        assert_eq!(c[3].density, Some(1.5));
    }

    #[test]
    fn non_ascii_descriptors_are_dropped_not_a_panic() {
        // Found by the srcset fuzz target: a multi-byte last character in a descriptor.
        let c = parse_srcset("\u{1a}\n\u{fffd}\n\n\u{fffd}");
        assert!(c.len() <= 2);
        assert!(parse_srcset("a.jpg 2\u{e9}, b.jpg 1x")
            .iter()
            .all(|c| c.url != "a.jpg"));
    }

    #[test]
    fn srcset_drops_candidates_with_invalid_descriptors() {
        let c = parse_srcset("a.jpg 480w 2x, b.jpg 0w, c.jpg foo, d.jpg 100h, e.jpg 10w 20h");
        let urls: Vec<_> = c.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(urls, ["e.jpg"]);
    }

    #[test]
    fn sizes_takes_the_first_matching_condition() {
        let v = vp(1350.0, 1.0);
        assert_eq!(
            source_size(Some("(max-width: 600px) 480px, 800px"), &v),
            800.0
        );
        assert_eq!(
            source_size(Some("(min-width: 1000px) 50vw, 100vw"), &v),
            675.0
        );
        assert_eq!(source_size(Some("calc(100vw - 50px)"), &v), 1300.0);
        assert_eq!(source_size(None, &v), 1350.0);
        assert_eq!(source_size(Some("garbage!"), &v), 1350.0);
    }

    #[test]
    fn width_descriptors_choose_the_smallest_sufficient_image() {
        let set = parse_srcset("s.jpg 320w, m.jpg 640w, l.jpg 1024w, xl.jpg 2048w");
        // 1350 px wide at DPR 1: 1024/1350 < 1, so 2048w is the first with density >= 1.
        assert_eq!(choose(&set, None, None, &vp(1350.0, 1.0)), Some("xl.jpg"));
        assert_eq!(
            choose(
                &set,
                None,
                Some("(min-width: 800px) 600px, 100vw"),
                &vp(1350.0, 1.0)
            ),
            Some("m.jpg")
        );
        assert_eq!(
            choose(&set, None, Some("300px"), &vp(1350.0, 2.0)),
            Some("m.jpg")
        );
    }

    #[test]
    fn density_descriptors_follow_the_device_pixel_ratio_and_src_is_the_1x() {
        let set = parse_srcset("hi.jpg 2x");
        assert_eq!(
            choose(&set, Some("lo.jpg"), None, &vp(1350.0, 1.0)),
            Some("lo.jpg")
        );
        assert_eq!(
            choose(&set, Some("lo.jpg"), None, &vp(1350.0, 2.0)),
            Some("hi.jpg")
        );
        assert_eq!(
            choose(&set, Some("lo.jpg"), None, &vp(1350.0, 3.0)),
            Some("hi.jpg")
        );
        assert_eq!(
            choose(&[], Some("only.jpg"), None, &vp(1.0, 1.0)),
            Some("only.jpg")
        );
    }

    #[test]
    fn src_is_ignored_when_srcset_has_width_descriptors() {
        let set = parse_srcset("w.jpg 100w");
        assert_eq!(
            choose(&set, Some("src.jpg"), Some("50px"), &vp(1350.0, 1.0)),
            Some("w.jpg")
        );
    }

    /// Each `srcset` alone on an `<img>` in Chromium 156 (1350x940, DPR 1): whether its one
    /// candidate was requested. Numbers follow HTML's grammar, not Rust's `parse`.
    #[test]
    fn descriptors_are_kept_or_dropped_as_chromium_does() {
        let cases = [
            ("d.png -1x", false),
            ("d.png 0x", true),
            ("d.png infx", false),
            ("d.png NaNx", false),
            ("d.png +1x", false),
            ("d.png 1.x", false),
            ("d.png .5x", true),
            ("d.png 1e0x", true),
            ("d.png 1e+0x", true),
            ("d.png 1ex", false),
            ("d.png -x", false),
            ("w.png +480w", false),
            ("w.png 480.5w", false),
            ("w.png 0480w", true),
            ("w.png 100w 200w", false),
            ("w.png 2x 480w", false),
            ("w.png 2x 3x", false),
            ("h.png 10w 20h 30h", false),
            ("h.png 10w 0h", false),
            ("h.png 10w +5h", false),
            ("h.png 2x 5h", false),
            ("h.png 5h 10w", true),
        ];
        for (set, kept) in cases {
            assert_eq!(parse_srcset(set).len(), usize::from(kept), "{set}");
        }
        assert_eq!(parse_srcset("d.png 0x")[0].density, Some(0.0));
        assert_eq!(parse_srcset("d.png .5x")[0].density, Some(0.5));
        assert_eq!(parse_srcset("h.png 5h 10w")[0].width, Some(10.0));
    }

    /// Inside parentheses a comma belongs to the descriptor (Chromium requested neither image
    /// of either set): the rest of the attribute is one invalid descriptor.
    #[test]
    fn a_comma_inside_parentheses_does_not_end_a_descriptor() {
        assert!(parse_srcset("a.png 1x (, b.png 2x").is_empty());
        assert!(parse_srcset("a.png 1x (x, b.png 2x").is_empty());
        let after = parse_srcset("a.png 1x (x), b.png 2x");
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].url, "b.png");
    }

    /// Each `sizes` beside `400w, 1000w, 2000w` in Chromium 156 at 1350x940; the size that
    /// gives the image it requested.
    #[test]
    fn sizes_entries_are_read_as_chromium_reads_them() {
        let v = Viewport::default();
        let cases = [
            ("-10px, 1500px", 1500.0), // negative: invalid, skipped
            ("10, 1500px", 1500.0),    // a number without unit: skipped
            ("0.0, 1500px", 0.0),
            ("+350px", 350.0),
            ("(min-width: 100px) auto, 350px", 350.0),
            ("auto, 350px", 1350.0),
            ("min(350px, 50vw)", 350.0),
            ("(min-width: 100px) calc(30vw - 50px)", 355.0),
            ("(max-width: 100px) calc(30vw - 50px), 7px", 7.0),
            ("20em", 320.0),
            ("30vmin", 282.0),
            ("70vmax", 945.0),
        ];
        for (sizes, px) in cases {
            assert_eq!(source_size(Some(sizes), &v), px, "{sizes}");
        }
    }

    #[test]
    fn lengths_in_every_unit() {
        let v = Viewport::default();
        let cases = [
            ("12.5px", Some(12.5)),
            ("+10px", Some(10.0)),
            ("-10px", Some(-10.0)),
            ("2em", Some(32.0)),
            ("3rem", Some(48.0)),
            ("50vw", Some(675.0)),
            ("50vh", Some(470.0)),
            ("10vmin", Some(94.0)),
            ("10vmax", Some(135.0)),
            ("0", Some(0.0)),
            ("0.0", Some(0.0)),
            ("10", None),
            ("12pt", Some(16.0)),
            ("2.54cm", Some(96.0)),
            ("10foo", None),
            ("clamp(10px, 50vw, 600px)", Some(600.0)),
            ("clamp(10px, 1vw, 600px)", Some(13.5)),
            ("clamp(700px, 1vw, 600px)", Some(700.0)),
            ("clamp(10px, 1vw)", None),
            ("foo(10px)", None),
            ("max(10px, 2em)", Some(32.0)),
            ("calc(100vw / 2 - 3 * 10px)", Some(645.0)),
            ("calc(2 * 10px + 3px * 2 - 1px)", Some(25.0)),
            ("calc(100px / 4 / 5)", Some(5.0)),
            ("calc(10px - 2px - 3px)", Some(5.0)),
            ("calc(10px *)", None),
            ("calc(10px +)", None),
            ("calc(10px 5px)", None),
            ("calc()", None),
        ];
        for (len, px) in cases {
            assert_eq!(length_px(len, &v), px, "{len}");
        }
    }

    /// Of equal densities the first written wins, also when none reaches the device pixel
    /// ratio (Chromium 156 at DPR 2 requested `a`, `d`, `f` and `h` of these).
    #[test]
    fn equal_densities_keep_the_first_candidate() {
        let dpr2 = vp(1350.0, 2.0);
        let pick = |set: &str, src: Option<&'static str>, sizes: Option<&str>| {
            let c = parse_srcset(set);
            choose(&c, src, sizes, &dpr2).map(str::to_string)
        };
        assert_eq!(
            pick("a.png 1x, b.png 1x", None, None).as_deref(),
            Some("a.png")
        );
        assert_eq!(
            pick("c.png 1x, d.png 2x, e.png 2x", None, None).as_deref(),
            Some("d.png")
        );
        assert_eq!(
            pick("f.png 400w, g.png 400w", None, Some("100px")).as_deref(),
            Some("f.png")
        );
        assert_eq!(
            pick("h.png 1x, i.png 0.5x", Some("src.png"), None).as_deref(),
            Some("h.png")
        );
        // A zero source size makes every width candidate infinitely dense: the first wins.
        assert_eq!(
            pick("l.png 2000w, m.png 1000w", None, Some("0px")).as_deref(),
            Some("l.png")
        );
        // src is the 1x beside a 2x only: chosen at DPR 1, not at 2.
        let c = parse_srcset("two.png 2x");
        assert_eq!(
            choose(&c, Some("one.png"), None, &vp(1350.0, 1.0)),
            Some("one.png")
        );
        assert_eq!(
            choose(&c, Some(" "), None, &vp(1350.0, 1.0)),
            Some("two.png")
        );
    }
}
