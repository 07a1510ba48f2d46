//! Decoding a function's config into typed Rust, with errors that name the field.

use crate::diagnostic::Diagnostic;
use crate::run::Failure;
use serde::de::DeserializeOwned;
use serde_json::Value;

mod wording;
pub use wording::FieldHints;

/// Joins a path prefix (`spec`) and a serde path (`images[0].git`) into `spec.images[0].git`.
fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty() || rest == ".") {
        (_, true) => prefix.to_string(),
        (true, false) => rest.to_string(),
        (false, false) if rest.starts_with('[') => format!("{prefix}{rest}"),
        (false, false) => format!("{prefix}.{rest}"),
    }
}

/// How many problems one decode reports at most.
const MAX_DECODE_PROBLEMS: usize = 20;

/// Decodes `value` (found at `prefix` in the config) into `T`. Unknown fields, wrong types and
/// missing fields come back as error results whose `field.path` points at the culprit: all
/// of them, not only the first, so that a config with three typos is mended in one go.
/// serde stops at the first; in a copy, an unknown field is taken out and a value of the
/// wrong type replaced by an empty one of the type expected, and the decode is tried again,
/// until it succeeds or a culprit cannot be mended (a missing field, a rule of the type's
/// own).
pub fn decode<T: DeserializeOwned>(value: &Value, prefix: &str) -> Result<T, Failure> {
    decode_with_hints(value, prefix, &[])
}

/// [`decode`], saying `hint` about an unknown field called `name` for each `(name, hint)` of
/// `hints`, where the field that was meant is not simply misspelt (another tool's name for
/// it, say).
pub fn decode_with_hints<T: DeserializeOwned>(
    value: &Value,
    prefix: &str,
    hints: FieldHints,
) -> Result<T, Failure> {
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut remaining = std::borrow::Cow::Borrowed(value);
    let mut mended: Vec<Vec<Step>> = Vec::new();
    while problems.len() < MAX_DECODE_PROBLEMS {
        let error = match serde_path_to_error::deserialize::<_, T>(remaining.as_ref()) {
            Ok(decoded) if problems.is_empty() => return Ok(decoded),
            Ok(_) => break,
            Err(error) => error,
        };
        let steps: Vec<Step> = error.path().iter().map(Step::of).collect();
        if mended.contains(&steps) {
            break; // the stand-in did not do: what follows would be about it
        }
        let message = error.inner().to_string();
        // The path goes in `field` only: kpt and krmwasm print it before the message.
        let path = join(prefix, &error.path().to_string());
        problems.push(Diagnostic::error(wording::reword(&message, hints)).at(path));
        if !mend(remaining.to_mut(), &steps, &message) {
            break;
        }
        mended.push(steps);
    }
    Err(problems.into())
}

/// Mends the value `path` leads to so that decoding can go past it: an unknown field is
/// taken out; a value of the wrong type becomes an empty one of the type expected. False
/// when it cannot be.
fn mend(value: &mut Value, path: &[Step], message: &str) -> bool {
    if message.starts_with("unknown field") {
        let Some((Step::Key(key), parent)) = path.split_last() else {
            return false;
        };
        return value_at(value, parent)
            .and_then(Value::as_object_mut)
            .is_some_and(|fields| fields.shift_remove(key).is_some());
    }
    let Some(at) = value_at(value, path) else {
        return false;
    };
    let Some(expected) = message
        .strip_prefix("invalid type: ")
        .and_then(|m| m.split_once(", expected ").map(|(_, e)| e))
    else {
        return false;
    };
    *at = match expected {
        "a string" => Value::String(String::new()),
        "a boolean" => Value::Bool(false),
        "a sequence" => Value::Array(Vec::new()),
        "a map" => Value::Object(Default::default()),
        e if e.starts_with('i') || e.starts_with('u') || e.starts_with('f') => Value::from(0),
        _ => return false,
    };
    true
}

/// The value `path` leads to in `value`.
fn value_at<'v>(value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    let mut at = value;
    for step in path {
        at = match (step, at) {
            (Step::Key(key), Value::Object(fields)) => fields.get_mut(key)?,
            (Step::Index(index), Value::Array(entries)) => entries.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(at)
}

/// A step of a serde path, comparable.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Other,
}

impl Step {
    fn of(segment: &serde_path_to_error::Segment) -> Self {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Map { key } => Step::Key(key.clone()),
            Segment::Seq { index } => Step::Index(*index),
            _ => Step::Other,
        }
    }
}

/// Decodes the `spec` of a CRD-style function config (`apiVersion`, `kind`, `metadata`,
/// `spec`), with `hints` as [`decode_with_hints`] takes them.
pub fn decode_spec<T: DeserializeOwned>(config: &Value, hints: FieldHints) -> Result<T, Failure> {
    match config.get("spec") {
        Some(spec) => decode_with_hints(spec, "spec", hints),
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
        let err = only(decode_spec::<Spec>(&cfg, &[]).unwrap_err());
        assert_eq!(err.field.unwrap().path, "spec.images[1].gti");
        assert!(
            err.message.starts_with("unknown field `gti`"),
            "the path is not repeated in the message: {}",
            err.message
        );
    }

    #[test]
    fn every_unknown_field_and_wrong_type_is_reported_at_once() {
        let cfg = json!({"spec": {"images": [
            {"name": "a", "gti": 1}, {"name": 3}, {"name": "c", "subpath": "x", "revison": "y"}
        ], "histroy": 2}});
        let paths: Vec<String> = decode_spec::<Spec>(&cfg, &[])
            .unwrap_err()
            .0
            .into_iter()
            .map(|d| d.field.unwrap().path)
            .collect();
        assert_eq!(
            paths,
            [
                "spec.images[0].gti",
                "spec.images[1].name",
                "spec.images[2].subpath",
                "spec.images[2].revison",
                "spec.histroy"
            ]
        );
    }

    #[test]
    fn wrong_type_and_missing_field() {
        let err = only(
            decode_spec::<Spec>(&json!({"spec": {"images": [{"name": 3}]}}), &[]).unwrap_err(),
        );
        assert_eq!(err.field.unwrap().path, "spec.images[0].name");
        let err = only(decode_spec::<Spec>(&json!({"spec": {"images": [{}]}}), &[]).unwrap_err());
        assert_eq!(err.field.unwrap().path, "spec.images[0]");
        let err = only(decode_spec::<Spec>(&json!({"kind": "X"}), &[]).unwrap_err());
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
