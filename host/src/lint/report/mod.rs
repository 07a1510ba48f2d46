//! The formats `krmwasm lint` prints: for people (text), for programs (json), and for CI
//! systems (junit, sarif, github).

mod github;
mod json;
mod junit;
mod sarif;
mod text;

use super::Outcome;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style diagnostics with code frames (colour on a terminal).
    Text,
    /// One JSON document (see docs/lint.md).
    Json,
    /// JUnit XML: one test case per document.
    Junit,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations), then the text report.
    Github,
}

/// The report in `format`. `colour` applies to text only.
pub fn render(outcome: &Outcome, format: Format, colour: bool) -> String {
    match format {
        Format::Text => text::render(outcome, colour),
        Format::Json => json::render(outcome),
        Format::Junit => junit::render(outcome),
        Format::Sarif => sarif::render(outcome),
        Format::Github => github::render(outcome),
    }
}

/// `file:line:col`, or as much of it as is known.
fn place(finding: &super::Finding) -> String {
    match (&finding.file, finding.region) {
        (Some(file), Some(r)) => format!("{file}:{}:{}", r.line, r.column),
        (Some(file), None) => file.clone(),
        (None, _) => "(the set of resources)".to_string(),
    }
}

/// "Image apps/cart" for a finding's resource.
fn resource_label(finding: &super::Finding) -> Option<String> {
    finding.resource.as_ref().map(|r| match &r.namespace {
        Some(ns) => format!("{} {ns}/{}", r.kind, r.name),
        None => format!("{} {}", r.kind, r.name),
    })
}

/// "2 errors, 1 warning, 0 notes in 3 files (12 documents)", and what was set aside.
fn summary(outcome: &Outcome) -> String {
    use krm::Severity;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut line = format!(
        "{}, {}, {} in {} ({})",
        plural(outcome.count(Severity::Error), "error"),
        plural(outcome.count(Severity::Warning), "warning"),
        plural(outcome.count(Severity::Info), "note"),
        plural(outcome.files, "file"),
        plural(outcome.documents.len(), "document"),
    );
    let mut counts = std::collections::BTreeMap::new();
    for fragment in &outcome.set_aside {
        *counts.entry(fragment.kind).or_insert(0) += 1;
    }
    let parts: Vec<String> = counts
        .into_iter()
        .map(|(kind, n)| match n {
            1 => format!("1 {}", kind.noun()),
            n => format!("{n} {}", kind.plural()),
        })
        .collect();
    if !parts.is_empty() {
        line += &format!("; {} not linted", parts.join(" and "));
    }
    line
}
