//! `Image`: what to build, with which builder, and where to push it.

use super::rules;
use crate::core::{CnbBinding, CosignConfig, NotaryConfig, SourceConfig};
use crate::field_error::{Context, FieldError};
use crate::k8s::{EnvVar, Quantity, ResourceRequirements, Toleration};
use crate::meta::ObjectReference;
use crate::reference::Tag;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const IMAGE_KIND: &str = "Image";

/// kpack's defaults for an Image (`SetDefaults` in `image_validation.go`).
pub mod defaults {
    pub const SERVICE_ACCOUNT_NAME: &str = "default";
    pub const IMAGE_TAGGING_STRATEGY: &str = "BuildNumber";
    pub const FAILED_BUILD_HISTORY_LIMIT: i64 = 10;
    pub const SUCCESS_BUILD_HISTORY_LIMIT: i64 = 10;
    /// The volume cache kpack adds when the cluster has a default StorageClass.
    pub const CACHE_SIZE: &str = "2G";
}

/// kpack's error for a volume cache on a cluster without a default StorageClass.
const NO_DEFAULT_STORAGE_CLASS: &str =
    "spec.cache.volume.size cannot be set with no default StorageClass";

/// The builder kinds an Image may reference.
pub const BUILDER_KINDS: [&str; 2] = ["Builder", "ClusterBuilder"];

/// The image tagging strategies kpack knows (the value is not validated: anything but `None`
/// behaves as `BuildNumber`).
pub const IMAGE_TAGGING_STRATEGIES: [&str; 2] = ["None", "BuildNumber"];

crate::resource!(Image, ImageSpec);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = image_spec_required)]
pub struct ImageSpec {
    /// Where every build is pushed; a tag, never a digest. Immutable.
    #[serde(default)]
    pub tag: String,
    /// Extra tags for every build, on the registry of `tag`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_tags: Vec<String>,
    /// A `Builder` in the Image's namespace, or a `ClusterBuilder`.
    #[serde(default)]
    pub builder: ObjectReference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    #[serde(default)]
    pub source: SourceConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<ImageCacheConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_build_history_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_build_history_limit: Option<i64>,
    /// `None` or `BuildNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tagging_strategy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_descriptor_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<ImageBuild>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notary: Option<NotaryConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign: Option<CosignConfig>,
}

/// Build cache: a volume, or an image in a registry; never both.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageCacheConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<ImagePersistentVolumeCache>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<RegistryCache>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImagePersistentVolumeCache {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryCache {
    #[serde(default)]
    pub tag: String,
}

/// Settings copied into every Build of the Image.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageBuild {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ObjectReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cnb_bindings: Vec<CnbBinding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<IndexMap<String, String>>,
    /// `corev1.Affinity`, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::shapes::Affinity>")]
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

impl Image {
    /// kpack's defaulting webhook.
    pub fn set_defaults(&mut self, ctx: &Context) {
        let spec = &mut self.spec;
        if spec
            .service_account_name
            .as_deref()
            .unwrap_or_default()
            .is_empty()
        {
            spec.service_account_name = Some(defaults::SERVICE_ACCOUNT_NAME.into());
        }
        if spec
            .image_tagging_strategy
            .as_deref()
            .unwrap_or_default()
            .is_empty()
        {
            spec.image_tagging_strategy = Some(defaults::IMAGE_TAGGING_STRATEGY.into());
        }
        spec.failed_build_history_limit
            .get_or_insert(defaults::FAILED_BUILD_HISTORY_LIMIT);
        spec.success_build_history_limit
            .get_or_insert(defaults::SUCCESS_BUILD_HISTORY_LIMIT);
        if spec.cache.is_none() && ctx.default_storage_class == Some(true) {
            spec.cache = Some(ImageCacheConfig {
                volume: Some(ImagePersistentVolumeCache {
                    size: Some(Quantity::String(defaults::CACHE_SIZE.into())),
                    storage_class_name: None,
                }),
                registry: None,
            });
        }
    }

    /// kpack's validating webhook (on create), on a defaulted Image.
    pub fn validate(&self, ctx: &Context) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(name) = &self.metadata.name {
            let problems = crate::names::label_value_problems(name);
            if !problems.is_empty() {
                // kpack's words, its doubled "a" included, and Kubernetes' for the details.
                errors.push(
                    FieldError::new(
                        format!("invalid image name: {name}, name must be a a valid label"),
                        &["metadata.name"],
                    )
                    .details(problems.join(",")),
                );
            }
        }
        errors.extend(self.spec.validate(ctx));
        errors
    }
}

impl ImageSpec {
    fn validate(&self, ctx: &Context) -> Vec<FieldError> {
        let mut errors = rules::tag(&self.tag, "spec.tag");
        errors.extend(self.validate_additional_tags());
        // kpack stops at a missing name and checks the kind only of a named builder.
        if self.builder.name().is_empty() {
            errors.push(FieldError::missing(&["spec.builder.name"]));
        } else if !BUILDER_KINDS.contains(&self.builder.kind()) {
            errors.push(FieldError::invalid(
                self.builder.kind(),
                "spec.builder.kind",
            ));
        }
        errors.extend(rules::source(&self.source, "spec.source"));
        // kpack returns from the build's checks at an os in the node selector.
        let os_selected = self.build.as_ref().and_then(|build| {
            rules::node_selector(build.node_selector.as_ref(), "spec.build.nodeSelector").pop()
        });
        let build = self.build.as_ref().filter(|_| os_selected.is_none());
        errors.extend(os_selected);
        if let Some(build) = build {
            // A Go string: an empty creationTime is no creationTime.
            if let Some(t) = build.creation_time.as_deref()
                && !t.is_empty()
                && !rules::is_creation_time(t)
            {
                errors.push(FieldError::invalid(t, "spec.build.creationTime"));
            }
            errors.extend(rules::services(&build.services, "spec.build.services"));
            errors.extend(rules::env(&build.env, "spec.build.env", ctx));
        }
        errors.extend(rules::controller_only(
            build.map(|b| &b.cnb_bindings[..]).unwrap_or_default(),
            "spec.build.cnbBindings",
            self.notary.as_ref(),
            "spec.notary",
        ));
        if let Some(cache) = &self.cache {
            if cache.volume.is_some() && cache.registry.is_some() {
                errors.push(FieldError::new(
                    "only one type of cache can be specified",
                    &["spec.cache.volume", "spec.cache.registry"],
                ));
            }
            if let Some(size) = cache.volume.as_ref().and_then(|v| v.size.as_ref())
                && !size.is_valid()
            {
                errors.push(FieldError::invalid(
                    size.as_text(),
                    "spec.cache.volume.size",
                ));
            }
            // kpack refuses any volume cache (with or without a size or a storageClassName)
            // when the cluster has no default StorageClass; its error has no path.
            if cache.volume.is_some() && ctx.default_storage_class == Some(false) {
                errors.push(FieldError::new(NO_DEFAULT_STORAGE_CLASS, &[]));
            }
        }
        errors.extend(rules::cosign(self.cosign.as_ref(), "spec.cosign"));
        for (field, limit) in [
            (
                "spec.failedBuildHistoryLimit",
                self.failed_build_history_limit,
            ),
            (
                "spec.successBuildHistoryLimit",
                self.success_build_history_limit,
            ),
        ] {
            if let Some(n) = limit
                && n < 1
            {
                errors.push(FieldError::new(
                    "build history limit must be greater than 0",
                    &[field],
                ));
                break; // kpack returns at the first limit below 1.
            }
        }
        errors
    }

    fn validate_additional_tags(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut other_registry_said = false;
        let main = Tag::parse(&self.tag).ok();
        for (i, extra) in self.additional_tags.iter().enumerate() {
            let path = format!("spec.additionalTags[{i}]");
            match Tag::parse(extra) {
                Err(e) => errors.push(FieldError::invalid(extra, &path).details(e.to_string())),
                Ok(t) => {
                    if let Some(main) = &main
                        && t.repository.registry != main.repository.registry
                    {
                        // kpack says so once, for the first such tag.
                        if !other_registry_said {
                            other_registry_said = true;
                            errors.push(
                                FieldError::new(
                                    "all additionalTags must have the same registry as tag",
                                    &["spec.additionalTags"],
                                )
                                .details(format!(
                                    "expected registry: {}, got: {}",
                                    main.repository.registry, t.repository.registry
                                )),
                            );
                        }
                    }
                }
            }
        }
        errors
    }
}

fn image_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["tag", "builder", "source"]);
}
