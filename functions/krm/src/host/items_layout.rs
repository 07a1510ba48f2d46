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

use super::as_written::{AsWritten, Scanner};
use super::entry_lines::{entry_dash, indented_past, line_start};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Nesting deeper than this is left to the whole-document reader: an item read on its own
/// sits two levels higher than in its document, and serde_norway refuses past 128 levels.
const MAX_DEPTH: usize = 100;

/// Lays out `text`, a YAML document, when its items can be read one by one: hands each
/// item's text to `each` as soon as the item is known to end (where the next one starts),
/// and returns the document without its items (`items:` is left with no value, and reads
/// as null). An item's text is a document of its own: its first line indented as it was,
/// the `-` turned into a space, so that every line keeps its column.
///
/// The same events note the items' scalars that would not be written back as written (see
/// [`AsWritten`]), so that the text is parsed once for both.
///
/// `None` when the document is not one to lay out, or when `each` returns `false` to stop;
/// the items handed out so far are then to be thrown away.
pub(super) fn lay_out(text: &str, each: impl FnMut(String) -> bool) -> Option<(String, AsWritten)> {
    if !breaks_agree(text) {
        return None;
    }
    let mut walk = Walk::new(text, each);
    let mut scanner = Scanner::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        scanner.on(&event);
        walk.on(event, span)?;
    }
    Some((walk.into_envelope()?, scanner.finish()))
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
struct Walk<'t, F> {
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
    /// The first entry's `-`, which fixes the column of every other.
    first_dash: Option<usize>,
    /// The `-` of the entry whose end is not known yet.
    open_dash: Option<usize>,
    /// Where the items end: the start of the line of what follows them, or the end of the
    /// last item's line when the text ends there.
    items_end: Option<usize>,
    /// Takes each entry's text; `false` stops the walk.
    each: F,
}

/// The kind of node an event starts.
#[derive(PartialEq)]
enum Node<'e> {
    Scalar(&'e str, ScalarStyle),
    Mapping,
    Sequence,
}

impl<'t, F: FnMut(String) -> bool> Walk<'t, F> {
    fn new(text: &'t str, each: F) -> Self {
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
            first_dash: None,
            open_dash: None,
            items_end: None,
            each,
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
                    let end = self.offsets.of(span.start.index())?;
                    let bytes = self.offsets.text.as_bytes();
                    // Unless the text ends on an item's line, the items end at the start of
                    // the line of what follows.
                    let ends_at = line_start(bytes, end);
                    let end = if bytes[ends_at..end].iter().all(|&b| b == b' ') {
                        ends_at
                    } else {
                        end
                    };
                    self.items_end = Some(end);
                    self.close_entry(end)?;
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
                if is_items && (self.first_dash.is_some() || self.items_end.is_some()) {
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
                let bytes = self.offsets.text.as_bytes();
                let dash = entry_dash(bytes, at)?;
                self.close_entry(line_start(bytes, dash))?;
                let first = *self.first_dash.get_or_insert(dash);
                if dash - line_start(bytes, dash) != first - line_start(bytes, first) {
                    return None;
                }
                self.open_dash = Some(dash);
            }
            _ => {}
        }
        Some(())
    }

    /// The open entry ends at `next`: hands out its text, if it means the same on its own.
    fn close_entry(&mut self, next: usize) -> Option<()> {
        let Some(dash) = self.open_dash.take() else {
            return Some(());
        };
        let bytes = self.offsets.text.as_bytes();
        let column = dash - line_start(bytes, dash);
        if dash >= next || !indented_past(bytes, dash, next, column) {
            return None;
        }
        let mut item = " ".repeat(column + 1);
        item.push_str(&self.offsets.text[dash + 1..next]);
        (self.each)(item).then_some(())
    }

    /// The document without its items, once the walk has seen all of it.
    fn into_envelope(self) -> Option<String> {
        let text = self.offsets.text;
        let (first, end) = (self.first_dash?, self.items_end?);
        let before = &text[..line_start(text.as_bytes(), first)];
        let after = text.get(end..)?;
        let mut envelope = String::with_capacity(before.len() + after.len());
        envelope.push_str(before);
        envelope.push_str(after);
        Some(envelope)
    }
}
