//! `BuilderConfig` (`kpack.krmwasm.dev/v1alpha1`): a stack, a lifecycle, buildpacks and an
//! order, in a few lines.

use schemars::JsonSchema;
use serde::Deserialize;

pub const API_VERSION: &str = "kpack.krmwasm.dev/v1alpha1";
pub const KIND: &str = "BuilderConfig";

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BuilderConfigSpec {
    /// `Cluster` (a ClusterBuilder, the default) or `Namespaced` (a Builder in the config's
    /// namespace).
    #[serde(default)]
    pub scope: Scope,
    /// Where kpack writes the builder image.
    pub tag: String,
    /// The service account kpack uses to push the builder: `{name, namespace}` (the namespace
    /// is required for a ClusterBuilder).
    pub service_account: Option<ServiceAccount>,
    pub stack: Stack,
    /// The CNB lifecycle image; kpack's installed `default-lifecycle` when absent.
    pub lifecycle: Option<String>,
    /// The buildpack images; each id is required (it is in the image's metadata, which cannot
    /// be read offline). The version comes from `version`, else from a semver tag.
    #[serde(default)]
    pub buildpacks: Vec<BuildpackSource>,
    /// Groups of buildpacks: `id`, `id@1.2.3`, `id@^18`, or `{id, version, optional}`.
    pub order: Vec<OrderGroup>,
    /// `ClusterBuildpack` (one per buildpack image, the default) or `ClusterStore` (one store,
    /// for clusters older than ClusterBuildpack).
    #[serde(default)]
    pub store: StoreKind,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Scope {
    #[default]
    Cluster,
    Namespaced,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum StoreKind {
    #[default]
    ClusterBuildpack,
    ClusterStore,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccount {
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Stack {
    /// The CNB stack id, e.g. `io.buildpacks.stacks.jammy`.
    pub id: String,
    pub build_image: String,
    pub run_image: String,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildpackSource {
    pub id: String,
    pub image: String,
    /// The buildpack's version, when the image tag does not say it.
    pub version: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderGroup {
    pub group: Vec<OrderEntry>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a buildpack id (optionally id@version or id@range), or {id, version, optional}"
)]
pub enum OrderEntry {
    Short(String),
    Full(OrderEntrySpec),
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderEntrySpec {
    pub id: String,
    /// An exact version or a semver range (`^18`, `>=3.1, <4`).
    pub version: Option<String>,
    #[serde(default)]
    pub optional: bool,
}

/// The whole `BuilderConfig` object, as written in a file (used for its schema).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BuilderConfig {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: kpack_api::meta::ObjectMeta,
    pub spec: BuilderConfigSpec,
}
