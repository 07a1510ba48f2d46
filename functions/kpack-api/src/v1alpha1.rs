//! `kpack.io/v1alpha1`: still served and converted for storage, but kpack's webhook does not
//! default or validate it (its rules are registered for v1alpha2 only). Types only, so the
//! schemas can check what people still write.

use crate::core::{CnbBinding, ImageSource, NotaryConfig, SourceConfig};
use crate::k8s::{EnvVar, Quantity, ResourceRequirements};
use crate::meta::{LocalObjectReference, ObjectReference};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const API_VERSION: &str = "kpack.io/v1alpha1";

crate::resource!(Image, ImageSpec);
crate::resource!(Build, BuildSpec);
crate::resource!(Builder, NamespacedBuilderSpec);
crate::resource!(ClusterBuilder, ClusterBuilderSpec);
crate::resource!(ClusterStack, ClusterStackSpec);
crate::resource!(ClusterStore, ClusterStoreSpec);
crate::resource!(SourceResolver, SourceResolverSpec);

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

/// The field renames between the versions, as (v1alpha2 path, v1alpha1 path).
const RENAMES: [(&str, &str); 3] = [
    ("spec.serviceAccountName", "spec.serviceAccount"),
    ("spec.cache.volume.size", "spec.cacheSize"),
    (
        "spec.cache.volume.persistentVolumeClaimName",
        "spec.cacheName",
    ),
];

/// A v1alpha1 object as kpack stores it (v1alpha2), so v1alpha2's rules can check it:
/// renamed fields moved, CNB bindings and notary (legal in v1alpha1) left out.
pub fn to_v1alpha2(object: &Value) -> Value {
    let mut v = object.clone();
    v["apiVersion"] = Value::String(crate::v1alpha2::API_VERSION.into());
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) else {
        return v;
    };
    if let Some(sa) = spec.remove("serviceAccount")
        && kind != "SourceResolver"
    {
        spec.insert("serviceAccountName".into(), sa);
    }
    if let Some(size) = spec.remove("cacheSize") {
        spec.insert(
            "cache".into(),
            serde_json::json!({"volume": {"size": size}}),
        );
    }
    if let Some(name) = spec.remove("cacheName") {
        spec.insert(
            "cache".into(),
            serde_json::json!({"volume": {"persistentVolumeClaimName": name}}),
        );
    }
    spec.remove("bindings");
    spec.remove("notary");
    if let Some(build) = spec.get_mut("build").and_then(Value::as_object_mut) {
        build.remove("bindings");
    }
    v
}

/// A v1alpha2 field path (or text mentioning one) in v1alpha1's names.
pub fn to_v1alpha1_path(text: &str) -> String {
    RENAMES
        .iter()
        .fold(text.to_string(), |t, (new, old)| t.replace(new, old))
}
