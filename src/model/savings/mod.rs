//! What the page could weigh (`--savings`): the bytes its text resources would save if sent
//! compressed, and what its static assets make a repeat visit fetch again.
//!
//! - **Text compression.** Every text response (HTML, CSS, JavaScript, JSON, SVG, XML ...)
//!   sent without `Content-Encoding` is compressed by the engine that saw its body: gzip at
//!   level 6 (zlib's default, the level Lighthouse's `uses-text-compression` measures with and
//!   most servers use on the fly) and brotli at quality 11 (what a build step writes for
//!   static files). It is flagged as Lighthouse flags it: gzip saves at least 1,400 bytes and
//!   either 10 % of the body or 20,000 bytes. A body the engine did not see whole has unknown
//!   savings, counted apart, never 0.
//! - **Cache lifetimes.** Each static asset (script, stylesheet, image, font, media) answered
//!   200, 203 or 206 gets its freshness lifetime from `Cache-Control` (`no-store`,
//!   `no-cache`, `max-age`) or `Expires` minus `Date`. One under [`REPEAT_AFTER_S`] (a
//!   week) is fetched again by a visit a week later: its body bytes again when the response
//!   has no validator (`ETag`, `Last-Modified`), only a revalidation round trip (a `304`, no
//!   body) when it has one.

#[cfg(feature = "images")]
pub mod image;
pub mod work;

use super::{Entry, Party, ResourceType};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// A repeat visit this long after the first (seconds): a static asset fresh for less is
/// fetched again.
pub const REPEAT_AFTER_S: u64 = 7 * 24 * 3600;

/// gzip's level (zlib's default).
pub const GZIP_LEVEL: u32 = 6;
/// brotli's quality (the highest, as build steps precompress).
pub const BROTLI_QUALITY: u32 = 11;
/// brotli's window (log2 bytes; brotli's default).
const BROTLI_WINDOW: u32 = 22;
/// Lighthouse's floor for a compression finding: at least this many bytes saved ...
const MIN_SAVED_BYTES: u64 = 1400;
/// ... and this share of the body, unless the saving reaches [`ALWAYS_BYTES`].
const MIN_SAVED_SHARE: f64 = 0.1;
const ALWAYS_BYTES: u64 = 20_000;
/// An image is flagged when re-encoding saves this much (Lighthouse's floor for
/// `uses-optimized-images`).
pub const MIN_IMAGE_SAVED_BYTES: u64 = 4096;

/// A text body's size compressed, as a server could have sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Compressed {
    /// gzip at level [`GZIP_LEVEL`].
    pub gzip_bytes: u64,
    /// brotli at quality [`BROTLI_QUALITY`].
    pub brotli_bytes: u64,
}

impl Compressed {
    /// Compresses `body` both ways (CPU-bound: call it off the async runtime's threads).
    pub fn of(body: &[u8]) -> Compressed {
        let mut gz =
            flate2::write::GzEncoder::new(Counter(0), flate2::Compression::new(GZIP_LEVEL));
        // Writing to a counter cannot fail.
        let _ = gz.write_all(body);
        let gzip_bytes = gz.finish().map_or(0, |c| c.0);
        let mut br =
            brotli::CompressorWriter::new(Counter(0), 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        let _ = br.write_all(body);
        let _ = br.flush();
        let brotli_bytes = br.into_inner().0;
        Compressed {
            gzip_bytes,
            brotli_bytes,
        }
    }
}

/// A sink that only counts what is written.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An image format pagecost decodes or encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// GIF (its first frame).
    Gif,
    /// WebP.
    Webp,
}

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Codec::Jpeg => "jpeg",
            Codec::Png => "png",
            Codec::Gif => "gif",
            Codec::Webp => "webp",
        })
    }
}

/// One re-encoding of an image: its format and quality, its size, and how close it looks to
/// the original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Candidate {
    /// `jpeg` or `webp`.
    pub format: Codec,
    /// The encoder's quality, 0 to 100.
    pub quality: u8,
    /// Its size.
    pub bytes: u64,
    /// SSIM against the original (luma, 11x11 Gaussian window, Wang et al. 2004): 1 for
    /// identical pictures; above about 0.98 differences are hard to see. A right-sized
    /// candidate is scored against the original scaled to the same size.
    pub ssim: f64,
    /// Resized to the size the page shows it at (`[width, height]`, device pixels): the
    /// image was larger than shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resized: Option<[u32; 2]>,
}

/// What an image's engine measured of it with `--savings`: its format, size and candidates,
/// or why it could not be measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Recoded {
    /// The original's format, when decoded.
    pub format: Option<Codec>,
    /// Width in pixels, when decoded.
    pub width: Option<u32>,
    /// Height in pixels, when decoded.
    pub height: Option<u32>,
    /// The size the page showed it at (device pixels, the largest where it is shown twice),
    /// when known: the browser engine's layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<[u32; 2]>,
    /// Its re-encodings, in the order asked.
    pub candidates: Vec<Candidate>,
    /// Why it could not be measured (a format not decoded, too large, corrupt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmeasured: Option<String>,
}

/// Whether an entry is a raster image answered, a candidate for re-encoding (SVG is text:
/// it is compressed, not re-encoded).
pub fn answered_image(e: &Entry) -> bool {
    let svg = e.mime_type.as_deref().is_some_and(|m| m.contains("svg"));
    e.resource_type == ResourceType::Image
        && !svg
        && e.error.is_none()
        && e.status.is_some_and(|s| (200..300).contains(&s))
        && e.decoded_bytes > 0
}

/// Measures an image's body (`qualities`: the JPEG qualities asked; `shown`: the size the
/// page shows it at, when known); with the `images` feature off, says that the build cannot.
pub fn recode(body: &[u8], qualities: &[u8], shown: Option<[u32; 2]>) -> Recoded {
    #[cfg(feature = "images")]
    {
        match image::measure(body, qualities, shown) {
            Ok(m) => Recoded {
                format: Some(m.format),
                width: Some(m.width),
                height: Some(m.height),
                shown,
                candidates: m.candidates,
                unmeasured: None,
            },
            Err(why) => Recoded::unmeasured(why.to_string()),
        }
    }
    #[cfg(not(feature = "images"))]
    {
        let _ = (body, qualities, shown);
        Recoded::unmeasured("this build has no image encoders (feature `images`)".into())
    }
}

impl Recoded {
    fn unmeasured(why: String) -> Recoded {
        Recoded {
            format: None,
            width: None,
            height: None,
            shown: None,
            candidates: Vec::new(),
            unmeasured: Some(why),
        }
    }
}

/// What an entry's body is measured for with `--savings`, if anything.
pub fn probe_of(e: &Entry) -> Option<work::Probe> {
    if sent_uncompressed_text(e) {
        Some(work::Probe::Text)
    } else if answered_image(e) {
        Some(work::Probe::Image)
    } else {
        None
    }
}

/// Whether a response of this MIME type is text a server should compress.
pub fn is_text(mime: &str) -> bool {
    let mime = mime.trim().to_ascii_lowercase();
    mime.starts_with("text/")
        || mime.ends_with("+xml")
        || mime.ends_with("+json")
        || matches!(
            mime.as_str(),
            "application/javascript"
                | "application/x-javascript"
                | "application/ecmascript"
                | "application/json"
                | "application/manifest+json"
                | "application/xml"
                | "application/xhtml+xml"
                | "application/wasm"
                | "font/ttf"
                | "font/otf"
                | "application/vnd.ms-fontobject"
        )
}

/// Whether an entry was sent uncompressed and is text: a candidate for compression.
pub fn sent_uncompressed_text(e: &Entry) -> bool {
    let identity = e
        .content_encoding
        .as_deref()
        .is_none_or(|c| c.trim().is_empty() || c.eq_ignore_ascii_case("identity"));
    identity
        && e.error.is_none()
        && e.status.is_some_and(|s| (200..300).contains(&s))
        && e.mime_type.as_deref().is_some_and(is_text)
        && e.decoded_bytes > 0
}

/// What the page could weigh.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Savings {
    /// Text resources sent uncompressed that compression would shrink, the most saved first.
    pub text: Vec<TextSaving>,
    /// Text resources sent uncompressed whose savings are unknown (the engine did not see
    /// the whole body: the browser engine, a HAR, a body past `--max-parse`).
    pub text_unknown: u64,
    /// Images whose best re-encoding saves at least [`MIN_IMAGE_SAVED_BYTES`], the most
    /// saved first.
    pub images: Vec<ImageSaving>,
    /// Images not measured: by engine (the browser engine, a HAR), format (SVG, AVIF),
    /// size or a body that does not decode.
    pub images_unknown: u64,
    /// Bytes the images' best candidates save.
    pub image_saved_bytes: u64,
    /// Static assets a visit a week later fetches again, the most bytes first.
    pub cache: Vec<CacheFinding>,
    /// The cache lifetimes are unknown: a page audited from a local file or folder was
    /// served by pagecost, whose headers are not the site's (`cache` is empty).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cache_unknown: bool,
    /// The page's transfer bytes.
    pub page_bytes: u64,
    /// Bytes brotli would save over all `text` (gzip's: `gzip_saved_bytes`).
    pub brotli_saved_bytes: u64,
    /// Bytes gzip would save over all `text`.
    pub gzip_saved_bytes: u64,
    /// Bytes a visit a week later fetches again (bodies without a validator).
    pub repeat_bytes: u64,
    /// Requests a visit a week later makes again (refetches and revalidations).
    pub repeat_requests: u64,
}

/// One text resource sent uncompressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TextSaving {
    /// Its URL.
    pub url: String,
    /// What it is.
    pub resource_type: ResourceType,
    /// Who serves it.
    pub party: Option<Party>,
    /// Bytes on the wire as sent.
    pub transfer_bytes: u64,
    /// Its body.
    pub decoded_bytes: u64,
    /// The body compressed.
    pub compressed: Compressed,
    /// Bytes gzip saves (`decoded_bytes - gzip_bytes`).
    pub gzip_saved_bytes: u64,
    /// Bytes brotli saves.
    pub brotli_saved_bytes: u64,
}

/// One image that would weigh less re-encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImageSaving {
    /// Its URL.
    pub url: String,
    /// Who serves it.
    pub party: Option<Party>,
    /// Bytes on the wire as sent.
    pub transfer_bytes: u64,
    /// Its body.
    pub decoded_bytes: u64,
    /// Its format, width and height, and every candidate measured.
    pub recoded: Recoded,
    /// The smallest candidate (an index into `recoded.candidates`).
    pub best: usize,
    /// Bytes the smallest candidate saves.
    pub saved_bytes: u64,
}

impl ImageSaving {
    /// The finding for a measured image, when its smallest candidate saves enough.
    fn of(e: &Entry, r: &Recoded) -> Option<ImageSaving> {
        let (best, c) = (r.candidates.iter().enumerate()).min_by_key(|(_, c)| c.bytes)?;
        let saved_bytes = e.decoded_bytes.saturating_sub(c.bytes);
        (saved_bytes >= MIN_IMAGE_SAVED_BYTES).then(|| ImageSaving {
            url: e.url.clone(),
            party: e.party.clone(),
            transfer_bytes: e.transfer_bytes,
            decoded_bytes: e.decoded_bytes,
            recoded: r.clone(),
            best,
            saved_bytes,
        })
    }
}

/// One static asset that a visit a week later fetches again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CacheFinding {
    /// Its URL.
    pub url: String,
    /// What it is.
    pub resource_type: ResourceType,
    /// Who serves it.
    pub party: Option<Party>,
    /// Bytes on the wire as sent.
    pub transfer_bytes: u64,
    /// How long a cache may reuse it.
    pub lifetime: Lifetime,
    /// Whether it has a validator (`ETag`, `Last-Modified`): a repeat visit revalidates it
    /// (a `304` without a body) instead of fetching it again.
    pub revalidates: bool,
    /// Body bytes a visit a week later fetches again (0 when it revalidates).
    pub repeat_bytes: u64,
}

/// A response's freshness lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Lifetime {
    /// `Cache-Control: no-store`: never kept.
    NoStore,
    /// `no-cache` (or `Pragma: no-cache` alone): kept, but asked for every time.
    NoCache,
    /// Fresh this long (`max-age`, or `Expires` minus `Date`).
    Seconds {
        /// The lifetime, seconds.
        seconds: u64,
    },
    /// No lifetime stated (a browser may guess one from `Last-Modified`).
    NotStated,
}

impl Lifetime {
    /// The lifetime a response's headers give it.
    pub fn of(e: &Entry) -> Lifetime {
        let h = &e.response_headers;
        if let Some(cc) = h.get("cache-control") {
            let directives: Vec<(String, Option<&str>)> = cc
                .split(',')
                .map(|d| {
                    let (name, value) = d.split_once('=').map_or((d, None), |(n, v)| (n, Some(v)));
                    (
                        name.trim().to_ascii_lowercase(),
                        value.map(|v| v.trim().trim_matches('"')),
                    )
                })
                .collect();
            let has = |n: &str| directives.iter().any(|(d, _)| d == n);
            if has("no-store") {
                return Lifetime::NoStore;
            }
            if has("no-cache") {
                return Lifetime::NoCache;
            }
            let max_age = directives.iter().find(|(d, _)| d == "max-age");
            if let Some((_, v)) = max_age {
                // An invalid max-age is stale (RFC 9111, 4.2.1).
                let seconds = v.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                return Lifetime::Seconds { seconds };
            }
        }
        if let Some(expires) = h.get("expires") {
            // An invalid Expires is already expired (RFC 9111, 5.3).
            let (Ok(exp), Some(Ok(date))) = (
                httpdate::parse_http_date(expires.trim()),
                h.get("date").map(|d| httpdate::parse_http_date(d.trim())),
            ) else {
                return Lifetime::Seconds { seconds: 0 };
            };
            let seconds = exp.duration_since(date).map_or(0, |d| d.as_secs());
            return Lifetime::Seconds { seconds };
        }
        if h.get("pragma")
            .is_some_and(|p| p.to_ascii_lowercase().contains("no-cache"))
        {
            return Lifetime::NoCache;
        }
        Lifetime::NotStated
    }

    /// Whether a visit `after_s` seconds later may reuse the response without asking.
    pub fn covers(self, after_s: u64) -> bool {
        matches!(self, Lifetime::Seconds { seconds } if seconds >= after_s)
    }
}

impl std::fmt::Display for Lifetime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lifetime::NoStore => f.write_str("no-store"),
            Lifetime::NoCache => f.write_str("no-cache"),
            Lifetime::NotStated => f.write_str("not stated"),
            Lifetime::Seconds { seconds } => f.write_str(&duration(*seconds)),
        }
    }
}

/// A lifetime in its largest whole unit: `0 s`, `10 min`, `2 h`, `3 d`.
fn duration(s: u64) -> String {
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

/// Whether a resource is a static asset whose lifetime matters.
fn is_static(e: &Entry) -> bool {
    matches!(
        e.resource_type,
        ResourceType::Script
            | ResourceType::Stylesheet
            | ResourceType::Image
            | ResourceType::Font
            | ResourceType::Media
    ) && e.error.is_none()
        && matches!(e.status, Some(200 | 203 | 206))
}

impl Savings {
    /// The savings of a finalized load's entries (their parties set), from what each
    /// entry's engine measured (`Entry::compressed`); `local`: the page was served from a
    /// file or folder, so its cache headers are pagecost's, not the site's.
    pub fn of(entries: &[Entry], page_bytes: u64, local: bool) -> Savings {
        let mut s = Savings {
            page_bytes,
            cache_unknown: local,
            ..Savings::default()
        };
        for e in entries.iter().filter(|e| sent_uncompressed_text(e)) {
            match e.compressed {
                Some(c) => s.text.extend(TextSaving::of(e, c)),
                None => s.text_unknown += 1,
            }
        }
        for e in entries.iter().filter(|e| answered_image(e)) {
            match e.recoded.as_ref().filter(|r| r.unmeasured.is_none()) {
                Some(r) => s.images.extend(ImageSaving::of(e, r)),
                None => s.images_unknown += 1,
            }
        }
        s.images.sort_by_key(|i| std::cmp::Reverse(i.saved_bytes));
        s.image_saved_bytes = s.images.iter().map(|i| i.saved_bytes).sum();
        if !local {
            s.cache = entries.iter().filter_map(CacheFinding::of).collect();
        }
        s.text
            .sort_by_key(|t| std::cmp::Reverse(t.brotli_saved_bytes));
        s.cache.sort_by_key(|c| std::cmp::Reverse(c.repeat_bytes));
        s.gzip_saved_bytes = s.text.iter().map(|t| t.gzip_saved_bytes).sum();
        s.brotli_saved_bytes = s.text.iter().map(|t| t.brotli_saved_bytes).sum();
        s.repeat_bytes = s.cache.iter().map(|c| c.repeat_bytes).sum();
        s.repeat_requests = s.cache.len() as u64;
        s
    }

    /// Bytes the page could shed: brotli on its text, its images' best candidates.
    pub fn saved_bytes(&self) -> u64 {
        self.brotli_saved_bytes + self.image_saved_bytes
    }

    /// The share of the page's bytes it could shed, 0 to 1; `None` for a page of no bytes.
    pub fn share(&self) -> Option<f64> {
        (self.page_bytes > 0).then(|| self.saved_bytes() as f64 / self.page_bytes as f64)
    }
}

impl TextSaving {
    /// The finding for one uncompressed text response, when compression saves enough to
    /// be worth it (Lighthouse's floor).
    fn of(e: &Entry, c: Compressed) -> Option<TextSaving> {
        let gzip_saved_bytes = e.decoded_bytes.saturating_sub(c.gzip_bytes);
        let share = gzip_saved_bytes as f64 / e.decoded_bytes as f64;
        let worth = gzip_saved_bytes >= MIN_SAVED_BYTES
            && (share >= MIN_SAVED_SHARE || gzip_saved_bytes >= ALWAYS_BYTES);
        worth.then(|| TextSaving {
            url: e.url.clone(),
            resource_type: e.resource_type,
            party: e.party.clone(),
            transfer_bytes: e.transfer_bytes,
            decoded_bytes: e.decoded_bytes,
            compressed: c,
            gzip_saved_bytes,
            brotli_saved_bytes: e.decoded_bytes.saturating_sub(c.brotli_bytes),
        })
    }
}

impl CacheFinding {
    /// The finding for a static asset a visit a week later fetches again.
    fn of(e: &Entry) -> Option<CacheFinding> {
        if !is_static(e) {
            return None;
        }
        let lifetime = Lifetime::of(e);
        if lifetime.covers(REPEAT_AFTER_S) {
            return None;
        }
        let h = &e.response_headers;
        let revalidates = lifetime != Lifetime::NoStore
            && (h.get("etag").is_some() || h.get("last-modified").is_some());
        Some(CacheFinding {
            url: e.url.clone(),
            resource_type: e.resource_type,
            party: e.party.clone(),
            transfer_bytes: e.transfer_bytes,
            lifetime,
            revalidates,
            repeat_bytes: if revalidates { 0 } else { e.body_bytes },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(headers: &[(&str, &str)]) -> Entry {
        Entry {
            url: "http://127.0.0.1/a.js".into(),
            status: Some(200),
            resource_type: ResourceType::Script,
            mime_type: Some("text/javascript".into()),
            transfer_bytes: 5200,
            body_bytes: 5000,
            decoded_bytes: 5000,
            response_headers: headers.iter().copied().collect(),
            ..Entry::default()
        }
    }

    #[test]
    fn lifetimes_from_headers() {
        let of = |h: &[(&str, &str)]| Lifetime::of(&entry(h));
        assert_eq!(
            of(&[("cache-control", "public, max-age=600")]),
            Lifetime::Seconds { seconds: 600 }
        );
        assert_eq!(
            of(&[("cache-control", "max-age=600, no-store")]),
            Lifetime::NoStore
        );
        assert_eq!(of(&[("cache-control", "no-cache")]), Lifetime::NoCache);
        assert_eq!(
            of(&[("cache-control", "max-age=\"60\"")]),
            Lifetime::Seconds { seconds: 60 }
        );
        assert_eq!(
            of(&[("cache-control", "max-age=soon")]),
            Lifetime::Seconds { seconds: 0 }
        );
        let dated = [
            ("date", "Tue, 08 Dec 2026 00:00:00 GMT"),
            ("expires", "Wed, 09 Dec 2026 00:00:00 GMT"),
        ];
        assert_eq!(of(&dated), Lifetime::Seconds { seconds: 86_400 });
        // max-age wins over Expires.
        let both = [dated[0], dated[1], ("cache-control", "max-age=5")];
        assert_eq!(of(&both), Lifetime::Seconds { seconds: 5 });
        assert_eq!(of(&[("expires", "0")]), Lifetime::Seconds { seconds: 0 });
        assert_eq!(of(&[("pragma", "no-cache")]), Lifetime::NoCache);
        assert_eq!(of(&[]), Lifetime::NotStated);
        assert_eq!(Lifetime::Seconds { seconds: 7200 }.to_string(), "2 h");
    }

    #[test]
    fn a_week_long_lifetime_is_not_flagged_and_a_validator_saves_the_body() {
        let long = entry(&[("cache-control", "max-age=31536000")]);
        let short = entry(&[("cache-control", "max-age=3600")]);
        let validated = entry(&[("cache-control", "max-age=3600"), ("etag", "\"x\"")]);
        let s = Savings::of(&[long, short, validated.clone()], 20_000, false);
        assert!(Savings::of(&[validated], 1, true).cache.is_empty());
        assert_eq!(s.cache.len(), 2);
        assert_eq!(s.repeat_bytes, 5000);
        assert_eq!(s.repeat_requests, 2);
        assert!(s.cache.iter().any(|c| c.revalidates && c.repeat_bytes == 0));
        // A document's lifetime is not an asset's.
        let mut doc = entry(&[]);
        doc.resource_type = ResourceType::Document;
        assert!(Savings::of(&[doc], 1, false).cache.is_empty());
    }

    #[test]
    fn repetitive_text_is_flagged_and_random_bytes_or_compressed_text_are_not() {
        let text = "function add(a, b) { return a + b; }\n".repeat(200);
        let mut e = entry(&[]);
        e.decoded_bytes = text.len() as u64;
        e.compressed = Some(Compressed::of(text.as_bytes()));
        let c = e.compressed.unwrap();
        assert!(c.gzip_bytes < 300 && c.brotli_bytes < c.gzip_bytes, "{c:?}");
        let s = Savings::of(std::slice::from_ref(&e), 10_000, false);
        assert_eq!(s.text.len(), 1);
        assert_eq!(s.gzip_saved_bytes, e.decoded_bytes - c.gzip_bytes);
        // Incompressible bytes: gzip saves nothing worth saying.
        let mut x = 0x2545_f491_u32;
        let noise: Vec<u8> = (0..8000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let mut n = entry(&[]);
        n.decoded_bytes = noise.len() as u64;
        n.compressed = Some(Compressed::of(&noise));
        assert!(Savings::of(&[n], 10_000, false).text.is_empty());
        // Sent with gzip: not a candidate, its savings not even unknown.
        let mut gz = e.clone();
        gz.content_encoding = Some("gzip".into());
        gz.compressed = None;
        let s = Savings::of(&[gz], 10_000, false);
        assert!(s.text.is_empty() && s.text_unknown == 0);
        // Uncompressed but not measured: unknown, not zero.
        e.compressed = None;
        assert_eq!(Savings::of(&[e], 10_000, false).text_unknown, 1);
    }
}
