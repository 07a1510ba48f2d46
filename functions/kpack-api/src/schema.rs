//! Helpers that shape the JSON Schemas generated from the types.

use serde_json::Value;

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

/// Removes the `default` keywords schemars derives from `#[serde(default)]`: they are the
/// empty values of the Rust types, not defaults anyone should rely on.
pub fn strip_defaults(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("default");
            for (key, v) in map.iter_mut() {
                // Under `properties`, keys are field names, not keywords.
                if key == "properties" {
                    if let Value::Object(props) = v {
                        props.values_mut().for_each(strip_defaults);
                    }
                } else {
                    strip_defaults(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_defaults),
        _ => {}
    }
}
