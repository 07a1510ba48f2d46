//! The lines of a block sequence's entries, as bytes: where an entry's `-` is, and whether an
//! entry's text means the same on its own as it does inside the sequence.
//!
//! Every answer is conservative: `None` or `false` sends the caller back to reading the
//! document whole, which is always right, only slower.

/// Where the line holding `at` starts.
pub(super) fn line_start(text: &[u8], at: usize) -> usize {
    text[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1)
}

/// Where the line holding `at` ends (its `\n`, or the end of the text).
fn line_end(text: &[u8], at: usize) -> usize {
    text[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |offset| at + offset)
}

/// The first byte of `line` that is not a space.
fn indentation(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

/// Spaces, then nothing or a comment: what may follow an entry's `-` before its content.
fn only_spaces_or_comment(bytes: &[u8]) -> bool {
    let spaces = indentation(bytes);
    let rest = trim_cr(&bytes[spaces..]);
    // `#` starts a comment only after a space: `-#` is no entry at all.
    rest.is_empty() || (spaces > 0 && rest[0] == b'#')
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A line with nothing in it for the parser: blank, or only a comment.
fn blank_or_comment(line: &[u8]) -> bool {
    let rest = trim_cr(&line[indentation(line)..]);
    rest.is_empty() || rest[0] == b'#'
}

/// The `-` of the entry whose node the parser reported at `node` (its first byte, or for an
/// empty entry somewhere on the `-` line). The `-` is the first thing on its line: on the
/// node's own line before it, or on an earlier line with only blank or comment lines between
/// (`-` then a line break, or `- # note`).
pub(super) fn entry_dash(text: &[u8], node: usize) -> Option<usize> {
    let start = line_start(text, node);
    let first = start + indentation(&text[start..node]);
    if first < node {
        return (text[first] == b'-' && only_spaces_or_comment(&text[first + 1..node]))
            .then_some(first);
    }
    let mut end = start;
    while end > 0 {
        let start = line_start(text, end - 1);
        let line = &text[start..end - 1];
        end = start;
        if blank_or_comment(line) {
            continue;
        }
        let dash = indentation(line);
        return (line[dash] == b'-' && only_spaces_or_comment(&line[dash + 1..]))
            .then_some(start + dash);
    }
    None
}

/// Whether every line of `text[from..to]` after the first is blank, a comment, or indented
/// past `column`. Inside the sequence a less indented line would end the entry or be read in
/// flow or quoted context; on its own it might be read differently, so such an entry is left
/// to the whole-document reader. (`---` and `...` at the margin are caught here too.)
pub(super) fn indented_past(text: &[u8], from: usize, to: usize, column: usize) -> bool {
    let mut at = line_end(text, from);
    while at < to {
        let start = at + 1;
        let end = line_end(text, start).min(to);
        let line = &text[start..end];
        if !blank_or_comment(line) && indentation(line) <= column {
            return false;
        }
        at = end;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dash(text: &str, node: &str) -> Option<usize> {
        entry_dash(text.as_bytes(), text.find(node).unwrap())
    }

    #[test]
    fn the_dash_is_found_before_the_node_on_its_line_or_above_it() {
        assert_eq!(dash("items:\n- a: 1\n", "a:"), Some(7));
        assert_eq!(dash("items:\n  - - x\n", "- x"), Some(9));
        assert_eq!(dash("items:\n  -\n\n    # note\n    a: 1\n", "a:"), Some(9));
        assert_eq!(dash("items:\r\n- # note\r\n  a: 1\r\n", "a:"), Some(8));
        // An empty entry is reported after its dash, or after the comment on its line.
        assert_eq!(dash("items:\n- # note\n- b\n", "\n- b"), Some(7));
    }

    #[test]
    fn anything_else_before_the_node_gives_no_dash() {
        assert_eq!(dash("items:\n-\ta: 1\n", "a:"), None);
        assert_eq!(dash("items:\n  x: 1\n  a: 1\n", "a:"), None);
        assert_eq!(dash("a: 1\n", "a:"), None);
        assert_eq!(dash("items:\n-x\n  a: 1\n", "a:"), None);
    }

    #[test]
    fn lines_at_or_left_of_the_dash_column_are_refused() {
        let text = b"- a: |\n    x\n\n  # c\n# c\n  b: 1\n";
        assert!(indented_past(text, 1, text.len(), 0));
        assert!(
            indented_past(b"- a\n---\n", 1, 4, 0),
            "the end is not checked"
        );
        assert!(!indented_past(b"- a\n---\n", 1, 8, 0));
        assert!(!indented_past(b"  - \"a\n  b\"\n", 3, 12, 2));
        assert!(indented_past(b"  - \"a\n   b\"\n", 3, 13, 2));
    }
}
