//! The page metrics that runs summarise, comparisons test and gates judge: one enum, so a
//! metric's name, unit and better direction are decided once.

use crate::model::Load;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A figure of one load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
}

/// What a metric counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Milliseconds.
    Ms,
    /// Requests.
    Count,
    /// Bytes.
    Bytes,
}

impl Unit {
    /// `ms`, `count` or `bytes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::Count => "count",
            Unit::Bytes => "bytes",
        }
    }
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 5] = [
        Metric::DocumentTtfb,
        Metric::FullyLoaded,
        Metric::Requests,
        Metric::TransferBytes,
        Metric::DecodedBytes,
    ];

    /// The name used in JSON: `fully_loaded_ms`, `transfer_bytes` ...
    pub fn name(self) -> &'static str {
        match self {
            Metric::DocumentTtfb => "document_ttfb_ms",
            Metric::FullyLoaded => "fully_loaded_ms",
            Metric::Requests => "requests",
            Metric::TransferBytes => "transfer_bytes",
            Metric::DecodedBytes => "decoded_bytes",
        }
    }

    /// Its unit.
    pub fn unit(self) -> Unit {
        match self {
            Metric::DocumentTtfb | Metric::FullyLoaded => Unit::Ms,
            Metric::Requests => Unit::Count,
            Metric::TransferBytes | Metric::DecodedBytes => Unit::Bytes,
        }
    }

    /// A timing: it varies from run to run, so a difference needs a test. Sizes and counts
    /// of a deterministic page are the same in every run.
    pub fn is_timing(self) -> bool {
        self.unit() == Unit::Ms
    }

    /// Whether less is better (true of every metric measured today: time, requests, bytes).
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
        }
    }

    /// A metric as a user writes it in a gate: `bytes`, `decoded`, `requests`, `ttfb`,
    /// `fully_loaded` (or the JSON names).
    pub fn parse(s: &str) -> Option<Metric> {
        Some(match s {
            "bytes" | "transfer_bytes" | "transferred" => Metric::TransferBytes,
            "decoded" | "decoded_bytes" => Metric::DecodedBytes,
            "requests" => Metric::Requests,
            "ttfb" | "document_ttfb" | "document_ttfb_ms" => Metric::DocumentTtfb,
            "fully_loaded" | "fully_loaded_ms" | "load" => Metric::FullyLoaded,
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
