//! `Build`: one build; usually made by the Image controller. The whole spec is immutable.

use super::rules;
use crate::core::{CnbBinding, CosignConfig, ImageSource, NotaryConfig, SourceConfig};
use crate::field_error::{Context, FieldError};
use crate::k8s::{EnvVar, ResourceRequirements, Toleration};
use crate::meta::{LocalObjectReference, ObjectReference};
use crate::reference::Tag;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const BUILD_KIND: &str = "Build";

crate::resource!(Build, BuildSpec);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = build_spec_required)]
pub struct BuildSpec {
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub builder: BuildBuilderSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    #[serde(default)]
    pub source: SourceConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<BuildCacheConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ObjectReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cnb_bindings: Vec<CnbBinding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_descriptor_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<IndexMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::shapes::Affinity>")]
    pub affinity: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_class_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_build: Option<LastBuild>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notary: Option<NotaryConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign: Option<CosignConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_image: Option<ImageSource>,
}

/// The builder of a Build: an image, or (kpack ≥ 0.17.0) a reference; exactly one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildBuilderSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<LocalObjectReference>,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<ObjectReference>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildCacheConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<BuildPersistentVolumeCache>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<super::RegistryCache>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildPersistentVolumeCache {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LastBuild {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<BuildCache>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildCache {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl Build {
    pub fn set_defaults(&mut self, _ctx: &Context) {
        if self
            .spec
            .service_account_name
            .as_deref()
            .unwrap_or_default()
            .is_empty()
        {
            self.spec.service_account_name = Some("default".into());
        }
    }

    pub fn validate(&self, ctx: &Context) -> Vec<FieldError> {
        let s = &self.spec;
        let mut errors = Vec::new();
        if s.tags.is_empty() {
            errors.push(FieldError::missing(&["spec.tags"]));
        }
        // kpack parses each tag with no emptiness check first: an empty tag is an invalid one.
        for (i, t) in s.tags.iter().enumerate() {
            if let Err(e) = Tag::parse(t) {
                errors.push(
                    FieldError::invalid(t, &format!("spec.tags[{i}]")).details(e.to_string()),
                );
            }
        }
        // kpack makes all four checks of the builder, none ending the others.
        let builder_paths = ["spec.builder.image", "spec.builder.ref"];
        let image = s.builder.image.as_deref().filter(|i| !i.is_empty());
        match (image, &s.builder.reference) {
            (None, None) => errors.push(FieldError::missing(&builder_paths)),
            (Some(_), Some(_)) => errors.push(FieldError::both(&builder_paths)),
            _ => {}
        }
        if let Some(r) = &s.builder.reference {
            if r.name().is_empty() {
                errors.push(FieldError::missing(&["spec.builder.ref.name"]));
            }
            if r.kind().is_empty() {
                errors.push(FieldError::missing(&["spec.builder.ref.kind"]));
            }
        }
        if let Some(image) = image {
            errors.extend(rules::image(image, "spec.builder.image"));
        }
        errors.extend(rules::source(&s.source, "spec.source"));
        if let Some(cache) = &s.cache
            && cache.volume.is_some()
            && cache.registry.is_some()
        {
            errors.push(FieldError::new(
                "only one type of cache can be specified",
                &["spec.cache.volume", "spec.cache.registry"],
            ));
        }
        errors.extend(rules::services(&s.services, "spec.services"));
        if let Some(image) = s.last_build.as_ref().and_then(|l| l.image.as_deref())
            && !image.is_empty()
        {
            errors.extend(rules::image(image, "spec.lastBuild.image"));
        }
        errors.extend(rules::node_selector(
            s.node_selector.as_ref(),
            "spec.nodeSelector",
        ));
        errors.extend(rules::env(&s.env, "spec.env", ctx));
        errors.extend(rules::controller_only(
            &s.cnb_bindings,
            "spec.cnbBindings",
            s.notary.as_ref(),
            "spec.notary",
        ));
        // Unlike an Image's, a Build's cosign config is not checked by kpack.
        errors
    }
}

fn build_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["tags", "builder", "source"]);
}
