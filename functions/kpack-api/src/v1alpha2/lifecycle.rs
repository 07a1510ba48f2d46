//! `ClusterLifecycle`: the CNB lifecycle image builders use.

use super::rules;
use crate::field_error::{Context, FieldError};
use crate::meta::ObjectReference;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const CLUSTER_LIFECYCLE_KIND: &str = "ClusterLifecycle";

crate::resource!(ClusterLifecycle, ClusterLifecycleSpec);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = cluster_lifecycle_spec_required)]
pub struct ClusterLifecycleSpec {
    #[serde(default)]
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_ref: Option<ObjectReference>,
}

impl ClusterLifecycle {
    pub fn set_defaults(&mut self, _ctx: &Context) {}

    /// kpack only checks that the image is there; it does not parse it.
    pub fn validate(&self, _ctx: &Context) -> Vec<FieldError> {
        let mut errors = rules::service_account_ref(
            self.spec.service_account_ref.as_ref(),
            "spec.serviceAccountRef",
        );
        if errors.is_empty() && self.spec.image.is_empty() {
            errors.push(FieldError::missing(&["spec.image"]));
        }
        errors
    }
}

fn cluster_lifecycle_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["image"]);
}
