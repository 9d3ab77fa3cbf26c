//! Extraction throughput: MB/s of HTML and CSS extraction on 5 MB inputs generated here,
//! and of matching stylesheets against the document they style: a generated document every
//! rule of the generated sheet matches, and a real page with its own stylesheets (the
//! shared corpus's mdbook print page, where present). Medians of runs.
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

/// The median time of `n` runs of `f`, and what the last run returned.
fn median_of<F: FnMut() -> usize>(n: usize, mut f: F) -> (f64, usize) {
    let mut times = Vec::with_capacity(n);
    let mut out = 0;
    for _ in 0..n {
        let t = Instant::now();
        out = f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[n / 2], out)
}

/// A document the generated stylesheet's rules match: `items` posts, each with the classes
/// and elements the sheet's selectors name.
fn matched_page(items: usize) -> String {
    let mut s = String::from("<!doctype html><html><head><title>bench</title></head><body>");
    for i in 0..items {
        s.push_str(&format!(
            "<article class=\"post post-{i}\" id=p{i}><h2>Post {i}</h2><div class=c{i}>x</div></article>\n"
        ));
    }
    s.push_str("</body></html>");
    s
}

/// A real page and its stylesheets: the corpus's mdbook print page (about 47 kB) and every
/// stylesheet of its site; `None` without ../shared/corpus.
fn real_page() -> Option<(String, Vec<String>)> {
    let site = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/sites/mdbook-seal-sdk"
    );
    let page = std::fs::read_to_string(format!("{site}/print.html")).ok()?;
    let mut sheets = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(site)];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "css") {
                sheets.push(std::fs::read_to_string(p).ok()?);
            }
        }
    }
    Some((page, sheets))
}

/// Matching and cascade: the sheets applied to the document; the references they apply.
fn apply(doc: &scraper::Html, sheets: &[css::Sheet], url: &url::Url, vp: Viewport) -> usize {
    let mut st = DocumentStyles::new(doc.clone(), vp);
    let mut n = 0;
    for (i, sheet) in sheets.iter().enumerate() {
        let at = SheetSource {
            source: url,
            base: url,
            line_offset: 0,
            place: SheetPlace::of_element(i as u32 + 1, true, encoding_rs::UTF_8),
        };
        n += st.add_sheet(sheet.clone(), at).refs.len();
    }
    n + st.settle().refs.len()
}

const RUNS: usize = 11;

fn main() {
    let vp = Viewport::default();
    let url = url::Url::parse("https://bench.test/").unwrap();
    let page = html_page(5 * 1024 * 1024);
    let sheet = stylesheet(5 * 1024 * 1024);
    let mb = |s: &str| s.len() as f64 / 1e6;

    let (t, n) = median_of(RUNS, || {
        let doc = html::parse_document(&page);
        html::extract(&doc, &page, &url, &vp, usize::MAX).refs.len()
    });
    println!("medians of {RUNS} runs");
    println!(
        "HTML  {:>6.2} MB  parse+extract  {:>7.1} MB/s  ({n} references)",
        mb(&page),
        mb(&page) / t
    );

    let (t, n) = median_of(RUNS, || css::parse(&sheet, 1.0).rules.len());
    println!(
        "CSS   {:>6.2} MB  parse          {:>7.1} MB/s  ({n} rules with URLs or fonts)",
        mb(&sheet),
        mb(&sheet) / t
    );

    let posts = matched_page(2_000);
    let doc = html::parse_document(&posts);
    let sheets = [css::parse(&sheet, 1.0)];
    let (t, n) = median_of(RUNS, || apply(&doc, &sheets, &url, vp));
    println!(
        "CSS   {:>6.2} MB  match+cascade  {:>7.1} MB/s  ({n} references applied to a {:.2} MB document every rule matches)",
        mb(&sheet),
        mb(&sheet) / t,
        mb(&posts)
    );

    let Some((page, texts)) = real_page() else {
        println!("CSS   (no ../shared/corpus: the real page's match+cascade skipped)");
        return;
    };
    let doc = html::parse_document(&page);
    let sheets: Vec<css::Sheet> = texts.iter().map(|t| css::parse(t, 1.0)).collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let (t, n) = median_of(RUNS, || apply(&doc, &sheets, &url, vp));
    println!(
        "CSS   {:>6.2} MB  match+cascade  {:>7.1} MB/s  ({n} references applied; mdbook's {} stylesheets on its {:.0} kB print page, {:.2} ms)",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / t,
        sheets.len(),
        page.len() as f64 / 1e3,
        t * 1e3
    );
}
