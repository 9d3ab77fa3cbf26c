//! Stylesheets to references: `@import`, `@font-face` sources and `url()`/`image-set()`
//! values of style rules, each with its selector, the `@media` conditions around it and its
//! line and column. Parsing is pure ([`parse`]); which references a browser would load is
//! decided later by the engine, which knows the document the rules apply to.

use cssparser::{Parser, SourceLocation, Token};

/// Nesting depth beyond which blocks are skipped (a hostile sheet must not blow the stack).
const MAX_NESTING: usize = 64;

/// A URL written in a stylesheet, where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct CssUrl {
    /// The URL as written.
    pub url: String,
    /// 1-based line in the sheet.
    pub line: u32,
    /// 1-based column in the sheet.
    pub column: u32,
}

/// An `@import` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The imported sheet.
    pub url: CssUrl,
    /// The media query list after the URL (empty: all).
    pub media: String,
}

/// One `src` entry of an `@font-face` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FontSrc {
    /// The URL, or `None` for `local()`.
    pub url: Option<CssUrl>,
    /// The `format()` hint, lowercase.
    pub format: Option<String>,
}

/// An `@font-face` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FontFace {
    /// The family it declares (unquoted, lowercase).
    pub family: String,
    /// Its `src` entries, in order.
    pub srcs: Vec<FontSrc>,
    /// `@media` conditions around the rule.
    pub media: Vec<String>,
    /// `font-weight` range it covers (a single weight is `(w, w)`); 400 when absent.
    pub weight: (u16, u16),
    /// `font-style: italic` or `oblique`.
    pub italic: bool,
}

impl Default for FontFace {
    fn default() -> Self {
        FontFace {
            family: String::new(),
            srcs: Vec::new(),
            media: Vec::new(),
            weight: (400, 400),
            italic: false,
        }
    }
}

/// A style rule that references URLs or font families.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StyleRule {
    /// The selector list as written.
    pub selectors: String,
    /// `@media` conditions around the rule, outermost first.
    pub media: Vec<String>,
    /// URLs in its declarations (`image-set()` already narrowed to one candidate per set).
    pub urls: Vec<CssUrl>,
    /// Font families named by `font-family` or `font`, lowercase, in order.
    pub families: Vec<String>,
    /// Custom properties named in `font-family: var(--x)`, resolved against `custom_props`.
    pub family_vars: Vec<String>,
    /// Custom properties it declares, with their value read as a family list.
    pub custom_props: Vec<(String, Vec<String>)>,
    /// `font-weight` (or the weight in `font`) it sets.
    pub weight: Option<u16>,
    /// Whether it sets an italic or oblique `font-style`.
    pub italic: Option<bool>,
}

impl StyleRule {
    /// Whether the rule says anything that decides what a load fetches.
    pub fn matters(&self) -> bool {
        !(self.urls.is_empty()
            && self.families.is_empty()
            && self.family_vars.is_empty()
            && self.custom_props.is_empty()
            && self.weight.is_none()
            && self.italic.is_none())
    }
}

/// What a stylesheet references.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// `@import` rules.
    pub imports: Vec<Import>,
    /// `@font-face` rules.
    pub font_faces: Vec<FontFace>,
    /// Style rules with URLs or font families.
    pub rules: Vec<StyleRule>,
}

/// Parses a stylesheet. `dpr` picks the `image-set()` candidate. Never fails: what does
/// not parse is skipped, as a browser skips it.
pub fn parse(css: &str, dpr: f64) -> Sheet {
    let mut p = Parser::new(css);
    let mut sheet = Sheet::default();
    let mut media = Vec::new();
    walk_rules(&mut p, &mut sheet, &mut media, 0, dpr);
    sheet
}

/// Parses the declarations of a `style` attribute as one rule that applies to its element.
pub fn parse_declarations(css: &str, dpr: f64) -> StyleRule {
    let mut p = Parser::new(css);
    let mut rule = StyleRule::default();
    walk_declarations(&mut p, &mut rule, 0, dpr);
    rule
}

fn loc(l: SourceLocation) -> (u32, u32) {
    (l.line + 1, l.column)
}

type PResult = Result<(), cssparser::ParseError<()>>;

fn walk_rules<'i>(
    p: &mut Parser<'i>,
    sheet: &mut Sheet,
    media: &mut Vec<String>,
    depth: usize,
    dpr: f64,
) {
    loop {
        p.skip_whitespace();
        let start = p.position();
        let tok = match p.next() {
            Ok(t) => t.clone(),
            Err(_) => return,
        };
        match tok {
            Token::AtKeyword(name) => {
                at_rule(p, &name.to_ascii_lowercase(), sheet, media, depth, dpr)
            }
            Token::CDO | Token::CDC | Token::Semicolon => {}
            Token::CurlyBracketBlock => {} // a block without a prelude: nothing to apply
            _ => {
                // A qualified rule: the prelude runs to its `{` block.
                let mut found_block = matches!(tok, Token::CurlyBracketBlock);
                while !found_block {
                    match p.next() {
                        Ok(Token::CurlyBracketBlock) => found_block = true,
                        Ok(_) => {}
                        Err(_) => return,
                    }
                }
                let prelude = p.slice_from(start);
                let selectors = prelude
                    .strip_suffix('{')
                    .unwrap_or(prelude)
                    .trim()
                    .to_string();
                let mut rule = StyleRule {
                    selectors,
                    media: media.clone(),
                    ..StyleRule::default()
                };
                if depth < MAX_NESTING {
                    let _ = p.parse_nested_block(|p| -> PResult {
                        walk_declarations(p, &mut rule, depth + 1, dpr);
                        Ok(())
                    });
                }
                if rule.matters() {
                    sheet.rules.push(rule);
                }
            }
        }
    }
}

fn at_rule<'i>(
    p: &mut Parser<'i>,
    name: &str,
    sheet: &mut Sheet,
    media: &mut Vec<String>,
    depth: usize,
    dpr: f64,
) {
    let prelude_start = p.position();
    // Read the prelude up to `;` or a `{}` block.
    let mut first_url: Option<CssUrl> = None;
    let mut url_end = None;
    let mut has_block = false;
    loop {
        let l = p.current_source_location();
        match p.next() {
            Ok(Token::Semicolon) | Err(_) => break,
            Ok(Token::CurlyBracketBlock) => {
                has_block = true;
                break;
            }
            Ok(Token::UnquotedUrl(u)) | Ok(Token::QuotedString(u)) if first_url.is_none() => {
                let (line, column) = loc(l);
                first_url = Some(CssUrl {
                    url: u.to_string(),
                    line,
                    column,
                });
                url_end = Some(p.position());
            }
            Ok(Token::Function(f)) if f.eq_ignore_ascii_case("url") && first_url.is_none() => {
                let (line, column) = loc(l);
                let u = p
                    .parse_nested_block(|p| -> Result<String, cssparser::ParseError<()>> {
                        Ok(p.expect_string().map(|s| s.to_string()).unwrap_or_default())
                    })
                    .unwrap_or_default();
                first_url = Some(CssUrl {
                    url: u,
                    line,
                    column,
                });
                url_end = Some(p.position());
            }
            Ok(_) => {}
        }
    }
    let prelude = p.slice_from(prelude_start);
    let prelude = prelude
        .strip_suffix('{')
        .or_else(|| prelude.strip_suffix(';'))
        .unwrap_or(prelude)
        .trim();
    match name {
        "import" if !has_block => {
            if let Some(url) = first_url {
                // After the URL: optional layer()/supports() then the media list.
                let rest = url_end
                    .map(|end| p.slice(end..p.position()))
                    .unwrap_or("")
                    .trim_end_matches(';')
                    .trim();
                sheet.imports.push(Import {
                    url,
                    media: import_media(rest),
                });
            }
        }
        "font-face" if has_block && depth < MAX_NESTING => {
            let mut rule = StyleRule::default();
            let mut face = FontFace {
                media: media.clone(),
                ..FontFace::default()
            };
            let _ = p.parse_nested_block(|p| -> PResult {
                font_face(p, &mut face, &mut rule);
                Ok(())
            });
            if !face.family.is_empty() {
                sheet.font_faces.push(face);
            }
        }
        "media" if has_block && depth < MAX_NESTING => {
            media.push(prelude.to_string());
            let _ = p.parse_nested_block(|p| -> PResult {
                walk_rules(p, sheet, media, depth + 1, dpr);
                Ok(())
            });
            media.pop();
        }
        // Conditional and grouping rules whose content applies in a current browser.
        "supports" | "layer" | "container" | "scope" | "starting-style" | "-moz-document"
            if has_block && depth < MAX_NESTING && name != "-moz-document" =>
        {
            let _ = p.parse_nested_block(|p| -> PResult {
                walk_rules(p, sheet, media, depth + 1, dpr);
                Ok(())
            });
        }
        _ => {} // @keyframes, @page, @charset ...: nothing a load fetches
    }
}

/// The media list of an `@import` prelude tail, without `layer` and `supports()`.
fn import_media(rest: &str) -> String {
    let mut s = rest.trim();
    for prefix in ["layer", "supports"] {
        if s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix) {
            let after = &s[prefix.len()..];
            if let Some(inner) = after.strip_prefix('(') {
                let mut depth = 1;
                let mut end = inner.len();
                for (i, c) in inner.char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                s = inner[end.min(inner.len())..].trim();
            } else if prefix == "layer" && (after.is_empty() || after.starts_with(' ')) {
                s = after.trim();
            }
        }
    }
    s.to_string()
}

fn walk_declarations<'i>(p: &mut Parser<'i>, rule: &mut StyleRule, depth: usize, dpr: f64) {
    let mut property: Option<String> = None;
    let mut expect_colon = false;
    let mut value_tokens: Vec<Token<'i>> = Vec::new();
    loop {
        let l = p.current_source_location();
        let tok = match p.next() {
            Ok(t) => t.clone(),
            Err(_) => break,
        };
        match tok {
            Token::Ident(ref name) if property.is_none() && !expect_colon => {
                property = Some(name.to_ascii_lowercase());
                expect_colon = true;
            }
            Token::Colon if expect_colon => expect_colon = false,
            Token::Semicolon => {
                finish_declaration(&property, &value_tokens, rule);
                property = None;
                expect_colon = false;
                value_tokens.clear();
            }
            Token::CurlyBracketBlock if depth < MAX_NESTING => {
                // CSS nesting: a nested rule applies to descendants of what the parent matches;
                // treat its references as the parent's.
                let _ = p.parse_nested_block(|p| -> PResult {
                    walk_declarations(p, rule, depth + 1, dpr);
                    Ok(())
                });
                property = None;
                expect_colon = false;
                value_tokens.clear();
            }
            Token::UnquotedUrl(ref u) => {
                let (line, column) = loc(l);
                rule.urls.push(CssUrl {
                    url: u.to_string(),
                    line,
                    column,
                });
            }
            Token::Function(ref f) if f.eq_ignore_ascii_case("url") => {
                let (line, column) = loc(l);
                if let Ok(u) =
                    p.parse_nested_block(|p| -> Result<String, cssparser::ParseError<()>> {
                        Ok(p.expect_string()?.to_string())
                    })
                {
                    rule.urls.push(CssUrl {
                        url: u,
                        line,
                        column,
                    });
                }
            }
            Token::Function(ref f)
                if f.eq_ignore_ascii_case("image-set")
                    || f.eq_ignore_ascii_case("-webkit-image-set") =>
            {
                let _ = p.parse_nested_block(|p| -> PResult {
                    if let Some(u) = image_set(p, dpr) {
                        rule.urls.push(u);
                    }
                    Ok(())
                });
            }
            Token::Function(ref f)
                if f.eq_ignore_ascii_case("var")
                    && matches!(property.as_deref(), Some("font-family" | "font")) =>
            {
                let name = p
                    .parse_nested_block(|p| -> Result<String, cssparser::ParseError<()>> {
                        Ok(p.expect_ident()?.to_string())
                    })
                    .unwrap_or_default();
                if !name.is_empty() {
                    rule.family_vars.push(name);
                }
            }
            Token::Function(_) | Token::ParenthesisBlock | Token::SquareBracketBlock => {
                // Look inside nested functions (var() fallbacks, gradients with url() ...).
                let _ = p.parse_nested_block(|p| -> PResult {
                    walk_declarations(p, rule, depth + 1, dpr);
                    Ok(())
                });
                value_tokens.push(tok);
            }
            t => {
                if property.is_some() && !expect_colon {
                    value_tokens.push(t);
                }
            }
        }
    }
    finish_declaration(&property, &value_tokens, rule);
}

fn finish_declaration(property: &Option<String>, value: &[Token<'_>], rule: &mut StyleRule) {
    match property.as_deref() {
        Some("font-family") => rule.families.extend(families(value)),
        Some("font-weight") => rule.weight = value.first().and_then(weight_of),
        Some("font-style") => rule.italic = value.first().map(is_italic),
        Some(custom) if custom.starts_with("--") => {
            let fams = families(value);
            if !fams.is_empty() {
                rule.custom_props.push((custom.to_string(), fams));
            }
        }
        Some("font") => {
            for t in value {
                if let Some(w) = weight_of(t)
                    .filter(|_| !matches!(t, Token::Ident(i) if i.eq_ignore_ascii_case("normal")))
                {
                    rule.weight = Some(w);
                }
                if matches!(t, Token::Ident(i) if i.eq_ignore_ascii_case("italic") || i.eq_ignore_ascii_case("oblique"))
                {
                    rule.italic = Some(true);
                }
                if matches!(t, Token::Dimension { .. } | Token::Percentage { .. }) {
                    break;
                }
            }
            // The family list follows the size (and optional /line-height).
            let size_at = value.iter().position(|t| {
                matches!(t, Token::Dimension { .. } | Token::Percentage { .. })
                    || matches!(t, Token::Ident(i) if is_size_keyword(i))
            });
            if let Some(i) = size_at {
                let mut j = i + 1;
                if matches!(value.get(j), Some(Token::Delim('/'))) {
                    j += 2;
                }
                rule.families
                    .extend(families(value.get(j..).unwrap_or(&[])));
            }
        }
        _ => {}
    }
}

/// A `font-weight` value: a number, `normal`, `bold`, or `bolder`/`lighter` (taken as 700/300:
/// the parent's weight is not known here).
fn weight_of(t: &Token<'_>) -> Option<u16> {
    match t {
        Token::Number { value, .. } if (1.0..=1000.0).contains(value) => Some(*value as u16),
        Token::Ident(i) => match i.to_ascii_lowercase().as_str() {
            "normal" => Some(400),
            "bold" | "bolder" => Some(700),
            "lighter" => Some(300),
            _ => None,
        },
        _ => None,
    }
}

fn is_italic(t: &Token<'_>) -> bool {
    matches!(t, Token::Ident(i) if i.eq_ignore_ascii_case("italic") || i.eq_ignore_ascii_case("oblique"))
}

fn is_size_keyword(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "xx-small"
            | "x-small"
            | "small"
            | "medium"
            | "large"
            | "x-large"
            | "xx-large"
            | "xxx-large"
            | "smaller"
            | "larger"
    )
}

/// Family names from a `font-family` value: idents joined by spaces, or strings, separated
/// by commas; lowercase; `!important` dropped.
fn families(value: &[Token<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        let f = cur.trim().to_ascii_lowercase();
        if !f.is_empty() {
            out.push(f);
        }
        cur.clear();
    };
    for t in value {
        match t {
            Token::Comma => flush(&mut cur, &mut out),
            Token::Ident(i) => {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(i);
            }
            Token::QuotedString(s) => cur.push_str(s),
            Token::Delim('!') => break,
            _ => {}
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// The candidate of an `image-set()` a browser picks for `dpr`: the smallest resolution at
/// least `dpr`, else the largest.
fn image_set<'i>(p: &mut Parser<'i>, dpr: f64) -> Option<CssUrl> {
    let mut cands: Vec<(f64, CssUrl)> = Vec::new();
    let mut cur: Option<CssUrl> = None;
    let mut res = 1.0;
    let push = |cur: &mut Option<CssUrl>, res: &mut f64, cands: &mut Vec<(f64, CssUrl)>| {
        if let Some(u) = cur.take() {
            cands.push((*res, u));
        }
        *res = 1.0;
    };
    loop {
        let l = p.current_source_location();
        let Ok(tok) = p.next().cloned() else { break };
        let (line, column) = loc(l);
        match tok {
            Token::QuotedString(s) | Token::UnquotedUrl(s) => {
                cur = Some(CssUrl {
                    url: s.to_string(),
                    line,
                    column,
                })
            }
            Token::Function(f) if f.eq_ignore_ascii_case("url") => {
                let u = p
                    .parse_nested_block(|p| -> Result<String, cssparser::ParseError<()>> {
                        Ok(p.expect_string()?.to_string())
                    })
                    .ok();
                cur = u.map(|url| CssUrl { url, line, column });
            }
            Token::Function(_) => {
                let _ = p.parse_nested_block(|_| -> PResult { Ok(()) });
            }
            Token::Dimension { value, unit, .. } => {
                res = match unit.to_ascii_lowercase().as_str() {
                    "x" | "dppx" => f64::from(value),
                    "dpi" => f64::from(value) / 96.0,
                    "dpcm" => f64::from(value) * 2.54 / 96.0,
                    _ => res,
                }
            }
            Token::Comma => push(&mut cur, &mut res, &mut cands),
            _ => {}
        }
    }
    push(&mut cur, &mut res, &mut cands);
    cands.sort_by(|a, b| a.0.total_cmp(&b.0));
    let idx = cands
        .iter()
        .position(|(r, _)| *r >= dpr - 1e-9)
        .unwrap_or(cands.len().checked_sub(1)?);
    Some(cands.swap_remove(idx).1)
}

fn font_face<'i>(p: &mut Parser<'i>, face: &mut FontFace, _rule: &mut StyleRule) {
    let mut property: Option<String> = None;
    let mut value: Vec<Token<'i>> = Vec::new();
    let mut cur = FontSrc {
        url: None,
        format: None,
    };
    let mut cur_set = false;
    loop {
        let l = p.current_source_location();
        let Ok(tok) = p.next().cloned() else { break };
        match (&property, tok) {
            (None, Token::Ident(name)) => {
                property = Some(name.to_ascii_lowercase());
                if property.as_deref() == Some("src") {
                    // A later `src` declaration replaces an earlier one.
                    face.srcs.clear();
                }
                let _ = p.expect_colon();
            }
            (_, Token::Semicolon) => {
                face_descriptor(&property, &value, face);
                if cur_set {
                    face.srcs.push(std::mem::replace(
                        &mut cur,
                        FontSrc {
                            url: None,
                            format: None,
                        },
                    ));
                    cur_set = false;
                }
                property = None;
                value.clear();
            }
            (Some(prop), tok) if prop == "src" => match tok {
                Token::UnquotedUrl(u) => {
                    let (line, column) = loc(l);
                    cur.url = Some(CssUrl {
                        url: u.to_string(),
                        line,
                        column,
                    });
                    cur_set = true;
                }
                Token::Function(f) => {
                    let f = f.to_ascii_lowercase();
                    let arg = p
                        .parse_nested_block(|p| -> Result<String, cssparser::ParseError<()>> {
                            let t = p.next()?.clone();
                            Ok(match t {
                                Token::QuotedString(s) | Token::Ident(s) => s.to_string(),
                                _ => String::new(),
                            })
                        })
                        .unwrap_or_default();
                    match f.as_str() {
                        "url" => {
                            let (line, column) = loc(l);
                            cur.url = Some(CssUrl {
                                url: arg,
                                line,
                                column,
                            });
                            cur_set = true;
                        }
                        "local" => {
                            cur.url = None;
                            cur_set = true;
                        }
                        "format" => cur.format = Some(arg.to_ascii_lowercase()),
                        _ => {}
                    }
                }
                Token::Comma if cur_set => {
                    face.srcs.push(std::mem::replace(
                        &mut cur,
                        FontSrc {
                            url: None,
                            format: None,
                        },
                    ));
                    cur_set = false;
                }
                _ => {}
            },
            (Some(_), tok) => value.push(tok),
            _ => {}
        }
    }
    face_descriptor(&property, &value, face);
    if cur_set {
        face.srcs.push(cur);
    }
}

fn face_descriptor(property: &Option<String>, value: &[Token<'_>], face: &mut FontFace) {
    match property.as_deref() {
        Some("font-family") => face.family = families(value).into_iter().next().unwrap_or_default(),
        Some("font-weight") => {
            let ws: Vec<u16> = value.iter().filter_map(weight_of).collect();
            if let (Some(a), b) = (ws.first(), ws.get(1)) {
                face.weight = (*a, *b.unwrap_or(a));
            }
        }
        Some("font-style") => face.italic = value.first().is_some_and(is_italic),
        _ => {}
    }
}

/// Whether a current Chromium can use a font of this `format()` hint (no hint: it tries).
pub fn font_format_supported(format: Option<&str>) -> bool {
    match format {
        None => true,
        Some(f) => {
            let f = f.trim_end_matches("-variations");
            matches!(f, "woff2" | "woff" | "truetype" | "opentype" | "collection")
        }
    }
}

impl FontFace {
    /// The `src` a browser downloads: the first URL entry in a supported format (`local()`
    /// entries are skipped: the font is assumed not installed, as on a clean machine).
    pub fn chosen_src(&self) -> Option<&CssUrl> {
        self.srcs
            .iter()
            .find(|s| s.url.is_some() && font_format_supported(s.format.as_deref()))
            .and_then(|s| s.url.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_keep_url_media_and_position() {
        let s = parse("@import url(\"a.css\") screen and (min-width: 10px);\n@import 'b.css';\n@import url(c.css) layer(x) print;", 1.0);
        assert_eq!(s.imports.len(), 3);
        assert_eq!(s.imports[0].url.url, "a.css");
        assert_eq!(s.imports[0].media, "screen and (min-width: 10px)");
        assert_eq!(s.imports[1].url.url, "b.css");
        assert_eq!(s.imports[1].url.line, 2);
        assert_eq!(s.imports[1].media, "");
        assert_eq!(s.imports[2].url.url, "c.css");
        assert_eq!(s.imports[2].media, "print");
    }

    #[test]
    fn rules_keep_selectors_urls_and_enclosing_media() {
        let s = parse(".hero { background: url(hero.jpg) no-repeat; }\n@media (max-width: 600px) { .a, .b::before { background-image: url('small.png') } }", 1.0);
        assert_eq!(s.rules.len(), 2);
        assert_eq!(s.rules[0].selectors, ".hero");
        assert_eq!(s.rules[0].urls[0].url, "hero.jpg");
        assert_eq!(
            (s.rules[0].urls[0].line, s.rules[0].urls[0].column),
            (1, 20)
        );
        assert_eq!(s.rules[1].selectors, ".a, .b::before");
        assert_eq!(s.rules[1].media, ["(max-width: 600px)"]);
        assert_eq!(s.rules[1].urls[0].url, "small.png");
    }

    #[test]
    fn font_faces_list_sources_and_the_first_supported_is_chosen() {
        let s = parse("@font-face { font-family: 'My Font'; src: url(a.eot); src: local('X'), url(a.woff2) format('woff2'), url(a.woff) format(\"woff\"); }", 1.0);
        let f = &s.font_faces[0];
        assert_eq!(f.family, "my font");
        // The second `src` declaration replaces the first, as in any declaration block.
        assert_eq!(f.srcs.len(), 3);
        assert_eq!(f.chosen_src().unwrap().url, "a.woff2");
        let s = parse("@font-face { font-family: Y; src: url(y.ttf); }", 1.0);
        assert_eq!(s.font_faces[0].chosen_src().unwrap().url, "y.ttf"); // no hint: tried
        let s = parse("@font-face { font-family: X; src: url(a.eot?#iefix) format('embedded-opentype'), url(a.woff2) format('woff2'); }", 1.0);
        assert_eq!(s.font_faces[0].chosen_src().unwrap().url, "a.woff2");
    }

    #[test]
    fn font_families_come_from_font_family_and_the_font_shorthand() {
        let s = parse("body { font: italic bold 12px/30px Georgia, \"Open Sans\", serif } h1 { font-family: Sonsie One, cursive !important }", 1.0);
        assert_eq!(s.rules[0].families, ["georgia", "open sans", "serif"]);
        assert_eq!(s.rules[1].families, ["sonsie one", "cursive"]);
    }

    #[test]
    fn weights_styles_and_custom_property_families_are_read() {
        let s = parse(":root { --mono: 'Source Code Pro', monospace } code { font-family: var(--mono); font-weight: 500 } em { font: italic bold 1em serif } @font-face { font-family: X; font-weight: 100 900; font-style: italic; src: url(x.woff2) }", 1.0);
        assert_eq!(
            s.rules[0].custom_props,
            [(
                "--mono".to_string(),
                vec!["source code pro".to_string(), "monospace".to_string()]
            )]
        );
        assert_eq!(s.rules[1].family_vars, ["--mono"]);
        assert_eq!(s.rules[1].weight, Some(500));
        assert_eq!(
            (s.rules[2].weight, s.rules[2].italic),
            (Some(700), Some(true))
        );
        assert_eq!(
            (s.font_faces[0].weight, s.font_faces[0].italic),
            ((100, 900), true)
        );
    }

    #[test]
    fn image_set_picks_one_candidate_for_the_pixel_ratio() {
        let css = ".x { background-image: image-set(\"a.png\" 1x, \"b.png\" 2x) }";
        assert_eq!(parse(css, 1.0).rules[0].urls[0].url, "a.png");
        assert_eq!(parse(css, 2.0).rules[0].urls[0].url, "b.png");
    }

    #[test]
    fn style_attribute_declarations_parse_as_a_rule() {
        let r = parse_declarations("background-image: url(inline.png); font-family: Foo", 1.0);
        assert_eq!(r.urls[0].url, "inline.png");
        assert_eq!(r.families, ["foo"]);
    }

    #[test]
    fn garbage_and_deep_nesting_do_not_panic() {
        let deep = "a{".repeat(10_000);
        let _ = parse(&deep, 1.0);
        let _ = parse("@import ;;; }}} url( @media { { {", 1.0);
        let _ = parse_declarations("))) url(", 1.0);
    }
}
