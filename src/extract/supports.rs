//! `@supports` conditions (and `@import ... supports()`), answered as a current Chromium
//! answers them: a declaration is supported when the property is one Chromium knows and, for
//! the keyword properties listed here, the value is one of its keywords; `selector()` when
//! the selector parses; `font-format()` and `font-tech()` for what Chromium renders; anything
//! else (a general enclosed condition) is false, as the standard says.

use cssparser::{Parser, Token};

type Fail = cssparser::ParseError<()>;

/// Whether a supports condition (the prelude of `@supports`, or the inside of `supports()`)
/// holds.
pub fn supports(condition: &str) -> bool {
    let mut p = Parser::new(condition);
    let ok = condition_of(&mut p);
    ok && p.is_exhausted()
}

fn condition_of(p: &mut Parser<'_>) -> bool {
    if p.try_parse(|p| p.expect_ident_matching("not")).is_ok() {
        return !in_parens(p);
    }
    let mut value = in_parens(p);
    let mut joiner: Option<bool> = None; // Some(true) = and, Some(false) = or
    while let Ok(op) = p.try_parse(|p| p.expect_ident().cloned()) {
        let and = if op.eq_ignore_ascii_case("and") {
            true
        } else if op.eq_ignore_ascii_case("or") {
            false
        } else {
            return false;
        };
        if joiner.is_some_and(|j| j != and) {
            return false; // `a and b or c` is invalid without parentheses
        }
        joiner = Some(and);
        let next = in_parens(p);
        value = if and { value && next } else { value || next };
    }
    value
}

fn in_parens(p: &mut Parser<'_>) -> bool {
    match p.next().cloned() {
        Ok(Token::ParenthesisBlock) => p
            .parse_nested_block(|p| -> Result<bool, Fail> { Ok(inside(p)) })
            .unwrap_or(false),
        Ok(Token::Function(name)) => {
            let name = name.to_ascii_lowercase();
            p.parse_nested_block(|p| -> Result<bool, Fail> {
                let start = p.position();
                while p.next().is_ok() {}
                Ok(function(&name, p.slice_from(start).trim()))
            })
            .unwrap_or(false)
        }
        _ => false,
    }
}

/// The inside of parentheses: a declaration, or a nested condition.
fn inside(p: &mut Parser<'_>) -> bool {
    let decl = p.try_parse(|p| -> Result<String, Fail> {
        let name = p.expect_ident()?.to_ascii_lowercase();
        p.expect_colon()?;
        Ok(name)
    });
    if let Ok(name) = decl {
        let start = p.position();
        while p.next().is_ok() {}
        return declaration(&name, p.slice_from(start).trim());
    }
    let ok = condition_of(p);
    ok && p.is_exhausted()
}

fn function(name: &str, arg: &str) -> bool {
    match name {
        "selector" => scraper::Selector::parse(arg).is_ok(),
        "font-format" => matches!(
            arg.to_ascii_lowercase().as_str(),
            "woff2" | "woff" | "truetype" | "opentype" | "collection"
        ),
        "font-tech" => !matches!(
            arg.to_ascii_lowercase().as_str(),
            "features-graphite" | "color-svg" | "incremental"
        ),
        _ => false,
    }
}

const CSS_WIDE: &[&str] = &["inherit", "initial", "unset", "revert", "revert-layer"];

/// Whether Chromium accepts `name: value`.
fn declaration(name: &str, value: &str) -> bool {
    let value = value
        .trim_end_matches("!important")
        .trim()
        .to_ascii_lowercase();
    if value.is_empty() {
        return false;
    }
    if name.starts_with("--") {
        return true;
    }
    let known = match name.strip_prefix("-webkit-") {
        Some(rest) => PROPERTIES.contains(&rest) || WEBKIT_ONLY.contains(&rest),
        None => PROPERTIES.contains(&name),
    };
    if !known {
        return false;
    }
    if CSS_WIDE.contains(&value.as_str()) || value.starts_with("var(") {
        return true;
    }
    match KEYWORDS.iter().find(|(p, _)| *p == name) {
        Some((_, words)) => value.split_ascii_whitespace().all(|w| words.contains(&w)),
        None => true,
    }
}

/// Properties whose values are keywords only, with the keywords Chromium accepts.
const KEYWORDS: &[(&str, &[&str])] = &[
    (
        "display",
        &[
            "none",
            "block",
            "inline",
            "inline-block",
            "flex",
            "inline-flex",
            "grid",
            "inline-grid",
            "contents",
            "table",
            "inline-table",
            "table-row",
            "table-cell",
            "table-caption",
            "table-column",
            "table-column-group",
            "table-header-group",
            "table-footer-group",
            "table-row-group",
            "list-item",
            "flow-root",
            "flow",
            "ruby",
            "ruby-text",
            "math",
            "run-in",
            "-webkit-box",
            "-webkit-inline-box",
        ],
    ),
    (
        "position",
        &["static", "relative", "absolute", "fixed", "sticky"],
    ),
    (
        "float",
        &["none", "left", "right", "inline-start", "inline-end"],
    ),
    (
        "clear",
        &[
            "none",
            "left",
            "right",
            "both",
            "inline-start",
            "inline-end",
        ],
    ),
    ("visibility", &["visible", "hidden", "collapse"]),
    ("box-sizing", &["content-box", "border-box"]),
    (
        "overflow",
        &["visible", "hidden", "clip", "scroll", "auto", "overlay"],
    ),
    (
        "overflow-x",
        &["visible", "hidden", "clip", "scroll", "auto", "overlay"],
    ),
    (
        "overflow-y",
        &["visible", "hidden", "clip", "scroll", "auto", "overlay"],
    ),
    (
        "flex-direction",
        &["row", "row-reverse", "column", "column-reverse"],
    ),
    ("flex-wrap", &["nowrap", "wrap", "wrap-reverse"]),
    (
        "text-transform",
        &[
            "none",
            "capitalize",
            "uppercase",
            "lowercase",
            "full-width",
            "full-size-kana",
            "math-auto",
        ],
    ),
    ("font-style", &["normal", "italic", "oblique"]),
    ("backface-visibility", &["visible", "hidden"]),
    (
        "container-type",
        &["normal", "size", "inline-size", "scroll-state"],
    ),
];

/// `-webkit-` properties Chromium keeps without an unprefixed twin.
const WEBKIT_ONLY: &[&str] = &[
    "appearance",
    "box-align",
    "box-flex",
    "box-orient",
    "box-pack",
    "line-clamp",
    "text-fill-color",
    "text-stroke",
    "text-stroke-color",
    "text-stroke-width",
    "tap-highlight-color",
    "font-smoothing",
    "user-drag",
    "box-reflect",
    "mask-box-image",
    "text-security",
    "locale",
    "rtl-ordering",
    "highlight",
    "border-horizontal-spacing",
    "border-vertical-spacing",
    "print-color-adjust",
    "user-modify",
];

/// Standard properties a current Chromium knows (CSS properties by name, longhands and
/// shorthands).
const PROPERTIES: &[&str] = &[
    "accent-color",
    "align-content",
    "align-items",
    "align-self",
    "alignment-baseline",
    "all",
    "anchor-name",
    "anchor-scope",
    "animation",
    "animation-composition",
    "animation-delay",
    "animation-direction",
    "animation-duration",
    "animation-fill-mode",
    "animation-iteration-count",
    "animation-name",
    "animation-play-state",
    "animation-range",
    "animation-range-end",
    "animation-range-start",
    "animation-timeline",
    "animation-timing-function",
    "appearance",
    "aspect-ratio",
    "backdrop-filter",
    "backface-visibility",
    "background",
    "background-attachment",
    "background-blend-mode",
    "background-clip",
    "background-color",
    "background-image",
    "background-origin",
    "background-position",
    "background-position-x",
    "background-position-y",
    "background-repeat",
    "background-size",
    "baseline-shift",
    "baseline-source",
    "block-size",
    "border",
    "border-block",
    "border-block-color",
    "border-block-end",
    "border-block-end-color",
    "border-block-end-style",
    "border-block-end-width",
    "border-block-start",
    "border-block-start-color",
    "border-block-start-style",
    "border-block-start-width",
    "border-block-style",
    "border-block-width",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-left-radius",
    "border-bottom-right-radius",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-end-end-radius",
    "border-end-start-radius",
    "border-image",
    "border-image-outset",
    "border-image-repeat",
    "border-image-slice",
    "border-image-source",
    "border-image-width",
    "border-inline",
    "border-inline-color",
    "border-inline-end",
    "border-inline-end-color",
    "border-inline-end-style",
    "border-inline-end-width",
    "border-inline-start",
    "border-inline-start-color",
    "border-inline-start-style",
    "border-inline-start-width",
    "border-inline-style",
    "border-inline-width",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-start-end-radius",
    "border-start-start-radius",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-top-style",
    "border-top-width",
    "border-width",
    "bottom",
    "box-decoration-break",
    "box-shadow",
    "box-sizing",
    "break-after",
    "break-before",
    "break-inside",
    "caption-side",
    "caret-color",
    "clear",
    "clip",
    "clip-path",
    "clip-rule",
    "color",
    "color-interpolation",
    "color-interpolation-filters",
    "color-rendering",
    "color-scheme",
    "column-count",
    "column-fill",
    "column-gap",
    "column-rule",
    "column-rule-color",
    "column-rule-style",
    "column-rule-width",
    "column-span",
    "column-width",
    "columns",
    "contain",
    "contain-intrinsic-block-size",
    "contain-intrinsic-height",
    "contain-intrinsic-inline-size",
    "contain-intrinsic-size",
    "contain-intrinsic-width",
    "container",
    "container-name",
    "container-type",
    "content",
    "content-visibility",
    "counter-increment",
    "counter-reset",
    "counter-set",
    "cursor",
    "cx",
    "cy",
    "d",
    "direction",
    "display",
    "dominant-baseline",
    "empty-cells",
    "field-sizing",
    "fill",
    "fill-opacity",
    "fill-rule",
    "filter",
    "flex",
    "flex-basis",
    "flex-direction",
    "flex-flow",
    "flex-grow",
    "flex-shrink",
    "flex-wrap",
    "float",
    "flood-color",
    "flood-opacity",
    "font",
    "font-family",
    "font-feature-settings",
    "font-kerning",
    "font-language-override",
    "font-optical-sizing",
    "font-palette",
    "font-size",
    "font-size-adjust",
    "font-stretch",
    "font-style",
    "font-synthesis",
    "font-synthesis-small-caps",
    "font-synthesis-style",
    "font-synthesis-weight",
    "font-variant",
    "font-variant-alternates",
    "font-variant-caps",
    "font-variant-east-asian",
    "font-variant-emoji",
    "font-variant-ligatures",
    "font-variant-numeric",
    "font-variant-position",
    "font-variation-settings",
    "font-weight",
    "forced-color-adjust",
    "gap",
    "grid",
    "grid-area",
    "grid-auto-columns",
    "grid-auto-flow",
    "grid-auto-rows",
    "grid-column",
    "grid-column-end",
    "grid-column-gap",
    "grid-column-start",
    "grid-gap",
    "grid-row",
    "grid-row-end",
    "grid-row-gap",
    "grid-row-start",
    "grid-template",
    "grid-template-areas",
    "grid-template-columns",
    "grid-template-rows",
    "height",
    "hyphenate-character",
    "hyphenate-limit-chars",
    "hyphens",
    "image-orientation",
    "image-rendering",
    "initial-letter",
    "inline-size",
    "inset",
    "inset-block",
    "inset-block-end",
    "inset-block-start",
    "inset-inline",
    "inset-inline-end",
    "inset-inline-start",
    "interpolate-size",
    "isolation",
    "justify-content",
    "justify-items",
    "justify-self",
    "left",
    "letter-spacing",
    "lighting-color",
    "line-break",
    "line-clamp",
    "line-height",
    "list-style",
    "list-style-image",
    "list-style-position",
    "list-style-type",
    "margin",
    "margin-block",
    "margin-block-end",
    "margin-block-start",
    "margin-bottom",
    "margin-inline",
    "margin-inline-end",
    "margin-inline-start",
    "margin-left",
    "margin-right",
    "margin-top",
    "marker",
    "marker-end",
    "marker-mid",
    "marker-start",
    "mask",
    "mask-clip",
    "mask-composite",
    "mask-image",
    "mask-mode",
    "mask-origin",
    "mask-position",
    "mask-repeat",
    "mask-size",
    "mask-type",
    "math-depth",
    "math-shift",
    "math-style",
    "max-block-size",
    "max-height",
    "max-inline-size",
    "max-width",
    "min-block-size",
    "min-height",
    "min-inline-size",
    "min-width",
    "mix-blend-mode",
    "object-fit",
    "object-position",
    "object-view-box",
    "offset",
    "offset-anchor",
    "offset-distance",
    "offset-path",
    "offset-position",
    "offset-rotate",
    "opacity",
    "order",
    "orphans",
    "outline",
    "outline-color",
    "outline-offset",
    "outline-style",
    "outline-width",
    "overflow",
    "overflow-anchor",
    "overflow-block",
    "overflow-clip-margin",
    "overflow-inline",
    "overflow-wrap",
    "overflow-x",
    "overflow-y",
    "overscroll-behavior",
    "overscroll-behavior-block",
    "overscroll-behavior-inline",
    "overscroll-behavior-x",
    "overscroll-behavior-y",
    "padding",
    "padding-block",
    "padding-block-end",
    "padding-block-start",
    "padding-bottom",
    "padding-inline",
    "padding-inline-end",
    "padding-inline-start",
    "padding-left",
    "padding-right",
    "padding-top",
    "page",
    "page-break-after",
    "page-break-before",
    "page-break-inside",
    "paint-order",
    "perspective",
    "perspective-origin",
    "place-content",
    "place-items",
    "place-self",
    "pointer-events",
    "position",
    "position-anchor",
    "position-area",
    "position-try",
    "position-try-fallbacks",
    "position-try-order",
    "position-visibility",
    "print-color-adjust",
    "quotes",
    "r",
    "reading-flow",
    "resize",
    "right",
    "rotate",
    "row-gap",
    "ruby-align",
    "ruby-position",
    "rx",
    "ry",
    "scale",
    "scroll-behavior",
    "scroll-margin",
    "scroll-margin-block",
    "scroll-margin-block-end",
    "scroll-margin-block-start",
    "scroll-margin-bottom",
    "scroll-margin-inline",
    "scroll-margin-inline-end",
    "scroll-margin-inline-start",
    "scroll-margin-left",
    "scroll-margin-right",
    "scroll-margin-top",
    "scroll-padding",
    "scroll-padding-block",
    "scroll-padding-block-end",
    "scroll-padding-block-start",
    "scroll-padding-bottom",
    "scroll-padding-inline",
    "scroll-padding-inline-end",
    "scroll-padding-inline-start",
    "scroll-padding-left",
    "scroll-padding-right",
    "scroll-padding-top",
    "scroll-snap-align",
    "scroll-snap-stop",
    "scroll-snap-type",
    "scroll-timeline",
    "scroll-timeline-axis",
    "scroll-timeline-name",
    "scrollbar-color",
    "scrollbar-gutter",
    "scrollbar-width",
    "shape-image-threshold",
    "shape-margin",
    "shape-outside",
    "shape-rendering",
    "speak",
    "stop-color",
    "stop-opacity",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "stroke-width",
    "tab-size",
    "table-layout",
    "text-align",
    "text-align-last",
    "text-anchor",
    "text-box",
    "text-box-edge",
    "text-box-trim",
    "text-combine-upright",
    "text-decoration",
    "text-decoration-color",
    "text-decoration-line",
    "text-decoration-skip-ink",
    "text-decoration-style",
    "text-decoration-thickness",
    "text-emphasis",
    "text-emphasis-color",
    "text-emphasis-position",
    "text-emphasis-style",
    "text-indent",
    "text-orientation",
    "text-overflow",
    "text-rendering",
    "text-shadow",
    "text-size-adjust",
    "text-spacing-trim",
    "text-transform",
    "text-underline-offset",
    "text-underline-position",
    "text-wrap",
    "text-wrap-mode",
    "text-wrap-style",
    "timeline-scope",
    "top",
    "touch-action",
    "transform",
    "transform-box",
    "transform-origin",
    "transform-style",
    "transition",
    "transition-behavior",
    "transition-delay",
    "transition-duration",
    "transition-property",
    "transition-timing-function",
    "translate",
    "unicode-bidi",
    "user-select",
    "vector-effect",
    "vertical-align",
    "view-timeline",
    "view-timeline-axis",
    "view-timeline-inset",
    "view-timeline-name",
    "view-transition-class",
    "view-transition-name",
    "visibility",
    "white-space",
    "white-space-collapse",
    "widows",
    "width",
    "will-change",
    "word-break",
    "word-spacing",
    "word-wrap",
    "writing-mode",
    "x",
    "y",
    "z-index",
    "zoom",
];

#[cfg(test)]
mod tests {
    use super::supports;

    #[test]
    fn declarations_are_supported_only_for_known_properties_and_keywords() {
        assert!(supports("(display: grid)"));
        assert!(supports("(display: inline flex)"));
        assert!(!supports("(display: nonsense)"));
        assert!(!supports("(frobnicate: 1)"));
        assert!(supports("(--anything: at all)"));
        assert!(supports("(-webkit-line-clamp: 3)"));
        assert!(!supports("(-moz-appearance: none)"));
        assert!(supports("(aspect-ratio: 16 / 9)"));
    }

    #[test]
    fn not_and_or_combine_as_the_grammar_says() {
        assert!(supports("not (display: nonsense)"));
        assert!(supports("(display: grid) and (gap: 1px)"));
        assert!(!supports("(display: grid) and (display: nonsense)"));
        assert!(supports("(display: nonsense) or (display: flex)"));
        assert!(supports(
            "((display: nonsense) or (display: flex)) and (color: red)"
        ));
        // Mixing `and` and `or` without parentheses is invalid: false.
        assert!(!supports("(color: red) and (color: red) or (color: red)"));
    }

    #[test]
    fn selector_font_format_and_unknown_functions() {
        assert!(supports("selector(a > b:has(c))"));
        assert!(!supports("selector(a >>> b)"));
        assert!(supports("font-format(woff2)"));
        assert!(!supports("font-format(embedded-opentype)"));
        assert!(!supports("nonsense(1)"));
        assert!(!supports("garbage"));
    }
}
