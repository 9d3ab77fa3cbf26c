//! `--format json`: the report types as they are (the JSON contract).
//!
//! Key order: a load, a batch page and a links record are written in their fields' order;
//! the envelopes (an audit with runs, an estimate or a budget, and a comparison) have been
//! written with every key sorted since the first release, and still are.

use crate::job::AuditReport;
use crate::model::Load;
use serde::Serialize;

/// Pretty-printed JSON of a load, with a trailing newline.
pub fn render(load: &Load) -> String {
    render_value(load)
}

/// Pretty-printed JSON of any value, with a trailing newline.
pub fn render_value<T: Serialize + ?Sized>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("report values always serialize");
    s.push('\n');
    s
}

/// Pretty-printed JSON with every object's keys sorted.
pub fn render_sorted<T: Serialize + ?Sized>(v: &T) -> String {
    render_value(&serde_json::to_value(v).expect("report values always serialize"))
}

/// The audit envelope: only the keys that apply.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct Envelope<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<&'a crate::verdict::budget::Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimate: Option<&'a Load>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load: Option<&'a Load>,
    #[serde(skip_serializing_if = "Option::is_none")]
    runs: Option<&'a crate::verdict::runs::Runs>,
}

/// [`audit`] written as it is serialized (no copy of the whole text in memory) when it is
/// the load itself; an envelope (sorted keys) is built first.
pub fn write_audit(a: &AuditReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let plain = a.runs.is_none() && a.estimate.is_none() && a.budget.is_none();
    match (&a.load, plain) {
        (Some(l), true) => {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
            serde_json::to_writer_pretty(&mut w, l).map_err(std::io::Error::other)?;
            std::io::Write::write_all(&mut w, b"\n")?;
            std::io::Write::flush(&mut w)
        }
        _ => out.write_all(audit(a).as_bytes()),
    }
}

/// One page audited: the load itself, or, with runs, an estimate or a budget, an envelope
/// holding them.
pub fn audit(a: &AuditReport) -> String {
    let plain = a.runs.is_none() && a.estimate.is_none() && a.budget.is_none();
    match (&a.load, plain) {
        (Some(l), true) => render(l),
        _ => render_sorted(&Envelope {
            budget: a.budget.as_ref().map(|(v, _)| v),
            estimate: a.estimate.as_ref(),
            load: a.runs.is_none().then(|| a.shown()),
            runs: a.runs.as_ref(),
        }),
    }
}
