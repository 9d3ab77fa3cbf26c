//! One policy for secrets in headers, for every output and the history database: the
//! values of `Cookie`, `Set-Cookie`, `Authorization`, `Proxy-Authorization`, headers named
//! like credentials (`X-Api-Key`, `X-Auth-Token`, `X-CSRF-Token`, ...) and every header the
//! user added (`-H`) are replaced by `[redacted]` when a load is finished
//! ([`super::Load::finalize`]), unless the user asked to keep them. A HAR export, a JSON
//! report and a stored run then hold the same, redacted, values.

use super::Headers;

/// Header names whose values are secrets, whatever else their name says.
pub const SENSITIVE_HEADERS: [&str; 4] = [
    "cookie",
    "set-cookie",
    "authorization",
    "proxy-authorization",
];

/// Parts of a header name that say its value is a credential.
const SECRET_WORDS: [&str; 7] = [
    "api-key", "apikey", "token", "secret", "password", "session", "auth",
];

/// What a secret's value becomes.
pub const REDACTED: &str = "[redacted]";

/// Which header values are kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct Secrets<'a> {
    /// Keep every value (the user's explicit choice).
    pub keep: bool,
    /// The names of the headers the user added: secrets too.
    pub added: &'a [String],
}

impl Secrets<'_> {
    /// Whether this header's value is a secret.
    pub fn is_secret(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        SENSITIVE_HEADERS.contains(&lower.as_str())
            || SECRET_WORDS.iter().any(|w| lower.contains(w))
            || self.added.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    /// `h` with its secrets' values redacted (unless kept); `None` when nothing changes.
    pub fn redact(&self, h: &Headers) -> Option<Headers> {
        if self.keep || !h.iter().any(|(n, _)| self.is_secret(n)) {
            return None;
        }
        let clean = h.iter().map(|(n, v)| match self.is_secret(n) {
            true => (n, REDACTED),
            false => (n, v),
        });
        Some(clean.collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Credentials by name and the user's own headers are redacted, other headers kept, in
    /// order; nothing is when the user keeps secrets.
    #[test]
    fn secret_headers_are_redacted_unless_kept() {
        let h: Headers = [
            ("Content-Type", "text/html"),
            ("Set-Cookie", "sid=abc"),
            ("X-Api-Key", "k-123"),
            ("x-csrf-token", "t"),
            ("X-Team", "blue"),
            ("Cache-Control", "max-age=60"),
        ]
        .into_iter()
        .collect();
        let added = ["x-team".to_string()];
        let policy = Secrets {
            keep: false,
            added: &added,
        };
        let clean: Vec<(String, String)> = (policy.redact(&h).unwrap().iter())
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let want = [
            ("Content-Type", "text/html"),
            ("Set-Cookie", REDACTED),
            ("X-Api-Key", REDACTED),
            ("x-csrf-token", REDACTED),
            ("X-Team", REDACTED),
            ("Cache-Control", "max-age=60"),
        ]
        .map(|(n, v)| (n.to_string(), v.to_string()));
        assert_eq!(clean, want);
        let kept = Secrets {
            keep: true,
            added: &added,
        };
        assert!(kept.redact(&h).is_none());
        let plain: Headers = [("Vary", "accept")].into_iter().collect();
        assert!(policy.redact(&plain).is_none());
    }
}
