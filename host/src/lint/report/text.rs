//! Compiler-style diagnostics: severity and rule, message, `file:line:col`, the source line with
//! the span underlined, and a closing summary.

use super::super::{Finding, Outcome};
use krm::Severity;
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

pub fn render(outcome: &Outcome, colour: bool) -> String {
    let style = Style { on: colour };
    let mut out = String::new();
    for finding in &outcome.findings {
        diagnostic(&mut out, finding, outcome, &style);
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

fn diagnostic(out: &mut String, f: &Finding, outcome: &Outcome, style: &Style) {
    let (label, colour) = match f.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
        Severity::Info => ("note", "1;36"),
    };
    let mut lines = f.message.lines();
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
    let _ = writeln!(out, "  {} {}", style.paint("1;34", "-->"), super::place(f));
    if let (Some(file), Some(region)) = (&f.file, f.region)
        && let Some(source) = outcome.sources.get(file)
        && let Some(text) = source.lines().nth(region.line.saturating_sub(1))
    {
        let number = region.line.to_string();
        let gutter = " ".repeat(number.len());
        let width = if region.end_line == region.line && region.end_column > region.column {
            region.end_column - region.column
        } else {
            1
        };
        let bar = style.paint("1;34", "|");
        let _ = writeln!(out, "{gutter} {bar}");
        let _ = writeln!(out, "{} {bar} {text}", style.paint("1;34", &number));
        let _ = writeln!(
            out,
            "{gutter} {bar} {}{}",
            " ".repeat(region.column.saturating_sub(1)),
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
    out.push('\n');
}
