//! Types shared by `v1alpha1` and `v1alpha2` (kpack's `pkg/apis/core/v1alpha1`).

use crate::meta::LocalObjectReference;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where an app's source comes from: exactly one of `git`, `blob`, `registry`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<Git>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<Blob>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<Registry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = git_required)]
pub struct Git {
    #[serde(default)]
    pub url: String,
    /// A commit, branch or tag; branches and tags are polled for new commits.
    #[serde(default)]
    pub revision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initialize_submodules: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = blob_required)]
pub struct Blob {
    #[serde(default)]
    pub url: String,
    /// `""`, `secret` or `helper`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip_components: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = registry_required)]
pub struct Registry {
    #[serde(default)]
    pub image: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<LocalObjectReference>,
}

/// `{image}`: a stack image, a store source, a run image.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = image_source_required)]
pub struct ImageSource {
    #[serde(default)]
    pub image: String,
}

/// A CNB binding (v1alpha1 `bindings`, v1alpha2 `cnbBindings`, controller only there).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CnbBinding {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_ref: Option<LocalObjectReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
}

/// Notary image signing (deprecated in v1alpha2, controller only).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotaryConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v1: Option<NotaryV1Config>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotaryV1Config {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub secret_ref: LocalObjectReference,
}

/// Extra cosign signature annotations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CosignConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<CosignAnnotation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CosignAnnotation {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

fn git_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["url", "revision"]);
}

fn blob_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["url"]);
}

fn registry_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["image"]);
}

fn image_source_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["image"]);
}
