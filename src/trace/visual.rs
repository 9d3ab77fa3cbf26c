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
}

/// A frame: when it was painted (milliseconds on the trace's clock) and its colour
/// histograms, near-white pixels left out.
struct Frame {
    ms: f64,
    histogram: Box<[[u32; 256]; 3]>,
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
    Some(VisualMetrics {
        first_visual_change_ms: at(first),
        speed_index_ms: speed_index(&frames, &progress, first, origin_ms),
        visually_complete_85_ms: complete(85.0),
        visually_complete_95_ms: complete(95.0),
        visually_complete_99_ms: complete(99.0),
        last_visual_change_ms: at(frames.len() - 1),
        frames: frames.len(),
        cut,
    })
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
fn frames(events: &[TraceEvent], origin_ms: f64) -> (Vec<Frame>, bool) {
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
        };
        // Blank until 100 ms, half shown at 100 ms, whole at 300 ms: 100 + 200 x 0.5.
        let frames = [f(0.0), f(100.0), f(300.0)];
        assert_eq!(speed_index(&frames, &[0.0, 50.0, 100.0], 1, 0.0), 200.0);
    }
}
