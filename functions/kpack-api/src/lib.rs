//! kpack.io resources, their defaults and rules: the one place in krmwasm that knows kpack.
//!
//! Pure data and checks, no I/O, so every function (and the schema generator) can share it.
//! Field names, defaults and rules follow kpack v0.17 (`pkg/apis/build/v1alpha2`).

/// A kpack kind: type meta, lenient metadata, a strict spec, status kept as written.
#[macro_export]
#[doc(hidden)]
macro_rules! resource {
    ($name:ident, $spec:ty) => {
        #[derive(
            Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            pub api_version: String,
            pub kind: String,
            #[serde(default)]
            pub metadata: $crate::meta::ObjectMeta,
            #[serde(default)]
            pub spec: $spec,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub status: Option<serde_json::Value>,
        }
    };
}

pub mod core;
pub mod field_error;
pub mod k8s;
pub mod kinds;
pub mod meta;
pub mod names;
pub mod pod;
pub mod quantity;
pub mod reference;
pub mod schema;
pub mod shapes;
pub mod v1alpha1;
pub mod v1alpha2;

pub use field_error::{Context, FieldError};

/// The API group of every kpack kind.
pub const GROUP: &str = "kpack.io";
