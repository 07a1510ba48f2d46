//! Helpers that shape the JSON Schemas generated from the types.

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// The schema of `T` as krmwasm publishes it: JSON Schema 2020-12; an optional field is just
/// its type (so validators report errors inside it, not a bare `anyOf` failure); no `default`s.
pub fn root_for<T: JsonSchema>() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(T)).expect("schemas serialize");
    tidy(&mut schema);
    schema
}

/// The same schema in JSON Schema draft-07, for validating objects in the function. Compiling a
/// schema makes `jsonschema` check it against its meta-schema, and under wasm it builds that
/// meta-schema's validator afresh each time: draft-07's costs a third of 2020-12's, a few
/// milliseconds per kind per run. The published schemas stay 2020-12 ([`root_for`]).
pub fn draft07_for<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut root = generator.into_root_schema_for::<T>();
    let mut value = serde_json::to_value(&root).expect("schemas serialize");
    tidy(&mut value);
    // Dropping a null alternative can leave a `$ref` beside other keywords, which draft-07
    // ignores: move such references into an `allOf` again.
    root = schemars::Schema::try_from(value).expect("a schema stays an object");
    schemars::transform::Transform::transform(
        &mut schemars::transform::RemoveRefSiblings::default(),
        &mut root,
    );
    root.to_value()
}

/// What both dialects get: no `default`s, and optional fields as just their type.
fn tidy(schema: &mut Value) {
    for_each_schema(schema, &mut |s| {
        strip_default(s);
        drop_null_alternative(s);
    });
}

/// Calls `f` on every schema object of a schema tree, parents before children. Under
/// `properties` the keys are field names, not keywords, so that map itself is not passed.
fn for_each_schema(value: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            f(map);
            for (key, v) in map.iter_mut() {
                match v {
                    Value::Object(props) if key == "properties" => {
                        props.values_mut().for_each(|p| for_each_schema(p, f))
                    }
                    _ => for_each_schema(v, f),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| for_each_schema(v, f)),
        _ => {}
    }
}

/// Removes the `default` keyword schemars derives from `#[serde(default)]`: it is the empty
/// value of the Rust type, not a default anyone should rely on.
fn strip_default(schema: &mut Map<String, Value>) {
    schema.remove("default");
}

/// `anyOf: [X, {type: null}]` becomes X, and `type: [T, "null"]` becomes `type: T`. An
/// absent field and a null one decode the same, and without the `anyOf` a validator points
/// at the faulty field inside an optional object instead of failing the whole `anyOf`.
fn drop_null_alternative(map: &mut Map<String, Value>) {
    let is_null = |v: &Value| v.get("type") == Some(&Value::String("null".into()));
    if let Some(Value::Array(types)) = map.get_mut("type")
        && types.len() == 2
        && types.iter().any(|t| t == "null")
    {
        types.retain(|t| t != "null");
        let only = types.remove(0);
        map.insert("type".into(), only);
    }
    let replacement = match map.get("anyOf") {
        Some(Value::Array(alts)) if alts.len() == 2 && alts.iter().any(is_null) => {
            alts.iter().find(|a| !is_null(a)).cloned()
        }
        _ => None,
    };
    if let Some(Value::Object(inner)) = replacement {
        map.remove("anyOf");
        for (k, v) in inner {
            map.entry(k).or_insert(v);
        }
    }
}

/// Marks `fields` required: the fields kpack's webhook requires. The types still decode
/// without them (as `Default`), so the webhook rules can report them in kpack's words.
pub fn require(schema: &mut schemars::Schema, fields: &[&str]) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let required = obj
        .entry("required")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Some(list) = required.as_array_mut() {
        for f in fields {
            if !list.iter().any(|v| v == f) {
                list.push(Value::String(f.to_string()));
            }
        }
    }
}
