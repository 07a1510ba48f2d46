//! GitLab Code Quality: the subset of Code Climate's issue format that GitLab reads from
//! `artifacts:reports:codequality` and shows on a merge request (the widget, and the diff's
//! lines in the tiers that have it). Every field GitLab requires is always written: it drops a
//! report with an issue short of them without saying so, and takes issues with one fingerprint
//! for one.

use super::super::{Finding, Outcome};
use krm::Severity;
use serde::Serialize;

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    positions: Positions,
}

#[derive(Serialize)]
struct Positions {
    begin: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

pub fn render(outcome: &Outcome) -> String {
    let cwd = std::env::current_dir().ok();
    let issues: Vec<Issue> = outcome
        .findings
        .iter()
        .zip(super::fingerprints(&outcome.findings))
        .map(|(f, fingerprint)| issue(f, fingerprint, cwd.as_deref()))
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).expect("issues serialize");
    text.push('\n');
    text
}

fn issue(f: &Finding, fingerprint: String, cwd: Option<&std::path::Path>) -> Issue {
    // GitLab's five levels: an error fails the pipeline's lint, so it ranks above the rest.
    let severity = match f.severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    };
    let description = match super::resource_label(f) {
        Some(resource) => format!("{resource}: {}", f.message),
        None => f.message.clone(),
    };
    let (file, region) = f.annotated_place();
    let (begin, end) = match region {
        Some(r) => (
            Position {
                line: r.line,
                column: r.column,
            },
            Position {
                line: r.end_line,
                column: r.end_column,
            },
        ),
        // The whole file: its first line.
        None => (
            Position { line: 1, column: 1 },
            Position { line: 1, column: 1 },
        ),
    };
    Issue {
        description,
        check_name: format!("krmwasm/{}", f.rule),
        fingerprint,
        severity,
        location: Location {
            // GitLab needs a path: a finding about the whole set is placed on the directory.
            path: file.map_or_else(|| ".".to_string(), |file| super::repository_path(file, cwd)),
            positions: Positions { begin, end },
        },
    }
}
