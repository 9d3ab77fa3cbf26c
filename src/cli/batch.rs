//! `pagecost audit A B C ...` / `--input-file`: many pages, one result each; and `merge`.

use super::args::{AuditArgs, Format, MergeArgs, MergeFormat};
use super::progress::Progress;
use super::{emit, Outcome};
use anyhow::{bail, Context};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use pagecost::batch::{audit_all, PageResult};
use pagecost::report::{human_bytes, human_ms, sanitize};

pub fn run(a: &AuditArgs, targets: Vec<String>) -> anyhow::Result<Outcome> {
    run_at(a, targets, None)
}

/// [`run`] for a slice of a longer list: `positions` are the targets' places in it.
pub fn run_at(
    a: &AuditArgs,
    targets: Vec<String>,
    positions: Option<Vec<usize>>,
) -> anyhow::Result<Outcome> {
    if matches!(
        a.format,
        Format::Har | Format::Html | Format::Junit | Format::Markdown
    ) {
        bail!(
            "--format {:?} reports one page; for many pages use table, json or jsonl",
            a.format
        );
    }
    let (cfg, vp) = a.net.to_config()?;
    let budgets = a.budget.load()?;
    let progress = Progress::pages(a.quiet, a.jobs);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut pages = rt.block_on(audit_all(&targets, &cfg, &vp, a.jobs, &progress));
    progress.finish();
    if let Some(at) = positions {
        for (p, i) in pages.iter_mut().zip(at) {
            p.index = Some(i);
        }
    }
    let mut over_budget = false;
    let verdicts: Vec<Option<pagecost::budget::Verdict>> = pages
        .iter()
        .map(|p| {
            let v = budgets
                .as_ref()
                .zip(p.load.as_ref())
                .map(|((b, _), l)| pagecost::budget::evaluate(b, &[l]));
            over_budget |= v.as_ref().is_some_and(|v| v.failed());
            v
        })
        .collect();
    let report = match a.format {
        Format::Jsonl => jsonl(&pages),
        Format::Json => pagecost::report::json::render_value(&pages),
        _ => summary(&pages, &verdicts),
    };
    emit(&report, a.output.as_deref())?;
    let failed = pages.iter().filter(|p| p.error.is_some()).count();
    if failed > 0 {
        eprintln!(
            "pagecost: {failed} of {} pages could not be audited",
            pages.len()
        );
        return Ok(Outcome::Error);
    }
    Ok(if over_budget {
        Outcome::Fail
    } else {
        Outcome::Pass
    })
}

fn jsonl(pages: &[PageResult]) -> String {
    let mut s = String::new();
    for p in pages {
        s.push_str(&serde_json::to_string(p).expect("a page serializes"));
        s.push('\n');
    }
    s
}

fn summary(pages: &[PageResult], verdicts: &[Option<pagecost::budget::Verdict>]) -> String {
    let mut t = Table::new();
    t.load_preset("  ── ══      ──    ");
    t.set_content_arrangement(ContentArrangement::Dynamic);
    let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
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
        match &p.load {
            Some(l) => {
                reqs += l.totals.requests;
                bytes += l.totals.transfer_bytes;
                // A page answered with an error status was audited, but is not "ok".
                let doc = l
                    .entries
                    .iter()
                    .find(|e| {
                        e.url == l.final_url && e.resource_type == pagecost::ResourceType::Document
                    })
                    .or_else(|| l.document());
                let verdict = match verdicts.get(i).and_then(Option::as_ref) {
                    Some(v) if v.failed() => "over budget",
                    Some(_) => "within budget",
                    None => "ok",
                };
                let budget = match doc.and_then(|e| e.status).filter(|s| *s >= 400) {
                    Some(s) if verdict == "ok" => format!("document HTTP {s}"),
                    Some(s) => format!("document HTTP {s}, {verdict}"),
                    None => verdict.to_string(),
                };
                t.add_row(vec![
                    Cell::new(sanitize(&p.target)),
                    right(l.totals.requests.to_string()),
                    right(human_bytes(l.totals.transfer_bytes)),
                    right(
                        l.document_ttfb_ms
                            .map_or_else(|| "unknown".into(), human_ms),
                    ),
                    right(human_ms(l.fully_loaded_ms)),
                    right((l.totals.failed + l.totals.empty).to_string()),
                    Cell::new(budget),
                ]);
            }
            None => {
                t.add_row(vec![
                    Cell::new(sanitize(&p.target)),
                    right("-".into()),
                    right("-".into()),
                    right("-".into()),
                    right("-".into()),
                    right("-".into()),
                    Cell::new(sanitize(p.error.as_deref().unwrap_or("error"))),
                ]);
            }
        }
    }
    let ok = pages.iter().filter(|p| p.load.is_some()).count();
    format!(
        "{t}\n{} pages ({ok} audited): {reqs} requests, {} transferred\n",
        pages.len(),
        human_bytes(bytes)
    )
}

/// `pagecost merge`: join JSON-lines outputs.
pub fn merge(a: MergeArgs) -> anyhow::Result<Outcome> {
    let mut pages: Vec<PageResult> = Vec::new();
    for f in &a.files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("{}: cannot read", f.display()))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let p: PageResult = serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a pagecost JSON line", f.display(), n + 1))?;
            pages.push(p);
        }
    }
    // Shards interleave the list (every N-th page): put the pages back in its order, when
    // the files are shards of one list (each position once); other files keep their order.
    let positions: std::collections::HashSet<usize> =
        pages.iter().filter_map(|p| p.index).collect();
    if positions.len() == pages.len() {
        pages.sort_by_key(|p| p.index);
    }
    let out = match a.format {
        MergeFormat::Jsonl => jsonl(&pages),
        MergeFormat::Table => summary(&pages, &vec![None; pages.len()]),
    };
    emit(&out, None)?;
    Ok(Outcome::Pass)
}
