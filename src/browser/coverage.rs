//! What code the page never used during the load, as the browser tells it: precise
//! coverage of the page's scripts (function by function, as Lighthouse records it: no block
//! counts, so the scripts' own speed is barely touched) and the usage of its stylesheets'
//! rules, from before the navigation to the end of the watch. In the page's own renderer:
//! a cross-site frame runs in another process, whose code is not measured.

use crate::trace::unused::{CodeKind, Range};
use chromiumoxide::cdp::browser_protocol::{css, dom};
use chromiumoxide::cdp::js_protocol::profiler;
use futures_util::StreamExt;
use std::collections::HashMap;

/// Coverage being recorded: the stylesheets the page added, by id (URL and length).
pub(super) struct Recording {
    sheets: tokio::task::JoinHandle<()>,
    found: std::sync::Arc<std::sync::Mutex<HashMap<String, (String, u64)>>>,
}

/// Starts recording; `None` when the browser refuses (the load goes on without it).
pub(super) async fn start(page: &chromiumoxide::Page) -> Option<Recording> {
    let mut added = page
        .event_listener::<css::EventStyleSheetAdded>()
        .await
        .ok()?;
    let found = std::sync::Arc::new(std::sync::Mutex::new(HashMap::new()));
    let into = found.clone();
    let sheets = tokio::spawn(async move {
        while let Some(e) = added.next().await {
            let h = &e.header;
            let mut m = into.lock().unwrap_or_else(|p| p.into_inner());
            let sheet = (h.source_url.clone(), h.length.max(0.0) as u64);
            m.insert(h.style_sheet_id.inner().clone(), sheet);
        }
    });
    let precise = profiler::StartPreciseCoverageParams::builder()
        .call_count(false)
        .detailed(false)
        .build();
    let started = async {
        page.execute(profiler::EnableParams::default()).await.ok()?;
        page.execute(precise).await.ok()?;
        page.execute(dom::EnableParams::default()).await.ok()?;
        page.execute(css::EnableParams::default()).await.ok()?;
        page.execute(css::StartRuleUsageTrackingParams::default())
            .await
            .ok()
    };
    if started.await.is_none() {
        sheets.abort();
        return None;
    }
    Some(Recording { sheets, found })
}

/// Each script's and stylesheet's share never used, by URL (the page's own code: scripts
/// and sheets with a URL), or `None` when the page does not answer within `wait`.
pub(super) async fn finish(
    page: &chromiumoxide::Page,
    rec: Recording,
    wait: std::time::Duration,
) -> Option<Vec<(CodeKind, String, f64)>> {
    let read = async {
        let scripts = page
            .execute(profiler::TakePreciseCoverageParams::default())
            .await
            .ok()?;
        let rules = page
            .execute(css::StopRuleUsageTrackingParams::default())
            .await
            .ok()?;
        Some((
            scripts.result.result.clone(),
            rules.result.rule_usage.clone(),
        ))
    };
    let taken = tokio::time::timeout(wait, read).await.ok().flatten();
    rec.sheets.abort();
    let (scripts, rules) = taken?;
    let found = rec.found.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut out: Vec<(CodeKind, String, f64)> = Vec::new();
    for s in scripts.iter().filter(|s| s.url.starts_with("http")) {
        let ranges: Vec<Range> = (s.functions.iter())
            .flat_map(|f| f.ranges.iter())
            .map(|r| Range {
                start: r.start_offset.max(0) as u64,
                end: r.end_offset.max(0) as u64,
                used: r.count > 0,
            })
            .collect();
        if let Some(share) = crate::trace::unused::script_share(&ranges) {
            out.push((CodeKind::Script, s.url.clone(), share));
        }
    }
    let mut by_sheet: HashMap<&str, Vec<Range>> = HashMap::new();
    for r in &rules {
        by_sheet
            .entry(r.style_sheet_id.inner())
            .or_default()
            .push(Range {
                start: r.start_offset.max(0.0) as u64,
                end: r.end_offset.max(0.0) as u64,
                used: r.used,
            });
    }
    for (id, (url, length)) in found.iter().filter(|(_, s)| s.0.starts_with("http")) {
        let rules = by_sheet.get(id.as_str()).map_or(&[][..], Vec::as_slice);
        if let Some(share) = crate::trace::unused::sheet_share(*length, rules) {
            out.push((CodeKind::Stylesheet, url.clone(), share));
        }
    }
    Some(out)
}
