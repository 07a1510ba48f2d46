//! Collects findings per input item and turns them into KRM results, in item order.

use krm::{Diagnostic, FileRef, Object, ResourceRef, Severity};
use serde_json::Value;

/// What a result about an item says of it: the object, and the file it came from.
#[derive(Clone, Debug, Default)]
pub struct ItemRefs {
    pub resource: Option<ResourceRef>,
    pub file: Option<FileRef>,
    /// For an object inside a List item, its place there (`items[2]`): field paths start
    /// with it, so that they lead into the List's file.
    pub within: Option<String>,
}

impl ItemRefs {
    pub fn of(item: &Value) -> Self {
        ItemRefs {
            resource: item.resource_ref(),
            file: item.file_ref(),
            within: None,
        }
    }
}

/// Which family of checks produced a finding (the result's `tags.rule`), so CI can filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The kind's schema: unknown fields, wrong types.
    Schema,
    /// kpack's webhook rules (and its defaulting quirks).
    Webhook,
    /// Object metadata the API server would ignore or need.
    Metadata,
    /// Deprecated or unserved API versions and groups.
    Legacy,
    /// References between objects of the set.
    Reference,
    /// The ValidatorConfig's policy.
    Policy,
    /// What the API server would refuse of the build pod kpack makes from the object (or of
    /// its cache's volume claim).
    Pod,
}

impl Rule {
    fn name(self) -> &'static str {
        match self {
            Rule::Schema => "schema",
            Rule::Webhook => "webhook",
            Rule::Metadata => "metadata",
            Rule::Legacy => "legacy",
            Rule::Reference => "reference",
            Rule::Policy => "policy",
            Rule::Pod => "pod",
        }
    }
}

struct Finding {
    index: usize,
    severity: Severity,
    rule: Rule,
    path: String,
    message: String,
    /// About the key `path` ends in (an unknown field), not its value.
    about_key: bool,
}

#[derive(Default)]
pub struct Report {
    findings: Vec<Finding>,
}

impl Report {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(
        &mut self,
        index: usize,
        severity: Severity,
        rule: Rule,
        path: &str,
        message: String,
    ) {
        self.findings.push(Finding {
            index,
            severity,
            rule,
            path: path.to_string(),
            message,
            about_key: false,
        });
    }

    /// A finding about the key `path` ends in, a field the kind does not have: its result is
    /// tagged `about: key`, so that whoever places it shows the key rather than its value.
    pub fn unknown_field(&mut self, index: usize, severity: Severity, path: &str, message: String) {
        self.findings.push(Finding {
            index,
            severity,
            rule: Rule::Schema,
            path: path.to_string(),
            message,
            about_key: true,
        });
    }

    /// How many findings so far.
    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn error(&mut self, index: usize, rule: Rule, path: &str, message: String) {
        self.add(index, Severity::Error, rule, path, message);
    }

    pub fn warning(&mut self, index: usize, rule: Rule, path: &str, message: String) {
        self.add(index, Severity::Warning, rule, path, message);
    }

    /// The results, item by item, then a summary; `refs` says where each item is.
    pub fn into_results(
        mut self,
        refs: impl Fn(usize) -> ItemRefs,
        checked: usize,
    ) -> Vec<Diagnostic> {
        self.findings.sort_by_key(|f| f.index);
        let errors = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        let mut results: Vec<Diagnostic> = self
            .findings
            .into_iter()
            .map(|f| {
                let ItemRefs {
                    resource,
                    file,
                    within,
                } = refs(f.index);
                let mut d = Diagnostic::new(f.severity, f.message)
                    .about(resource)
                    .in_file(file)
                    .tag("rule", f.rule.name());
                if f.about_key {
                    d = d.tag("about", "key");
                }
                let path = match (within, f.path.is_empty()) {
                    (Some(place), true) => place,
                    (Some(place), false) => format!("{place}.{}", f.path),
                    (None, _) => f.path,
                };
                if !path.is_empty() {
                    d = d.at(path);
                }
                d
            })
            .collect();
        results.push(Diagnostic::info(format!(
            "checked {checked} kpack object(s): {errors} error(s), {warnings} warning(s)"
        )));
        results
    }
}
