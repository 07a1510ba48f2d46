//! A JSON tree deserializer that refuses duplicate mapping keys.
//!
//! `serde_json::Value` keeps the last of two equal keys without a word; kpt and kustomize
//! (yaml.v3) refuse such documents, and so does the API server's strict decoding. A document
//! with `name:` twice in one env entry is a typo to report, not to guess at.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// A `serde_json::Value` whose deserialization fails on a duplicate key.
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{v} is not a number JSON can hold")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        // A vector grown by doubling keeps up to twice the room it needs.
        items.shrink_to_fit();
        Ok(Value::Array(items))
    }

    /// Small mappings (nearly all of a manifest's) are collected first and then moved into a
    /// map of exactly their size: a map grown entry by entry keeps up to twice the room it
    /// needs, and a large input holds hundreds of thousands of small maps.
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        while let Some(key) = access.next_key::<String>()? {
            if entries.iter().any(|(seen, _)| *seen == key) {
                return Err(duplicate(&key));
            }
            let StrictValue(value) = access.next_value()?;
            entries.push((key, value));
            if entries.len() == SMALL_MAP {
                return large_map(entries, access);
            }
        }
        let mut map = Map::with_capacity(entries.len());
        map.extend(entries);
        Ok(Value::Object(map))
    }
}

/// Up to this many entries, a mapping's keys are checked for duplicates by a scan.
const SMALL_MAP: usize = 16;

/// Goes on reading a mapping that has [`SMALL_MAP`] entries so far into a hash map.
fn large_map<'de, A: MapAccess<'de>>(
    entries: Vec<(String, Value)>,
    mut access: A,
) -> Result<Value, A::Error> {
    let mut map: Map<String, Value> = entries.into_iter().collect();
    while let Some(key) = access.next_key::<String>()? {
        if map.contains_key(&key) {
            return Err(duplicate(&key));
        }
        let StrictValue(value) = access.next_value()?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

fn duplicate<E: de::Error>(key: &str) -> E {
    E::custom(format!(
        "duplicate key {key:?} in one mapping; keep one of them"
    ))
}
#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str::<StrictValue>(json).map(|StrictValue(v)| v)
    }

    #[test]
    fn small_and_large_maps_keep_their_order_and_refuse_duplicates() {
        for n in [0, 1, SMALL_MAP - 1, SMALL_MAP, SMALL_MAP + 1, 100] {
            let keys: Vec<String> = (0..n).rev().map(|i| format!("k{i}")).collect();
            let body: Vec<String> = keys.iter().map(|k| format!("{k:?}: [1, {{}}]")).collect();
            let v = parse(&format!("{{{}}}", body.join(", "))).unwrap();
            let read: Vec<&String> = v.as_object().unwrap().keys().collect();
            assert_eq!(read, keys.iter().collect::<Vec<_>>(), "{n} entries");
            if n > 0 {
                let twice = format!("{{{}, {:?}: 2}}", body.join(", "), keys[n / 2]);
                let e = parse(&twice).unwrap_err().to_string();
                assert!(
                    e.contains(&format!("duplicate key {:?}", keys[n / 2])),
                    "{e}"
                );
            }
        }
    }

    #[test]
    fn a_duplicate_is_reported_where_its_key_is() {
        let e = parse("{\"a\": 1,\n \"a\": {\"deep\": [1, 2, 3]}}").unwrap_err();
        assert_eq!(e.line(), 2, "{e}");
    }
}
