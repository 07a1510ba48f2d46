//! The `Image` kind: what to build, with which builder, and where to push it.

use super::SourceConfig;
use crate::meta::{ObjectMeta, ObjectReference};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const IMAGE_KIND: &str = "Image";

/// kpack's defaults for an Image (`SetDefaults` in `image_validation.go`).
pub mod defaults {
    pub const SERVICE_ACCOUNT_NAME: &str = "default";
    pub const IMAGE_TAGGING_STRATEGY: super::ImageTaggingStrategy =
        super::ImageTaggingStrategy::BuildNumber;
    pub const FAILED_BUILD_HISTORY_LIMIT: i64 = 10;
    pub const SUCCESS_BUILD_HISTORY_LIMIT: i64 = 10;
}

/// The builder kinds an Image may reference.
pub const BUILDER_KINDS: [&str; 2] = ["Builder", "ClusterBuilder"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ImageSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageSpec {
    pub tag: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_tags: Vec<String>,
    pub builder: ObjectReference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    pub source: SourceConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<ImageCacheConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_build_history_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_build_history_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tagging_strategy: Option<ImageTaggingStrategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_descriptor_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<ImageBuild>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign: Option<CosignConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageTaggingStrategy {
    /// Push only `tag` (and `additionalTags`).
    None,
    /// Also push `<tag>-b<N>.<date>.<time>` for every build.
    BuildNumber,
}

/// Build cache: a volume, or an image in a registry; never both.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageCacheConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeCache>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<RegistryCache>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeCache {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistryCache {
    pub tag: String,
}

/// Settings copied into every Build of the Image.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageBuild {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// `corev1.ResourceRequirements` (`requests`, `limits`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ObjectReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub node_selector: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_class_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<String>,
    /// Seconds; becomes the Build's `activeDeadlineSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_timeout: Option<i64>,
    /// `"now"` or Unix epoch seconds, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CosignConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<CosignAnnotation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CosignAnnotation {
    pub name: String,
    pub value: String,
}
