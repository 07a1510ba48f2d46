//! JUnit XML, the report format most CI systems render: one test suite, one test case per
//! document (`file#index Kind/name`, or `file#index` for one with neither), failed by its
//! error findings; warnings and notes go to the case's `system-out`. Input that could not be
//! read is a failed case of its own; a kustomize patch or Helm template, which is not linted,
//! a skipped one. A rendered document whose findings know where its resource was written
//! (kustomize's origins) names that file as the case's `file`, and each line says where.

use super::super::{Finding, Outcome};
use krm::Severity;
use std::collections::HashMap;
use std::fmt::Write as _;

pub fn render(outcome: &Outcome) -> String {
    let mut cases = String::new();
    let mut failures = 0;
    let mut tests = 0;
    // Each document's findings, gathered in one pass (in their order).
    let mut by_document: HashMap<(&str, usize), Vec<&Finding>> = HashMap::new();
    for f in &outcome.findings {
        if let (Some(file), Some(index)) = (&f.file, f.document) {
            by_document.entry((file, index)).or_default().push(f);
        }
    }
    for doc in &outcome.documents {
        let findings = by_document
            .remove(&(doc.file.as_str(), doc.index))
            .unwrap_or_default();
        let name = match (doc.kind.as_str(), doc.name.as_str()) {
            // A kustomization or any other document without kind and name.
            ("", "") => format!("{}#{}", doc.file, doc.index),
            // A List, or a kind without a name: its kind alone.
            (kind, "") => format!("{}#{} {kind}", doc.file, doc.index),
            (kind, name) => format!("{}#{} {kind}/{name}", doc.file, doc.index),
        };
        // The file a CI system links the case to: where the resource was written, if known.
        let file = findings
            .iter()
            .find_map(|f| f.origin.as_ref().filter(|o| !o.patch))
            .map_or(doc.file.as_str(), |o| o.file.as_str());
        failures += usize::from(case(&mut cases, &name, file, &findings));
        tests += 1;
    }
    // Findings about no document: unreadable files, results about the whole set.
    for f in outcome.findings.iter().filter(|f| f.document.is_none()) {
        let name = f
            .file
            .clone()
            .unwrap_or_else(|| "(the set of resources)".into());
        failures += usize::from(case(&mut cases, &name, &name, &[f]));
        tests += 1;
    }
    // Fragments were not linted: skipped cases, so the CI's test view says why.
    let mut skipped = 0;
    for fragment in &outcome.set_aside {
        let file = fragment.file.display().to_string();
        let _ = writeln!(
            cases,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
            escape(&file),
            escape(&file),
            escape(&file),
            escape(&fragment.explanation())
        );
        skipped += 1;
        tests += 1;
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"krmwasm lint\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"krmwasm lint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    out.push_str(&cases);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Writes one test case; true when it failed.
fn case(out: &mut String, name: &str, file: &str, findings: &[&Finding]) -> bool {
    let _ = writeln!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\">",
        escape(name),
        escape(file),
        escape(file)
    );
    let errors: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        let body: Vec<String> = errors.iter().map(|f| line(f)).collect();
        let _ = writeln!(
            out,
            "      <failure message=\"{}\" type=\"{}\">{}</failure>",
            escape(first.message.lines().next().unwrap_or_default()),
            escape(&first.rule),
            escape(&body.join("\n"))
        );
    }
    let others: Vec<String> = findings
        .iter()
        .filter(|f| f.severity != Severity::Error)
        .map(|f| line(f))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            escape(&others.join("\n"))
        );
    }
    out.push_str("    </testcase>\n");
    !errors.is_empty()
}

fn line(f: &Finding) -> String {
    let mut line = format!(
        "{}: {} [{}] {}",
        super::place(f),
        f.severity,
        f.rule,
        f.message
    );
    if let Some(said) = super::origin_said(f) {
        line = format!("{line} ({said})");
    }
    line
}

/// XML text and attribute escaping; characters XML 1.0 forbids are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
