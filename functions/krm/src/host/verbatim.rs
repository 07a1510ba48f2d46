//! Items written back in the very text they were read in, when the function returned them
//! unchanged. A function reads JSON, so an item it only passes on would otherwise be written
//! anew: `k: "v"` comes back `k: v`, `{a: 1}` in block style, `'true'` for `"true"`. kpt
//! writes what a function returns into the package's files, so every render would rewrite
//! files no function touched. kpt's own functions keep each node's style, and so must a
//! pipeline step that runs these functions.
//!
//! Each item of a YAML ResourceList laid out item by item (see [`super::items_layout`]) is
//! noted with the JSON it was read as; an output item whose JSON is the same bytes is written
//! as that text, shifted to the output's indentation. Anything else is written as before.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, RandomState};
use std::ops::Range;
use std::sync::OnceLock;

/// Items' texts by the hash of the JSON each was read as.
#[derive(Debug, Default)]
pub struct Verbatim {
    /// Hash of the JSON → its length, and where the item's text is in `texts`. Keys are
    /// random per process, so no input can be made to collide; the length is checked too.
    items: HashMap<u64, (usize, Range<usize>)>,
    /// Every noted text, one after another: one allocation, not one per item.
    texts: String,
}

/// One hasher for every table of the process, so that tables merge.
fn hash(json: &[u8]) -> u64 {
    static STATE: OnceLock<RandomState> = OnceLock::new();
    STATE.get_or_init(RandomState::new).hash_one(json)
}

impl Verbatim {
    /// Notes that the item whose laid-out `text` (see [`super::items_layout::lay_out`]: its
    /// first line indented as it was, the `-` a space) was read as `json`.
    pub fn note(&mut self, json: &[u8], text: &str) {
        if let Entry::Vacant(vacant) = self.items.entry(hash(json)) {
            let start = self.texts.len();
            self.texts.push_str(text);
            vacant.insert((json.len(), start..self.texts.len()));
        }
    }

    pub fn merge(&mut self, other: Verbatim) {
        if self.items.is_empty() && self.texts.capacity() < other.texts.len() {
            *self = other;
            return;
        }
        let offset = self.texts.len();
        self.texts.push_str(&other.texts);
        for (key, (len, range)) in other.items {
            self.items
                .entry(key)
                .or_insert((len, range.start + offset..range.end + offset));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Room for `bytes` of text.
    pub fn reserve(&mut self, bytes: usize) {
        self.texts.reserve(bytes);
    }

    /// The text of an item read as `item_json`, as a sequence entry (`- ` at the first
    /// column) or, when `entry` is false, as a document; `None` when no item was, or when its
    /// text cannot be moved to that indentation.
    pub fn text(&self, item_json: &str, entry: bool) -> Option<String> {
        let (len, range) = self.items.get(&hash(item_json.as_bytes()))?;
        if *len != item_json.len() {
            return None;
        }
        shifted(&self.texts[range.clone()], entry)
    }
}

/// `text` (an entry's lines, its `-` a space) with its content moved to column 2 after a
/// `- `, or to column 0 as a document: every line shifted left by the same number of
/// spaces, so that indentation inside it (block scalars included) means what it did.
fn shifted(text: &str, entry: bool) -> Option<String> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    let content = first.len() - first.trim_start_matches(' ').len();
    let rest = &first[content..];
    // The entry's node must start on the `-` line: `- # note` or a lone `-` is written anew.
    if rest.trim_end().is_empty() || rest.starts_with('#') {
        return None;
    }
    let shift = if entry {
        content.checked_sub(2)?
    } else {
        content
    };
    let mut out = String::with_capacity(text.len());
    if entry {
        out.push_str("- ");
    }
    out.push_str(rest);
    for line in lines {
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let body = line[spaces..].trim_end_matches(['\r', '\n']);
        if spaces < shift && !body.is_empty() && !body.starts_with('#') {
            return None; // content left of the entry's column: not what a layout hands out
        }
        out.push_str(&line[spaces.min(shift)..]);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_item_is_its_text_at_the_output_s_column() {
        let mut table = Verbatim::default();
        // `  - {a: 1}` under `items:`, as laid out: the dash at column 2 became a space.
        let text = "    metadata: {name: x}\n    data:\n      k: \"v\" # kept\n      s: |\n        two\n         lines\n  # between items\n";
        table.note(br#"{"metadata":{"name":"x"}}"#, text);
        assert_eq!(
            table.text(r#"{"metadata":{"name":"x"}}"#, true).as_deref(),
            Some(
                "- metadata: {name: x}\n  data:\n    k: \"v\" # kept\n    s: |\n      two\n       lines\n# between items\n"
            )
        );
        assert_eq!(
            table.text(r#"{"metadata":{"name":"x"}}"#, false).as_deref(),
            Some(
                "metadata: {name: x}\ndata:\n  k: \"v\" # kept\n  s: |\n    two\n     lines\n# between items\n"
            )
        );
        assert_eq!(table.text(r#"{"metadata":{"name":"y"}}"#, true), None);
    }

    #[test]
    fn an_entry_whose_node_starts_below_its_dash_is_written_anew() {
        assert_eq!(shifted("  \n  a: 1\n", true), None);
        assert_eq!(shifted("  # note\n  a: 1\n", true), None);
        assert_eq!(shifted("  a: 1\n", true).as_deref(), Some("- a: 1\n"));
        assert_eq!(shifted("  a: 1", true).as_deref(), Some("- a: 1\n"));
    }
}
