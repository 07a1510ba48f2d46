//! `Buildpack` (namespaced) and `ClusterBuildpack`: one buildpackage image each.

use super::rules;
use crate::field_error::{Context, FieldError};
use crate::meta::ObjectReference;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const BUILDPACK_KIND: &str = "Buildpack";
pub const CLUSTER_BUILDPACK_KIND: &str = "ClusterBuildpack";

crate::resource!(Buildpack, BuildpackSpec);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = buildpack_spec_required)]
pub struct BuildpackSpec {
    #[serde(default)]
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
}

crate::resource!(ClusterBuildpack, ClusterBuildpackSpec);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = cluster_buildpack_spec_required)]
pub struct ClusterBuildpackSpec {
    #[serde(default)]
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_ref: Option<ObjectReference>,
}

impl Buildpack {
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

    pub fn validate(&self, _ctx: &Context) -> Vec<FieldError> {
        rules::image(&self.spec.image, "spec.image")
    }
}

impl ClusterBuildpack {
    pub fn set_defaults(&mut self, _ctx: &Context) {}

    pub fn validate(&self, _ctx: &Context) -> Vec<FieldError> {
        let mut errors = rules::service_account_ref(
            self.spec.service_account_ref.as_ref(),
            "spec.serviceAccountRef",
        );
        if errors.is_empty() {
            errors = rules::image(&self.spec.image, "spec.image");
        }
        errors
    }
}

fn buildpack_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["image"]);
}

fn cluster_buildpack_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["image"]);
}
