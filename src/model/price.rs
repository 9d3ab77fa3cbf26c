//! What a view costs a visitor on mobile data: the load's bytes at a country's average price
//! of a gigabyte, from a table bundled with pagecost (or a price the user gives).
//!
//! The table is Cable.co.uk's *Worldwide mobile data pricing* study, the average price of
//! 1 GB over the mobile data plans of each country, in US dollars: its 2023 edition (5,603
//! plans in 237 countries, gathered 5 July to 6 September 2023, published 26 September 2023)
//! where its press release gives the country's figure, its 2022 edition (5,292 plans in 233
//! countries, gathered 16 March to 2 June 2022) for the others whose figure that edition's
//! press release or Statista's chart of it gives. Only those countries: pagecost has no copy
//! of the study's full data set, and no figure is guessed. Each row says its edition. A
//! gigabyte is 10^9 bytes.

use super::carbon::NO_ENTITY;
use super::Load;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The table's source, as reports cite it.
pub const SOURCE: &str = "Cable.co.uk, Worldwide mobile data pricing";

/// ISO 3166-1 alpha-2 code, country, US dollars for 1 GB, the study's edition.
pub const TABLE: &[(&str, &str, f64, u16)] = &[
    ("IL", "Israel", 0.02, 2023),
    ("IT", "Italy", 0.09, 2023),
    ("FR", "France", 0.20, 2023),
    ("ES", "Spain", 0.48, 2023),
    ("GB", "United Kingdom", 0.62, 2023),
    ("US", "United States", 6.00, 2023),
    ("CH", "Switzerland", 7.29, 2023),
    ("ZW", "Zimbabwe", 43.75, 2023),
    ("SM", "San Marino", 0.14, 2022),
    ("MC", "Monaco", 0.40, 2022),
    ("MD", "Moldova", 0.26, 2022),
    ("PL", "Poland", 0.41, 2022),
    ("RO", "Romania", 0.45, 2022),
    ("ME", "Montenegro", 0.60, 2022),
    ("GR", "Greece", 5.30, 2022),
    ("KG", "Kyrgyzstan", 0.17, 2022),
    ("TM", "Turkmenistan", 14.27, 2022),
    ("TR", "Turkey", 0.39, 2022),
    ("JO", "Jordan", 0.63, 2022),
    ("IQ", "Iraq", 0.68, 2022),
    ("YE", "Yemen", 16.58, 2022),
    ("IN", "India", 0.17, 2022),
    ("NP", "Nepal", 0.27, 2022),
    ("SH", "Saint Helena", 41.06, 2022),
    ("DZ", "Algeria", 0.48, 2022),
    ("MR", "Mauritania", 3.12, 2022),
    ("LY", "Libya", 0.61, 2022),
    ("GH", "Ghana", 0.61, 2022),
    ("SO", "Somalia", 0.63, 2022),
    ("MA", "Morocco", 0.69, 2022),
    ("NG", "Nigeria", 0.71, 2022),
    ("TZ", "Tanzania", 0.71, 2022),
    ("SD", "Sudan", 0.74, 2022),
    ("KE", "Kenya", 0.84, 2022),
    ("EG", "Egypt", 0.93, 2022),
    ("ST", "Sao Tome and Principe", 29.49, 2022),
    ("BW", "Botswana", 15.55, 2022),
    ("TG", "Togo", 12.94, 2022),
    ("SC", "Seychelles", 12.66, 2022),
];

/// The price a load's bytes are counted at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DataPrice {
    /// The country's code (`US`), absent for a price the user gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// US dollars for 10^9 bytes.
    pub usd_per_gb: f64,
    /// Where the price comes from: the study and its edition, or `--price-per-gb`.
    pub source: String,
}

impl DataPrice {
    /// The bundled price of a country by its ISO 3166-1 alpha-2 code (any case); `None`
    /// when the table has no figure for it.
    pub fn of_country(code: &str) -> Option<DataPrice> {
        let (cc, name, usd, year) = TABLE.iter().find(|r| r.0.eq_ignore_ascii_case(code))?;
        Some(DataPrice {
            country: Some((*cc).to_string()),
            usd_per_gb: *usd,
            source: format!("{SOURCE} {year} ({name})"),
        })
    }

    /// A price the user gave, US dollars a gigabyte.
    pub fn given(usd_per_gb: f64) -> DataPrice {
        DataPrice {
            country: None,
            usd_per_gb,
            source: "--price-per-gb".into(),
        }
    }

    /// US dollars for `bytes`.
    pub fn usd(&self, bytes: u64) -> f64 {
        bytes as f64 / 1e9 * self.usd_per_gb
    }

    /// What a load's bytes cost at this price, whole and in parts (bytes summed first, so
    /// that the figures do not depend on the order of the requests).
    pub fn of(&self, load: &Load) -> DataCost {
        let (mut first, mut third) = (0u64, 0u64);
        let mut by_entity: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_tag: BTreeMap<String, u64> = BTreeMap::new();
        let tags = super::chains::tags_of(&load.entries);
        for (e, tag) in load.entries.iter().zip(tags) {
            let party = e.party.as_ref();
            match party.map(|p| p.first_party) {
                Some(false) => third += e.transfer_bytes,
                _ => first += e.transfer_bytes,
            }
            let entity = party.and_then(|p| p.entity.clone());
            *by_entity
                .entry(entity.unwrap_or_else(|| NO_ENTITY.into()))
                .or_default() += e.transfer_bytes;
            if let Some(t) = tag.filter(|_| !e.blocked()) {
                *by_tag.entry(load.entries[t].url.clone()).or_default() += e.transfer_bytes;
            }
        }
        let usd = |m: BTreeMap<String, u64>| m.into_iter().map(|(k, b)| (k, self.usd(b))).collect();
        DataCost {
            price: self.clone(),
            total_usd: self.usd(first + third),
            first_party_usd: self.usd(first),
            third_party_usd: self.usd(third),
            by_entity: usd(by_entity),
            by_tag: usd(by_tag),
        }
    }
}

impl Default for DataPrice {
    fn default() -> Self {
        DataPrice::given(0.0)
    }
}

/// What one view of the page costs a visitor on mobile data: every byte on the wire at the
/// price, nothing cached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DataCost {
    /// The price counted at.
    pub price: DataPrice,
    /// US dollars for the whole view.
    pub total_usd: f64,
    /// Of which the first party's requests (and requests with no host to judge).
    pub first_party_usd: f64,
    /// Of which the third parties'.
    pub third_party_usd: f64,
    /// Per third-party-web entity, as `carbon.by_entity`; adds up to `total_usd`.
    pub by_entity: BTreeMap<String, f64>,
    /// Per third-party tag, as `carbon.by_tag`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_tag: BTreeMap<String, f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_one_row_a_country_each_with_a_price() {
        let mut codes: Vec<&str> = TABLE.iter().map(|r| r.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), TABLE.len());
        assert!(TABLE
            .iter()
            .all(|r| r.0.len() == 2 && r.2 > 0.0 && r.3 >= 2022));
    }

    #[test]
    fn a_gigabyte_costs_the_countrys_price() {
        let us = DataPrice::of_country("us").unwrap();
        assert_eq!(us.country.as_deref(), Some("US"));
        assert_eq!(us.usd(1_000_000_000), 6.0);
        assert!((us.usd(300_000) - 0.0018).abs() < 1e-15);
        assert!(us.source.contains("2023"));
        assert!(DataPrice::of_country("XX").is_none());
        assert_eq!(DataPrice::given(2.5).usd(2_000_000_000), 5.0);
    }
}
