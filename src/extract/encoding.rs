//! Bytes to text as a browser decodes them, and the encoding a URL's query is written in.
//!
//! - Documents: the HTML standard's sniffing: a byte order mark, then the `charset` of the
//!   Content-Type, then a `<meta>` prescan of the first 1,024 bytes, then the default of an
//!   English-language browser, windows-1252 (Chromium never guesses UTF-8 for a page served
//!   over HTTP; for other undeclared bytes it runs a detector of its own, which is not
//!   reproduced here).
//! - Stylesheets: CSS Syntax's: a byte order mark, the Content-Type `charset`, an `@charset`
//!   rule at the very start, then the referring document's (or importing sheet's) encoding.
//! - URLs: the URL standard writes a query in the document's encoding (UTF-8 for UTF-16
//!   documents), characters it cannot write as `&#N;`; paths are always UTF-8.
//!
//! Decoding is encoding_rs's; a valid UTF-8 body is borrowed, not copied.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};
use std::borrow::Cow;
use url::Url;

/// An encoding (a static of encoding_rs).
pub type Enc = &'static Encoding;

/// The bytes the HTML standard's prescan reads.
const PRESCAN_BYTES: usize = 1024;

/// The encoding a `charset` parameter of a Content-Type names, if it names a known one.
pub fn charset_of(content_type: &str) -> Option<Enc> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        Encoding::for_label(value.as_bytes())
    })
}

/// The encoding a document is decoded with (the HTML standard's sniffing).
pub fn sniff_html(bytes: &[u8], content_type: Option<&str>) -> Enc {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return enc;
    }
    if let Some(enc) = content_type.and_then(charset_of) {
        return enc;
    }
    prescan(&bytes[..bytes.len().min(PRESCAN_BYTES)]).unwrap_or(WINDOWS_1252)
}

/// An HTML document read for its links: where it is from (what its links resolve against),
/// its text, and the encoding its URLs' queries are written in.
#[derive(Debug, Clone)]
pub struct Markup {
    /// Its URL (or the base the user gave).
    pub url: Url,
    /// Its text.
    pub text: String,
    /// Its encoding.
    pub encoding: Enc,
}

impl Markup {
    /// A document from its bytes, decoded as a browser decodes them.
    pub fn from_bytes(url: Url, bytes: &[u8], content_type: Option<&str>) -> Markup {
        let (text, encoding) = decode_html(bytes, content_type);
        Markup {
            url,
            text: text.into_owned(),
            encoding,
        }
    }

    /// A document whose text was already decoded (a HAR's): its encoding is what its
    /// Content-Type or `<meta>` declares.
    pub fn from_text(url: Url, text: String, content_type: Option<&str>) -> Markup {
        let encoding = sniff_html(text.as_bytes(), content_type);
        Markup {
            url,
            text,
            encoding,
        }
    }
}

/// A document's text and the encoding it was decoded with.
pub fn decode_html<'a>(bytes: &'a [u8], content_type: Option<&str>) -> (Cow<'a, str>, Enc) {
    let enc = sniff_html(bytes, content_type);
    let (text, used, _) = enc.decode(bytes);
    (text, used)
}

/// A stylesheet's text and its encoding; `environment` is the encoding of the document
/// (or sheet) that refers to it.
pub fn decode_css<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
    environment: Enc,
) -> (Cow<'a, str>, Enc) {
    let enc = Encoding::for_bom(bytes)
        .map(|(e, _)| e)
        .or_else(|| content_type.and_then(charset_of))
        .or_else(|| charset_rule(bytes))
        .unwrap_or(environment);
    let (text, used, _) = enc.decode(bytes);
    (text, used)
}

/// The encoding named by an `@charset "...";` rule written at the very start of a sheet.
fn charset_rule(bytes: &[u8]) -> Option<Enc> {
    let rest = bytes.strip_prefix(b"@charset \"")?;
    let end = rest.iter().take(PRESCAN_BYTES).position(|&b| b == b'"')?;
    if rest.get(end + 1) != Some(&b';') {
        return None;
    }
    Encoding::for_label(&rest[..end]).map(for_meta)
}

/// A declared encoding as the standards take it: UTF-16 in a document that was read as
/// ASCII-compatible bytes means UTF-8; x-user-defined means windows-1252.
fn for_meta(enc: Enc) -> Enc {
    if enc == UTF_16BE || enc == UTF_16LE {
        UTF_8
    } else if enc == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        enc
    }
}

/// The HTML standard's prescan for a `<meta charset>` or `<meta http-equiv=content-type>`.
fn prescan(bytes: &[u8]) -> Option<Enc> {
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"<!--") {
            i += memchr::memmem::find(&rest[4..], b"-->").map_or(bytes.len(), |e| e + 4 + 3);
        } else if starts_with_ci(rest, b"<meta")
            && rest.get(5).is_some_and(|&b| is_space(b) || b == b'/')
        {
            i += 5;
            if let Some(enc) = meta_charset(bytes, &mut i) {
                return Some(for_meta(enc));
            }
        } else if rest.len() > 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic() || (rest[1] == b'/' && rest[2].is_ascii_alphabetic()))
        {
            i += 1;
            while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                i += 1;
            }
            while attribute(bytes, &mut i).is_some() {}
            i += 1;
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            i += memchr::memchr(b'>', rest).map_or(bytes.len(), |e| e + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// The attributes of one `<meta>` tag: the encoding it declares, if any.
fn meta_charset(bytes: &[u8], i: &mut usize) -> Option<Enc> {
    let (mut charset, mut content, mut pragma) = (None, None, false);
    while let Some((name, value)) = attribute(bytes, i) {
        match name.as_slice() {
            b"charset" if charset.is_none() => charset = Some(value),
            b"content" if content.is_none() => content = Some(value),
            b"http-equiv" => pragma |= value.eq_ignore_ascii_case(b"content-type"),
            _ => {}
        }
    }
    if let Some(label) = charset {
        return Encoding::for_label(trim(&label));
    }
    let content = content.filter(|_| pragma)?;
    charset_in_content(&content)
}

/// The HTML standard's "extracting a character encoding from a meta element".
fn charset_in_content(content: &[u8]) -> Option<Enc> {
    let lower = content.to_ascii_lowercase();
    let at = memchr::memmem::find(&lower, b"charset")?;
    let rest = trim(&content[at + 7..]);
    let rest = trim(rest.strip_prefix(b"=")?);
    let value = match rest.first() {
        Some(&q @ (b'"' | b'\'')) => {
            let end = rest[1..].iter().position(|&b| b == q)?;
            &rest[1..1 + end]
        }
        _ => {
            let end = rest.iter().position(|&b| is_space(b) || b == b';');
            &rest[..end.unwrap_or(rest.len())]
        }
    };
    Encoding::for_label(value)
}

/// The HTML standard's "get an attribute": the next attribute's lowercase name and value.
fn attribute(bytes: &[u8], i: &mut usize) -> Option<(Vec<u8>, Vec<u8>)> {
    while *i < bytes.len() && (is_space(bytes[*i]) || bytes[*i] == b'/') {
        *i += 1;
    }
    if *i >= bytes.len() || bytes[*i] == b'>' {
        return None;
    }
    let mut name = Vec::new();
    while *i < bytes.len() && !matches!(bytes[*i], b'=' | b'>' | b'/') && !is_space(bytes[*i]) {
        name.push(bytes[*i].to_ascii_lowercase());
        *i += 1;
    }
    while *i < bytes.len() && is_space(bytes[*i]) {
        *i += 1;
    }
    if bytes.get(*i) != Some(&b'=') {
        return Some((name, Vec::new()));
    }
    *i += 1;
    while *i < bytes.len() && is_space(bytes[*i]) {
        *i += 1;
    }
    let mut value = Vec::new();
    match bytes.get(*i) {
        Some(&q @ (b'"' | b'\'')) => {
            *i += 1;
            while *i < bytes.len() && bytes[*i] != q {
                value.push(bytes[*i].to_ascii_lowercase());
                *i += 1;
            }
            *i += 1;
        }
        _ => {
            while *i < bytes.len() && !is_space(bytes[*i]) && bytes[*i] != b'>' {
                value.push(bytes[*i].to_ascii_lowercase());
                *i += 1;
            }
        }
    }
    Some((name, value))
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

fn starts_with_ci(b: &[u8], prefix: &[u8]) -> bool {
    b.len() >= prefix.len() && b[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The encoding a URL's query is written in for a document or sheet in `enc` (the URL
/// standard's "output encoding"): `None` when it is UTF-8.
fn query_encoding(enc: Enc) -> Option<Enc> {
    let out = enc.output_encoding();
    (out != UTF_8).then_some(out)
}

/// A query's text in `enc`; a character the encoding cannot write becomes `%26%23N%3B`
/// (`&#N;` already escaped), as the URL standard's "percent-encode after encoding" says and
/// Chromium sends.
fn encode_query(enc: Enc, text: &str) -> Vec<u8> {
    let mut encoder = enc.new_encoder();
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut rest = text;
    let mut buf = [0u8; 256];
    loop {
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(rest, &mut buf, true);
        out.extend_from_slice(&buf[..written]);
        rest = &rest[read..];
        match result {
            encoding_rs::EncoderResult::InputEmpty => return out,
            encoding_rs::EncoderResult::OutputFull => {}
            encoding_rs::EncoderResult::Unmappable(c) => {
                out.extend_from_slice(format!("%26%23{}%3B", u32::from(c)).as_bytes());
            }
        }
    }
}

/// `raw` resolved against `base`, its query written in `enc` as a browser writes it.
pub fn join(base: &Url, raw: &str, enc: Enc) -> Result<Url, url::ParseError> {
    match query_encoding(enc) {
        None => base.join(raw),
        Some(out) => {
            let encode: &dyn Fn(&str) -> Cow<'_, [u8]> = &|s| Cow::Owned(encode_query(out, s));
            Url::options()
                .base_url(Some(base))
                .encoding_override(Some(encode))
                .parse(raw)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{EUC_JP, ISO_8859_2, SHIFT_JIS, WINDOWS_1251};

    #[test]
    fn a_byte_order_mark_wins_over_every_declaration() {
        let mut page = vec![0xFF, 0xFE];
        for u in "<meta charset=shift_jis><img src=a.png>".encode_utf16() {
            page.extend(u.to_le_bytes());
        }
        assert_eq!(
            sniff_html(&page, Some("text/html; charset=euc-jp")),
            UTF_16LE
        );
        let (text, enc) = decode_html(&page, None);
        assert_eq!(enc, UTF_16LE);
        assert!(text.starts_with("<meta charset=shift_jis>"));
    }

    #[test]
    fn the_content_type_charset_wins_over_meta() {
        let page = b"<meta charset=shift_jis>";
        assert_eq!(
            sniff_html(page, Some("text/html; Charset=\"EUC-JP\"")),
            EUC_JP
        );
        assert_eq!(sniff_html(page, Some("text/html")), SHIFT_JIS);
    }

    #[test]
    fn the_prescan_reads_meta_charset_and_http_equiv_and_skips_comments() {
        let p = |s: &str| sniff_html(s.as_bytes(), None);
        assert_eq!(p("<html><head><META CHARSET='windows-1251'>"), WINDOWS_1251);
        assert_eq!(
            p("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-2\">"),
            ISO_8859_2
        );
        assert_eq!(
            p("<meta content='text/html;charset=euc-jp' http-equiv=content-type>"),
            EUC_JP
        );
        // A content attribute without the pragma declares nothing.
        assert_eq!(
            p("<meta content=\"text/html; charset=euc-jp\">\u{e9}"),
            WINDOWS_1252
        );
        assert_eq!(
            p("<!-- <meta charset=euc-jp> --><meta charset=shift_jis>"),
            SHIFT_JIS
        );
        assert_eq!(p("<div title='<meta charset=euc-jp>'>"), WINDOWS_1252);
        // UTF-16 declared in ASCII bytes is UTF-8; past 1,024 bytes nothing counts.
        assert_eq!(p("<meta charset=utf-16>"), UTF_8);
        let late = format!("{}<meta charset=euc-jp>", " ".repeat(1100));
        assert_eq!(p(&late), WINDOWS_1252);
    }

    #[test]
    fn an_undeclared_page_is_windows_1252_even_when_its_bytes_are_utf8_as_in_chromium() {
        let (text, enc) = decode_html("caf\u{e9}".as_bytes(), None);
        assert_eq!(enc, WINDOWS_1252);
        assert_eq!(text, "caf\u{c3}\u{a9}");
    }

    #[test]
    fn stylesheets_use_bom_then_header_then_charset_rule_then_the_referrer() {
        let sheet = "@charset \"shift_jis\";\n.a{}".as_bytes();
        assert_eq!(decode_css(sheet, None, UTF_8).1, SHIFT_JIS);
        assert_eq!(
            decode_css(sheet, Some("text/css;charset=euc-jp"), UTF_8).1,
            EUC_JP
        );
        assert_eq!(decode_css(b".a{}", None, EUC_JP).1, EUC_JP);
        assert_eq!(
            decode_css(b"\xEF\xBB\xBF.a{}", Some("text/css;charset=euc-jp"), EUC_JP).1,
            UTF_8
        );
        // Not at the very start, or without the exact form: not a charset rule.
        assert_eq!(decode_css(b" @charset \"euc-jp\";", None, UTF_8).1, UTF_8);
        assert_eq!(decode_css(b"@charset 'euc-jp';", None, UTF_8).1, UTF_8);
    }

    #[test]
    fn queries_are_written_in_the_document_encoding_and_paths_in_utf8() {
        let base = Url::parse("http://a.test/dir/").unwrap();
        let u = join(&base, "\u{65e5}\u{672c}.png?q=\u{65e5}\u{672c}", SHIFT_JIS).unwrap();
        // Chromium sends the same bytes: `{` (0x7B) is not escaped in a query.
        assert_eq!(
            u.as_str(),
            "http://a.test/dir/%E6%97%A5%E6%9C%AC.png?q=%93%FA%96{"
        );
        let u = join(&base, "x?q=\u{65e5}", UTF_16LE).unwrap();
        assert_eq!(u.query(), Some("q=%E6%97%A5"));
        // A character the encoding cannot write becomes a numeric reference.
        let u = join(&base, "x?q=\u{65e5}", WINDOWS_1252).unwrap();
        assert_eq!(u.query(), Some("q=%26%2326085%3B"));
    }
}
