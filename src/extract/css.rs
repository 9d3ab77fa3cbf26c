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
    /// The cascade layer its rules go into (`layer` or `layer(name)`), full name.
    pub layer: Option<String>,
    /// Its `supports()` condition holds (or it has none); a false one means no request.
    pub supported: bool,
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
    /// `unicode-range`: the code points it covers, inclusive; empty is all of them (also
    /// when the descriptor is invalid, as CSS Fonts says).
    pub unicode_range: Vec<(u32, u32)>,
}

impl Default for FontFace {
    fn default() -> Self {
        FontFace {
            family: String::new(),
            srcs: Vec::new(),
            media: Vec::new(),
            weight: (400, 400),
            italic: false,
            unicode_range: Vec::new(),
        }
    }
}

/// A property that loads images, its shorthand counted as the same slot (`background`
/// sets `background-image`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImageSlot {
    /// `background-image`, `background`.
    Background,
    /// `list-style-image`, `list-style`.
    ListStyle,
    /// `border-image-source`, `border-image`.
    BorderImage,
    /// `mask-image`, `mask`.
    Mask,
    /// `content`.
    Content,
}

impl ImageSlot {
    /// The slot a property sets, and whether the property is the longhand.
    pub fn of(property: &str) -> Option<(ImageSlot, bool)> {
        let property = property.strip_prefix("-webkit-").unwrap_or(property);
        Some(match property {
            "background-image" => (ImageSlot::Background, true),
            "background" => (ImageSlot::Background, false),
            "list-style-image" => (ImageSlot::ListStyle, true),
            "list-style" => (ImageSlot::ListStyle, false),
            "border-image-source" => (ImageSlot::BorderImage, true),
            "border-image" => (ImageSlot::BorderImage, false),
            "mask-image" => (ImageSlot::Mask, true),
            "mask" => (ImageSlot::Mask, false),
            "content" => (ImageSlot::Content, false),
            _ => return None,
        })
    }
}

/// A valid declaration of an image property: the URLs of its value (none for `none`, a
/// colour, a gradient: it still overrides what it beats in the cascade).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageDecl {
    /// What it sets.
    pub slot: ImageSlot,
    /// Its URLs, in order.
    pub urls: Vec<CssUrl>,
    /// `!important`.
    pub important: bool,
}

/// A style rule that references URLs or font families.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StyleRule {
    /// The selector list as written.
    pub selectors: String,
    /// `@media` conditions around the rule, outermost first.
    pub media: Vec<String>,
    /// Its cascade layer (full dotted name); `None` when unlayered.
    pub layer: Option<String>,
    /// Inside `@container`: applies only where a container exists.
    pub in_container: bool,
    /// Declarations of image properties, in order: the cascade decides which load.
    pub images: Vec<ImageDecl>,
    /// URLs in other declarations (`cursor`, `filter`, custom properties, nested rules ...),
    /// loaded whenever the rule applies (`image-set()` already narrowed to one candidate).
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
    /// It makes its elements size containers (`container-type` other than `normal`).
    pub declares_container: bool,
    /// Its last valid `display` declaration: whether it is `none`, and `!important`
    /// (a browser loads no CSS image for an element that is not rendered).
    pub display: Option<(bool, bool)>,
}

impl StyleRule {
    /// Whether the rule names fonts or loads URLs outside the cascade of image properties
    /// (what is decided as soon as its sheet arrives).
    pub fn loads_now(&self) -> bool {
        !(self.urls.is_empty()
            && self.families.is_empty()
            && self.family_vars.is_empty()
            && self.custom_props.is_empty()
            && self.weight.is_none()
            && self.italic.is_none())
    }

    /// Whether the rule says anything that decides what a load fetches.
    pub fn matters(&self) -> bool {
        !(self.urls.is_empty()
            && self.images.is_empty()
            && self.display.is_none()
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
    /// Cascade layers in the order the sheet first names them (full dotted names).
    pub layers: Vec<String>,
    /// Some declaration makes an element a size container (`container-type`, `container`).
    pub declares_container: bool,
}

/// Where the parser is: the conditions and layer around the current rule.
#[derive(Debug, Default)]
struct Context {
    media: Vec<String>,
    layer: Vec<String>,
    in_container: bool,
    anonymous_layers: u32,
}

impl Context {
    fn layer_name(&self) -> Option<String> {
        (!self.layer.is_empty()).then(|| self.layer.join("."))
    }

    /// The full name of a layer named `name` here (an anonymous one when `None`).
    fn qualified(&mut self, name: Option<&str>) -> String {
        let own = match name {
            Some(n) => n.to_string(),
            None => {
                self.anonymous_layers += 1;
                format!("#anonymous-{}", self.anonymous_layers)
            }
        };
        match self.layer_name() {
            Some(outer) => format!("{outer}.{own}"),
            None => own,
        }
    }
}

impl Sheet {
    fn name_layer(&mut self, full: &str) {
        if !self.layers.iter().any(|l| l == full) {
            self.layers.push(full.to_string());
        }
    }
}

/// Parses a stylesheet. `dpr` picks the `image-set()` candidate. Never fails: what does
/// not parse is skipped, as a browser skips it.
pub fn parse(css: &str, dpr: f64) -> Sheet {
    let mut p = Parser::new(css);
    let mut sheet = Sheet::default();
    let mut ctx = Context::default();
    walk_rules(&mut p, &mut sheet, &mut ctx, 0, dpr);
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
    ctx: &mut Context,
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
                at_rule(p, &name.to_ascii_lowercase(), sheet, ctx, depth, dpr)
            }
            Token::CDO | Token::CDC | Token::Semicolon => {}
            Token::CurlyBracketBlock => {} // a block without a prelude: nothing to apply
            _ => {
                // A qualified rule: the prelude runs to its `{` block.
                loop {
                    match p.next() {
                        Ok(Token::CurlyBracketBlock) => break,
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
                    media: ctx.media.clone(),
                    layer: ctx.layer_name(),
                    in_container: ctx.in_container,
                    ..StyleRule::default()
                };
                if depth < MAX_NESTING {
                    let _ = p.parse_nested_block(|p| -> PResult {
                        walk_declarations(p, &mut rule, depth + 1, dpr);
                        Ok(())
                    });
                }
                sheet.declares_container |= rule.declares_container;
                if rule.matters() {
                    sheet.rules.push(rule);
                }
            }
        }
    }
}

/// An at-rule's prelude up to its `;` or `{` block: the text, the first URL in it and where
/// that URL ended, and whether a block follows.
struct Prelude<'a> {
    text: &'a str,
    first_url: Option<CssUrl>,
    url_end: Option<cssparser::SourcePosition>,
    has_block: bool,
}

fn prelude<'i>(p: &mut Parser<'i>) -> Prelude<'i> {
    let start = p.position();
    let mut out = Prelude {
        text: "",
        first_url: None,
        url_end: None,
        has_block: false,
    };
    loop {
        let l = p.current_source_location();
        let (line, column) = loc(l);
        match p.next() {
            Ok(Token::Semicolon) | Err(_) => break,
            Ok(Token::CurlyBracketBlock) => {
                out.has_block = true;
                break;
            }
            Ok(Token::UnquotedUrl(u)) | Ok(Token::QuotedString(u)) if out.first_url.is_none() => {
                let url = u.to_string();
                out.first_url = Some(CssUrl { url, line, column });
                out.url_end = Some(p.position());
            }
            Ok(Token::Function(f)) if f.eq_ignore_ascii_case("url") && out.first_url.is_none() => {
                let url = p
                    .parse_nested_block(|p| -> Result<String, cssparser::ParseError<()>> {
                        Ok(p.expect_string().map(|s| s.to_string()).unwrap_or_default())
                    })
                    .unwrap_or_default();
                out.first_url = Some(CssUrl { url, line, column });
                out.url_end = Some(p.position());
            }
            Ok(_) => {}
        }
    }
    let text = p.slice_from(start);
    out.text = text
        .strip_suffix('{')
        .or_else(|| text.strip_suffix(';'))
        .unwrap_or(text)
        .trim();
    out
}

fn at_rule<'i>(
    p: &mut Parser<'i>,
    name: &str,
    sheet: &mut Sheet,
    ctx: &mut Context,
    depth: usize,
    dpr: f64,
) {
    let pre = prelude(p);
    let nested = pre.has_block && depth < MAX_NESTING;
    let mut walk = |p: &mut Parser<'i>, sheet: &mut Sheet, ctx: &mut Context| {
        let _ = p.parse_nested_block(|p| -> PResult {
            walk_rules(p, sheet, ctx, depth + 1, dpr);
            Ok(())
        });
    };
    match name {
        "import" if !pre.has_block => {
            if let (Some(url), Some(end)) = (pre.first_url, pre.url_end) {
                let rest = p.slice(end..p.position()).trim_end_matches(';').trim();
                let imported = import(url, rest, sheet, ctx);
                sheet.imports.push(imported);
            }
        }
        "font-face" if nested => {
            let mut face = FontFace {
                media: ctx.media.clone(),
                ..FontFace::default()
            };
            let _ = p.parse_nested_block(|p| -> PResult {
                font_face(p, &mut face);
                Ok(())
            });
            if !face.family.is_empty() {
                sheet.font_faces.push(face);
            }
        }
        "media" if nested => {
            ctx.media.push(pre.text.to_string());
            walk(p, sheet, ctx);
            ctx.media.pop();
        }
        // A false condition: the block's rules do not exist for this browser.
        "supports" if nested && super::supports::supports(pre.text) => walk(p, sheet, ctx),
        "layer" => layer_rule(p, pre.text, nested, sheet, ctx, &mut walk),
        "container" if nested => {
            let outer = std::mem::replace(&mut ctx.in_container, true);
            walk(p, sheet, ctx);
            ctx.in_container = outer;
        }
        // Grouping rules whose content applies in a current browser.
        "scope" | "starting-style" if nested => walk(p, sheet, ctx),
        _ => {} // @keyframes, @page, @charset, -moz-document ...: nothing a load fetches
    }
}

/// `@layer a, b;` names layers (their order); `@layer a { }` and `@layer { }` hold rules.
fn layer_rule<'i>(
    p: &mut Parser<'i>,
    prelude: &str,
    nested: bool,
    sheet: &mut Sheet,
    ctx: &mut Context,
    walk: &mut dyn FnMut(&mut Parser<'i>, &mut Sheet, &mut Context),
) {
    let names: Vec<&str> = prelude
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if !nested {
        for n in names {
            let full = ctx.qualified(Some(n));
            sheet.name_layer(&full);
        }
        return;
    }
    let full = ctx.qualified(names.first().copied());
    sheet.name_layer(&full);
    let pushed = full.split('.').count() - ctx.layer.len();
    for segment in full.split('.').skip(ctx.layer.len()) {
        ctx.layer.push(segment.to_string());
    }
    walk(p, sheet, ctx);
    for _ in 0..pushed {
        ctx.layer.pop();
    }
}

/// An `@import` from its URL and the rest of its prelude: optional `layer`/`layer(name)`,
/// optional `supports(...)`, then the media list.
fn import(url: CssUrl, rest: &str, sheet: &mut Sheet, ctx: &mut Context) -> Import {
    let mut s = rest.trim();
    let mut layer = None;
    let mut supported = true;
    if let Some(after) = strip_word(s, "layer") {
        if let Some((inner, tail)) = parenthesized(after) {
            layer = Some(ctx.qualified(Some(inner.trim())));
            s = tail;
        } else if after.is_empty() || after.starts_with(|c: char| c.is_whitespace()) {
            layer = Some(ctx.qualified(None));
            s = after.trim();
        }
    }
    if let Some((inner, tail)) = strip_word(s, "supports").and_then(parenthesized) {
        let inner = inner.trim();
        // `supports(display: grid)` is a declaration without its parentheses.
        let wrapped = format!("({inner})");
        supported = super::supports::supports(inner) || super::supports::supports(&wrapped);
        s = tail;
    }
    if let Some(l) = &layer {
        sheet.name_layer(l);
    }
    Import {
        url,
        media: s.trim().to_string(),
        layer,
        supported,
    }
}

/// `s` without a leading case-insensitive `word`.
fn strip_word<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let head = s.get(..word.len())?;
    head.eq_ignore_ascii_case(word).then(|| &s[word.len()..])
}

/// `(inner) tail` split at the matching parenthesis.
fn parenthesized(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('(')?;
    let mut depth = 1;
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&inner[..i], inner[i + 1..].trim()));
                }
            }
            _ => {}
        }
    }
    None
}

/// One declaration being read: its property, value tokens (URLs apart) and URLs.
struct Declaration<'i> {
    property: Option<String>,
    expect_colon: bool,
    value: Vec<Token<'i>>,
    urls: Vec<CssUrl>,
}

impl Declaration<'_> {
    fn new() -> Self {
        Declaration {
            property: None,
            expect_colon: false,
            value: Vec::new(),
            urls: Vec::new(),
        }
    }
}

fn walk_declarations<'i>(p: &mut Parser<'i>, rule: &mut StyleRule, depth: usize, dpr: f64) {
    let mut d = Declaration::new();
    loop {
        let l = p.current_source_location();
        let tok = match p.next() {
            Ok(t) => t.clone(),
            Err(_) => break,
        };
        match tok {
            Token::Ident(ref name) if d.property.is_none() && !d.expect_colon => {
                d.property = Some(name.to_ascii_lowercase());
                d.expect_colon = true;
            }
            Token::Colon if d.expect_colon => d.expect_colon = false,
            Token::Semicolon => {
                finish_declaration(std::mem::replace(&mut d, Declaration::new()), rule)
            }
            Token::CurlyBracketBlock if depth < MAX_NESTING => {
                // CSS nesting: a nested rule applies to descendants of (or states of) what
                // the parent matches; its URLs load whenever the parent applies, outside the
                // cascade of the parent's own declarations.
                let mut nested = StyleRule::default();
                let _ = p.parse_nested_block(|p| -> PResult {
                    walk_declarations(p, &mut nested, depth + 1, dpr);
                    Ok(())
                });
                rule.absorb(nested);
                d = Declaration::new();
            }
            Token::Function(ref f)
                if f.eq_ignore_ascii_case("var")
                    && matches!(d.property.as_deref(), Some("font-family" | "font")) =>
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
            t => {
                if !url_token(p, &t, l, &mut d.urls, depth, dpr)
                    && d.property.is_some()
                    && !d.expect_colon
                {
                    d.value.push(t);
                }
            }
        }
    }
    finish_declaration(d, rule);
}

/// Reads the URLs of a value token into `urls` (a `url()`, an `image-set()` candidate, URLs
/// inside other functions such as `var()` fallbacks and gradients). Returns whether the
/// token was a URL (and so is not a value token).
fn url_token<'i>(
    p: &mut Parser<'i>,
    tok: &Token<'i>,
    l: SourceLocation,
    urls: &mut Vec<CssUrl>,
    depth: usize,
    dpr: f64,
) -> bool {
    let (line, column) = loc(l);
    match tok {
        Token::UnquotedUrl(u) => {
            urls.push(CssUrl {
                url: u.to_string(),
                line,
                column,
            });
            true
        }
        Token::Function(f) if f.eq_ignore_ascii_case("url") => {
            if let Ok(url) =
                p.parse_nested_block(|p| -> Result<String, cssparser::ParseError<()>> {
                    Ok(p.expect_string()?.to_string())
                })
            {
                urls.push(CssUrl { url, line, column });
            }
            true
        }
        Token::Function(f)
            if f.eq_ignore_ascii_case("image-set")
                || f.eq_ignore_ascii_case("-webkit-image-set") =>
        {
            let _ = p.parse_nested_block(|p| -> PResult {
                urls.extend(image_set(p, dpr));
                Ok(())
            });
            false // a valid image value: kept as a token for validation
        }
        Token::Function(_) | Token::ParenthesisBlock | Token::SquareBracketBlock
            if depth < MAX_NESTING =>
        {
            let _ = p.parse_nested_block(|p| -> PResult {
                loop {
                    let l = p.current_source_location();
                    let Ok(t) = p.next().cloned() else { break };
                    url_token(p, &t, l, urls, depth + 1, dpr);
                }
                Ok(())
            });
            false
        }
        _ => false,
    }
}

impl StyleRule {
    /// A nested rule's references as this rule's own, outside its cascade.
    fn absorb(&mut self, nested: StyleRule) {
        self.urls.extend(nested.urls);
        self.urls
            .extend(nested.images.into_iter().flat_map(|d| d.urls));
        self.families.extend(nested.families);
        self.family_vars.extend(nested.family_vars);
        self.custom_props.extend(nested.custom_props);
        self.weight = self.weight.or(nested.weight);
        self.italic = self.italic.or(nested.italic);
        self.declares_container |= nested.declares_container;
    }
}

/// Whether a value ends in `!important`.
fn is_important(value: &[Token<'_>]) -> bool {
    matches!(value, [.., Token::Delim('!'), Token::Ident(i)] if i.eq_ignore_ascii_case("important"))
}

/// Whether the value of an image longhand (`background-image` ...) is valid: images (URLs,
/// gradients, `image-set()` ...), `none`, commas, a CSS-wide keyword, or a `var()` (which
/// cannot be judged before it is substituted). Trailing junk makes it invalid: dropped.
fn image_value_valid(value: &[Token<'_>], has_urls: bool) -> bool {
    let value = if is_important(value) {
        &value[..value.len() - 2]
    } else {
        value
    };
    if value.is_empty() {
        return has_urls;
    }
    value.iter().all(|t| match t {
        Token::Comma => true,
        Token::Ident(i) => [
            "none",
            "inherit",
            "initial",
            "unset",
            "revert",
            "revert-layer",
        ]
        .iter()
        .any(|k| i.eq_ignore_ascii_case(k)),
        Token::Function(f) => {
            let f = f.to_ascii_lowercase();
            let f = f.strip_prefix("-webkit-").unwrap_or(&f);
            f.ends_with("gradient")
                || matches!(
                    f,
                    "image-set"
                        | "cross-fade"
                        | "image"
                        | "paint"
                        | "element"
                        | "var"
                        | "env"
                        | "attr"
                )
        }
        _ => false,
    })
}

fn finish_declaration(d: Declaration<'_>, rule: &mut StyleRule) {
    let Some(property) = d.property.as_deref() else {
        return;
    };
    if d.expect_colon {
        return; // no colon: not a declaration
    }
    if let Some((slot, longhand)) = ImageSlot::of(property) {
        if !longhand || image_value_valid(&d.value, !d.urls.is_empty()) {
            rule.images.push(ImageDecl {
                slot,
                urls: d.urls,
                important: is_important(&d.value),
            });
        }
        return;
    }
    rule.urls.extend(d.urls);
    let value = &d.value[..];
    match property {
        "font-family" => rule.families.extend(families(value)),
        "font-weight" => rule.weight = value.first().and_then(weight_of),
        "font-style" => rule.italic = value.first().map(is_italic),
        "display" => {
            let important = is_important(value);
            let words = if important {
                &value[..value.len() - 2]
            } else {
                value
            };
            if let [Token::Ident(i), ..] = words {
                rule.display = Some((
                    i.eq_ignore_ascii_case("none") && words.len() == 1,
                    important,
                ));
            }
        }
        "container-type" | "container" => {
            rule.declares_container |= !matches!(value, [Token::Ident(i)] if i.eq_ignore_ascii_case("normal") || i.eq_ignore_ascii_case("none"));
        }
        custom if custom.starts_with("--") => {
            let fams = families(value);
            if !fams.is_empty() {
                rule.custom_props.push((custom.to_string(), fams));
            }
        }
        "font" => font_shorthand(value, rule),
        _ => {}
    }
}

/// Weight, style and families from the `font` shorthand.
fn font_shorthand(value: &[Token<'_>], rule: &mut StyleRule) {
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

fn font_face<'i>(p: &mut Parser<'i>, face: &mut FontFace) {
    let mut property: Option<String> = None;
    let mut value: Vec<Token<'i>> = Vec::new();
    let mut src = SrcEntry::default();
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
                if property.as_deref() == Some("unicode-range") {
                    face.unicode_range = unicode_ranges(p);
                }
            }
            (_, Token::Semicolon) => {
                face_descriptor(&property, &value, face);
                src.end(&mut face.srcs);
                property = None;
                value.clear();
            }
            (Some(prop), tok) if prop == "src" => src_token(p, tok, loc(l), &mut src, face),
            (Some(_), tok) => value.push(tok),
            _ => {}
        }
    }
    face_descriptor(&property, &value, face);
    src.end(&mut face.srcs);
}

/// The `src` entry being read: its URL (`None` for `local()`), its format hint, and whether
/// a `url()` or `local()` has been seen (a format hint alone is no entry).
#[derive(Default)]
struct SrcEntry {
    url: Option<CssUrl>,
    format: Option<String>,
    seen: bool,
}

impl SrcEntry {
    fn source(&mut self, url: Option<CssUrl>) {
        self.url = url;
        self.seen = true;
    }

    /// The entry ends (a comma, the declaration's end): added to `srcs` when it is one.
    fn end(&mut self, srcs: &mut Vec<FontSrc>) {
        let SrcEntry { url, format, seen } = std::mem::take(self);
        if seen {
            srcs.push(FontSrc { url, format });
        } else {
            self.format = format;
        }
    }
}

/// One token of a `src` descriptor's value, at `(line, column)`.
fn src_token<'i>(
    p: &mut Parser<'i>,
    tok: Token<'i>,
    (line, column): (u32, u32),
    src: &mut SrcEntry,
    face: &mut FontFace,
) {
    match tok {
        Token::UnquotedUrl(u) => src.source(Some(CssUrl {
            url: u.to_string(),
            line,
            column,
        })),
        Token::Function(f) => {
            let f = f.to_ascii_lowercase();
            let arg = p
                .parse_nested_block(|p| -> Result<String, cssparser::ParseError<()>> {
                    Ok(match p.next()?.clone() {
                        Token::QuotedString(s) | Token::Ident(s) => s.to_string(),
                        _ => String::new(),
                    })
                })
                .unwrap_or_default();
            match f.as_str() {
                "url" => src.source(Some(CssUrl {
                    url: arg,
                    line,
                    column,
                })),
                "local" => src.source(None),
                "format" => src.format = Some(arg.to_ascii_lowercase()),
                _ => {}
            }
        }
        Token::Comma => src.end(&mut face.srcs),
        _ => {}
    }
}

/// A `unicode-range` list up to the end of the declaration. One invalid range (or a range
/// past U+10FFFF, or backwards) makes the whole descriptor invalid: empty, all code points.
fn unicode_ranges(p: &mut Parser<'_>) -> Vec<(u32, u32)> {
    let list = p.parse_until_before(cssparser::Delimiter::Semicolon, |p| {
        p.parse_comma_separated(|p| {
            let r = cssparser::UnicodeRange::parse(p)?;
            p.expect_exhausted()?;
            Ok::<_, cssparser::ParseError<()>>((r.start, r.end))
        })
    });
    match list {
        Ok(v) if v.iter().all(|&(a, b)| a <= b && b <= 0x10FFFF) => v,
        _ => Vec::new(),
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
        let hero = &s.rules[0].images[0];
        assert_eq!(
            (hero.slot, hero.urls[0].url.as_str()),
            (ImageSlot::Background, "hero.jpg")
        );
        assert_eq!((hero.urls[0].line, hero.urls[0].column), (1, 20));
        assert_eq!(s.rules[1].selectors, ".a, .b::before");
        assert_eq!(s.rules[1].media, ["(max-width: 600px)"]);
        assert_eq!(s.rules[1].images[0].urls[0].url, "small.png");
    }

    #[test]
    fn unicode_ranges_are_read_and_an_invalid_list_covers_everything() {
        let ranges = |v: &str| {
            let css = format!("@font-face{{font-family:F;unicode-range:{v};src:url(f.woff2)}}");
            parse(&css, 1.0).font_faces[0].unicode_range.clone()
        };
        assert_eq!(
            ranges("U+0000-00FF, U+0131, u+4??"),
            [(0, 0xFF), (0x131, 0x131), (0x400, 0x4FF)]
        );
        assert_eq!(ranges("U+0-10FFFF"), [(0, 0x10FFFF)]);
        for bad in ["U+00FF-0000", "U+110000", "U+0-FF junk", "latin", "U+0-FF,"] {
            assert!(ranges(bad).is_empty(), "{bad}");
        }
        // The declarations after it are still read.
        let css = "@font-face{unicode-range:U+0-7F;font-family:G;src:url(g.woff2)}";
        assert_eq!(parse(css, 1.0).font_faces[0].family, "g");
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
        assert_eq!(parse(css, 1.0).rules[0].images[0].urls[0].url, "a.png");
        assert_eq!(parse(css, 2.0).rules[0].images[0].urls[0].url, "b.png");
    }

    #[test]
    fn style_attribute_declarations_parse_as_a_rule() {
        let r = parse_declarations("background-image: url(inline.png); font-family: Foo", 1.0);
        assert_eq!(r.images[0].urls[0].url, "inline.png");
        assert_eq!(r.families, ["foo"]);
    }

    #[test]
    fn image_declarations_keep_slot_importance_and_validity_other_urls_load_apart() {
        let s = parse(".a{background:none; list-style-image:url(l.png) !important; background-image:url(x.png) junk; cursor:url(c.cur), auto; --bg: url(v.png); &:hover{background:url(h.png)}}", 1.0);
        let r = &s.rules[0];
        let slots: Vec<(ImageSlot, usize, bool)> = r
            .images
            .iter()
            .map(|d| (d.slot, d.urls.len(), d.important))
            .collect();
        // The invalid background-image (trailing junk) is dropped; `none` is kept: it overrides.
        assert_eq!(
            slots,
            [
                (ImageSlot::Background, 0, false),
                (ImageSlot::ListStyle, 1, true)
            ]
        );
        let other: Vec<&str> = r.urls.iter().map(|u| u.url.as_str()).collect();
        assert_eq!(other, ["c.cur", "v.png", "h.png"]);
    }

    #[test]
    fn layers_supports_and_containers_are_read_as_the_cascade_needs_them() {
        let s = parse("@layer a, b; @layer a { @layer inner { .x{background:url(1.png)} } } @layer { .y{background:url(2.png)} } @supports (display: nonsense) { .z{background:url(3.png)} } @container (min-width: 1px) { .w{background:url(4.png)} } .c{container-type: inline-size}", 1.0);
        assert_eq!(s.layers, ["a", "b", "a.inner", "#anonymous-1"]);
        let layer_of: Vec<(&str, Option<&str>, bool)> = s
            .rules
            .iter()
            .filter(|r| !r.images.is_empty())
            .map(|r| (r.selectors.as_str(), r.layer.as_deref(), r.in_container))
            .collect();
        assert_eq!(
            layer_of,
            [
                (".x", Some("a.inner"), false),
                (".y", Some("#anonymous-1"), false),
                (".w", None, true)
            ]
        );
        assert!(s.declares_container);
        let s = parse("@import url(a.css) layer(base) supports(display: grid) screen; @import url(b.css) layer supports(nonsense: 1);", 1.0);
        let imports: Vec<(Option<&str>, bool, &str)> = s
            .imports
            .iter()
            .map(|i| (i.layer.as_deref(), i.supported, i.media.as_str()))
            .collect();
        assert_eq!(
            imports,
            [
                (Some("base"), true, "screen"),
                (Some("#anonymous-1"), false, "")
            ]
        );
    }

    #[test]
    fn garbage_and_deep_nesting_do_not_panic() {
        let deep = "a{".repeat(10_000);
        let _ = parse(&deep, 1.0);
        let _ = parse("@import ;;; }}} url( @media { { {", 1.0);
        let _ = parse_declarations("))) url(", 1.0);
    }
}
