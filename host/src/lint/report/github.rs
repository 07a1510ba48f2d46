//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding,
//! escaped as actions/toolkit escapes them, then the plain text report for the log. GitHub shows
//! at most 10 annotations of each level per step; the text report keeps the rest.

use super::super::{Finding, Outcome};
use krm::Severity;
use std::fmt::Write as _;

pub fn render(outcome: &Outcome) -> String {
    let cwd = std::env::current_dir().ok();
    let mut out = String::new();
    for f in &outcome.findings {
        let _ = writeln!(out, "{}", command(f, cwd.as_deref()));
    }
    out.push_str(&super::text::render(outcome, false));
    out
}

fn command(f: &Finding, cwd: Option<&std::path::Path>) -> String {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = Vec::new();
    let (file, region) = f.annotated_place();
    if let Some(file) = file {
        let file = super::repository_path(file, cwd);
        properties.push(format!("file={}", escape_property(&file)));
    }
    if let Some(r) = region {
        properties.push(format!("line={}", r.line));
        properties.push(format!("endLine={}", r.end_line));
        // Columns only mean something on one line.
        if r.end_line == r.line {
            properties.push(format!("col={}", r.column));
            properties.push(format!("endColumn={}", r.end_column));
        }
    }
    properties.push(format!(
        "title={}",
        escape_property(&format!("kpack {}", f.rule))
    ));
    format!(
        "::{level} {}::{}",
        properties.join(","),
        escape_data(&f.message)
    )
}

/// Message text: `%`, CR and LF.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values: as data, plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("100%\nnext\r"), "100%25%0Anext%0D");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
