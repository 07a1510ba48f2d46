//! A JSON tree deserializer that refuses duplicate mapping keys.
//!
//! `serde_json::Value` keeps the last of two equal keys without a word; kpt and kustomize
//! (yaml.v3) refuse such documents, and so does the API server's strict decoding. A document
//! with `name:` twice in one env entry is a typo to report, not to guess at.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::fmt;

/// A `serde_json::Value` whose deserialization fails on a duplicate key.
pub struct StrictValue(pub Value);

impl StrictValue {
    /// Reads a value whose arrays and objects nest at most `deepest` levels (counting its
    /// own): what a reader meeting it `n` levels down refuses past `n + deepest`.
    pub fn nested<'de, D: Deserializer<'de>>(d: D, deepest: usize) -> Result<Self, D::Error> {
        StrictVisitor(Levels::at_most(deepest))
            .deserialize(d)
            .map(StrictValue)
    }
}

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::nested(d, usize::MAX)
    }
}

/// How many more levels of arrays and objects a value may open, counted as it is read:
/// cheaper than a scan of its text beforehand.
#[derive(Clone, Copy)]
struct Levels {
    left: usize,
    deepest: usize,
}

impl Levels {
    fn at_most(deepest: usize) -> Self {
        Levels {
            left: deepest,
            deepest,
        }
    }

    /// The levels left inside an array or object just opened; an error when none are.
    fn inner<E: de::Error>(self) -> Result<Self, E> {
        match self.left.checked_sub(1) {
            Some(left) => Ok(Levels { left, ..self }),
            None => Err(E::custom(format!(
                "nested more than {} levels deep",
                self.deepest
            ))),
        }
    }
}

#[derive(Clone, Copy)]
struct StrictVisitor(Levels);

impl<'de> DeserializeSeed<'de> for StrictVisitor {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

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
        let element = StrictVisitor(self.0.inner()?);
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(element)? {
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
        let value = StrictVisitor(self.0.inner()?);
        let mut entries: Vec<(String, Value)> = Vec::new();
        while let Some(key) = access.next_key::<String>()? {
            if entries.iter().any(|(seen, _)| *seen == key) {
                return Err(duplicate(&key));
            }
            entries.push((key, access.next_value_seed(value)?));
            if entries.len() == SMALL_MAP {
                return large_map(entries, access, value);
            }
        }
        let entries = merge_keys(entries);
        let mut map = Map::with_capacity(entries.len());
        map.extend(entries);
        Ok(Value::Object(map))
    }
}

/// The YAML merge key: `<<: *defaults` (or a list of them) gives a mapping the entries of
/// another that it does not set itself, as kubectl and kustomize read it. Earlier mappings of
/// a list win over later ones; the merged entries take the place of `<<`. A `<<` whose value
/// is not a mapping or a list of them is left as an ordinary key, for the schema to refuse.
fn merge_keys(entries: Vec<(String, Value)>) -> Vec<(String, Value)> {
    let mergeable = |value: &Value| match value {
        Value::Object(_) => true,
        Value::Array(list) => list.iter().all(Value::is_object),
        _ => false,
    };
    if !entries
        .iter()
        .any(|(key, value)| key == MERGE_KEY && mergeable(value))
    {
        return entries;
    }
    let explicit: std::collections::HashSet<String> = entries
        .iter()
        .filter(|(key, _)| key != MERGE_KEY)
        .map(|(key, _)| key.clone())
        .collect();
    let mut merged_keys = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        if key != MERGE_KEY || !mergeable(&value) {
            out.push((key, value));
            continue;
        }
        let sources = match value {
            Value::Array(list) => list,
            single => vec![single],
        };
        for (k, v) in sources
            .into_iter()
            .filter_map(|source| match source {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .flatten()
        {
            if !explicit.contains(&k) && merged_keys.insert(k.clone()) {
                out.push((k, v));
            }
        }
    }
    out
}

const MERGE_KEY: &str = "<<";

/// Up to this many entries, a mapping's keys are checked for duplicates by a scan.
const SMALL_MAP: usize = 16;

/// Goes on reading a mapping that has [`SMALL_MAP`] entries so far into a hash map.
fn large_map<'de, A: MapAccess<'de>>(
    entries: Vec<(String, Value)>,
    mut access: A,
    value: StrictVisitor,
) -> Result<Value, A::Error> {
    let mut map: Map<String, Value> = entries.into_iter().collect();
    while let Some(key) = access.next_key::<String>()? {
        if map.contains_key(&key) {
            return Err(duplicate(&key));
        }
        let value = access.next_value_seed(value)?;
        map.insert(key, value);
    }
    if map.contains_key(MERGE_KEY) {
        let merged = merge_keys(map.into_iter().collect());
        return Ok(Value::Object(merged.into_iter().collect()));
    }
    Ok(Value::Object(map))
}

fn duplicate<E: de::Error>(key: &str) -> E {
    E::custom(format!(
        "duplicate key {key:?} in one mapping; keep one of them"
    ))
}
/// A value checked as [`StrictValue`] checks it (no duplicate key, no number JSON cannot
/// hold, no deeper nesting), without building it: for text that is checked now and written
/// later.
pub struct StrictCheck;

impl StrictCheck {
    /// Checks what [`StrictValue::nested`] reads.
    pub fn nested<'de, D: Deserializer<'de>>(d: D, deepest: usize) -> Result<Self, D::Error> {
        CheckSeed(Levels::at_most(deepest)).deserialize(d)
    }
}

impl<'de> Deserialize<'de> for StrictCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::nested(d, usize::MAX)
    }
}

#[derive(Clone, Copy)]
struct CheckSeed(Levels);

impl<'de> DeserializeSeed<'de> for CheckSeed {
    type Value = StrictCheck;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<StrictCheck, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CheckSeed {
    type Value = StrictCheck;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        StrictVisitor(self.0).expecting(f)
    }

    fn visit_bool<E>(self, _: bool) -> Result<StrictCheck, E> {
        Ok(StrictCheck)
    }

    fn visit_i64<E>(self, _: i64) -> Result<StrictCheck, E> {
        Ok(StrictCheck)
    }

    fn visit_u64<E>(self, _: u64) -> Result<StrictCheck, E> {
        Ok(StrictCheck)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StrictCheck, E> {
        StrictVisitor(self.0).visit_f64(v).map(|_| StrictCheck)
    }

    fn visit_str<E>(self, _: &str) -> Result<StrictCheck, E> {
        Ok(StrictCheck)
    }

    fn visit_none<E>(self) -> Result<StrictCheck, E> {
        Ok(StrictCheck)
    }

    fn visit_unit<E>(self) -> Result<StrictCheck, E> {
        Ok(StrictCheck)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StrictCheck, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictCheck, A::Error> {
        let element = CheckSeed(self.0.inner()?);
        while seq.next_element_seed(element)?.is_some() {}
        Ok(StrictCheck)
    }

    /// Keys are compared as [`StrictVisitor::visit_map`] compares them: by a scan while the
    /// mapping is small, then in a hash set (made only for a large mapping). Keys without
    /// escapes are borrowed.
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<StrictCheck, A::Error> {
        let value = CheckSeed(self.0.inner()?);
        let mut small: Vec<Key<'de>> = Vec::new();
        let mut large: Option<std::collections::HashSet<Key<'de>>> = None;
        while let Some(key) = access.next_key::<Key<'de>>()? {
            let seen = match &large {
                Some(large) => large.contains(&key),
                None => small.contains(&key),
            };
            if seen {
                return Err(duplicate(&key.0));
            }
            access.next_value_seed(value)?;
            match &mut large {
                Some(large) => {
                    large.insert(key);
                }
                None => {
                    small.push(key);
                    if small.len() == SMALL_MAP {
                        large = Some(small.drain(..).collect());
                    }
                }
            }
        }
        Ok(StrictCheck)
    }
}

/// A mapping key: borrowed from the input when it can be, owned when it had escapes.
#[derive(PartialEq, Eq, Hash)]
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `json` as a tree, after requiring the check to agree with the tree reader.
    fn parse(json: &str) -> Result<Value, serde_json::Error> {
        let tree = serde_json::from_str::<StrictValue>(json).map(|StrictValue(v)| v);
        let checked = serde_json::from_str::<StrictCheck>(json).map(|_| ());
        assert_eq!(
            checked.map_err(|e| e.to_string()),
            tree.as_ref().map(|_| ()).map_err(|e| e.to_string()),
            "the check and the tree reader disagree on {json}"
        );
        tree
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
    fn merge_keys_give_what_a_mapping_does_not_set() {
        let yaml = "base: &b {x: 1, y: 2}\nmore: &m {y: 3, z: 4}\n\
                    one: {<<: *b, y: 9}\nlist: {<<: [*b, *m], w: 0}\nodd: {<<: 5}\n";
        let StrictValue(v) = serde_norway::from_str(yaml).unwrap();
        assert_eq!(v["one"], serde_json::json!({"x": 1, "y": 9}));
        let list: Vec<(&String, &Value)> = v["list"].as_object().unwrap().iter().collect();
        assert_eq!(
            serde_json::to_string(&v["list"]).unwrap(),
            r#"{"x":1,"y":2,"z":4,"w":0}"#,
            "{list:?}"
        );
        assert_eq!(v["odd"], serde_json::json!({"<<": 5}));
        // Many keys (the large-map path) merge the same way.
        let keys: String = (0..20).map(|i| format!("k{i}: {i}, ")).collect();
        let StrictValue(v) =
            serde_norway::from_str(&format!("b: &b {{x: 1}}\nm: {{{keys}<<: *b}}\n")).unwrap();
        assert_eq!(v["m"]["x"], 1);
        assert!(v["m"].get("<<").is_none());
    }

    #[test]
    fn a_key_written_with_escapes_is_the_same_key() {
        for json in [
            r#"{"a": 1, "\u0061": 2}"#,
            r#"{"\u0061": 1, "a": 2}"#,
            r#"{"k0":0,"k1":0,"k2":0,"k3":0,"k4":0,"k5":0,"k6":0,"k7":0,"k8":0,"k9":0,"ka":0,"kb":0,"kc":0,"kd":0,"ke":0,"kf":0,"kg":0,"\u006bg":1}"#,
        ] {
            let e = parse(json).unwrap_err().to_string();
            assert!(e.contains("duplicate key"), "{json}: {e}");
        }
        parse(r#"{"a": {"a": [{"a": 1}]}, "b": "\u0061"}"#).unwrap();
    }

    #[test]
    fn a_duplicate_is_reported_where_its_key_is() {
        let e = parse("{\"a\": 1,\n \"a\": {\"deep\": [1, 2, 3]}}").unwrap_err();
        assert_eq!(e.line(), 2, "{e}");
    }
}
