//! The formats `krmwasm lint` prints: for people (text), for programs (json), and for CI
//! systems (junit, sarif, github, gitlab).

mod github;
mod gitlab;
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
    /// GitLab Code Quality (artifacts:reports:codequality), shown on merge requests.
    Gitlab,
}

/// The report in `format`. `colour` applies to text only.
pub fn render(outcome: &Outcome, format: Format, colour: bool) -> String {
    match format {
        Format::Text => text::render(outcome, colour),
        Format::Json => json::render(outcome),
        Format::Junit => junit::render(outcome),
        Format::Sarif => sarif::render(outcome),
        Format::Github => github::render(outcome),
        Format::Gitlab => gitlab::render(outcome),
    }
}

/// A file as CI systems place annotations: relative to the repository (the directory lint
/// runs in, as a CI job does), without `./`, which GitHub does not match to a file of the
/// change; an absolute path outside it, and `<stdin>`, as they are.
fn repository_path(file: &str, cwd: Option<&std::path::Path>) -> String {
    let path = std::path::Path::new(file);
    let relative = cwd
        .filter(|_| path.is_absolute())
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    let mut text = relative.to_string_lossy().replace('\\', "/");
    while let Some(rest) = text.strip_prefix("./") {
        text = rest.to_string();
    }
    text
}

/// Each finding's fingerprint, in order: what (rule, message), which object and field, in which
/// file (its resource's origin, when known: where it is annotated); not the line, so that a finding is known again when lines move above it. Code scanning
/// and GitLab take findings with one fingerprint for one, so findings alike in all of these are
/// told apart by their count.
fn fingerprints(findings: &[super::Finding]) -> Vec<String> {
    let mut seen = std::collections::HashMap::new();
    findings
        .iter()
        .map(|f| {
            let identity = [
                f.rule.as_str(),
                f.annotated_place()
                    .0
                    .unwrap_or_default()
                    .trim_start_matches("./"),
                &resource_label(f).unwrap_or_default(),
                f.field.as_deref().unwrap_or_default(),
                &f.message,
            ]
            .join("\0");
            let count = seen.entry(identity.clone()).or_insert(0usize);
            *count += 1;
            match *count {
                1 => crate::runtime::sha256_hex(identity.as_bytes()),
                n => crate::runtime::sha256_hex(format!("{identity}\0{n}").as_bytes()),
            }
        })
        .collect()
}

/// `file:line:col`, or as much of it as is known.
fn place(finding: &super::Finding) -> String {
    match (&finding.file, finding.region) {
        (Some(file), Some(r)) => format!("{file}:{}:{}", r.line, r.column),
        (Some(file), None) => file.clone(),
        (None, _) => "(the set of resources)".to_string(),
    }
}

/// Where a finding's resource was written, for rendered input with kustomize's origins:
/// "written in base/image.yaml:6:8 (kustomize origin)", or the patch that set the value.
fn origin_said(finding: &super::Finding) -> Option<String> {
    let origin = finding.origin.as_ref()?;
    let place = match origin.region {
        Some(r) => format!("{}:{}:{}", origin.file, r.line, r.column),
        None => origin.file.clone(),
    };
    Some(if origin.patch {
        format!("set in {place} (kustomize patch)")
    } else if origin.at_field || finding.field.is_none() {
        format!("written in {place} (kustomize origin)")
    } else {
        format!(
            "written in {place} (kustomize origin), which does not hold the value linted: \
             kustomize set it"
        )
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{Finding, locate::Region};

    fn finding(line: usize, message: &str) -> Finding {
        Finding {
            severity: krm::Severity::Error,
            rule: "webhook".into(),
            message: message.into(),
            file: Some("./deploy/a.yaml".into()),
            document: Some(0),
            region: Some(Region {
                line,
                column: 3,
                end_line: line,
                end_column: 9,
            }),
            resource: None,
            field: Some("spec.tag".into()),
            about_key: false,
            origin: None,
            source: "kpack-validate".into(),
        }
    }

    #[test]
    fn paths_are_relative_to_the_repository() {
        let cwd = Some(std::path::Path::new("/builds/team/app"));
        for (file, placed) in [
            ("./deploy/a.yaml", "deploy/a.yaml"),
            ("././a.yaml", "a.yaml"),
            ("/builds/team/app/deploy/a.yaml", "deploy/a.yaml"),
            ("/srv/a.yaml", "/srv/a.yaml"),
            ("<stdin>", "<stdin>"),
        ] {
            assert_eq!(repository_path(file, cwd), placed);
        }
    }

    #[test]
    fn fingerprints_outlast_moved_lines_and_tell_alike_findings_apart() {
        let before = fingerprints(&[finding(5, "bad tag"), finding(9, "no builder")]);
        let after = fingerprints(&[finding(7, "bad tag"), finding(11, "no builder")]);
        assert_eq!(before, after);
        assert_ne!(before[0], before[1], "the message tells them apart");
        let alike = fingerprints(&[finding(5, "bad tag"), finding(9, "bad tag")]);
        assert_ne!(alike[0], alike[1]);
        assert_eq!(alike[0], before[0]);
    }
}
