//! A page's links as records (URL, text, title, rel, alt, element, line), and the filters the
//! `links` command offers: regular expressions on the URL and on the text, exclusion, site
//! (internal/external by registrable domain), scheme. Pure: tested from literals.

pub mod check;

use crate::extract::encoding::{Enc, Markup};
use crate::extract::{html, SourceLocator, Viewport};
use regex::Regex;
use scraper::{ElementRef, Html};
use serde::{Deserialize, Serialize};
use url::Url;

/// Which elements count as links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// `<a href>`.
    A,
    /// `<area href>`.
    Area,
    /// `<link href>` (stylesheets, icons, alternates, canonical ...).
    Link,
    /// `<form action>` (an empty action submits to the document itself).
    Form,
    /// Subresources a browser loads (images, scripts, stylesheets ...), as `audit` finds them.
    Resource,
}

impl LinkKind {
    /// Parses `a`, `area`, `link`, `form`, `resource`.
    pub fn parse(s: &str) -> Option<LinkKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "a" => LinkKind::A,
            "area" => LinkKind::Area,
            "link" => LinkKind::Link,
            "form" => LinkKind::Form,
            "resource" | "resources" => LinkKind::Resource,
            _ => return None,
        })
    }
}

/// One link of a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Link {
    /// Absolute URL (resolved against the base), `None` when the value is not a valid URL.
    pub url: Option<String>,
    /// The attribute value as written.
    pub raw: String,
    /// The link text, whitespace-normalized (nested markup flattened).
    pub text: String,
    /// `title` attribute.
    pub title: Option<String>,
    /// `rel` attribute.
    pub rel: Option<String>,
    /// `alt` of an image inside the link.
    pub alt: Option<String>,
    /// Element name.
    pub element: String,
    /// What kind of link.
    pub kind: LinkKind,
    /// 1-based line in the document, where found.
    pub line: Option<u32>,
    /// The document the link is in (the page, or an iframe's document with `--all`).
    pub document: String,
}

impl Link {
    /// The text filters look at: the link text, else the image's alt, else the title.
    pub fn label(&self) -> &str {
        if !self.text.is_empty() {
            &self.text
        } else if let Some(a) = self.alt.as_deref().filter(|a| !a.is_empty()) {
            a
        } else {
            self.title.as_deref().unwrap_or("")
        }
    }

    /// The URL, or the raw value for an invalid link.
    pub fn url_or_raw(&self) -> &str {
        self.url.as_deref().unwrap_or(&self.raw)
    }
}

fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every link of a document, in order of appearance. `doc_url` is where the document came
/// from (its `<base href>` is honoured); a base that cannot resolve relative URLs (stdin
/// without `--base`) leaves relative links invalid.
pub fn extract_links(page: &Markup, kinds: &[LinkKind]) -> Vec<Link> {
    let doc = Html::parse_document(&page.text);
    let base = if page.url.cannot_be_a_base() {
        page.url.clone()
    } else {
        html::base_url(&doc, &page.url)
    };
    let mut loc = SourceLocator::new(&page.text);
    let mut out: Vec<Link> = html::live_elements(&doc)
        .filter_map(|el| element_link(el, kinds, page, &base, &mut loc))
        .collect();
    if kinds.contains(&LinkKind::Resource) {
        out.extend(resource_links(&doc, page));
    }
    out
}

/// The link an `a`, `area`, `link` or `form` element makes, if it is of one of `kinds`.
fn element_link(
    el: ElementRef<'_>,
    kinds: &[LinkKind],
    page: &Markup,
    base: &Url,
    loc: &mut SourceLocator<'_>,
) -> Option<Link> {
    let name = el.value().name();
    let (kind, attr) = match name {
        "a" => (LinkKind::A, "href"),
        "area" => (LinkKind::Area, "href"),
        "link" => (LinkKind::Link, "href"),
        "form" => (LinkKind::Form, "action"),
        _ => return None,
    };
    if !kinds.contains(&kind) {
        return None;
    }
    let raw = match el.value().attr(attr) {
        Some(v) => v.to_string(),
        None if kind == LinkKind::Form => String::new(),
        None => return None,
    };
    let line = (!raw.trim().is_empty())
        .then(|| loc.find(raw.trim()).map(|p| p.0))
        .flatten();
    let alt = el
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "img")
        .and_then(|img| img.value().attr("alt"))
        .map(normalize_ws);
    Some(Link {
        url: resolve_link(&raw, base, kind, page.encoding),
        raw,
        text: normalize_ws(&el.text().collect::<String>()),
        title: el.value().attr("title").map(normalize_ws),
        rel: el.value().attr("rel").map(normalize_ws),
        alt,
        element: name.to_string(),
        kind,
        line,
        document: page.url.to_string(),
    })
}

/// The page's subresources as links of kind `resource`.
fn resource_links(doc: &Html, page: &Markup) -> Vec<Link> {
    let at = (&page.url, page.encoding);
    let refs = html::extract_encoded(doc, &page.text, at, &Viewport::default(), usize::MAX);
    (refs.refs.into_iter())
        .map(|r| Link {
            url: Some(r.url.to_string()),
            raw: r.url.to_string(),
            text: String::new(),
            title: None,
            rel: None,
            alt: None,
            element: r.initiator.element.clone().unwrap_or_default(),
            kind: LinkKind::Resource,
            line: r.initiator.line,
            document: page.url.to_string(),
        })
        .collect()
}

/// Resolves a link value: whitespace trimmed, entities already decoded by the parser; an empty
/// form action is the document itself; an empty `href` is the document too (as in a browser).
fn resolve_link(raw: &str, base: &Url, kind: LinkKind, enc: Enc) -> Option<String> {
    let t = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() && !matches!(kind, LinkKind::Form | LinkKind::A | LinkKind::Area) {
        return None;
    }
    crate::extract::encoding::join(base, t, enc)
        .ok()
        .map(|u| u.to_string())
}

/// Removes repeated URLs (the first occurrence stays). Invalid links compare by raw value.
pub fn dedup(links: Vec<Link>) -> Vec<Link> {
    let mut seen = std::collections::HashSet::new();
    links
        .into_iter()
        .filter(|l| seen.insert(l.url_or_raw().to_string()))
        .collect()
}

/// Where a link points relative to the page's site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// Same registrable domain as the page.
    Internal,
    /// Another site.
    External,
}

/// Filters for links; all given filters must pass.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Keep links whose URL matches.
    pub url: Option<Regex>,
    /// Keep links whose text (or alt, or title) matches.
    pub text: Option<Regex>,
    /// Drop links whose URL matches.
    pub exclude: Option<Regex>,
    /// Keep links of this site relation (http and https links only).
    pub site: Option<Site>,
    /// Keep links with one of these schemes (lowercase).
    pub schemes: Vec<String>,
}

/// A link filter's patterns as written: regular expressions on the URL, the text, and URLs
/// to drop.
#[derive(Debug, Clone, Copy, Default)]
pub struct Patterns<'a> {
    /// Keep links whose URL matches.
    pub url: Option<&'a str>,
    /// Keep links whose text (or alt, or title) matches.
    pub text: Option<&'a str>,
    /// Drop links whose URL matches.
    pub exclude: Option<&'a str>,
    /// Match case-insensitively.
    pub ignore_case: bool,
}

impl Filter {
    /// Builds a filter; an invalid pattern is an error naming which one. Schemes are
    /// compared without case and without a trailing `:`.
    pub fn new(p: Patterns, site: Option<Site>, schemes: &[String]) -> crate::Result<Filter> {
        use crate::error::Setting;
        let build = |setting, re: Option<&str>| {
            re.map(|r| {
                regex::RegexBuilder::new(r)
                    .case_insensitive(p.ignore_case)
                    .build()
                    .map_err(|e| {
                        crate::Error::setting(setting, r, format!("not a valid regex: {e}"))
                    })
            })
            .transpose()
        };
        Ok(Filter {
            url: build(Setting::LinkUrl, p.url)?,
            text: build(Setting::LinkText, p.text)?,
            exclude: build(Setting::LinkExclude, p.exclude)?,
            site,
            schemes: schemes
                .iter()
                .map(|s| s.trim().trim_end_matches(':').to_ascii_lowercase())
                .collect(),
        })
    }

    /// Whether a link passes, given the page's host.
    pub fn keep(&self, l: &Link, page_host: Option<&str>) -> bool {
        let target = l.url_or_raw();
        if self.url.as_ref().is_some_and(|r| !r.is_match(target)) {
            return false;
        }
        if self.exclude.as_ref().is_some_and(|r| r.is_match(target)) {
            return false;
        }
        if self.text.as_ref().is_some_and(|r| !r.is_match(l.label())) {
            return false;
        }
        let parsed = l.url.as_deref().and_then(|u| Url::parse(u).ok());
        if !self.schemes.is_empty() {
            let scheme = parsed
                .as_ref()
                .map(|u| u.scheme().to_string())
                .unwrap_or_default();
            if !self.schemes.contains(&scheme) {
                return false;
            }
        }
        if let Some(want) = self.site {
            let host = parsed
                .as_ref()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .and_then(|u| u.host_str().map(str::to_string));
            let (Some(host), Some(page)) = (host, page_host) else {
                return false;
            };
            let same = crate::model::party::same_site(&host, page);
            if (want == Site::Internal) != same {
                return false;
            }
        }
        true
    }
}

/// How a link fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// 2xx without redirects.
    Ok,
    /// 2xx after one or more redirects.
    Redirected,
    /// 4xx, 5xx, an error, or an invalid URL.
    Broken,
    /// Not checkable (mailto:, tel:, javascript: ...).
    Skipped,
}

/// The result of checking one link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckResult {
    /// The checked URL (or raw value).
    pub url: String,
    /// Outcome.
    pub outcome: CheckOutcome,
    /// Final status.
    pub status: Option<u16>,
    /// Where redirects led, if any.
    pub final_url: Option<String>,
    /// Redirect hops followed.
    pub redirects: u32,
    /// Method of the final attempt (`HEAD` or `GET`).
    pub method: String,
    /// Attempts made (1 + retries used).
    pub attempts: u32,
    /// Time of the whole check, retries and waits included.
    pub time_ms: f64,
    /// What went wrong, for broken links.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: &[LinkKind] = &[LinkKind::A, LinkKind::Area];

    fn utf8(html: &str, url: &Url) -> Markup {
        Markup {
            url: url.clone(),
            text: html.to_string(),
            encoding: encoding_rs::UTF_8,
        }
    }

    fn links(html: &str) -> Vec<Link> {
        let url = Url::parse("https://site.test/blog/post.html").unwrap();
        extract_links(&utf8(html, &url), KINDS)
    }

    #[test]
    fn relative_protocol_relative_base_and_entities_resolve_like_a_browser() {
        let l = links("<a href='next.html'>n</a><a href='//cdn.test/x'>c</a><a href='/top?a=1&amp;b=2'>t</a><a href=' #frag '>f</a>");
        let urls: Vec<_> = l.iter().map(|l| l.url.clone().unwrap()).collect();
        assert_eq!(
            urls,
            [
                "https://site.test/blog/next.html",
                "https://cdn.test/x",
                "https://site.test/top?a=1&b=2",
                "https://site.test/blog/post.html#frag",
            ]
        );
        let based = links("<base href='https://other.test/docs/'><a href='page'>p</a>");
        assert_eq!(
            based[0].url.as_deref(),
            Some("https://other.test/docs/page")
        );
    }

    #[test]
    fn text_is_flattened_and_images_give_their_alt() {
        let l = links("<a href=a title=' The  title '>Read <b>the\n  whole</b> <i>story</i></a><a href=b><img src=x.png alt='Logo of React'></a>");
        assert_eq!(l[0].text, "Read the whole story");
        assert_eq!(l[0].title.as_deref(), Some("The title"));
        assert_eq!(l[1].text, "");
        assert_eq!(l[1].alt.as_deref(), Some("Logo of React"));
        assert_eq!(l[1].label(), "Logo of React");
        assert_eq!(l[0].line, Some(1));
    }

    #[test]
    fn invalid_urls_are_kept_with_their_raw_value() {
        let l = links("<a href='http://[broken'>bad</a>");
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].url, None);
        assert_eq!(l[0].url_or_raw(), "http://[broken");
    }

    #[test]
    fn link_queries_are_written_in_the_document_encoding_and_texts_decoded() {
        let bytes = b"<meta charset=shift_jis><a href='/s?q=\x93\xfa'>\x93\xfa</a>";
        let url = Url::parse("https://site.test/").unwrap();
        let page = Markup::from_bytes(url, bytes, None);
        let l = extract_links(&page, KINDS);
        assert_eq!(l[0].url.as_deref(), Some("https://site.test/s?q=%93%FA"));
        assert_eq!(l[0].text, "\u{65e5}");
    }

    #[test]
    fn kinds_select_elements_and_resources() {
        let html = "<link rel=canonical href=/c><form action=/search></form><a href=/a>a</a><img src=/i.png><area href=/m>";
        let url = Url::parse("https://site.test/").unwrap();
        let all = extract_links(
            &utf8(html, &url),
            &[
                LinkKind::A,
                LinkKind::Area,
                LinkKind::Link,
                LinkKind::Form,
                LinkKind::Resource,
            ],
        );
        let kinds: Vec<LinkKind> = all.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [
                LinkKind::Link,
                LinkKind::Form,
                LinkKind::A,
                LinkKind::Area,
                LinkKind::Resource
            ]
        );
        assert_eq!(all[4].url.as_deref(), Some("https://site.test/i.png"));
        assert_eq!(extract_links(&utf8(html, &url), KINDS).len(), 2);
    }

    #[test]
    fn duplicates_are_removed_keeping_the_first() {
        let l = dedup(links("<a href=a>1</a><a href=./a>2</a><a href=b>3</a>"));
        assert_eq!(
            l.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["1", "3"]
        );
    }

    #[test]
    fn filters_combine_on_url_text_site_and_scheme() {
        let l = links("<a href='https://react.dev/learn'>Learn</a><a href='/react-tips'>Tips</a><a href='https://vuejs.org'>React alternative</a><a href='mailto:x@y.z'>mail</a>");
        let host = Some("site.test");
        let keep = |f: &Filter| {
            l.iter()
                .filter(|x| f.keep(x, host))
                .map(|x| x.text.clone())
                .collect::<Vec<_>>()
        };
        let re = |s: &str| {
            Some(
                regex::RegexBuilder::new(s)
                    .case_insensitive(true)
                    .build()
                    .unwrap(),
            )
        };
        assert_eq!(
            keep(&Filter {
                url: re("react"),
                ..Filter::default()
            }),
            ["Learn", "Tips"]
        );
        assert_eq!(
            keep(&Filter {
                text: re("^react"),
                ..Filter::default()
            }),
            ["React alternative"]
        );
        assert_eq!(
            keep(&Filter {
                url: re("react"),
                exclude: re("\\.dev"),
                ..Filter::default()
            }),
            ["Tips"]
        );
        assert_eq!(
            keep(&Filter {
                site: Some(Site::Internal),
                ..Filter::default()
            }),
            ["Tips"]
        );
        assert_eq!(
            keep(&Filter {
                site: Some(Site::External),
                ..Filter::default()
            }),
            ["Learn", "React alternative"]
        );
        assert_eq!(
            keep(&Filter {
                schemes: vec!["mailto".into()],
                ..Filter::default()
            }),
            ["mail"]
        );
    }
}
