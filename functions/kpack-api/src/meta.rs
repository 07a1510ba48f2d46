//! The Kubernetes metadata and reference types kpack objects embed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `metadata`. kpack's webhook decodes it leniently, so fields other than the typed ones are
/// kept as they are. Labels and annotations keep insertion order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub labels: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub annotations: Map<String, Value>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Label on everything krmwasm's generators write: `app.kubernetes.io/managed-by: krmwasm`.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "krmwasm";
/// Annotation naming the config that generated an object (`ImageConfig/shop`); see
/// `krm::generated` for what owning an object means.
pub const GENERATED_BY_ANNOTATION: &str = "kpack.krmwasm.dev/generated-by";

impl ObjectMeta {
    /// Metadata carrying the managed-by label and the generated-by annotation for `owner`.
    pub fn generated_by(owner: &str) -> Self {
        let mut meta = ObjectMeta::default();
        meta.labels
            .insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
        meta.annotations
            .insert(GENERATED_BY_ANNOTATION.into(), owner.into());
        meta
    }

    pub fn named(name: impl Into<String>) -> Self {
        ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        }
    }
}

/// `corev1.ObjectReference`, as kpack uses it for builders, stacks, stores, lifecycles,
/// service accounts and service bindings. Every key is optional to the decoder; kpack's rules
/// say which ones a field needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
}

impl ObjectReference {
    /// `{kind, name}`, the usual reference.
    pub fn to(kind: &str, name: &str) -> Self {
        ObjectReference {
            kind: Some(kind.to_string()),
            name: Some(name.to_string()),
            ..Default::default()
        }
    }

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }

    pub fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or_default()
    }
}

/// `corev1.LocalObjectReference` (`{name}`), as in `imagePullSecrets`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalObjectReference {
    #[serde(default)]
    pub name: String,
}
