//! What the page could weigh (`--savings`), for the terminal and Markdown reports: one line
//! of totals and the findings, the most bytes first.

use super::{human_bytes, sanitize, shorten};
use crate::model::savings::{
    CacheFinding, Candidate, ImageSaving, Savings, TextSaving, REPEAT_AFTER_S,
};
use crate::model::Load;
use comfy_table::{Attribute, Cell, Table};

/// Rows shown per kind of finding (the JSON has them all).
const TOP: usize = 10;
/// Longest URL shown.
const URL_WIDTH: usize = 56;

/// The totals in words: "could weigh 41 % less (92.1 kB of 225.0 kB): images 60.2 kB (3),
/// text 31.9 kB with brotli (gzip 28.0 kB, 2); a visit 7 days later ...".
pub fn line(s: &Savings) -> String {
    let mut parts = Vec::new();
    let mut found = Vec::new();
    if !s.images.is_empty() {
        found.push(format!(
            "images {} ({})",
            human_bytes(s.image_saved_bytes),
            s.images.len()
        ));
    }
    if !s.text.is_empty() {
        found.push(format!(
            "text {} with brotli (gzip {}, {})",
            human_bytes(s.brotli_saved_bytes),
            human_bytes(s.gzip_saved_bytes),
            s.text.len()
        ));
    }
    if found.is_empty() {
        parts.push("nothing measured would weigh less".to_string());
    } else {
        let share = s
            .share()
            .map_or_else(String::new, |p| format!(" {:.0} % less", p * 100.0));
        parts.push(format!(
            "could weigh{share} ({} of {}): {}",
            human_bytes(s.saved_bytes()),
            human_bytes(s.page_bytes),
            found.join(", ")
        ));
    }
    for (n, what) in [
        (s.images_unknown, "image"),
        (s.text_unknown, "text resource"),
    ] {
        if n > 0 {
            let plural = if n == 1 { "" } else { "s" };
            parts.push(format!(
                "{n} {what}{plural} not measured (--format json says why)"
            ));
        }
    }
    parts.push(cache_words(s));
    parts.join("; ")
}

fn cache_words(s: &Savings) -> String {
    let days = REPEAT_AFTER_S / 86_400;
    match s.cache.len() {
        _ if s.cache_unknown => {
            "cache lifetimes unknown (served from a local folder, not by the site's server)".into()
        }
        0 => format!("every static asset stays fresh for {days} days"),
        n => format!(
            "a visit {days} days later asks for {n} {} again ({} fetched again, {} revalidated)",
            if n == 1 { "asset" } else { "assets" },
            human_bytes(s.repeat_bytes),
            s.cache.iter().filter(|c| c.revalidates).count()
        ),
    }
}

/// The terminal section: a table of the top findings under the totals line.
pub fn table(load: &Load, s: &Savings, width: Option<u16>) -> String {
    let mut out = format!("savings: {}\n", line(s));
    if s.images.is_empty() && s.text.is_empty() && s.cache.is_empty() {
        return out;
    }
    let mut t = Table::new();
    super::table::fit(&mut t, width);
    t.set_header(vec![
        Cell::new("saving").add_attribute(Attribute::Bold),
        Cell::new("url"),
        right("as sent"),
        right("could be"),
        right("saves"),
    ]);
    for i in s.images.iter().take(TOP) {
        t.add_row(image_row(load, i));
    }
    for x in s.text.iter().take(TOP) {
        t.add_row(text_row(load, x));
    }
    for c in s.cache.iter().take(TOP) {
        t.add_row(cache_row(load, c));
    }
    out.push_str(&format!("{t}\n"));
    let more = [s.images.len(), s.text.len(), s.cache.len()]
        .iter()
        .map(|n| n.saturating_sub(TOP))
        .sum::<usize>();
    if more > 0 {
        out.push_str(&format!(
            "  ... and {more} more (--format json lists them all)\n"
        ));
    }
    out
}

use super::table::right;

/// What a visit a week later costs of a cached asset: "revalidated" or "12.0 kB again".
fn repeat_words(c: &CacheFinding) -> String {
    if c.revalidates {
        "revalidated".to_string()
    } else {
        format!("{} again", human_bytes(c.repeat_bytes))
    }
}

/// A URL for a Markdown code span: redacted, shortened, no backtick.
fn md_url(u: &str) -> String {
    shorten(&crate::model::urls::redact_url(u), URL_WIDTH).replace('`', "'")
}

/// A candidate in words: "webp q85 201 kB, SSIM 0.989".
pub fn candidate(c: &Candidate) -> String {
    format!(
        "{} q{} {}, SSIM {:.3}",
        c.format,
        c.quality,
        human_bytes(c.bytes),
        c.ssim
    )
}

fn image_row(load: &Load, i: &ImageSaving) -> Vec<Cell> {
    let r = &i.recoded;
    let mut size = match (r.format, r.width, r.height) {
        (Some(f), Some(w), Some(h)) => format!("{f} {w}x{h}"),
        _ => "image".into(),
    };
    if let Some([w, h]) = r.shown {
        size.push_str(&format!("\nshown {w}x{h}"));
    }
    let lines: Vec<String> = r.candidates.iter().map(candidate).collect();
    vec![
        Cell::new(size),
        Cell::new(url(load, &i.url)),
        right(human_bytes(i.decoded_bytes)),
        right(lines.join("\n")),
        right(format!(
            "{} ({:.0} %)",
            human_bytes(i.saved_bytes),
            100.0 * i.saved_bytes as f64 / i.decoded_bytes.max(1) as f64
        )),
    ]
}

fn text_row(load: &Load, x: &TextSaving) -> Vec<Cell> {
    let share = x.brotli_saved_bytes as f64 / x.decoded_bytes.max(1) as f64;
    vec![
        Cell::new("compress"),
        Cell::new(url(load, &x.url)),
        right(human_bytes(x.decoded_bytes)),
        right(format!(
            "br {} · gz {}",
            human_bytes(x.compressed.brotli_bytes),
            human_bytes(x.compressed.gzip_bytes)
        )),
        right(format!(
            "{} ({:.0} %)",
            human_bytes(x.brotli_saved_bytes),
            share * 100.0
        )),
    ]
}

fn cache_row(load: &Load, c: &CacheFinding) -> Vec<Cell> {
    let then = repeat_words(c);
    vec![
        Cell::new(format!("cache {}", c.lifetime)),
        Cell::new(url(load, &c.url)),
        right(human_bytes(c.transfer_bytes)),
        right(format!("fresh {} d", REPEAT_AFTER_S / 86_400)),
        right(then),
    ]
}

/// A URL as the waterfall shows it: the path on the page's own origin, redacted elsewhere.
fn url(load: &Load, u: &str) -> String {
    sanitize(&shorten(&super::table::display_url(load, u), URL_WIDTH))
}

/// The Markdown section: the totals line and a table of the top findings.
pub fn markdown(s: &Savings) -> String {
    let mut o = format!("\n**Savings:** {}\n", super::compare::md(&line(s)));
    if s.images.is_empty() && s.text.is_empty() && s.cache.is_empty() {
        return o;
    }
    o.push_str("\n| saving | url | as sent | saves |\n|---|---|---:|---:|\n");
    for i in s.images.iter().take(TOP) {
        let best = &i.recoded.candidates[i.best];
        o.push_str(&format!(
            "| image as {} | `{}` | {} | {} |\n",
            super::compare::md(&candidate(best)),
            md_url(&i.url),
            human_bytes(i.decoded_bytes),
            human_bytes(i.saved_bytes)
        ));
    }
    for x in s.text.iter().take(TOP) {
        o.push_str(&format!(
            "| compress (brotli) | `{}` | {} | {} |\n",
            md_url(&x.url),
            human_bytes(x.decoded_bytes),
            human_bytes(x.brotli_saved_bytes)
        ));
    }
    for c in s.cache.iter().take(TOP) {
        o.push_str(&format!(
            "| cache {} | `{}` | {} | {} |\n",
            c.lifetime,
            md_url(&c.url),
            human_bytes(c.transfer_bytes),
            repeat_words(c)
        ));
    }
    o
}
