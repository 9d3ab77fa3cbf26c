//! `pagecost links`: list a page's links, filtered; optionally check them.

use super::args::{LinksArgs, LinksFormat};
use super::{emit, Outcome};
use anyhow::{bail, Context};
use pagecost::links::{self, Filter, LinkKind, Site};
use pagecost::net::check::{self, CheckConfig};
use pagecost::report::links as render;
use pagecost::Target;
use regex::{Regex, RegexBuilder};
use std::io::Read;
use url::Url;

fn regex(flag: &str, re: &Option<String>, icase: bool) -> anyhow::Result<Option<Regex>> {
    re.as_deref()
        .map(|r| {
            RegexBuilder::new(r)
                .case_insensitive(icase)
                .build()
                .with_context(|| format!("{flag} {r:?}"))
        })
        .transpose()
}

pub fn run(a: LinksArgs) -> anyhow::Result<Outcome> {
    let filter = Filter {
        url: regex("--match", &a.match_url, a.ignore_case)?,
        text: regex("--text", &a.text, a.ignore_case)?,
        exclude: regex("--exclude", &a.exclude, a.ignore_case)?,
        site: if a.internal {
            Some(Site::Internal)
        } else if a.external {
            Some(Site::External)
        } else {
            None
        },
        schemes: a
            .scheme
            .iter()
            .map(|s| s.trim().trim_end_matches(':').to_ascii_lowercase())
            .collect(),
    };
    let mut kinds = Vec::new();
    for k in &a.kind {
        match LinkKind::parse(k) {
            Some(kind) => kinds.push(kind),
            None => bail!("--kind {k}: unknown kind (use a, area, link, form, resource)"),
        }
    }
    let (cfg, _) = a.net.to_config()?;
    let base = a
        .base
        .as_deref()
        .map(Url::parse)
        .transpose()
        .with_context(|| "--base: not a valid URL".to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let docs = rt.block_on(documents(&a, &cfg, base.as_ref()))?;
    let page_host = docs
        .first()
        .and_then(|(u, _)| u.host_str().map(str::to_string));
    let mut found = Vec::new();
    for (url, html) in &docs {
        found.extend(links::extract_links(html, url, &kinds));
    }
    if !a.keep_duplicates {
        found = links::dedup(found);
    }
    let found: Vec<_> = found
        .into_iter()
        .filter(|l| filter.keep(l, page_host.as_deref()))
        .collect();
    let checks = if a.check {
        let ccfg = CheckConfig {
            timeout: cfg.timeout,
            retries: a.retries.unwrap_or(check::DEFAULT_RETRIES),
            backoff: a.backoff.unwrap_or(check::DEFAULT_BACKOFF),
            max_backoff: check::DEFAULT_MAX_BACKOFF,
            concurrency: cfg.concurrency,
            per_host: cfg.per_origin,
            max_redirects: cfg.max_redirects,
            user_agent: cfg.user_agent.clone(),
            headers: cfg.headers.clone(),
            insecure: cfg.insecure,
            resolve: cfg.resolve.clone(),
        };
        Some(rt.block_on(check::check_all(&found, &ccfg))?)
    } else {
        None
    };
    let out = match a.format {
        LinksFormat::Lines => render::lines(&found, checks.as_deref(), a.with_text),
        LinksFormat::Json => render::json(&found, checks.as_deref()),
        LinksFormat::Csv => render::csv(&found, checks.as_deref()),
        LinksFormat::Markdown => render::markdown(&found, checks.as_deref()),
    };
    emit(&out, a.output.as_deref())?;
    let Some(checks) = checks else {
        return Ok(Outcome::Pass);
    };
    let count = |o: check::Outcome| checks.iter().filter(|c| c.outcome == o).count();
    let broken = count(check::Outcome::Broken);
    if !a.quiet {
        eprintln!(
            "{} links: {} ok, {} redirected, {} broken, {} skipped",
            checks.len(),
            count(check::Outcome::Ok),
            count(check::Outcome::Redirected),
            broken,
            count(check::Outcome::Skipped)
        );
    }
    Ok(if broken > 0 {
        Outcome::Fail
    } else {
        Outcome::Pass
    })
}

/// The page's HTML (and with --all its iframes'), each with the URL links resolve against.
async fn documents(
    a: &LinksArgs,
    cfg: &pagecost::AuditConfig,
    base: Option<&Url>,
) -> anyhow::Result<Vec<(Url, String)>> {
    let (url, html) = if a.target == "-" {
        let mut html = String::new();
        std::io::stdin()
            .read_to_string(&mut html)
            .context("stdin: cannot read HTML")?;
        let url = base
            .cloned()
            .unwrap_or_else(|| Url::parse("about:blank").expect("valid"));
        check_html("stdin", &html)?;
        (url, html)
    } else {
        match Target::parse(&a.target)? {
            Target::Url(u) => {
                let (final_url, html) = pagecost::load::fetch_html(&u, cfg).await?;
                (base.cloned().unwrap_or(final_url), html)
            }
            Target::File { root, page } => read_local(&root.join(page), base)?,
            Target::Har { path, page } => {
                let (u, html) = pagecost::har::document_html(&path, page)?;
                (base.cloned().unwrap_or(u), html)
            }
            Target::Dir(root) => read_local(&root.join("index.html"), base)?,
        }
    };
    let mut docs = vec![(url, html)];
    if a.all {
        let mut i = 0;
        while i < docs.len() && docs.len() < 64 {
            let (u, h) = docs[i].clone();
            for f in links::extract_links(&h, &u, &[LinkKind::Resource]) {
                let Some(fu) = f.url.as_deref().and_then(|x| Url::parse(x).ok()) else {
                    continue;
                };
                if f.element != "iframe" && f.element != "frame" {
                    continue;
                }
                let doc = match fu.scheme() {
                    "http" | "https" => pagecost::load::fetch_html(&fu, cfg).await.ok(),
                    "file" => fu
                        .to_file_path()
                        .ok()
                        .and_then(|p| std::fs::read_to_string(p).ok())
                        .map(|h| (fu.clone(), h)),
                    _ => None,
                };
                if let Some(d) = doc {
                    docs.push(d);
                }
            }
            i += 1;
        }
    }
    Ok(docs)
}

fn read_local(path: &std::path::Path, base: Option<&Url>) -> anyhow::Result<(Url, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let html = pagecost::extract::into_text(bytes);
    check_html(&path.display().to_string(), &html)?;
    let abs = std::fs::canonicalize(path)
        .with_context(|| format!("{}: cannot resolve", path.display()))?;
    let url = match base {
        Some(b) => b.clone(),
        None => Url::from_file_path(&abs)
            .map_err(|_| anyhow::anyhow!("{}: not an absolute path", abs.display()))?,
    };
    Ok((url, html))
}

/// Refuses input that is plainly not HTML (binary, or no tag at all).
fn check_html(name: &str, text: &str) -> anyhow::Result<()> {
    let head: String = text.chars().take(4096).collect();
    if head.contains('\u{0}')
        || head.contains('\u{fffd}') && !head.contains('<')
        || !head.contains('<')
    {
        bail!("{name}: not an HTML page");
    }
    Ok(())
}
