//! List documents (`kind: List`, what `kubectl get -o yaml` writes, and what `kubectl apply`
//! and kustomize read as the objects in it): their items are linted as objects of their own,
//! and a finding about an item is placed inside the List.

use super::Finding;
use serde_json::Value;
use std::collections::HashMap;

/// The items of `document` if it is a List, else the document itself, back.
pub fn split(document: Value) -> Result<Vec<Value>, Value> {
    let kind = document.get("kind").and_then(Value::as_str).unwrap_or("");
    if !krm::codec::is_applied_list_kind(kind) {
        return Err(document);
    }
    match document {
        Value::Object(mut object) if object.get("items").is_some_and(Value::is_array) => {
            let Some(Value::Array(items)) = object.remove("items") else {
                return Err(Value::Object(object));
            };
            Ok(items)
        }
        other => Err(other),
    }
}

/// Where each object taken out of a List came from: its file, the List's index in it, and
/// its own index among the List's items, by what a result names it with.
#[derive(Default)]
pub struct Members(HashMap<Key, usize>);

/// File, document index, apiVersion, kind, name, namespace.
type Key = (String, usize, String, String, String, Option<String>);

impl Members {
    pub fn add(&mut self, file: &str, document: usize, item: usize, object: &Value) {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
        let metadata = object.get("metadata");
        let key = (
            file.to_string(),
            document,
            text(object.get("apiVersion")),
            text(object.get("kind")),
            text(metadata.and_then(|m| m.get("name"))),
            metadata
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .map(str::to_string),
        );
        self.0.entry(key).or_insert(item);
    }

    /// The path within its document of what `finding` is about, when that is an object taken
    /// out of a List: `items[2].spec.tag` for `spec.tag`.
    pub fn path_in_list(&self, finding: &Finding) -> Option<String> {
        let resource = finding.resource.as_ref()?;
        let key = (
            finding.file.clone()?,
            finding.document?,
            resource.api_version.clone(),
            resource.kind.clone(),
            resource.name.clone(),
            resource.namespace.clone(),
        );
        let item = self.0.get(&key)?;
        Some(match &finding.field {
            Some(field) => format!("items[{item}].{field}"),
            None => format!("items[{item}]"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_lists_with_items_are_split() {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": [{"kind": "Image"}]});
        assert_eq!(split(list).unwrap(), [json!({"kind": "Image"})]);
        let typed = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "ImageList", "items": []});
        assert!(split(typed).unwrap().is_empty());
        for kept in [
            json!({"kind": "ResourceList", "items": []}),
            json!({"kind": "List"}),
            json!({"kind": "Image", "items": []}),
            json!([1, 2]),
        ] {
            assert_eq!(split(kept.clone()).unwrap_err(), kept);
        }
    }
}
