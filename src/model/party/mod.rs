//! Sites and parties: the registrable domain of a host by the ICANN section of the public
//! suffix list (as Lighthouse does, so `foo.github.io` and `bar.github.io` are one site), and
//! whether two hosts are the same site; the entities behind hosts (`entities.rs`).

mod entities;

pub use entities::*;

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
