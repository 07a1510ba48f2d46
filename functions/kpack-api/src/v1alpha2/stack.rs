//! `ClusterStack`: the build and run images builders are made from.

use super::rules;
use crate::core::ImageSource;
use crate::field_error::{Context, FieldError};
use crate::meta::ObjectReference;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const CLUSTER_STACK_KIND: &str = "ClusterStack";

crate::resource!(ClusterStack, ClusterStackSpec);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = cluster_stack_spec_required)]
pub struct ClusterStackSpec {
    /// The CNB stack id, e.g. `io.buildpacks.stacks.jammy`.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub build_image: ImageSource,
    #[serde(default)]
    pub run_image: ImageSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_ref: Option<ObjectReference>,
}

impl ClusterStack {
    pub fn set_defaults(&mut self, _ctx: &Context) {}

    pub fn validate(&self, _ctx: &Context) -> Vec<FieldError> {
        let s = &self.spec;
        let mut errors =
            rules::service_account_ref(s.service_account_ref.as_ref(), "spec.serviceAccountRef");
        if !errors.is_empty() {
            return errors;
        }
        if s.id.is_empty() {
            errors.push(FieldError::missing(&["spec.id"]));
        }
        errors.extend(rules::image(&s.build_image.image, "spec.buildImage.image"));
        errors.extend(rules::image(&s.run_image.image, "spec.runImage.image"));
        errors
    }
}

fn cluster_stack_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["id", "buildImage", "runImage"]);
}
