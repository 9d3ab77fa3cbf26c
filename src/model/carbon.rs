//! The carbon of the bytes a page transfers: the Sustainable Web Design model, version 4
//! (SWDM v4), as the Green Web Foundation's CO2.js computes it (`perByte` of its `swd` model,
//! version 4, in `@tgwf/co2` 0.19): the energy of a gigabyte in data centres, networks and
//! the visitor's device, operational (at the grid's intensity) and embodied (at the global
//! intensity, whatever the grid), a green-hosted byte's data-centre operational energy
//! counted as free of carbon. Linear in bytes, so a page's grams are the sum of its
//! requests' and every split of them (party, entity, host) adds up to the whole.

use super::{Entry, Load};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The global average grid intensity SWDM v4 takes, grams of CO2e per kWh (Ember, 2022).
pub const GLOBAL_GRID_INTENSITY: f64 = 494.0;

/// The model's name, as outputs give it.
pub const MODEL: &str = "sustainable-web-design-v4";

/// Operational energy per gigabyte (10^9 bytes), kWh: data centre, network, device.
const OPERATIONAL_KWH_PER_GB: [f64; 3] = [0.055, 0.059, 0.08];

/// Embodied energy per gigabyte, kWh: data centre, network, device.
const EMBODIED_KWH_PER_GB: [f64; 3] = [0.012, 0.013, 0.081];

/// How bytes become grams: the grid's intensity for the operational energy, and the hosts
/// known to run on renewable energy (the Green Web Foundation's directory says which).
#[derive(Debug, Clone, PartialEq)]
pub struct CarbonModel {
    /// Grams of CO2e per kWh of the grid the operational energy comes from.
    pub grid_intensity: f64,
    /// Hosts (and their subdomains) whose data centres run on green energy.
    pub green_hosts: Vec<String>,
}

impl Default for CarbonModel {
    fn default() -> Self {
        CarbonModel {
            grid_intensity: GLOBAL_GRID_INTENSITY,
            green_hosts: Vec::new(),
        }
    }
}

impl CarbonModel {
    /// Grams of CO2e for `bytes` transferred, from a green host or not: CO2.js's `perByte`,
    /// summed in its order (data centre, network, device); nothing for less than a byte.
    pub fn grams(&self, bytes: u64, green: bool) -> f64 {
        if bytes < 1 {
            return 0.0;
        }
        let gb = bytes as f64 / 1e9;
        let op = OPERATIONAL_KWH_PER_GB.map(|kwh| gb * kwh * self.grid_intensity);
        let emb = EMBODIED_KWH_PER_GB.map(|kwh| gb * kwh * GLOBAL_GRID_INTENSITY);
        let green_factor = if green { 1.0 } else { 0.0 };
        let data_centre = op[0] * (1.0 - green_factor) + emb[0];
        let network = op[1] + emb[1];
        let device = op[2] + emb[2];
        data_centre + network + device
    }

    /// Whether a request's host is green-hosted.
    fn is_green(&self, e: &Entry) -> bool {
        let Some(host) = super::urls::host(&e.url) else {
            return false;
        };
        (self.green_hosts.iter()).any(|g| super::party::host_matches(&host, g))
    }

    /// A load's carbon: its requests' grams, summed whole, by party and by entity.
    pub fn of(&self, load: &Load) -> Carbon {
        let mut c = Carbon {
            model: MODEL.into(),
            grid_intensity: self.grid_intensity,
            green_hosts: self.green_hosts.clone(),
            ..Carbon::default()
        };
        let tags = super::chains::tags_of(&load.entries);
        for (e, tag) in load.entries.iter().zip(tags) {
            let g = self.grams(e.transfer_bytes, self.is_green(e));
            if let Some(t) = tag.filter(|_| !e.blocked()) {
                *c.by_tag.entry(load.entries[t].url.clone()).or_default() += g;
            }
            c.total_g += g;
            let party = e.party.as_ref();
            match party.map(|p| p.first_party) {
                Some(true) => c.first_party_g += g,
                Some(false) => c.third_party_g += g,
                None => c.unknown_party_g += g,
            }
            let entity = party.and_then(|p| p.entity.clone());
            *c.by_entity
                .entry(entity.unwrap_or_else(|| NO_ENTITY.into()))
                .or_default() += g;
        }
        c
    }
}

/// Where `by_entity` counts the bytes of hosts the third-party-web dataset does not name.
pub const NO_ENTITY: &str = "(no entity)";

/// What a load's bytes emit, by the Sustainable Web Design model v4 ([`CarbonModel`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Carbon {
    /// The model: `sustainable-web-design-v4`.
    pub model: String,
    /// Grams of CO2e per kWh of the operational energy's grid (494: the global average).
    pub grid_intensity: f64,
    /// Hosts counted as green-hosted (`--green-host`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub green_hosts: Vec<String>,
    /// Grams of CO2e for every byte the load transferred: one view of the page.
    pub total_g: f64,
    /// Of which the first party's requests.
    pub first_party_g: f64,
    /// Of which the third parties'.
    pub third_party_g: f64,
    /// Of which requests with no host to judge (none for a page's HTTP requests).
    #[serde(default)]
    pub unknown_party_g: f64,
    /// Per third-party-web entity; hosts it does not name under `(no entity)`. Adds up to
    /// `total_g`.
    pub by_entity: BTreeMap<String, f64>,
    /// Per third-party tag (its URL): the tag and every request it caused, directly or
    /// through others (first-party ones too), as the tag table counts them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_tag: BTreeMap<String, f64>,
}

impl Carbon {
    /// The tags in grams, the heaviest first.
    pub fn heaviest_tags(&self) -> Vec<(&str, f64)> {
        let mut tags: Vec<(&str, f64)> =
            self.by_tag.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        tags.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gigabyte_is_the_models_energy_at_the_global_intensity() {
        let m = CarbonModel::default();
        // (0.055 + 0.059 + 0.08 + 0.012 + 0.013 + 0.081) kWh x 494 g/kWh.
        assert!((m.grams(1_000_000_000, false) - 0.3 * 494.0).abs() < 1e-9);
        // Green hosting takes the data centre's operational energy off.
        assert!((m.grams(1_000_000_000, true) - (0.3 - 0.055) * 494.0).abs() < 1e-9);
        assert_eq!(m.grams(0, false), 0.0);
    }

    #[test]
    fn the_grid_intensity_moves_the_operational_part_only() {
        let m = CarbonModel {
            grid_intensity: 0.0,
            ..CarbonModel::default()
        };
        assert!((m.grams(1_000_000_000, false) - 0.106 * 494.0).abs() < 1e-9);
    }
}
