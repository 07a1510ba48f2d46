//! JSON Schema (draft 2020-12, as `schemas/` holds) to the OpenAPI v3 subset a CRD's
//! `openAPIV3Schema` accepts, for catalog entries: `$ref`s inlined (OpenAPI in a CRD has no
//! references), `const` as a one-value `enum`, type lists as `type` + `nullable`, and the
//! JSON-Schema-only keywords dropped.

use serde_json::{Map, Value};

/// Keywords that have no place in an `openAPIV3Schema`.
const DROPPED: [&str; 5] = ["$schema", "$id", "$defs", "definitions", "$comment"];

/// The OpenAPI form of `schema`. A recursive `$ref` (none in this repo's schemas) becomes an
/// object that accepts anything rather than an endless expansion.
pub fn from_json_schema(schema: &Value) -> Value {
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    convert(schema, &defs, &mut Vec::new())
}

fn convert(node: &Value, defs: &Map<String, Value>, expanding: &mut Vec<String>) -> Value {
    match node {
        Value::Object(map) => {
            if let Some(name) = map.get("$ref").and_then(Value::as_str).and_then(def_name) {
                return inline(name, map, defs, expanding);
            }
            let mut out = Map::new();
            for (key, value) in map {
                match key.as_str() {
                    k if DROPPED.contains(&k) => {}
                    "const" => {
                        out.insert("enum".into(), Value::Array(vec![value.clone()]));
                    }
                    "type" => set_type(&mut out, value),
                    // Maps of subschemas: convert the values, keep the keys.
                    "properties" | "patternProperties" => {
                        let converted = value
                            .as_object()
                            .map(|props| {
                                props
                                    .iter()
                                    .map(|(k, v)| (k.clone(), convert(v, defs, expanding)))
                                    .collect()
                            })
                            .unwrap_or_default();
                        out.insert(key.clone(), Value::Object(converted));
                    }
                    _ => {
                        out.insert(key.clone(), convert(value, defs, expanding));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| convert(v, defs, expanding)).collect())
        }
        other => other.clone(),
    }
}

/// `#/$defs/Name` or `#/definitions/Name` → `Name`.
fn def_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))
}

/// The definition `name`, converted, with the referring node's other keywords (such as a
/// `description`) laid over it.
fn inline(
    name: &str,
    referrer: &Map<String, Value>,
    defs: &Map<String, Value>,
    expanding: &mut Vec<String>,
) -> Value {
    let mut target = if expanding.iter().any(|n| n == name) {
        serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    } else if let Some(def) = defs.get(name) {
        expanding.push(name.to_string());
        let converted = convert(def, defs, expanding);
        expanding.pop();
        converted
    } else {
        serde_json::json!({})
    };
    let mut rest = referrer.clone();
    rest.remove("$ref");
    if let (Value::Object(target), Value::Object(rest)) =
        (&mut target, convert(&Value::Object(rest), defs, expanding))
    {
        target.extend(rest);
    }
    target
}

/// `type: [string, "null"]` → `type: string, nullable: true`.
fn set_type(out: &mut Map<String, Value>, value: &Value) {
    match value {
        Value::Array(types) => {
            let mut non_null = types.iter().filter(|t| t.as_str() != Some("null"));
            if let Some(first) = non_null.next() {
                out.insert("type".into(), first.clone());
            }
            if types.len() > 1 && types.iter().any(|t| t.as_str() == Some("null")) {
                out.insert("nullable".into(), Value::Bool(true));
            }
        }
        other => {
            out.insert("type".into(), other.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_inlined_and_json_schema_keywords_dropped() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://example.com/x.json",
            "type": "object",
            "properties": {
                "kind": {"type": "string", "const": "X"},
                "spec": {"$ref": "#/$defs/Spec", "description": "the spec"},
                "note": {"type": ["string", "null"]}
            },
            "$defs": {"Spec": {"type": "object", "properties": {"n": {"type": "integer"}}}}
        });
        assert_eq!(
            from_json_schema(&schema),
            json!({
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["X"]},
                    "spec": {"type": "object", "properties": {"n": {"type": "integer"}}, "description": "the spec"},
                    "note": {"type": "string", "nullable": true}
                }
            })
        );
    }

    #[test]
    fn a_recursive_reference_stops_at_an_open_object() {
        let schema = json!({
            "$ref": "#/$defs/Node",
            "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}}
        });
        let out = from_json_schema(&schema);
        assert_eq!(
            out["properties"]["child"],
            json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
        );
    }

    #[test]
    fn a_property_named_like_a_keyword_is_kept() {
        let schema = json!({"type": "object", "properties": {"const": {"type": "string"}, "type": {"type": "string"}}});
        assert_eq!(from_json_schema(&schema), schema);
    }
}
