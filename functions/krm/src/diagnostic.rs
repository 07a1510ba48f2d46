//! The KRM `Result` type (named `Diagnostic` here so it does not shadow `std::result::Result`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Severity of a result. The KRM spec's default, when the field is absent, is `error`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Error,
    Warning,
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// The object a result is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The field a result is about, as a dotted path (`spec.images[0].tag`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRef {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_value: Option<Value>,
}

/// The file (and document index within it) a result is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileRef {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// One entry of `ResourceList.results`, exactly as the KRM Functions Specification defines it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub message: String,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_ref: Option<ResourceRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

impl Diagnostic {
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            severity,
            resource_ref: None,
            field: None,
            file: None,
            tags: None,
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Severity::Info, message)
    }

    /// Points the result at a field (a dotted path such as `spec.images[0].tag`).
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.field = Some(FieldRef {
            path: path.into(),
            current_value: None,
            proposed_value: None,
        });
        self
    }

    /// Attaches the offending value to the field reference (sets an empty path if none yet).
    pub fn current(mut self, value: impl Into<Value>) -> Self {
        let field = self.field.get_or_insert_with(|| FieldRef {
            path: String::new(),
            current_value: None,
            proposed_value: None,
        });
        field.current_value = Some(value.into());
        self
    }

    pub fn about(mut self, resource: Option<ResourceRef>) -> Self {
        self.resource_ref = resource;
        self
    }

    pub fn in_file(mut self, file: Option<FileRef>) -> Self {
        self.file = file;
        self
    }

    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), value.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `[error] kpack.krmwasm.dev/v1alpha1/ImageConfig/shop spec.images[0].tag: message (file.yaml)`,
/// the shape kpt prints, so messages read the same on stderr as in kpt's report.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.severity)?;
        if let Some(r) = &self.resource_ref {
            write!(f, " {}/{}/", r.api_version, r.kind)?;
            if let Some(ns) = &r.namespace {
                write!(f, "{ns}/")?;
            }
            write!(f, "{}", r.name)?;
        }
        if let Some(field) = &self.field
            && !field.path.is_empty()
        {
            write!(f, " {}", field.path)?;
        }
        // The place goes on the first line; further lines of the message follow indented,
        // so that each line read alone (kpt quotes stderr line by line) says whose it is.
        let mut lines = self.message.lines();
        write!(f, ": {}", lines.next().unwrap_or_default())?;
        if let Some(file) = &self.file {
            match file.index {
                Some(i) if i > 0 => write!(f, " ({}, document {})", file.path, i)?,
                _ => write!(f, " ({})", file.path)?,
            }
        }
        for line in lines {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_reads_as_kpt_prints_it() {
        let d = Diagnostic::error("no registry and no tag")
            .at("spec.images[0]")
            .about(Some(ResourceRef {
                api_version: "kpack.krmwasm.dev/v1alpha1".into(),
                kind: "ImageConfig".into(),
                name: "shop".into(),
                namespace: Some("apps".into()),
            }))
            .in_file(Some(FileRef {
                path: "image-config.yaml".into(),
                index: Some(0),
            }));
        assert_eq!(
            d.to_string(),
            "[error] kpack.krmwasm.dev/v1alpha1/ImageConfig/apps/shop spec.images[0]: \
             no registry and no tag (image-config.yaml)"
        );
        let d = Diagnostic::error("invalid value: x: spec.tag\nrepository can only contain …")
            .at("spec.tag")
            .in_file(Some(FileRef {
                path: "image.yaml".into(),
                index: Some(2),
            }));
        assert_eq!(
            d.to_string(),
            "[error] spec.tag: invalid value: x: spec.tag (image.yaml, document 2)\n  \
             repository can only contain …"
        );
    }
}
