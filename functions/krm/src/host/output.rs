//! The ResourceList a function wrote, held as the JSON text of each item until it is written
//! out. Parsing a large output into trees to print it again would hold ten times its size;
//! here only one item is a tree at a time, while it is written.

use crate::codec::{self, Format};
use crate::raw_list::{self, RawList};
use crate::resource_list::WithItems;
use crate::{ResourceList, Value};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use std::io::Write;
use std::ops::Range;

/// A function's ResourceList. Fields are written back in the order `krm::ResourceList`
/// writes them: apiVersion, kind, items, functionConfig, results, then any others.
#[derive(Debug)]
pub struct FunctionOutput {
    /// Every field but the items, read as the tree reader reads them.
    envelope: ResourceList,
    /// The items' JSON text: the function's stdout itself when it wrote JSON, so the items
    /// are not copied.
    text: Vec<u8>,
    /// Where each item is in `text`.
    items: Vec<Range<usize>>,
}

impl FunctionOutput {
    /// Reads a function's stdout: JSON as krmwasm asks for, read item by item, or YAML
    /// from a function that writes YAML whatever it is asked. Every item is checked here
    /// (a duplicate key is an error), so that writing the output cannot fail half-way.
    pub fn parse(stdout: Vec<u8>) -> Result<Self, String> {
        if codec::looks_like_json(&stdout)
            && let Ok(RawList { fields, items }) = RawList::parse(&stdout)
        {
            // Every field but the items goes to the tree reader, which checks the kind and
            // the fields as it does for any ResourceList.
            let fields = Value::Object(fields);
            codec::expect_resource_list(&fields).map_err(|e| e.to_string())?;
            let list = codec::into_resource_list(fields).map_err(|e| e.to_string())?;
            let start = stdout.as_ptr() as usize;
            let items: Vec<Range<usize>> = items
                .iter()
                .map(|raw| {
                    let offset = raw.get().as_ptr() as usize - start;
                    offset..offset + raw.get().len()
                })
                .collect();
            let output = FunctionOutput {
                envelope: list,
                text: stdout,
                items,
            };
            // Checked now, as the tree reader would check them, so that writing cannot fail
            // half-way.
            if (0..output.items.len())
                .all(|index| raw_list::check_item(output.item_text(index)).is_ok())
            {
                return Ok(output);
            }
            return Self::parse_as_trees(output.text);
        }
        Self::parse_as_trees(stdout)
    }

    /// Reads `stdout` with the tree reader: output that is not JSON, or JSON the item reader
    /// refused, where the tree reader decides and gives the reasons.
    fn parse_as_trees(stdout: Vec<u8>) -> Result<Self, String> {
        let mut envelope = codec::parse_resource_list(&stdout).map_err(|e| e.to_string())?;
        drop(stdout);
        let mut text = Vec::new();
        let mut items = Vec::with_capacity(envelope.items.len());
        for item in std::mem::take(&mut envelope.items) {
            let start = text.len();
            serde_json::to_writer(&mut text, &item).expect("a JSON tree serializes");
            items.push(start..text.len());
        }
        Ok(FunctionOutput {
            envelope,
            text,
            items,
        })
    }

    /// Writes the whole ResourceList as YAML or compact JSON.
    pub fn write_to(&self, out: impl Write, format: Format) -> std::io::Result<()> {
        codec::write(out, self, format)
    }

    /// Writes the items as a YAML stream (`---` between documents), as kustomize's legacy
    /// exec plugins print them.
    pub fn write_items_as_stream(&self, mut out: impl Write) -> std::io::Result<()> {
        for index in 0..self.items.len() {
            if index > 0 {
                out.write_all(b"---\n")?;
            }
            codec::write(&mut out, &self.item(index), Format::Yaml)?;
        }
        Ok(())
    }

    /// [`FunctionOutput::write_to`], into memory.
    pub fn render(&self, format: Format) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out, format)
            .expect("items are checked when read, and a Vec takes them");
        out
    }

    /// [`FunctionOutput::write_items_as_stream`], into memory.
    pub fn render_items_as_stream(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_items_as_stream(&mut out)
            .expect("items are checked when read, and a Vec takes them");
        out
    }

    pub fn items(&self) -> usize {
        self.items.len()
    }

    /// Item `index`'s JSON text: a slice of what was read as JSON, or written as JSON.
    fn item_text(&self, index: usize) -> &str {
        std::str::from_utf8(&self.text[self.items[index].clone()]).unwrap_or_default()
    }

    /// Item `index`, to write it: its JSON text read as it is written, without building a
    /// tree. It was read or written as JSON and checked, so writing it fails only on a bug.
    fn item(&self, index: usize) -> JsonText<'_> {
        JsonText(self.item_text(index))
    }
}

impl Serialize for FunctionOutput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WithItems {
            envelope: &self.envelope,
            items: Items(self),
        }
        .serialize(serializer)
    }
}

/// Items read one at a time, as the serializer reaches them.
struct Items<'a>(&'a FunctionOutput);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.items.len()))?;
        for index in 0..self.0.items.len() {
            seq.serialize_element(&self.0.item(index))?;
        }
        seq.end()
    }
}

/// JSON text, serialized as what it holds.
struct JsonText<'a>(&'a str);

impl Serialize for JsonText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_transcode::transcode(&mut serde_json::Deserializer::from_str(self.0), serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: Thing\n  zeta: 1\n  alpha:\n    custom:\n    - x\n  metadata:\n    name: t\n- apiVersion: v1\n  kind: ConfigMap\n  data:\n    a: '0'\n    b: 'true'\nfunctionConfig:\n  kind: Cfg\n  spec: {}\nresults:\n- message: careful\n  severity: warning\nsomethingElse: kept\n";

    fn as_json(yaml: &str) -> Vec<u8> {
        codec::to_bytes(
            &codec::parse_resource_list(yaml.as_bytes()).unwrap(),
            Format::Json,
        )
    }

    #[test]
    fn renders_what_the_tree_writer_renders() {
        let json = as_json(YAML);
        for stdout in [json.as_slice(), YAML.as_bytes()] {
            let output = FunctionOutput::parse(stdout.to_vec()).unwrap();
            assert_eq!(output.items(), 2);
            let tree = codec::parse_resource_list(stdout).unwrap();
            assert_eq!(
                String::from_utf8(output.render(Format::Yaml)).unwrap(),
                String::from_utf8(codec::to_bytes(&tree, Format::Yaml)).unwrap()
            );
            assert_eq!(output.render(Format::Json), json);
            assert_eq!(
                output.render_items_as_stream(),
                codec::stream_to_yaml(&tree.items)
            );
        }
    }

    #[test]
    fn empty_and_null_items_render_as_an_empty_list() {
        for stdout in [
            &br#"{"kind":"ResourceList"}"#[..],
            br#"{"kind":"ResourceList","items":null,"functionConfig":null,"results":null}"#,
        ] {
            let output = FunctionOutput::parse(stdout.to_vec()).unwrap();
            assert_eq!(
                output.render(Format::Yaml),
                b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
            );
        }
    }

    #[test]
    fn a_duplicate_key_in_an_item_fails_the_whole_output_before_it_is_written() {
        let stdout = br#"{"kind":"ResourceList","items":[{"a":1},{"kind":"X","kind":"Y"}]}"#;
        let e = FunctionOutput::parse(stdout.to_vec()).unwrap_err();
        assert!(
            e.contains("items[1]") && e.contains("duplicate key \"kind\""),
            "{e}"
        );
    }

    #[test]
    fn json_items_are_not_copied() {
        let stdout = as_json(YAML);
        let at = stdout.as_ptr();
        let output = FunctionOutput::parse(stdout).unwrap();
        assert_eq!(
            output.text.as_ptr(),
            at,
            "the items are read where they are"
        );
        assert_eq!(
            output.items[0].start,
            "{\"apiVersion\":\"config.kubernetes.io/v1\",\"kind\":\"ResourceList\",\"items\":["
                .len()
        );
    }

    #[test]
    fn what_is_not_a_resource_list_is_refused_with_a_reason() {
        for (stdout, reason) in [
            (
                &br#"{"kind":"ConfigMap"}"#[..],
                "expected a ResourceList, got kind \"ConfigMap\"",
            ),
            (br#"{"kind":"ResourceList","items":3}"#, "items"),
            (
                br#"{"kind":"ResourceList","kind":"ResourceList"}"#,
                "duplicate key",
            ),
            (
                br#"{"kind":"ResourceList","functionConfig":{"a":1,"a":2}}"#,
                "duplicate key \"a\"",
            ),
            (br#"{"kind":"ResourceList","items":[{"#, "line"),
            (
                b"kind: ResourceList\nresults: [{severity: loud}]\n",
                "results",
            ),
        ] {
            let e = FunctionOutput::parse(stdout.to_vec()).unwrap_err();
            assert!(e.contains(reason), "{e} should say {reason}");
        }
    }
}
