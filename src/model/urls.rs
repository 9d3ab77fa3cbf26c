//! URL helpers every floor uses on the model's URL strings: the host of a URL, and URLs
//! without credentials.

use std::collections::HashMap;

/// The host of a URL (no port); `None` when it does not parse or has none.
pub fn host(u: &str) -> Option<String> {
    url::Url::parse(u).ok()?.host_str().map(str::to_string)
}

/// The host of a URL with its port when not the scheme's default (`127.0.0.1:8080`).
pub fn host_port(u: &str) -> Option<String> {
    let u = url::Url::parse(u).ok()?;
    let h = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_string(),
    })
}

/// A URL's scheme and authority (`https://a.test:8443`): what comes before the first `/`,
/// `?` or `#` after `://`. The authority ends there or before, so the host is the same for
/// every URL with this prefix.
fn scheme_and_authority(u: &str) -> Option<&str> {
    let start = u.find("://")? + 3;
    let end = u[start..]
        .find(['/', '?', '#'])
        .map_or(u.len(), |i| start + i);
    Some(&u[..end])
}

/// [`host`] and [`host_port`] remembered per scheme and authority: a load of 10,000 requests
/// to a few hosts parses a few URLs instead of 10,000 for each question.
#[derive(Debug, Default)]
pub struct Hosts {
    memo: HashMap<String, (Option<String>, Option<String>)>,
}

impl Hosts {
    fn both(&mut self, u: &str) -> &(Option<String>, Option<String>) {
        let key = scheme_and_authority(u).unwrap_or(u);
        if !self.memo.contains_key(key) {
            self.memo.insert(key.to_string(), (host(u), host_port(u)));
        }
        &self.memo[key]
    }

    /// [`host`] of `u`.
    pub fn host(&mut self, u: &str) -> Option<String> {
        self.both(u).0.clone()
    }

    /// [`host_port`] of `u`.
    pub fn host_port(&mut self, u: &str) -> Option<String> {
        self.both(u).1.clone()
    }
}

/// [`redact_url`] in place: the string is rebuilt only when it may hold credentials.
pub fn redact_in_place(u: &mut String) {
    if u.contains('@') {
        *u = redact_url(u);
    }
}

/// A URL without credentials (`https://user:pass@host/` becomes `https://host/`): a password
/// in a page's URL must not end up in a CI log or a shared HAR.
pub fn redact_url(u: &str) -> String {
    if !u.contains('@') {
        return u.to_string(); // credentials are written before an `@`
    }
    match url::Url::parse(u) {
        Ok(mut p) if !p.username().is_empty() || p.password().is_some() => {
            let _ = p.set_username("");
            let _ = p.set_password(None);
            p.to_string()
        }
        _ => u.to_string(),
    }
}

/// A text (an error, a target as listed, a note) with the credentials of every URL in it
/// removed: `fetching http://u:p@a.test/x failed` becomes `fetching http://a.test/x failed`.
/// A URL's user information ends at its `@` and holds no `/`, `?`, `#`, space or quote, so
/// an `@` later in a path or query (`https://a.test/@me`) is left alone, and so is a
/// password already masked (`postgres://user:***@db/`, as the history database is named).
pub fn redact_text(text: &str) -> std::borrow::Cow<'_, str> {
    static USERINFO: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s@"'<>\\]*@"#)
            .expect("a valid pattern")
    });
    if !text.contains('@') {
        return std::borrow::Cow::Borrowed(text);
    }
    USERINFO.replace_all(text, |c: &regex::Captures| {
        let whole = &c[0];
        match whole.ends_with(":***@") {
            true => whole.to_string(),
            false => c[1].to_string(),
        }
    })
}

/// [`redact_text`] of an owned text, rebuilt only when it held credentials.
pub fn redact_owned(text: String) -> String {
    match redact_text(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(clean) => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every URL's credentials go, wherever the URL stands in the text; an `@` after the
    /// host, an e-mail address and a text with no URL stay.
    #[test]
    fn credentials_are_redacted_from_every_url_in_a_text() {
        for (text, clean) in [
            (
                "fetching http://user:S3CRET@a.test:8080/x failed",
                "fetching http://a.test:8080/x failed",
            ),
            (
                "[\"https://u:p@a.test/\",\"ws://tok@b.test/s\"]",
                "[\"https://a.test/\",\"ws://b.test/s\"]",
            ),
            ("HTTPS://U:P@A.TEST/", "HTTPS://A.TEST/"),
            ("https://a.test/@me?u=a@b", "https://a.test/@me?u=a@b"),
            ("write to me@a.test", "write to me@a.test"),
            ("no url here", "no url here"),
            ("http://:pw@[::1]:9/", "http://[::1]:9/"),
            (
                "postgres://ci:***@db/pagecost",
                "postgres://ci:***@db/pagecost",
            ),
        ] {
            assert_eq!(redact_text(text), clean, "{text}");
            assert_eq!(redact_owned(text.to_string()), clean, "{text}");
        }
    }

    #[test]
    fn remembered_hosts_are_the_parsed_ones() {
        let mut hosts = Hosts::default();
        for u in [
            "https://a.test:8443/x",
            "https://a.test:8443?q",
            "https://A.TEST:443/y#f",
            "http://u:p@[::1]:8080/z",
            "http://[::1]:8080",
            "data:text/plain,x",
            "not a url",
            "https://xn--caf-dma.test/",
            "https://café.test/p",
        ] {
            assert_eq!(hosts.host(u), host(u), "{u}");
            assert_eq!(hosts.host_port(u), host_port(u), "{u}");
        }
        assert_eq!(
            hosts.host("https://a.test:8443/x").as_deref(),
            Some("a.test")
        );
    }

    #[test]
    fn hosts_and_redaction() {
        assert_eq!(host("https://a.test:8443/x").as_deref(), Some("a.test"));
        assert_eq!(
            host_port("https://a.test:8443/x").as_deref(),
            Some("a.test:8443")
        );
        assert_eq!(host_port("https://a.test:443/x").as_deref(), Some("a.test"));
        assert_eq!(host("not a url"), None);
        assert_eq!(redact_url("https://u:p@a.test/x"), "https://a.test/x");
        assert_eq!(redact_url("https://a.test/x"), "https://a.test/x");
        assert_eq!(
            redact_url("https://a.test/@me?u=a@b"),
            "https://a.test/@me?u=a@b"
        );
        let mut s = String::from("http://u@a.test/");
        redact_in_place(&mut s);
        assert_eq!(s, "http://a.test/");
    }
}
