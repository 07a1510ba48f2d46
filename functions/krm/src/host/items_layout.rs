//! Where the items of a block-style ResourceList lie in its text. kustomize and kpt send
//! `items:` as a block sequence, one `- ` entry after another; a streaming parser
//! (saphyr-parser, which reports events with their places and builds nothing) finds each
//! entry's text, so that each can be handed to the YAML reader on its own. serde_norway
//! loads a whole document's events before it gives out the first value: read whole, a
//! 3.4 MB list held some 40 MiB of them.
//!
//! Only what reads the same piece by piece as whole is laid out: one document, a block
//! mapping at its root with one `items` key holding a block sequence, no anchors, aliases,
//! tags or merge keys anywhere (an alias in an item may point anywhere in the document), no
//! entry that is a block scalar (its indentation indicator counts from the sequence), and
//! not nested so deep that the depth limit would answer differently. Anything else is
//! `None`, and the document is read whole as before.

use super::entry_lines::{entry_dash, indented_past, line_start};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::ops::Range;

/// The items of a ResourceList's text, and the rest of it.
#[derive(Debug)]
pub(super) struct ItemsLayout<'t> {
    text: &'t str,
    /// Each entry's text: from just after its `-` to the line of the next `-` (the last one:
    /// to where the sequence ends).
    entries: Vec<Range<usize>>,
    /// The column of the entries' `-`.
    column: usize,
    /// The document without its entries: `items:` is left with no value.
    envelope: String,
}

/// Nesting deeper than this is left to the whole-document reader: an item read on its own
/// sits two levels higher than in its document, and serde_norway refuses past 128 levels.
const MAX_DEPTH: usize = 100;

impl<'t> ItemsLayout<'t> {
    /// The layout of `text`, a YAML document, when its items can be read one by one.
    pub(super) fn find(text: &'t str) -> Option<Self> {
        if !breaks_agree(text) {
            return None;
        }
        let mut walk = Walk::new(text);
        for event in Parser::new_from_str(text) {
            let (event, span) = event.ok()?;
            walk.on(event, span)?;
        }
        walk.into_layout()
    }

    /// The document without its items, to be read as today (`items` reads as null).
    pub(super) fn envelope(&self) -> &str {
        &self.envelope
    }

    /// Each item's text as a document of its own: its first line indented as it was, the
    /// `-` turned into a space, so that every line keeps its column.
    pub(super) fn items(&self) -> impl Iterator<Item = String> + '_ {
        self.entries.iter().map(|range| {
            let mut item = " ".repeat(self.column + 1);
            item.push_str(&self.text[range.clone()]);
            item
        })
    }
}

/// Whether both parsers break lines in the same places. libyaml (behind serde_norway) also
/// breaks at a lone `\r`, NEL, LS and PS, and saphyr-parser stops at NUL; a byte-order mark
/// may shift saphyr's character count. Such text is read whole.
fn breaks_agree(text: &str) -> bool {
    let bytes = text.as_bytes();
    let lone_cr = bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    !lone_cr && !text.contains(['\0', '\u{85}', '\u{2028}', '\u{2029}', '\u{feff}'])
}

/// saphyr-parser counts characters; slices need bytes. Places are asked for in the order of
/// the text, so one pass forward answers them all.
struct ByteOffsets<'t> {
    text: &'t str,
    char_index: usize,
    byte: usize,
}

impl ByteOffsets<'_> {
    fn of(&mut self, char_index: usize) -> Option<usize> {
        if char_index < self.char_index {
            return None;
        }
        let ahead = char_index - self.char_index;
        let mut chars = self.text[self.byte..].char_indices();
        let offset = match chars.nth(ahead) {
            Some((offset, _)) => offset,
            // The end of the text.
            None if self.text[self.byte..].chars().count() == ahead => self.text.len() - self.byte,
            None => return None,
        };
        self.char_index = char_index;
        self.byte += offset;
        Some(self.byte)
    }
}

/// What the event walk has seen so far.
struct Walk<'t> {
    offsets: ByteOffsets<'t>,
    documents: usize,
    /// Collections open around the next event.
    depth: usize,
    /// The root mapping's column.
    root_column: usize,
    /// In the root mapping, whether the next node is a key.
    at_key: bool,
    /// The last key was `items`: the next node is their sequence.
    items_next: bool,
    /// Inside the items sequence.
    in_items: bool,
    /// The items sequence has ended: the next node must be a key of the root mapping.
    after_items: bool,
    /// Byte offsets: where each item's node starts, and where the sequence ends.
    nodes: Vec<usize>,
    items_end: Option<usize>,
}

/// The kind of node an event starts.
#[derive(PartialEq)]
enum Node<'e> {
    Scalar(&'e str, ScalarStyle),
    Mapping,
    Sequence,
}

impl<'t> Walk<'t> {
    fn new(text: &'t str) -> Self {
        Walk {
            offsets: ByteOffsets {
                text,
                char_index: 0,
                byte: 0,
            },
            documents: 0,
            depth: 0,
            root_column: 0,
            at_key: true,
            items_next: false,
            in_items: false,
            after_items: false,
            nodes: Vec::new(),
            items_end: None,
        }
    }

    /// Takes in one event; `None` when the document is not one to lay out.
    fn on(&mut self, event: Event, span: Span) -> Option<()> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return None;
                }
            }
            Event::Alias(_) => return None,
            Event::Scalar(value, style, anchor, tag) => {
                // `<<` merges only as a plain key, but a quoted one is rare enough to read whole.
                if anchor != 0 || tag.is_some() || value == "<<" {
                    return None;
                }
                self.node(Node::Scalar(&value, style), span)?;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let node = match event {
                    Event::MappingStart(..) => Node::Mapping,
                    _ => Node::Sequence,
                };
                self.node(node, span)?;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.depth = self.depth.checked_sub(1)?;
                if self.in_items && self.depth == 1 {
                    self.in_items = false;
                    self.after_items = true;
                    self.items_end = Some(self.offsets.of(span.start.index())?);
                }
            }
        }
        Some(())
    }

    /// A node starts at `span`.
    fn node(&mut self, node: Node, span: Span) -> Option<()> {
        match self.depth {
            0 => {
                // The root: a block mapping (a flow one starts with its `{`).
                let at = self.offsets.of(span.start.index())?;
                if node != Node::Mapping || self.offsets.text.as_bytes().get(at) == Some(&b'{') {
                    return None;
                }
                self.root_column = span.start.col();
            }
            1 if self.at_key => {
                if self.after_items {
                    // The items end where the next key of the root mapping starts.
                    let Node::Scalar(..) = node else { return None };
                    if span.start.col() != self.root_column {
                        return None;
                    }
                    self.after_items = false;
                }
                let is_items = matches!(node, Node::Scalar("items", _));
                if is_items && (!self.nodes.is_empty() || self.items_end.is_some()) {
                    return None; // a second `items` key: the whole reader refuses it
                }
                self.items_next = is_items;
                self.at_key = false;
            }
            1 => {
                if std::mem::take(&mut self.items_next) {
                    // A block sequence starts at its first `-`, or just after it when it is
                    // not indented past its key; a flow one at its `[`.
                    let at = self.offsets.of(span.start.index())?;
                    if node != Node::Sequence || self.offsets.text.as_bytes().get(at) == Some(&b'[')
                    {
                        return None;
                    }
                    self.in_items = true;
                }
                self.at_key = true;
            }
            2 if self.in_items => {
                if let Node::Scalar(_, ScalarStyle::Literal | ScalarStyle::Folded) = node {
                    return None;
                }
                let at = self.offsets.of(span.start.index())?;
                self.nodes.push(at);
            }
            _ => {}
        }
        Some(())
    }

    fn into_layout(self) -> Option<ItemsLayout<'t>> {
        let text = self.offsets.text;
        let bytes = text.as_bytes();
        let end = self.items_end?;
        let dashes = self
            .nodes
            .iter()
            .map(|&node| entry_dash(bytes, node))
            .collect::<Option<Vec<_>>>()?;
        let first = *dashes.first()?;
        let column = first - line_start(bytes, first);
        // Where the sequence ends: the start of the line of what follows, unless the text
        // ends on an item's line.
        let ends_at = line_start(bytes, end);
        let end = if bytes[ends_at..end].iter().all(|&b| b == b' ') {
            ends_at
        } else {
            end
        };
        let mut entries = Vec::with_capacity(dashes.len());
        for (i, &dash) in dashes.iter().enumerate() {
            let next = dashes.get(i + 1).map_or(end, |&d| line_start(bytes, d));
            if dash - line_start(bytes, dash) != column || dash >= next {
                return None;
            }
            if !indented_past(bytes, dash, next, column) {
                return None;
            }
            entries.push(dash + 1..next);
        }
        let (before, after) = (&text[..line_start(bytes, first)], text.get(end..)?);
        let mut envelope = String::with_capacity(before.len() + after.len());
        envelope.push_str(before);
        envelope.push_str(after);
        Some(ItemsLayout {
            text,
            entries,
            column,
            envelope,
        })
    }
}
