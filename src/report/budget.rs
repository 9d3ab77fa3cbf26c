//! Budget verdicts: a terminal table, JUnit XML (one test case per budget line), Markdown for
//! pull requests, and GitHub Actions `::error` annotations.

use super::sanitize;
use crate::verdict::budget::{Line, LineUnit, Status, Verdict};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

fn fmt_value(v: f64, unit: LineUnit) -> String {
    if v.is_nan() {
        return "n/a".into();
    }
    match unit {
        LineUnit::KiB => format!("{v:.1} KiB"),
        LineUnit::Ms => format!("{v:.0} ms"),
        LineUnit::Score => format!("{v:.3}"),
        LineUnit::Grams => crate::report::words::grams(v),
        LineUnit::Usd => crate::report::words::usd(v),
        LineUnit::Requests => format!("{v:.0}"),
    }
}

fn status_word(l: &Line) -> &'static str {
    match l.status {
        Status::Pass => "pass",
        Status::Fail => "FAIL",
        Status::Unsupported => "unsupported",
    }
}

fn message(l: &Line) -> String {
    let unit = if l.unit == LineUnit::Requests {
        " requests"
    } else {
        ""
    };
    let mut m = format!(
        "{}: {}{unit}, budget {}{unit}, over by {}{unit}",
        l.name,
        fmt_value(l.actual, l.unit),
        fmt_value(l.limit, l.unit),
        fmt_value(l.over_by(), l.unit)
    );
    if l.runs > 1 {
        m.push_str(&format!(" (in {} of {} runs)", l.failing_runs, l.runs));
    }
    m
}

/// The terminal table: each line with actual, limit, over-by and verdict, then details.
pub fn table(v: &Verdict, budget_file: &str) -> String {
    let mut t = Table::new();
    t.load_preset("  ── ══      ──    ");
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(vec!["budget", "actual", "limit", "over by", "result"]);
    for l in &v.lines {
        let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
        t.add_row(vec![
            Cell::new(&l.name),
            right(fmt_value(l.actual, l.unit)),
            right(fmt_value(l.limit, l.unit)),
            right(if l.status == Status::Fail {
                fmt_value(l.over_by(), l.unit)
            } else {
                "-".into()
            }),
            Cell::new(status_word(l)),
        ]);
    }
    let mut out = match v.budget {
        Some(i) => format!("\nbudget {budget_file} [{i}]\n{t}\n"),
        None => format!("\nbudget {budget_file}: no budget's path matches this page\n"),
    };
    for l in v.lines.iter().filter(|l| l.status == Status::Fail) {
        for d in &l.details {
            out.push_str(&format!("  {}: {}\n", l.name, sanitize(d)));
        }
    }
    let failed = v.lines.iter().filter(|l| l.status == Status::Fail).count();
    out.push_str(&if failed == 0 {
        "budget: pass\n".to_string()
    } else {
        format!("budget: {failed} of {} lines over budget\n", v.lines.len())
    });
    out
}

fn xml(s: &str) -> String {
    super::escape_markup(s, true)
}

/// JUnit XML: one `<testcase>` per budget line; failures carry the message and details;
/// unsupported metrics are `<skipped>`.
pub fn junit(v: &Verdict, page: &str) -> String {
    let failures = v.lines.iter().filter(|l| l.status == Status::Fail).count();
    let skipped = v
        .lines
        .iter()
        .filter(|l| l.status == Status::Unsupported)
        .count();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str(&format!(
        "<testsuites name=\"pagecost\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">\n",
        v.lines.len()
    ));
    o.push_str(&format!(
        "  <testsuite name=\"budget: {}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\">\n",
        xml(page),
        v.lines.len()
    ));
    for l in &v.lines {
        o.push_str(&format!(
            "    <testcase classname=\"pagecost.budget\" name=\"{}\"",
            xml(&l.name)
        ));
        match l.status {
            Status::Pass => o.push_str("/>\n"),
            Status::Unsupported => o.push_str(&format!(
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                xml(&l.details.join("; "))
            )),
            Status::Fail => o.push_str(&format!(
                ">\n      <failure message=\"{}\" type=\"budget\">{}</failure>\n    </testcase>\n",
                xml(&message(l)),
                xml(&l.details.join("\n"))
            )),
        }
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}

/// A Markdown table for a pull-request comment.
pub fn markdown(v: &Verdict, page: &str) -> String {
    let failed = v.lines.iter().filter(|l| l.status == Status::Fail).count();
    let mut o = format!(
        "### pagecost budget for `{}`: {}\n\n| budget | actual | limit | over by | result |\n|---|---:|---:|---:|---|\n",
        page.replace('`', "'"),
        if failed == 0 { "pass".to_string() } else { format!("{failed} over budget") }
    );
    for l in &v.lines {
        let over = if l.status == Status::Fail {
            fmt_value(l.over_by(), l.unit)
        } else {
            "".into()
        };
        let mark = match l.status {
            Status::Pass => "✅ pass",
            Status::Fail => "❌ **fail**",
            Status::Unsupported => "➖ unsupported",
        };
        o.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            l.name,
            fmt_value(l.actual, l.unit),
            fmt_value(l.limit, l.unit),
            over,
            mark
        ));
    }
    let details: Vec<String> = v
        .lines
        .iter()
        .filter(|l| l.status == Status::Fail)
        .flat_map(|l| {
            l.details
                .iter()
                .map(move |d| format!("- `{}`: {}", l.name, d.replace('|', "\\|")))
        })
        .collect();
    if !details.is_empty() {
        o.push('\n');
        o.push_str(&details.join("\n"));
        o.push('\n');
    }
    o
}

fn gh_escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_prop(s: &str) -> String {
    gh_escape(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands, one `::error` per failing line. The runner reads
/// workflow commands from stderr as well as stdout, so they go to stderr and stdout stays
/// the report.
pub fn github_annotations(v: &Verdict) -> Vec<String> {
    v.lines
        .iter()
        .filter(|l| l.status == Status::Fail)
        .map(|l| {
            let mut msg = message(l);
            for d in &l.details {
                msg.push('\n');
                msg.push_str(d);
            }
            format!(
                "::error title={}::{}",
                gh_prop(&format!("Budget {}", l.name)),
                gh_escape(&msg)
            )
        })
        .collect()
}
