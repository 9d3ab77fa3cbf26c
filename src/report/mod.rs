//! Renderers: a [`Load`](crate::Load) to text. One format per file, one dispatch point.

pub mod budget;
pub mod compare;
pub mod html;
pub mod json;
pub mod links;
pub mod markdown;
pub mod table;

/// Human-readable bytes, decimal units as in a browser's network panel (1 kB = 1000 B).
pub fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1000.0 {
        format!("{n} B")
    } else if n < 1_000_000.0 {
        format!("{:.1} kB", n / 1000.0)
    } else if n < 1_000_000_000.0 {
        format!("{:.2} MB", n / 1_000_000.0)
    } else {
        format!("{:.2} GB", n / 1_000_000_000.0)
    }
}

/// Human-readable milliseconds: `3.4 ms`, `850 ms`, `2.31 s`.
pub fn human_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// A URL without credentials (`https://user:pass@host/` becomes `https://host/`), for
/// reports: a password in a page's URL must not end up in a CI log or a shared HAR.
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

/// `http://host/very/long…end.css`: keeps the start and the end within `max` characters.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max * 2 / 3).collect();
    let tail: String = s.chars().skip(n - (max - max * 2 / 3 - 1)).collect();
    format!("{head}…{tail}")
}

/// Escapes text for HTML or XML (`&apos;` is valid in both). Control characters become a
/// space, or, with `keep_whitespace`, are kept when they are new lines and tabs.
pub(crate) fn escape_markup(s: &str, keep_whitespace: bool) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\n' | '\t' | '\r' if keep_whitespace => o.push(c),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Removes control characters (escape sequences included) from text that came from a page,
/// so a hostile title or URL cannot rewrite the terminal.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_like_a_network_panel() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(211_000), "211.0 kB");
        assert_eq!(human_bytes(1_000_000), "1.00 MB");
        assert_eq!(human_ms(2.44), "2.4 ms");
        assert_eq!(human_ms(850.2), "850 ms");
        assert_eq!(human_ms(14_300.0), "14.30 s");
    }

    #[test]
    fn control_characters_from_pages_are_neutralized() {
        assert_eq!(sanitize("a\u{1b}[2Jb\n"), "a\u{fffd}[2Jb\u{fffd}");
    }
}
