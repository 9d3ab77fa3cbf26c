//! Reading a HAR without holding all of it as JSON: `log.creator` and `log.pages` are read
//! whole (they are small), each of `log.entries` is handed over as it is parsed and dropped
//! after, so a 200 MB HAR of 160,000 entries never becomes a tree of 160,000 JSON objects.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// What a HAR holds besides its entries.
#[derive(Debug, Default)]
pub struct Head {
    /// There is a `log` object.
    pub has_log: bool,
    /// `log.entries` was there (an array).
    pub has_entries: bool,
    /// `log.creator`.
    pub creator: Option<Value>,
    /// `log.pages`.
    pub pages: Option<Vec<Value>>,
}

/// Called with each entry and the pages when they were read before the entries (as every
/// producer writes them); `Err` stops the reading.
pub type Each<'a> = dyn FnMut(Value, Option<&[Value]>) -> Result<(), String> + 'a;

/// Reads a HAR's text, handing each entry to `each`.
pub fn read(text: &str, each: &mut Each<'_>) -> serde_json::Result<Head> {
    // A byte order mark (Windows tools write one) is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    read_with(serde_json::Deserializer::from_str(text), each)
}

/// Reads a HAR file as it comes off the disk: the file is never held whole.
pub fn read_file(file: std::fs::File, each: &mut Each<'_>) -> serde_json::Result<Head> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    if reader
        .fill_buf()
        .map_err(serde_json::Error::io)?
        .starts_with(b"\xef\xbb\xbf")
    {
        reader.consume(3);
    }
    read_with(serde_json::Deserializer::from_reader(reader), each)
}

fn read_with<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    each: &mut Each<'_>,
) -> serde_json::Result<Head> {
    let mut head = Head::default();
    Root {
        head: &mut head,
        each,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(head)
}

struct Root<'h, 'e, 'a> {
    head: &'h mut Head,
    each: &'e mut Each<'a>,
}

impl<'de> DeserializeSeed<'de> for Root<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" && !self.head.has_log {
                map.next_value_seed(Log {
                    head: &mut *self.head,
                    each: &mut *self.each,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Log<'h, 'e, 'a> {
    head: &'h mut Head,
    each: &'e mut Each<'a>,
}

impl<'de> DeserializeSeed<'de> for Log<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a \"log\" object")
    }
    // Anything but an object: there is no log (said by the caller).
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.head.has_log = true;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "creator" => self.head.creator = Some(map.next_value()?),
                "pages" => self.head.pages = map.next_value::<Value>()?.as_array().cloned(),
                "entries" if !self.head.has_entries => {
                    self.head.has_entries = true;
                    map.next_value_seed(Entries {
                        pages: self.head.pages.as_deref(),
                        each: &mut *self.each,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Entries<'p, 'e, 'a> {
    pages: Option<&'p [Value]>,
    each: &'e mut Each<'a>,
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("log.entries to be an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<Value>()? {
            (self.each)(entry, self.pages).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_handed_over_one_by_one_with_the_pages_read_before_them() {
        let text = r#"{"log":{"version":"1.2","creator":{"name":"x"},"pages":[{"id":"p1"}],
            "entries":[{"n":1},{"n":2}],"extra":[1,2]},"other":true}"#;
        let mut seen = Vec::new();
        let head = read(text, &mut |e, pages| {
            seen.push((e["n"].as_u64(), pages.map(<[Value]>::len)));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [(Some(1), Some(1)), (Some(2), Some(1))]);
        assert!(head.has_log && head.has_entries);
        assert_eq!(head.creator.unwrap()["name"], "x");
    }

    #[test]
    fn a_missing_log_or_entries_is_reported_and_a_stop_is_an_error() {
        let head = read(r#"{"entries":[]}"#, &mut |_, _| Ok(())).unwrap();
        assert!(!head.has_log);
        let head = read(r#"{"log":{"version":"1.2"}}"#, &mut |_, _| Ok(())).unwrap();
        assert!(head.has_log && !head.has_entries);
        let e = read(r#"{"log":{"entries":{}}}"#, &mut |_, _| Ok(())).unwrap_err();
        assert!(e.to_string().contains("log.entries"), "{e}");
        let e = read(r#"{"log":{"entries":[1]}}"#, &mut |_, _| Err("stop".into())).unwrap_err();
        assert!(e.to_string().contains("stop"), "{e}");
    }

    /// A HAR written with a byte order mark reads as one without, from a text or a file.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_har() {
        let text = "\u{feff}{\"log\":{\"entries\":[{\"n\":1}]}}";
        let mut n = 0;
        let head = read(text, &mut |_, _| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert!(head.has_entries && n == 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.har");
        std::fs::write(&path, text).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let head = read_file(file, &mut |_, _| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert!(head.has_entries && n == 2);
    }
}
