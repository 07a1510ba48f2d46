//! `krmwasm lint`: every validator function in the trusted catalogs over the documents of a
//! tree of files, with each finding placed at its file, line and column.
//!
//! Reading ([`inputs`]) turns files into documents, annotated with their file and index as kpt
//! does, once [`fragments`] has set aside kustomize patches and Helm templates; the validators run once over all of them (so references between files are checked);
//! their results become [`Finding`]s, placed by [`locate`]; [`report`] prints them.

pub mod fragments;
pub mod inputs;
pub mod locate;
pub mod report;

use crate::commands::{FunctionConfigFile, Host};
use anyhow::Context;
use inputs::LoadedFile;
use krm::{Diagnostic, Severity};
use locate::{Region, SourceMap};
use serde_json::Value;
use std::collections::HashMap;

/// One problem, placed.
#[derive(Clone, Debug)]
pub struct Finding {
    pub severity: Severity,
    /// `schema`, `webhook`, `reference`, `policy`, … as the validator tags it; `parse` and
    /// `read` for input that could not be taken in.
    pub rule: String,
    pub message: String,
    /// The path as given on the command line (or `<stdin>`); `None` for findings about the set.
    pub file: Option<String>,
    /// The document's index in its file.
    pub document: Option<usize>,
    pub region: Option<Region>,
    pub resource: Option<krm::ResourceRef>,
    pub field: Option<String>,
    /// The function that reported it (its module's name), or `krmwasm` for input errors.
    pub source: String,
}

/// One document that was linted (JUnit reports one test case each).
#[derive(Clone, Debug)]
pub struct Document {
    pub file: String,
    pub index: usize,
    pub kind: String,
    pub name: String,
}

/// Everything a report needs.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub documents: Vec<Document>,
    pub files: usize,
    /// Files not linted: kustomize patches and Helm templates.
    pub set_aside: Vec<fragments::Fragment>,
    /// Some input could not be read or parsed (exit code 2).
    pub input_errors: bool,
    /// Source text by file, for code frames.
    pub sources: HashMap<String, String>,
}

impl Outcome {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Lints `files`; `set_aside` are only reported. `config` replaces the default functionConfig of the validator whose kind it
/// has (e.g. a ValidatorConfig with policy).
pub fn lint(
    host: &Host,
    files: Vec<LoadedFile>,
    set_aside: Vec<fragments::Fragment>,
    config: Option<&FunctionConfigFile>,
) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome {
        files: files.len(),
        set_aside,
        ..Outcome::default()
    };
    if let Some(config) = config {
        outcome
            .sources
            .insert(config.display.clone(), config.text.clone());
    }
    let config = config.map(|c| &c.value);
    let mut items = Vec::new();
    for file in files {
        if let Some(error) = file.error {
            outcome.input_errors = true;
            outcome.findings.push(error);
            // Kept for the code frame under a syntax error.
            outcome.sources.insert(file.display, file.text);
            continue;
        }
        for (index, mut document) in file.documents.into_iter().enumerate() {
            outcome.documents.push(Document {
                file: file.display.clone(),
                index,
                kind: str_at(&document, "kind"),
                name: document
                    .get("metadata")
                    .map(|m| str_at(m, "name"))
                    .unwrap_or_default(),
            });
            crate::commands::record_origin(&mut document, &file.display, index);
            items.push(document);
        }
        outcome.sources.insert(file.display, file.text);
    }
    // Serialized once for every validator; the trees themselves are not needed again.
    let items_json = serde_json::to_vec(&items).expect("JSON values serialize");
    drop(items);
    let started = std::time::Instant::now();
    let validators = validators(host)?;
    crate::debug!("lint: catalogs loaded in {:?}", started.elapsed());
    if let Some(config) = config
        && !validators.iter().any(|(_, _, c)| same_kind(config, c))
    {
        let kinds: Vec<&str> = validators.iter().map(|(gvk, _, _)| gvk.as_str()).collect();
        anyhow::bail!(
            "the --config file is a {} {}, which no trusted validator takes; it should be one of: {}",
            config["apiVersion"].as_str().unwrap_or("(no apiVersion)"),
            config["kind"].as_str().unwrap_or("(no kind)"),
            kinds.join(", ")
        );
    }
    for (gvk, name, default_config) in validators {
        let function_config = match config {
            Some(c) if same_kind(c, &default_config) => c.clone(),
            _ => default_config,
        };
        let resolved = host.catalogs().resolve(
            function_config["apiVersion"].as_str().unwrap_or_default(),
            function_config["kind"].as_str().unwrap_or_default(),
        )?;
        let wasm = host.sources.module(&resolved)?;
        crate::debug!("lint: {name} checked in {:?}", started.elapsed());
        let input = resource_list_json(&items_json, &function_config);
        let results = host
            .call_for_results(&wasm, input)
            .with_context(|| format!("the validator {gvk} could not run"))?;
        crate::debug!("{name}: {} results", results.len());
        outcome
            .findings
            .extend(results.into_iter().filter_map(|r| finding(r, &name)));
    }
    crate::debug!("lint: validators ran in {:?}", started.elapsed());
    place(&mut outcome);
    outcome.findings.sort_by(|a, b| {
        (&a.file, a.region.map(|r| (r.line, r.column)), a.severity).cmp(&(
            &b.file,
            b.region.map(|r| (r.line, r.column)),
            b.severity,
        ))
    });
    Ok(outcome)
}

/// The validator functions of the trusted catalogs (tag `validator`), first entry per module,
/// each with a minimal functionConfig.
fn validators(host: &Host) -> anyhow::Result<Vec<(String, String, Value)>> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for catalog in host.catalogs().load_all()? {
        for entry in catalog.catalog.entries() {
            if !entry.definition.tags.iter().any(|t| t == "validator")
                || seen.contains(&entry.wasm.sha256)
            {
                continue;
            }
            seen.push(entry.wasm.sha256.clone());
            let api_version =
                crate::catalog::api_version(&entry.definition.group, &entry.version.name);
            let config = serde_json::json!({
                "apiVersion": api_version,
                "kind": entry.definition.names.kind,
                "metadata": {"name": "krmwasm-lint"},
            });
            out.push((entry.gvk(), function_name(&entry.wasm.uri), config));
        }
    }
    Ok(out)
}

/// A module's name from its catalog URI: `builtin:kpack-validate`,
/// `oci://ghcr.io/acme/kpack-validate:1.0@sha256:…` and `./kpack-validate.wasm` all give
/// `kpack-validate`.
fn function_name(uri: &str) -> String {
    let uri = uri
        .strip_prefix(crate::catalog::builtin::SCHEME)
        .unwrap_or(uri);
    let last = uri.rsplit('/').next().unwrap_or(uri);
    let last = last.split('@').next().unwrap_or(last);
    let last = last.split(':').next().unwrap_or(last);
    last.strip_suffix(".wasm").unwrap_or(last).to_string()
}

/// A ResourceList around items already serialized, without parsing them again.
fn resource_list_json(items_json: &[u8], function_config: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(items_json.len() + 256);
    out.extend_from_slice(
        br#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":"#,
    );
    out.extend_from_slice(items_json);
    out.extend_from_slice(br#","functionConfig":"#);
    serde_json::to_writer(&mut out, function_config).expect("JSON values serialize");
    out.extend_from_slice(b"}\n");
    out
}

fn same_kind(a: &Value, b: &Value) -> bool {
    a.get("apiVersion") == b.get("apiVersion") && a.get("kind") == b.get("kind")
}

fn str_at(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A validator's result as a finding; its closing summary (info, about nothing) is dropped,
/// the report makes its own.
fn finding(result: Diagnostic, source: &str) -> Option<Finding> {
    if result.severity == Severity::Info && result.file.is_none() && result.resource_ref.is_none() {
        return None;
    }
    Some(Finding {
        severity: result.severity,
        rule: result
            .tags
            .as_ref()
            .and_then(|t| t.get("rule").cloned())
            .unwrap_or_else(|| "validation".into()),
        message: result.message,
        file: result.file.as_ref().map(|f| f.path.clone()),
        document: result
            .file
            .as_ref()
            .and_then(|f| f.index)
            .and_then(|i| usize::try_from(i).ok()),
        region: None,
        resource: result.resource_ref,
        field: result.field.map(|f| f.path),
        source: source.to_string(),
    })
}

/// Fills in regions, parsing each file with findings once with spans.
fn place(outcome: &mut Outcome) {
    let mut maps: HashMap<String, Option<SourceMap>> = HashMap::new();
    for finding in &mut outcome.findings {
        if finding.region.is_some() {
            continue;
        }
        let (Some(file), Some(index)) = (&finding.file, finding.document) else {
            continue;
        };
        let map = maps.entry(file.clone()).or_insert_with(|| {
            outcome
                .sources
                .get(file)
                .and_then(|text| SourceMap::parse(text).ok())
        });
        if let Some(map) = map {
            finding.region = map.locate(index, finding.field.as_deref());
        }
    }
}

/// Whether the exit code should say "findings": any at or above `fail_on`.
pub fn fails(outcome: &Outcome, fail_on: Severity) -> bool {
    outcome.findings.iter().any(|f| f.severity <= fail_on)
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn function_names_come_from_module_uris() {
        for uri in [
            "builtin:kpack-validate",
            "oci://ghcr.io/acme/kpack-validate:1.0@sha256:0123",
            "oci://127.0.0.1:5000/kpack-validate@sha256:0123",
            "./fns/kpack-validate.wasm",
        ] {
            assert_eq!(function_name(uri), "kpack-validate", "{uri}");
        }
    }
}
