//! Documents to references: every subresource a browser requests while parsing an HTML
//! document, with the element, attribute, line and column that caused it.
//!
//! Browser rules followed here (each has a test named after it): `<base href>` resolves
//! relative URLs; `<noscript>` and `<template>` content is inert; `nomodule` and non-JS
//! `<script type>`s are not fetched; disabled and alternate stylesheets are not fetched;
//! `srcset`/`sizes` and `<picture>` yield one chosen candidate; media elements fetch the
//! first playable source unless `preload=none`; `loading=lazy` is recorded.

use super::encoding::Enc;
use super::{count_skip, initiator, media, resolve_in, srcset, Reference, SourceLocator, Viewport};
use crate::model::{InitiatorKind, ResourceType, Skipped};
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html};
use url::Url;

/// CSS that lives inside a document.
#[derive(Debug, Clone, PartialEq)]
pub enum InlineCss {
    /// A `<style>` block; `line` is the line its content starts on.
    Block {
        /// The CSS text.
        css: String,
        /// Line of the block in the document (1-based).
        line: u32,
        /// The `media` attribute of the `<style>` element.
        media: String,
        /// The element's place among the document's elements (orders it in the cascade).
        order: u32,
        /// The base URL when the parser met it (a `<base href>` after it does not apply).
        base: Url,
    },
    /// A `style` attribute: its declarations apply to its own element.
    Attribute {
        /// The declarations.
        css: String,
        /// The element name.
        element: String,
        /// Line of the attribute (1-based), where found.
        line: Option<u32>,
        /// The element it applies to.
        node: ego_tree::NodeId,
    },
}

/// What a document references.
#[derive(Debug, Default)]
pub struct DocumentRefs {
    /// Subresources named by elements, in document order (stylesheets, scripts, images ...).
    pub refs: Vec<Reference>,
    /// CSS inside the document, to be parsed and matched against it.
    pub inline_css: Vec<InlineCss>,
    /// `<iframe srcdoc>` documents (loaded without a request).
    pub srcdoc_frames: Vec<Srcdoc>,
    /// References that are not fetchable, counted.
    pub skipped: Skipped,
    /// The base URL for relative references (the document URL or its `<base href>`).
    pub base: Option<Url>,
    /// Its `<meta http-equiv=refresh>`, the first one.
    pub refresh: Option<Refresh>,
}

/// An `<iframe srcdoc>` document: its markup and the base URL it inherits.
#[derive(Debug, Clone, PartialEq)]
pub struct Srcdoc {
    /// The document.
    pub html: String,
    /// The embedding document's base URL when the parser met the frame.
    pub base: Url,
}

/// A declarative refresh: the browser navigates to `url` after `delay_s` seconds (after the
/// load event).
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    /// Seconds to wait.
    pub delay_s: f64,
    /// Where to (the document itself when the content names no URL).
    pub url: Url,
}

/// MIME types of classic scripts (the HTML standard's JavaScript MIME type essences).
const JS_TYPES: &[&str] = &[
    "application/ecmascript",
    "application/javascript",
    "application/x-ecmascript",
    "application/x-javascript",
    "text/ecmascript",
    "text/javascript",
    "text/javascript1.0",
    "text/javascript1.1",
    "text/javascript1.2",
    "text/javascript1.3",
    "text/javascript1.4",
    "text/javascript1.5",
    "text/jscript",
    "text/livescript",
    "text/x-ecmascript",
    "text/x-javascript",
];

/// Whether a `<script>` with these `type` and `language` attributes runs (and so is fetched):
/// the HTML standard's rule. No type (or an empty one) and no language, or an empty one: a
/// classic script; a type that is a JavaScript MIME type essence as written (parameters
/// such as `; charset=utf-8` make it something else) or `module`; without a type, a
/// language `L` with `text/L` a JavaScript MIME type.
fn runs_as_script(ty: Option<&str>, language: Option<&str>) -> bool {
    let ty = ty.map(|t| {
        t.trim_matches(|c: char| c.is_ascii_whitespace())
            .to_ascii_lowercase()
    });
    match (ty.as_deref(), language) {
        (Some(""), _) | (None, None) => true,
        (None, Some("")) => true,
        (None, Some(l)) => JS_TYPES.contains(&format!("text/{}", l.to_ascii_lowercase()).as_str()),
        (Some(t), _) => t == "module" || JS_TYPES.contains(&t),
    }
}

/// Whether an `<embed>` or `<object>` needs a plugin (Flash and its kin): Chromium has none
/// and fetches nothing for it.
fn needs_plugin(ty: Option<&str>, url: &str) -> bool {
    let ty = ty.unwrap_or("").trim().to_ascii_lowercase();
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    ty.contains("shockwave")
        || ty.contains("x-java")
        || ty.contains("silverlight")
        || path.ends_with(".swf")
        || path.ends_with(".class")
        || path.ends_with(".xap")
}

/// A `<meta http-equiv=refresh>` value: the delay in seconds and the URL (`None`: reload
/// the same document), as the HTML standard's "shared declarative refresh steps" read it.
pub fn parse_refresh(content: &str) -> Option<(f64, Option<String>)> {
    let s = content.trim_start();
    let digits = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let delay: f64 = s[..digits].parse().ok().filter(|d: &f64| d.is_finite())?;
    let rest =
        s[digits..].trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ';' || c == ',');
    if rest.is_empty() {
        return Some((delay, None));
    }
    let rest = match rest.get(..3) {
        Some(u) if u.eq_ignore_ascii_case("url") => rest[3..]
            .trim_start()
            .strip_prefix('=')
            .map_or(rest, str::trim_start),
        _ => rest,
    };
    let url = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
        _ => rest,
    };
    let url = url.trim();
    Some((delay, (!url.is_empty()).then(|| url.to_string())))
}

/// Parses a document (HTML5 parsing rules, scripting enabled as in a browser).
pub fn parse_document(text: &str) -> Html {
    Html::parse_document(text)
}

/// The document's base URL: its first `<base href>`, resolved against the document URL.
pub fn base_url(doc: &Html, doc_url: &Url) -> Url {
    doc.tree
        .root()
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "base" && e.value().attr("href").is_some())
        .and_then(|e| doc_url.join(e.value().attr("href")?.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| doc_url.clone())
}

/// The document's elements in order, without `<template>` and `<noscript>` content (inert
/// in a browser with scripting on). Iterative: any nesting depth is safe.
pub fn live_elements(doc: &Html) -> impl Iterator<Item = ElementRef<'_>> {
    let mut inert = 0usize;
    doc.tree
        .root()
        .traverse()
        .filter_map(move |edge| match edge {
            Edge::Open(node) => {
                let el = ElementRef::wrap(node)?;
                if matches!(el.value().name(), "template" | "noscript") {
                    inert += 1;
                    return None;
                }
                (inert == 0).then_some(el)
            }
            Edge::Close(node) => {
                let el = ElementRef::wrap(node)?;
                if matches!(el.value().name(), "template" | "noscript") {
                    inert = inert.saturating_sub(1);
                }
                None
            }
        })
}

/// Every subresource the document's elements make a browser request (a UTF-8 document).
pub fn extract(
    doc: &Html,
    text: &str,
    doc_url: &Url,
    vp: &Viewport,
    max_refs: usize,
) -> DocumentRefs {
    extract_encoded(doc, text, (doc_url, encoding_rs::UTF_8), vp, max_refs)
}

/// [`extract`] for a document decoded as `enc` (URL queries are written in it). Elements
/// before the `<base href>` resolve against the document's URL, as they do in a browser,
/// which fetches each as the parser inserts it.
pub fn extract_encoded(
    doc: &Html,
    text: &str,
    (doc_url, enc): (&Url, Enc),
    vp: &Viewport,
    max_refs: usize,
) -> DocumentRefs {
    let base = base_url(doc, doc_url);
    let mut x = Extractor {
        out: DocumentRefs {
            base: Some(base.clone()),
            ..DocumentRefs::default()
        },
        base: doc_url.clone(),
        doc_url: doc_url.clone(),
        loc: SourceLocator::new(text),
        vp: *vp,
        max_refs,
        enc,
        order: 0,
    };
    let mut base_seen = false;
    for el in live_elements(doc) {
        if !base_seen && el.value().name() == "base" && el.value().attr("href").is_some() {
            base_seen = true;
            x.base = base.clone();
        }
        x.element(el);
    }
    x.out
}

struct Extractor<'t> {
    out: DocumentRefs,
    base: Url,
    doc_url: Url,
    loc: SourceLocator<'t>,
    vp: Viewport,
    max_refs: usize,
    enc: Enc,
    /// Elements seen so far.
    order: u32,
}

/// When an element's resource loads: at once, or (`loading=lazy`) when it nears the
/// viewport (a browser's rule; the reference records which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loading {
    Eager,
    Lazy,
}

impl Extractor<'_> {
    fn push(
        &mut self,
        raw: &str,
        rt: ResourceType,
        kind: InitiatorKind,
        el: &ElementRef<'_>,
        attr: &str,
        loading: Loading,
    ) {
        let pos = self.loc.find(raw.trim());
        match resolve_in(raw, &self.base, self.enc) {
            Ok(url) => {
                if self.out.refs.len() >= self.max_refs {
                    self.out.skipped.over_limit += 1;
                    return;
                }
                let init = initiator(kind, &self.doc_url, el.value().name(), Some(attr), pos);
                self.out.refs.push(Reference {
                    url,
                    resource_type: rt,
                    initiator: init,
                    lazy: loading == Loading::Lazy,
                    media: None,
                    order: self.order,
                });
            }
            Err(why) => count_skip(&mut self.out.skipped, why),
        }
    }

    fn skip_raw(&mut self, raw: &str) {
        if let Err(why) = resolve_in(raw, &self.base, self.enc) {
            count_skip(&mut self.out.skipped, why);
        }
    }

    fn element(&mut self, el: ElementRef<'_>) {
        let e = el.value();
        self.order += 1;
        if let Some(style) = e.attr("style") {
            self.style_attribute(el, style);
        }
        let loading = match e.attr("loading") {
            Some(l) if l.trim().eq_ignore_ascii_case("lazy") => Loading::Lazy,
            _ => Loading::Eager,
        };
        let image = (ResourceType::Image, InitiatorKind::Parser);
        match e.name() {
            "link" => self.link(el),
            "script" => self.script(el),
            "img" => self.img(el, loading),
            "input"
                if e.attr("type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("image")) =>
            {
                self.push_attr(&el, "src", image, loading);
            }
            "iframe" | "frame" => self.frame(el, loading),
            "video" | "audio" => self.media_element(el),
            // Text tracks load when shown; `default` shows one at load.
            "track" if e.attr("default").is_some() => {
                self.push_attr(
                    &el,
                    "src",
                    (ResourceType::Other, InitiatorKind::Parser),
                    Loading::Eager,
                );
            }
            "object" | "embed" | "image" | "use" => self.embedded(el),
            "meta" if self.out.refresh.is_none() => self.refresh(el),
            "body" | "table" | "td" | "th" => {
                self.push_attr(&el, "background", image, Loading::Eager)
            }
            "style" => self.style_element(el),
            _ => {}
        }
    }

    /// The URL in an attribute of the element, when it has the attribute.
    fn push_attr(
        &mut self,
        el: &ElementRef<'_>,
        attr: &str,
        (kind, initiator): (ResourceType, InitiatorKind),
        loading: Loading,
    ) {
        if let Some(url) = el.value().attr(attr) {
            self.push(url, kind, initiator, el, attr, loading);
        }
    }

    /// A `style` attribute, kept for the cascade when it says anything that can load or
    /// hide: a URL, a font, a background, a list or border image, a mask, generated
    /// content, display.
    fn style_attribute(&mut self, el: ElementRef<'_>, style: &str) {
        let lower = style.to_ascii_lowercase();
        let says = [
            "url(",
            "font",
            "background",
            "list-style",
            "border-image",
            "mask",
            "content",
            "display",
        ];
        if says.iter().any(|w| lower.contains(w)) {
            let line = self.loc.find(style).map(|p| p.0);
            self.out.inline_css.push(InlineCss::Attribute {
                css: style.to_string(),
                element: el.value().name().to_string(),
                line,
                node: el.id(),
            });
        }
    }

    /// `<iframe srcdoc>` (its document parsed as the page's) or `src`; `<frame src>`.
    fn frame(&mut self, el: ElementRef<'_>, loading: Loading) {
        let e = el.value();
        if let Some(doc) = e.attr("srcdoc").filter(|_| e.name() == "iframe") {
            let frame = Srcdoc {
                html: doc.to_string(),
                base: self.base.clone(),
            };
            self.out.srcdoc_frames.push(frame);
        } else {
            self.push_attr(
                &el,
                "src",
                (ResourceType::Iframe, InitiatorKind::Parser),
                loading,
            );
        }
    }

    /// A `<style>` element of type CSS (or none), kept in document order for the cascade.
    fn style_element(&mut self, el: ElementRef<'_>) {
        let e = el.value();
        let css: String = el.text().collect();
        let line = if css.trim().is_empty() {
            None
        } else {
            self.loc.find(css.trim_start()).map(|p| p.0)
        };
        let media = e.attr("media").unwrap_or("").to_string();
        let type_ok = e.attr("type").is_none_or(|t| {
            let t = t.trim();
            t.is_empty() || t.eq_ignore_ascii_case("text/css")
        });
        if type_ok {
            self.out.inline_css.push(InlineCss::Block {
                css,
                line: line.unwrap_or(1),
                media,
                order: self.order,
                base: self.base.clone(),
            });
        }
    }

    /// `<object data>` and `<embed src>` (nothing for plugin content: Chromium has no
    /// plugins); SVG in HTML: `<image href>` (or the older `xlink:href`) loads an image,
    /// `<use>` an external document when it names another file.
    fn embedded(&mut self, el: ElementRef<'_>) {
        let e = el.value();
        let rt = match e.name() {
            "image" => ResourceType::Image,
            "use" => ResourceType::Other,
            _ => {
                let attr = if e.name() == "object" { "data" } else { "src" };
                if let Some(url) = e.attr(attr).filter(|u| !needs_plugin(e.attr("type"), u)) {
                    let rt = type_from_mime(e.attr("type")).unwrap_or(ResourceType::Other);
                    self.push(url, rt, InitiatorKind::Parser, &el, attr, Loading::Eager);
                }
                return;
            }
        };
        let href = e.attrs().find(|(name, _)| *name == "href").map(|(_, v)| v);
        if let Some(href) = href.filter(|h| !h.trim_start().starts_with('#')) {
            self.push(href, rt, InitiatorKind::Parser, &el, "href", Loading::Eager);
        }
    }

    /// `<meta http-equiv=refresh content="N; url=...">`: a navigation after N seconds.
    fn refresh(&mut self, el: ElementRef<'_>) {
        let e = el.value();
        let is_refresh = e
            .attr("http-equiv")
            .is_some_and(|h| h.trim().eq_ignore_ascii_case("refresh"));
        let Some((delay_s, raw)) = e
            .attr("content")
            .filter(|_| is_refresh)
            .and_then(parse_refresh)
        else {
            return;
        };
        let url = match raw {
            Some(raw) => match resolve_in(&raw, &self.base, self.enc) {
                Ok(u) => u,
                Err(why) => return count_skip(&mut self.out.skipped, why),
            },
            None => self.doc_url.clone(),
        };
        self.out.refresh = Some(Refresh { delay_s, url });
    }

    fn link(&mut self, el: ElementRef<'_>) {
        let e = el.value();
        let Some(href) = e.attr("href").or_else(|| e.attr("imagesrcset").map(|_| "")) else {
            return; // no href: only an image preload with imagesrcset fetches anything
        };
        let rel: Vec<String> = e
            .attr("rel")
            .unwrap_or("")
            .split_ascii_whitespace()
            .map(|r| r.to_ascii_lowercase())
            .collect();
        let has = |r: &str| rel.iter().any(|x| x == r);
        if has("stylesheet") {
            self.stylesheet_link(el, href, has("alternate"));
        } else if has("icon") {
            // Favicons: Chromium fetches every <link rel=icon> of the page (its network panel
            // calls them "other").
            let rt = ResourceType::Other;
            self.push(href, rt, InitiatorKind::Parser, &el, "href", Loading::Eager);
        } else if has("modulepreload") {
            let rt = ResourceType::Script;
            self.push(
                href,
                rt,
                InitiatorKind::Preload,
                &el,
                "href",
                Loading::Eager,
            );
        } else if has("preload") {
            self.preload_link(el, href);
        }
    }

    /// `<link rel=stylesheet>`. Chromium skips disabled sheets and those of a non-CSS type.
    /// It fetches alternate sheets and sheets whose media does not match (at the lowest
    /// priority), but their rules do not apply.
    fn stylesheet_link(&mut self, el: ElementRef<'_>, href: &str, alternate: bool) {
        let e = el.value();
        let type_ok = e.attr("type").is_none_or(|t| {
            let t = t.trim();
            t.is_empty() || t.eq_ignore_ascii_case("text/css")
        });
        if e.attr("disabled").is_some() || !type_ok {
            self.skip_raw(href);
            return;
        }
        let media = if alternate {
            Some("not all".to_string())
        } else {
            e.attr("media").map(str::to_string)
        };
        let before = self.out.refs.len();
        let rt = ResourceType::Stylesheet;
        self.push(href, rt, InitiatorKind::Parser, &el, "href", Loading::Eager);
        if let Some(r) = self.out.refs.get_mut(before) {
            r.media = media;
        }
    }

    /// `<link rel=preload>`: fetched as its `as` says (a preload without a valid one is
    /// ignored by browsers), an image from its `imagesrcset` when it has one, and only when
    /// its media matches.
    fn preload_link(&mut self, el: ElementRef<'_>, href: &str) {
        let e = el.value();
        let as_ = e.attr("as").unwrap_or("").trim().to_ascii_lowercase();
        let rt = match as_.as_str() {
            "style" => ResourceType::Stylesheet,
            "script" | "worker" | "sharedworker" | "serviceworker" => ResourceType::Script,
            "font" => ResourceType::Font,
            "image" => ResourceType::Image,
            "audio" | "video" | "track" => ResourceType::Media,
            "fetch" | "json" => ResourceType::Other,
            "document" => ResourceType::Iframe,
            _ => return,
        };
        if let Some(set) = e.attr("imagesrcset").filter(|_| rt == ResourceType::Image) {
            let cands = srcset::parse_srcset(set);
            let fallback = e.attr("href");
            let chosen = srcset::choose(&cands, fallback, e.attr("imagesizes"), &self.vp)
                .map(str::to_string);
            if let Some(u) = chosen {
                self.push(
                    &u,
                    rt,
                    InitiatorKind::Preload,
                    &el,
                    "imagesrcset",
                    Loading::Eager,
                );
            }
            return;
        }
        if e.attr("media")
            .is_some_and(|m| !media::matches(m, &self.vp))
        {
            return;
        }
        self.push(
            href,
            rt,
            InitiatorKind::Preload,
            &el,
            "href",
            Loading::Eager,
        );
    }

    fn script(&mut self, el: ElementRef<'_>) {
        let e = el.value();
        let Some(src) = e.attr("src") else { return };
        // A modern browser skips `nomodule` scripts, and fetches only JavaScript or modules.
        if e.attr("nomodule").is_some() {
            return;
        }
        if !runs_as_script(e.attr("type"), e.attr("language")) {
            return;
        }
        self.push(
            src,
            ResourceType::Script,
            InitiatorKind::Parser,
            &el,
            "src",
            Loading::Eager,
        );
    }

    fn img(&mut self, el: ElementRef<'_>, loading: Loading) {
        // <picture>: the first <source> whose media and type match supplies the srcset.
        if let Some((u, source)) = self.picture_source(el) {
            let (rt, by) = (ResourceType::Image, InitiatorKind::Parser);
            self.push(&u, rt, by, &source, "srcset", loading);
            return;
        }
        let e = el.value();
        let src = e.attr("src");
        let chosen = match e.attr("srcset") {
            Some(set) => {
                let cands = srcset::parse_srcset(set);
                srcset::choose(&cands, src, e.attr("sizes"), &self.vp).map(str::to_string)
            }
            None => src.map(str::to_string),
        };
        if let Some(u) = chosen {
            let attr = if Some(u.as_str()) == src {
                "src"
            } else {
                "srcset"
            };
            let (rt, by) = (ResourceType::Image, InitiatorKind::Parser);
            self.push(&u, rt, by, &el, attr, loading);
        }
    }

    /// In a `<picture>`, the first `<source>` before the image whose media and type match and
    /// whose srcset yields a candidate: that candidate, and the source it came from.
    fn picture_source<'a>(&self, el: ElementRef<'a>) -> Option<(String, ElementRef<'a>)> {
        let parent = el.parent().and_then(ElementRef::wrap)?;
        if parent.value().name() != "picture" {
            return None;
        }
        for s in parent.children().filter_map(ElementRef::wrap) {
            if s.id() == el.id() {
                break;
            }
            let sv = s.value();
            let Some(set) = sv.attr("srcset").filter(|_| sv.name() == "source") else {
                continue;
            };
            if sv
                .attr("media")
                .is_some_and(|m| !media::matches(m, &self.vp))
                || sv.attr("type").is_some_and(|t| !image_type_supported(t))
            {
                continue;
            }
            let cands = srcset::parse_srcset(set);
            if let Some(u) = srcset::choose(&cands, None, sv.attr("sizes"), &self.vp) {
                return Some((u.to_string(), s));
            }
        }
        None
    }

    fn media_element(&mut self, el: ElementRef<'_>) {
        let e = el.value();
        if let Some(poster) = e.attr("poster").filter(|_| e.name() == "video") {
            self.push(
                poster,
                ResourceType::Image,
                InitiatorKind::Parser,
                &el,
                "poster",
                Loading::Eager,
            );
        }
        // `preload=none` defers the media until played; any other value fetches (at least
        // the metadata, with range requests).
        let preload_none = e
            .attr("preload")
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("none"))
            && e.attr("autoplay").is_none();
        if preload_none {
            return;
        }
        if let Some(src) = e.attr("src") {
            self.push(
                src,
                ResourceType::Media,
                InitiatorKind::Parser,
                &el,
                "src",
                Loading::Eager,
            );
            return;
        }
        for s in el.children().filter_map(ElementRef::wrap) {
            let sv = s.value();
            if sv.name() != "source" {
                continue;
            }
            let Some(src) = sv.attr("src") else { continue };
            if sv.attr("type").is_some_and(|t| !media_type_playable(t)) {
                continue;
            }
            if sv
                .attr("media")
                .is_some_and(|m| !media::matches(m, &self.vp))
            {
                continue;
            }
            self.push(
                src,
                ResourceType::Media,
                InitiatorKind::Parser,
                &s,
                "src",
                Loading::Eager,
            );
            return;
        }
    }
}

/// Image MIME types Chromium decodes (for `<picture><source type>`).
fn image_type_supported(t: &str) -> bool {
    let t = t
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        t.as_str(),
        "image/png"
            | "image/jpeg"
            | "image/jpg"
            | "image/pjpeg"
            | "image/gif"
            | "image/webp"
            | "image/avif"
            | "image/svg+xml"
            | "image/bmp"
            | "image/x-icon"
            | "image/vnd.microsoft.icon"
            | "image/apng"
    )
}

/// Media MIME types Chromium plays (for `<source type>` in video and audio).
fn media_type_playable(t: &str) -> bool {
    let t = t
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        t.as_str(),
        "video/mp4"
            | "video/webm"
            | "video/ogg"
            | "audio/mp4"
            | "audio/mpeg"
            | "audio/mp3"
            | "audio/ogg"
            | "audio/webm"
            | "audio/wav"
            | "audio/wave"
            | "audio/x-wav"
            | "audio/flac"
            | "audio/aac"
            | "audio/x-m4a"
            | "application/ogg"
    )
}

fn type_from_mime(t: Option<&str>) -> Option<ResourceType> {
    let t = t?.trim().to_ascii_lowercase();
    Some(if t.starts_with("image/") {
        ResourceType::Image
    } else if t.starts_with("video/") || t.starts_with("audio/") {
        ResourceType::Media
    } else if t == "text/html" {
        ResourceType::Iframe
    } else {
        ResourceType::Other
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(html: &str) -> DocumentRefs {
        let url = Url::parse("http://site.test/dir/page.html").unwrap();
        let doc = parse_document(html);
        extract(&doc, html, &url, &Viewport::default(), 10_000)
    }

    fn urls(r: &DocumentRefs) -> Vec<String> {
        r.refs.iter().map(|r| r.url.to_string()).collect()
    }

    #[test]
    fn base_href_resolves_relative_references() {
        let r = refs(
            "<base href='https://cdn.test/assets/'><img src='a.png'><script src='/x.js'></script>",
        );
        assert_eq!(
            urls(&r),
            ["https://cdn.test/assets/a.png", "https://cdn.test/x.js"]
        );
    }

    #[test]
    fn every_element_kind_is_found_with_its_type_and_position() {
        let html = "<html><head>\n<link rel=stylesheet href=s.css>\n<link rel=icon href=f.ico>\n<link rel=preload as=font href=f.woff2 crossorigin>\n<link rel=modulepreload href=m.js>\n<script src=a.js async></script><script type=module src=b.js></script>\n</head><body background=bg.png>\n<img src=i.png><input type=image src=btn.png>\n<iframe src=frame.html></iframe>\n<video poster=p.jpg preload=auto><source src=v.webm type=video/webm><source src=v.mp4></video>\n<audio src=a.mp3></audio><track src=t.vtt default>\n<object data=o.svg type=image/svg+xml></object><embed src=e.pdf></body></html>";
        let r = refs(html);
        let got: Vec<(String, ResourceType)> = r
            .refs
            .iter()
            .map(|r| {
                (
                    r.url.path().trim_start_matches("/dir/").to_string(),
                    r.resource_type,
                )
            })
            .collect();
        use ResourceType::*;
        let want = [
            ("s.css", Stylesheet),
            ("f.ico", Other),
            ("f.woff2", Font),
            ("m.js", Script),
            ("a.js", Script),
            ("b.js", Script),
            ("bg.png", Image),
            ("i.png", Image),
            ("btn.png", Image),
            ("frame.html", Iframe),
            ("p.jpg", Image),
            ("v.webm", Media),
            ("a.mp3", Media),
            ("t.vtt", Other),
            ("o.svg", Image),
            ("e.pdf", Other),
        ];
        let want: Vec<(String, ResourceType)> =
            want.iter().map(|(u, t)| (u.to_string(), *t)).collect();
        assert_eq!(got, want);
        let css = &r.refs[0].initiator;
        assert_eq!(
            (css.element.as_deref(), css.attribute.as_deref()),
            (Some("link"), Some("href"))
        );
        assert_eq!((css.line, css.column), (Some(2), Some(27)));
        assert_eq!(r.refs[2].initiator.kind, InitiatorKind::Preload);
    }

    #[test]
    fn noscript_and_template_content_is_not_loaded() {
        let r = refs("<noscript><img src=n.png><link rel=stylesheet href=n.css></noscript><template><img src=t.png></template><img src=ok.png>");
        assert_eq!(urls(&r), ["http://site.test/dir/ok.png"]);
    }

    #[test]
    fn nomodule_and_non_javascript_scripts_are_not_fetched() {
        let r = refs("<script nomodule src=legacy.js></script><script type=text/template src=t.js></script><script type='text/javascript' src=ok.js></script>");
        assert_eq!(urls(&r), ["http://site.test/dir/ok.js"]);
    }

    #[test]
    fn a_script_type_with_parameters_or_a_non_javascript_language_does_not_run_or_load() {
        let r = refs("<script type='text/javascript; charset=utf-8' src=typed.js></script><script language=vbscript src=vb.js></script><script language=JavaScript1.2 src=js12.js></script><script type='' src=empty.js></script>");
        assert_eq!(
            urls(&r),
            [
                "http://site.test/dir/js12.js",
                "http://site.test/dir/empty.js"
            ]
        );
    }

    #[test]
    fn plugin_content_is_not_fetched_because_chromium_has_no_plugins() {
        let r = refs("<embed src=movie.swf><object data=app.swf></object><object data=x type=application/x-shockwave-flash></object><embed src=doc.pdf>");
        assert_eq!(urls(&r), ["http://site.test/dir/doc.pdf"]);
    }

    #[test]
    fn svg_images_and_external_use_references_load_local_fragments_do_not() {
        let r = refs("<svg xmlns:xlink='http://www.w3.org/1999/xlink'><image href=a.png /><image xlink:href=b.png /><use href='sprite.svg#i'/><use href='#local'/></svg>");
        let got: Vec<(String, ResourceType)> = r
            .refs
            .iter()
            .map(|r| (r.url.path().to_string(), r.resource_type))
            .collect();
        assert_eq!(
            got,
            [
                ("/dir/a.png".to_string(), ResourceType::Image),
                ("/dir/b.png".to_string(), ResourceType::Image),
                ("/dir/sprite.svg".to_string(), ResourceType::Other)
            ]
        );
    }

    #[test]
    fn an_image_preload_without_href_fetches_its_imagesrcset_candidate() {
        let r =
            refs("<link rel=preload as=image imagesrcset='p1.png 1x, p2.png 2x' imagesizes=100vw>");
        assert_eq!(urls(&r), ["http://site.test/dir/p1.png"]);
    }

    #[test]
    fn meta_refresh_is_read_as_the_declarative_refresh_steps_say() {
        assert_eq!(
            parse_refresh("0; url=next.html"),
            Some((0.0, Some("next.html".into())))
        );
        assert_eq!(
            parse_refresh("0.5;URL='a b.html'"),
            Some((0.5, Some("a b.html".into())))
        );
        assert_eq!(
            parse_refresh("5, https://x.test/"),
            Some((5.0, Some("https://x.test/".into())))
        );
        assert_eq!(parse_refresh("30"), Some((30.0, None)));
        assert_eq!(parse_refresh("soon"), None);
        let r = refs("<meta http-equiv=Refresh content='0; url=/moved'>");
        let refresh = r.refresh.unwrap();
        assert_eq!(
            (refresh.delay_s, refresh.url.as_str()),
            (0.0, "http://site.test/moved")
        );
    }

    #[test]
    fn elements_before_the_base_element_resolve_against_the_document_url() {
        let r = refs("<link rel=stylesheet href=early.css><style>.a{}</style><base href=/sub/><img src=late.png><iframe srcdoc='<img src=x.png>'></iframe>");
        assert_eq!(
            urls(&r),
            [
                "http://site.test/dir/early.css",
                "http://site.test/sub/late.png"
            ]
        );
        assert!(
            matches!(&r.inline_css[0], InlineCss::Block { base, .. } if base.as_str() == "http://site.test/dir/page.html")
        );
        assert_eq!(r.srcdoc_frames[0].base.as_str(), "http://site.test/sub/");
    }

    #[test]
    fn queries_are_written_in_the_document_encoding() {
        let doc = parse_document("<img src='\u{65e5}.png?q=\u{65e5}'>");
        let url = Url::parse("http://site.test/").unwrap();
        let r = extract_encoded(
            &doc,
            "",
            (&url, encoding_rs::SHIFT_JIS),
            &Viewport::default(),
            10,
        );
        assert_eq!(
            r.refs[0].url.as_str(),
            "http://site.test/%E6%97%A5.png?q=%93%FA"
        );
    }

    #[test]
    fn alternate_and_other_media_stylesheets_are_fetched_not_applied_and_disabled_ones_skipped() {
        let r = refs("<link rel='alternate stylesheet' href=alt.css><link rel=stylesheet disabled href=d.css><link rel=stylesheet media=print href=print.css><link rel=stylesheet href=all.css>");
        assert_eq!(
            urls(&r),
            [
                "http://site.test/dir/alt.css",
                "http://site.test/dir/print.css",
                "http://site.test/dir/all.css"
            ]
        );
        let media: Vec<Option<&str>> = r.refs.iter().map(|r| r.media.as_deref()).collect();
        assert_eq!(media, [Some("not all"), Some("print"), None]);
    }

    #[test]
    fn picture_uses_the_first_source_whose_media_and_type_match() {
        let r = refs("<picture><source media='(max-width: 600px)' srcset=small.jpg><source type=image/jxl srcset=x.jxl><source type=image/webp srcset=big.webp><img src=fallback.jpg></picture>");
        assert_eq!(urls(&r), ["http://site.test/dir/big.webp"]);
        assert_eq!(r.refs[0].initiator.element.as_deref(), Some("source"));
    }

    #[test]
    fn srcset_yields_only_the_chosen_candidate() {
        let r = refs("<img src=s.jpg srcset='s.jpg 320w, l.jpg 1600w' sizes='50vw' loading=lazy>");
        assert_eq!(urls(&r), ["http://site.test/dir/l.jpg"]);
        assert!(r.refs[0].lazy);
    }

    #[test]
    fn media_elements_fetch_the_first_playable_source_unless_preload_none() {
        let r = refs("<audio><source src=a.flv type=video/x-flv><source src=a.ogg type=audio/ogg><source src=a.mp3></audio><video src=v.mp4 preload=none poster=p.png></video>");
        assert_eq!(
            urls(&r),
            ["http://site.test/dir/a.ogg", "http://site.test/dir/p.png"]
        );
    }

    #[test]
    fn unfetchable_urls_are_counted_not_requested() {
        let r = refs("<img src='data:image/png;base64,AA'><script src='javascript:void 0'></script><iframe src='about:blank'></iframe><img src='http://[::1'><img src=''>");
        assert!(r.refs.is_empty());
        assert_eq!(
            (
                r.skipped.data,
                r.skipped.javascript,
                r.skipped.other_scheme,
                r.skipped.invalid
            ),
            (1, 1, 1, 1)
        );
    }

    #[test]
    fn inline_styles_and_style_blocks_are_collected() {
        let r = refs("<style media=screen>\n.a{background:url(a.png)}</style><div style=\"background:url('b.png')\"></div>");
        assert_eq!(r.inline_css.len(), 2);
        assert!(
            matches!(&r.inline_css[0], InlineCss::Block { media, line: 2, .. } if media == "screen")
        );
        assert!(
            matches!(&r.inline_css[1], InlineCss::Attribute { element, .. } if element == "div")
        );
    }
}
