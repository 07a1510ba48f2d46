//! What the set-level checks keep of an object once its item is gone. Images and Builds are
//! nearly all of a large set, and the set-level checks read a handful of their fields: keeping
//! only those, rather than the whole tree, is most of what a large run holds.

use serde_json::Value;
use std::borrow::Cow;

/// The fields of an Image that references.rs and policy.rs read, as JSON pointers.
const IMAGE_FIELDS: [&str; 8] = [
    "/spec/tag",
    "/spec/serviceAccountName",
    // v1alpha1's name for it.
    "/spec/serviceAccount",
    "/spec/additionalTags",
    "/spec/builder/kind",
    "/spec/builder/name",
    "/spec/source/registry/image",
    "/spec/cache/registry/tag",
];

/// The fields of a Build that references.rs and policy.rs read, as JSON pointers.
const BUILD_FIELDS: [&str; 6] = [
    "/spec/tags",
    "/spec/serviceAccountName",
    "/spec/serviceAccount",
    "/spec/builder/ref",
    "/spec/builder/image",
    "/spec/source/registry/image",
];

/// What the set-level checks keep of an object.
#[derive(Clone, Debug, PartialEq)]
pub enum Kept {
    /// The whole object: kinds other than Image and Build, few in a set.
    Whole(Box<Value>),
    /// Of an Image or a Build, the fields above that it has, by pointer: a few strings,
    /// where the whole tree was a few hundred bytes of maps.
    Fields(Box<[(&'static str, Value)]>),
}

impl Kept {
    /// The value at `pointer`, as [`Value::pointer`] finds it in the whole object. Of an Image
    /// or a Build, only the pointers above answer.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        match self {
            Kept::Whole(object) => lookup(object, pointer),
            Kept::Fields(fields) => fields
                .iter()
                .find(|(kept, _)| *kept == pointer)
                .map(|(_, value)| value),
        }
    }
}

/// Reading a field by JSON pointer, from an object or from what is kept of one.
pub trait Pointer {
    fn at(&self, pointer: &str) -> Option<&Value>;
}

impl Pointer for Value {
    fn at(&self, pointer: &str) -> Option<&Value> {
        lookup(self, pointer)
    }
}

/// What [`Value::pointer`] finds, without its two new strings per segment (it unescapes
/// every segment): the set-level checks look up a few pointers in every object of a set.
fn lookup<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() || pointer.contains('~') {
        return value.pointer(pointer);
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .try_fold(value, |target, segment| match target {
            Value::Object(map) => map.get(segment),
            Value::Array(list) => list_index(segment).and_then(|i| list.get(i)),
            _ => None,
        })
}

/// A segment as an index into a list, read as `Value::pointer` reads it: digits only, and
/// no leading zero.
fn list_index(segment: &str) -> Option<usize> {
    if segment.starts_with('+') || (segment.starts_with('0') && segment.len() > 1) {
        return None;
    }
    segment.parse().ok()
}

impl Pointer for Kept {
    fn at(&self, pointer: &str) -> Option<&Value> {
        self.pointer(pointer)
    }
}

/// How much of an object to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Of Images and Builds, the fields the set-level checks read; other kinds whole.
    WhatSetChecksRead,
    /// Everything (for tests that show the fields above are all the checks read).
    #[cfg_attr(not(test), allow(dead_code))]
    Whole,
}

impl Keep {
    /// What to keep of `object`, a `kind`.
    pub fn of(self, kind: &str, object: Cow<Value>) -> Kept {
        let fields: &[&'static str] = match (self, kind) {
            (Keep::WhatSetChecksRead, "Image") => &IMAGE_FIELDS,
            (Keep::WhatSetChecksRead, "Build") => &BUILD_FIELDS,
            _ => return Kept::Whole(Box::new(object.into_owned())),
        };
        Kept::Fields(
            fields
                .iter()
                .filter_map(|pointer| Some((*pointer, lookup(&object, pointer)?.clone())))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_finds_what_value_pointer_finds() {
        let object = json!({"spec": {"a/b": 1, "m~n": 2, "list": [10, {"x": "y"}], "": {"": 3}},
                            "0": "zero", "01": "one"});
        for pointer in [
            "",
            "/",
            "//",
            "/spec",
            "/spec/list/0",
            "/spec/list/1/x",
            "/spec/list/2",
            "/spec/list/01",
            "/spec/list/+1",
            "/spec/list/-1",
            "/spec/list/x",
            "/spec/a~1b",
            "/spec/m~0n",
            "/spec/a/b",
            "spec",
            "/0",
            "/01",
            "/spec//",
            "/spec/list/1/x/z",
        ] {
            assert_eq!(
                lookup(&object, pointer),
                object.pointer(pointer),
                "{pointer}"
            );
        }
    }

    #[test]
    fn an_image_keeps_only_the_fields_read_and_other_kinds_keep_all() {
        let image = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Image", "metadata": {"name": "a"},
            "spec": {"tag": "r/a", "builder": {"kind": "Builder", "name": "b"}, "serviceAccountName": "s",
                     "source": {"git": {"url": "u"}}, "cache": {"registry": {"tag": "r/c"}}}});
        let kept = Keep::WhatSetChecksRead.of("Image", Cow::Borrowed(&image));
        assert_eq!(
            kept,
            Kept::Fields(Box::new([
                ("/spec/tag", json!("r/a")),
                ("/spec/serviceAccountName", json!("s")),
                ("/spec/builder/kind", json!("Builder")),
                ("/spec/builder/name", json!("b")),
                ("/spec/cache/registry/tag", json!("r/c")),
            ]))
        );
        assert_eq!(kept.pointer("/spec/builder/name"), Some(&json!("b")));
        assert_eq!(kept.pointer("/spec/source/git/url"), None);
        let builder = Keep::WhatSetChecksRead.of("Builder", Cow::Borrowed(&image));
        assert_eq!(builder, Kept::Whole(Box::new(image.clone())));
        assert_eq!(
            Keep::Whole
                .of("Image", Cow::Borrowed(&image))
                .pointer("/spec/source/git/url"),
            Some(&json!("u"))
        );
    }
}
