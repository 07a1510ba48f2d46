//! Read access to the common parts of an untyped KRM object.

use crate::annotations;
use crate::diagnostic::{FileRef, ResourceRef};
use serde_json::Value;

/// Accessors for `apiVersion`, `kind`, `metadata` of an item kept as a JSON tree.
pub trait Object {
    fn api_version(&self) -> Option<&str>;
    fn kind(&self) -> Option<&str>;
    fn name(&self) -> Option<&str>;
    fn namespace(&self) -> Option<&str>;
    fn annotation(&self, key: &str) -> Option<&str>;
    fn label(&self, key: &str) -> Option<&str>;
    /// `config.kubernetes.io/local-config: "true"`: the object is for tools, never applied.
    fn is_local_config(&self) -> bool;
    /// The `resourceRef` of a result about this object (None without apiVersion, kind, name).
    fn resource_ref(&self) -> Option<ResourceRef>;
    /// The file the orchestrator read this object from, from its path/index annotations.
    fn file_ref(&self) -> Option<FileRef>;
    /// True when both objects have the same apiVersion, kind, namespace and name.
    fn same_object(&self, other: &Value) -> bool;
    /// What [`Object::same_object`] compares, as a key for maps.
    fn identity(&self) -> Identity<'_>;
}

/// An object's apiVersion, kind, namespace and name: two items with equal identities are the
/// same object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Identity<'a> {
    pub api_version: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    cur.as_str()
}

impl Object for Value {
    fn api_version(&self) -> Option<&str> {
        str_at(self, &["apiVersion"])
    }

    fn kind(&self) -> Option<&str> {
        str_at(self, &["kind"])
    }

    fn name(&self) -> Option<&str> {
        str_at(self, &["metadata", "name"])
    }

    fn namespace(&self) -> Option<&str> {
        str_at(self, &["metadata", "namespace"]).filter(|ns| !ns.is_empty())
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        self.get("metadata")?.get("annotations")?.get(key)?.as_str()
    }

    fn label(&self, key: &str) -> Option<&str> {
        self.get("metadata")?.get("labels")?.get(key)?.as_str()
    }

    fn is_local_config(&self) -> bool {
        self.annotation(annotations::LOCAL_CONFIG) == Some("true")
    }

    fn resource_ref(&self) -> Option<ResourceRef> {
        Some(ResourceRef {
            api_version: self.api_version()?.to_string(),
            kind: self.kind()?.to_string(),
            name: self.name()?.to_string(),
            namespace: self.namespace().map(str::to_string),
        })
    }

    fn file_ref(&self) -> Option<FileRef> {
        let path = self
            .annotation(annotations::PATH)
            .or_else(|| self.annotation(annotations::LEGACY_PATH))?;
        let index = self
            .annotation(annotations::INDEX)
            .or_else(|| self.annotation(annotations::LEGACY_INDEX))
            .and_then(|i| i.parse().ok());
        Some(FileRef {
            path: path.to_string(),
            index,
        })
    }

    fn same_object(&self, other: &Value) -> bool {
        self.identity() == other.identity()
    }

    fn identity(&self) -> Identity<'_> {
        Identity {
            api_version: self.api_version(),
            kind: self.kind(),
            namespace: self.namespace(),
            name: self.name(),
        }
    }
}
