//! The links job: a page's links (and its iframes' with `all`), filtered, optionally checked.

use crate::config::AuditConfig;
use crate::error::{Error, Result};
use crate::links::{self, CheckOutcome, CheckResult, Filter, Link, LinkKind};
use crate::net::check::{self, CheckConfig};
use crate::target::Target;
use std::io::Read;
use std::path::Path;
use url::Url;

use super::Outcome;

/// Most documents read with `all` (the page and its iframes, breadth first).
pub const MAX_DOCUMENTS: usize = 64;

/// A links listing, as asked for.
#[derive(Debug)]
pub struct LinksPlan {
    /// The page; `-` for HTML on stdin.
    pub target: String,
    /// Base URL for relative links.
    pub base: Option<Url>,
    /// Also the links of the page's iframes.
    pub all: bool,
    /// Which elements count.
    pub kinds: Vec<LinkKind>,
    /// Which links are kept.
    pub filter: Filter,
    /// Keep repeated URLs.
    pub keep_duplicates: bool,
    /// Check each link with these settings.
    pub check: Option<CheckSettings>,
    /// Network settings (fetching the page, checking).
    pub cfg: AuditConfig,
}

/// How links are checked, beyond the network settings.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    /// Retries for connection errors and retryable statuses.
    pub retries: u32,
    /// Base delay of the backoff.
    pub backoff: std::time::Duration,
}

/// Links found (and checked).
#[derive(Debug)]
pub struct LinksReport {
    /// The links kept, in document order.
    pub links: Vec<Link>,
    /// One check per link, when asked.
    pub checks: Option<Vec<CheckResult>>,
}

impl LinksReport {
    /// Links with this outcome.
    pub fn count(&self, o: CheckOutcome) -> usize {
        self.checks
            .iter()
            .flatten()
            .filter(|c| c.outcome == o)
            .count()
    }

    /// Failed when a checked link is broken.
    pub fn outcome(&self) -> Outcome {
        if self.count(CheckOutcome::Broken) > 0 {
            Outcome::Failed
        } else {
            Outcome::Ok
        }
    }
}

/// Lists (and checks) a page's links.
pub async fn run(plan: LinksPlan) -> Result<LinksReport> {
    let docs = documents(&plan).await?;
    let page_host = docs
        .first()
        .and_then(|(u, _)| u.host_str().map(str::to_string));
    let mut found = Vec::new();
    for (url, html) in &docs {
        found.extend(links::extract_links(html, url, &plan.kinds));
    }
    if !plan.keep_duplicates {
        found = links::dedup(found);
    }
    found.retain(|l| plan.filter.keep(l, page_host.as_deref()));
    let checks = match &plan.check {
        Some(c) => Some(check::check_all(&found, &check_config(&plan.cfg, c)).await?),
        None => None,
    };
    Ok(LinksReport {
        links: found,
        checks,
    })
}

fn check_config(cfg: &AuditConfig, c: &CheckSettings) -> CheckConfig {
    CheckConfig {
        timeout: cfg.timeout,
        retries: c.retries,
        backoff: c.backoff,
        max_backoff: check::DEFAULT_MAX_BACKOFF,
        concurrency: cfg.concurrency,
        per_host: cfg.per_origin,
        max_redirects: cfg.max_redirects,
        user_agent: cfg.user_agent.clone(),
        headers: cfg.headers.clone(),
        insecure: cfg.insecure,
        resolve: cfg.resolve.clone(),
    }
}

/// The page's HTML (and with `all` its iframes'), each with the URL links resolve against.
async fn documents(plan: &LinksPlan) -> Result<Vec<(Url, String)>> {
    let mut docs = vec![page(plan).await?];
    if !plan.all {
        return Ok(docs);
    }
    let mut i = 0;
    while i < docs.len() && docs.len() < MAX_DOCUMENTS {
        let (u, h) = docs[i].clone();
        for f in links::extract_links(&h, &u, &[LinkKind::Resource]) {
            if f.element != "iframe" && f.element != "frame" {
                continue;
            }
            let Some(fu) = f.url.as_deref().and_then(|x| Url::parse(x).ok()) else {
                continue;
            };
            if let Some(d) = frame(&fu, &plan.cfg).await {
                docs.push(d);
            }
        }
        i += 1;
    }
    Ok(docs)
}

/// An iframe's document, when it can be read (a frame that cannot is left out).
async fn frame(url: &Url, cfg: &AuditConfig) -> Option<(Url, String)> {
    match url.scheme() {
        "http" | "https" => crate::load::fetch_html(url, cfg).await.ok(),
        "file" => url
            .to_file_path()
            .ok()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|h| (url.clone(), h)),
        _ => None,
    }
}

/// The page itself.
async fn page(plan: &LinksPlan) -> Result<(Url, String)> {
    let base = plan.base.as_ref();
    if plan.target == "-" {
        let mut html = String::new();
        std::io::stdin()
            .read_to_string(&mut html)
            .map_err(|source| Error::Io {
                path: "stdin".into(),
                source,
            })?;
        let url = base
            .cloned()
            .unwrap_or_else(|| Url::parse("about:blank").expect("valid"));
        check_html("stdin", &html)?;
        return Ok((url, html));
    }
    Ok(match Target::parse(&plan.target)? {
        Target::Url(u) => {
            let (final_url, html) = crate::load::fetch_html(&u, &plan.cfg).await?;
            (base.cloned().unwrap_or(final_url), html)
        }
        Target::File { root, page } => read_local(&root.join(page), base)?,
        Target::Har { path, page } => {
            let (u, html) = crate::har::document_html(&path, page)?;
            (base.cloned().unwrap_or(u), html)
        }
        Target::Dir(root) => read_local(&root.join("index.html"), base)?,
    })
}

fn read_local(path: &Path, base: Option<&Url>) -> Result<(Url, String)> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let html = crate::extract::into_text(bytes);
    check_html(&path.display().to_string(), &html)?;
    let abs = std::fs::canonicalize(path).map_err(io)?;
    let url = match base {
        Some(b) => b.clone(),
        None => Url::from_file_path(&abs).map_err(|_| Error::InvalidTarget {
            target: abs.display().to_string(),
            reason: "not an absolute path".into(),
        })?,
    };
    Ok((url, html))
}

/// Refuses input that is plainly not HTML (binary, or no tag at all).
fn check_html(name: &str, text: &str) -> Result<()> {
    let head: String = text.chars().take(4096).collect();
    if head.contains('\u{0}') || !head.contains('<') {
        return Err(Error::InvalidTarget {
            target: name.into(),
            reason: "not an HTML page".into(),
        });
    }
    Ok(())
}
