//! A JSON ResourceList read with its items left as text borrowed from the input. A large
//! list held as trees costs about ten times its text; read this way, each item becomes a
//! tree only while it is looked at. The validator runner reads its input so, and krmwasm a
//! function's output.

use crate::strict_value::{StrictCheck, StrictValue};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::fmt;

/// A JSON ResourceList's top-level fields as trees (for the tree reader to check), its
/// items as text.
pub(crate) struct RawList<'a> {
    pub(crate) fields: Map<String, Value>,
    pub(crate) items: Vec<&'a RawValue>,
}

impl<'a> RawList<'a> {
    pub(crate) fn parse(json: &'a [u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(json)
    }
}

/// An item as a tree, read as the tree reader reads it when it reads the whole list: the
/// same refusals (a duplicate key, too deep a nesting). It may refuse an item nested a level
/// or two less deep than the tree reader would; a caller then reads the whole list as trees.
pub(crate) fn item_tree(text: &str) -> Result<Value, String> {
    let mut reader = serde_json::Deserializer::from_str(text);
    StrictValue::nested(&mut reader, ITEM_DEPTH)
        .and_then(|StrictValue(v)| reader.end().map(|()| v))
        .map_err(|e| e.to_string())
}

/// Whether [`item_tree`] would read the item, without building its tree.
pub(crate) fn check_item(text: &str) -> Result<(), String> {
    let mut reader = serde_json::Deserializer::from_str(text);
    StrictCheck::nested(&mut reader, ITEM_DEPTH)
        .and_then(|_| reader.end())
        .map_err(|e| e.to_string())
}

/// The deepest an item may nest: the tree reader meets it two levels down (the list, its
/// `items`), and serde_json refuses input nested deeper than 127 levels, so an item too
/// deep for that must be refused here too, though it would read on its own.
const ITEM_DEPTH: usize = 127 - 2;

impl<'de> Deserialize<'de> for RawList<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RawListVisitor)
    }
}

struct RawListVisitor;

impl<'de> Visitor<'de> for RawListVisitor {
    type Value = RawList<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a ResourceList")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<RawList<'de>, A::Error> {
        let mut fields = Map::new();
        let mut items = None;
        while let Some(key) = access.next_key::<String>()? {
            if fields.contains_key(&key) || (key == "items" && items.is_some()) {
                return Err(de::Error::custom(format!(
                    "duplicate key {key:?} in the ResourceList"
                )));
            }
            if key == "items" {
                // `items: null` is an empty list to the tree reader too.
                let read: Option<Vec<&'de RawValue>> = access.next_value()?;
                items = Some(read.unwrap_or_default());
            } else {
                let StrictValue(value) = access.next_value()?;
                fields.insert(key, value);
            }
        }
        Ok(RawList {
            fields,
            items: items.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_in_arrays_and_objects_not_in_strings() {
        let nest = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let inner = |depth: usize| {
            format!(
                r#"{{"a": "{}", "b": {}}}"#,
                "[{".repeat(300),
                nest(depth - 1)
            )
        };
        for item in [nest(ITEM_DEPTH), inner(ITEM_DEPTH)] {
            assert!(item_tree(&item).is_ok() && check_item(&item).is_ok());
        }
        for item in [nest(ITEM_DEPTH + 1), inner(ITEM_DEPTH + 1)] {
            let e = item_tree(&item).unwrap_err();
            assert!(e.contains("nested more than 125 levels deep"), "{e}");
            assert_eq!(check_item(&item).unwrap_err(), e);
        }
    }

    #[test]
    fn an_item_too_deep_for_the_whole_list_is_refused() {
        // Refusing a little early is safe (callers then read the whole list as trees, which
        // decides); reading what the whole list's reader refuses is not.
        let (mut item_read, mut whole_read) = (0, 0);
        for depth in 110..140 {
            let item = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let list = format!(r#"{{"kind":"ResourceList","items":[{item}]}}"#);
            let whole = crate::codec::parse_resource_list(list.as_bytes()).is_ok();
            let alone = item_tree(&item).is_ok();
            assert!(
                whole || !alone,
                "depth {depth} read alone, refused in the list"
            );
            item_read += usize::from(alone);
            whole_read += usize::from(whole);
        }
        assert!(item_read > 0 && whole_read < 30, "{item_read} {whole_read}");
    }

    #[test]
    fn a_duplicate_key_is_refused_at_the_top_and_in_an_item() {
        assert!(RawList::parse(br#"{"kind":"A","kind":"B"}"#).is_err());
        assert!(RawList::parse(br#"{"items":[],"items":[]}"#).is_err());
        let list = RawList::parse(br#"{"items":[{"a":1,"a":2}]}"#).unwrap();
        assert!(
            item_tree(list.items[0].get())
                .unwrap_err()
                .contains("duplicate key")
        );
    }
}
