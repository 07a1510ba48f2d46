//! `ImageConfig` (`kpack.krmwasm.dev/v1alpha1`): the short form a user writes.
//!
//! Every image entry takes the same fields as `defaults`, plus `name`, `tag` and
//! `additionalTags`, which only make sense per image. A field on an image overrides the same
//! field in `defaults`; `env` maps merge (a `null` value removes a default variable).

use indexmap::IndexMap;
use kpack_api::k8s::{Quantity, Toleration};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

pub const API_VERSION: &str = "kpack.krmwasm.dev/v1alpha1";
pub const KIND: &str = "ImageConfig";

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageConfigSpec {
    /// Settings applied to every image.
    #[serde(default)]
    pub defaults: ImageFields,
    /// One entry per kpack Image.
    pub images: Vec<ImageFields>,
}

/// [`ImageConfigSpec`] with its images left undecoded: the function decodes them one at a
/// time, so that 10,000 decoded entries are never held at once.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecOutline {
    #[serde(default)]
    pub defaults: ImageFields,
    pub images: Vec<serde::de::IgnoredAny>,
}

/// The fields of one image entry, or of `defaults` (where name, tag and additionalTags are
/// refused).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageFields {
    /// The Image's `metadata.name` (per image only).
    pub name: Option<String>,
    /// Where builds are pushed (per image only); default `<registry>/<name>`.
    pub tag: Option<String>,
    /// More tags for every build, on the same registry as `tag` (per image only).
    pub additional_tags: Option<Vec<String>>,

    /// Registry and repository prefix the default tag is built from.
    pub registry: Option<String>,
    /// A ClusterBuilder name, or `{kind: Builder|ClusterBuilder, name}`.
    pub builder: Option<BuilderSetting>,
    /// The service account builds run as: a name, or `{name, create, secrets}`.
    pub service_account: Option<ServiceAccountSetting>,

    pub git: Option<GitSource>,
    pub blob: Option<BlobSource>,
    /// An OCI image holding the source: a reference, or `{image, imagePullSecrets}`.
    pub source_image: Option<SourceImageSetting>,
    pub sub_path: Option<String>,
    pub project_descriptor_path: Option<String>,

    /// Build-time environment; values are strings (integers and booleans are converted; a
    /// number with a fraction is refused, as YAML has dropped its trailing zeros).
    pub env: Option<Map<String, Value>>,
    /// A volume size (`2G`), `none`, or `{volume: {size, storageClassName}}` / `{registry: {tag}}`.
    pub cache: Option<CacheSetting>,
    pub history: Option<History>,
    pub image_tagging_strategy: Option<ImageTaggingStrategy>,
    pub default_process: Option<String>,
    pub resources: Option<Resources>,
    /// Service bindings: a Secret name, or `{kind, name, apiVersion}`.
    pub services: Option<Vec<ServiceSetting>>,
    pub node_selector: Option<IndexMap<String, String>>,
    pub tolerations: Option<Vec<Toleration>>,
    /// A `corev1.Affinity`, passed on as written.
    #[schemars(with = "Option<kpack_api::shapes::Affinity>")]
    pub affinity: Option<Value>,
    pub runtime_class_name: Option<String>,
    pub scheduler_name: Option<String>,
    /// Seconds a build may run.
    pub build_timeout: Option<i64>,
    /// `now`, or Unix epoch seconds.
    pub creation_time: Option<String>,
    /// Extra cosign signature annotations, name → value.
    pub cosign_annotations: Option<Map<String, Value>>,
}

/// kpack's image tagging strategies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ImageTaggingStrategy {
    /// Push only the tag (and additional tags).
    None,
    /// Also push `<tag>-b<N>.<date>.<time>` for every build.
    BuildNumber,
}

impl ImageTaggingStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageTaggingStrategy::None => "None",
            ImageTaggingStrategy::BuildNumber => "BuildNumber",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum BuilderKind {
    Builder,
    ClusterBuilder,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a ClusterBuilder name, or {kind: Builder|ClusterBuilder, name: ...}"
)]
pub enum BuilderSetting {
    ClusterBuilder(String),
    Reference(BuilderReference),
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuilderReference {
    pub kind: BuilderKind,
    pub name: String,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a service account name, or {name: ..., create: true|false, secrets: [...]}"
)]
pub enum ServiceAccountSetting {
    Name(String),
    Spec(ServiceAccountSpec),
}

#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountSpec {
    pub name: String,
    /// Generate the ServiceAccount (with `secrets` and `imagePullSecrets`).
    #[serde(default)]
    pub create: bool,
    /// Secret names: registry credentials and git/blob credentials.
    #[serde(default)]
    pub secrets: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GitSource {
    pub url: String,
    /// A branch, tag or commit; default `main`.
    pub revision: Option<String>,
    pub initialize_submodules: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BlobAuth {
    Secret,
    Helper,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BlobSource {
    pub url: String,
    pub auth: Option<BlobAuth>,
    pub strip_components: Option<i64>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "an image reference, or {image: ..., imagePullSecrets: [...]}"
)]
pub enum SourceImageSetting {
    Image(String),
    Spec(SourceImageSpec),
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceImageSpec {
    pub image: String,
    #[serde(default)]
    pub image_pull_secrets: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a volume size such as 2G, `none`, or {volume: {size, storageClassName}} / {registry: {tag}}"
)]
pub enum CacheSetting {
    SizeOrNone(String),
    Spec(CacheSpec),
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    pub volume: Option<VolumeCacheSpec>,
    pub registry: Option<RegistryCacheSpec>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeCacheSpec {
    pub size: Option<String>,
    pub storage_class_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryCacheSpec {
    pub tag: String,
}

/// How many finished Builds to keep.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub successful: Option<i64>,
    pub failed: Option<i64>,
}

/// Build pod resources; quantities as strings or numbers.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub requests: Option<IndexMap<String, Quantity>>,
    pub limits: Option<IndexMap<String, Quantity>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a Secret name, or {kind: ..., name: ..., apiVersion: ...}"
)]
pub enum ServiceSetting {
    SecretName(String),
    Reference(ServiceReference),
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceReference {
    pub kind: String,
    pub name: String,
    pub api_version: Option<String>,
}

/// The whole `ImageConfig` object, as written in a file (used for its schema).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageConfig {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: kpack_api::meta::ObjectMeta,
    pub spec: ImageConfigSpec,
}
