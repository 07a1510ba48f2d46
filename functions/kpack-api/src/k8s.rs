//! The core Kubernetes types kpack specs embed (env, resources, tolerations, quantities).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A resource quantity (`2G`, `500m`, `1`): a string or a number on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    String(String),
    Number(serde_json::Number),
}

/// One schema for both forms, so that a string that is no quantity is reported as that
/// (`format: quantity`, which kpack-validate checks) rather than as matching neither form.
impl JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A resource quantity (`2G`, `500m`, `1Gi`, `1`): a string or a number on the wire.",
            "type": ["string", "number"],
            "format": "quantity"
        })
    }
}

impl Quantity {
    pub fn as_text(&self) -> String {
        match self {
            Quantity::String(s) => s.clone(),
            Quantity::Number(n) => n.to_string(),
        }
    }

    pub fn is_valid(&self) -> bool {
        crate::quantity::is_quantity(&self.as_text())
    }
}

/// `corev1.EnvVar`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVar {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvVarSource>,
}

/// `corev1.EnvVarSource`; the selectors are kept as written (their schemas: [`crate::shapes`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVarSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::shapes::ObjectFieldSelector>")]
    pub field_ref: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::shapes::ResourceFieldSelector>")]
    pub resource_field_ref: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::shapes::KeySelector>")]
    pub config_map_key_ref: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::shapes::KeySelector>")]
    pub secret_key_ref: Option<Value>,
}

/// `corev1.ResourceRequirements`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceRequirements {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<IndexMap<String, Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<IndexMap<String, Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<crate::shapes::ResourceClaim>>")]
    pub claims: Option<Vec<Value>>,
}

/// `corev1.Toleration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toleration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}
