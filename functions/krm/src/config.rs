//! Decoding a function's config into typed Rust, with errors that name the field.

use crate::diagnostic::Diagnostic;
use crate::run::Failure;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Joins a path prefix (`spec`) and a serde path (`images[0].git`) into `spec.images[0].git`.
fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty() || rest == ".") {
        (_, true) => prefix.to_string(),
        (true, false) => rest.to_string(),
        (false, false) if rest.starts_with('[') => format!("{prefix}{rest}"),
        (false, false) => format!("{prefix}.{rest}"),
    }
}

/// Decodes `value` (found at `prefix` in the config) into `T`. Unknown fields, wrong types and
/// missing fields come back as an error result whose `field.path` points at the culprit.
pub fn decode<T: DeserializeOwned>(value: &Value, prefix: &str) -> Result<T, Failure> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        // The path goes in `field` only: kpt and krmwasm print it before the message.
        let path = join(prefix, &e.path().to_string());
        Diagnostic::error(e.inner().to_string()).at(path).into()
    })
}

/// Decodes the `spec` of a CRD-style function config (`apiVersion`, `kind`, `metadata`, `spec`).
pub fn decode_spec<T: DeserializeOwned>(config: &Value) -> Result<T, Failure> {
    match config.get("spec") {
        Some(spec) => decode(spec, "spec"),
        None => Err(Diagnostic::error("the function config has no spec")
            .at("spec")
            .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Spec {
        images: Vec<Entry>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Entry {
        name: String,
    }

    fn only(failure: Failure) -> Diagnostic {
        assert_eq!(failure.0.len(), 1);
        failure.0.into_iter().next().unwrap()
    }

    #[test]
    fn unknown_field_path_points_at_the_entry() {
        let cfg = json!({"spec": {"images": [{"name": "a"}, {"name": "b", "gti": 1}]}});
        let err = only(decode_spec::<Spec>(&cfg).unwrap_err());
        assert_eq!(err.field.unwrap().path, "spec.images[1].gti");
        assert!(
            err.message.starts_with("unknown field `gti`"),
            "the path is not repeated in the message: {}",
            err.message
        );
    }

    #[test]
    fn wrong_type_and_missing_field() {
        let err =
            only(decode_spec::<Spec>(&json!({"spec": {"images": [{"name": 3}]}})).unwrap_err());
        assert_eq!(err.field.unwrap().path, "spec.images[0].name");
        let err = only(decode_spec::<Spec>(&json!({"spec": {"images": [{}]}})).unwrap_err());
        assert_eq!(err.field.unwrap().path, "spec.images[0]");
        let err = only(decode_spec::<Spec>(&json!({"kind": "X"})).unwrap_err());
        assert_eq!(err.field.unwrap().path, "spec");
    }
}

/// One problem found in a config: the field path and what is wrong. Functions collect them
/// and report them all at once, through [`ConfigLocation::error`].
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Where a function's config came from, to attach to every result about it.
#[derive(Debug, Clone, Default)]
pub struct ConfigLocation {
    pub resource: Option<crate::ResourceRef>,
    pub file: Option<crate::FileRef>,
}

impl ConfigLocation {
    /// The config's reference, and its file: kpt's configPath object carries path
    /// annotations; kustomize's copy does not, but the same object may be among the items.
    pub fn of(config: &Value, items: &[Value]) -> Self {
        use crate::Object;
        ConfigLocation {
            resource: config.resource_ref(),
            file: config.file_ref().or_else(|| {
                items
                    .iter()
                    .find(|item| item.same_object(config))
                    .and_then(Object::file_ref)
            }),
        }
    }

    /// An error result about the config's field at `path`.
    pub fn error(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message)
            .at(path)
            .about(self.resource.clone())
            .in_file(self.file.clone())
    }

    /// The same results, pointed at the config.
    pub fn attach(&self, failure: Failure) -> Failure {
        Failure(
            failure
                .0
                .into_iter()
                .map(|d| d.about(self.resource.clone()).in_file(self.file.clone()))
                .collect(),
        )
    }
}

/// Fails unless the config is `api_version`/`kind`, naming what it is instead.
pub fn expect_kind(
    function: &str,
    config: &Value,
    api_version: &str,
    kind: &str,
    at: &ConfigLocation,
) -> Result<(), Failure> {
    use crate::Object;
    if config.api_version() == Some(api_version) && config.kind() == Some(kind) {
        return Ok(());
    }
    Err(at
        .error(
            "kind",
            format!(
                "{function} expands {api_version}/{kind}, not {}/{}",
                config.api_version().unwrap_or("<no apiVersion>"),
                config.kind().unwrap_or("<no kind>")
            ),
        )
        .into())
}
