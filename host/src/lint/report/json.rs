//! The JSON report: one document whose shape is the [`Report`] type below. Its JSON Schema is
//! derived from that type and committed as `docs/lint-report.v1.schema.json` (a test
//! keeps the file current). `version` changes only when a field changes meaning; fields may be
//! added within a version.

use super::super::{Finding, Outcome};
use crate::tree::fragments::{Fragment, Kind as FragmentKind};
use krm::Severity;
use schemars::JsonSchema;
use serde::Serialize;

pub const VERSION: u32 = 1;

/// The output of `krmwasm lint --format json`.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "krmwasm lint report", deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    /// The report format's version: 1.
    pub version: u32,
    /// Every finding, ordered by file, line and column.
    pub findings: Vec<ReportFinding<'a>>,
    /// Files not linted because they are pieces of manifests: kustomize patches, Helm and ytt
    /// templates. Lint what kustomize, Helm or ytt renders to check what they produce.
    pub set_aside: Vec<ReportFragment>,
    pub summary: Summary,
}

/// A file set aside.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportFragment {
    /// As found among the inputs.
    pub file: String,
    pub kind: ReportFragmentKind,
    /// What makes it one: the kustomization that lists the patch, the Helm template's
    /// `Chart.yaml`, or the ytt template itself (its `#@` annotations).
    pub by: String,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ReportFragmentKind {
    KustomizePatch,
    HelmTemplate,
    YttTemplate,
}

/// One problem and its place.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportFinding<'a> {
    pub severity: ReportSeverity,
    /// What kind of check found it: `schema`, `webhook`, `metadata`, `reference`, `policy`,
    /// `legacy` from the validator, `validation` for a validator's finding that names no rule;
    /// `config` for a function config its function refuses or no function takes; `parse` and
    /// `read` for input krmwasm could not take in.
    pub rule: &'a str,
    /// What is wrong and what to do; may span several lines.
    pub message: &'a str,
    /// The file as given on the command line (or `<stdin>`); null for findings about the
    /// whole set of resources.
    pub file: Option<&'a str>,
    /// 1-based line of the offending key or value; null when it cannot be placed.
    pub line: Option<usize>,
    /// 1-based column, in characters.
    pub column: Option<usize>,
    /// Where the span ends (exclusive).
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// 0-based index of the document in its file.
    pub document: Option<usize>,
    /// The object the finding is about.
    pub resource: Option<ReportResource<'a>>,
    /// The field, as a dotted path (`spec.build.env[0].name`).
    pub field: Option<&'a str>,
    /// The function that reported it (its module's name, e.g. `kpack-validate`), or `krmwasm`
    /// for input errors.
    pub source: &'a str,
    /// Where the resource was written, when the input was rendered by kustomize with origin
    /// annotations (`--origin-root`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<ReportOrigin<'a>>,
}

/// A place in the file a rendered resource was written in.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportOrigin<'a> {
    /// The file, joined to `--origin-root`.
    pub file: &'a str,
    /// The field's line when the file holds the value that was linted, else the resource's
    /// first line (kustomize changed or added the value); null when it cannot be placed.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// 0-based index of the resource's document in that file (of the patch's, for a patch
    /// file; 0, the kustomization, for a patch written in one).
    pub document: usize,
    /// Whether the place is the finding's field, holding the value linted (else the
    /// resource's start).
    pub at_field: bool,
    /// Whether `file` holds a patch of the build at `--origin-root` (a patch file, or the
    /// kustomization a patch is written in), which set the value, rather than the resource's
    /// own file.
    pub patch: bool,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportSeverity {
    Error,
    Warning,
    Info,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportResource<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
}

/// Counts over the whole run.
#[derive(Serialize, JsonSchema)]
pub struct Summary {
    /// Files read (including those that could not be).
    pub files: usize,
    /// Documents linted.
    pub documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

pub fn render(outcome: &Outcome) -> String {
    let report = Report {
        version: VERSION,
        findings: outcome.findings.iter().map(finding).collect(),
        set_aside: outcome.set_aside.iter().map(fragment).collect(),
        summary: Summary {
            files: outcome.files,
            documents: outcome.documents.len(),
            errors: outcome.count(Severity::Error),
            warnings: outcome.count(Severity::Warning),
            notes: outcome.count(Severity::Info),
        },
    };
    let mut text = serde_json::to_string_pretty(&report).expect("the report serializes");
    text.push('\n');
    text
}

fn fragment(f: &Fragment) -> ReportFragment {
    ReportFragment {
        file: f.file.display().to_string(),
        kind: match f.kind {
            FragmentKind::KustomizePatch => ReportFragmentKind::KustomizePatch,
            FragmentKind::HelmTemplate => ReportFragmentKind::HelmTemplate,
            FragmentKind::YttTemplate => ReportFragmentKind::YttTemplate,
        },
        by: f.by.display().to_string(),
    }
}

fn finding(f: &Finding) -> ReportFinding<'_> {
    ReportFinding {
        severity: match f.severity {
            Severity::Error => ReportSeverity::Error,
            Severity::Warning => ReportSeverity::Warning,
            Severity::Info => ReportSeverity::Info,
        },
        rule: &f.rule,
        message: &f.message,
        file: f.file.as_deref(),
        line: f.region.map(|r| r.line),
        column: f.region.map(|r| r.column),
        end_line: f.region.map(|r| r.end_line),
        end_column: f.region.map(|r| r.end_column),
        document: f.document,
        resource: f.resource.as_ref().map(|r| ReportResource {
            api_version: &r.api_version,
            kind: &r.kind,
            name: &r.name,
            namespace: r.namespace.as_deref(),
        }),
        field: f.field.as_deref(),
        source: &f.source,
        origin: f.origin.as_ref().map(|o| ReportOrigin {
            file: &o.file,
            line: o.region.map(|r| r.line),
            column: o.region.map(|r| r.column),
            end_line: o.region.map(|r| r.end_line),
            end_column: o.region.map(|r| r.end_column),
            document: o.document,
            at_field: o.at_field,
            patch: o.patch,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the committed schema lives, relative to the repository root.
    const SCHEMA_PATH: &str = "docs/lint-report.v1.schema.json";

    /// The report's JSON Schema, as committed.
    pub fn schema() -> String {
        let mut text = serde_json::to_string_pretty(&schemars::schema_for!(Report<'static>))
            .expect("the schema serializes");
        text.push('\n');
        text
    }

    /// Run with KRMWASM_BLESS=1 to rewrite the committed schema after changing the types.
    #[test]
    fn the_committed_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(SCHEMA_PATH);
        let current = schema();
        if std::env::var_os("KRMWASM_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &current).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == current,
            "{SCHEMA_PATH} is stale; regenerate it with \
             `KRMWASM_BLESS=1 cargo test --release --workspace --lib the_committed_schema_is_current`"
        );
    }
}
