//! Checks shared by several kinds (kpack's `pkg/apis/validate` and the core validators).
//! Each takes the path prefix of the field it checks and returns every error found.

use crate::core::{CnbBinding, NotaryConfig, SourceConfig};
use crate::field_error::{Context, FieldError};
use crate::k8s::EnvVar;
use crate::meta::ObjectReference;
use crate::reference::{ImageRef, Tag};
use indexmap::IndexMap;

/// The first kpack release that refuses `valueFrom.secretKeyRef` in build env.
const SECRET_KEY_REF_REFUSED_FROM: semver::Version = semver::Version::new(0, 17, 2);

/// A tag field: present, and a tag (never a digest).
pub fn tag(value: &str, path: &str) -> Vec<FieldError> {
    if value.is_empty() {
        return vec![FieldError::missing(&[path])];
    }
    match Tag::parse(value) {
        Ok(_) => vec![],
        Err(e) => vec![FieldError::invalid(value, path).details(e.to_string())],
    }
}

/// An image field: present, and a tag or sha256 digest reference.
pub fn image(value: &str, path: &str) -> Vec<FieldError> {
    if value.is_empty() {
        return vec![FieldError::missing(&[path])];
    }
    match ImageRef::parse(value) {
        Ok(_) => vec![],
        Err(e) => vec![FieldError::invalid(value, path).details(e.to_string())],
    }
}

/// An optional service account reference on a cluster-scoped kind: if present, `name`, then
/// `namespace` (kpack stops at the first missing one, and ClusterStack, ClusterBuildpack and
/// ClusterLifecycle validate nothing else then).
pub fn service_account_ref(r: Option<&ObjectReference>, path: &str) -> Vec<FieldError> {
    let Some(r) = r else { return vec![] };
    if r.name().is_empty() {
        return vec![FieldError::missing(&[&format!("{path}.name")])];
    }
    if r.namespace.as_deref().unwrap_or_default().is_empty() {
        return vec![FieldError::missing(&[&format!("{path}.namespace")])];
    }
    vec![]
}

/// `source`: exactly one of git, blob, registry, each with what it needs.
pub fn source(s: &SourceConfig, path: &str) -> Vec<FieldError> {
    let p = |f: &str| format!("{path}.{f}");
    let set = [s.git.is_some(), s.blob.is_some(), s.registry.is_some()];
    let mut errors = Vec::new();
    match set.iter().filter(|b| **b).count() {
        0 => errors.push(FieldError::neither(&[
            &p("git"),
            &p("blob"),
            &p("registry"),
        ])),
        1 => {}
        _ => {
            let given: Vec<String> = ["git", "blob", "registry"]
                .iter()
                .zip(set)
                .filter(|(_, on)| *on)
                .map(|(f, _)| p(f))
                .collect();
            let given: Vec<&str> = given.iter().map(String::as_str).collect();
            errors.push(FieldError::both(&given));
        }
    }
    // kpack checks the source's own fields only once there is exactly one.
    if !errors.is_empty() {
        return errors;
    }
    if let Some(git) = &s.git {
        if git.url.is_empty() {
            errors.push(FieldError::missing(&[&p("git.url")]));
        }
        if git.revision.is_empty() {
            errors.push(FieldError::missing(&[&p("git.revision")]));
        }
    }
    if let Some(blob) = &s.blob {
        if blob.url.is_empty() {
            errors.push(FieldError::missing(&[&p("blob.url")]));
        }
        if let Some(auth) = blob.auth.as_deref()
            && !matches!(auth, "" | "secret" | "helper")
        {
            errors.push(
                FieldError::invalid(auth, &p("blob.auth"))
                    .details("must be one of '', 'helper', or 'secret'"),
            );
        }
        if let Some(n) = blob.strip_components
            && n < 0
        {
            errors.push(FieldError::new(
                format!("expected positive integer got {n}"),
                &[&p("blob.stripComponents")],
            ));
        }
    }
    if let Some(registry) = &s.registry {
        errors.extend(image(&registry.image, &p("registry.image")));
    }
    errors
}

/// `services`: name present, lowercase DNS-ish, unique; kind present. As in kpack, a repeated
/// name (empty or invalid ones too) names both entries: the previous one with that name, then
/// this one.
pub fn services(list: &[ObjectReference], path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut last_seen = std::collections::HashMap::new();
    for (i, s) in list.iter().enumerate() {
        let name_path = format!("{path}[{i}].name");
        let name = s.name();
        if let Some(previous) = last_seen.insert(name, i) {
            errors.push(FieldError::new(
                format!("duplicate service name {name:?}"),
                &[&format!("{path}[{previous}].name"), &name_path],
            ));
        }
        if name.is_empty() {
            errors.push(FieldError::missing(&[&name_path]));
        } else if !crate::names::is_binding_name(name) {
            errors.push(FieldError::invalid(name, &name_path));
        }
        if s.kind().is_empty() {
            errors.push(FieldError::missing(&[&format!("{path}[{i}].kind")]));
        }
    }
    errors
}

/// The node selector key kpack sets itself (a build pod's os comes from the stack).
pub const OS_NODE_SELECTOR: &str = "kubernetes.io/os";

/// `creationTime` is `now` or Unix epoch seconds.
pub fn is_creation_time(value: &str) -> bool {
    value == "now" || value.parse::<i64>().is_ok()
}

/// `nodeSelector` must leave `kubernetes.io/os` to kpack.
pub fn node_selector(selector: Option<&IndexMap<String, String>>, path: &str) -> Vec<FieldError> {
    match selector {
        Some(s) if s.contains_key(OS_NODE_SELECTOR) => {
            vec![
                FieldError::invalid_key(OS_NODE_SELECTOR, path)
                    .details("os is determined automatically"),
            ]
        }
        _ => vec![],
    }
}

/// Build env: from kpack 0.17.2, no `valueFrom.secretKeyRef`.
pub fn env(list: &[EnvVar], path: &str, ctx: &Context) -> Vec<FieldError> {
    if ctx.kpack_version < SECRET_KEY_REF_REFUSED_FROM {
        return vec![];
    }
    list.iter()
        .enumerate()
        .filter(|(_, e)| {
            e.value_from
                .as_ref()
                .is_some_and(|v| v.secret_key_ref.is_some())
        })
        .map(|(i, _)| {
            FieldError::new(
                "secretKeyRef is not supported for build environment variables",
                &[&format!("{path}[{i}].valueFrom.secretKeyRef")],
            )
        })
        .collect()
}

/// `cnbBindings` and `notary` are for kpack's controller only in v1alpha2.
pub fn controller_only(
    bindings: &[CnbBinding],
    bindings_path: &str,
    notary: Option<&NotaryConfig>,
    notary_path: &str,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !bindings.is_empty() {
        errors.push(FieldError::new(
            "use of this field has been deprecated in v1alpha2, please use v1alpha1 for CNB bindings",
            &[bindings_path],
        ));
    }
    if notary.is_some() {
        errors.push(FieldError::new(
            "use of this field has been deprecated in v1alpha2, please use v1alpha1 for notary image signing",
            &[notary_path],
        ));
    }
    errors
}

/// `cosign.annotations[i]` need a name and a value.
pub fn cosign(config: Option<&crate::core::CosignConfig>, path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, a) in config.iter().flat_map(|c| c.annotations.iter()).enumerate() {
        if a.name.is_empty() {
            errors.push(FieldError::missing(&[&format!(
                "{path}.annotations[{i}].name"
            )]));
        }
        if a.value.is_empty() {
            errors.push(FieldError::missing(&[&format!(
                "{path}.annotations[{i}].value"
            )]));
        }
    }
    errors
}
