//! A site crawled for its pages: same-site links breadth first from a start page, as its
//! robots.txt allows (RFC 9309's longest match).

use crate::config::AuditConfig;

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
mod tests {
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
