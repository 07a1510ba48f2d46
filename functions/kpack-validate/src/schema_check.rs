//! Checks objects against the schemas of their kinds (`kpack_api::kinds`), compiled once per
//! kind per run, or ahead of every run by [`prepare`]. The schemas are the draft-07 ones
//! schemagen writes to check-schemas.json from kpack-api's types (its tests keep the file
//! current): read from the file, the module does not carry the schema generator.

use crate::paths;
use jsonschema::error::ValidationErrorKind;
use kpack_api::kinds::KindInfo;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// What a schema said about one spot of an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A field the kind does not have (the webhook's strict decoding refuses it).
    UnknownField {
        path: String,
        /// JSON pointer of the object holding the field.
        parent: String,
        field: String,
    },
    /// A field the kind requires is absent (kpack's rules report these in their own words).
    Missing { path: String },
    /// Anything else: a wrong type, a wrong constant, …
    Invalid { path: String, message: String },
}

/// Every kind's validator, compiled by [`prepare`] before any input is read.
static PREPARED: OnceLock<HashMap<String, jsonschema::Validator>> = OnceLock::new();

/// Every kind's draft-07 schema, by `<apiVersion>/<kind>`, one kind per line.
const CHECK_SCHEMAS: &str = include_str!("../check-schemas.json");

fn check_schemas() -> Map<String, Value> {
    serde_json::from_str(CHECK_SCHEMAS).expect("check-schemas.json is a JSON object")
}

/// Compiles the validators of all kinds. Under wasm a schema takes milliseconds to compile
/// (jsonschema checks it against its meta-schema every time), more than checking a few
/// objects: a host that pre-initializes the module runs this once and snapshots the result,
/// so runs start with every validator ready. Elsewhere, validators are compiled on first use.
pub fn prepare() {
    PREPARED.get_or_init(|| {
        let schemas = check_schemas();
        kpack_api::kinds::KINDS
            .iter()
            .map(|info| (key(info), compile(&schemas, info)))
            .collect()
    });
}

/// How check-schemas.json names a kind's schema, and how its validator is found.
pub fn key(info: &KindInfo) -> String {
    format!("{}/{}", info.api_version(), info.kind)
}

fn compile(schemas: &Map<String, Value>, info: &KindInfo) -> jsonschema::Validator {
    let schema = schemas
        .get(&key(info))
        .expect("check-schemas.json has a schema for every kind");
    jsonschema::options()
        .build(schema)
        .expect("the generated schemas are valid JSON Schemas")
}

#[derive(Default)]
pub struct SchemaChecker {
    /// Validators compiled during this run, for kinds [`prepare`] did not compile.
    validators: HashMap<String, jsonschema::Validator>,
    /// The schemas they were compiled from, read at the first of them.
    schemas: Option<Map<String, Value>>,
}

impl SchemaChecker {
    pub fn check(&mut self, info: &KindInfo, object: &Value) -> Vec<Problem> {
        let key = key(info);
        let validator = match PREPARED.get().and_then(|prepared| prepared.get(&key)) {
            Some(validator) => validator,
            None => self
                .validators
                .entry(key)
                .or_insert_with(|| compile(self.schemas.get_or_insert_with(check_schemas), info)),
        };
        let mut problems = Vec::new();
        if validator.is_valid(object) {
            return problems;
        }
        for error in validator.iter_errors(object) {
            let at = paths::from_pointer(error.instance_path().as_str());
            match error.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    problems.extend(unexpected.iter().map(|field| Problem::UnknownField {
                        path: paths::join(&at, field),
                        parent: error.instance_path().as_str().to_string(),
                        field: field.clone(),
                    }))
                }
                ValidationErrorKind::Required { property } => problems.push(Problem::Missing {
                    path: paths::join(&at, property.as_str().unwrap_or_default()),
                }),
                _ => problems.push(Problem::Invalid {
                    path: at,
                    message: error.to_string(),
                }),
            }
        }
        problems
    }
}

/// Removes unknown fields (as reported by [`SchemaChecker::check`]) from `object`, so an object
/// whose unknown fields are tolerated can still be decoded and checked.
pub fn remove_unknown_fields(object: &mut Value, problems: &[Problem]) {
    for p in problems {
        if let Problem::UnknownField { parent, field, .. } = p
            && let Some(map) = object.pointer_mut(parent).and_then(Value::as_object_mut)
        {
            map.remove(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpack_api::kinds::KINDS;
    use std::path::PathBuf;

    /// Every kpack document of the real-world corpus beside the repository.
    fn corpus_documents() -> Vec<(PathBuf, Value)> {
        let mut docs = Vec::new();
        for path in crate::corpus::files() {
            let bytes = std::fs::read(&path).unwrap();
            if let Ok(values) = krm::codec::parse_stream(&bytes) {
                docs.extend(values.into_iter().map(|v| (path.clone(), v)));
            }
        }
        docs
    }

    /// Where and how a validator refuses `object`, as the checks read it.
    fn verdict(validator: &jsonschema::Validator, object: &Value) -> Vec<String> {
        let mut out: Vec<String> = validator
            .iter_errors(object)
            .map(|e| format!("{} {:?}", e.instance_path().as_str(), e.kind()))
            .collect();
        out.sort();
        out
    }

    /// The validator checks with draft-07 schemas (cheaper to compile under wasm), those of
    /// check-schemas.json; they must judge every document as the published 2020-12 schemas
    /// do: the real-world corpus as written, and each document with an unknown field, a wrong
    /// type and a missing spec.
    #[test]
    fn draft07_and_2020_12_schemas_agree() {
        let docs = corpus_documents();
        let check_schemas = check_schemas();
        let mut compared = 0;
        for (info, schemas) in KINDS.iter().zip(kpack_api::kinds::SCHEMAS) {
            let published = jsonschema::validator_for(&(schemas.schema)()).unwrap();
            let checking = compile(&check_schemas, info);
            let of_kind = docs.iter().filter(|(_, d)| {
                d["kind"] == info.kind && d["apiVersion"] == info.api_version().as_str()
            });
            for (path, doc) in of_kind {
                let mut variants = vec![doc.clone()];
                let mut unknown = doc.clone();
                unknown["spec"]["notAField"] = Value::Bool(true);
                variants.push(unknown);
                if let Some(spec) = doc["spec"].as_object() {
                    for key in spec.keys() {
                        let mut wrong = doc.clone();
                        wrong["spec"][key] = Value::from(17);
                        variants.push(wrong);
                    }
                }
                let mut no_spec = doc.clone();
                no_spec.as_object_mut().unwrap().remove("spec");
                variants.push(no_spec);
                for v in &variants {
                    assert_eq!(
                        verdict(&published, v),
                        verdict(&checking, v),
                        "{} ({}): {v}",
                        path.display(),
                        info.kind
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 1000, "only {compared} documents compared");
    }

    /// What a pre-initializing host snapshots covers every kind: a run starting from it compiles
    /// nothing, and judges as a run that compiles as it goes (the corpus test above).
    #[test]
    fn prepare_compiles_a_validator_for_every_kind() {
        prepare();
        let mut checker = SchemaChecker::default();
        for info in KINDS {
            let object = serde_json::json!({
                "apiVersion": info.api_version(),
                "kind": info.kind,
                "metadata": {"name": "x"},
                "spec": {"colour": "blue"},
            });
            let problems = checker.check(info, &object);
            assert!(
                problems
                    .iter()
                    .any(|p| matches!(p, Problem::UnknownField { field, .. } if field == "colour")),
                "{} {}: {problems:?}",
                info.api_version(),
                info.kind
            );
        }
        assert!(checker.validators.is_empty(), "compiled again in the run");
    }
}
