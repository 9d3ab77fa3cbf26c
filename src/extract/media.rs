//! Media queries evaluated for a viewport, as a browser evaluates them at load time.
//!
//! Covers what pages use in `<link media>`, `<source media>`, `sizes`, `@import` and
//! `@media`: media types, `and`/`or`/`not`/`only`, comma lists, `min-`/`max-` and range
//! syntax (`width >= 600px`, `400px <= width <= 700px`) for width, height, aspect-ratio,
//! resolution and colour depth, lengths in any absolute or viewport unit and in math
//! functions (`calc()`, `min()`, `max()`, `clamp()`), orientation, and the discrete features
//! with a desktop browser's answers (a touch device's for the mobile preset).
//!
//! Logic is three-valued as in Media Queries 4 and Chromium: a feature that is unknown or has
//! an invalid value is neither true nor false, so `not (fancy: 1)` does not match but
//! `(fancy: 1) or (width > 0)` does. A query whose syntax is invalid matches nothing.
//! `fixtures/media-queries.tsv` holds Chromium's answers to 289 queries; a unit test holds
//! this module to them.

use super::{srcset, Viewport};
use cssparser::{Delimiter, ParseError, Parser, Token};

/// Whether a media query list matches the viewport. An empty list matches.
pub fn matches(query: &str, vp: &Viewport) -> bool {
    let q = query.trim();
    if q.is_empty() {
        return true;
    }
    let mut p = Parser::new(q);
    // A comma-separated list matches when any query in it does.
    let mut any = false;
    loop {
        let r = p.parse_until_before(Delimiter::Comma, |p| {
            Ok::<bool, ParseError<()>>(query_matches(p, vp))
        });
        any |= r.unwrap_or(false);
        if p.next().is_err() {
            break;
        }
    }
    any
}

/// A truth value of Media Queries 4: an unknown feature makes its term unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn known(answer: Option<bool>) -> Self {
        match answer {
            Some(true) => Truth::True,
            Some(false) => Truth::False,
            None => Truth::Unknown,
        }
    }

    fn not(self) -> Self {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    fn or(self, other: Self) -> Self {
        self.not().and(other.not()).not()
    }
}

/// One query: `[not|only]? type [and condition-without-or]?` or a bare condition.
fn query_matches(p: &mut Parser<'_>, vp: &Viewport) -> bool {
    let start = p.state();
    let Ok(Token::Ident(first)) = p.next().cloned() else {
        p.reset(&start);
        return condition(p, vp, true) == Some(Truth::True);
    };
    let first = first.to_ascii_lowercase();
    let (negated, media_type) = match first.as_str() {
        "not" | "only" => match p.next().cloned() {
            Ok(Token::Ident(t)) => (first == "not", t.to_ascii_lowercase()),
            _ => {
                // `not (condition)`: a negated bare condition.
                p.reset(&start);
                return condition(p, vp, true) == Some(Truth::True);
            }
        },
        _ => (false, first),
    };
    if matches!(media_type.as_str(), "not" | "only" | "and" | "or" | "layer") {
        return false;
    }
    let rest = if p.is_exhausted() {
        Truth::True
    } else {
        match p.next().cloned() {
            Ok(Token::Ident(and)) if and.eq_ignore_ascii_case("and") => {
                let Some(rest) = condition(p, vp, false) else {
                    return false;
                };
                rest
            }
            _ => return false, // garbage after the type: the query is invalid
        }
    };
    // Any other type, known or not, matches nothing: `not tv` and `not foo` match.
    let type_ok = Truth::known(Some(matches!(media_type.as_str(), "all" | "screen")));
    let t = type_ok.and(rest);
    (if negated { t.not() } else { t }) == Truth::True
}

/// A condition to the end of the input: `not (a)`, or `(a) [and (b)]*`, or `(a) [or (b)]*`
/// (`or` only where `allow_or`). `None` when the syntax is invalid.
fn condition(p: &mut Parser<'_>, vp: &Viewport, allow_or: bool) -> Option<Truth> {
    if p.try_parse(|p| p.expect_ident_matching("not")).is_ok() {
        let t = in_parens(p, vp)?.not();
        return p.is_exhausted().then_some(t);
    }
    let mut t = in_parens(p, vp)?;
    let mut joiner: Option<bool> = None; // Some(true) once `or` joins, Some(false) for `and`
    while !p.is_exhausted() {
        let or = match p.next().cloned().ok()? {
            Token::Ident(w) if w.eq_ignore_ascii_case("and") => false,
            Token::Ident(w) if allow_or && w.eq_ignore_ascii_case("or") => true,
            _ => return None,
        };
        if *joiner.get_or_insert(or) != or {
            return None; // `and` and `or` mixed without parentheses
        }
        let next = in_parens(p, vp)?;
        t = if or { t.or(next) } else { t.and(next) };
    }
    Some(t)
}

/// `( ... )`: a nested condition or a feature. What is neither (or a feature with an invalid
/// value) is unknown, not invalid: Media Queries 4's `<general-enclosed>`.
fn in_parens(p: &mut Parser<'_>, vp: &Viewport) -> Option<Truth> {
    p.expect_parenthesis_block().ok()?;
    p.parse_nested_block(|p| {
        let start = p.state();
        let nested = match p.next().cloned() {
            Ok(Token::ParenthesisBlock) => true,
            Ok(Token::Ident(w)) => w.eq_ignore_ascii_case("not"),
            _ => false,
        };
        p.reset(&start);
        let t = if nested {
            condition(p, vp, true).unwrap_or(Truth::Unknown)
        } else {
            Truth::known(feature(&tokens(p, vp), vp))
        };
        Ok::<Truth, ParseError<()>>(t)
    })
    .ok()
}

/// The tokens of a feature, each math function replaced by its length in px.
fn tokens<'i>(p: &mut Parser<'i>, vp: &Viewport) -> Vec<Token<'i>> {
    let mut toks = Vec::new();
    while let Ok(t) = p.next().cloned() {
        if let Token::Function(name) = &t {
            let px = p
                .parse_nested_block(|p| {
                    let start = p.position();
                    while p.next().is_ok() {}
                    let call = format!("{}({})", name.to_ascii_lowercase(), p.slice_from(start));
                    Ok::<_, ParseError<()>>(srcset::length_px(&call, vp))
                })
                .ok()
                .flatten();
            if let Some(px) = px {
                toks.push(Token::Dimension {
                    has_sign: false,
                    value: px as f32,
                    int_value: None,
                    unit: "px".into(),
                });
                continue;
            }
        }
        toks.push(t);
    }
    toks
}

/// `name`, `name: value` or a range; `None` when the feature is unknown or its value invalid.
fn feature(toks: &[Token<'_>], vp: &Viewport) -> Option<bool> {
    match toks {
        [Token::Ident(name)] => boolean_feature(&name.to_ascii_lowercase(), vp),
        [Token::Ident(name), Token::Colon, value @ ..] => {
            plain_feature(&name.to_ascii_lowercase(), value, vp)
        }
        _ => range_feature(toks, vp),
    }
}

/// A feature in a boolean context: true unless its value is 0, `none` or `no-preference`.
fn boolean_feature(name: &str, vp: &Viewport) -> Option<bool> {
    if let Some((_, v)) = range_value(name, vp) {
        return Some(v != 0.0);
    }
    if name == "grid" {
        return Some(false);
    }
    discrete_value(name, vp).map(|(v, _)| !matches!(v, "none" | "no-preference"))
}

/// What a range feature's value is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Length,
    Resolution,
    Integer,
    Number,
    Ratio,
}

/// A range feature's value for the viewport: lengths in px, resolutions in dppx.
fn range_value(name: &str, vp: &Viewport) -> Option<(Kind, f64)> {
    Some(match name {
        "width" | "device-width" => (Kind::Length, vp.width),
        "height" | "device-height" => (Kind::Length, vp.height),
        "aspect-ratio" | "device-aspect-ratio" => (Kind::Ratio, vp.width / vp.height),
        "resolution" => (Kind::Resolution, vp.dpr),
        "-webkit-device-pixel-ratio" => (Kind::Number, vp.dpr),
        "color" => (Kind::Integer, 8.0),
        "color-index" | "monochrome" => (Kind::Integer, 0.0),
        "-webkit-transform-3d" => (Kind::Integer, 1.0),
        _ => return None,
    })
}

/// A discrete feature's value and the values it may take: a desktop browser with a mouse, or
/// a touch device for the mobile preset. (Headless Chromium reports no pointer at all; the
/// table's answers were taken with a mouse configured, as a user's browser has one.) A value
/// outside the list makes the feature unknown (`not (hover: foo)` does not match).
fn discrete_value(name: &str, vp: &Viewport) -> Option<(&'static str, &'static [&'static str])> {
    const NO_PREFERENCE: &[&str] = &["no-preference", "reduce"];
    Some(match name {
        "orientation" if vp.height >= vp.width => ("portrait", &["portrait", "landscape"]),
        "orientation" => ("landscape", &["portrait", "landscape"]),
        "hover" | "any-hover" if vp.mobile => ("none", &["none", "hover"]),
        "hover" | "any-hover" => ("hover", &["none", "hover"]),
        "pointer" | "any-pointer" if vp.mobile => ("coarse", &["none", "coarse", "fine"]),
        "pointer" | "any-pointer" => ("fine", &["none", "coarse", "fine"]),
        "prefers-color-scheme" => ("light", &["light", "dark"]),
        "prefers-reduced-motion" | "prefers-reduced-transparency" => {
            ("no-preference", NO_PREFERENCE)
        }
        "prefers-contrast" => (
            "no-preference",
            &["no-preference", "more", "less", "custom"],
        ),
        "scripting" => ("enabled", &["none", "initial-only", "enabled"]),
        "display-mode" => (
            "browser",
            &[
                "fullscreen",
                "standalone",
                "minimal-ui",
                "browser",
                "picture-in-picture",
                "window-controls-overlay",
            ],
        ),
        "forced-colors" => ("none", &["none", "active"]),
        "update" => ("fast", &["none", "slow", "fast"]),
        "overflow-block" => ("scroll", &["none", "scroll", "paged"]),
        "overflow-inline" => ("scroll", &["none", "scroll"]),
        "color-gamut" => ("srgb", &["srgb", "p3", "rec2020"]),
        "dynamic-range" => ("standard", &["standard", "high"]),
        _ => return None,
    })
}

/// `name: value`, with `min-`/`max-` prefixes on range features.
fn plain_feature(name: &str, value: &[Token<'_>], vp: &Viewport) -> Option<bool> {
    let (cmp, base) = match name {
        "-webkit-min-device-pixel-ratio" => (Cmp::Ge, "-webkit-device-pixel-ratio"),
        "-webkit-max-device-pixel-ratio" => (Cmp::Le, "-webkit-device-pixel-ratio"),
        _ => match (name.strip_prefix("min-"), name.strip_prefix("max-")) {
            (Some(base), _) => (Cmp::Ge, base),
            (_, Some(base)) => (Cmp::Le, base),
            _ => (Cmp::Eq, name),
        },
    };
    if let Some((kind, actual)) = range_value(base, vp) {
        return Some(cmp.holds(actual, value_of(value, kind, vp)?));
    }
    if cmp != Cmp::Eq {
        return None; // `min-orientation`: prefixes belong to range features
    }
    match (base, value) {
        (
            "grid",
            [Token::Number {
                int_value: Some(v), ..
            }],
        ) => Some(*v == 0),
        (_, [Token::Ident(v)]) => {
            let (actual, values) = discrete_value(base, vp)?;
            let v = v.to_ascii_lowercase();
            values.contains(&v.as_str()).then(|| v == actual)
        }
        _ => None,
    }
}

/// A comparison of range syntax or of a `min-`/`max-` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Cmp {
    /// Exact: values are read as the decimals written ([`decimal`]), so `(max-width: 1350px)`
    /// at 1350 and `(-webkit-min-device-pixel-ratio: 1.1)` at DPR 1.1 hold.
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => a == b,
        }
    }

    /// `a < x < b` and `a > x > b` are ranges; other pairs are invalid.
    fn same_direction(self, other: Self) -> bool {
        let less = |c| matches!(c, Cmp::Lt | Cmp::Le);
        let greater = |c| matches!(c, Cmp::Gt | Cmp::Ge);
        (less(self) && less(other)) || (greater(self) && greater(other))
    }
}

/// `width >= 600px`, `600px < width`, `400px <= width <= 700px`.
fn range_feature(toks: &[Token<'_>], vp: &Viewport) -> Option<bool> {
    let mut parts: Vec<&[Token<'_>]> = Vec::new();
    let mut ops: Vec<Cmp> = Vec::new();
    let (mut i, mut from) = (0, 0);
    while i < toks.len() {
        if let Token::Delim(c @ ('<' | '>' | '=')) = toks[i] {
            parts.push(&toks[from..i]);
            let or_equal = c != '=' && matches!(toks.get(i + 1), Some(Token::Delim('=')));
            ops.push(match (c, or_equal) {
                ('<', false) => Cmp::Lt,
                ('<', true) => Cmp::Le,
                ('>', false) => Cmp::Gt,
                ('>', true) => Cmp::Ge,
                _ => Cmp::Eq,
            });
            i += usize::from(or_equal);
            from = i + 1;
        }
        i += 1;
    }
    parts.push(&toks[from..]);
    let feature = |part: &[Token<'_>]| match part {
        [Token::Ident(n)] => range_value(&n.to_ascii_lowercase(), vp),
        _ => None,
    };
    match (parts.as_slice(), ops.as_slice()) {
        ([a, b], [op]) => match feature(a) {
            Some((kind, actual)) => Some(op.holds(actual, value_of(b, kind, vp)?)),
            None => {
                let (kind, actual) = feature(b)?;
                Some(op.holds(value_of(a, kind, vp)?, actual))
            }
        },
        ([a, b, c], [op1, op2]) if op1.same_direction(*op2) => {
            let (kind, actual) = feature(b)?;
            let low = value_of(a, kind, vp)?;
            let high = value_of(c, kind, vp)?;
            Some(op1.holds(low, actual) && op2.holds(actual, high))
        }
        _ => None,
    }
}

/// A value written for a feature of `kind`, in the unit `range_value` gives; `None` when it is
/// not of that kind (`(min-width: 100)`, `(color: 8.0)`).
fn value_of(value: &[Token<'_>], kind: Kind, vp: &Viewport) -> Option<f64> {
    match (kind, value) {
        (
            Kind::Ratio,
            [Token::Number { value: a, .. }, Token::Delim('/'), Token::Number { value: b, .. }],
        ) => Some(decimal(*a) / decimal(*b)),
        (Kind::Ratio | Kind::Number, [Token::Number { value, .. }]) => Some(decimal(*value)),
        (
            Kind::Integer,
            [Token::Number {
                int_value: Some(v), ..
            }],
        ) => Some(f64::from(*v)),
        (Kind::Length, [Token::Number { value, .. }]) if *value == 0.0 => Some(0.0),
        (Kind::Length, [Token::Dimension { value, unit, .. }]) => {
            length_unit_px(decimal(*value), &unit.to_ascii_lowercase(), vp)
        }
        (Kind::Resolution, [Token::Dimension { value, unit, .. }]) => {
            let v = decimal(*value);
            match unit.to_ascii_lowercase().as_str() {
                "dppx" | "x" => Some(v),
                "dpi" => Some(v / 96.0),
                // Chromium compares dpcm to two decimals of dppx: 37.8dpcm is 1dppx.
                "dpcm" => Some((v * 2.54 / 96.0 * 100.0).round() / 100.0),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The decimal a CSS number token was written as: the tokenizer keeps an `f32`, whose `f64`
/// widening is not the decimal (`1.1` would become 1.100000023841858); its shortest form is.
fn decimal(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// A length of `unit` in CSS px (em and rem at the default 16 px font size).
pub(super) fn length_unit_px(v: f64, unit: &str, vp: &Viewport) -> Option<f64> {
    Some(match unit {
        "px" => v,
        "em" | "rem" => v * 16.0,
        "vw" => v * vp.width / 100.0,
        "vh" => v * vp.height / 100.0,
        "vmin" => v * vp.width.min(vp.height) / 100.0,
        "vmax" => v * vp.width.max(vp.height) / 100.0,
        "cm" => v * 96.0 / 2.54,
        "mm" => v * 96.0 / 25.4,
        "q" => v * 96.0 / 101.6,
        "in" => v * 96.0,
        "pt" => v * 96.0 / 72.0,
        "pc" => v * 16.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desktop() -> Viewport {
        Viewport::default()
    }

    #[test]
    fn empty_and_all_and_screen_match_but_print_does_not() {
        let vp = desktop();
        assert!(matches("", &vp));
        assert!(matches("all", &vp));
        assert!(matches("screen", &vp));
        assert!(matches("only screen", &vp));
        assert!(!matches("print", &vp));
        assert!(matches("not print", &vp));
        assert!(matches("print, screen", &vp));
    }

    #[test]
    fn width_features_compare_against_the_viewport() {
        let vp = desktop(); // 1350 x 940
        assert!(matches("(min-width: 1000px)", &vp));
        assert!(!matches("(max-width: 600px)", &vp));
        assert!(matches("screen and (min-width: 40em)", &vp));
        assert!(!matches(
            "screen and (min-width: 40em) and (max-width: 60em)",
            &vp
        ));
        assert!(matches("(width >= 600px)", &vp));
        assert!(!matches("(width < 600px)", &vp));
        assert!(matches("(1000px <= width <= 1400px)", &vp));
        assert!(matches("(orientation: landscape)", &vp));
        assert!(matches("(max-width: 600px) or (min-width: 1200px)", &vp));
        assert!(!matches("not all and (min-width: 1000px)", &vp));
    }

    #[test]
    fn resolution_follows_the_device_pixel_ratio() {
        let mut vp = desktop();
        assert!(!matches("(min-resolution: 2dppx)", &vp));
        assert!(!matches("(-webkit-min-device-pixel-ratio: 2)", &vp));
        vp.dpr = 2.0;
        assert!(matches("(min-resolution: 192dpi)", &vp));
        assert!(matches("(-webkit-min-device-pixel-ratio: 1.5)", &vp));
    }

    #[test]
    fn unknown_features_and_garbage_do_not_match() {
        let vp = desktop();
        assert!(!matches("(fancy-feature: 3)", &vp));
        assert!(!matches("screen junk", &vp));
        assert!(matches("(prefers-color-scheme: light)", &vp));
        assert!(!matches("(prefers-color-scheme: dark)", &vp));
        assert!(matches("(hover: hover)", &vp));
    }

    /// Every query of `fixtures/media-queries.tsv` against Chromium 156's `matchMedia` at the
    /// default viewport with DPR 1 and 2 (`scripts/media-oracle.py` made the table).
    #[test]
    fn every_query_answers_as_chromium_does() {
        let table = include_str!("../../fixtures/media-queries.tsv");
        let mut wrong = Vec::new();
        let mut rows = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            let [query, dpr1, dpr2] = cols[..] else {
                panic!("bad row {line:?}")
            };
            for (dpr, want) in [(1.0, dpr1), (2.0, dpr2)] {
                let vp = Viewport { dpr, ..desktop() };
                if matches(query, &vp) != (want == "1") {
                    wrong.push(format!("{query:?} at DPR {dpr}: Chromium says {want}"));
                }
            }
            rows += 1;
        }
        assert!(rows > 150, "{rows} rows");
        assert!(
            wrong.is_empty(),
            "{} differ:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }

    /// The mobile preset is a touch screen (Chromium with Blink's touch settings answers the
    /// same), and a square viewport is portrait (checked in Chromium at 900x900).
    #[test]
    fn a_touch_screen_has_no_hover_and_a_coarse_pointer_and_a_square_is_portrait() {
        let touch = Viewport {
            mobile: true,
            ..desktop()
        };
        for (query, want) in [
            ("(hover: none)", true),
            ("(hover)", false),
            ("(any-hover: hover)", false),
            ("(pointer: coarse)", true),
            ("(pointer: fine)", false),
            ("(pointer)", true),
            ("(any-pointer: coarse)", true),
        ] {
            assert_eq!(matches(query, &touch), want, "{query}");
        }
        let square = Viewport {
            width: 900.0,
            height: 900.0,
            ..desktop()
        };
        assert!(matches("(orientation: portrait)", &square));
        assert!(!matches("(orientation: landscape)", &square));
    }
}
