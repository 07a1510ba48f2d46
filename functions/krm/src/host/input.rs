//! The ResourceList krmwasm hands a function, built as JSON text while the input is read.
//! Each item is parsed, written out and dropped before the next is read, so a large input
//! is never held as trees (ten times its size); the JSON is what the guest reads anyway.

use super::as_written::AsWritten;
use super::items_layout;
use super::verbatim::Verbatim;
use crate::codec::{self, DecodeError};
use crate::raw_list::{self, RawList};
use crate::strict_value::StrictValue;
use crate::{Diagnostic, Map, Value};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt;
use std::sync::mpsc::TrySendError;

/// A ResourceList on its way to a function.
#[derive(Debug)]
pub struct FunctionInput {
    api_version: String,
    kind: String,
    /// `{"items":[` and the items so far: the start of the JSON sent.
    items: ItemsJson,
    pub function_config: Option<Value>,
    results: Vec<Diagnostic>,
    extra: Map<String, Value>,
    /// Scalars of the input's YAML to write back as they were written (boxed: most inputs
    /// note none, and a list is moved about).
    as_written: Box<AsWritten>,
    /// The list was laid out item by item, and its scalars noted as it was read.
    noted_while_read: bool,
}

const ITEMS_START: &[u8] = br#"{"items":["#;

/// A ResourceList's fields but its items, as compact JSON (see [`envelope_json`]).
#[derive(Debug)]
pub struct Envelope {
    pub(super) json: Vec<u8>,
}

/// A ResourceList's fields but its items as one compact JSON object, in the order they are
/// written: the same bytes for two envelopes exactly when they are written the same (a JSON
/// tree's `==` does not look at the order of keys).
pub(super) fn envelope_json(
    api_version: &str,
    kind: &str,
    function_config: Option<&Value>,
    results: &[Diagnostic],
    extra: &Map<String, Value>,
) -> Vec<u8> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Rest<'a> {
        api_version: &'a str,
        kind: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        function_config: Option<&'a Value>,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        results: &'a [Diagnostic],
        #[serde(flatten)]
        extra: &'a Map<String, Value>,
    }
    let rest = Rest {
        api_version,
        kind,
        function_config,
        results,
        extra,
    };
    serde_json::to_vec(&rest).expect("a JSON tree serializes")
}

impl Default for FunctionInput {
    fn default() -> Self {
        FunctionInput {
            api_version: crate::resource_list::API_VERSION.to_string(),
            kind: crate::resource_list::KIND.to_string(),
            items: ItemsJson {
                json: ITEMS_START.to_vec(),
                count: 0,
                texts: Box::default(),
            },
            function_config: None,
            results: Vec::new(),
            extra: Map::new(),
            as_written: Box::default(),
            noted_while_read: false,
        }
    }
}

impl FunctionInput {
    /// An empty ResourceList.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an item.
    pub fn push(&mut self, item: &Value) {
        self.items.push_tree(item);
    }

    /// Appends items already written as JSON.
    fn push_json(&mut self, items: ItemsJson) {
        self.items.append(items);
    }

    /// A ResourceList read as a tree, its items written out.
    fn from_envelope(list: crate::ResourceList) -> Self {
        let mut input = FunctionInput {
            api_version: list.api_version,
            kind: list.kind,
            function_config: list.function_config,
            results: list.results,
            extra: list.extra,
            ..Self::default()
        };
        for item in &list.items {
            input.push(item);
        }
        input
    }

    pub fn items(&self) -> usize {
        self.items.count
    }

    /// Notes the plain scalars of `input`, text items were read from, that would not be
    /// written back as they are written there (see [`AsWritten`]).
    pub fn note_as_written(&mut self, input: &[u8]) {
        self.add_as_written(input, None);
    }

    /// [`FunctionInput::note_as_written`], given what [`super::scan_while`] noted while
    /// `input` was read, if it did. Each text adds to what was noted. A ResourceList laid out
    /// item by item was noted as it was read, so its own text is not scanned again.
    pub fn add_as_written(&mut self, input: &[u8], noted: Option<AsWritten>) {
        if std::mem::take(&mut self.noted_while_read) {
            return;
        }
        let noted = noted.unwrap_or_else(|| AsWritten::of(input));
        self.as_written.merge(noted);
    }

    /// What [`FunctionInput::note_as_written`] and [`FunctionInput::add_as_written`] noted,
    /// for the output (see [`super::FunctionOutput::keep_as_written`]).
    pub fn take_as_written(&mut self) -> AsWritten {
        *std::mem::take(&mut self.as_written)
    }

    /// The ResourceList as compact JSON. Items come first, then the other fields: JSON
    /// objects are unordered, and this way the items are never copied.
    pub fn into_json(self) -> Vec<u8> {
        self.into_json_and_envelope().0
    }

    /// [`FunctionInput::into_json`], and the list's other fields: what a function that
    /// makes or changes items writes back around them, to be rendered while it runs (see
    /// [`super::RenderAhead::expecting`]).
    pub fn into_json_and_envelope(self) -> (Vec<u8>, Envelope) {
        let rest = envelope_json(
            &self.api_version,
            &self.kind,
            self.function_config.as_ref(),
            &self.results,
            &self.extra,
        );
        let mut json = self.items.json;
        json.extend_from_slice(b"],");
        // `rest` is an object with at least apiVersion: splice its fields in after the items.
        json.extend_from_slice(&rest[1..]);
        json.push(b'\n');
        (json, Envelope { json: rest })
    }

    /// The list as one tree, for a ResourceList found among other documents (where it is
    /// just an item).
    fn into_tree(self) -> Value {
        serde_json::from_slice(&self.into_json()).expect("the JSON written above reads back")
    }

    /// Reads input that must be a single ResourceList (what kustomize and kpt send), noting
    /// the scalars to write back as written.
    pub fn parse_list(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut documents = Vec::new();
        read_documents(bytes, |document| {
            documents.push(document);
            Ok(())
        })?;
        match documents.pop() {
            Some(Document::List(mut list)) if documents.is_empty() => {
                list.note_as_written(bytes);
                Ok(list)
            }
            Some(Document::Other(value)) if documents.is_empty() => {
                codec::expect_resource_list(&value)?;
                // Every ResourceList is read as Document::List; were one not, read it whole.
                let mut list = codec::into_resource_list(value).map(Self::from_envelope)?;
                list.note_as_written(bytes);
                Ok(list)
            }
            None => Err(DecodeError(
                "expected a ResourceList (a YAML or JSON object), got no document".into(),
            )),
            Some(_) => Err(DecodeError(format!(
                "expected a single ResourceList, got {} documents",
                documents.len() + 1
            ))),
        }
    }
}

/// The scalar methods of a visitor whose result wraps a JSON tree: `$wrap(value)`.
macro_rules! visit_scalars_as_tree {
    ($wrap:path) => {
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            Ok($wrap(Value::Bool(v)))
        }

        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok($wrap(v.into()))
        }

        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok($wrap(v.into()))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            serde_json::Number::from_f64(v)
                .map(|n| $wrap(Value::Number(n)))
                .ok_or_else(|| E::custom(format!("{v} is not a number JSON can hold")))
        }

        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok($wrap(Value::String(v.to_string())))
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($wrap(Value::Null))
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($wrap(Value::Null))
        }
    };
}

/// One document of an input.
#[derive(Debug)]
pub enum Document {
    /// `kind: ResourceList` (or `List`, as kyaml also accepts), its items already JSON text.
    List(FunctionInput),
    /// Anything else, as a tree.
    Other(Value),
}

impl Document {
    /// The document as a tree, a ResourceList included.
    pub fn into_tree(self) -> Value {
        match self {
            Document::List(list) => list.into_tree(),
            Document::Other(value) => value,
        }
    }
}

/// Reads the documents of YAML (`---` separated) or JSON input, handing each to `each` as
/// soon as it is read; empty documents are skipped. Errors name the document and, where the
/// parser knows them, the line and column.
pub fn read_documents(
    bytes: &[u8],
    mut each: impl FnMut(Document) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    if let Some(document) = read_item_by_item(bytes).or_else(|| read_json_list(bytes)) {
        return each(document);
    }
    codec::read_stream(bytes, |document| match document {
        Document::Other(Value::Null) => Ok(()),
        document => each(document),
    })
}

/// Reads a one-document YAML ResourceList (or any mapping with `items`) one item at a time,
/// each from its own text ([`items_layout`]), so that the YAML reader never holds more than
/// one item's events; the rest of the document is read as before, without its items. `None`
/// when that cannot be done exactly as reading it whole does, or when anything fails: the
/// whole reader then reads it again and reports the error with its real line and column.
pub(super) fn read_item_by_item(bytes: &[u8]) -> Option<Document> {
    read_item_by_item_on(
        bytes,
        (bytes.len() >= LAY_OUT_BESIDE).then_some(ITEMS_WAITING),
    )
}

/// From this size on, the text is laid out on a thread of its own while the items already
/// found are read: laying out is a second parse of the whole text, so most of its time is
/// hidden. Below it, a thread would cost more than it saves.
const LAY_OUT_BESIDE: usize = 256 << 10;

/// How many laid-out items may wait for the reader; a few hundred are a few hundred KiB.
const ITEMS_WAITING: usize = 256;

/// An item on its way from the layout thread to the reader.
enum Laid {
    /// Its YAML text, for the reader to read.
    Yaml(String),
    /// Read already, by the layout thread, while the reader was behind.
    Json(ItemsJson),
    /// It did not read: the whole reader must read the document.
    Failed,
}

/// [`read_item_by_item`], laying out on a second thread (with at most `beside` items waiting
/// for the reader) or on this one.
pub(super) fn read_item_by_item_on(bytes: &[u8], beside: Option<usize>) -> Option<Document> {
    if codec::looks_like_json(bytes) {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    // Before any parser sees it, as the whole reader does.
    codec::check_flow_nesting(text).ok()?;
    let mut items = ItemsJson::default();
    // The items' texts are most of the text: room for them at once, not grown by doubling.
    items.texts.reserve(text.len());
    let laid_out = if let Some(waiting) = beside {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Laid>(waiting);
        // Reading an item costs more than laying it out: when the reader is behind (the
        // channel is full), the layout thread reads the item itself, so that both threads
        // read items. Either way the items reach the reader in their order.
        let hand_over = move |item: String| match sender.try_send(Laid::Yaml(item)) {
            Ok(()) => true,
            Err(TrySendError::Full(Laid::Yaml(item))) => {
                let mut json = ItemsJson::default();
                let read = json.push_yaml(&item);
                let laid = if read { Laid::Json(json) } else { Laid::Failed };
                sender.send(laid).is_ok() && read
            }
            Err(_) => false,
        };
        // A failed item ends the reading; dropping the receiver then stops the layout.
        let read_all = || {
            receiver.into_iter().all(|laid| match laid {
                Laid::Yaml(item) => items.push_yaml(&item),
                Laid::Json(item) => {
                    items.append(item);
                    true
                }
                Laid::Failed => false,
            })
        };
        // A layout that panicked is one that did not lay out: the whole reader reads it.
        let lay_out = move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                items_layout::lay_out(text, hand_over)
            }))
            .ok()
            .flatten()
        };
        let (read_all, laid_out) = super::beside::run_beside(read_all, lay_out);
        read_all.then_some(laid_out?)?
    } else {
        items_layout::lay_out(text, |item| items.push_yaml(&item))?
    };
    let (envelope, as_written) = laid_out;
    match serde_norway::from_str(&envelope).ok()? {
        Document::List(mut list) if list.items() == 0 => {
            let mut as_written = as_written;
            as_written.add_verbatim(*std::mem::take(&mut items.texts));
            list.push_json(items);
            list.as_written = Box::new(as_written);
            list.noted_while_read = true;
            Some(Document::List(list))
        }
        Document::Other(Value::Object(mut fields)) => {
            *fields.get_mut("items")? = items_tree(items.json);
            Some(Document::Other(Value::Object(fields)))
        }
        _ => None,
    }
}

/// Reads a JSON ResourceList (what `kubectl get -o json` or `krmwasm run -o json` write)
/// without making its items trees: each is checked as the tree reader would read it, then
/// written again straight from its text, the same bytes as from its tree. Trees would cost
/// ten times the text and most of the time. `None` for anything else, or for anything the
/// check refuses: the tree reader then reads the input again and words the error.
pub(super) fn read_json_list(bytes: &[u8]) -> Option<Document> {
    if !codec::looks_like_json(bytes) {
        return None;
    }
    let list = RawList::parse(bytes).ok()?;
    if !codec::is_resource_list_kind(list.fields.get("kind").and_then(Value::as_str)) {
        return None;
    }
    let mut items = ItemsJson::default();
    for item in &list.items {
        raw_list::check_item(item.get()).ok()?;
        items.push_text(item.get())?;
    }
    into_list::<serde_json::Error>(list.fields, Some(ItemsField::Text(items)))
        .ok()
        .map(Document::List)
}

/// Items read so far, as comma-separated JSON (after whatever `json` started with).
#[derive(Debug, Default)]
struct ItemsJson {
    json: Vec<u8>,
    count: usize,
    /// The texts of the items read from YAML, by their JSON (boxed: a list is moved about).
    texts: Box<Verbatim>,
}

impl ItemsJson {
    fn append(&mut self, more: ItemsJson) {
        if more.count == 0 {
            return;
        }
        self.texts.merge(*more.texts);
        if self.count > 0 {
            self.json.push(b',');
        }
        self.json.extend_from_slice(&more.json);
        self.count += more.count;
    }

    /// Appends an item's JSON text, written again as [`Self::push_tree`] writes it (compact,
    /// serde_json's escapes and numbers) but without a tree; `None` if it is not JSON.
    fn push_text(&mut self, text: &str) -> Option<()> {
        if self.count > 0 {
            self.json.push(b',');
        }
        let mut reader = serde_json::Deserializer::from_str(text);
        let mut writer = serde_json::Serializer::new(&mut self.json);
        serde_transcode::transcode(&mut reader, &mut writer).ok()?;
        self.count += 1;
        Some(())
    }

    fn push_tree(&mut self, item: &Value) {
        if self.count > 0 {
            self.json.push(b',');
        }
        serde_json::to_writer(&mut self.json, item).expect("a JSON tree serializes");
        self.count += 1;
    }

    /// Reads one item's YAML text, keeping the text (see [`Verbatim`]); `false` if it does
    /// not read.
    fn push_yaml(&mut self, yaml: &str) -> bool {
        let Ok(StrictValue(item)) = serde_norway::from_str(yaml) else {
            return false;
        };
        let start = self.json.len() + usize::from(self.count > 0);
        self.push_tree(&item);
        self.texts.note(&self.json[start..], yaml);
        true
    }
}

/// Comma-separated JSON items as one array.
fn items_tree(mut json: Vec<u8>) -> Value {
    json.insert(0, b'[');
    json.push(b']');
    serde_json::from_slice(&json).expect("the JSON written while reading reads back")
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocumentVisitor)
    }
}

/// A document's top-level mapping is read key by key; a sequence under `items` becomes JSON
/// text at once, item by item. Whether that text is a ResourceList's items or one field of
/// some other object is known only at the end of the mapping (`kind` may come last).
struct DocumentVisitor;

/// The value of a top-level `items` key.
enum ItemsField {
    /// A sequence, as comma-separated JSON.
    Text(ItemsJson),
    Tree(Value),
}

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML or JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Document, A::Error> {
        let mut seen = HashSet::new();
        let mut fields = Map::new();
        let mut items = None;
        while let Some(key) = access.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "duplicate key {key:?} in one mapping; keep one of them"
                )));
            }
            if key == "items" {
                items = Some((fields.len(), access.next_value_seed(ItemsSeed)?));
            } else {
                let StrictValue(value) = access.next_value()?;
                fields.insert(key, value);
            }
        }
        if codec::is_resource_list_kind(fields.get("kind").and_then(Value::as_str)) {
            into_list(fields, items.map(|(_, items)| items)).map(Document::List)
        } else {
            Ok(Document::Other(Value::Object(with_items_tree(
                fields, items,
            ))))
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
        let StrictValue(v) = StrictValue::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(Document::Other(v))
    }

    visit_scalars_as_tree!(Document::Other);
}

/// A ResourceList from its fields: the items already JSON text, every other field checked
/// by the tree reader, as for any ResourceList.
fn into_list<E: de::Error>(
    mut fields: Map<String, Value>,
    items: Option<ItemsField>,
) -> Result<FunctionInput, E> {
    let text = match items {
        Some(ItemsField::Text(items)) => Some(items),
        // Null, or not a sequence: the tree reader takes it, and says what is wrong.
        Some(ItemsField::Tree(tree)) => {
            fields.insert("items".to_string(), tree);
            None
        }
        None => None,
    };
    let envelope = codec::into_resource_list(Value::Object(fields)).map_err(E::custom)?;
    let mut list = FunctionInput::from_envelope(envelope);
    if let Some(items) = text {
        list.push_json(items);
    }
    Ok(list)
}

/// An object that is not a ResourceList, with its `items` back in place as a tree.
fn with_items_tree(
    fields: Map<String, Value>,
    items: Option<(usize, ItemsField)>,
) -> Map<String, Value> {
    let Some((position, items)) = items else {
        return fields;
    };
    let items = match items {
        ItemsField::Tree(value) => value,
        ItemsField::Text(items) => items_tree(items.json),
    };
    let mut object = Map::with_capacity(fields.len() + 1);
    let mut rest = fields.into_iter();
    object.extend(rest.by_ref().take(position));
    object.insert("items".to_string(), items);
    object.extend(rest);
    object
}

struct ItemsSeed;

impl<'de> DeserializeSeed<'de> for ItemsSeed {
    type Value = ItemsField;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ItemsField, D::Error> {
        d.deserialize_any(ItemsVisitor)
    }
}

struct ItemsVisitor;

impl<'de> Visitor<'de> for ItemsVisitor {
    type Value = ItemsField;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ItemsField, A::Error> {
        let mut items = ItemsJson::default();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push_tree(&item);
        }
        Ok(ItemsField::Text(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ItemsField, A::Error> {
        let StrictValue(v) = StrictValue::deserialize(MapAccessDeserializer::new(map))?;
        Ok(ItemsField::Tree(v))
    }

    visit_scalars_as_tree!(ItemsField::Tree);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Format;

    const YAML: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: Thing\n  zeta: 1\n  alpha:\n    custom: [x, 'true', 0x10]\n  metadata:\n    name: t\n- apiVersion: v1\n  kind: ConfigMap\n  data: {a: '0', b: ~}\nfunctionConfig:\n  kind: Cfg\n  spec: {}\nresults:\n- message: careful\n  severity: warning\nsomethingElse: kept\n";

    fn documents(bytes: &[u8]) -> Result<Vec<Document>, DecodeError> {
        let mut all = Vec::new();
        read_documents(bytes, |d| {
            all.push(d);
            Ok(())
        })?;
        Ok(all)
    }

    /// What the tree reader makes of a list, and what this module sends, as one tree each;
    /// items compared as text, since their key order matters.
    fn same_list(input: FunctionInput, bytes: &[u8]) {
        let expected = codec::parse_resource_list(bytes).unwrap();
        let sent = codec::parse_resource_list(&input.into_json()).unwrap();
        assert_eq!(
            codec::to_bytes(&sent.items, Format::Json),
            codec::to_bytes(&expected.items, Format::Json)
        );
        assert_eq!(sent, expected);
    }

    #[test]
    fn a_list_reads_as_the_tree_reader_reads_it_from_yaml_and_json() {
        let json = codec::to_bytes(
            &codec::parse_resource_list(YAML.as_bytes()).unwrap(),
            Format::Json,
        );
        for bytes in [YAML.as_bytes(), json.as_slice()] {
            let list = FunctionInput::parse_list(bytes).unwrap();
            assert_eq!(list.items(), 2);
            assert_eq!(list.function_config.as_ref().unwrap()["kind"], "Cfg");
            same_list(list, bytes);
        }
    }

    /// The one list the tree reader (the whole-document reader) reads from `bytes`.
    fn tree_reader_list(bytes: &[u8]) -> FunctionInput {
        let mut documents = Vec::new();
        codec::read_stream(bytes, |document: Document| {
            documents.push(document);
            Ok(())
        })
        .unwrap();
        match (documents.pop(), documents.len()) {
            (Some(Document::List(list)), 0) => list,
            _ => panic!("the tree reader reads one list"),
        }
    }

    #[test]
    fn a_json_list_is_read_without_trees_as_the_tree_reader_reads_it() {
        let compact = codec::to_bytes(
            &codec::parse_resource_list(YAML.as_bytes()).unwrap(),
            Format::Json,
        );
        let pretty =
            serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&compact).unwrap()).unwrap();
        // Escapes, a number written two ways, nesting and whitespace in and out of strings.
        let awkward =
            br#" { "kind" : "List", "items" : [ {"a b": "x\"y\n\u00e9 ", "n": [1E3, -0.5, 12],
            "deep": {"e": [], "o": {}}}, {"kind":"Compact","s":"\\"} ] , "results": null } "#;
        for bytes in [&compact[..], &pretty[..], &awkward[..]] {
            let Some(Document::List(list)) = read_json_list(bytes) else {
                panic!(
                    "{} was not read as a JSON list",
                    String::from_utf8_lossy(bytes)
                );
            };
            // The very bytes the tree reader's items make.
            assert_eq!(
                String::from_utf8(list.into_json()).unwrap(),
                String::from_utf8(tree_reader_list(bytes).into_json()).unwrap()
            );
            same_list(FunctionInput::parse_list(bytes).unwrap(), bytes);
        }
    }

    /// Every real-world manifest, in a JSON list compact and indented, reads as the tree
    /// reader reads it, to the byte.
    #[test]
    fn the_corpus_as_json_lists_reads_as_the_tree_reader_reads_it() {
        let Some(files) = super::super::items_layout_tests::corpus() else {
            return;
        };
        let mut lists = 0;
        for (name, text) in files {
            let Ok(items) = codec::parse_stream(text.as_bytes()) else {
                continue;
            };
            let list = serde_json::json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items});
            for bytes in [
                serde_json::to_vec(&list).unwrap(),
                serde_json::to_vec_pretty(&list).unwrap(),
            ] {
                let Some(Document::List(fast)) = read_json_list(&bytes) else {
                    panic!("{name}: not read as a JSON list");
                };
                assert_eq!(
                    fast.into_json(),
                    tree_reader_list(&bytes).into_json(),
                    "{name}"
                );
                lists += 1;
            }
        }
        assert!(lists > 400, "only {lists} lists read");
    }

    #[test]
    fn a_json_list_the_check_refuses_is_left_to_the_tree_reader() {
        for bytes in [
            &br#"{"kind":"ResourceList","items":[{"a":1,"a":2}]}"#[..],
            br#"{"kind":"ResourceList","items":3}"#,
            br#"{"kind":"ResourceList","apiVersion":1,"items":[]}"#,
            br#"{"kind":"ConfigMap","items":[]}"#,
            br#"{"kind":"ResourceList","items":[{"a":1}"#,
        ] {
            assert!(read_json_list(bytes).is_none());
            assert!(FunctionInput::parse_list(bytes).is_err());
        }
        let e = FunctionInput::parse_list(br#"{"kind":"ResourceList","items":[{"a":1,"a":2}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate key \"a\""), "{e}");
    }

    #[test]
    fn items_pushed_one_by_one_make_a_list() {
        let mut input = FunctionInput::new();
        assert_eq!(
            FunctionInput::new().into_json(),
            br#"{"items":[],"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList"}
"#
        );
        input.push(&serde_json::json!({"kind": "A"}));
        input.push(&serde_json::json!({"kind": "B"}));
        input.function_config = Some(serde_json::json!({"kind": "Cfg"}));
        let list = codec::parse_resource_list(&input.into_json()).unwrap();
        assert_eq!(list.items.len(), 2);
        assert_eq!(list.items[1]["kind"], "B");
        assert_eq!(list.function_config.unwrap()["kind"], "Cfg");
    }

    #[test]
    fn other_documents_keep_their_items_where_they_were() {
        let docs = documents(b"---\nkind: PodList\nmetadata: {}\nitems:\n- b: 1\n  a: 2\nz: 0\n---\n---\n[1, 2]\n---\nitems: {x: 1}\n").unwrap();
        assert_eq!(docs.len(), 3, "the empty document is skipped");
        let first = docs.into_iter().next().unwrap().into_tree();
        assert_eq!(
            serde_json::to_string(&first).unwrap(),
            r#"{"kind":"PodList","metadata":{},"items":[{"b":1,"a":2}],"z":0}"#
        );
    }

    #[test]
    fn a_list_among_other_documents_is_a_document_like_them() {
        let stream = format!("{YAML}---\nkind: ConfigMap\n");
        let docs = documents(stream.as_bytes()).unwrap();
        assert!(matches!(docs[0], Document::List(_)));
        let tree = docs.into_iter().next().unwrap().into_tree();
        let expected = codec::parse_value(YAML.as_bytes()).unwrap();
        assert_eq!(tree, expected);
    }

    #[test]
    fn what_is_not_one_resource_list_is_refused_with_a_reason() {
        for (bytes, reason) in [
            (
                &b"kind: ConfigMap\n"[..],
                "expected a ResourceList, got kind \"ConfigMap\"",
            ),
            (b"metadata: {}\n", "got an object without kind"),
            (
                b"just words\n",
                "expected a ResourceList (a YAML or JSON object)",
            ),
            (b"", "got no document"),
            (
                b"kind: ResourceList\n---\nkind: ResourceList\n",
                "a single ResourceList, got 2",
            ),
            (
                b"kind: ResourceList\nitems: 3\n",
                "items: expected a list of objects, got 3",
            ),
            (
                b"kind: ResourceList\napiVersion: 1\n",
                "apiVersion: expected a string",
            ),
            (
                b"kind: ResourceList\nresults: [{severity: loud}]\n",
                "results",
            ),
            (
                b"kind: ResourceList\nkind: List\n",
                "duplicate key \"kind\"",
            ),
            (b"kind: ResourceList\nitems: [\n", "line"),
            (b"kind: ResourceList\nitems:\n- {a: \xff}\n", "not UTF-8"),
        ] {
            let e = FunctionInput::parse_list(bytes).unwrap_err().to_string();
            assert!(e.contains(reason), "{e:?} should say {reason:?}");
        }
    }

    #[test]
    fn a_duplicate_key_in_an_item_names_its_line() {
        let e = FunctionInput::parse_list(
            b"kind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a, name: b}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("duplicate key \"name\"") && e.contains("line 5"),
            "{e}"
        );
    }
}
