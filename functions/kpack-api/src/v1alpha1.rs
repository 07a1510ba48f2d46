//! `kpack.io/v1alpha1`: still served and converted for storage, but kpack's webhook does not
//! default or validate it (its rules are registered for v1alpha2 only). Types only, so the
//! schemas can check what people still write.

use crate::core::{CnbBinding, ImageSource, NotaryConfig, SourceConfig};
use crate::k8s::{EnvVar, Quantity, ResourceRequirements};
use crate::meta::{LocalObjectReference, ObjectMeta, ObjectReference};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const API_VERSION: &str = "kpack.io/v1alpha1";

/// The common shape of every kind: type meta, metadata, spec, status.
macro_rules! resource {
    ($name:ident, $spec:ty) => {
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            pub api_version: String,
            pub kind: String,
            #[serde(default)]
            pub metadata: ObjectMeta,
            #[serde(default)]
            pub spec: $spec,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub status: Option<Value>,
        }
    };
}

resource!(Image, ImageSpec);
resource!(Build, BuildSpec);
resource!(Builder, NamespacedBuilderSpec);
resource!(ClusterBuilder, ClusterBuilderSpec);
resource!(ClusterStack, ClusterStackSpec);
resource!(ClusterStore, ClusterStoreSpec);
resource!(SourceResolver, SourceResolverSpec);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageSpec {
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub builder: ObjectReference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(default)]
    pub source: SourceConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_size: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_build_history_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_build_history_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tagging_strategy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<ImageBuild>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notary: Option<NotaryConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageBuild {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<CnbBinding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub builder: BuildBuilderSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(default)]
    pub source: SourceConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<CnbBinding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_build: Option<LastBuild>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notary: Option<NotaryConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildBuilderSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<LocalObjectReference>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LastBuild {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespacedBuilderSpec {
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub stack: ObjectReference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<ObjectReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<OrderEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterBuilderSpec {
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub stack: ObjectReference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<ObjectReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<OrderEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_ref: Option<ObjectReference>,
}

/// A v1alpha1 order group: buildpacks by id only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderEntry {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<BuildpackRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildpackRef {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterStackSpec {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub build_image: ImageSource,
    #[serde(default)]
    pub run_image: ImageSource,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterStoreSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ImageSource>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceResolverSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(default)]
    pub source: SourceConfig,
}
