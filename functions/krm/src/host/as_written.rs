//! Plain scalars of YAML input that would not be written back as they were written.
//!
//! A function reads JSON, so `version: 1.10` reaches it as the number 1.1, `mode: 0755` as
//! the string "0755" and `size: 1e3` as 1000.0; written back, they would read `1.1`,
//! `'0755'` and `1000.0`. To a reader that takes the text (a Go string field decoded by
//! sigs.k8s.io/yaml, a Helm chart version) or YAML 1.1 (0755 is the octal 493 to Kubernetes),
//! the resource changed although no function touched it. kpt's own functions keep each
//! scalar's text, and so must a pipeline step that runs these functions.
//!
//! [`AsWritten::scan`] notes, for each object of the input, the plain scalars whose text is
//! not the one krmwasm would write for their value; when an object of the output has the
//! same identity, each such scalar that still holds the value it was read as is written
//! with its text again ([`AsWritten::restore`]). Everything else is written as before, and
//! so is every scalar past the first 100,000 noted in one input.

use super::verbatim::Verbatim;
use crate::Value;
use saphyr_parser::{Event, Parser, ScalarStyle};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

/// What an output item is written with in place of a scalar to restore, before the YAML is
/// rendered: a plain string that the text replaces afterwards. An item whose JSON holds it
/// already is written as it is.
const PLACEHOLDER: &str = "krmwasm-as-written-";

/// The scalars to write as written, by the object they are in.
#[derive(Debug, Default)]
pub struct AsWritten {
    /// By object identity: where in the object (a JSON pointer) and the text.
    objects: HashMap<String, Vec<Scalar>>,
    /// Identities seen more than once (by hash): their objects cannot be told apart.
    ambiguous: HashSet<u64>,
    /// Every identity seen, by hash.
    seen: HashSet<u64>,
    /// Whole items, written back in their text when they come back unchanged.
    verbatim: Verbatim,
}

/// The same hash for an identity in every table, so that tables merge. A collision only
/// makes two objects look alike: their scalars are then written as usual.
fn hash(key: &str) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(key)
}

/// From this size of input on, the scalars of a stream are noted on a second thread while
/// it is read ([`scan_while`]); below it, a thread costs more than it saves.
const SCAN_BESIDE: usize = 256 << 10;

/// Runs `read` (which reads `input`) and, when `input` is a large stream of documents,
/// notes its scalars beside it on a second thread. `None` for anything else: a lone
/// ResourceList is noted as it is read ([`super::FunctionInput::add_as_written`] takes
/// either).
pub fn scan_while<R>(input: &[u8], read: impl FnOnce() -> R) -> (R, Option<AsWritten>) {
    if input.len() < SCAN_BESIDE || !is_stream(input) {
        return (read(), None);
    }
    super::beside::run_beside(read, || Some(AsWritten::of(input)))
}

/// A plain scalar, by where it is in its object (a JSON pointer), and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Scalar {
    pointer: String,
    text: String,
}

/// Whether YAML `input` has a document start after its first line: more than one document.
fn is_stream(input: &[u8]) -> bool {
    !crate::codec::looks_like_json(input) && input.windows(4).any(|w| w == b"\n---")
}

impl AsWritten {
    /// What a scan of `input` notes; nothing for JSON, or for bytes that are not UTF-8 (their
    /// reader reports them).
    pub fn of(input: &[u8]) -> AsWritten {
        let mut found = AsWritten::default();
        if !crate::codec::looks_like_json(input)
            && let Ok(text) = std::str::from_utf8(input)
        {
            found.scan(text);
        }
        found
    }

    /// Scans YAML `text`: each document is an object, or, when it is a ResourceList, each of
    /// its items is. Text that does not parse adds nothing (its reader reports it).
    pub fn scan(&mut self, text: &str) {
        let mut walk = Walk::default();
        for event in Parser::new_from_str(text) {
            let Ok((event, _)) = event else { return };
            if let Some(document) = walk.on(&event) {
                self.add_document(document);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.verbatim.is_empty()
    }

    /// Adds the texts of whole items (see [`Verbatim`]).
    pub(super) fn add_verbatim(&mut self, items: Verbatim) {
        self.verbatim.merge(items);
    }

    /// Adds what another scan noted: an object in both can no longer be told apart.
    pub fn merge(&mut self, other: AsWritten) {
        // Each table already dropped its own ambiguous objects: only identities in both are
        // newly so.
        self.verbatim.merge(other.verbatim);
        self.ambiguous.extend(other.ambiguous);
        let mut in_both = false;
        for hash in other.seen {
            if !self.seen.insert(hash) {
                self.ambiguous.insert(hash);
                in_both = true;
            }
        }
        self.objects.extend(other.objects);
        if in_both {
            let ambiguous = &self.ambiguous;
            self.objects
                .retain(|key, _| !ambiguous.contains(&hash(key)));
        }
    }

    fn add_document(&mut self, document: ScannedDocument) {
        // A ResourceList's items are the objects. A List is one object among other documents,
        // and its items are the objects when it is read alone, as kyaml reads it: both are
        // noted. Any other document is one object.
        let kind = document.root.identity.kind.as_deref();
        let root_is_object = kind != Some(crate::resource_list::KIND);
        let items_are_objects = crate::codec::is_resource_list_kind(kind);
        let mut root_scalars = document.root.scalars;
        for (index, item) in document.items.into_iter().enumerate() {
            if root_is_object {
                root_scalars.extend(item.scalars.iter().map(|s| Scalar {
                    pointer: format!("/items/{index}{}", s.pointer),
                    text: s.text.clone(),
                }));
            }
            if items_are_objects {
                self.add_object(item.identity.key(), item.scalars);
            }
        }
        if root_is_object {
            self.add_object(document.root.identity.key(), root_scalars);
        }
    }

    fn add_object(&mut self, key: String, scalars: Vec<Scalar>) {
        let hash = hash(&key);
        if !self.seen.insert(hash) {
            self.ambiguous.insert(hash);
            self.objects.remove(&key);
            return;
        }
        if !scalars.is_empty() {
            self.objects.insert(key, scalars);
        }
    }

    /// The scalars to restore in an output item, given its JSON text.
    fn scalars_of(&self, item_json: &str) -> Option<&[Scalar]> {
        if self.objects.is_empty() || item_json.contains(PLACEHOLDER) {
            return None;
        }
        let head: Head = serde_json::from_str(item_json).ok()?;
        let key = head.identity().key();
        if self.ambiguous.contains(&hash(&key)) {
            return None;
        }
        self.objects.get(&key).map(Vec::as_slice)
    }

    /// The YAML of an output item (as a sequence entry, or as a document when `entry` is
    /// false): the text of an input item read as the same JSON, or else the item with each
    /// noted scalar that still holds the value it was read as written as it was; `None`
    /// when there is neither, and the item is written as usual.
    pub(super) fn restore(&self, item_json: &str, entry: bool) -> Option<Vec<u8>> {
        if let Some(text) = self.verbatim.text(item_json, entry) {
            return Some(text.into_bytes());
        }
        let scalars = self.scalars_of(item_json)?;
        let mut item: Value = serde_json::from_str(item_json).ok()?;
        let mut texts = Vec::new();
        for scalar in scalars {
            let Some(value) = item.pointer_mut(&scalar.pointer) else {
                continue;
            };
            let read_as: Value = match serde_norway::from_str(&scalar.text) {
                Ok(read_as) => read_as,
                Err(_) => continue,
            };
            if *value == read_as {
                *value = Value::String(format!("{PLACEHOLDER}{}", texts.len()));
                texts.push(scalar.text.as_str());
            }
        }
        if texts.is_empty() {
            return None;
        }
        let yaml = if entry {
            serde_norway::to_string(&[&item])
        } else {
            serde_norway::to_string(&item)
        }
        .ok()?;
        Some(replace_placeholders(&yaml, &texts).into_bytes())
    }
}

/// `yaml` with each placeholder written as the text it stands for.
fn replace_placeholders(yaml: &str, texts: &[&str]) -> String {
    let mut out = String::with_capacity(yaml.len());
    let mut rest = yaml;
    while let Some(at) = rest.find(PLACEHOLDER) {
        out.push_str(&rest[..at]);
        let after = &rest[at + PLACEHOLDER.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|i| texts.get(i))
        {
            Some(text) => out.push_str(text),
            None => out.push_str(&rest[at..at + PLACEHOLDER.len() + digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Whether a plain scalar's text may not be what krmwasm writes for the value it reads as:
/// anything that may read as a number, null or a boolean but is not written the way
/// krmwasm writes that number, null or boolean, and strings such as `0755` that are written
/// quoted. Words are written as they are read.
fn may_be_written_otherwise(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => !is_written_so(text),
        Some(b'~') => true,
        Some(_) => matches!(text, "Null" | "NULL" | "True" | "TRUE" | "False" | "FALSE"),
        None => false,
    }
}

/// Whether `text` is a number as krmwasm writes it (the text JSON gives the same number).
fn is_written_so(text: &str) -> bool {
    if let Ok(n) = text.parse::<i64>() {
        return n.to_string() == text;
    }
    if let Ok(n) = text.parse::<u64>() {
        return n.to_string() == text;
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .is_some_and(|n| n.to_string() == text)
}

/// The fields an identity is made of, read from an output item's JSON.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, rename = "apiVersion")]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    metadata: Option<HeadMetadata<'a>>,
}

#[derive(Deserialize)]
struct HeadMetadata<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
}

impl Head<'_> {
    fn identity(&self) -> Identity {
        let text = |s: &Option<Cow<str>>| s.as_deref().map(str::to_string);
        Identity {
            api_version: text(&self.api_version),
            kind: text(&self.kind),
            name: self.metadata.as_ref().and_then(|m| text(&m.name)),
            namespace: self.metadata.as_ref().and_then(|m| text(&m.namespace)),
        }
    }
}

/// An object's apiVersion, kind, namespace and name, as far as they are strings.
#[derive(Debug, Default)]
struct Identity {
    api_version: Option<String>,
    kind: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
}

impl Identity {
    /// One string for the four, each marked present or absent.
    fn key(&self) -> String {
        let mut key = String::new();
        for part in [&self.api_version, &self.kind, &self.namespace, &self.name] {
            match part {
                Some(text) => {
                    key.push('+');
                    key.push_str(text);
                }
                None => key.push('-'),
            }
            key.push('\0');
        }
        key
    }

    /// Notes `text` if it is at one of the identity's places in the object (`frames` lead
    /// there from the object's root).
    fn note(&mut self, frames: &[(Frame, bool)], text: &str) {
        let key = |index: usize| match frames.get(index) {
            Some((Frame::Mapping { key, .. }, _)) => Some(key.as_str()),
            _ => None,
        };
        let slot = match (frames.len(), key(0), key(1)) {
            (1, Some("apiVersion"), _) => &mut self.api_version,
            (1, Some("kind"), _) => &mut self.kind,
            (2, Some("metadata"), Some("name")) => &mut self.name,
            (2, Some("metadata"), Some("namespace")) => &mut self.namespace,
            _ => return,
        };
        *slot = Some(text.to_string());
    }
}

/// One object's findings.
#[derive(Debug, Default)]
struct ScannedObject {
    identity: Identity,
    scalars: Vec<Scalar>,
}

/// A document's findings: its root, and the items of its root's `items` sequence.
#[derive(Debug, Default)]
struct ScannedDocument {
    root: ScannedObject,
    items: Vec<ScannedObject>,
}

/// Takes a parser's events one by one (so that a walk that reads them for another purpose
/// can note the scalars too) into an [`AsWritten`].
#[derive(Debug, Default)]
pub(super) struct Scanner {
    walk: Walk,
    found: AsWritten,
}

impl Scanner {
    pub(super) fn on(&mut self, event: &Event) {
        if let Some(document) = self.walk.on(event) {
            self.found.add_document(document);
        }
    }

    pub(super) fn finish(self) -> AsWritten {
        self.found
    }
}

/// Where a mapping is between its keys and values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    /// The next node is a key.
    Awaited,
    /// The next node is the value of the scalar key held.
    Scalar,
    /// The next node is the value of a key that is no scalar: nothing under it is noted.
    Unusable,
}

/// A collection open around the walk.
#[derive(Debug)]
enum Frame {
    /// A mapping and its current key (a buffer kept from key to key).
    Mapping {
        state: Key,
        key: String,
    },
    Sequence {
        next: usize,
    },
}

/// The event walk over one stream.
#[derive(Debug, Default)]
struct Walk {
    /// The collections open, each with whether it is a mapping's key.
    frames: Vec<(Frame, bool)>,
    document: ScannedDocument,
    /// Scalars noted in the whole stream so far.
    noted: usize,
}

/// The most scalars one scan notes. Past it (an input of little else), the rest are written
/// as usual: the notes are kept small beside a large input, and each one stands alone.
const MAX_NOTED: usize = 100_000;

impl Walk {
    /// Takes in one event; a document's findings when it ends.
    fn on(&mut self, event: &Event) -> Option<ScannedDocument> {
        match event {
            Event::DocumentStart(_) => {
                self.frames.clear();
                self.document = ScannedDocument::default();
            }
            Event::DocumentEnd => return Some(std::mem::take(&mut self.document)),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                // A collection as a key makes its value's place unusable.
                let is_key = self.node_starts(None);
                let frame = match event {
                    Event::MappingStart(..) => Frame::Mapping {
                        state: Key::Awaited,
                        key: String::new(),
                    },
                    _ => Frame::Sequence { next: 0 },
                };
                self.frames.push((frame, is_key));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                // A key has ended; its mapping now awaits its value.
                if let Some((_, false)) = self.frames.pop() {
                    self.value_ended();
                }
            }
            Event::Alias(_) => {
                if !self.node_starts(None) {
                    self.value_ended();
                }
            }
            Event::Scalar(value, style, _, tag) => {
                if self.node_starts(Some(value)) {
                    return None;
                }
                if *style == ScalarStyle::Plain && tag.is_none() {
                    self.scalar(value);
                }
                self.value_ended();
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        None
    }

    /// A node starts: `true` when it is a mapping's key (held when it is a scalar).
    fn node_starts(&mut self, scalar: Option<&str>) -> bool {
        match self.frames.last_mut() {
            Some((Frame::Mapping { state, key }, _)) if *state == Key::Awaited => {
                match scalar {
                    Some(text) => {
                        key.clear();
                        key.push_str(text);
                        *state = Key::Scalar;
                    }
                    None => *state = Key::Unusable,
                }
                true
            }
            _ => false,
        }
    }

    /// A value has ended: its mapping awaits a key, its sequence the next entry.
    fn value_ended(&mut self) {
        match self.frames.last_mut() {
            Some((Frame::Mapping { state, .. }, _)) => *state = Key::Awaited,
            Some((Frame::Sequence { next }, _)) => *next += 1,
            None => {}
        }
    }

    /// A plain scalar value at the current place.
    fn scalar(&mut self, text: &str) {
        let candidate = may_be_written_otherwise(text);
        if !candidate && self.frames.len() > 4 {
            return; // not noted, and deeper than any part of an identity
        }
        if self.frames.iter().any(
            |(frame, _)| matches!(frame, Frame::Mapping { state, .. } if *state != Key::Scalar),
        ) {
            return;
        }
        // An object is the document's root, or an entry of its root's `items`.
        let in_item = match self.frames.as_slice() {
            [
                (Frame::Mapping { key, .. }, _),
                (Frame::Sequence { next }, _),
                _,
                ..,
            ] if key == "items" => Some(*next),
            _ => None,
        };
        let inside = &self.frames[if in_item.is_some() { 2 } else { 0 }..];
        let object = match in_item {
            Some(i) => {
                if self.document.items.len() <= i {
                    self.document
                        .items
                        .resize_with(i + 1, ScannedObject::default);
                }
                &mut self.document.items[i]
            }
            None => &mut self.document.root,
        };
        object.identity.note(inside, text);
        if candidate && self.noted < MAX_NOTED {
            self.noted += 1;
            object.scalars.push(Scalar {
                pointer: pointer(inside),
                text: text.to_string(),
            });
        }
    }
}

/// A JSON pointer to the value at the place `frames` lead to.
fn pointer(frames: &[(Frame, bool)]) -> String {
    let mut pointer = String::new();
    for (frame, _) in frames {
        pointer.push('/');
        match frame {
            Frame::Mapping { key, .. } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Frame::Sequence { next } => pointer.push_str(&next.to_string()),
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(yaml: &str) -> AsWritten {
        let mut as_written = AsWritten::default();
        as_written.scan(yaml);
        as_written
    }

    /// The item's YAML as krmwasm writes it after reading `yaml` and getting `item` back.
    fn written(yaml: &str, item: &str) -> String {
        let item_json = crate::codec::parse_value(item.as_bytes())
            .unwrap()
            .to_string();
        match scanned(yaml).restore(&item_json, false) {
            Some(bytes) => String::from_utf8(bytes).unwrap(),
            None => serde_norway::to_string(&serde_json::from_str::<Value>(&item_json).unwrap())
                .unwrap(),
        }
    }

    const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

    #[test]
    fn scalars_not_written_as_read_are_written_as_they_were() {
        let body = "spec:\n  version: 1.10\n  mode: 0755\n  sci: 1e3\n  hex: 0x1F\n  octal: 0o17\n  plus: +12\n  half: .5\n  none: ~\n  nil: Null\n  flag: True\n  list:\n  - 1.50\n  - a: 2.0e+3\n  plain: 1.1\n  port: 8080\n  quoted: '1.10'\n";
        let yaml = format!("{CONFIG_MAP}{body}");
        assert_eq!(written(&yaml, &yaml), yaml);
        // In flow style too, and under a key that is not a scalar (not noted).
        let flow = format!("{CONFIG_MAP}spec: {{v: [1.10, {{w: 0755}}], ? [k]: 1.10}}\n");
        assert!(
            written(
                &flow,
                &format!("{CONFIG_MAP}spec: {{v: [1.10, {{w: 0755}}]}}\n")
            )
            .contains("  - 1.10\n  - w: 0755\n")
        );
    }

    #[test]
    fn a_changed_value_is_written_as_it_now_is() {
        let yaml = format!("{CONFIG_MAP}spec:\n  version: 1.10\n  other: 1.20\n");
        let changed = format!("{CONFIG_MAP}spec:\n  version: 1.2\n  other: 1.20\n");
        assert_eq!(
            written(&yaml, &changed),
            format!("{CONFIG_MAP}spec:\n  version: 1.2\n  other: 1.20\n")
        );
    }

    #[test]
    fn the_items_of_a_resource_list_are_its_objects() {
        let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {v: 1.10}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n  spec: {mode: 0755}\nfunctionConfig: {kind: X, spec: {v: 1.10}}\n";
        let as_written = scanned(list);
        let a =
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"v":1.1}}"#;
        let b = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"},"spec":{"mode":"0755"}}"#;
        let yaml = |item| String::from_utf8(as_written.restore(item, true).unwrap()).unwrap();
        assert_eq!(
            yaml(a),
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    v: 1.10\n"
        );
        assert_eq!(
            yaml(b),
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n  spec:\n    mode: 0755\n"
        );
        // The functionConfig is no item.
        let config = r#"{"kind":"X","spec":{"v":1.1}}"#;
        assert!(as_written.restore(config, true).is_none());
    }

    #[test]
    fn a_list_is_an_object_and_so_are_its_items() {
        let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {v: 1.10}\n";
        let as_written = scanned(list);
        let item =
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"v":1.1}}"#;
        assert!(as_written.restore(item, true).is_some());
        let whole = crate::codec::parse_value(list.as_bytes())
            .unwrap()
            .to_string();
        let yaml = String::from_utf8(as_written.restore(&whole, false).unwrap()).unwrap();
        assert!(yaml.contains("v: 1.10\n"), "{yaml}");
    }

    #[test]
    fn objects_that_cannot_be_told_apart_are_written_as_usual() {
        let yaml = format!("{CONFIG_MAP}v: 1.10\n---\n{CONFIG_MAP}v: 1.10\n");
        let item = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"v":1.1}"#;
        assert!(scanned(&yaml).restore(item, false).is_none());
        // Another object with the same scalar is not this one.
        let other = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"y"},"v":1.1}"#;
        assert!(
            scanned(&yaml.replacen("name: x", "name: y", 1))
                .restore(other, false)
                .is_some()
        );
    }

    #[test]
    fn an_object_in_two_inputs_cannot_be_told_apart() {
        let yaml = format!("{CONFIG_MAP}v: 1.10\n");
        let item = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"v":1.1}"#;
        let mut merged = scanned(&yaml);
        merged.merge(scanned(&yaml.replace("name: x", "name: y")));
        assert!(merged.restore(item, false).is_some());
        merged.merge(scanned(&yaml));
        assert!(merged.restore(item, false).is_none());
        // A large stream is noted beside its reading; anything else later.
        let large = format!("{yaml}---\n").repeat(SCAN_BESIDE / yaml.len() + 1);
        let ((), noted) = scan_while(large.as_bytes(), || ());
        assert!(noted.unwrap().restore(item, false).is_none());
        let ((), noted) = scan_while(yaml.as_bytes(), || ());
        assert!(noted.is_none());
    }

    #[test]
    fn a_scan_notes_a_bounded_number_of_scalars() {
        let mut yaml = format!("{CONFIG_MAP}v:\n");
        for _ in 0..MAX_NOTED + 10 {
            yaml.push_str("- 1.10\n");
        }
        let as_written = scanned(&yaml);
        assert_eq!(
            as_written.objects.values().map(Vec::len).sum::<usize>(),
            MAX_NOTED
        );
    }

    #[test]
    fn an_item_holding_the_placeholder_is_written_as_usual() {
        let yaml = format!("{CONFIG_MAP}v: 1.10\nw: krmwasm-as-written-0\n");
        let item = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"v":1.1,"w":"krmwasm-as-written-0"}"#;
        assert!(scanned(&yaml).restore(item, false).is_none());
    }

    /// Writing a scalar as it was written must never change what a reader of the output
    /// gets: every restored object of the real-world corpus, and of scalars of every awkward
    /// spelling, reads back as the very object.
    #[test]
    fn restored_objects_read_back_as_the_same_values() {
        let awkward = "apiVersion: v1\nkind: X\nmetadata: {name: a}\nv: [1.10, 0755, 1e3, 0x1F, 0o17, +12, .5, -0.0, ~, Null, True, FALSE, 1_000, 2024-01-01, 12345678901234567890, 123456789012345678901234, 1:20, 0b101, 08, -, 1.0e+3]\nw: {a: 1.10, 'b': 0755, ? c : 1e3}\n";
        let mut files = crate::host::items_layout_tests::corpus().unwrap_or_default();
        files.push(("awkward".into(), awkward.into()));
        let mut restored = 0;
        for (path, text) in &files {
            let Ok(documents) = crate::codec::parse_stream(text.as_bytes()) else {
                continue;
            };
            let as_written = scanned(text);
            for document in documents.iter().filter(|d| d.is_object()) {
                let json = document.to_string();
                for entry in [false, true] {
                    let Some(yaml) = as_written.restore(&json, entry) else {
                        continue;
                    };
                    restored += 1;
                    let read = crate::codec::parse_value(&yaml).unwrap();
                    let read = if entry { read[0].clone() } else { read };
                    assert_eq!(
                        &read,
                        document,
                        "{path}:\n{}",
                        String::from_utf8_lossy(&yaml)
                    );
                }
            }
        }
        assert!(restored >= 2, "the awkward object was restored");
    }

    #[test]
    fn numbers_written_as_json_writes_them_are_not_noted() {
        for text in [
            "0",
            "8080",
            "-3",
            "1.5",
            "0.5",
            "1000.0",
            "18446744073709551615",
        ] {
            assert!(!may_be_written_otherwise(text), "{text}");
        }
        for text in [
            "1.10", "0755", "1e3", "0x1F", "+1", "-0", ".5", "~", "Null", "True", "1_000",
        ] {
            assert!(may_be_written_otherwise(text), "{text}");
        }
        for text in ["v1", "true", "null", "yes", "ConfigMap", "a.b"] {
            assert!(!may_be_written_otherwise(text), "{text}");
        }
    }
}
