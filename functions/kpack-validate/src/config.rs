//! `ValidatorConfig` (`kpack.krmwasm.dev/v1alpha1`): optional; the validator runs with these
//! defaults without one.

use schemars::JsonSchema;
use serde::Deserialize;

pub const API_VERSION: &str = "kpack.krmwasm.dev/v1alpha1";
pub const KIND: &str = "ValidatorConfig";

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidatorConfigSpec {
    /// The kpack release whose rules apply (e.g. `0.17.1`); default: the newest known.
    pub kpack_version: Option<String>,
    /// Whether the target cluster has a default StorageClass, without which kpack refuses any
    /// volume cache; unknown when unset (a volume cache is then a warning, not an error).
    pub default_storage_class: Option<bool>,
    /// Fields kpack does not know: `error` (default, as the webhook) or `warning`.
    pub unknown_fields: Option<Level>,
    /// References to objects that are not in the input: `error`, `warning` (default) or `ignore`.
    pub external_references: Option<LevelOrIgnore>,
    /// Registries (or `registry/repository` prefixes) every image and tag must come from.
    #[serde(default)]
    pub allowed_registries: Vec<String>,
    /// Stack, store, buildpack and lifecycle images must be pinned by digest.
    #[serde(default)]
    pub require_digests: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LevelOrIgnore {
    Error,
    Warning,
    Ignore,
}

/// The whole `ValidatorConfig` object, as written in a file (used for its schema).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidatorConfig {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: kpack_api::meta::ObjectMeta,
    #[serde(default)]
    pub spec: ValidatorConfigSpec,
}
