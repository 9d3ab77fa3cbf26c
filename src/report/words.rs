//! Verdicts in words: the one place a comparison's findings become prose, for every report
//! (terminal, Markdown, HTML and the `verdict` strings of the JSON contract).

use super::{human_bytes, human_ms};
use crate::model::urls::redact_url;
use crate::verdict::compare::Verdict;
use crate::verdict::gate::{GateCheck, GateState};
use crate::verdict::metric::Unit;
use std::fmt;

/// An amount in its unit, without sign: `3.4 ms`, `12.0 kB`, `80`.
pub fn amount(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Ms => human_ms(v.abs()),
        Unit::Bytes => human_bytes(v.abs().round() as u64),
        Unit::Count => format!("{:.0}", v.abs()),
        Unit::Score => format!("{:.3}", v.abs()),
        Unit::Grams => grams(v.abs()),
        Unit::Usd => usd(v.abs()),
    }
}

/// A metric's name in prose: `fully loaded`, `first contentful paint`.
pub fn metric_label(m: crate::verdict::metric::Metric) -> String {
    m.name().trim_end_matches("_ms").replace('_', " ")
}

/// A browser metric's usual abbreviation (`FCP`, `LCP`, `TBT` ...).
pub fn abbreviation(m: crate::verdict::metric::Metric) -> String {
    use crate::verdict::metric::Metric as M;
    match m {
        M::DomContentLoaded => "DCL".into(),
        M::LoadEvent => "load".into(),
        M::FirstContentfulPaint => "FCP".into(),
        M::LargestContentfulPaint => "LCP".into(),
        M::SpeedIndex => "SI".into(),
        M::TotalBlockingTime => "TBT".into(),
        M::CumulativeLayoutShift => "CLS".into(),
        other => metric_label(other),
    }
}

/// The rendering metrics a load has (browser engine), each with its value in words, in
/// report order; empty for a static load.
pub fn rendering(l: &crate::model::Load) -> Vec<(crate::verdict::metric::Metric, String)> {
    crate::verdict::metric::Metric::ALL
        .into_iter()
        .filter(|m| m.needs_browser())
        .filter_map(|m| Some((m, amount(m.of(l)?, m.unit()))))
        .collect()
}

fn p_text(p: Option<f64>) -> String {
    p.map_or_else(
        || "the same in every run".to_string(),
        |p| format!("p={p:.3}"),
    )
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, diff, ratio, p) = match *self {
            Verdict::Same { p: Some(p) } => {
                return write!(f, "no significant difference (p={p:.3})")
            }
            Verdict::Same { p: None } => return f.write_str("no significant difference"),
            Verdict::Differs {
                unit,
                diff,
                ratio,
                p,
            } => (unit, diff, ratio, p),
        };
        let less = diff < 0.0;
        let factor = ratio
            .filter(|r| *r > 0.0)
            .map(|r| if less { 1.0 / r } else { r });
        let amount = amount(diff, unit);
        let p = p_text(p);
        if unit == Unit::Count {
            let x = factor.map_or_else(String::new, |f| format!(" ({f:.1}x)"));
            let fewer = if less { "fewer" } else { "more" };
            return write!(f, "B makes {amount} {fewer} requests{x}, {p}");
        }
        if unit == Unit::Score {
            let less = if less { "less" } else { "more" };
            return write!(f, "B's layout shifts {amount} {less}, {p}");
        }
        let (better, worse) = match unit {
            Unit::Ms => ("faster", "slower"),
            Unit::Grams => ("cleaner", "dirtier"),
            Unit::Usd => ("cheaper", "dearer"),
            _ => ("lighter", "heavier"),
        };
        let change = if less { "less" } else { "more" };
        match factor {
            Some(x) if (x - 1.0).abs() >= 0.05 => {
                let word = if less { better } else { worse };
                write!(f, "B is {x:.1}x {word}, {amount} {change}, {p}")
            }
            _ => write!(f, "B is {amount} {change}, {p}"),
        }
    }
}

/// In the JSON contract a verdict is its sentence.
impl serde::Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A verdict's schema: the sentence, a string.
impl schemars::JsonSchema for Verdict {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Verdict".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "The comparison's verdict in a sentence: \"no significant difference\", \"B is 1.5x heavier, 120.0 kB more, p=0.008\" ..."
        })
    }
}

/// Grams of CO2e, to three significant figures (`0.0672 g`, `1.24 g`, `312 g`).
pub fn grams(g: f64) -> String {
    if g == 0.0 {
        return "0 g".into();
    }
    let digits = (2 - g.abs().log10().floor() as i32).max(0) as usize;
    format!("{g:.digits$} g")
}

/// A load's visual metrics in a line: first change, Speed Index, visually complete at 85,
/// 95 and 99 %, last change, frames.
pub fn visual(v: &crate::trace::visual::VisualMetrics) -> String {
    let ms = |x: f64| human_ms(x);
    let cut = if v.cut { ", the first of more" } else { "" };
    let still = match v.still_painting {
        true => "; still painting when the recording ended: complete is against the last frame",
        false => "",
    };
    format!(
        "first change {} · Speed Index {} · complete {} / {} / {} (85 / 95 / 99 %) · last change {} ({} frames{cut}{still})",
        ms(v.first_visual_change_ms),
        ms(v.speed_index_ms),
        ms(v.visually_complete_85_ms),
        ms(v.visually_complete_95_ms),
        ms(v.visually_complete_99_ms),
        ms(v.last_visual_change_ms),
        v.frames
    )
}

/// The LCP element in a line: its path, and its image or the start of its text.
pub fn lcp_element(l: &crate::model::painted::LcpElement) -> String {
    let what = l
        .selector
        .as_deref()
        .or(l.tag.as_deref())
        .unwrap_or("an element no longer in the page");
    match (&l.url, &l.text) {
        (Some(u), _) => format!("{what} (image {})", redact_url(u)),
        (None, Some(t)) => format!("{what} (text \"{t}\")"),
        (None, None) => what.to_string(),
    }
}

/// A layout shift in a line: its score and moment, what moved and how far, and what was
/// inserted above it just before (with its tag).
pub fn layout_shift(s: &crate::model::painted::LayoutShift) -> String {
    let moved: Vec<String> = (s.moved.iter().take(2))
        .map(|m| {
            let (d, dir) = match (m.dx.abs() > m.dy.abs(), m.dx, m.dy) {
                (true, dx, _) => (dx.abs(), if dx > 0.0 { "right" } else { "left" }),
                (false, _, dy) => (dy.abs(), if dy > 0.0 { "down" } else { "up" }),
            };
            format!("{} moved {d:.0} px {dir}", m.selector)
        })
        .collect();
    let moved = match moved.is_empty() {
        true => "nothing the browser could name moved".to_string(),
        false => moved.join(", "),
    };
    let cause = match s.culprits.first() {
        None => "no element inserted above it just before (a font, an image without size?)".into(),
        Some(c) => match &c.tag {
            Some(t) => format!("after {} was inserted (tag {})", c.selector, redact_url(t)),
            None => format!("after {} was inserted", c.selector),
        },
    };
    format!("{:.3} at {}: {moved}; {cause}", s.score, human_ms(s.ms))
}

/// US dollars to three significant figures, cents at least (`US$0.00180`, `US$12.50`).
pub fn usd(v: f64) -> String {
    if v == 0.0 {
        return "US$0".into();
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(2) as usize;
    format!("US${v:.digits$}")
}

/// A load's data cost in a line: a view's price on mobile data, the third parties' part and
/// the heaviest tag's, and the price it was counted at.
pub fn data_cost(c: &crate::model::price::DataCost) -> String {
    let mut tags: Vec<(&String, &f64)> = c.by_tag.iter().collect();
    tags.sort_by(|a, b| b.1.total_cmp(a.1));
    let heaviest = match tags.first() {
        Some((url, v)) => format!(", the heaviest tag {} {}", redact_url(url), usd(**v)),
        None => String::new(),
    };
    format!(
        "{} a view on mobile data (third parties {}{heaviest}; {}/GB, {})",
        usd(c.total_usd),
        usd(c.third_party_usd),
        usd(c.price.usd_per_gb),
        c.price.source
    )
}

/// A load's carbon in a line: its grams a view, the model and grid, the third parties' part.
pub fn carbon(c: &crate::model::carbon::Carbon) -> String {
    let green = match c.green_hosts.len() {
        0 => String::new(),
        n => format!(", {n} green host pattern{}", if n == 1 { "" } else { "s" }),
    };
    let heaviest = match c.heaviest_tags().first() {
        Some((url, g)) => format!(", the heaviest tag {} {}", redact_url(url), grams(*g)),
        None => String::new(),
    };
    format!(
        "{} CO2e a view (third parties {}{heaviest}; Sustainable Web Design v4, grid {} g/kWh{green})",
        grams(c.total_g),
        grams(c.third_party_g),
        c.grid_intensity
    )
}

/// A verdict in a word, for narrow tables, with its p-value when `with_p`: `slower,
/// p=0.008`, `fewer, always`, `same, p=0.700`.
pub fn short(v: &Verdict, with_p: bool) -> String {
    let p = |p: Option<f64>| match (with_p, p) {
        (false, _) => String::new(),
        (true, Some(p)) => format!(", p={p:.3}"),
        (true, None) => ", always".to_string(),
    };
    match *v {
        Verdict::Same { p: Some(x) } if with_p => format!("same, p={x:.3}"),
        Verdict::Same { .. } => "same".into(),
        Verdict::Differs {
            unit, diff, p: pv, ..
        } => {
            let less = diff < 0.0;
            let word = match (unit, less) {
                (Unit::Ms, true) => "faster",
                (Unit::Ms, false) => "slower",
                (Unit::Bytes, true) => "lighter",
                (Unit::Bytes, false) => "heavier",
                (Unit::Count, true) => "fewer",
                (Unit::Count, false) => "more",
                (Unit::Score, true) => "steadier",
                (Unit::Score, false) => "shakier",
                (Unit::Grams, true) => "cleaner",
                (Unit::Grams, false) => "dirtier",
                (Unit::Usd, true) => "cheaper",
                (Unit::Usd, false) => "dearer",
            };
            format!("{word}{}", p(pv))
        }
    }
}

/// What an entity or tag present on one side only cost that side's main thread, in a
/// sentence: `Google/Doubleclick Ads (entity), only in A: 570 ms of main thread (p=0.008),
/// 330 ms of blocking time (p=0.008)`; `None` for one on both sides, or on neither.
pub fn one_sided_cpu(d: &crate::verdict::compare::CpuDiff) -> Option<String> {
    use crate::verdict::compare::{CpuScope, MetricDiff};
    let (m, b) = (&d.main_thread, d.blocking.as_ref());
    let (side, pick): (&str, fn(&MetricDiff) -> f64) = match (m.a.median > 0.0, m.b.median > 0.0) {
        _ if d.scope == CpuScope::Party => return None,
        (true, false) => ("A", |m| m.a.median),
        (false, true) => ("B", |m| m.b.median),
        _ => return None,
    };
    let p = |m: &MetricDiff| match (m.significant, m.p) {
        (true, Some(p)) => format!("p={p:.3}"),
        (false, Some(p)) => format!("not significant, p={p:.3}"),
        (_, None) => "the same in every run".into(),
    };
    let scope = if d.scope == CpuScope::Entity {
        "entity"
    } else {
        "tag"
    };
    let mut o = format!(
        "{} ({scope}), only in {side}: {} of main thread ({})",
        d.name,
        human_ms(pick(m)),
        p(m)
    );
    if let Some(b) = b {
        o.push_str(&format!(
            ", {} of blocking time ({})",
            human_ms(pick(b)),
            p(b)
        ));
    }
    Some(o)
}

/// A gate as written and its verdict: `bytes>+10%: tripped (B is 1.5x heavier, ...; one-sided
/// p=0.004 < 0.017)`.
pub fn gate_verdict(g: &GateCheck) -> String {
    let mut v = g
        .verdict
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    if let (Some(p), Some(level)) = (g.p, g.level) {
        let sign = if p < level { "<" } else { ">=" };
        v.push_str(&format!(
            "; over by more than the threshold: one-sided p={} {sign} {}",
            pvalue(p),
            pvalue(level)
        ));
    }
    let at = g
        .decided_at
        .map(|n| format!(" after {n} runs each"))
        .unwrap_or_default();
    let what = match g.state {
        GateState::NotMeasured => "metric not measured".to_string(),
        GateState::Tripped => format!("tripped{at} ({v})"),
        GateState::OverNotSignificant => format!("over the threshold but not significant ({v})"),
        GateState::Within => format!("within ({v})"),
        GateState::ShownWithin => format!("within, shown{at} ({v})"),
        GateState::Undecided => format!("undecided: out of runs ({v})"),
        GateState::Stopped => format!("not decided: the runs stopped at another gate's trip ({v})"),
    };
    format!("{}: {what}", g.gate)
}

/// How the gates were judged: `3 gates, their family-wise false-alarm rate held at 0.05
/// (Holm); --runs auto stopped at 12 runs of 30 after 8 looks (Hwang-Shih-DeCani ...)`.
pub fn gating(g: &crate::job::compare::Gating, runs: usize) -> String {
    let mut o = format!(
        "{} gate{}, the family-wise false-alarm rate held at {} (Holm)",
        g.gates,
        if g.gates == 1 { "" } else { "s" },
        g.alpha
    );
    if let (Some(looks), Some(max), Some(spending)) = (g.looks, g.max_runs, &g.spending) {
        o.push_str(&format!(
            "; --runs auto stopped at {runs} runs per variant of {max} after {looks} look{} \
             ({spending})",
            if looks == 1 { "" } else { "s" }
        ));
    }
    o
}

/// A p-value in three significant figures at most: `0.004`, `0.0167`, `1.2e-5`.
pub(super) fn pvalue(p: f64) -> String {
    if p >= 0.001 {
        format!("{:.3}", (p * 1000.0).round() / 1000.0)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        format!("{p:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn differs(unit: Unit, diff: f64, ratio: f64, p: Option<f64>) -> String {
        Verdict::Differs {
            unit,
            diff,
            ratio: Some(ratio),
            p,
        }
        .to_string()
    }

    #[test]
    fn verdicts_read_plainly() {
        assert_eq!(
            differs(Unit::Ms, -11_600.0, 2.7 / 14.3, Some(0.008)),
            "B is 5.3x faster, 11.60 s less, p=0.008"
        );
        assert_eq!(
            Verdict::Same { p: Some(0.7) }.to_string(),
            "no significant difference (p=0.700)"
        );
        assert_eq!(
            differs(Unit::Count, -80.0, 0.2, None),
            "B makes 80 fewer requests (5.0x), the same in every run"
        );
        assert_eq!(
            differs(Unit::Bytes, 789_000.0, 1_000_000.0 / 211_000.0, None),
            "B is 4.7x heavier, 789.0 kB more, the same in every run"
        );
        assert_eq!(
            differs(Unit::Ms, 1.0, 1.01, Some(0.01)),
            "B is 1.0 ms more, p=0.010"
        );
    }
}
