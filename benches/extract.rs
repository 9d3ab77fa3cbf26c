//! Extraction throughput: MB/s of HTML and CSS extraction on 5 MB inputs generated here.
//! Run: cargo bench --bench extract

use pagecost::extract::styles::{DocumentStyles, SheetPlace, SheetSource};
use pagecost::extract::{css, html, Viewport};
use std::time::Instant;

fn html_page(bytes: usize) -> String {
    let mut s = String::from("<!doctype html><html><head><title>bench</title><link rel=stylesheet href=/s.css></head><body>");
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "<article class=post id=p{i}><h2>Post {i}</h2><p>Some text with <a href=\"/post/{i}\">a link</a> and <em>emphasis</em>.</p>\
             <img src=\"/img/{i}.jpg\" srcset=\"/img/{i}-480.jpg 480w, /img/{i}-960.jpg 960w\" sizes=\"(min-width: 800px) 50vw, 100vw\" alt=\"\">\
             <div style=\"background:url(/bg/{i}.png)\"></div><script src=\"/js/{i}.js\" defer></script></article>\n"
        ));
        i += 1;
    }
    s.push_str("</body></html>");
    s
}

fn stylesheet(bytes: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            ".post-{i} > h2, #p{i}:hover {{ color: #{:06x}; background: url(\"/bg/{i}.png\") no-repeat; font: 16px/1.4 \"Font {}\", serif }}\n\
             @media (min-width: {}px) {{ .c{i} {{ background-image: image-set(\"/x{i}.png\" 1x, \"/x{i}@2x.png\" 2x) }} }}\n\
             @font-face {{ font-family: \"Font {}\"; src: url(/f{i}.woff2) format(\"woff2\"), url(/f{i}.woff) format(\"woff\") }}\n",
            i * 2654435761u64 % 0xffffff,
            i % 7,
            300 + i % 900,
            i % 7
        ));
        i += 1;
    }
    s
}

fn best_of<F: FnMut() -> usize>(n: usize, mut f: F) -> (f64, usize) {
    let mut best = f64::INFINITY;
    let mut out = 0;
    for _ in 0..n {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

fn main() {
    let vp = Viewport::default();
    let url = url::Url::parse("https://bench.test/").unwrap();
    let page = html_page(5 * 1024 * 1024);
    let sheet = stylesheet(5 * 1024 * 1024);
    let mb = |s: &str| s.len() as f64 / 1e6;

    let (t, n) = best_of(3, || {
        let doc = html::parse_document(&page);
        html::extract(&doc, &page, &url, &vp, usize::MAX).refs.len()
    });
    println!(
        "HTML  {:>6.2} MB  parse+extract  {:>7.1} MB/s  ({n} references)",
        mb(&page),
        mb(&page) / t
    );

    let (t, n) = best_of(3, || css::parse(&sheet, 1.0).rules.len());
    println!(
        "CSS   {:>6.2} MB  parse          {:>7.1} MB/s  ({n} rules with URLs or fonts)",
        mb(&sheet),
        mb(&sheet) / t
    );

    let small = html::parse_document("<article class=post id=p1><h2>x</h2></article>");
    let parsed = css::parse(&sheet, 1.0);
    let (t, n) = best_of(3, || {
        let mut st = DocumentStyles::new(small.clone(), vp);
        let at = SheetSource {
            source: &url,
            base: &url,
            line_offset: 0,
            place: SheetPlace::of_element(1, true, encoding_rs::UTF_8),
        };
        let now = st.add_sheet(parsed.clone(), at).refs.len();
        now + st.settle().refs.len()
    });
    println!(
        "CSS   {:>6.2} MB  match+cascade  {:>7.1} MB/s  ({n} references applied)",
        mb(&sheet),
        mb(&sheet) / t
    );
}
