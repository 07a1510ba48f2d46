//! Checks objects against the schemas of their kinds (`kpack_api::kinds`), compiled once per
//! kind per run.

use crate::paths;
use jsonschema::error::ValidationErrorKind;
use kpack_api::kinds::KindInfo;
use serde_json::Value;
use std::collections::HashMap;

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

#[derive(Default)]
pub struct SchemaChecker {
    validators: HashMap<String, jsonschema::Validator>,
}

impl SchemaChecker {
    pub fn check(&mut self, info: &KindInfo, object: &Value) -> Vec<Problem> {
        let key = format!("{}/{}", info.api_version(), info.kind);
        let validator = self.validators.entry(key).or_insert_with(|| {
            jsonschema::options()
                .build(&(info.schema)())
                .expect("the generated schemas are valid JSON Schemas")
        });
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
