//! `--block` patterns: the requests a load does not make.

use crate::model::party::{close_matches, host_matches, Entities};

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
    /// use pagecost::config::block::BlockRule;
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
mod tests {
    use super::*;
    use crate::model::party::classify;

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
