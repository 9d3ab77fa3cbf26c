//! The page metrics that runs summarise, comparisons test and gates judge: one enum, so a
//! metric's name, unit and better direction are decided once.

use crate::model::Load;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A figure of one load.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Metric {
    /// Time to the first byte of the final document response.
    #[serde(rename = "document_ttfb_ms")]
    DocumentTtfb,
    /// Time to the last byte of the last request.
    #[serde(rename = "fully_loaded_ms")]
    FullyLoaded,
    /// Requests made (redirect hops included, blocked ones not).
    #[serde(rename = "requests")]
    Requests,
    /// Bytes on the wire.
    #[serde(rename = "transfer_bytes")]
    TransferBytes,
    /// Bytes after content decoding.
    #[serde(rename = "decoded_bytes")]
    DecodedBytes,
    /// Grams of CO2e of the bytes on the wire (the Sustainable Web Design model v4).
    #[serde(rename = "co2e_grams")]
    Co2e,
    /// US dollars a view costs a visitor on mobile data, at the price asked for.
    #[serde(rename = "data_cost_usd")]
    DataCost,
    /// Bytes the page could shed (`--savings`): brotli on its uncompressed text, its images'
    /// smallest candidates.
    #[serde(rename = "savings_bytes")]
    Savings,
    /// The `DOMContentLoaded` event (browser engine).
    #[serde(rename = "dom_content_loaded_ms")]
    DomContentLoaded,
    /// The `load` event (browser engine).
    #[serde(rename = "load_event_ms")]
    LoadEvent,
    /// First contentful paint (browser engine).
    #[serde(rename = "first_contentful_paint_ms")]
    FirstContentfulPaint,
    /// Largest contentful paint (browser engine).
    #[serde(rename = "largest_contentful_paint_ms")]
    LargestContentfulPaint,
    /// Speed Index, from the load's screenshots (browser engine).
    #[serde(rename = "speed_index_ms")]
    SpeedIndex,
    /// Total blocking time (browser engine).
    #[serde(rename = "total_blocking_time_ms")]
    TotalBlockingTime,
    /// Cumulative layout shift, a unitless score (browser engine).
    #[serde(rename = "cumulative_layout_shift")]
    CumulativeLayoutShift,
    /// Main-thread time: every task of the page's renderer main threads (browser engine,
    /// from the load's trace).
    #[serde(rename = "main_thread_ms")]
    MainThread,
    /// Main-thread blocking time: each task's part past 50 ms, over the whole load (browser
    /// engine, from the load's trace).
    #[serde(rename = "main_thread_blocking_ms")]
    MainThreadBlocking,
}

/// What a metric counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Milliseconds.
    Ms,
    /// Requests.
    Count,
    /// Bytes.
    Bytes,
    /// A unitless score (layout shift).
    Score,
    /// Grams of CO2e.
    Grams,
    /// US dollars.
    Usd,
}

impl Unit {
    /// `ms`, `count` or `bytes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::Count => "count",
            Unit::Bytes => "bytes",
            Unit::Score => "score",
            Unit::Grams => "grams",
            Unit::Usd => "usd",
        }
    }
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 17] = [
        Metric::DocumentTtfb,
        Metric::FullyLoaded,
        Metric::Requests,
        Metric::TransferBytes,
        Metric::DecodedBytes,
        Metric::Co2e,
        Metric::DataCost,
        Metric::Savings,
        Metric::DomContentLoaded,
        Metric::LoadEvent,
        Metric::FirstContentfulPaint,
        Metric::LargestContentfulPaint,
        Metric::SpeedIndex,
        Metric::TotalBlockingTime,
        Metric::CumulativeLayoutShift,
        Metric::MainThread,
        Metric::MainThreadBlocking,
    ];

    /// The name used in JSON: `fully_loaded_ms`, `transfer_bytes` ...
    pub fn name(self) -> &'static str {
        match self {
            Metric::DocumentTtfb => "document_ttfb_ms",
            Metric::FullyLoaded => "fully_loaded_ms",
            Metric::Requests => "requests",
            Metric::TransferBytes => "transfer_bytes",
            Metric::DecodedBytes => "decoded_bytes",
            Metric::Co2e => "co2e_grams",
            Metric::DataCost => "data_cost_usd",
            Metric::Savings => "savings_bytes",
            Metric::DomContentLoaded => "dom_content_loaded_ms",
            Metric::LoadEvent => "load_event_ms",
            Metric::FirstContentfulPaint => "first_contentful_paint_ms",
            Metric::LargestContentfulPaint => "largest_contentful_paint_ms",
            Metric::SpeedIndex => "speed_index_ms",
            Metric::TotalBlockingTime => "total_blocking_time_ms",
            Metric::CumulativeLayoutShift => "cumulative_layout_shift",
            Metric::MainThread => "main_thread_ms",
            Metric::MainThreadBlocking => "main_thread_blocking_ms",
        }
    }

    /// Whether only a browser measures it (the static engine renders nothing).
    pub fn needs_browser(self) -> bool {
        matches!(
            self,
            Metric::DomContentLoaded
                | Metric::LoadEvent
                | Metric::FirstContentfulPaint
                | Metric::LargestContentfulPaint
                | Metric::SpeedIndex
                | Metric::TotalBlockingTime
                | Metric::CumulativeLayoutShift
                | Metric::MainThread
                | Metric::MainThreadBlocking
        )
    }

    /// Its unit.
    pub fn unit(self) -> Unit {
        match self {
            Metric::Requests => Unit::Count,
            Metric::TransferBytes | Metric::DecodedBytes | Metric::Savings => Unit::Bytes,
            Metric::CumulativeLayoutShift => Unit::Score,
            Metric::Co2e => Unit::Grams,
            Metric::DataCost => Unit::Usd,
            _ => Unit::Ms,
        }
    }

    /// A timing: it varies from run to run, so a difference needs a test. Sizes and counts
    /// of a deterministic page are the same in every run.
    pub fn is_timing(self) -> bool {
        self.unit() == Unit::Ms
    }

    /// Whether less is better (true of every metric measured today: time, requests, bytes,
    /// layout shift).
    pub fn lower_is_better(self) -> bool {
        true
    }

    /// Its value in a load; `None` when the load could not measure it.
    pub fn of(self, load: &Load) -> Option<f64> {
        match self {
            Metric::DocumentTtfb => load.document_ttfb_ms,
            Metric::FullyLoaded => Some(load.fully_loaded_ms),
            Metric::Requests => Some(load.totals.requests as f64),
            Metric::TransferBytes => Some(load.totals.transfer_bytes as f64),
            Metric::DecodedBytes => Some(load.totals.decoded_bytes as f64),
            Metric::Co2e => load.carbon.as_ref().map(|c| c.total_g),
            Metric::DataCost => load.data_cost.as_ref().map(|c| c.total_usd),
            Metric::Savings => load.savings.as_ref().map(|s| s.saved_bytes() as f64),
            Metric::DomContentLoaded => load.page_metrics.dom_content_loaded_ms,
            Metric::LoadEvent => load.page_metrics.load_event_ms,
            Metric::FirstContentfulPaint => load.page_metrics.first_contentful_paint_ms,
            Metric::LargestContentfulPaint => load.page_metrics.largest_contentful_paint_ms,
            Metric::SpeedIndex => (load.page_metrics.visual.as_ref()).map(|v| v.speed_index_ms),
            Metric::TotalBlockingTime => load.page_metrics.total_blocking_time_ms,
            Metric::CumulativeLayoutShift => load.page_metrics.cumulative_layout_shift,
            Metric::MainThread => load.main_thread.as_ref().map(|m| m.total_ms),
            Metric::MainThreadBlocking => load.main_thread.as_ref().map(|m| m.blocking_ms),
        }
    }

    /// A metric as a user writes it in a gate: `bytes`, `decoded`, `co2e` (`carbon`),
    /// `requests`, `ttfb`, `si` (Speed Index),
    /// `fully_loaded`, `dcl`, `onload`, `fcp`, `lcp`, `tbt`, `cls`, `main_thread` (`cpu`),
    /// `blocking` (or the JSON names, or
    /// Lighthouse's names: `first-contentful-paint` ...).
    pub fn parse(s: &str) -> Option<Metric> {
        Some(match s {
            "bytes" | "transfer_bytes" | "transferred" => Metric::TransferBytes,
            "decoded" | "decoded_bytes" => Metric::DecodedBytes,
            "co2e" | "co2e_grams" | "carbon" => Metric::Co2e,
            "cost" | "data_cost" | "data_cost_usd" => Metric::DataCost,
            "savings" | "savings_bytes" => Metric::Savings,
            "requests" => Metric::Requests,
            "ttfb" | "document_ttfb" | "document_ttfb_ms" => Metric::DocumentTtfb,
            "fully_loaded" | "fully_loaded_ms" | "load" | "fully-loaded" => Metric::FullyLoaded,
            "time-to-first-byte" | "server-response-time" => Metric::DocumentTtfb,
            "dcl" | "dom_content_loaded_ms" | "dom-content-loaded" => Metric::DomContentLoaded,
            "onload" | "load_event" | "load_event_ms" | "load-event" => Metric::LoadEvent,
            "fcp" | "first_contentful_paint_ms" | "first-contentful-paint" => {
                Metric::FirstContentfulPaint
            }
            "lcp" | "largest_contentful_paint_ms" | "largest-contentful-paint" => {
                Metric::LargestContentfulPaint
            }
            "si" | "speed_index" | "speed_index_ms" | "speed-index" => Metric::SpeedIndex,
            "tbt" | "total_blocking_time_ms" | "total-blocking-time" => Metric::TotalBlockingTime,
            "cls" | "cumulative_layout_shift" | "cumulative-layout-shift" => {
                Metric::CumulativeLayoutShift
            }
            "main_thread"
            | "main_thread_ms"
            | "main-thread-time"
            | "mainthread-work-breakdown"
            | "cpu" => Metric::MainThread,
            "blocking"
            | "main_thread_blocking"
            | "main_thread_blocking_ms"
            | "main-thread-blocking-time" => Metric::MainThreadBlocking,
            _ => return None,
        })
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_units_and_gate_spellings_agree() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.name()), Some(m));
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.name()));
            assert_eq!(m.is_timing(), m.name().ends_with("_ms"));
        }
        assert_eq!(Metric::parse("bytes"), Some(Metric::TransferBytes));
        assert_eq!(Metric::parse("speed"), None);
        assert_eq!(Metric::FullyLoaded.unit().as_str(), "ms");
    }
}
