//! The links job: a page's links (and its iframes' with `all`), filtered, optionally checked.

use crate::config::AuditConfig;
use crate::error::{Error, Result};
use crate::extract::encoding::Markup;
use crate::links::check::{self, CheckConfig};
use crate::links::{self, CheckOutcome, CheckResult, Filter, Link, LinkKind};
use crate::source::target::Target;
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

    /// Credentials taken out of every URL and message (links resolved against a page's URL
    /// inherit its `user:password@`): the checks are done, the report is for people.
    fn redact(&mut self) {
        use crate::model::urls::{redact_in_place, redact_owned};
        for l in &mut self.links {
            l.url.iter_mut().for_each(redact_in_place);
            redact_in_place(&mut l.document);
            l.raw = redact_owned(std::mem::take(&mut l.raw));
        }
        for c in self.checks.iter_mut().flatten() {
            redact_in_place(&mut c.url);
            c.final_url.iter_mut().for_each(redact_in_place);
            c.error = c.error.take().map(redact_owned);
        }
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
        .and_then(|m| m.url.host_str().map(str::to_string));
    let mut found = Vec::new();
    for markup in &docs {
        found.extend(links::extract_links(markup, &plan.kinds));
    }
    if !plan.keep_duplicates {
        found = links::dedup(found);
    }
    found.retain(|l| plan.filter.keep(l, page_host.as_deref()));
    let checks = match &plan.check {
        Some(c) => Some(check::check_all(&found, &check_config(&plan.cfg, c)).await?),
        None => None,
    };
    let mut report = LinksReport {
        links: found,
        checks,
    };
    report.redact();
    Ok(report)
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
async fn documents(plan: &LinksPlan) -> Result<Vec<Markup>> {
    let mut docs = vec![page(plan).await?];
    if !plan.all {
        return Ok(docs);
    }
    let mut i = 0;
    while i < docs.len() && docs.len() < MAX_DOCUMENTS {
        for f in links::extract_links(&docs[i].clone(), &[LinkKind::Resource]) {
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
async fn frame(url: &Url, cfg: &AuditConfig) -> Option<Markup> {
    match url.scheme() {
        "http" | "https" => crate::load::fetch_html(url, cfg).await.ok(),
        "file" => url
            .to_file_path()
            .ok()
            .and_then(|p| std::fs::read(p).ok())
            .map(|bytes| Markup::from_bytes(url.clone(), &bytes, None)),
        _ => None,
    }
}

/// The page itself.
async fn page(plan: &LinksPlan) -> Result<Markup> {
    let base = plan.base.as_ref();
    if plan.target == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| Error::Io {
                path: "stdin".into(),
                source,
            })?;
        let url = base
            .cloned()
            .unwrap_or_else(|| Url::parse("about:blank").expect("valid"));
        let markup = Markup::from_bytes(url, &bytes, None);
        check_html("stdin", &markup.text)?;
        return Ok(markup);
    }
    let mut markup = match Target::parse(&plan.target)? {
        Target::Url(u) => crate::load::fetch_html(&u, &plan.cfg).await?,
        Target::File { root, page } => read_local(&root.join(page))?,
        Target::Har { path, page, .. } => crate::har::document_html(&path, page)?,
        Target::Dir(root) => read_local(&root.join("index.html"))?,
    };
    if let Some(b) = base {
        markup.url = b.clone();
    }
    Ok(markup)
}

fn read_local(path: &Path) -> Result<Markup> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let abs = std::fs::canonicalize(path).map_err(io)?;
    let url = Url::from_file_path(&abs).map_err(|_| Error::InvalidTarget {
        target: abs.display().to_string(),
        reason: "not an absolute path".into(),
    })?;
    let markup = Markup::from_bytes(url, &bytes, None);
    check_html(&path.display().to_string(), &markup.text)?;
    Ok(markup)
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
