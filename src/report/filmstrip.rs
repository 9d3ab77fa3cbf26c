//! The HTML report's filmstrip: what the visitor saw, drawn on the waterfall's time axis
//! (the same left column and pixels per millisecond, so a picture sits above the requests
//! that made it). Chromium's screenshots at the strip's fixed interval, a frame that changed
//! since the one before framed in orange (as WebPageTest does), the visual-progress curve
//! under them, and the moments that matter marked: first contentful paint, largest
//! contentful paint, the load event, visually complete.

use super::html::{esc, WF_BAR, WF_LABEL, WF_WIDTH};
use super::human_ms;
use crate::model::Load;
use crate::trace::visual::{Thumbnail, VisualMetrics};
use std::fmt::Write as _;

/// Least room between two pictures' left edges, pixels: closer ones are thinned out.
const MIN_PITCH: f64 = 72.0;
/// Widest picture, pixels.
const MAX_WIDTH: f64 = 120.0;
/// Chromium's screenshots are 500 by 348 pixels at the default viewport: width / height.
const ASPECT: f64 = 500.0 / 348.0;
/// Height of the progress curve's band.
const CURVE: f64 = 44.0;
/// Height of a line of marker labels.
const LINE: f64 = 14.0;

/// The moments marked on the strip, in time order: name and milliseconds.
fn marks(l: &Load, v: &VisualMetrics) -> Vec<(&'static str, f64)> {
    let m = &l.page_metrics;
    let complete = (v.progress.iter())
        .find(|p| p.percent >= 100.0)
        .map(|p| p.ms);
    let mut out: Vec<(&str, f64)> = [
        ("FCP", m.first_contentful_paint_ms),
        ("LCP", m.largest_contentful_paint_ms),
        ("load", m.load_event_ms),
        ("visually complete", complete),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?)))
    .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    out
}

/// The last moment a strip shows, milliseconds: what a time axis must reach to hold it.
pub(super) fn end_ms(l: &Load) -> f64 {
    let v = l.page_metrics.visual.as_ref();
    let last = v.and_then(|v| v.filmstrip.last()).map_or(0.0, |t| t.ms);
    v.map_or(0.0, |v| v.last_visual_change_ms).max(last)
}

/// Which of the strip's pictures to draw at `scale` pixels a millisecond: every one, or
/// every k-th so that they do not overlap; and their width.
fn thinned(strip: &[Thumbnail], scale: f64) -> (Vec<&Thumbnail>, f64) {
    let step = interval_of(strip);
    let pitch = (step * scale).max(1.0);
    let k = (MIN_PITCH / pitch).ceil().max(1.0) as usize;
    let width = (pitch * k as f64 - 6.0).min(MAX_WIDTH);
    let mut shown: Vec<&Thumbnail> = strip.iter().step_by(k).collect();
    // The last picture (the page as it ended up) always, in place of one too close to it.
    if let Some(last) = strip.last().filter(|_| strip.len() > 1) {
        if shown.last().is_some_and(|s| s.ms != last.ms) {
            if shown
                .last()
                .is_some_and(|s| (last.ms - s.ms) * scale < MIN_PITCH)
            {
                shown.pop();
            }
            shown.push(last);
        }
    }
    (shown, width)
}

/// The strip of one load as an SVG, on a time axis of `scale_ms` (as its waterfall);
/// `title` names it in the left column. Empty when the load has no visual metrics.
pub(super) fn strip(l: &Load, title: &str, scale_ms: f64) -> String {
    let Some(v) = l
        .page_metrics
        .visual
        .as_ref()
        .filter(|v| !v.filmstrip.is_empty())
    else {
        return String::new();
    };
    let scale = if scale_ms > 0.0 {
        WF_BAR / scale_ms
    } else {
        0.0
    };
    let (shown, w) = thinned(&v.filmstrip, scale);
    let h = w / ASPECT;
    let marks = marks(l, v);
    let lines = label_lines(&marks, scale);
    let curve_top = 8.0 + h + 18.0;
    let height =
        curve_top + CURVE + 6.0 + LINE * lines.iter().max().map_or(0.0, |n| *n as f64 + 1.0);
    let width = WF_WIDTH + w;
    let mut o = format!(
        "<div class=\"wf strip\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\">"
    );
    left_column(&mut o, title, v, h);
    let mut before: Option<f64> = None;
    for t in shown {
        let changed = before.is_some_and(|p| p != t.percent);
        picture(&mut o, t, (WF_LABEL + t.ms * scale, 8.0), (w, h), changed);
        before = Some(t.percent);
    }
    curve(&mut o, v, (curve_top, scale), scale_ms);
    for ((name, ms), line) in marks.iter().zip(&lines) {
        mark(&mut o, name, *ms, (scale, 4.0, curve_top + CURVE), *line);
    }
    o.push_str("</svg></div>");
    o
}

/// The left column: the strip's name and its figures.
fn left_column(o: &mut String, title: &str, v: &VisualMetrics, h: f64) {
    let y = 8.0 + h / 2.0;
    let still = match v.still_painting {
        true => " (still painting)",
        false => "",
    };
    let _ = write!(
        o,
        "<text x=\"20\" y=\"{:.1}\" font-weight=\"600\">{}</text>\
         <text x=\"20\" y=\"{:.1}\" fill=\"#5f6b7a\">Speed Index {} · visually complete {}{still}</text>\
         <text x=\"20\" y=\"{:.1}\" fill=\"#5f6b7a\">one picture every {}; orange: it changed</text>",
        y - 10.0,
        esc(title),
        y + 6.0,
        esc(&human_ms(v.speed_index_ms)),
        esc(&human_ms(v.visually_complete_99_ms)),
        y + 22.0,
        esc(&human_ms(interval_of(&v.filmstrip)))
    );
}

/// The strip's interval, milliseconds.
fn interval_of(strip: &[Thumbnail]) -> f64 {
    match strip {
        [a, b, ..] => b.ms - a.ms,
        _ => crate::trace::visual::interval(0.0),
    }
}

/// One picture at `(x, y)`, `(w, h)`, with its moment under it and a tooltip.
fn picture(o: &mut String, t: &Thumbnail, (x, y): (f64, f64), (w, h): (f64, f64), changed: bool) {
    let stroke = if changed { "#e8710a" } else { "#c5ccd6" };
    let width = if changed { 2.5 } else { 1.0 };
    let _ = write!(
        o,
        "<g class=\"frame\"><title>{} · {} % visually complete</title>\
         <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"#fff\"/>",
        esc(&human_ms(t.ms)),
        t.percent
    );
    if !t.jpeg_base64.is_empty() {
        let _ = write!(
            o,
            "<image x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" \
             preserveAspectRatio=\"xMidYMid meet\" href=\"data:image/jpeg;base64,{}\"/>",
            t.jpeg_base64
        );
    }
    let _ = write!(
        o,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"none\" \
         stroke=\"{stroke}\" stroke-width=\"{width}\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#5f6b7a\" font-size=\"11\">{} · {} %</text></g>",
        x + w / 2.0,
        y + h + 13.0,
        esc(&human_ms(t.ms)),
        t.percent
    );
}

/// The visual-progress curve as a step line from 0 % to its last point, carried to the end
/// of the axis, with its 0 and 100 % guides.
fn curve(o: &mut String, v: &VisualMetrics, (top, scale): (f64, f64), scale_ms: f64) {
    let x = |ms: f64| WF_LABEL + ms * scale;
    let y = |p: f64| top + CURVE * (1.0 - p / 100.0);
    let mut pts = format!("{:.1},{:.1}", x(0.0), y(0.0));
    let mut prev = 0.0;
    for p in &v.progress {
        let _ = write!(
            pts,
            " {:.1},{:.1} {:.1},{:.1}",
            x(p.ms),
            y(prev),
            x(p.ms),
            y(p.percent)
        );
        prev = p.percent;
    }
    let end = scale_ms.max(v.progress.last().map_or(0.0, |p| p.ms));
    let _ = write!(pts, " {:.1},{:.1}", x(end), y(prev));
    let _ = write!(
        o,
        "<text x=\"20\" y=\"{:.1}\" fill=\"#5f6b7a\">visual progress</text>\
         <line x1=\"{l:.1}\" y1=\"{t:.1}\" x2=\"{r:.1}\" y2=\"{t:.1}\" stroke=\"#e3e7ed\"/>\
         <line x1=\"{l:.1}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\" stroke=\"#e3e7ed\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#5f6b7a\" font-size=\"10\">100 %</text>\
         <polyline points=\"{pts}\" fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2\"/>",
        top + CURVE / 2.0 + 4.0,
        x(0.0) - 4.0,
        y(100.0) + 4.0,
        l = x(0.0),
        r = x(end),
        t = y(100.0),
        b = y(0.0),
    );
}

/// Which line under the curve each marker's label goes on, so that close ones do not
/// overlap: the first line that is free at its place.
fn label_lines(marks: &[(&str, f64)], scale: f64) -> Vec<usize> {
    let mut ends: Vec<f64> = Vec::new();
    let mut out = Vec::new();
    for (name, ms) in marks {
        let x = ms * scale;
        let line = ends.iter().position(|e| *e < x).unwrap_or(ends.len());
        let end = x + 7.0 * (name.len() + 8) as f64;
        match ends.get_mut(line) {
            Some(e) => *e = end,
            None => ends.push(end),
        }
        out.push(line);
    }
    out
}

/// A moment marked with a dashed line through the strip and its label under the curve.
fn mark(o: &mut String, name: &str, ms: f64, (scale, top, bottom): (f64, f64, f64), line: usize) {
    let x = WF_LABEL + ms * scale;
    let colour = match name {
        "visually complete" => "#0f9d58",
        "load" => "#5f6b7a",
        _ => "#b03a2e",
    };
    let _ = write!(
        o,
        "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"{colour}\" stroke-dasharray=\"3 3\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\" font-size=\"11\">{} {}</text>",
        x + 2.0,
        bottom + 12.0 + LINE * line as f64,
        esc(name),
        esc(&human_ms(ms))
    );
}
