//! Many pages: one summary row per page (terminal), or the pages as JSON / JSON lines.

use super::{human_bytes, human_ms, sanitize, table::fit};
use crate::job::batch::PageResult;
use crate::model::{Load, ResourceType};
use crate::verdict::budget::Verdict;
use comfy_table::{Cell, CellAlignment, Table};

/// One JSON line per page.
pub fn jsonl(pages: &[PageResult]) -> String {
    let mut out = Vec::new();
    write_jsonl(pages, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// One JSON line per page, written as each is serialized: a batch of 1,000 pages does not
/// hold its whole output (about 30 KB a page) as one string besides its loads.
pub fn write_jsonl(pages: &[PageResult], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    for p in pages {
        serde_json::to_writer(&mut w, p).map_err(std::io::Error::other)?;
        std::io::Write::write_all(&mut w, b"\n")?;
    }
    std::io::Write::flush(&mut w)
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// What the last column says of an audited page: its budget verdict, and a document
/// answered with an error status (audited, but not "ok").
fn result(l: &Load, verdict: Option<&Verdict>) -> String {
    let doc = l
        .entries
        .iter()
        .find(|e| e.url == l.final_url && e.resource_type == ResourceType::Document)
        .or_else(|| l.document());
    let verdict = match verdict {
        Some(v) if v.failed() => "over budget",
        Some(_) => "within budget",
        None => "ok",
    };
    match doc.and_then(|e| e.status).filter(|s| *s >= 400) {
        Some(s) if verdict == "ok" => format!("document HTTP {s}"),
        Some(s) => format!("document HTTP {s}, {verdict}"),
        None => verdict.to_string(),
    }
}

/// The summary table, one row per page, and a total line.
pub fn summary(pages: &[PageResult], verdicts: &[Option<Verdict>], width: Option<u16>) -> String {
    let mut t = Table::new();
    fit(&mut t, width);
    t.set_header(vec![
        "page",
        "requests",
        "transferred",
        "TTFB",
        "fully loaded",
        "failed",
        "result",
    ]);
    let (mut reqs, mut bytes) = (0u64, 0u64);
    for (i, p) in pages.iter().enumerate() {
        let mut row = vec![Cell::new(sanitize(&p.target))];
        match &p.load() {
            Some(l) => {
                reqs += l.totals.requests;
                bytes += l.totals.transfer_bytes;
                row.extend([
                    right(l.totals.requests.to_string()),
                    right(human_bytes(l.totals.transfer_bytes)),
                    right(
                        l.document_ttfb_ms
                            .map_or_else(|| "unknown".into(), human_ms),
                    ),
                    right(human_ms(l.fully_loaded_ms)),
                    right((l.totals.failed + l.totals.empty).to_string()),
                    Cell::new(result(l, verdicts.get(i).and_then(Option::as_ref))),
                ]);
            }
            None => {
                row.extend((0..5).map(|_| right("-".into())));
                row.push(Cell::new(sanitize(p.error.as_deref().unwrap_or("error"))));
            }
        }
        t.add_row(row);
    }
    let ok = pages.iter().filter(|p| p.audited()).count();
    format!(
        "{t}\n{} pages ({ok} audited): {reqs} requests, {} transferred\n",
        pages.len(),
        human_bytes(bytes)
    )
}
