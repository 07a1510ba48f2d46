//! Validators that see a ResourceList's items one at a time.
//!
//! A validator only reads the items and adds results, so it never needs them all as trees at
//! once (a tree costs about ten times its JSON text). JSON input, what krmwasm always sends, is
//! read with its items left as text borrowed from the input: each item becomes a tree only
//! while the validator looks at it, and goes back out as the same text. YAML input, and any
//! input this reader declines, goes through the tree reader, which also says what is wrong with
//! input that cannot be read.

use crate::codec::{self, Format};
use crate::diagnostic::Diagnostic;
use crate::raw_list::{RawList, check_item, item_tree};
use crate::resource_list::{ResourceList, WithItems};
use crate::run::{Failure, WriteList};
use serde::ser::{Error as _, Serialize, SerializeSeq, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use std::io::Write;

/// A function that checks items and reports results, never changing an item. Its set-level
/// checks (references between items, say) keep what they need from each item as they see it.
pub trait ItemValidator {
    /// Looks at item `index`; called once per item, in order.
    fn check(&mut self, index: usize, item: &Value);
    /// The results, once every item has been seen; a [`Failure`] when the validator could
    /// not do its job (a bad config, say).
    fn finish(self) -> Result<Vec<Diagnostic>, Failure>;
}

/// Runs `validator` over items held as trees.
pub fn validate_items<V: ItemValidator>(
    items: &[Value],
    mut validator: V,
) -> Result<Vec<Diagnostic>, Failure> {
    for (index, item) in items.iter().enumerate() {
        validator.check(index, item);
    }
    validator.finish()
}

/// A ResourceList as a validator run read it: as trees, or with its items still JSON text.
pub(crate) enum ReadList<'a> {
    Tree(ResourceList),
    Streamed {
        /// Every field but the items.
        envelope: ResourceList,
        items: Vec<&'a RawValue>,
    },
}

impl<'a> ReadList<'a> {
    /// Reads JSON `input` with its items as text and runs the validator `start` makes over
    /// them, one at a time. `None` when the input is not JSON, or not JSON that the tree
    /// reader would read to the same list (a duplicate key, too deep a nesting, …): the caller
    /// then reads it as trees, and reports what the tree reader says.
    #[cfg(test)]
    pub(crate) fn validate_json<V, S>(
        input: &'a [u8],
        start: &S,
    ) -> Option<(Self, Result<Vec<Diagnostic>, Failure>)>
    where
        V: ItemValidator,
        S: Fn(Option<&Value>) -> V,
    {
        let list = Self::read_json(input)?;
        let results = list.validate(start);
        Some((list, results))
    }

    /// Reads JSON `input` with its items as text, each checked as the tree reader would read
    /// it. `None` when the input is not JSON, or not JSON that the tree reader would read to
    /// the same list (a duplicate key, too deep a nesting, …): the caller then reads it as
    /// trees, and reports what the tree reader says.
    pub(crate) fn read_json(input: &'a [u8]) -> Option<Self> {
        if !codec::looks_like_json(input) {
            return None;
        }
        let RawList { fields, items } = RawList::parse(input).ok()?;
        let fields = Value::Object(fields);
        codec::expect_resource_list(&fields).ok()?;
        let envelope = codec::into_resource_list(fields).ok()?;
        if !items.iter().all(|raw| check_item(raw.get()).is_ok()) {
            return None;
        }
        Some(ReadList::Streamed { envelope, items })
    }

    /// Runs the validator `start` makes over the items, one at a time.
    pub(crate) fn validate<V, S>(&self, start: &S) -> Result<Vec<Diagnostic>, Failure>
    where
        V: ItemValidator,
        S: Fn(Option<&Value>) -> V,
    {
        match self {
            ReadList::Tree(list) => {
                crate::validate_items(&list.items, start(list.function_config.as_ref()))
            }
            ReadList::Streamed { envelope, items } => {
                let mut validator = start(envelope.function_config.as_ref());
                for (index, raw) in items.iter().enumerate() {
                    // Checked when read, so a tree is always made.
                    let item = item_tree(raw.get()).map_err(|e| {
                        Diagnostic::error(format!(
                            "internal error, please report it: items[{index}]: {e}"
                        ))
                    })?;
                    validator.check(index, &item);
                }
                validator.finish()
            }
        }
    }

    /// The list's fields other than the items.
    pub(crate) fn envelope_mut(&mut self) -> &mut ResourceList {
        match self {
            ReadList::Tree(list) => list,
            ReadList::Streamed { envelope, .. } => envelope,
        }
    }

    /// Writes the list as a ResourceList: streamed items go out as their input text in JSON,
    /// or become a tree one at a time in YAML.
    pub(crate) fn write<W: Write>(&self, out: W, format: Format) -> std::io::Result<()> {
        match self {
            ReadList::Tree(list) => codec::write(out, list, format),
            ReadList::Streamed { envelope, items } => {
                let list = WithItems {
                    envelope,
                    items: RawItems { items, format },
                };
                codec::write(out, &list, format)
            }
        }
    }
}

impl ReadList<'_> {
    /// Writes the JSON list up to the end of its items, which a validator never changes:
    /// the items can go out before they are validated, and the rest after, with
    /// [`ReadList::write_json_after_items`]. Together they write what `write` writes.
    pub(crate) fn write_json_items(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let (head, at) = self.json_around_items();
        out.write_all(&head[..at])?;
        // The items as `write` writes them: an array, without a space anywhere.
        match self {
            ReadList::Tree(list) => serde_json::to_writer(out, &list.items)?,
            ReadList::Streamed { items, .. } => serde_json::to_writer(
                out,
                &RawItems {
                    items,
                    format: Format::Json,
                },
            )?,
        }
        Ok(())
    }

    /// Writes the JSON list from the end of its items on (see [`ReadList::write_json_items`]).
    pub(crate) fn write_json_after_items(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let (whole, at) = self.json_around_items();
        out.write_all(&whole[at + NO_ITEMS.len()..])
    }

    /// The list as JSON with no items, and where they are: the `[]` after the first
    /// `"items":`, the key written after apiVersion and kind (a quote within their values is
    /// escaped, so the pattern cannot start inside them).
    fn json_around_items(&self) -> (Vec<u8>, usize) {
        let envelope = match self {
            ReadList::Tree(list) => list,
            ReadList::Streamed { envelope, .. } => envelope,
        };
        let no_items: [Value; 0] = [];
        let json = codec::to_bytes(
            &WithItems {
                envelope,
                items: no_items,
            },
            Format::Json,
        );
        let key = br#""items":"#;
        let pattern = [&key[..], NO_ITEMS].concat();
        let at = json
            .windows(pattern.len())
            .position(|window| window == pattern)
            .expect("a ResourceList is written with its items")
            + key.len();
        (json, at)
    }
}

/// An empty list of items, as JSON.
const NO_ITEMS: &[u8] = b"[]";

/// Items kept as JSON text, written as that text in JSON and as trees in YAML.
struct RawItems<'l> {
    items: &'l [&'l RawValue],
    format: Format,
}

impl Serialize for RawItems<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.items.len()))?;
        for raw in self.items {
            match self.format {
                // serde_json writes a RawValue as its text, unchanged.
                Format::Json => seq.serialize_element(raw)?,
                Format::Yaml => {
                    let item: Value = serde_json::from_str(raw.get()).map_err(S::Error::custom)?;
                    seq.serialize_element(&item)?;
                }
            }
        }
        seq.end()
    }
}

impl WriteList for ReadList<'_> {
    fn write_list<W: Write>(&self, out: W, format: Format) -> std::io::Result<()> {
        self.write(out, format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Outcome, process_validator};

    /// Sees every item, and reports each as a warning (its index and name), so a test can
    /// compare what two runs saw.
    struct Recorder(Vec<Diagnostic>);

    impl ItemValidator for Recorder {
        fn check(&mut self, index: usize, item: &Value) {
            self.0.push(Diagnostic::warning(format!("{index}: {item}")));
        }

        fn finish(self) -> Result<Vec<Diagnostic>, Failure> {
            Ok(self.0)
        }
    }

    fn recorder(_: Option<&Value>) -> Recorder {
        Recorder(Vec::new())
    }

    fn run(input: &[u8], format: Format) -> Outcome {
        process_validator("v", input, format, recorder)
    }

    /// Whether the streaming reader takes `input` (rather than leaving it to the tree reader).
    fn streams(input: &[u8]) -> bool {
        ReadList::validate_json(input, &recorder).is_some()
    }

    const FULL: &str = r#"{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
        "items": [{"kind": "ConfigMap", "metadata": {"name": "a", "annotations": {"x": "1"}}, "data": {"n": 1.5e3, "s": "\u00e9\n"}},
                  [1, 2], "text", null, {"kind": "Thing", "zeta": {}, "alpha": []}],
        "functionConfig": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}},
        "results": [{"message": "earlier", "severity": "info"}],
        "somethingElse": {"kept": true}}"#;

    /// The same list, as YAML: the tree reader's.
    fn as_yaml(json: &str) -> Vec<u8> {
        let list = codec::parse_resource_list(json.as_bytes()).unwrap();
        codec::to_bytes(&list, Format::Yaml)
    }

    #[test]
    fn json_is_streamed_and_written_as_the_tree_reader_writes_it() {
        assert!(streams(FULL.as_bytes()));
        let yaml = as_yaml(FULL);
        assert!(!streams(&yaml));
        // YAML out: the same bytes as from the tree, whatever the input was.
        let streamed = run(FULL.as_bytes(), Format::Yaml);
        let tree = run(&yaml, Format::Yaml);
        assert_eq!(
            String::from_utf8(streamed.stdout).unwrap(),
            String::from_utf8(tree.stdout).unwrap()
        );
        assert_eq!(
            (streamed.stderr, streamed.exit_code),
            (tree.stderr, tree.exit_code)
        );
        // JSON out: items as they came, so compare what reads back, key order included.
        let streamed = run(FULL.as_bytes(), Format::Json);
        let tree = run(&yaml, Format::Json);
        let read = |out: &[u8]| codec::parse_resource_list(out).unwrap();
        assert_eq!(read(&streamed.stdout), read(&tree.stdout));
        assert_eq!(
            codec::to_bytes(&read(&streamed.stdout), Format::Json),
            tree.stdout
        );
        assert_eq!(read(&tree.stdout).results.len(), 1 + 5);
    }

    #[test]
    fn items_go_out_as_their_input_text_in_json() {
        let input = br#"{"kind": "ResourceList", "items": [ {"b": 1.0,  "a": "\u0041"} ]}"#;
        let out = run(input, Format::Json);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with(r#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"b": 1.0,  "a": "\u0041"}],"results":["#),
            "{text}"
        );
    }

    #[test]
    fn written_in_two_parts_the_json_is_the_same() {
        let inputs = [
            r#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"kind":"A","a":"\"items\":["},{"kind":"B"}],"functionConfig":{"items":[1]},"extra":{"x":1}}"#,
            r#"{"kind":"ResourceList","items":[]}"#,
            r#"{"apiVersion":"v\"items\":[","kind":"ResourceList"}"#,
        ];
        for input in inputs {
            let streamed = ReadList::read_json(input.as_bytes()).unwrap();
            let tree = ReadList::Tree(codec::parse_resource_list(input.as_bytes()).unwrap());
            for mut list in [streamed, tree] {
                for results in [
                    vec![],
                    vec![Diagnostic::warning("w"), Diagnostic::error("e")],
                ] {
                    list.envelope_mut().results = results;
                    let mut whole = Vec::new();
                    list.write(&mut whole, Format::Json).unwrap();
                    let mut parts = Vec::new();
                    list.write_json_items(&mut parts).unwrap();
                    list.write_json_after_items(&mut parts).unwrap();
                    assert_eq!(
                        String::from_utf8(parts).unwrap(),
                        String::from_utf8(whole).unwrap()
                    );
                }
            }
        }
    }

    #[test]
    fn empty_and_null_items_read_as_no_items() {
        for input in [
            r#"{"kind": "ResourceList"}"#,
            r#"{"kind": "ResourceList", "items": null}"#,
            r#"{"kind": "ResourceList", "items": []}"#,
            r#"{"kind": "List", "items": [], "functionConfig": null}"#,
        ] {
            assert!(streams(input.as_bytes()), "{input}");
            let streamed = run(input.as_bytes(), Format::Yaml);
            assert_eq!(
                streamed.stdout,
                run(&as_yaml(input), Format::Yaml).stdout,
                "{input}"
            );
        }
    }

    /// Input the tree reader refuses, or reads only as YAML: the streaming reader leaves it to
    /// the tree reader, so the run fails (or succeeds) exactly as it would there.
    #[test]
    fn input_the_tree_reader_judges_is_left_to_it() {
        let cases = [
            r#"{"kind": "ResourceList", "items": [{"a": 1, "a": 2}]}"#,
            r#"{"kind": "ResourceList", "kind": "ResourceList", "items": []}"#,
            r#"{"kind": "ResourceList", "items": [], "items": []}"#,
            r#"{"kind": "ResourceList", "items": {"a": 1}}"#,
            r#"{"kind": "ResourceList", "items": [], "results": [{"severity": "loud"}]}"#,
            r#"{"kind": "ResourceList", "apiVersion": 1, "items": []}"#,
            r#"{"kind": "ConfigMap", "items": []}"#,
            r#"{"items": []}"#,
            r#"[{"kind": "ResourceList"}]"#,
            r#"{"kind": "ResourceList", "items": [{"a": 1}] trailing"#,
            r#"{"kind": "ResourceList", "items": [{"a": 1e400}]}"#,
            "{\"kind\": \"ResourceList\", \"items\": [{\"tab\": \"a\tb\"}]}",
            "{kind: ResourceList, items: [{a: 1}]}",
        ];
        for input in cases {
            assert!(!streams(input.as_bytes()), "{input}");
            let validated = run(input.as_bytes(), Format::Json);
            let processed = crate::process("v", input.as_bytes(), Format::Json, |_| Ok(()));
            if processed.exit_code == 1 {
                assert_eq!(
                    (validated.stdout, validated.stderr, validated.exit_code),
                    (processed.stdout, processed.stderr, processed.exit_code),
                    "{input}"
                );
            } else {
                let read = |out: &[u8]| codec::parse_resource_list(out).unwrap().items;
                assert_eq!(read(&validated.stdout), read(&processed.stdout), "{input}");
            }
        }
        let e = run(
            b"{\"kind\": \"ResourceList\", \"items\": [{\"a\": 1, \"a\": 2}]}",
            Format::Json,
        );
        assert!(e.stderr.contains("duplicate key \"a\""), "{}", e.stderr);
        assert!(e.stdout.is_empty());
    }

    /// serde_json refuses input nested past its limit, and the tree reader then tries YAML,
    /// which allows a little more: the streaming reader takes what serde_json would take of the
    /// whole list, and the run comes out the same either side of that line.
    #[test]
    fn items_nested_near_the_limit_are_read_as_the_tree_reader_reads_them() {
        let nested = |depth: usize| {
            let item = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            format!(r#"{{"kind": "ResourceList", "items": [{item}, "a [ in a string \" ["]}}"#)
        };
        let mut streamed = 0;
        for depth in 110..140 {
            let input = nested(depth);
            let json_reads =
                serde_json::from_str::<crate::strict_value::StrictValue>(&input).is_ok();
            assert_eq!(streams(input.as_bytes()), json_reads, "depth {depth}");
            streamed += usize::from(json_reads);
            let validated = run(input.as_bytes(), Format::Json);
            let processed = crate::process("v", input.as_bytes(), Format::Json, |_| Ok(()));
            assert_eq!(validated.exit_code, processed.exit_code, "depth {depth}");
            assert_eq!(validated.stdout.is_empty(), processed.stdout.is_empty());
        }
        assert!(streamed > 0 && streamed < 30, "{streamed}");
    }
}
