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
        /// The field of the kind that was probably meant (`revision` for `revison`).
        meant: Option<String>,
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
        // Go's resource.Quantity refuses the text while kpack's webhook decodes the object;
        // it trims spaces first.
        .with_format("quantity", |text| {
            kpack_api::quantity::is_quantity(text.trim())
        })
        .should_validate_formats(true)
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
                        meant: None,
                    }))
                }
                ValidationErrorKind::Required { property } => problems.push(Problem::Missing {
                    path: paths::join(&at, property.as_str().unwrap_or_default()),
                }),
                ValidationErrorKind::Format { format } if format == "quantity" => {
                    problems.push(Problem::Invalid {
                        path: at,
                        message: format!(
                            "{} is not a quantity, which kpack's webhook cannot decode: write a number with \
                             one of the suffixes n u m k M G T P E or Ki Mi Gi Ti Pi Ei (500m, 2G, 1Gi)",
                            error.instance()
                        ),
                    })
                }
                _ => problems.push(Problem::Invalid {
                    path: at,
                    message: error.to_string(),
                }),
            }
        }
        if problems
            .iter()
            .any(|p| matches!(p, Problem::UnknownField { .. }))
        {
            let schemas = self.schemas.get_or_insert_with(check_schemas);
            let schema = &schemas[&self::key(info)];
            for problem in &mut problems {
                if let Problem::UnknownField {
                    parent,
                    field,
                    meant,
                    ..
                } = problem
                {
                    let fields = fields_at(schema, parent);
                    *meant = krm::suggest::closest(field, fields.into_iter()).map(str::to_string);
                }
            }
        }
        problems
    }
}

/// The fields `schema` gives the object at `pointer` (a JSON pointer into an object of its
/// kind), or none where it cannot tell.
fn fields_at<'s>(schema: &'s Value, pointer: &str) -> Vec<&'s str> {
    let mut node = resolve(schema, schema);
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        let next = node
            .get("properties")
            .and_then(|properties| properties.get(&segment))
            .or_else(|| {
                node.get("items")
                    .filter(|_| segment.parse::<usize>().is_ok())
            })
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()));
        let Some(next) = next else {
            return Vec::new();
        };
        node = resolve(schema, next);
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// `node` with `$ref`s followed and one-branch `allOf`s (and the object branch of an
/// `anyOf`/`oneOf`) taken, as schemagen writes references and optional fields.
fn resolve<'s>(schema: &'s Value, mut node: &'s Value) -> &'s Value {
    // A reference cycle without a step between could loop: a few hops are all schemagen makes.
    for _ in 0..16 {
        let next = if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            reference
                .strip_prefix('#')
                .and_then(|pointer| schema.pointer(pointer))
        } else if let Some([only]) = node
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some(only)
        } else {
            ["anyOf", "oneOf"]
                .iter()
                .filter_map(|k| node.get(*k).and_then(Value::as_array))
                .flatten()
                .find(|b| b.get("$ref").is_some() || b.get("properties").is_some())
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    node
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

    #[test]
    fn a_misspelt_field_gets_the_one_meant_at_any_depth() {
        let info = |kind: &str| {
            KINDS
                .iter()
                .find(|i| i.kind == kind && i.version == "v1alpha2")
                .unwrap()
        };
        let image = serde_json::json!({
            "apiVersion": "kpack.io/v1alpha2", "kind": "Image", "metadata": {"name": "x"},
            "spec": {"tag": "r.io/x", "builder": {"kind": "ClusterBuilder", "name": "b"},
                "serviceAccount": "sa",
                "source": {"git": {"url": "u", "revison": "main"}},
                "build": {"env": [{"name": "A", "vaule": "1"}], "buildTimout": 10},
                "colour": "blue"}});
        let store = serde_json::json!({
            "apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStore", "metadata": {"name": "x"},
            "spec": {"sources": [{"imag": "r.io/bp"}]}});
        let mut checker = SchemaChecker::default();
        let mut meant: Vec<(String, Option<String>)> = Vec::new();
        for (kind, object) in [("Image", &image), ("ClusterStore", &store)] {
            for problem in checker.check(info(kind), object) {
                if let Problem::UnknownField { path, meant: m, .. } = problem {
                    meant.push((path, m));
                }
            }
        }
        meant.sort();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            meant,
            [
                ("spec.build.buildTimout".to_string(), some("buildTimeout")),
                ("spec.build.env[0].vaule".to_string(), some("value")),
                ("spec.colour".to_string(), None),
                (
                    "spec.serviceAccount".to_string(),
                    some("serviceAccountName")
                ),
                ("spec.source.git.revison".to_string(), some("revision")),
                ("spec.sources[0].imag".to_string(), some("image")),
            ]
        );
    }
}
