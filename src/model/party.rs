//! Sites and parties: the registrable domain of a host by the ICANN section of the public
//! suffix list (as Lighthouse does, so `foo.github.io` and `bar.github.io` are one site), and
//! whether two hosts are the same site.

use std::net::IpAddr;

/// The registrable domain (eTLD+1) of a host by the ICANN section of the public suffix list.
/// An IP address or a single-label host (`localhost`) is its own site. `None` when the host
/// is itself a public suffix.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host
        .trim_end_matches('.')
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host.parse::<IpAddr>().is_ok() || !host.contains('.') {
        return Some(host);
    }
    let suffix = icann_suffix(&host)?;
    if suffix.len() >= host.len() {
        return None;
    }
    let rest = &host[..host.len() - suffix.len() - 1];
    let label = rest.rsplit('.').next()?;
    Some(format!("{label}.{suffix}"))
}

/// The longest ICANN public suffix of a host: private rules (`github.io`, `blogspot.com`)
/// are skipped by asking again for the suffix of what remains under them.
fn icann_suffix(host: &str) -> Option<String> {
    let mut name = host.to_string();
    loop {
        let s = psl::suffix(name.as_bytes())?;
        let text = std::str::from_utf8(s.as_bytes()).ok()?.to_string();
        match s.typ() {
            Some(psl::Type::Private) => {
                // Drop the private rule's first label and look again.
                let (_, shorter) = text.split_once('.')?;
                name = shorter.to_string();
            }
            _ => return Some(text),
        }
    }
}

/// Whether two hosts belong to the same site (same registrable domain).
pub fn same_site(a: &str, b: &str) -> bool {
    match (registrable_domain(a), registrable_domain(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.eq_ignore_ascii_case(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains_follow_the_icann_section_only() {
        assert_eq!(
            registrable_domain("www.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(
            registrable_domain("a.b.example.com").as_deref(),
            Some("example.com")
        );
        // github.io is a private suffix: under ICANN rules the site is github.io itself.
        assert_eq!(
            registrable_domain("foo.github.io").as_deref(),
            Some("github.io")
        );
        assert!(same_site("foo.github.io", "bar.github.io"));
        assert!(!same_site("example.com", "example.org"));
        assert_eq!(registrable_domain("co.uk"), None);
    }

    #[test]
    fn addresses_and_single_labels_are_their_own_site() {
        assert_eq!(
            registrable_domain("127.0.0.1").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(registrable_domain("[::1]").as_deref(), Some("::1"));
        assert_eq!(
            registrable_domain("LOCALHOST").as_deref(),
            Some("localhost")
        );
        assert!(same_site("localhost", "localhost"));
        assert!(!same_site("127.0.0.1", "127.0.0.2"));
    }
}

/// Version of the embedded third-party-web dataset.
pub const DATASET_VERSION: &str = "third-party-web 0.30.0";

/// A third-party entity from the dataset.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Entity {
    /// Name, e.g. "Google/Doubleclick Ads".
    pub name: String,
    /// Category, e.g. "ad".
    #[serde(default)]
    pub category: String,
    /// Company, e.g. "Google".
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    domains: Vec<String>,
}

/// The entities, indexed by exact domain and by wildcard root.
pub struct Entities {
    list: Vec<Entity>,
    exact: std::collections::HashMap<String, usize>,
    wildcard: std::collections::HashMap<String, usize>,
}

impl Entities {
    /// The embedded dataset (parsed once).
    pub fn embedded() -> &'static Entities {
        static DATA: std::sync::OnceLock<Entities> = std::sync::OnceLock::new();
        DATA.get_or_init(|| {
            let list: Vec<Entity> =
                serde_json::from_str(include_str!("../../data/third-party-web/entities.json"))
                    .expect("the embedded third-party-web dataset parses");
            Entities::new(list)
        })
    }

    fn new(list: Vec<Entity>) -> Entities {
        let mut exact = std::collections::HashMap::new();
        let mut wildcard = std::collections::HashMap::new();
        for (i, e) in list.iter().enumerate() {
            for d in &e.domains {
                let d = d.to_ascii_lowercase();
                match d.strip_prefix("*.") {
                    Some(root) => wildcard.entry(root.to_string()).or_insert(i),
                    None => exact.entry(d).or_insert(i),
                };
            }
        }
        Entities {
            list,
            exact,
            wildcard,
        }
    }

    /// The entity a host belongs to: an exact domain, else the longest wildcard root that is
    /// the host or one of its parents.
    pub fn lookup(&self, host: &str) -> Option<&Entity> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(i) = self.exact.get(&host) {
            return Some(&self.list[*i]);
        }
        let mut rest = host.as_str();
        loop {
            if let Some(i) = self.wildcard.get(rest) {
                return Some(&self.list[*i]);
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// Every entity.
    pub fn all(&self) -> &[Entity] {
        &self.list
    }

    /// Every category name, sorted.
    pub fn categories(&self) -> Vec<&str> {
        let mut c: Vec<&str> = self
            .list
            .iter()
            .map(|e| e.category.as_str())
            .filter(|c| !c.is_empty())
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    }
}

/// Whether a host matches a first-party hostname pattern (`example.com`, `*.example.com`).
pub fn host_matches(host: &str, pattern: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let pattern = pattern.trim().to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(root) => host == root || host.ends_with(&format!(".{root}")),
        None => host == pattern,
    }
}

/// Classifies a request's host against the page: first party when it is the page's site or
/// matches one of `first_party` (Lighthouse's `firstPartyHostnames`); entity and category from
/// the dataset either way.
pub fn classify(host: &str, page_host: &str, first_party: &[String]) -> crate::model::Party {
    // The dataset lists domain names only: an IP address (a local server) is never in it,
    // and not parsing the dataset saves a millisecond per audit of a local page.
    let is_ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok();
    let entity = (!is_ip)
        .then(|| Entities::embedded().lookup(host))
        .flatten();
    let first = same_site(host, page_host) || first_party.iter().any(|p| host_matches(host, p));
    crate::model::Party {
        first_party: first,
        registrable_domain: registrable_domain(host),
        entity: entity.map(|e| e.name.clone()),
        category: entity.map(|e| e.category.clone()).filter(|c| !c.is_empty()),
    }
}

/// Names close to `wanted` (for "did you mean" errors): case-insensitive substring matches
/// first, then those sharing the first three letters.
pub fn close_matches<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let w = wanted.to_ascii_lowercase();
    let names: Vec<&str> = names.collect();
    let mut hits: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.to_ascii_lowercase().contains(&w) || w.contains(&n.to_ascii_lowercase()))
        .collect();
    if hits.is_empty() {
        let prefix: String = w.chars().take(3).collect();
        hits = names
            .iter()
            .copied()
            .filter(|n| n.to_ascii_lowercase().starts_with(&prefix))
            .collect();
    }
    hits.truncate(5);
    hits
}

#[cfg(test)]
mod dataset_tests {
    use super::*;

    #[test]
    fn hosts_are_classified_by_site_and_dataset_and_addresses_have_no_entity() {
        let ads = classify("securepubads.g.doubleclick.net", "blog.example", &[]);
        assert!(!ads.first_party);
        assert_eq!(ads.category.as_deref(), Some("ad"));
        let local = classify("127.0.0.1", "127.0.0.1", &[]);
        assert!(local.first_party);
        assert_eq!((local.entity, local.category), (None, None));
        assert_eq!(classify("[::1]", "example.org", &[]).entity, None);
    }

    #[test]
    fn the_embedded_dataset_names_entities_and_categories() {
        let e = Entities::embedded();
        assert!(e.all().len() > 1000);
        let ads = e.lookup("securepubads.g.doubleclick.net").unwrap();
        assert_eq!(ads.name, "Google/Doubleclick Ads");
        assert_eq!(ads.category, "ad");
        assert_eq!(
            e.lookup("doubleclick.net").unwrap().name,
            "Google/Doubleclick Ads"
        );
        assert!(e.lookup("no-such-thing.example").is_none());
        assert!(e.categories().contains(&"analytics"));
    }

    #[test]
    fn parties_follow_the_site_and_first_party_hostnames() {
        let p = classify("cdn.example.com", "www.example.com", &[]);
        assert!(p.first_party);
        let p = classify(
            "static.examplecdn.net",
            "www.example.com",
            &["*.examplecdn.net".to_string()],
        );
        assert!(p.first_party);
        let p = classify("stats.g.doubleclick.net", "www.example.com", &[]);
        assert!(!p.first_party);
        assert_eq!(p.category.as_deref(), Some("ad"));
        assert_eq!(
            close_matches(
                "doubleclick",
                Entities::embedded().all().iter().map(|e| e.name.as_str())
            )[0],
            "Google/Doubleclick Ads"
        );
    }
}

/// A `--block` pattern: which requests a load does not make.
#[derive(Debug, Clone)]
pub enum BlockRule {
    /// A host and its subdomains (`ads.example.com`).
    Host(String),
    /// A glob on the whole URL (`*://*/ads/*`): `*` is any run of characters.
    Glob(regex::Regex, String),
    /// A regular expression on the URL (`re:...`).
    Regex(regex::Regex),
    /// A third-party-web entity (`entity:"Google/Doubleclick Ads"`).
    Entity(String),
    /// A third-party-web category (`category:ad`).
    Category(String),
}

impl BlockRule {
    /// Parses a pattern; an unknown entity or category is an error naming close matches.
    ///
    /// ```
    /// use pagecost::model::party::BlockRule;
    /// assert!(BlockRule::parse("category:ad").is_ok());
    /// assert!(BlockRule::parse("*.doubleclick.net").is_ok());
    /// let err = BlockRule::parse("category:adz").unwrap_err().to_string();
    /// assert!(err.contains("did you mean"), "{err}");
    /// ```
    pub fn parse(s: &str) -> crate::Result<BlockRule> {
        let bad = |reason: String| crate::Error::setting(crate::error::Setting::Block, s, reason);
        let unquote = |v: &str| v.trim().trim_matches('"').trim_matches('\'').to_string();
        if let Some(re) = s.strip_prefix("re:") {
            return regex::Regex::new(re)
                .map(BlockRule::Regex)
                .map_err(|e| bad(e.to_string()));
        }
        if let Some(name) = s.strip_prefix("entity:") {
            let name = unquote(name);
            let all = Entities::embedded().all();
            if let Some(e) = all.iter().find(|e| e.name.eq_ignore_ascii_case(&name)) {
                return Ok(BlockRule::Entity(e.name.clone()));
            }
            let close = close_matches(&name, all.iter().map(|e| e.name.as_str()));
            return Err(bad(format!("unknown entity '{name}'{}", suggest(&close))));
        }
        if let Some(cat) = s.strip_prefix("category:") {
            let cat = unquote(cat).to_ascii_lowercase();
            let cats = Entities::embedded().categories();
            if cats.contains(&cat.as_str()) {
                return Ok(BlockRule::Category(cat));
            }
            let close = close_matches(&cat, cats.iter().copied());
            let hint = if close.is_empty() {
                format!(" (known: {})", cats.join(", "))
            } else {
                suggest(&close)
            };
            return Err(bad(format!("unknown category '{cat}'{hint}")));
        }
        if s.contains('*') || s.contains('/') {
            let mut re = String::from("^");
            for part in s.split('*') {
                re.push_str(&regex::escape(part));
                re.push_str(".*");
            }
            re.truncate(re.len() - 2);
            re.push('$');
            return regex::Regex::new(&re)
                .map(|r| BlockRule::Glob(r, s.to_string()))
                .map_err(|e| bad(e.to_string()));
        }
        if s.trim().is_empty() || s.contains(char::is_whitespace) {
            return Err(bad(
                "expected a host, a glob, re:REGEX, entity:NAME or category:NAME".into(),
            ));
        }
        Ok(BlockRule::Host(
            s.trim().trim_start_matches("*.").to_ascii_lowercase(),
        ))
    }

    /// Whether a request is blocked.
    pub fn matches(&self, url: &url::Url, party: &crate::model::Party) -> bool {
        match self {
            BlockRule::Host(h) => url
                .host_str()
                .is_some_and(|x| host_matches(x, &format!("*.{h}"))),
            BlockRule::Glob(re, _) | BlockRule::Regex(re) => re.is_match(url.as_str()),
            BlockRule::Entity(e) => party.entity.as_deref() == Some(e.as_str()),
            BlockRule::Category(c) => party.category.as_deref() == Some(c.as_str()),
        }
    }

    /// The pattern as the user wrote it (for messages).
    pub fn describe(&self) -> String {
        match self {
            BlockRule::Host(h) => h.clone(),
            BlockRule::Glob(_, g) => g.clone(),
            BlockRule::Regex(r) => format!("re:{}", r.as_str()),
            BlockRule::Entity(e) => format!("entity:\"{e}\""),
            BlockRule::Category(c) => format!("category:{c}"),
        }
    }
}

fn suggest(close: &[&str]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!(" (did you mean: {}?)", close.join(", "))
    }
}

#[cfg(test)]
mod block_tests {
    use super::*;

    fn party(host: &str) -> crate::model::Party {
        classify(host, "www.site.test", &[])
    }

    #[test]
    fn block_patterns_match_hosts_globs_regexes_entities_and_categories() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        let ad = u("https://securepubads.g.doubleclick.net/tag/js/gpt.js");
        let p = party("securepubads.g.doubleclick.net");
        assert!(BlockRule::parse("doubleclick.net")
            .unwrap()
            .matches(&ad, &p));
        assert!(!BlockRule::parse("ads.example.com")
            .unwrap()
            .matches(&ad, &p));
        assert!(BlockRule::parse("*://*/tag/*").unwrap().matches(&ad, &p));
        assert!(BlockRule::parse("re:gpt\\.js$").unwrap().matches(&ad, &p));
        assert!(BlockRule::parse("entity:\"Google/Doubleclick Ads\"")
            .unwrap()
            .matches(&ad, &p));
        assert!(BlockRule::parse("category:ad").unwrap().matches(&ad, &p));
        let own = u("https://www.site.test/app.js");
        assert!(!BlockRule::parse("category:ad")
            .unwrap()
            .matches(&own, &party("www.site.test")));
    }

    #[test]
    fn unknown_entities_and_categories_list_close_matches() {
        let e = BlockRule::parse("category:ads").unwrap_err().to_string();
        assert!(
            e.contains("unknown category 'ads'") && e.contains("ad"),
            "{e}"
        );
        let e = BlockRule::parse("entity:Doubleclick")
            .unwrap_err()
            .to_string();
        assert!(e.contains("Google/Doubleclick Ads"), "{e}");
        assert!(BlockRule::parse("re:(").is_err());
    }
}
