//! Annotations the orchestrators (kpt, kustomize) put on items, and how to keep them.

use serde_json::{Map, Value};

pub const PATH: &str = "internal.config.kubernetes.io/path";
pub const INDEX: &str = "internal.config.kubernetes.io/index";
pub const ID: &str = "internal.config.kubernetes.io/id";
pub const LEGACY_PATH: &str = "config.kubernetes.io/path";
pub const LEGACY_INDEX: &str = "config.kubernetes.io/index";
pub const LEGACY_ID: &str = "config.k8s.io/id";
pub const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";

/// True for annotations an orchestrator owns: it sets them on the way in, uses them to write
/// files back and to restore comments, and strips them on the way out.
pub fn is_orchestrator_owned(key: &str) -> bool {
    key.starts_with("internal.config.kubernetes.io/")
        || key.starts_with("kustomize.config.k8s.io/")
        || key == LEGACY_PATH
        || key == LEGACY_INDEX
        || key == LEGACY_ID
}

/// Copies the orchestrator-owned annotations of `from` onto `to`, so a regenerated object
/// replaces the one it was generated as before: same file, same position, comments restored.
pub fn carry_orchestrator_annotations(from: &Value, to: &mut Value) {
    let Some(src) = from
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let owned: Vec<(String, Value)> = src
        .iter()
        .filter(|(k, _)| is_orchestrator_owned(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if owned.is_empty() {
        return;
    }
    let Some(obj) = to.as_object_mut() else {
        return;
    };
    let metadata = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(annotations) = annotations.as_object_mut() {
        for (k, v) in owned {
            annotations.insert(k, v);
        }
    }
}
