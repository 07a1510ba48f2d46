//! SARIF 2.1.0 through the serde-sarif crate: one run, one rule per validator rule, results with
//! repository-relative locations and regions, and fingerprints so code scanning can tell a
//! finding it has seen from a new one.

use super::super::{Finding, Outcome};
use krm::Severity;
use serde_sarif::sarif;
use std::collections::BTreeMap;

/// What a URI path segment cannot hold as is (RFC 3986: only unreserved characters, sub-delims,
/// `:` and `@` may stand unencoded).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(outcome: &Outcome) -> String {
    let mut rules: Vec<String> = outcome.findings.iter().map(|f| f.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    let descriptors: Vec<sarif::ReportingDescriptor> = rules
        .iter()
        .map(|rule| {
            sarif::ReportingDescriptor::builder()
                .id(rule.clone())
                .name(rule.clone())
                .short_description(&rule_description(rule))
                .help_uri(concat!(
                    env!("CARGO_PKG_REPOSITORY"),
                    "/blob/main/docs/validator.md"
                ))
                .build()
        })
        .collect();
    let results: Vec<sarif::Result> = outcome
        .findings
        .iter()
        .zip(super::fingerprints(&outcome.findings))
        .map(|(f, fingerprint)| {
            let rule_index = rules.iter().position(|r| *r == f.rule).unwrap_or(0);
            result(f, rule_index, fingerprint)
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("krmwasm")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(descriptors)
        .build();
    let run = sarif::Run::builder().tool(driver).results(results).build();
    let log = sarif::Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    text.push('\n');
    text
}

fn rule_description(rule: &str) -> String {
    match rule {
        "schema" => "The object does not match the kind's schema".into(),
        "webhook" => "kpack's admission webhook would refuse the object".into(),
        "reference" => "A referenced object is missing or does not fit".into(),
        "policy" => "The object breaks the configured policy".into(),
        "pod" => "The API server would refuse the build pod kpack makes from the object".into(),
        "metadata" => "Object metadata the API server would ignore or need".into(),
        "legacy" => "A deprecated or retired kpack API version".into(),
        "validation" => "A validator's finding that names no rule of its own".into(),
        "config" => {
            "The function that takes this config refuses it, or no function takes it".into()
        }
        "parse" => "The file is not valid YAML".into(),
        "yaml" => "A plain value kubectl reads as something else (YAML 1.1)".into(),
        "read" => "The file cannot be read".into(),
        other => format!("{other} findings"),
    }
}

fn result(f: &Finding, rule_index: usize, fingerprint: String) -> sarif::Result {
    let level = match f.severity {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    };
    let mut locations = Vec::new();
    let (file, region) = f.annotated_place();
    if let Some(file) = file {
        let artifact = artifact_location(file);
        let physical = match region {
            Some(r) => sarif::PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(
                    sarif::Region::builder()
                        .start_line(r.line as i64)
                        .start_column(r.column as i64)
                        .end_line(r.end_line as i64)
                        .end_column(r.end_column as i64)
                        .build(),
                )
                .build(),
            None => sarif::PhysicalLocation::builder()
                .artifact_location(artifact)
                .build(),
        };
        locations.push(
            sarif::Location::builder()
                .physical_location(physical)
                .build(),
        );
    }
    // v2: the message counts too, and alike findings are numbered (v1 gave two findings
    // about one field the same fingerprint, which code scanning shows as one).
    let fingerprints = BTreeMap::from([("krmwasmFinding/v2".to_string(), fingerprint)]);
    sarif::Result::builder()
        .rule_id(f.rule.clone())
        .rule_index(rule_index as i64)
        .level(level)
        .message(f.message.as_str())
        .locations(locations)
        .partial_fingerprints(fingerprints)
        .build()
}

/// Where a file is, as SARIF wants it: a relative path becomes a URI reference against
/// `%SRCROOT%` (the directory lint ran in, which CI systems map to the checkout), an absolute
/// one a `file:` URI; stdin has no URI and is described instead.
fn artifact_location(file: &str) -> sarif::ArtifactLocation {
    let path = std::path::Path::new(file);
    if path.is_absolute()
        && let Ok(url) = url::Url::from_file_path(path)
    {
        return sarif::ArtifactLocation::builder().uri(url.as_str()).build();
    }
    if file == crate::lint::inputs::STDIN {
        // No URI names stdin; SARIF lets a location be described instead.
        return sarif::ArtifactLocation::builder()
            .description(sarif::Message::builder().text("standard input").build())
            .build();
    }
    let uri: Vec<String> = file
        .replace('\\', "/")
        .trim_start_matches("./")
        .split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, PATH_SEGMENT).to_string())
        .collect();
    let mut uri = uri.join("/");
    // A first segment with a colon would read as a scheme (`a:b.yaml`); RFC 3986 §4.2 has
    // such a relative reference start with `./`.
    if uri
        .split('/')
        .next()
        .is_some_and(|first| first.contains(':'))
    {
        uri.insert_str(0, "./");
    }
    sarif::ArtifactLocation::builder()
        .uri(uri)
        .uri_base_id("%SRCROOT%")
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(file: &str) -> Option<String> {
        artifact_location(file).uri
    }

    #[test]
    fn files_become_uris() {
        assert_eq!(uri("./my app#1.yaml").as_deref(), Some("my%20app%231.yaml"));
        assert_eq!(uri("../deploy/a.yaml").as_deref(), Some("../deploy/a.yaml"));
        assert_eq!(
            uri("/srv/x y.yaml").as_deref(),
            Some("file:///srv/x%20y.yaml")
        );
        assert_eq!(uri("<stdin>"), None);
        assert_eq!(uri("a:b.yaml").as_deref(), Some("./a:b.yaml"));
        assert_eq!(uri("d/a:b.yaml").as_deref(), Some("d/a:b.yaml"));
    }
}
