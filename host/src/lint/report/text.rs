//! Compiler-style diagnostics: severity and rule, message, `file:line:col`, the source line with
//! the span underlined, and a closing summary.

use super::super::{Finding, Outcome};
use krm::Severity;
use std::collections::HashMap;
use std::fmt::Write as _;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The lines of each source, split once: a large file with many findings would otherwise be
/// scanned from its start for every code frame.
struct SourceLines<'a> {
    outcome: &'a Outcome,
    split: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> SourceLines<'a> {
    /// Line `number` (1-based) of `file`.
    fn line(&mut self, file: &str, number: usize) -> Option<&'a str> {
        let (name, text) = self.outcome.sources.get_key_value(file)?;
        let lines = self
            .split
            .entry(name.as_str())
            .or_insert_with(|| text.lines().collect());
        lines.get(number.saturating_sub(1)).copied()
    }
}

pub fn render(outcome: &Outcome, colour: bool) -> String {
    let style = Style { on: colour };
    let mut out = String::new();
    let mut lines = SourceLines {
        outcome,
        split: HashMap::new(),
    };
    for finding in &outcome.findings {
        diagnostic(&mut out, finding, &mut lines, &style);
    }
    let summary = super::summary(outcome);
    let line = if outcome.count(Severity::Error) > 0 {
        style.paint("1;31", &summary)
    } else {
        style.paint("1;32", &summary)
    };
    let _ = writeln!(out, "{line}");
    out
}

fn diagnostic(out: &mut String, f: &Finding, sources: &mut SourceLines, style: &Style) {
    let (label, colour) = match f.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
        Severity::Info => ("note", "1;36"),
    };
    let message = printable(&f.message);
    let mut lines = message.lines();
    let _ = writeln!(
        out,
        "{}{} {}",
        style.paint(colour, &format!("{label}[{}]", f.rule)),
        style.paint("1", ":"),
        style.paint("1", lines.next().unwrap_or_default())
    );
    for more in lines {
        let _ = writeln!(out, "  {more}");
    }
    let _ = writeln!(
        out,
        "  {} {}",
        style.paint("1;34", "-->"),
        printable(&super::place(f))
    );
    if let (Some(file), Some(region)) = (&f.file, f.region)
        && let Some(text) = sources.line(file, region.line)
    {
        let number = region.line.to_string();
        let gutter = " ".repeat(number.len());
        let width = if region.end_line == region.line && region.end_column > region.column {
            region.end_column - region.column
        } else {
            1
        };
        let (text, column, width) = framed(text, region.column.saturating_sub(1), width);
        let bar = style.paint("1;34", "|");
        let _ = writeln!(out, "{gutter} {bar}");
        let _ = writeln!(out, "{} {bar} {text}", style.paint("1;34", &number));
        let _ = writeln!(
            out,
            "{gutter} {bar} {}{}",
            " ".repeat(column),
            style.paint(colour, &"^".repeat(width))
        );
    }
    let context: Vec<String> = [
        super::resource_label(f),
        f.field.as_ref().map(|p| format!("field {p}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !context.is_empty() {
        let _ = writeln!(out, "  = {}", context.join(", "));
    }
    if let Some(said) = super::origin_said(f) {
        let _ = writeln!(out, "  = {}", printable(&said));
    }
    out.push('\n');
}

/// Text from the input as a terminal can be trusted with it: control characters (an escape
/// sequence in a value would otherwise act on the reader's terminal) written as escapes.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let control = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.contains(control) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// Most characters of a source line a code frame shows: a longer line is cut to a window
/// around the span, marked with `…` at the cuts.
const FRAME_WIDTH: usize = 160;

/// A source line for a code frame, and where under it the caret goes and how wide it is, in
/// terminal cells (a CJK character or an emoji takes two). A tab shows as one blank, another
/// C0 control character as its control picture (`␛` for an escape), any other as `�`, each
/// one cell wide; a line longer than [`FRAME_WIDTH`] is cut to a window around the span.
/// `column` and `width` count characters.
fn framed(line: &str, column: usize, width: usize) -> (String, usize, usize) {
    use unicode_width::UnicodeWidthChar;
    let shown = |c: char| match c {
        '\t' => ' ',
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
        '\u{7f}' => '␡',
        c if c.is_control() => '�',
        c => c,
    };
    let chars: Vec<char> = line.chars().map(shown).collect();
    let (start, end) = if chars.len() <= FRAME_WIDTH {
        (0, chars.len())
    } else {
        let start = column.saturating_sub(FRAME_WIDTH / 4).min(chars.len());
        (start, (start + FRAME_WIDTH).min(chars.len()))
    };
    let window = &chars[start..end];
    let cells = |chars: &[char]| chars.iter().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    let before = column.saturating_sub(start).min(window.len());
    let span = &window[before..(before + width).min(window.len())];
    let mut shown = String::new();
    let mut offset = cells(&window[..before]);
    if start > 0 {
        shown.push('…');
        offset += 1;
    }
    shown.extend(window);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, offset, cells(span).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            printable("tag \u{1b}[2Jx\nnext\tcol"),
            "tag \\u{1b}[2Jx\nnext\tcol"
        );
        assert!(matches!(printable("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn carets_count_terminal_cells() {
        // `名前: x` — the value starts at character 5, in cell 7.
        let (text, column, width) = framed("名前: 値x", 4, 2);
        assert_eq!((text.as_str(), column, width), ("名前: 値x", 6, 3));
    }

    /// The control character a YAML error points at is seen, one cell wide like a tab.
    #[test]
    fn control_characters_show_as_pictures_in_frames() {
        let (text, column, width) = framed("n: \"\u{1b}[31m\u{85}\u{7f}\"", 4, 1);
        assert_eq!((text.as_str(), column, width), ("n: \"␛[31m�␡\"", 4, 1));
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let (text, column, width) = framed("a:\tb", 3, 1);
        assert_eq!((text.as_str(), column, width), ("a: b", 3, 1));
        let long = format!("key: {}", "x".repeat(1000));
        let (text, column, width) = framed(&long, 500, 600);
        assert_eq!(text.chars().count(), FRAME_WIDTH + 2);
        assert!(text.starts_with('…') && text.ends_with('…'));
        assert_eq!(column, FRAME_WIDTH / 4 + 1);
        assert_eq!(column + width, FRAME_WIDTH + 1, "{column} {width}");
        // At the start of the line: no cut there.
        let (text, column, _) = framed(&long, 5, 3);
        assert!(!text.starts_with('…') && text.ends_with('…'));
        assert_eq!(column, 5);
    }
}
