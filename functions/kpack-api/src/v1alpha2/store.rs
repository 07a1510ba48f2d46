//! `ClusterStore`: buildpackage images that builders take buildpacks from by id.

use super::rules;
use crate::core::ImageSource;
use crate::field_error::{Context, FieldError};
use crate::meta::ObjectReference;
use crate::reference::ImageRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const CLUSTER_STORE_KIND: &str = "ClusterStore";

crate::resource!(ClusterStore, ClusterStoreSpec);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = cluster_store_spec_required)]
pub struct ClusterStoreSpec {
    #[serde(default)]
    pub sources: Vec<ImageSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_ref: Option<ObjectReference>,
}

impl ClusterStore {
    pub fn set_defaults(&mut self, _ctx: &Context) {}

    pub fn validate(&self, _ctx: &Context) -> Vec<FieldError> {
        let s = &self.spec;
        let mut errors =
            rules::service_account_ref(s.service_account_ref.as_ref(), "spec.serviceAccountRef");
        // kpack returns at an incomplete serviceAccountRef.
        if !errors.is_empty() {
            return errors;
        }
        if s.sources.is_empty() {
            errors.push(FieldError::missing(&["spec.sources"]));
        }
        for (i, source) in s.sources.iter().enumerate() {
            if let Err(e) = ImageRef::parse(&source.image) {
                // kpack prints the whole source struct here.
                errors.push(
                    FieldError::invalid(
                        format!("{{{}}}", source.image),
                        &format!("spec.sources[{i}]"),
                    )
                    .details(e.to_string()),
                );
            }
        }
        errors
    }
}

fn cluster_store_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["sources"]);
}
