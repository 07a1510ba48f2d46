//! Every kpack kind and version, looked up by apiVersion and kind: for the kinds kpack's
//! webhook handles, decoding + defaulting + validation; and, kept apart, its schemas.

use crate::field_error::{Context, FieldError};
use crate::{v1alpha1, v1alpha2};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Whether a kind lives in a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// A kind kpack's webhook defaults and validates.
pub trait Admitted: DeserializeOwned + Serialize {
    fn set_defaults(&mut self, ctx: &Context);
    fn validate(&self, ctx: &Context) -> Vec<FieldError>;
}

macro_rules! admitted {
    ($($t:ty),*) => {$(
        impl Admitted for $t {
            fn set_defaults(&mut self, ctx: &Context) {
                <$t>::set_defaults(self, ctx)
            }
            fn validate(&self, ctx: &Context) -> Vec<FieldError> {
                <$t>::validate(self, ctx)
            }
        }
    )*};
}

admitted!(
    v1alpha2::Image,
    v1alpha2::Build,
    v1alpha2::Builder,
    v1alpha2::ClusterBuilder,
    v1alpha2::ClusterStack,
    v1alpha2::ClusterStore,
    v1alpha2::Buildpack,
    v1alpha2::ClusterBuildpack,
    v1alpha2::ClusterLifecycle
);

/// The outcome of admitting an object: the defaulted object and the webhook's errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    pub defaulted: Value,
    pub errors: Vec<FieldError>,
}

/// A decoding failure: the object does not match the kind's types (the schema says where).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    pub path: String,
    pub message: String,
}

/// Decodes, defaults and validates; the typed object, to serialize only when asked.
fn run_admission<T: Admitted>(
    object: &Value,
    ctx: &Context,
) -> Result<(T, Vec<FieldError>), DecodeError> {
    // Plain serde first; the path-tracking decoder (slower) only to explain a failure.
    let mut typed: T = match T::deserialize(object) {
        Ok(t) => t,
        Err(_) => {
            let e = serde_path_to_error::deserialize::<_, T>(object)
                .err()
                .expect("the same input fails the same way");
            return Err(DecodeError {
                path: e.path().to_string(),
                message: e.inner().to_string(),
            });
        }
    };
    typed.set_defaults(ctx);
    let errors = typed.validate(ctx);
    Ok((typed, errors))
}

fn admit<T: Admitted>(object: &Value, ctx: &Context) -> Result<Admission, DecodeError> {
    let (typed, errors) = run_admission::<T>(object, ctx)?;
    let defaulted = serde_json::to_value(&typed).expect("kpack types serialize");
    Ok(Admission { defaulted, errors })
}

fn check<T: Admitted>(object: &Value, ctx: &Context) -> Result<Vec<FieldError>, DecodeError> {
    run_admission::<T>(object, ctx).map(|(_, errors)| errors)
}

fn schema<T: JsonSchema>() -> Value {
    crate::schema::root_for::<T>()
}

fn check_schema<T: JsonSchema>() -> Value {
    crate::schema::draft07_for::<T>()
}

/// Decodes, defaults and validates one object of a kind, returning the defaulted object.
pub type AdmitFn = fn(&Value, &Context) -> Result<Admission, DecodeError>;

/// The same checks, without building the defaulted object (when only the verdict matters).
pub type CheckFn = fn(&Value, &Context) -> Result<Vec<FieldError>, DecodeError>;

/// One kind at one version.
pub struct KindInfo {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub scope: Scope,
    /// Decode, default and validate, for the kinds kpack's webhook admits (v1alpha2 only).
    pub admit: Option<AdmitFn>,
    pub check: Option<CheckFn>,
}

impl KindInfo {
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }
}

/// A kind's JSON Schemas, made from its Rust types.
pub struct KindSchemas {
    /// The whole object's (strict: unknown fields refused outside metadata), as published:
    /// JSON Schema 2020-12.
    pub schema: fn() -> Value,
    /// The same in draft-07, cheaper to compile, which the validator checks with (as
    /// schemagen writes it out for kpack-validate).
    pub check_schema: fn() -> Value,
}

macro_rules! kind_info {
    ($version:literal, $kind:literal, $scope:ident, $t:ty, admitted) => {
        KindInfo {
            group: crate::GROUP,
            version: $version,
            kind: $kind,
            scope: Scope::$scope,
            admit: Some(admit::<$t>),
            check: Some(check::<$t>),
        }
    };
    ($version:literal, $kind:literal, $scope:ident, $t:ty) => {
        KindInfo {
            group: crate::GROUP,
            version: $version,
            kind: $kind,
            scope: Scope::$scope,
            admit: None,
            check: None,
        }
    };
}

/// [`KINDS`] and [`SCHEMAS`] from one list, so that they stay in step.
macro_rules! kinds {
    ($(($version:literal, $kind:literal, $scope:ident, $t:ty $(, $admitted:ident)?),)*) => {
        /// Every kind kpack v0.17 serves.
        pub static KINDS: &[KindInfo] = &[
            $(kind_info!($version, $kind, $scope, $t $(, $admitted)?),)*
        ];

        /// Each kind's schemas, in the order of [`KINDS`]. Apart from [`KindInfo`] so that a
        /// function that only looks kinds up does not carry the schema generator: a module
        /// links only what it may call.
        pub static SCHEMAS: &[KindSchemas] = &[
            $(KindSchemas {
                schema: schema::<$t>,
                check_schema: check_schema::<$t>,
            },)*
        ];
    };
}

kinds! {
    ("v1alpha2", "Image", Namespaced, v1alpha2::Image, admitted),
    ("v1alpha2", "Build", Namespaced, v1alpha2::Build, admitted),
    ("v1alpha2", "Builder", Namespaced, v1alpha2::Builder, admitted),
    ("v1alpha2", "ClusterBuilder", Cluster, v1alpha2::ClusterBuilder, admitted),
    ("v1alpha2", "ClusterStack", Cluster, v1alpha2::ClusterStack, admitted),
    ("v1alpha2", "ClusterStore", Cluster, v1alpha2::ClusterStore, admitted),
    ("v1alpha2", "Buildpack", Namespaced, v1alpha2::Buildpack, admitted),
    ("v1alpha2", "ClusterBuildpack", Cluster, v1alpha2::ClusterBuildpack, admitted),
    ("v1alpha2", "ClusterLifecycle", Cluster, v1alpha2::ClusterLifecycle, admitted),
    ("v1alpha2", "SourceResolver", Namespaced, v1alpha2::SourceResolver),
    ("v1alpha1", "Image", Namespaced, v1alpha1::Image),
    ("v1alpha1", "Build", Namespaced, v1alpha1::Build),
    ("v1alpha1", "Builder", Namespaced, v1alpha1::Builder),
    ("v1alpha1", "ClusterBuilder", Cluster, v1alpha1::ClusterBuilder),
    ("v1alpha1", "ClusterStack", Cluster, v1alpha1::ClusterStack),
    ("v1alpha1", "ClusterStore", Cluster, v1alpha1::ClusterStore),
    ("v1alpha1", "SourceResolver", Namespaced, v1alpha1::SourceResolver),
}

/// The kind served at `api_version` (`kpack.io/v1alpha2`) as `kind`.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static KindInfo> {
    let (group, version) = api_version.split_once('/')?;
    KINDS
        .iter()
        .find(|k| k.group == group && k.version == version && k.kind == kind)
}
