//! Rendering a function's output as YAML while the function is still writing it.
//!
//! A generator writes its items as it makes them, over most of its run, and emitting YAML
//! costs the host about as much as the run itself. [`RenderAhead`] takes the function's
//! stdout as it grows, on a second core that would otherwise wait, finds the items of the
//! ResourceList in it and renders them in shares of about [`SHARE`] bytes, each checked as
//! [`FunctionOutput::parse`](super::FunctionOutput::parse) checks items.
//!
//! Before the function writes anything, it can also render the fields the output is
//! expected to have around its items ([`RenderAhead::expecting`]): a generator writes back the
//! functionConfig it was given, and one that lists a thousand images takes as long to write
//! as a few hundred items.
//!
//! Nothing here decides anything: once the function has exited, its whole stdout is read as
//! always, and a rendered share is used only for items found at exactly the same place, the
//! rendered envelope only for the very fields the output has. What is rendered is kept
//! compressed until then, because the output may not be written before the function has
//! succeeded and the rendered YAML would otherwise be held beside its JSON.

use super::input::Envelope;
use super::output::{self, JsonTexts};
use crate::codec::{self, Format};
use std::ops::Range;

/// How much item text (JSON bytes) each rendered share holds, at least.
pub(super) const SHARE: usize = 32 * 1024;
/// How much compressed YAML is held at most. Kubernetes objects compress 10 to 20 times, so
/// this covers outputs of 100 MB and more; an output that compresses badly stops being
/// rendered ahead here rather than doubling its memory.
const HOLD_AT_MOST: usize = 8 << 20;
/// An expected envelope is rendered ahead from this many bytes of its JSON: smaller, it is
/// written quicker than a thread can be started for it.
const ENVELOPE_AHEAD_FROM: usize = 16 * 1024;

/// Follows a function's stdout and renders the items of its ResourceList ahead.
pub struct RenderAhead {
    /// Item text per share.
    share: usize,
    /// Compressed YAML held at most; once past it, nothing more is rendered.
    hold_at_most: usize,
    held: usize,
    scan: Scan,
    /// The stdout bytes from `base` on that are not rendered yet.
    pending: Vec<u8>,
    base: usize,
    /// Complete items not rendered yet, where they lie in stdout.
    waiting: Vec<Range<usize>>,
    waiting_text: usize,
    /// The envelope to render before the output begins, if any.
    expected: Option<Envelope>,
    rendered: Ahead,
}

/// What [`RenderAhead`] rendered: the first items of the output, in shares.
#[derive(Debug, Default)]
pub struct Ahead {
    /// Where each rendered item lies in the function's stdout.
    pub(super) items: Vec<Range<usize>>,
    pub(super) shares: Vec<RenderedShare>,
    /// The expected envelope and its YAML, when it was rendered.
    pub(super) envelope: Option<RenderedEnvelope>,
}

/// An envelope's YAML with one placeholder item (see `output::yaml_around_items`), and its
/// JSON to know it by (see `input::envelope_json`), both compressed.
#[derive(Debug)]
pub(super) struct RenderedEnvelope {
    json: Vec<u8>,
    yaml: Vec<u8>,
    /// Where the placeholder item's line is in the YAML.
    pub(super) placeholder: Range<usize>,
}

impl RenderedEnvelope {
    /// Whether this is the envelope whose JSON is `json`.
    pub(super) fn is_of(&self, json: &[u8]) -> bool {
        lz4_flex::block::decompress_size_prepended(&self.json).is_ok_and(|own| own == json)
    }

    /// Its YAML.
    pub(super) fn yaml(&self) -> Vec<u8> {
        lz4_flex::block::decompress_size_prepended(&self.yaml)
            .expect("an envelope is decompressed from what this process compressed")
    }
}

/// Consecutive items' YAML (a top-level block sequence), compressed.
#[derive(Debug)]
pub(super) struct RenderedShare {
    /// Which items: indices into the output's items.
    pub(super) items: Range<usize>,
    yaml: Vec<u8>,
}

impl RenderedShare {
    /// The share's YAML, as `codec::write` renders its items.
    pub(super) fn yaml(&self) -> Vec<u8> {
        lz4_flex::block::decompress_size_prepended(&self.yaml)
            .expect("a share is decompressed from what this process compressed")
    }
}

impl Default for RenderAhead {
    fn default() -> Self {
        Self::with_share(SHARE)
    }
}

impl RenderAhead {
    pub fn new() -> Self {
        Self::default()
    }

    /// Renders shares of `share` bytes of item text, not [`SHARE`]: for tests and fuzzing,
    /// which need many shares from small outputs.
    pub fn with_share(share: usize) -> Self {
        RenderAhead {
            share,
            hold_at_most: HOLD_AT_MOST,
            held: 0,
            scan: Scan::default(),
            pending: Vec::new(),
            base: 0,
            waiting: Vec::new(),
            waiting_text: 0,
            expected: None,
            rendered: Ahead::default(),
        }
    }

    /// Expects the output to have `envelope` around its items, and renders it first (see
    /// [`RenderAhead::render_expected_envelope`]) when it is large enough to be worth it.
    pub fn expecting(self, envelope: Envelope) -> Self {
        self.expecting_from(envelope, ENVELOPE_AHEAD_FROM)
    }

    /// [`RenderAhead::expecting`], for an envelope of `from` bytes of JSON or more: tests
    /// and fuzzing expect envelopes of any size.
    pub fn expecting_from(mut self, envelope: Envelope, from: usize) -> Self {
        if envelope.json.len() >= from {
            self.expected = Some(envelope);
        }
        self
    }

    /// Whether there is an expected envelope to render before the output begins.
    pub fn expects_envelope(&self) -> bool {
        self.expected.is_some()
    }

    /// Renders the expected envelope, if there is one and it was not rendered yet.
    pub fn render_expected_envelope(&mut self) {
        let Some(Envelope { json }) = self.expected.take() else {
            return;
        };
        self.rendered.envelope =
            output::yaml_around_items_of_json(&json).map(|(yaml, placeholder)| RenderedEnvelope {
                json: lz4_flex::block::compress_prepend_size(&json),
                yaml: lz4_flex::block::compress_prepend_size(&yaml),
                placeholder,
            });
    }

    /// Takes the next bytes the function wrote and renders every whole share of items they
    /// complete.
    pub fn take(&mut self, bytes: &[u8]) {
        self.take_while(bytes, || true);
    }

    /// [`RenderAhead::take`], rendering no further share once `go_on` says no: the function
    /// has exited, and what is not rendered yet is rendered faster after it, on two threads,
    /// than by this one alone while they wait for it.
    pub fn take_while(&mut self, bytes: &[u8], go_on: impl Fn() -> bool) {
        if self.scan.place == Place::Done {
            return;
        }
        let from = self.base + self.pending.len();
        self.pending.extend_from_slice(bytes);
        for item in self.scan.items_in(bytes, from) {
            self.waiting_text += item.len();
            self.waiting.push(item);
            if self.waiting_text >= self.share && (!go_on() || !self.render_waiting()) {
                self.scan.place = Place::Done;
                break;
            }
        }
        if self.scan.place == Place::Done {
            self.pending = Vec::new();
            return;
        }
        // Only the waiting items and the one being read are needed again.
        let end = self.base + self.pending.len();
        let keep_from = self
            .waiting
            .first()
            .map(|item| item.start)
            .or(self.scan.item_start)
            .unwrap_or(end);
        self.pending.drain(..keep_from - self.base);
        self.base = keep_from;
    }

    /// What was rendered. Items complete but short of a share are left to the writing.
    pub fn finish(self) -> Ahead {
        self.rendered
    }

    /// Checks and renders the waiting items as one share. False when nothing more should be
    /// rendered: an item does not pass the check (nothing is rendered, and the reading after
    /// the run decides what it is), or the shares now hold as much as they may.
    fn render_waiting(&mut self) -> bool {
        let texts: Option<Vec<&str>> = self
            .waiting
            .iter()
            .map(|item| {
                std::str::from_utf8(&self.pending[item.start - self.base..item.end - self.base])
                    .ok()
            })
            .collect();
        let Some(texts) = texts else {
            return false;
        };
        if texts
            .iter()
            .any(|text| crate::raw_list::check_item(text).is_err())
        {
            return false;
        }
        let mut yaml = Vec::new();
        if codec::write(&mut yaml, &JsonTexts(texts), Format::Yaml).is_err() {
            return false;
        }
        let first = self.rendered.items.len();
        let yaml = lz4_flex::block::compress_prepend_size(&yaml);
        self.held += yaml.len();
        self.rendered.shares.push(RenderedShare {
            items: first..first + self.waiting.len(),
            yaml,
        });
        self.rendered.items.append(&mut self.waiting);
        self.waiting_text = 0;
        // Past the limit the rest is rendered after the run, as if this had not run.
        self.held <= self.hold_at_most
    }
}

/// Where the scan is in the ResourceList's JSON.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Place {
    /// Before the opening brace.
    #[default]
    Start,
    /// In the list's own object, outside the items.
    List,
    /// In the items' array, between items.
    Items,
    /// Inside an item, `depth` brackets deep.
    Item,
    /// Past the items, or given up on: nothing more to find.
    Done,
}

/// A byte-at-a-time scan for the items of a JSON ResourceList: the values of the first
/// `items` key of the top-level object, when they are objects. It only has to find where
/// items begin and end; whether the text is JSON at all is for the reading after the run.
#[derive(Default)]
struct Scan {
    place: Place,
    /// Nesting inside the list's object (List) or inside an item (Item).
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// In the list's object: whether the next string is a key, and that key's bytes so far.
    expect_key: bool,
    key: Vec<u8>,
    /// The last key read in the list's object was `items` and no value followed yet.
    after_items_key: bool,
    items_seen: bool,
    item_start: Option<usize>,
}

impl Scan {
    /// The items that end in `bytes`, which begin at offset `from` of stdout.
    fn items_in(&mut self, bytes: &[u8], from: usize) -> Vec<Range<usize>> {
        let mut items = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            let at = from + i;
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.place == Place::List && self.expect_key {
                        self.after_items_key = self.depth == 1 && self.key == b"items";
                        self.expect_key = false;
                    }
                } else if self.place == Place::List && self.expect_key && self.key.len() <= 5 {
                    self.key.push(b);
                }
                continue;
            }
            match (self.place, b) {
                (_, b' ' | b'\n' | b'\r' | b'\t') => {}
                (Place::Start, b'{') => {
                    self.place = Place::List;
                    self.depth = 1;
                    self.expect_key = true;
                    self.key.clear();
                }
                (Place::List, b'"') => {
                    self.in_string = true;
                    if self.expect_key {
                        self.key.clear();
                    }
                }
                (Place::List, b'[') if self.depth == 1 && self.after_items_key => {
                    if self.items_seen {
                        self.place = Place::Done;
                        break;
                    }
                    self.items_seen = true;
                    self.after_items_key = false;
                    self.place = Place::Items;
                }
                (Place::List, b'{' | b'[') => {
                    self.depth += 1;
                    self.after_items_key = false;
                }
                (Place::List, b'}' | b']') => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        self.place = Place::Done;
                        break;
                    }
                }
                (Place::List, b',') => self.expect_key = self.depth == 1,
                (Place::List, b':') => {}
                (Place::List, _) => self.after_items_key = false,
                (Place::Items, b',') => {}
                (Place::Items, b']') => {
                    // The items are all found: the rest is the list's other fields.
                    self.place = Place::Done;
                    break;
                }
                (Place::Items, b'{') => {
                    self.place = Place::Item;
                    self.depth = 1;
                    self.item_start = Some(at);
                }
                (Place::Item, b'"') => self.in_string = true,
                (Place::Item, b'{' | b'[') => self.depth += 1,
                (Place::Item, b'}' | b']') => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        let start = self.item_start.take().expect("an item was begun");
                        items.push(start..at + 1);
                        self.place = Place::Items;
                    }
                }
                (Place::Item, _) => {}
                // Not a JSON object, or an item that is not an object: nothing to render.
                (Place::Start | Place::Items, _) | (Place::Done, _) => {
                    self.place = Place::Done;
                    break;
                }
            }
        }
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(text: &str, chunk: usize) -> (Vec<Range<usize>>, Place) {
        let mut scan = Scan::default();
        let mut items = Vec::new();
        for (n, piece) in text.as_bytes().chunks(chunk.max(1)).enumerate() {
            items.extend(scan.items_in(piece, n * chunk.max(1)));
        }
        (items, scan.place)
    }

    #[test]
    fn finds_the_items_of_the_list_and_nothing_else() {
        let text = r#" {"kind":"ResourceList","x":{"items":[{"no":1}]},"items" : [ {"a":"}\"]{"} , {"b":[{}]} ],"results":[{"c":1}]}"#;
        for chunk in [1, 2, 7, text.len()] {
            let (items, place) = scan_all(text, chunk);
            let found: Vec<&str> = items.iter().map(|r| &text[r.clone()]).collect();
            assert_eq!(
                found,
                [r#"{"a":"}\"]{"}"#, r#"{"b":[{}]}"#],
                "chunks of {chunk}"
            );
            assert_eq!(place, Place::Done);
        }
    }

    #[test]
    fn gives_up_on_what_it_cannot_follow() {
        for text in [
            "kind: ResourceList\nitems:\n- {a: 1}\n",
            r#"{"items":[1,{"a":1}]}"#,
            r#"{"items":[],"items":[{"a":1}]}"#,
        ] {
            let (items, place) = scan_all(text, 3);
            assert!(items.is_empty(), "{text}: {items:?}");
            assert_eq!(place, Place::Done, "{text}");
        }
        // A key that merely starts or ends like `items` is not it.
        for text in [r#"{"itemsx":[{"a":1}]}"#, r#"{"xitems":[{"a":1}]}"#] {
            assert!(scan_all(text, 3).0.is_empty(), "{text}");
        }
    }

    #[test]
    fn renders_shares_as_the_writing_would() {
        let item = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n"},"data":{"k":"a: b\n\n"}}"#;
        let items = vec![item; 2000];
        let text = format!(r#"{{"kind":"ResourceList","items":[{}]}}"#, items.join(","));
        for chunk in [1000, 65536] {
            let mut ahead = RenderAhead::new();
            for piece in text.as_bytes().chunks(chunk) {
                ahead.take(piece);
            }
            let ahead = ahead.finish();
            assert!(ahead.shares.len() >= 2, "{}", ahead.shares.len());
            let mut expected_start = 0;
            for share in &ahead.shares {
                assert_eq!(share.items.start, expected_start);
                expected_start = share.items.end;
                let texts: Vec<&str> = ahead.items[share.items.clone()]
                    .iter()
                    .map(|r| &text[r.clone()])
                    .collect();
                assert!(texts.iter().all(|t| *t == item));
                assert_eq!(
                    share.yaml(),
                    codec::to_bytes(&JsonTexts(texts), Format::Yaml)
                );
            }
        }
    }

    /// A ResourceList of 100 small ConfigMaps, as compact JSON.
    fn hundred_config_maps() -> String {
        let item = r#"{"kind":"ConfigMap","data":{"k":"v"}}"#;
        format!(
            r#"{{"kind":"ResourceList","items":[{}]}}"#,
            vec![item; 100].join(",")
        )
    }

    #[test]
    fn stops_once_it_holds_as_much_as_it_may() {
        let text = hundred_config_maps();
        for (hold_at_most, rendered) in [(0, 1), (1, 1), (usize::MAX, 100)] {
            let mut ahead = RenderAhead::with_share(1);
            ahead.hold_at_most = hold_at_most;
            ahead.take(text.as_bytes());
            assert_eq!(ahead.finish().items.len(), rendered, "{hold_at_most}");
        }
    }

    /// Once told to stop, it renders no further share, keeps the shares it rendered, and
    /// takes nothing more.
    #[test]
    fn renders_no_further_share_once_told_to_stop() {
        let text = hundred_config_maps();
        let (half, rest) = text.as_bytes().split_at(text.len() / 2);
        let asked = std::cell::Cell::new(0);
        let mut ahead = RenderAhead::with_share(1);
        ahead.take_while(half, || {
            asked.set(asked.get() + 1);
            asked.get() <= 3
        });
        ahead.take(rest);
        let ahead = ahead.finish();
        assert_eq!(ahead.items.len(), 3, "one item per share, three shares");
        assert_eq!(ahead.shares.len(), 3);
        assert_eq!(asked.get(), 4, "asked once per share, and once more");
    }

    #[test]
    fn stops_at_an_item_that_fails_the_check() {
        let good = format!(
            r#"{{"kind":"ConfigMap","data":{{"v":"{}"}}}}"#,
            "x".repeat(SHARE)
        );
        let bad = r#"{"kind":"A","kind":"B"}"#;
        let text =
            format!(r#"{{"kind":"ResourceList","items":[{good},{good},{bad},{good},{good}]}}"#);
        let mut ahead = RenderAhead::new();
        ahead.take(text.as_bytes());
        let ahead = ahead.finish();
        assert_eq!(ahead.items.len(), 2, "the shares before the bad item");
    }
}
