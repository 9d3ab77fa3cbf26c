//! Network profiles: a round-trip time and bandwidths, by name (Chrome DevTools',
//! Lighthouse's and WebPageTest's published figures) or custom. Data only: the throttled I/O
//! that applies a profile lives in `net::throttle`, the replay that estimates one in
//! `estimate`.

use serde::{Deserialize, Serialize};

/// Longest round trip a custom profile may have (a satellite link is about 600 ms).
pub const MAX_RTT_MS: f64 = 60_000.0;
/// Fastest bandwidth a custom profile may have, kbit/s (100 Gbit/s).
pub const MAX_KBPS: f64 = 100_000_000.0;

fn plausible(rtt: f64, down: f64, up: f64) -> bool {
    (0.0..=MAX_RTT_MS).contains(&rtt)
        && (0.0..=MAX_KBPS).contains(&down)
        && (0.0..=MAX_KBPS).contains(&up)
}

/// A network profile: round-trip time and bandwidths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Profile {
    /// Name (`lte`, `slow-4g` ... or `custom`).
    pub name: String,
    /// Round-trip time added to every exchange.
    pub rtt_ms: f64,
    /// Download bandwidth in kbit/s (1 kbit = 1000 bits); 0 = unlimited.
    pub down_kbps: f64,
    /// Upload bandwidth in kbit/s; 0 = unlimited.
    pub up_kbps: f64,
}

/// The named profiles, with their published numbers.
pub const PROFILES: &[(&str, &str, f64, f64, f64)] = &[
    (
        "lighthouse-mobile",
        "Lighthouse mobile (simulated slow 4G)",
        150.0,
        1638.4,
        750.0,
    ),
    ("slow-4g", "Chrome DevTools Slow 4G", 562.5, 1440.0, 675.0),
    ("fast-4g", "Chrome DevTools Fast 4G", 165.0, 8100.0, 1350.0),
    ("3g", "Chrome DevTools 3G", 2000.0, 400.0, 400.0),
    ("lte", "WebPageTest LTE", 70.0, 12000.0, 12000.0),
    ("cable", "WebPageTest Cable", 28.0, 5000.0, 1000.0),
];

impl Profile {
    /// A named profile or `custom:RTT_MS,DOWN_KBPS,UP_KBPS`.
    pub fn parse(s: &str) -> Result<Profile, String> {
        let lower = s.trim().to_ascii_lowercase();
        if let Some(spec) = lower.strip_prefix("custom:") {
            let nums: Result<Vec<f64>, _> =
                spec.split(',').map(|n| n.trim().parse::<f64>()).collect();
            return match nums.as_deref() {
                Ok([rtt, down, up]) if plausible(*rtt, *down, *up) => Ok(Profile {
                    name: format!("custom:{rtt},{down},{up}"),
                    rtt_ms: *rtt,
                    down_kbps: *down,
                    up_kbps: *up,
                }),
                _ => Err(format!(
                    "'{s}': expected custom:RTT_MS,DOWN_KBPS,UP_KBPS: a round trip of 0 to \
                     {MAX_RTT_MS} ms, bandwidths of 0 (unlimited) to {MAX_KBPS} kbit/s"
                )),
            };
        }
        PROFILES
            .iter()
            .find(|p| p.0 == lower)
            .map(|p| Profile {
                name: p.0.to_string(),
                rtt_ms: p.2,
                down_kbps: p.3,
                up_kbps: p.4,
            })
            .ok_or_else(|| {
                let names: Vec<&str> = PROFILES.iter().map(|p| p.0).collect();
                format!(
                    "unknown profile '{s}' (known: {}, or custom:RTT_MS,DOWN_KBPS,UP_KBPS)",
                    names.join(", ")
                )
            })
    }

    /// Download bandwidth in bytes per second (`None`: unlimited).
    pub fn down_bytes_per_sec(&self) -> Option<f64> {
        (self.down_kbps > 0.0).then(|| self.down_kbps * 1000.0 / 8.0)
    }

    /// How much slower than this machine a browser's CPU runs under this profile: 4x for the
    /// mobile network profiles (Lighthouse's mobile preset emulates a mid-range phone so),
    /// 1x for the desktop-class ones (LTE and cable as WebPageTest runs them on desktop
    /// Chrome) and custom profiles. Applied by the browser engine only.
    pub fn cpu_slowdown(&self) -> f64 {
        match self.name.as_str() {
            "lighthouse-mobile" | "slow-4g" | "fast-4g" | "3g" => 4.0,
            _ => 1.0,
        }
    }

    /// Upload bandwidth in bytes per second (`None`: unlimited).
    pub fn up_bytes_per_sec(&self) -> Option<f64> {
        (self.up_kbps > 0.0).then(|| self.up_kbps * 1000.0 / 8.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_profiles_must_be_finite_and_plausible() {
        assert!(Profile::parse("custom:70,12000,12000").is_ok());
        assert!(Profile::parse("custom:0,0,0").is_ok());
        for bad in [
            "custom:1e7,100,100",
            "custom:inf,1,1",
            "custom:NaN,1,1",
            "custom:-1,1,1",
        ] {
            let e = Profile::parse(bad).unwrap_err();
            assert!(e.contains("round trip of 0 to 60000 ms"), "{bad}: {e}");
        }
        assert!(Profile::parse("custom:10,1e12,1").is_err());
        assert!(Profile::parse("lte").is_ok());
        assert!(Profile::parse("5g")
            .unwrap_err()
            .contains("unknown profile"));
    }
}
