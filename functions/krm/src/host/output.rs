//! The ResourceList a function wrote, held as the JSON text of each item until it is written
//! out. Parsing a large output into trees to print it again would hold ten times its size;
//! here only one item is a tree at a time, while it is written.

use super::ahead::{Ahead, RenderedEnvelope, RenderedShare, SHARE};
use super::as_written::AsWritten;
use super::{input, shares};
use crate::codec::{self, Format};
use crate::raw_list::{self, RawList};
use crate::resource_list::WithItems;
use crate::{ResourceList, Value};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use serde_json::value::RawValue;
use std::io::Write;
use std::ops::Range;

/// From this much item text on (JSON bytes), checking the items and writing them as YAML
/// are shared with a second thread: by then the function has exited and the second core is
/// idle, and below it starting a thread costs more than it saves.
const RENDER_BESIDE: usize = 256 * 1024;

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
    /// The YAML of the first items, rendered while the function ran (see [`super::ahead`]).
    ahead: Vec<RenderedShare>,
    /// The envelope's YAML, rendered while the function ran.
    envelope_ahead: Option<RenderedEnvelope>,
    /// Scalars of the input to write as they were written there.
    as_written: AsWritten,
}

impl FunctionOutput {
    /// Reads a function's stdout: JSON as krmwasm asks for, read item by item, or YAML
    /// from a function that writes YAML whatever it is asked. Every item is checked here
    /// (a duplicate key is an error), so that writing the output cannot fail half-way.
    pub fn parse(stdout: Vec<u8>) -> Result<Self, String> {
        Self::parse_with(stdout, Ahead::default())
    }

    /// [`FunctionOutput::parse`], keeping what was rendered `ahead` for the items found
    /// exactly where it found them. `ahead` must have followed this very `stdout`.
    pub fn parse_with(stdout: Vec<u8>, ahead: Ahead) -> Result<Self, String> {
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
            let mut output = FunctionOutput {
                envelope: list,
                text: stdout,
                items,
                ahead: Vec::new(),
                envelope_ahead: None,
                as_written: AsWritten::default(),
            };
            output.keep_matching(ahead);
            // Checked now, as the tree reader would check them, so that writing cannot fail
            // half-way.
            if output.items_read_as_trees_would() {
                return Ok(output);
            }
            return Self::parse_as_trees(output.text);
        }
        Self::parse_as_trees(stdout)
    }

    /// Whether every item reads as the tree reader would read it. A large output is checked
    /// in two halves at once, as it is written (see [`RENDER_BESIDE`]).
    fn items_read_as_trees_would(&self) -> bool {
        let all_in = |range: Range<usize>| {
            range
                .into_iter()
                .all(|index| raw_list::check_item(self.item_text(index)).is_ok())
        };
        // Items rendered ahead were checked before they were rendered.
        let (first, count) = (self.rendered_ahead(), self.items.len());
        let middle = first + (count - first) / 2;
        if self.items_text_len() < RENDER_BESIDE {
            return all_in(first..count);
        }
        let (first_half, second_half) =
            super::beside::run_beside(|| all_in(first..middle), || all_in(middle..count));
        first_half && second_half
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
            ahead: Vec::new(),
            envelope_ahead: None,
            as_written: AsWritten::default(),
        })
    }

    /// Keeps the shares rendered ahead whose items are all where the reading found them, and
    /// the envelope rendered ahead if it is the one read.
    fn keep_matching(&mut self, ahead: Ahead) {
        let Ahead {
            items,
            mut shares,
            envelope,
        } = ahead;
        let list = &self.envelope;
        self.envelope_ahead = envelope.filter(|rendered| {
            rendered.is_of(&input::envelope_json(
                &list.api_version,
                &list.kind,
                list.function_config.as_ref(),
                &list.results,
                &list.extra,
            ))
        });
        let matching = items
            .iter()
            .zip(&self.items)
            .take_while(|(found, read)| found == read)
            .count();
        shares.retain(|share| share.items.end <= matching);
        self.ahead = shares;
    }

    /// Has the items write the input's scalars `as_written` noted as they were written there,
    /// where they still hold the values they were read as (see [`AsWritten`]). Items rendered
    /// ahead are then rendered again.
    pub fn keep_as_written(&mut self, as_written: AsWritten) {
        self.as_written = as_written;
    }

    /// Whether the envelope was rendered ahead, and is the one read.
    pub fn envelope_rendered_ahead(&self) -> bool {
        self.envelope_ahead.is_some()
    }

    /// How many of the first items were rendered (and checked) ahead.
    pub fn rendered_ahead(&self) -> usize {
        self.ahead.last().map_or(0, |share| share.items.end)
    }

    /// Writes the whole ResourceList as YAML or compact JSON.
    pub fn write_to(&self, mut out: impl Write, format: Format) -> std::io::Result<()> {
        if format == Format::Yaml
            && (self.items_text_len() >= RENDER_BESIDE
                || !self.ahead.is_empty()
                || self.envelope_ahead.is_some()
                || !self.as_written.is_empty())
            && self.write_yaml_in_shares(&mut out, SHARE)?
        {
            return Ok(());
        }
        codec::write(out, self, format)
    }

    /// Writes the items as a YAML stream (`---` between documents), as kustomize's legacy
    /// exec plugins print them.
    pub fn write_items_as_stream(&self, mut out: impl Write) -> std::io::Result<()> {
        let share = if self.items_text_len() >= RENDER_BESIDE {
            SHARE
        } else {
            usize::MAX
        };
        self.write_stream_in_shares(&mut out, share)
    }

    /// [`FunctionOutput::write_to`] in YAML, its items rendered in shares of `share` bytes
    /// of their JSON, every other share on a second thread. A top-level YAML sequence is
    /// written as the items of a ResourceList are (block sequences in a mapping are not
    /// indented), so each share is rendered on its own and the envelope around them once.
    /// False, having written nothing, when the envelope cannot be split around its items.
    fn write_yaml_in_shares(&self, out: &mut dyn Write, share: usize) -> std::io::Result<bool> {
        if self.items.is_empty() {
            return Ok(false);
        }
        let around = match &self.envelope_ahead {
            Some(rendered) => Some((rendered.yaml(), rendered.placeholder.clone())),
            None => yaml_around_items(&self.envelope),
        };
        let Some((envelope, placeholder)) = around else {
            return Ok(false);
        };
        out.write_all(&envelope[..placeholder.start])?;
        // The shares rendered ahead, then the rest cut into shares.
        let first = self.rendered_ahead();
        let mut shares: Vec<Range<usize>> = self.ahead.iter().map(|s| s.items.clone()).collect();
        shares.extend(
            shares::cut(self.items[first..].iter().map(|item| item.len()), share)
                .into_iter()
                .map(|range| range.start + first..range.end + first),
        );
        shares::write_in_order(
            &shares,
            |range, out| match self
                .ahead
                .get(self.ahead.partition_point(|s| s.items.start < range.start))
            {
                Some(rendered) if rendered.items == range && self.as_written.is_empty() => {
                    out.write_all(&rendered.yaml())
                }
                _ => self.write_entries(range, out),
            },
            out,
        )?;
        out.write_all(&envelope[placeholder.end..])?;
        Ok(true)
    }

    /// [`FunctionOutput::write_items_as_stream`] in shares of `share` bytes of JSON.
    fn write_stream_in_shares(&self, out: &mut dyn Write, share: usize) -> std::io::Result<()> {
        let shares = shares::cut(self.items.iter().map(|item| item.len()), share);
        shares::write_in_order(
            &shares,
            |range, out| {
                for index in range {
                    if index > 0 {
                        out.write_all(b"---\n")?;
                    }
                    match self.as_written.restore(self.item_text(index), false) {
                        Some(yaml) => out.write_all(&yaml)?,
                        None => codec::write(&mut *out, &self.item(index), Format::Yaml)?,
                    }
                }
                Ok(())
            },
            out,
        )
    }

    /// The items in `range` as the entries of a YAML sequence, those holding scalars to
    /// write as written rendered one by one.
    fn write_entries(&self, range: Range<usize>, out: &mut dyn Write) -> std::io::Result<()> {
        if self.as_written.is_empty() {
            return codec::write(out, &self.texts(range), Format::Yaml);
        }
        let mut unchanged_from = range.start;
        for index in range.clone() {
            if let Some(yaml) = self.as_written.restore(self.item_text(index), true) {
                if unchanged_from < index {
                    codec::write(&mut *out, &self.texts(unchanged_from..index), Format::Yaml)?;
                }
                out.write_all(&yaml)?;
                unchanged_from = index + 1;
            }
        }
        if unchanged_from < range.end {
            codec::write(out, &self.texts(unchanged_from..range.end), Format::Yaml)?;
        }
        Ok(())
    }

    /// The bytes of JSON text the items hold.
    fn items_text_len(&self) -> usize {
        self.items.iter().map(|item| item.len()).sum()
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

    /// The items in `range`, to write them as a sequence.
    fn texts(&self, range: Range<usize>) -> JsonTexts<'_> {
        JsonTexts(range.map(|index| self.item_text(index)).collect())
    }
}

impl Serialize for FunctionOutput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WithItems {
            envelope: &self.envelope,
            items: self.texts(0..self.items.len()),
        }
        .serialize(serializer)
    }
}

/// The item written where a list's items go, to find where that is in its YAML.
const PLACEHOLDER: &str = "krmwasm-items-are-written-here";

/// `envelope`'s YAML with one placeholder item, and where that item's line is; None when
/// the line is not found exactly once, so that where the items go is not sure.
pub(super) fn yaml_around_items(envelope: &ResourceList) -> Option<(Vec<u8>, Range<usize>)> {
    find_placeholder(codec::to_bytes(
        &WithItems {
            envelope,
            items: [PLACEHOLDER],
        },
        Format::Yaml,
    ))
}

/// [`yaml_around_items`] for an envelope given as its JSON (see `input::envelope_json`), read
/// without making trees: the same bytes, and no more memory than the text's.
pub(super) fn yaml_around_items_of_json(json: &[u8]) -> Option<(Vec<u8>, Range<usize>)> {
    let fields: EnvelopeFields = serde_json::from_slice(json).ok()?;
    let keys: Vec<&str> = fields
        .0
        .iter()
        .take(2)
        .map(|(key, _)| key.as_str())
        .collect();
    if keys != ["apiVersion", "kind"] {
        return None;
    }
    find_placeholder(codec::to_bytes(&fields, Format::Yaml))
}

fn find_placeholder(yaml: Vec<u8>) -> Option<(Vec<u8>, Range<usize>)> {
    let line = format!("\n- {PLACEHOLDER}\n");
    let line = line.as_bytes();
    let mut found = yaml
        .windows(line.len())
        .enumerate()
        .filter(|(_, window)| *window == line);
    let (at, _) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    // The line's own newline before it belongs to the line above.
    Some((yaml, at + 1..at + line.len()))
}

/// An envelope's fields as JSON text, in their order, written as [`WithItems`] writes them:
/// the first two (apiVersion and kind), the placeholder items, the rest.
struct EnvelopeFields<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for EnvelopeFields<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> serde::de::Visitor<'de> for FieldsVisitor {
            type Value = EnvelopeFields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some(field) = access.next_entry()? {
                    fields.push(field);
                }
                Ok(EnvelopeFields(fields))
            }
        }
        d.deserialize_map(FieldsVisitor)
    }
}

impl Serialize for EnvelopeFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        let (first, rest) = self.0.split_at(2);
        for (key, value) in first {
            map.serialize_entry(key, &JsonText(value.get()))?;
        }
        map.serialize_entry("items", &[PLACEHOLDER])?;
        for (key, value) in rest {
            map.serialize_entry(key, &JsonText(value.get()))?;
        }
        map.end()
    }
}

/// Items as JSON texts, each read as the serializer reaches it.
pub(super) struct JsonTexts<'a>(pub(super) Vec<&'a str>);

impl Serialize for JsonTexts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for text in &self.0 {
            seq.serialize_element(&JsonText(text))?;
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
    use super::super::FunctionInput;
    use super::super::ahead::RenderAhead;
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
    fn a_duplicate_key_in_either_half_of_a_large_output_fails_it() {
        // Raw U+2028 and U+0085 among them, which break lines in YAML but not in JSON.
        let items: Vec<String> = (0..100)
            .flat_map(|_| awkward_items())
            .map(|item| item.to_string())
            .collect();
        let count = items.len();
        for bad in [0, count / 2 - 1, count / 2, count - 1] {
            let mut items = items.clone();
            items[bad] = r#"{"kind":"X","kind":"Y"}"#.into();
            let stdout = format!(r#"{{"kind":"ResourceList","items":[{}]}}"#, items.join(","));
            assert!(stdout.len() >= RENDER_BESIDE);
            let e = FunctionOutput::parse(stdout.into_bytes()).unwrap_err();
            assert!(
                e.contains(&format!("items[{bad}]")) && e.contains("duplicate key \"kind\""),
                "{e}"
            );
        }
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

    /// Writes `stdout`'s output in shares of several sizes and requires the bytes written at
    /// once, as a list and as a stream. True when the list could be written in shares.
    fn agrees_in_shares(stdout: &[u8]) -> bool {
        let output = FunctionOutput::parse(stdout.to_vec()).unwrap();
        let tree = codec::parse_resource_list(stdout).unwrap();
        let whole = String::from_utf8(codec::to_bytes(&output, Format::Yaml)).unwrap();
        assert_eq!(
            whole,
            String::from_utf8(codec::to_bytes(&tree, Format::Yaml)).unwrap()
        );
        // Rendered ahead, taken in pieces of any size, the output is the same; so it is with
        // its envelope rendered ahead, and with another envelope expected.
        let envelope = |list: &[u8]| {
            FunctionInput::parse_list(list)
                .unwrap()
                .into_json_and_envelope()
                .1
        };
        let cases = [(1, 1), (1, 7), (2, 64), (100, stdout.len()), (4096, 5)];
        for (case, (share, piece)) in cases.into_iter().enumerate() {
            let expected = match case % 3 {
                0 => None,
                1 => Some((envelope(stdout), true)),
                _ => Some((envelope(br#"{"kind":"ResourceList","other":1}"#), false)),
            };
            let mut ahead = RenderAhead::with_share(share);
            let mut matching = false;
            if let Some((envelope, matches)) = expected {
                ahead = ahead.expecting_from(envelope, 0);
                ahead.render_expected_envelope();
                matching = matches;
            }
            for bytes in stdout.chunks(piece) {
                ahead.take(bytes);
            }
            let output = FunctionOutput::parse_with(stdout.to_vec(), ahead.finish()).unwrap();
            if share == 1 && output.items() > 0 && codec::looks_like_json(stdout) {
                assert_eq!(
                    output.rendered_ahead(),
                    output.items(),
                    "all rendered ahead"
                );
            }
            // Kept when it is the output's, unless the output cannot be written around its
            // items at all.
            assert_eq!(
                output.envelope_rendered_ahead(),
                matching
                    && codec::looks_like_json(stdout)
                    && yaml_around_items(&output.envelope).is_some(),
                "envelope rendered ahead, matching: {matching}"
            );
            let rendered = String::from_utf8(output.render(Format::Yaml)).unwrap();
            assert_eq!(rendered, whole, "rendered ahead in shares of {share}");
        }
        let stream = String::from_utf8(codec::stream_to_yaml(&tree.items)).unwrap();
        let mut in_shares = false;
        for share in [1, 2, 3, 100, 4096, usize::MAX] {
            let mut out = Vec::new();
            if output.write_yaml_in_shares(&mut out, share).unwrap() {
                in_shares = true;
                assert_eq!(String::from_utf8(out).unwrap(), whole, "shares of {share}");
            } else {
                assert!(out.is_empty(), "wrote before falling back");
            }
            let mut out = Vec::new();
            output.write_stream_in_shares(&mut out, share).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), stream, "shares of {share}");
        }
        in_shares
    }

    /// Strings YAML writes in every style: plain, quoted, literal blocks with each chomping,
    /// and ones that look like other types or like YAML's own syntax.
    const AWKWARD: &[&str] = &[
        "",
        "\n",
        "x\n",
        "x\n\n",
        "x\n\n\n",
        "\n\nx",
        " lead",
        "trail ",
        "a: b",
        "- x",
        "...",
        "---",
        "#c",
        "'q'",
        "\"d\"",
        "0",
        "0x1F",
        "1e3",
        "true",
        "null",
        "~",
        "yes",
        "é ü",
        "\u{2028}x",
        "x\u{85}",
        "tab\tin",
        "\r\n",
        "|",
        ">",
        "{a}",
        "[b]",
        "*a",
        "&a",
        "!t",
        "%p",
        "@x",
        "`y",
        "a\n  b\n",
        "  indented\nlines\n\n",
    ];

    fn awkward_items() -> Vec<serde_json::Value> {
        let long = "long words ".repeat(40);
        AWKWARD
            .iter()
            .copied()
            .chain([long.as_str()])
            .enumerate()
            .map(|(i, s)| {
                serde_json::json!({
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("cm-{i}"), "labels": {s: s}},
                    "data": {"value": s}, "list": [s, [s, [s]], {"k": s}, [], {}],
                    "n": i, "f": 1.5, "b": true, "none": null, "last": s,
                })
            })
            .collect()
    }

    #[test]
    fn written_in_shares_a_list_is_the_same_bytes() {
        let items = awkward_items();
        let envelopes = [
            serde_json::json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList"}),
            serde_json::json!({
                "apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
                "functionConfig": {"kind": "Cfg", "spec": {"s": "x\n\n"}},
                "results": [{"message": "m\n\n", "severity": "warning"}],
                "somethingElse": ["x\n\n"],
            }),
            serde_json::json!({"kind": "ResourceList", "results": [{"message": "- a\n"}]}),
        ];
        for envelope in envelopes {
            for items in [&items[..], &items[3..4], &items[..1]] {
                let mut list = envelope.clone();
                list["items"] = items.into();
                let stdout = serde_json::to_vec(&list).unwrap();
                assert!(agrees_in_shares(&stdout), "{list}");
            }
        }
    }

    /// Random values built from awkward pieces: every shape nested in every other, strings
    /// made of YAML's special characters, line breaks and multi-byte text.
    #[test]
    fn random_lists_are_the_same_bytes_written_in_shares() {
        struct Rng(u64);
        impl Rng {
            fn below(&mut self, n: usize) -> usize {
                // xorshift64*: enough to vary the cases, and the same ones on every run.
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
            }
            fn string(&mut self) -> String {
                const PIECES: &[&str] = &[
                    "a", " ", "\n", "\n\n", "\r", "\t", ":", "- ", "#", "'", "\"", "|", ">", "{",
                    "]", "0", "1.5", "-", "true", "~", "é", "\u{2028}", "\u{85}", "\u{feff}", "💥",
                    "\\",
                ];
                (0..self.below(6))
                    .map(|_| PIECES[self.below(PIECES.len())])
                    .collect()
            }
            fn value(&mut self, depth: usize) -> serde_json::Value {
                match self.below(if depth == 0 { 5 } else { 7 }) {
                    0 => serde_json::Value::Null,
                    1 => (self.below(3) == 0).into(),
                    2 => (self.below(1000) as i64 - 500).into(),
                    3 | 4 => self.string().into(),
                    5 => (0..self.below(4)).map(|_| self.value(depth - 1)).collect(),
                    _ => serde_json::Value::Object(
                        (0..self.below(4))
                            .map(|_| (self.string(), self.value(depth - 1)))
                            .collect(),
                    ),
                }
            }
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..300 {
            let items: Vec<_> = (0..1 + rng.below(6))
                .map(|_| {
                    let mut item = serde_json::json!({"kind": "Thing"});
                    for _ in 0..rng.below(4) {
                        item[rng.string()] = rng.value(3);
                    }
                    item
                })
                .collect();
            let list = serde_json::json!({"kind": "ResourceList", "items": items});
            assert!(
                agrees_in_shares(&serde_json::to_vec(&list).unwrap()),
                "{list}"
            );
        }
    }

    #[test]
    fn an_envelope_holding_the_placeholder_line_is_written_at_once() {
        let list = serde_json::json!({
            "kind": "ResourceList", "items": awkward_items(),
            "extra": ["krmwasm-items-are-written-here"],
        });
        assert!(!agrees_in_shares(&serde_json::to_vec(&list).unwrap()));
        let list = serde_json::json!({"kind": "ResourceList", "items": []});
        assert!(!agrees_in_shares(&serde_json::to_vec(&list).unwrap()));
    }

    #[test]
    fn a_large_output_is_written_in_shares() {
        let items: Vec<_> = (0..100).flat_map(|_| awkward_items()).collect();
        let list = serde_json::json!({"kind": "ResourceList", "items": items});
        let output = FunctionOutput::parse(serde_json::to_vec(&list).unwrap()).unwrap();
        assert!(output.items_text_len() >= RENDER_BESIDE);
        let whole = codec::to_bytes(&output, Format::Yaml);
        let mut out = Vec::new();
        assert!(output.write_yaml_in_shares(&mut out, SHARE).unwrap());
        assert_eq!(out, whole);
        assert_eq!(output.render(Format::Yaml), whole);
    }

    #[test]
    fn the_real_world_corpus_is_the_same_written_in_shares() {
        let Some(files) = crate::host::items_layout_tests::corpus() else {
            return;
        };
        let mut all = Vec::new();
        for (path, text) in &files {
            let Ok(docs) = codec::parse_stream(text.as_bytes()) else {
                continue;
            };
            let list = crate::ResourceList::new(docs.clone(), None);
            assert!(
                agrees_in_shares(&codec::to_bytes(&list, Format::Json)),
                "{path}"
            );
            all.extend(docs);
        }
        let list = crate::ResourceList::new(all, None);
        assert!(agrees_in_shares(&codec::to_bytes(&list, Format::Json)));
    }
}
