//! URL helpers every floor uses on the model's URL strings: the host of a URL, and URLs
//! without credentials.

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

/// A URL without credentials (`https://user:pass@host/` becomes `https://host/`): a password
/// in a page's URL must not end up in a CI log or a shared HAR.
pub fn redact_url(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut p) if !p.username().is_empty() || p.password().is_some() => {
            let _ = p.set_username("");
            let _ = p.set_password(None);
            p.to_string()
        }
        _ => u.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
