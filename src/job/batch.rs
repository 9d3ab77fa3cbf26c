//! Many pages in one run: audited concurrently (a fixed number at a time), each page's result
//! kept whatever happens to the others; a deterministic shard of a list for CI matrices.

use crate::config::{AuditConfig, Cancel};
use crate::events::{Event, EventSink, NoEvents};
use crate::extract::Viewport;
use crate::source::target::Target;
use crate::source::{Engine, Source};

pub use crate::model::{PackedLoad, PageResult};

/// Reads a list of targets: one per line (ended by LF, CRLF or a lone CR, as old Mac
/// editors write), blank lines and `#` comments ignored, also after a target (`URL  # why`:
/// a URL's own `#fragment` has no space before it).
pub fn read_list(text: &str) -> Vec<String> {
    // A byte order mark (Windows editors write one) is not part of the first URL.
    text.trim_start_matches('\u{feff}')
        .split(['\n', '\r'])
        .map(|l| without_comment(l).trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A line without its `#` comment: one that starts the line or follows whitespace.
fn without_comment(line: &str) -> &str {
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return &line[..i];
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// The K-th of N deterministic slices of a list of `len` items (1-based K), as positions:
/// those whose index is K-1 modulo N, so every item lands in exactly one shard whatever the
/// list's order of growth.
pub fn shard(len: usize, k: usize, n: usize) -> Vec<usize> {
    (0..len)
        .filter(|i| n > 0 && i % n == k.saturating_sub(1))
        .collect()
}

/// Audits targets, `jobs` at a time, started in the list's order (a page starts when one
/// before it has finished); results come back in the list's order. Each finished page is
/// reported to `events` as [`Event::Finished`] (its target as the URL) and, whole, as
/// [`Event::Page`]. Once `cfg.cancel` is cancelled no page starts, the pages under way end
/// early (partial), and only the pages that started are returned. `positions`: the targets'
/// places in a longer list (a shard), recorded in their results.
pub async fn audit_all(
    targets: &[String],
    cfg: &AuditConfig,
    vp: &Viewport,
    (engine, also): (Engine, &[(String, std::path::PathBuf)]),
    (jobs, positions): (usize, Option<&[usize]>),
    events: &dyn EventSink,
) -> Vec<PageResult> {
    let mut set = tokio::task::JoinSet::new();
    events.event(Event::Pages { jobs });
    events.event(Event::Queued {
        queued: targets.len(),
    });
    let mut waiting = targets.iter().enumerate();
    let mut out: Vec<Option<PageResult>> = vec![None; targets.len()];
    let mut done = 0;
    loop {
        // Tasks are spawned only as slots free up, so that no scheduler can start a later
        // page before an earlier one.
        let cancelled = || cfg.cancel.as_ref().is_some_and(Cancel::is_cancelled);
        while set.len() < jobs.max(1) && !cancelled() {
            let Some((i, t)) = waiting.next() else { break };
            let (t, cfg, vp) = (t.clone(), cfg.clone(), *vp);
            let (engine, also) = (engine.clone(), also.to_vec());
            let at = positions.map_or(i, |p| p[i]);
            set.spawn(async move { (i, audit_one(t, at, &cfg, &vp, (&engine, &also)).await) });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        if let Ok((i, page)) = joined {
            done += 1;
            events.event(Event::Finished {
                url: page.target.clone(),
                failed: page.error.is_some(),
                done,
            });
            events.event(Event::Page {
                position: i,
                page: Box::new(page.clone()),
            });
            out[i] = Some(page);
        }
    }
    let started = targets.len() - waiting.len();
    out.into_iter()
        .take(started)
        .enumerate()
        .map(|(i, p)| {
            p.unwrap_or_else(|| {
                let at = positions.map_or(i, |p| p[i]);
                PageResult::failed(targets[i].clone(), Some(at), "internal error".into())
            })
        })
        .collect()
}

/// One page of a batch, its failure kept as its result.
async fn audit_one(
    t: String,
    i: usize,
    cfg: &AuditConfig,
    vp: &Viewport,
    (engine, also): (&Engine, &[(String, std::path::PathBuf)]),
) -> PageResult {
    let r = match Target::parse(&t) {
        Ok(target) => match Source::open(&target, engine, also).await {
            Ok(s) => s.load(cfg, vp, &NoEvents).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match r {
        Ok(load) => PageResult::loaded(t, Some(i), &load),
        Err(e) => PageResult::failed(t, Some(i), e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_list() {
        let items: Vec<usize> = (0..10).collect();
        let all: Vec<usize> = (1..=3).flat_map(|k| shard(10, k, 3)).collect();
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, items);
        assert_eq!(shard(10, 2, 3), [1, 4, 7]);
    }

    #[test]
    fn lists_skip_blanks_and_comments() {
        assert_eq!(
            read_list("# pages\nhttps://a.test/\n\n  https://b.test/ \n"),
            ["https://a.test/", "https://b.test/"]
        );
    }
}

/// `(allow, path pattern)` pairs of a robots.txt group.
type Rules = Vec<(bool, String)>;

/// robots.txt rules for one user agent: `Disallow` and `Allow` path patterns; the longest
/// matching pattern wins, `Allow` on a tie (RFC 9309).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    rules: Rules,
}

impl Robots {
    /// Parses robots.txt for `agent` (the group naming it, else the `*` group).
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let mut groups: Vec<(Vec<String>, Rules)> = Vec::new();
        let mut in_agents = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
            match k.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push((Vec::new(), Vec::new()));
                    }
                    in_agents = true;
                    if let Some(g) = groups.last_mut() {
                        g.0.push(v.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    if let Some(g) = groups.last_mut() {
                        if !v.is_empty() {
                            g.1.push((k == "allow", v));
                        }
                    }
                }
                _ => {}
            }
        }
        let pick = groups
            .iter()
            .find(|g| g.0.iter().any(|a| a != "*" && agent.contains(a.as_str())))
            .or_else(|| groups.iter().find(|g| g.0.iter().any(|a| a == "*")));
        Robots {
            rules: pick.map(|g| g.1.clone()).unwrap_or_default(),
        }
    }

    /// Whether a path (with its query) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pat) in &self.rules {
            if crate::verdict::budget::path_matches(pat, path) {
                let len = pat.len();
                if best.is_none_or(|(l, a)| len > l || (len == l && *allow && !a)) {
                    best = Some((len, *allow));
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Finds a site's pages from a start URL: same-site `<a>`/`<area>` links followed breadth
/// first to `depth` (0: the start page alone), each page once (fragments ignored), at most
/// `max_pages`, honouring robots.txt unless `ignore_robots`. Only HTML documents count.
pub async fn crawl(
    start: &url::Url,
    cfg: &AuditConfig,
    depth: usize,
    max_pages: usize,
    ignore_robots: bool,
) -> crate::Result<Vec<String>> {
    let robots = if ignore_robots {
        Robots::default()
    } else {
        robots_of(start, cfg).await?
    };
    let site = start.host_str().unwrap_or_default().to_string();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut frontier = vec![start.clone()];
    seen.insert(strip_fragment(start));
    for level in 0..=depth {
        let mut next = Vec::new();
        for page in frontier {
            if out.len() >= max_pages {
                return Ok(out);
            }
            if !robots.allows(&path_and_query(&page)) {
                continue;
            }
            let Ok(markup) = crate::load::fetch_html(&page, cfg).await else {
                continue;
            };
            out.push(strip_fragment(&page));
            if level == depth {
                continue;
            }
            for l in crate::links::extract_links(
                &markup,
                &[crate::links::LinkKind::A, crate::links::LinkKind::Area],
            ) {
                let Some(u) = l.url.as_deref().and_then(|u| url::Url::parse(u).ok()) else {
                    continue;
                };
                if !matches!(u.scheme(), "http" | "https")
                    || !u
                        .host_str()
                        .is_some_and(|h| crate::model::party::same_site(h, &site))
                {
                    continue;
                }
                if seen.insert(strip_fragment(&u)) {
                    next.push(u);
                }
            }
        }
        frontier = next;
    }
    Ok(out)
}

fn strip_fragment(u: &url::Url) -> String {
    let mut u = u.clone();
    u.set_fragment(None);
    u.to_string()
}

fn path_and_query(u: &url::Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// Redirects followed to reach a robots.txt (RFC 9309 2.3.1.2: at least five).
const ROBOTS_REDIRECTS: usize = 5;

/// A site's robots.txt as RFC 9309 2.3.1 says to take it: redirects followed; a 2xx is
/// parsed; a 4xx means no rule; a 5xx or a network error means the site cannot say, so
/// nothing may be crawled: an error naming `--ignore-robots`.
async fn robots_of(start: &url::Url, cfg: &AuditConfig) -> crate::Result<Robots> {
    let mut u = start.clone();
    u.set_path("/robots.txt");
    u.set_query(None);
    u.set_fragment(None);
    let refuse = |u: &url::Url, why: String| crate::Error::InvalidTarget {
        target: u.to_string(),
        reason: format!("{why}: RFC 9309 says to crawl nothing (--ignore-robots crawls anyway)"),
    };
    let http = crate::net::client::Http::new(cfg, None)?;
    let limits = crate::net::client::BodyLimits {
        max_body: 512 * 1024,
        max_decoded: 512 * 1024,
        keep: 512 * 1024,
    };
    for _ in 0..=ROBOTS_REDIRECTS {
        let f =
            crate::net::client::fetch(&http, &u, crate::model::ResourceType::Other, limits).await;
        match (f.status, f.location.as_deref()) {
            (Some(300..=399), Some(loc)) => {
                u = u
                    .join(loc.trim())
                    .map_err(|e| refuse(&u, format!("its redirect is not a URL ({e})")))?;
            }
            (Some(200..=299), _) => {
                let text = crate::extract::into_text(f.body.unwrap_or_default());
                return Ok(Robots::parse(&text, "pagecost"));
            }
            (Some(400..=499), _) => return Ok(Robots::default()),
            (Some(status), _) => return Err(refuse(&u, format!("robots.txt answered {status}"))),
            (None, _) => {
                let why = f.error.map_or_else(|| "no answer".into(), |e| e.message);
                return Err(refuse(
                    &u,
                    format!("robots.txt could not be fetched ({why})"),
                ));
            }
        }
    }
    Err(refuse(
        &u,
        format!("robots.txt redirects more than {ROBOTS_REDIRECTS} times"),
    ))
}

#[cfg(test)]
mod robots_tests {
    use super::*;

    #[test]
    fn robots_rules_pick_the_group_and_the_longest_match() {
        let r = Robots::parse("User-agent: *\nDisallow: /private/\nAllow: /private/ok.html\n\nUser-agent: other\nDisallow: /", "pagecost");
        assert!(r.allows("/"));
        assert!(!r.allows("/private/x.html"));
        assert!(r.allows("/private/ok.html"));
        let mine = Robots::parse(
            "User-agent: pagecost\nDisallow: /drafts\nUser-agent: *\nDisallow: /",
            "pagecost",
        );
        assert!(mine.allows("/blog"));
        assert!(!mine.allows("/drafts/a"));
        assert!(Robots::parse("", "pagecost").allows("/anything"));
    }
}
