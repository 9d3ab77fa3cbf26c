//! Comments stripped from a document before it is parsed.

/// The document without its comments, for parsing: a comment cannot reference anything a
/// browser loads, and the HTML tokenizer walks comments one character at a time, so a page
/// padded with large comments would cost far more than its markup. `<script>`, `<style>`,
/// `<textarea>` and `<title>` content is raw text and kept as it is (an old-style
/// `<style><!-- ... --></style>` keeps its CSS). References are located in the original text.
pub fn strip_comments(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let open = memchr::memmem::Finder::new(b"<!--");
    if open.find(b).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0usize, 0usize);
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        i += off;
        if lower_at(b, i, "<!--") {
            out.push_str(&text[copied..i]);
            let end = comment_end(b, i);
            i = end;
            copied = end;
            continue;
        }
        if let Some(end) = raw_text_end(b, i) {
            i = end;
            continue;
        }
        if b.get(i + 1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/')
        {
            // A tag: `<!--` inside a quoted attribute value is not a comment.
            i = tag_end(b, i);
            continue;
        }
        if b[i + 1..].starts_with(b"![CDATA[") {
            // In SVG or MathML a CDATA section is text up to `]]>` (in HTML a bogus comment
            // that ends sooner): skipping to `]]>` keeps more, which is always safe.
            i = memchr::memmem::find(&b[i..], b"]]>").map_or(b.len(), |p| i + p + 3);
            continue;
        }
        if matches!(b.get(i + 1), Some(b'!' | b'?')) {
            // `<!DOCTYPE ...>` and other bogus comments end at the first `>`.
            i = memchr::memchr(b'>', &b[i..]).map_or(b.len(), |p| i + p + 1);
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied.min(text.len())..]);
    std::borrow::Cow::Owned(out)
}

/// Elements whose content the tokenizer reads as text (`<!--` in it is not a comment);
/// `<plaintext>` never ends.
const RAW: [&str; 10] = [
    "script",
    "style",
    "textarea",
    "title",
    "iframe",
    "xmp",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// Whether `s` is at `i`, ASCII case aside.
fn lower_at(b: &[u8], i: usize, s: &str) -> bool {
    b.len() >= i + s.len() && b[i..i + s.len()].eq_ignore_ascii_case(s.as_bytes())
}

/// When a raw-text element ([`RAW`]) opens at `i`: where its end tag's name ends (its
/// content is not markup), or the end of the text.
fn raw_text_end(b: &[u8], i: usize) -> Option<usize> {
    let name = RAW.iter().find(|n| lower_at(b, i + 1, n))?;
    let after = i + 1 + name.len();
    let c = b.get(after)?;
    if !(c.is_ascii_whitespace() || *c == b'>' || *c == b'/') {
        return None;
    }
    let end_tag = memchr::memmem::Finder::new(b"</");
    let mut at = after;
    Some(loop {
        match end_tag.find(&b[at..]) {
            Some(p) if lower_at(b, at + p + 2, name) => break at + p + 2 + name.len(),
            Some(p) => at += p + 2,
            None => break b.len(),
        }
    })
}

/// Where the tag that opens at `start` (`<name` or `</name`) ends (after its `>`), with quoted
/// attribute values skipped whole (they may hold `>` and `<!--`).
fn tag_end(b: &[u8], start: usize) -> usize {
    let (mut j, mut after_eq) = (start + 1, false);
    while j < b.len() {
        match b[j] {
            b'>' => return j + 1,
            q @ (b'"' | b'\'') if after_eq => {
                j = memchr::memchr(q, &b[j + 1..]).map_or(b.len(), |p| j + 1 + p + 1);
                after_eq = false;
                continue;
            }
            b'=' => after_eq = true,
            c if c.is_ascii_whitespace() => {}
            _ => after_eq = false,
        }
        j += 1;
    }
    b.len()
}

/// Where the comment opened by `<!--` at `start` ends (after its `>`), as the HTML tokenizer
/// decides: at `-->` (also the abrupt `<!-->` and `<!--->`) or `--!>`; unterminated, at the end.
fn comment_end(b: &[u8], start: usize) -> usize {
    let mut from = start + 4;
    while let Some(off) = memchr::memchr(b'>', &b[from..]) {
        let g = from + off;
        if &b[g - 2..g] == b"--" || (g >= start + 7 && &b[g - 3..g] == b"--!") {
            return g + 1;
        }
        from = g + 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_dropped_but_raw_text_is_kept() {
        let s = strip_comments("<p>a<!-- <img src=x.png> -->b</p><style><!-- .a{background:url(k.png)} --></style><script>if(a<!--b)x()</script><!-- unterminated");
        assert_eq!(s, "<p>ab</p><style><!-- .a{background:url(k.png)} --></style><script>if(a<!--b)x()</script>");
        assert!(matches!(
            strip_comments("<p>no comments</p>"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn comments_end_where_the_html_tokenizer_ends_them() {
        assert_eq!(strip_comments("<p>a<!-->b</p>"), "<p>ab</p>");
        assert_eq!(strip_comments("<!--->x"), "x");
        assert_eq!(strip_comments("<!---->x"), "x");
        assert_eq!(strip_comments("<!--a--!>y<img src=k>"), "y<img src=k>");
        assert_eq!(strip_comments("<!--!>z-->w"), "w");
        assert_eq!(strip_comments("<!-- a > b -- c --> d"), " d");
        assert_eq!(strip_comments("x<!--"), "x");
    }

    #[test]
    fn text_only_elements_and_cdata_keep_their_comment_openers() {
        let html = "<iframe><!--</iframe><img src=a.png>--><noscript><!--</noscript><svg><![CDATA[<!--]]></svg><img src=b.png><!--x-->";
        assert_eq!(
            strip_comments(html),
            "<iframe><!--</iframe><img src=a.png>--><noscript><!--</noscript><svg><![CDATA[<!--]]></svg><img src=b.png>"
        );
        assert_eq!(
            strip_comments("<!DOCTYPE html><!--a-->b"),
            "<!DOCTYPE html>b"
        );
    }

    #[test]
    fn a_comment_opener_inside_an_attribute_value_is_not_a_comment() {
        let html =
            r#"<img alt="a<!--b > c" src=x.png><p title='<!--'>t</p><!--gone--><img src=y.png>"#;
        assert_eq!(
            strip_comments(html),
            r#"<img alt="a<!--b > c" src=x.png><p title='<!--'>t</p><img src=y.png>"#
        );
    }

    #[test]
    fn raw_text_ends_only_at_its_own_end_tag_in_any_case() {
        let s =
            strip_comments("<SCRIPT>a='</b><!--x-->'</scRipt><!--c-->d<title><!--t--></TITLE>e");
        assert_eq!(
            s,
            "<SCRIPT>a='</b><!--x-->'</scRipt>d<title><!--t--></TITLE>e"
        );
        let s = strip_comments("<script>x<!--y"); // never closed: the rest is raw text
        assert_eq!(s, "<script>x<!--y");
    }
}
