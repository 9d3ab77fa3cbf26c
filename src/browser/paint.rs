//! Rendering metrics: first and largest contentful paint, layout shifts and long tasks, as
//! the page's own Performance Timeline reports them. A script added before any of the page's
//! own observes them from the first document onwards; at the end of the load it is read
//! once, and the figures are computed here (in Rust, so that they are tested): cumulative
//! layout shift with session windows, total blocking time from long tasks.
//!
//! The page reports times relative to its `performance.timeOrigin` (wall-clock); entries
//! are relative to the document request. The two are put on one base with the document
//! request's wall time, so that a paint and a request can be read on one waterfall.

use crate::model::painted::{LayoutShift, LcpElement};
use crate::model::PageMetrics;
use serde::Deserialize;

/// Installed in every document before its own scripts: buffered observers of paints,
/// largest-contentful-paint candidates, layout shifts and long tasks.
pub const OBSERVER: &str = r#"(() => {
  if (window !== window.top || window.__pagecostMetrics) return;
  const m = { fcp: null, lcp: null, lcpEntry: null, shifts: [], moves: [], tasks: [], added: [] };
  Object.defineProperty(window, '__pagecostMetrics', { value: m, enumerable: false });
  const watch = (type, f) => {
    try { new PerformanceObserver(l => l.getEntries().forEach(f)).observe({ type, buffered: true }); }
    catch (e) {}
  };
  // An element in words: a CSS path of at most four steps, stopping at an id.
  const sel = el => {
    const parts = [];
    for (let n = el; n && n.nodeType === 1 && parts.length < 4; n = n.parentElement) {
      let p = n.localName;
      if (n.id) { parts.unshift(p + '#' + n.id); break; }
      if (n.classList && n.classList.length) p += '.' + [...n.classList].slice(0, 2).join('.');
      parts.unshift(p);
    }
    return parts.join(' > ');
  };
  // What an inserted element loads: its own source, or its first frame's or image's.
  const src = el => {
    const own = el.currentSrc || el.src;
    if (typeof own === 'string' && own) return own;
    const inner = el.querySelector && el.querySelector('iframe[src], img[src]');
    return inner ? inner.src : null;
  };
  const box = r => r ? [r.x, r.y, r.width, r.height] : null;
  try {
    new MutationObserver(recs => {
      const t = performance.now();
      recs.forEach(r => r.addedNodes.forEach(n => {
        if (n.nodeType === 1 && m.added.length < 2000) m.added.push([t, n]);
      }));
    }).observe(document, { childList: true, subtree: true });
  } catch (e) {}
  // Elements inserted in the half second before a shift that now stand where a moved
  // element was (the band it left), neither inside one nor holding one, nor holding another
  // such element: the likely causes, the largest first.
  const culprits = (t, moved) => {
    const bands = moved.filter(s => s.node && s.prev && s.cur).map(s => {
      const down = Math.abs(s.cur[1] - s.prev[1]) >= Math.abs(s.cur[0] - s.prev[0]);
      const [a, b] = down ? [s.prev[1], s.cur[1]] : [s.prev[0], s.cur[0]];
      return { down, lo: Math.min(a, b), hi: Math.max(a, b) };
    });
    const inBand = r => bands.some(({ down, lo, hi }) =>
      (down ? r.top < hi && r.bottom > lo : r.left < hi && r.right > lo));
    const apart = n => !moved.some(s => s.node && (n.contains(s.node) || s.node.contains(n)));
    const found = m.added
      .filter(([at, n]) => at <= t + 50 && at >= t - 500 && n.isConnected && apart(n))
      .map(([, n]) => [n, n.getBoundingClientRect()])
      .filter(([, r]) => r.width * r.height > 0 && inBand(r));
    return found.filter(([n]) => !found.some(([o]) => o !== n && n.contains(o)))
      .sort((a, b) => b[1].width * b[1].height - a[1].width * a[1].height)
      .slice(0, 3).map(([n]) => ({ selector: sel(n), url: src(n) }));
  };
  watch('paint', e => { if (e.name === 'first-contentful-paint') m.fcp = e.startTime; });
  watch('largest-contentful-paint', e => {
    const el = e.element;
    const text = el && !e.url ? (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 80) : '';
    m.lcp = e.startTime;
    m.lcpEntry = { tag: el ? el.localName : null, selector: el ? sel(el) : null,
      url: e.url || null, text: text || null, size: e.size };
  });
  watch('layout-shift', e => {
    if (e.hadRecentInput) return;
    m.shifts.push([e.startTime, e.value]);
    if (m.moves.length >= 50) return;
    const moved = (e.sources || []).map(s => ({
      node: s.node, prev: box(s.previousRect), cur: box(s.currentRect) }));
    m.moves.push({ ms: e.startTime, score: e.value, culprits: culprits(e.startTime, moved),
      moved: moved.filter(s => s.node).map(s => ({ selector: sel(s.node),
        dx: s.cur && s.prev ? s.cur[0] - s.prev[0] : 0,
        dy: s.cur && s.prev ? s.cur[1] - s.prev[1] : 0 })) });
  });
  watch('longtask', e => { m.tasks.push([e.startTime, e.duration]); });
})();"#;

/// Read at the end: what the observers saw, with the page's time origin and its own
/// navigation timing (which has the two events' times in the same base).
pub const READ: &str = r#"(() => {
  const m = window.__pagecostMetrics;
  if (!m) return null;
  return { origin: performance.timeOrigin, fcp: m.fcp, lcp: m.lcp, shifts: m.shifts, tasks: m.tasks,
    lcpElement: m.lcpEntry, moves: m.moves };
})()"#;

/// What [`READ`] returns: milliseconds from the page's time origin.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub struct Observed {
    /// `performance.timeOrigin`, milliseconds since the Unix epoch.
    pub origin: f64,
    /// First contentful paint.
    pub fcp: Option<f64>,
    /// The last largest-contentful-paint candidate.
    pub lcp: Option<f64>,
    /// Layout shifts not caused by input: start, score.
    #[serde(default)]
    pub shifts: Vec<(f64, f64)>,
    /// Long tasks (over 50 ms): start, duration.
    #[serde(default)]
    pub tasks: Vec<(f64, f64)>,
    /// The last largest-contentful-paint candidate's element.
    #[serde(default, rename = "lcpElement")]
    pub lcp_element: Option<LcpElement>,
    /// The first layout shifts, with what moved and what was inserted before them (times
    /// from the page's origin).
    #[serde(default)]
    pub moves: Vec<LayoutShift>,
}

/// A task's time beyond this blocks input (Lighthouse, web.dev).
const BLOCKING_MS: f64 = 50.0;

/// Cumulative layout shift as web.dev defines it since 2021: shifts are grouped into
/// session windows (a gap under 1 s, a window at most 5 s long); the score is the largest
/// window's sum.
pub fn cumulative_layout_shift(shifts: &[(f64, f64)]) -> f64 {
    let (mut best, mut sum) = (0.0f64, 0.0f64);
    let (mut first, mut last) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(t, v) in shifts {
        if t - last >= 1000.0 || t - first >= 5000.0 {
            first = t;
            sum = 0.0;
        }
        sum += v;
        last = t;
        best = best.max(sum);
    }
    best
}

/// Total blocking time from first contentful paint to `end`, by Lighthouse's rule: each
/// long task clipped to the window, and its clipped length beyond 50 ms summed. (Lighthouse
/// ends the window at time to interactive, after the last long task; pagecost, which does
/// not estimate interactivity, counts every long task until it stops watching the page.)
pub fn total_blocking_time(tasks: &[(f64, f64)], fcp: f64, end: f64) -> f64 {
    tasks
        .iter()
        .map(|&(start, duration)| {
            let clipped = (start + duration).min(end) - start.max(fcp);
            (clipped - BLOCKING_MS).max(0.0)
        })
        .fold(0.0, |a, b| a + b)
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The page's metrics on the load's time base. `offset_ms`: the page's time origin minus the
/// document request's issue time; `events`: DOMContentLoaded and load already on the load's
/// base.
pub fn metrics(
    seen: Option<&Observed>,
    offset_ms: f64,
    events: (Option<f64>, Option<f64>),
) -> PageMetrics {
    let at = |t: f64| round((t + offset_ms).max(0.0));
    let fcp = seen.and_then(|s| s.fcp).map(at);
    PageMetrics {
        dom_content_loaded_ms: events.0.map(round),
        load_event_ms: events.1.map(round),
        first_contentful_paint_ms: fcp,
        largest_contentful_paint_ms: seen.and_then(|s| s.lcp).map(at),
        cumulative_layout_shift: seen.map(|s| round(cumulative_layout_shift(&s.shifts))),
        total_blocking_time_ms: seen.zip(fcp).map(|(s, fcp)| {
            let tasks: Vec<(f64, f64)> = s.tasks.iter().map(|&(t, d)| (at(t), d)).collect();
            round(total_blocking_time(&tasks, fcp, f64::INFINITY))
        }),
        visual: None,
        lcp_element: seen.and_then(|s| s.lcp_element.clone()),
        layout_shifts: (seen.iter().flat_map(|s| &s.moves))
            .take(crate::model::painted::MAX_SHIFTS)
            .map(|l| LayoutShift {
                ms: at(l.ms),
                ..l.clone()
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_shift_is_the_worst_session_window() {
        assert_eq!(cumulative_layout_shift(&[]), 0.0);
        // Two windows: 0.1 + 0.2 (gap 500 ms), then after a 2 s gap 0.25 alone.
        let s = [(100.0, 0.1), (600.0, 0.2), (2600.0, 0.25)];
        assert!((cumulative_layout_shift(&s) - 0.3).abs() < 1e-9);
        // A window ends after 5 s even without a gap: 0.1 every 900 ms for 9 s.
        let steady: Vec<(f64, f64)> = (0..10).map(|i| (f64::from(i) * 900.0, 0.1)).collect();
        // Shifts at 0..4500 (6 of them) fit one 5 s window; the next starts at 5400.
        assert!((cumulative_layout_shift(&steady) - 0.6).abs() < 1e-9);
    }

    #[test]
    fn blocking_time_counts_the_tail_beyond_50_ms_after_fcp() {
        // 200 ms task after FCP: 150 blocking. 40 ms task: none. A task spanning FCP counts
        // its part after FCP (400..700 clipped to 500..700: 150). After the end: none.
        let tasks = [
            (1000.0, 200.0),
            (2000.0, 40.0),
            (400.0, 300.0),
            (9000.0, 100.0),
        ];
        assert_eq!(total_blocking_time(&tasks, 500.0, 5000.0), 150.0 + 150.0);
        assert_eq!(total_blocking_time(&tasks, 0.0, 5000.0), 150.0 + 250.0);
        // A task ending at the window's end: 4900..5100 clipped to 4900..5000: 50.
        assert_eq!(total_blocking_time(&[(4900.0, 200.0)], 0.0, 5000.0), 50.0);
        assert_eq!(total_blocking_time(&[], 0.0, 1.0), 0.0);
    }

    #[test]
    fn page_times_move_to_the_load_base_and_unknowns_stay_unknown() {
        let seen = Observed {
            origin: 0.0,
            fcp: Some(100.0),
            lcp: Some(250.0),
            shifts: vec![(300.0, 0.05)],
            tasks: vec![(200.0, 120.0)],
            lcp_element: None,
            moves: vec![LayoutShift {
                ms: 300.0,
                score: 0.05,
                ..LayoutShift::default()
            }],
        };
        let m = metrics(Some(&seen), -3.0, (Some(80.0), Some(400.0)));
        assert_eq!(
            m.layout_shifts[0].ms, 297.0,
            "a shift's moment on the load's base"
        );
        assert_eq!(m.first_contentful_paint_ms, Some(97.0));
        assert_eq!(m.largest_contentful_paint_ms, Some(247.0));
        assert_eq!(m.cumulative_layout_shift, Some(0.05));
        assert_eq!(m.total_blocking_time_ms, Some(70.0));
        assert_eq!(m.load_event_ms, Some(400.0));
        let none = metrics(None, 0.0, (None, None));
        assert!(none.is_empty());
        let no_paint = Observed::default();
        let m = metrics(Some(&no_paint), 0.0, (None, None));
        assert_eq!(m.first_contentful_paint_ms, None);
        assert_eq!(m.total_blocking_time_ms, None);
        assert_eq!(m.cumulative_layout_shift, Some(0.0));
    }
}
