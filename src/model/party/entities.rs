//! Entities behind hosts, from the embedded third-party-web dataset, and a host's party.

use super::*;

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
                serde_json::from_str(include_str!("../../../data/third-party-web/entities.json"))
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
mod tests {
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
