//! Media queries evaluated for a viewport, as a browser evaluates them at load time.
//!
//! Covers what pages use in `<link media>`, `<source media>`, `sizes`, `@import` and
//! `@media`: media types, `and`/`or`/`not`/`only`, comma lists, `min-`/`max-` and range
//! syntax (`width >= 600px`, `400px <= width <= 700px`) for width, height, aspect-ratio and
//! resolution, orientation, and the preference features with a desktop browser's answers.
//! An unknown feature does not match, as the spec says.

use super::Viewport;
use cssparser::{Parser, Token};

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
        let r = p.parse_until_before(cssparser::Delimiter::Comma, |p| {
            Ok::<bool, cssparser::ParseError<()>>(eval_query(p, vp))
        });
        any |= r.unwrap_or(false);
        if p.next().is_err() {
            break;
        }
    }
    any
}

/// One query: `[not|only]? type [and condition]?` or a bare condition.
fn eval_query(p: &mut Parser<'_>, vp: &Viewport) -> bool {
    let start = p.state();
    if let Ok(Token::Ident(id)) = p.next().cloned() {
        let lower = id.to_ascii_lowercase();
        let (negated, media_type) = match lower.as_str() {
            "not" | "only" => {
                let t = match p.next().cloned() {
                    Ok(Token::Ident(t)) => t.to_ascii_lowercase(),
                    _ => {
                        // `not (condition)`: a negated bare condition.
                        p.reset(&start);
                        return eval_condition(p, vp);
                    }
                };
                (lower == "not", t)
            }
            _ => (false, lower),
        };
        let type_ok = matches!(media_type.as_str(), "all" | "screen");
        let known = matches!(
            media_type.as_str(),
            "all"
                | "screen"
                | "print"
                | "speech"
                | "tv"
                | "handheld"
                | "projection"
                | "braille"
                | "embossed"
                | "aural"
                | "tty"
        );
        let rest_ok = match p.next().cloned() {
            Ok(Token::Ident(and)) if and.eq_ignore_ascii_case("and") => eval_condition(p, vp),
            Err(_) => true,
            _ => return false, // garbage after the type: the query is invalid
        };
        if !known {
            return false;
        }
        return (type_ok && rest_ok) != negated;
    }
    p.reset(&start);
    eval_condition(p, vp)
}

/// A condition: `(feature)` terms joined by `and` or `or`, each possibly `not`.
fn eval_condition(p: &mut Parser<'_>, vp: &Viewport) -> bool {
    let mut result: Option<bool> = None;
    let mut op_or = false;
    let mut negate_next = false;
    while let Ok(tok) = p.next().cloned() {
        match tok {
            Token::Ident(id) if id.eq_ignore_ascii_case("not") => negate_next = true,
            Token::Ident(id) if id.eq_ignore_ascii_case("and") => op_or = false,
            Token::Ident(id) if id.eq_ignore_ascii_case("or") => op_or = true,
            Token::ParenthesisBlock => {
                let v = p
                    .parse_nested_block(|p| {
                        Ok::<bool, cssparser::ParseError<()>>(eval_parens(p, vp))
                    })
                    .unwrap_or(false);
                let v = v != negate_next;
                negate_next = false;
                result = Some(match result {
                    None => v,
                    Some(r) if op_or => r || v,
                    Some(r) => r && v,
                });
            }
            _ => return false,
        }
    }
    result.unwrap_or(false)
}

/// Inside parentheses: a nested condition, `name: value`, `name`, or a range.
fn eval_parens(p: &mut Parser<'_>, vp: &Viewport) -> bool {
    let start = p.state();
    let mut toks = Vec::new();
    while let Ok(t) = p.next().cloned() {
        if matches!(t, Token::ParenthesisBlock) {
            p.reset(&start);
            return eval_condition(p, vp);
        }
        toks.push(t);
    }
    match toks.as_slice() {
        [Token::Ident(name)] => boolean_feature(&name.to_ascii_lowercase(), vp),
        [Token::Ident(name), Token::Colon, value @ ..] => {
            plain_feature(&name.to_ascii_lowercase(), value, vp).unwrap_or(false)
        }
        _ => range_feature(&toks, vp).unwrap_or(false),
    }
}

fn boolean_feature(name: &str, vp: &Viewport) -> bool {
    match name {
        "color" | "hover" | "pointer" | "any-hover" | "any-pointer" | "grid" | "scripting" => {
            name != "grid"
        }
        "width" | "height" | "resolution" | "aspect-ratio" | "orientation" => true,
        "monochrome" | "inverted-colors" | "prefers-reduced-motion" | "prefers-contrast" => false,
        _ => {
            let _ = vp;
            false
        }
    }
}

/// A numeric value of a feature for the viewport, in the unit `to_number` yields.
fn feature_value(name: &str, vp: &Viewport) -> Option<f64> {
    Some(match name {
        "width" | "device-width" => vp.width,
        "height" | "device-height" => vp.height,
        "aspect-ratio" | "device-aspect-ratio" => vp.width / vp.height,
        "resolution" | "-webkit-device-pixel-ratio" | "device-pixel-ratio" => vp.dpr,
        "color" => 8.0,
        "monochrome" => 0.0,
        _ => return None,
    })
}

/// `name: value` (with `min-`/`max-` prefixes).
fn plain_feature(name: &str, value: &[Token<'_>], vp: &Viewport) -> Option<bool> {
    let (cmp, base) = if let Some(b) = name.strip_prefix("min-") {
        (Some(">="), b)
    } else if let Some(b) = name.strip_prefix("max-") {
        (Some("<="), b)
    } else if let Some(b) = name.strip_prefix("-webkit-min-") {
        (Some(">="), b)
    } else if let Some(b) = name.strip_prefix("-webkit-max-") {
        (Some("<="), b)
    } else {
        (None, name)
    };
    let base = if base == "device-pixel-ratio" && !name.starts_with("-webkit") && cmp.is_some() {
        "-webkit-device-pixel-ratio"
    } else {
        base
    };
    if let Some(actual) = feature_value(base, vp) {
        let wanted = to_number(value, vp)?;
        return Some(compare(actual, cmp.unwrap_or("="), wanted));
    }
    let ident = match value {
        [Token::Ident(v)] => v.to_ascii_lowercase(),
        _ => return None,
    };
    Some(match (base, ident.as_str()) {
        ("orientation", v) => {
            v == if vp.width >= vp.height {
                "landscape"
            } else {
                "portrait"
            }
        }
        ("prefers-color-scheme", v) => v == "light",
        ("prefers-reduced-motion", v) => v == "no-preference",
        ("prefers-contrast", v) => v == "no-preference",
        ("prefers-reduced-data", v) => v == "no-preference",
        ("hover" | "any-hover", v) => v == if vp.mobile { "none" } else { "hover" },
        ("pointer" | "any-pointer", v) => v == if vp.mobile { "coarse" } else { "fine" },
        ("scripting", v) => v == "enabled",
        ("display-mode", v) => v == "browser",
        ("forced-colors" | "inverted-colors", v) => v == "none",
        ("update", v) => v == "fast",
        ("overflow-block", v) => v == "scroll",
        _ => return None,
    })
}

/// `width >= 600px`, `600px < width`, `400px <= width <= 700px`.
fn range_feature(toks: &[Token<'_>], vp: &Viewport) -> Option<bool> {
    // Split into operands and operators.
    let mut parts: Vec<Vec<Token<'_>>> = vec![Vec::new()];
    let mut ops: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Token::Delim(c @ ('<' | '>' | '=')) => {
                let mut op = c.to_string();
                if *c != '=' && matches!(toks.get(i + 1), Some(Token::Delim('='))) {
                    op.push('=');
                    i += 1;
                }
                ops.push(op);
                parts.push(Vec::new());
            }
            t => parts.last_mut()?.push(t.clone()),
        }
        i += 1;
    }
    let name_of = |part: &[Token<'_>]| match part {
        [Token::Ident(n)] => feature_value(&n.to_ascii_lowercase(), vp),
        _ => None,
    };
    match (parts.as_slice(), ops.as_slice()) {
        ([a, b], [op]) => {
            if let Some(actual) = name_of(a) {
                Some(compare(actual, op, to_number(b, vp)?))
            } else {
                let actual = name_of(b)?;
                Some(compare(to_number(a, vp)?, op, actual))
            }
        }
        ([a, b, c], [op1, op2]) => {
            let actual = name_of(b)?;
            Some(compare(to_number(a, vp)?, op1, actual) && compare(actual, op2, to_number(c, vp)?))
        }
        _ => None,
    }
}

fn compare(a: f64, op: &str, b: f64) -> bool {
    const EPS: f64 = 1e-9;
    match op {
        "<" => a < b - EPS,
        "<=" => a <= b + EPS,
        ">" => a > b + EPS,
        ">=" => a >= b - EPS,
        _ => (a - b).abs() < EPS,
    }
}

/// A value as a number: lengths in CSS px, resolutions in dppx, ratios as a quotient.
fn to_number(value: &[Token<'_>], vp: &Viewport) -> Option<f64> {
    match value {
        [Token::Number { value: a, .. }, Token::Delim('/'), Token::Number { value: b, .. }] => {
            Some(f64::from(*a) / f64::from(*b))
        }
        [Token::Number { value, .. }] => Some(f64::from(*value)),
        [Token::Dimension { value, unit, .. }] => {
            let v = f64::from(*value);
            Some(match unit.to_ascii_lowercase().as_str() {
                "px" => v,
                "em" | "rem" => v * 16.0,
                "vw" => v * vp.width / 100.0,
                "vh" => v * vp.height / 100.0,
                "cm" => v * 96.0 / 2.54,
                "mm" => v * 96.0 / 25.4,
                "in" => v * 96.0,
                "pt" => v * 96.0 / 72.0,
                "pc" => v * 16.0,
                "dppx" | "x" => v,
                "dpi" => v / 96.0,
                "dpcm" => v * 2.54 / 96.0,
                _ => return None,
            })
        }
        _ => None,
    }
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
}
