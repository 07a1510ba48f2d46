//! `Builder` (namespaced) and `ClusterBuilder`: a CNB builder image made from a stack, a
//! lifecycle and buildpacks.
//!
//! kpack quirk kept on purpose: a ClusterBuilder's errors from the shared builder spec are
//! reported without the `spec.` prefix (`stack.kind`, `order[0].group[1].kind`).

use super::rules;
use crate::field_error::{Context, FieldError};
use crate::meta::ObjectReference;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const BUILDER_KIND: &str = "Builder";
pub const CLUSTER_BUILDER_KIND: &str = "ClusterBuilder";
pub const DEFAULT_LIFECYCLE: &str = "default-lifecycle";

crate::resource!(Builder, NamespacedBuilderSpec);

crate::resource!(ClusterBuilder, ClusterBuilderSpec);

/// A Builder's spec: the shared builder fields plus its service account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = namespaced_builder_spec_required)]
pub struct NamespacedBuilderSpec {
    /// Where the builder image is written.
    #[serde(default)]
    pub tag: String,
    /// A `ClusterStack`.
    #[serde(default)]
    pub stack: ObjectReference,
    /// A `ClusterStore` for buildpacks given by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<ObjectReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<ObjectReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<BuilderOrderEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_labels: Option<IndexMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Legacy spelling of `serviceAccountName`, used when that is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

/// A ClusterBuilder's spec: the shared builder fields plus a service account reference.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = cluster_builder_spec_required)]
pub struct ClusterBuilderSpec {
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub stack: ObjectReference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<ObjectReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<ObjectReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<BuilderOrderEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_labels: Option<IndexMap<String, String>>,
    /// Required: `name` and `namespace` of the service account.
    #[serde(default)]
    pub service_account_ref: ObjectReference,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuilderOrderEntry {
    #[serde(default)]
    pub group: Vec<BuilderBuildpackRef>,
}

/// An order group entry: a buildpack `id` (optionally `version`, `optional`), or a reference
/// to a `Buildpack`/`ClusterBuildpack` by `kind` and `name`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuilderBuildpackRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
    /// Refused by kpack ("image reference currently not supported").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// The builder fields shared by both kinds, borrowed for the shared checks.
struct SharedSpec<'a> {
    tag: &'a str,
    stack: &'a ObjectReference,
    store: Option<&'a ObjectReference>,
    order: &'a [BuilderOrderEntry],
}

fn default_lifecycle(lifecycle: &mut Option<ObjectReference>) {
    let l = lifecycle.get_or_insert_with(ObjectReference::default);
    if l.kind().is_empty() {
        l.kind = Some("ClusterLifecycle".into());
    }
    if l.name().is_empty() {
        l.name = Some(DEFAULT_LIFECYCLE.into());
    }
}

impl Builder {
    /// kpack defaults the service account, `stack.kind`, `store.kind` and the lifecycle.
    ///
    /// kpack's `store` is a struct, not a pointer, so a Builder without a store comes out of
    /// its defaulting as `store: {kind: ClusterStore}`; that passes validation (a store whose
    /// kind is allowed needs no name), and so it is written here as kpack writes it.
    pub fn set_defaults(&mut self, _ctx: &Context) {
        let s = &mut self.spec;
        if s.service_account_name
            .as_deref()
            .unwrap_or_default()
            .is_empty()
            && s.service_account.as_deref().unwrap_or_default().is_empty()
        {
            s.service_account_name = Some("default".into());
        }
        if s.stack.kind().is_empty() {
            s.stack.kind = Some("ClusterStack".into());
        }
        let store = s.store.get_or_insert_with(ObjectReference::default);
        if store.kind().is_empty() {
            store.kind = Some("ClusterStore".into());
        }
        default_lifecycle(&mut s.lifecycle);
    }

    pub fn validate(&self, _ctx: &Context) -> Vec<FieldError> {
        let s = &self.spec;
        let mut errors = SharedSpec {
            tag: &s.tag,
            stack: &s.stack,
            store: s.store.as_ref(),
            order: &s.order,
        }
        .validate("spec.");
        if s.service_account_name
            .as_deref()
            .unwrap_or_default()
            .is_empty()
            && s.service_account.as_deref().unwrap_or_default().is_empty()
        {
            errors.push(FieldError::missing(&["spec.serviceAccountName"]));
        }
        errors
    }
}

impl ClusterBuilder {
    /// kpack defaults only the lifecycle of a ClusterBuilder (not `stack.kind`/`store.kind`).
    pub fn set_defaults(&mut self, _ctx: &Context) {
        default_lifecycle(&mut self.spec.lifecycle);
    }

    pub fn validate(&self, _ctx: &Context) -> Vec<FieldError> {
        let s = &self.spec;
        // The service account is checked first, and a missing one ends validation.
        if s.service_account_ref.name().is_empty() {
            return vec![FieldError::missing(&["spec.serviceAccountRef.name"])];
        }
        if s.service_account_ref
            .namespace
            .as_deref()
            .unwrap_or_default()
            .is_empty()
        {
            return vec![FieldError::missing(&["spec.serviceAccountRef.namespace"])];
        }
        SharedSpec {
            tag: &s.tag,
            stack: &s.stack,
            store: s.store.as_ref(),
            order: &s.order,
        }
        .validate("")
    }
}

impl SharedSpec<'_> {
    /// `prefix` is `spec.` for a Builder and empty for a ClusterBuilder (kpack's quirk).
    fn validate(&self, prefix: &str) -> Vec<FieldError> {
        let p = |f: &str| format!("{prefix}{f}");
        let mut errors = rules::tag(self.tag, &p("tag"));
        // kpack stops at a missing name and checks the kind only of a named stack.
        if self.stack.name().is_empty() {
            errors.push(FieldError::missing(&[&p("stack.name")]));
        } else if self.stack.kind() != "ClusterStack" {
            errors.push(FieldError::invalid(self.stack.kind(), &p("stack.kind")));
        }
        // An empty store (no name, no kind) is no store; kpack compares with "" throughout.
        if let Some(store) = self.store
            && !(store.name().is_empty() && store.kind().is_empty())
        {
            errors.extend(object_ref(
                store.name(),
                store.kind(),
                &["ClusterStore"],
                &p("store."),
            ));
        }
        for (i, entry) in self.order.iter().enumerate() {
            for (j, r) in entry.group.iter().enumerate() {
                let at = p(&format!("order[{i}].group[{j}]."));
                let (id, name, kind, image) =
                    (text(&r.id), text(&r.name), text(&r.kind), text(&r.image));
                if !name.is_empty() || !kind.is_empty() {
                    errors.extend(object_ref(
                        name,
                        kind,
                        &["Buildpack", "ClusterBuildpack"],
                        &at,
                    ));
                }
                if !image.is_empty() {
                    errors.push(FieldError::disallowed(&[&format!(
                        "{at}image reference currently not supported"
                    )]));
                } else if id.is_empty() && name.is_empty() && kind.is_empty() {
                    errors.push(FieldError::neither(&[
                        &format!("{at}id"),
                        &format!("{at}image"),
                        &format!("{at}name + kind"),
                    ]));
                }
            }
        }
        errors
    }
}

/// An optional string as kpack's Go field holds it: absent and `""` are the same.
fn text(field: &Option<String>) -> &str {
    field.as_deref().unwrap_or_default()
}

/// kpack's `validateObjectRef`: a kind outside `kinds` is invalid, and only then is a missing
/// name reported too (kpack records it, then drops it when the kind is allowed). `at` is the
/// reference's path with a trailing dot.
fn object_ref(name: &str, kind: &str, kinds: &[&str], at: &str) -> Vec<FieldError> {
    if kinds.contains(&kind) {
        return vec![];
    }
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError::missing(&[&format!("{at}name")]));
    }
    errors.push(
        FieldError::invalid(kind, &format!("{at}kind"))
            .details(format!("must be one of {}", kinds.join(", "))),
    );
    errors
}

fn namespaced_builder_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["tag", "stack"]);
}

fn cluster_builder_spec_required(schema: &mut schemars::Schema) {
    crate::schema::require(schema, &["tag", "stack", "serviceAccountRef"]);
}
