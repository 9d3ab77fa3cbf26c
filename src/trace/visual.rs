//! What the visitor saw: the screenshots a load's trace holds (DevTools'
//! `disabled-by-default-devtools.screenshot` category), read into visual progress by the
//! histogram method of WebPageTest as speedline (Lighthouse's library) computes it: a frame's
//! progress is how far its colour histograms (near-white pixels left out) have moved from
//! the blank start towards the last frame's, in whole percent; Speed Index is the first
//! visual change plus the area above the progress curve after it.

use super::TraceEvent;
use serde::{Deserialize, Serialize};

/// Most screenshots read from one load: about a minute of frames at 30 a second. A page
/// that never stops painting (an animation) keeps the first ones and says so.
pub const MAX_FRAMES: usize = 1800;

/// The category Chromium records screenshots in.
pub const CATEGORY: &str = "disabled-by-default-devtools.screenshot";

/// A load's visual metrics, milliseconds from the start of the load.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct VisualMetrics {
    /// The first frame that differs from the blank start.
    pub first_visual_change_ms: f64,
    /// Speed Index: the first visual change plus the time-weighted share of the page not
    /// yet shown after it.
    pub speed_index_ms: f64,
    /// The first frame at least 85 % of the way to the last.
    pub visually_complete_85_ms: f64,
    /// The same, 95 %.
    pub visually_complete_95_ms: f64,
    /// The same, 99 %.
    pub visually_complete_99_ms: f64,
    /// The last frame that changed.
    pub last_visual_change_ms: f64,
    /// Distinct frames read.
    pub frames: usize,
    /// More frames than [`MAX_FRAMES`] were painted: the figures are of the first ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
    /// The page was still painting when the recording ended (its last change within
    /// [`STILL_PAINTING_MS`] of the end: an animation, a carousel): visually complete is
    /// measured against the last frame recorded, not a settled page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub still_painting: bool,
    /// Visual progress after each frame that changed it, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress: Vec<Progress>,
    /// What the visitor saw at fixed intervals from the start to the last change: at most
    /// [`MAX_THUMBNAILS`] of Chromium's screenshots, as it recorded them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filmstrip: Vec<Thumbnail>,
}

/// Visual progress at a moment of the load.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Progress {
    /// Milliseconds from the start of the load.
    pub ms: f64,
    /// Percent of the way from the blank start to the last frame, whole.
    pub percent: f64,
}

/// One picture of the filmstrip: the frame on screen at `ms`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Thumbnail {
    /// The moment, milliseconds from the start of the load (a multiple of the strip's
    /// interval).
    pub ms: f64,
    /// Visual progress at that moment, percent.
    pub percent: f64,
    /// The screenshot on screen then: a JPEG, base64 (as Chromium records it: at most
    /// 500 pixels a side).
    pub jpeg_base64: String,
}

/// Most pictures in a filmstrip.
pub const MAX_THUMBNAILS: usize = 24;

/// A last change this close to the end of the recording (milliseconds) means the page had
/// not stopped painting: a load ends after a second without requests, which a settled page
/// spends without a frame.
pub const STILL_PAINTING_MS: f64 = 300.0;

/// A frame: when it was painted (milliseconds on the trace's clock) and its colour
/// histograms, near-white pixels left out.
struct Frame<'a> {
    ms: f64,
    histogram: Box<[[u32; 256]; 3]>,
    jpeg_base64: &'a str,
}

/// The visual metrics of the screenshots painted from `origin_ms` (milliseconds on the
/// trace's clock) on; `None` when there are none, or when no frame shows anything (a blank
/// page: Speed Index is unknown, not 0).
pub fn visual_metrics(events: &[TraceEvent], origin_ms: f64) -> Option<VisualMetrics> {
    let (frames, cut) = frames(events, origin_ms);
    let last = frames.last()?;
    // A page that never showed anything but white has no progress to measure.
    if last.histogram.iter().all(|c| c.iter().all(|n| *n == 0)) {
        return None;
    }
    let blank = Box::new([[0u32; 256]; 3]);
    let progress: Vec<f64> = (frames.iter())
        .map(|f| progress(&f.histogram, &blank, &last.histogram))
        .collect();
    let first = frames.iter().zip(&progress).position(|(_, p)| *p > 0.0)?;
    let at = |i: usize| frames[i].ms - origin_ms;
    let complete = |share: f64| {
        let i = progress
            .iter()
            .position(|p| *p >= share)
            .unwrap_or(frames.len() - 1);
        at(i)
    };
    let end_ms = events.iter().map(|e| e.ts / 1000.0).fold(last.ms, f64::max);
    Some(VisualMetrics {
        first_visual_change_ms: at(first),
        speed_index_ms: speed_index(&frames, &progress, first, origin_ms),
        visually_complete_85_ms: complete(85.0),
        visually_complete_95_ms: complete(95.0),
        visually_complete_99_ms: complete(99.0),
        last_visual_change_ms: at(frames.len() - 1),
        frames: frames.len(),
        cut,
        still_painting: end_ms - last.ms < STILL_PAINTING_MS,
        progress: curve(&frames, &progress, origin_ms),
        filmstrip: filmstrip(&frames, &progress, origin_ms),
    })
}

/// The progress curve: each frame that changed the progress, with its percent.
fn curve(frames: &[Frame], progress: &[f64], origin_ms: f64) -> Vec<Progress> {
    let mut out: Vec<Progress> = Vec::new();
    for (f, p) in frames.iter().zip(progress) {
        if out.last().is_none_or(|l| l.percent != *p) {
            out.push(Progress {
                ms: f.ms - origin_ms,
                percent: *p,
            });
        }
    }
    out
}

/// The frames on screen at fixed intervals from the start to the last change (and one
/// past it), the interval a round number of milliseconds (100, 200, 500, 1,000 ...) that
/// keeps the strip to [`MAX_THUMBNAILS`].
fn filmstrip(frames: &[Frame], progress: &[f64], origin_ms: f64) -> Vec<Thumbnail> {
    let span = frames.last().map_or(0.0, |f| f.ms - origin_ms);
    let step = interval(span);
    let mut out = Vec::new();
    let mut t = 0.0;
    loop {
        // The frame on screen at `t`: the last painted at or before it.
        let shown = frames.iter().rposition(|f| f.ms - origin_ms <= t);
        out.push(match shown {
            Some(i) => Thumbnail {
                ms: t,
                percent: progress[i],
                jpeg_base64: frames[i].jpeg_base64.to_string(),
            },
            None => Thumbnail {
                ms: t,
                percent: 0.0,
                jpeg_base64: String::new(),
            },
        });
        if t >= span || out.len() == MAX_THUMBNAILS {
            return out;
        }
        t += step;
    }
}

/// The filmstrip's interval for a load whose last change came `span_ms` in.
pub fn interval(span_ms: f64) -> f64 {
    let wanted = span_ms / (MAX_THUMBNAILS - 1) as f64;
    let mut p = 100.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if m * p >= wanted {
                return m * p;
            }
        }
        p *= 10.0;
    }
}

/// Speed Index as speedline sums it: the first visual change, then each frame after it
/// weighted by the share not yet shown in the frame before.
fn speed_index(frames: &[Frame], progress: &[f64], first: usize, origin_ms: f64) -> f64 {
    let mut si = frames[first].ms - origin_ms;
    let (mut prev_ms, mut prev) = (origin_ms, 0.0);
    for (f, p) in frames.iter().zip(progress) {
        if f.ms > frames[first].ms {
            si += (f.ms - prev_ms) * (1.0 - prev / 100.0);
        }
        (prev_ms, prev) = (f.ms, *p);
    }
    si
}

/// How far `current` has moved from `initial` towards `target`, in whole percent (100 when
/// all three are alike).
fn progress(current: &[[u32; 256]; 3], initial: &[[u32; 256]; 3], target: &[[u32; 256]; 3]) -> f64 {
    let (mut matched, mut total) = (0u64, 0u64);
    for c in 0..3 {
        for v in 0..256 {
            let now = u64::from(current[c][v].abs_diff(initial[c][v]));
            let whole = u64::from(target[c][v].abs_diff(initial[c][v]));
            matched += now.min(whole);
            total += whole;
        }
    }
    if total == 0 {
        return 100.0;
    }
    (matched as f64 / total as f64 * 100.0).floor()
}

/// The distinct screenshots painted from `origin_ms` on, in order, up to [`MAX_FRAMES`]
/// (and whether there were more); a screenshot that does not decode is left out.
fn frames(events: &[TraceEvent], origin_ms: f64) -> (Vec<Frame<'_>>, bool) {
    let mut shots: Vec<(f64, &str)> = (events.iter())
        .filter(|e| e.cat.contains(CATEGORY) && e.ts / 1000.0 >= origin_ms)
        .filter_map(|e| Some((e.ts / 1000.0, e.args.get("snapshot")?.as_str()?)))
        .collect();
    shots.sort_by(|a, b| a.0.total_cmp(&b.0));
    shots.dedup_by(|b, a| a.1 == b.1);
    let cut = shots.len() > MAX_FRAMES;
    let frames = (shots.into_iter().take(MAX_FRAMES))
        .filter_map(|(ms, b64)| {
            Some(Frame {
                ms,
                histogram: histogram(b64)?,
                jpeg_base64: b64,
            })
        })
        .collect();
    (frames, cut)
}

/// A base64 JPEG's colour histograms, pixels white or nearly (each channel 249 or more)
/// left out, as speedline counts them.
fn histogram(b64: &str) -> Option<Box<[[u32; 256]; 3]>> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let mut decoder = jpeg_decoder::Decoder::new(&bytes[..]);
    let pixels = decoder.decode().ok()?;
    let info = decoder.info()?;
    if info.pixel_format != jpeg_decoder::PixelFormat::RGB24 {
        return None;
    }
    let mut h = Box::new([[0u32; 256]; 3]);
    for px in pixels.chunks_exact(3) {
        if px.iter().all(|c| *c >= 249) {
            continue;
        }
        for (c, v) in px.iter().enumerate() {
            h[c][usize::from(*v)] += 1;
        }
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(pairs: &[(usize, u32)]) -> Box<[[u32; 256]; 3]> {
        let mut h = Box::new([[0u32; 256]; 3]);
        for &(v, n) in pairs {
            for c in h.iter_mut() {
                c[v] = n;
            }
        }
        h
    }

    #[test]
    fn progress_is_the_share_of_the_way_to_the_last_frame_in_whole_percent() {
        let blank = hist(&[]);
        let last = hist(&[(10, 100), (200, 100)]);
        assert_eq!(progress(&blank, &blank, &last), 0.0);
        assert_eq!(progress(&hist(&[(10, 100)]), &blank, &last), 50.0);
        assert_eq!(
            progress(&hist(&[(10, 100), (200, 33)]), &blank, &last),
            66.0
        );
        assert_eq!(progress(&last, &blank, &last), 100.0);
        assert_eq!(progress(&blank, &blank, &blank), 100.0);
    }

    #[test]
    fn speed_index_adds_the_area_above_the_progress_curve_after_the_first_change() {
        let f = |ms: f64| Frame {
            ms,
            histogram: hist(&[]),
            jpeg_base64: "",
        };
        // Blank until 100 ms, half shown at 100 ms, whole at 300 ms: 100 + 200 x 0.5.
        let frames = [f(0.0), f(100.0), f(300.0)];
        assert_eq!(speed_index(&frames, &[0.0, 50.0, 100.0], 1, 0.0), 200.0);
    }

    /// A screenshot event at `ms` (trace clock) of one of the two recorded frames.
    fn shot(ms: f64, painted: bool) -> TraceEvent {
        use base64::Engine;
        let jpeg: &[u8] = if painted {
            include_bytes!("../../fixtures/frames/painted.jpg")
        } else {
            include_bytes!("../../fixtures/frames/blank.jpg")
        };
        let b64 = base64::engine::general_purpose::STANDARD.encode(jpeg);
        screenshot(ms, &b64)
    }

    fn screenshot(ms: f64, b64: &str) -> TraceEvent {
        TraceEvent {
            name: "Screenshot".into(),
            cat: CATEGORY.into(),
            ph: "O".into(),
            ts: ms * 1000.0,
            dur: None,
            pid: 1,
            tid: 1,
            args: serde_json::json!({ "snapshot": b64 }),
        }
    }

    fn end(ms: f64) -> TraceEvent {
        TraceEvent {
            name: "RunTask".into(),
            cat: "toplevel".into(),
            ph: "X".into(),
            ts: ms * 1000.0,
            dur: Some(10.0),
            pid: 1,
            tid: 1,
            args: serde_json::Value::Null,
        }
    }

    #[test]
    fn the_filmstrip_interval_is_round_and_keeps_the_strip_short() {
        assert_eq!(interval(0.0), 100.0);
        assert_eq!(interval(2300.0), 100.0);
        assert_eq!(interval(2301.0), 200.0);
        assert_eq!(interval(10_000.0), 500.0);
        assert_eq!(interval(60_000.0), 5000.0);
        for span in [0.0, 999.0, 4321.0, 77_777.0, 1e6] {
            assert!(span / interval(span) <= (MAX_THUMBNAILS - 1) as f64);
        }
    }

    #[test]
    fn the_filmstrip_shows_the_frame_on_screen_at_each_moment_until_the_last_change() {
        // Origin 1,000 ms; blank at 1,050, painted at 1,420; the recording ends at 3,000.
        let events = [shot(1050.0, false), shot(1420.0, true), end(3000.0)];
        let v = visual_metrics(&events, 1000.0).expect("frames");
        let at: Vec<(f64, f64, bool)> = (v.filmstrip.iter())
            .map(|t| (t.ms, t.percent, t.jpeg_base64.is_empty()))
            .collect();
        assert_eq!(
            at,
            [
                (0.0, 0.0, true),
                (100.0, 0.0, false),
                (200.0, 0.0, false),
                (300.0, 0.0, false),
                (400.0, 0.0, false),
                (500.0, 100.0, false),
            ]
        );
        assert_eq!(v.first_visual_change_ms, 420.0);
        assert_eq!(v.progress.len(), 2);
        assert_eq!((v.progress[1].ms, v.progress[1].percent), (420.0, 100.0));
        assert!(!v.still_painting, "1.6 s without a frame before the end");
    }

    #[test]
    fn a_page_painting_until_the_end_of_the_recording_is_marked() {
        let mut events = vec![shot(1050.0, false)];
        for i in 0..20 {
            events.push(shot(1100.0 + 100.0 * f64::from(i), i % 2 == 1));
        }
        events.push(end(3050.0));
        let v = visual_metrics(&events, 1000.0).expect("frames");
        assert!(v.still_painting);
        assert!(v.filmstrip.len() <= MAX_THUMBNAILS);
    }

    #[test]
    fn frames_past_the_limit_are_not_read_and_the_cut_is_said() {
        let events: Vec<TraceEvent> = (0..MAX_FRAMES + 5)
            .map(|i| screenshot(i as f64, &format!("not-a-jpeg-{i}")))
            .collect();
        let (frames, cut) = frames(&events, 0.0);
        assert!(cut);
        assert!(frames.is_empty(), "undecodable frames are left out");
        let (_, cut) = super::frames(&events[..MAX_FRAMES], 0.0);
        assert!(!cut);
    }
}
