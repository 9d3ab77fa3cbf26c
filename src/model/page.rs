//! A page of a batch: its load (kept packed) or why it could not be audited.

use super::urls::redact_owned;
use super::Load;
use serde::{Deserialize, Serialize};

/// One page of a batch: its load, or why it could not be audited (credentials in URLs
/// redacted from both).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct PageResult {
    /// The target as listed.
    pub target: String,
    /// Its position in the whole list (0-based, before `--shard`), so that `merge` puts the
    /// shards' pages back in the list's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The load, when the page could be audited.
    // Kept packed (`PackedLoad`); `PageResult::load` unpacks it.
    #[serde(rename = "load", skip_serializing_if = "Option::is_none")]
    pub packed: Option<PackedLoad>,
    /// Why it could not, otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl PageResult {
    /// A page that was audited.
    pub fn loaded(target: String, index: Option<usize>, load: &Load) -> PageResult {
        PageResult {
            target: redact_owned(target),
            index,
            packed: Some(PackedLoad::pack(load)),
            error: None,
        }
    }

    /// A page that could not be audited, and why.
    pub fn failed(target: String, index: Option<usize>, error: String) -> PageResult {
        PageResult {
            target: redact_owned(target),
            index,
            packed: None,
            error: Some(redact_owned(error)),
        }
    }

    /// The load, unpacked (a copy each call).
    pub fn load(&self) -> Option<Load> {
        self.packed.as_ref().map(PackedLoad::unpack)
    }

    /// Whether the page was audited.
    pub fn audited(&self) -> bool {
        self.packed.is_some()
    }
}

/// A load kept as compressed JSON while a batch holds it: a page of 20 requests is about
/// 50 KB as a `Load` and 4 KB packed, so that a batch of 1,000 pages keeps its memory flat.
/// It serializes as the load itself (the JSON is written as it was packed).
#[derive(Clone, PartialEq)]
pub struct PackedLoad(Box<[u8]>);

impl std::fmt::Debug for PackedLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PackedLoad({} bytes)", self.0.len())
    }
}

impl PackedLoad {
    /// Packs a load.
    pub fn pack(load: &Load) -> PackedLoad {
        let json = serde_json::to_vec(load).expect("a load serializes");
        let packed = zstd::encode_all(&json[..], 1).expect("compressing in memory does not fail");
        PackedLoad(packed.into_boxed_slice())
    }

    fn json(&self) -> String {
        let bytes = zstd::decode_all(&self.0[..]).expect("packed by PackedLoad::pack");
        String::from_utf8(bytes).expect("packed from JSON")
    }

    /// The load again.
    pub fn unpack(&self) -> Load {
        serde_json::from_str(&self.json()).expect("packed from a load")
    }
}

impl Serialize for PackedLoad {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.json())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for PackedLoad {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Load::deserialize(d).map(|l| PackedLoad::pack(&l))
    }
}

impl schemars::JsonSchema for PackedLoad {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        Load::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        Load::schema_id()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Load::json_schema(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_load_is_the_load_in_json_and_back() {
        let load = crate::har::testing::load_sized(&[("/a.css", 1200), ("/b.png", 30_000)]);
        let page = PageResult::loaded("t".into(), Some(3), &load);
        assert_eq!(page.load().as_ref(), Some(&load));
        let packed = serde_json::to_value(&page).unwrap();
        assert_eq!(packed["load"], serde_json::to_value(&load).unwrap());
        let back: PageResult = serde_json::from_value(packed).unwrap();
        assert_eq!(back, page);
        assert!(page.packed.as_ref().unwrap().0.len() < serde_json::to_vec(&load).unwrap().len());
        let failed = PageResult::failed("u".into(), None, "no".into());
        assert!(!failed.audited() && failed.load().is_none());
    }
}
