//! `kpack-image`: expands an `ImageConfig` into kpack `Image`s and, when asked, the
//! `ServiceAccount` their builds run as.
//!
//! Generated objects carry `app.kubernetes.io/managed-by: krmwasm` and an annotation naming
//! the config that owns them. On a later run the owned objects are replaced in place (keeping
//! the orchestrator's file and comment annotations) and the ones no longer configured are
//! removed, so the function is idempotent: running it on its own output changes nothing.

pub mod config;
pub mod expand;

use config::{ImageConfigSpec, ServiceAccountSetting, ServiceAccountSpec};
use expand::{Entry, Problem};
use kpack_api::meta::ObjectMeta;
use krm::annotations::carry_orchestrator_annotations;
use krm::{Diagnostic, Failure, FileRef, Object, ResourceList, ResourceRef};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const FUNCTION_NAME: &str = "kpack-image";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "krmwasm";
/// Names the config that generated an object: `ImageConfig/<name>`.
pub const GENERATED_BY_ANNOTATION: &str = "kpack.krmwasm.dev/generated-by";

/// Where the config lives, for results: its reference and file.
struct ConfigLocation {
    resource: Option<ResourceRef>,
    file: Option<FileRef>,
}

impl ConfigLocation {
    fn diagnostic(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message)
            .at(path)
            .about(self.resource.clone())
            .in_file(self.file.clone())
    }
}

/// The function: reads the `ImageConfig` in `functionConfig`, writes the objects into `items`.
pub fn process(list: &mut ResourceList) -> Result<(), Failure> {
    let config = list.function_config.clone().ok_or_else(|| {
        Diagnostic::error(format!(
            "{FUNCTION_NAME} needs an {} ({}) as its functionConfig, and got none",
            config::KIND,
            config::API_VERSION
        ))
    })?;
    let location = ConfigLocation {
        resource: config.resource_ref(),
        // kpt's configPath object carries path annotations; kustomize's copy does not, but the
        // same object may be among the items with them.
        file: config.file_ref().or_else(|| {
            list.items
                .iter()
                .find(|item| item.same_object(&config))
                .and_then(Object::file_ref)
        }),
    };
    if config.api_version() != Some(config::API_VERSION) || config.kind() != Some(config::KIND) {
        return Err(location
            .diagnostic(
                "kind",
                format!(
                    "{FUNCTION_NAME} expands {}/{}, not {}/{}",
                    config::API_VERSION,
                    config::KIND,
                    config.api_version().unwrap_or("<no apiVersion>"),
                    config.kind().unwrap_or("<no kind>")
                ),
            )
            .into());
    }
    let Some(config_name) = config.name().map(str::to_string) else {
        return Err(location
            .diagnostic("metadata.name", "the ImageConfig has no metadata.name")
            .into());
    };
    let spec: ImageConfigSpec = krm::config::decode_spec(&config).map_err(|failure| {
        Failure(
            failure
                .0
                .into_iter()
                .map(|d| {
                    d.about(location.resource.clone())
                        .in_file(location.file.clone())
                })
                .collect(),
        )
    })?;
    let namespace = config.namespace();
    let owner = format!("{}/{config_name}", config::KIND);

    let generated = generate(&spec, namespace, &owner).map_err(|problems| {
        Failure(
            problems
                .into_iter()
                .map(|p| location.diagnostic(&p.path, p.message))
                .collect(),
        )
    })?;
    merge(&mut list.items, generated, &owner)
        .map_err(|(path, message)| Failure(vec![location.diagnostic(&path, message)]))
}

/// Produces the ServiceAccounts and Images for the config, or every problem found.
fn generate(
    spec: &ImageConfigSpec,
    namespace: Option<&str>,
    owner: &str,
) -> Result<Vec<Value>, Vec<Problem>> {
    let mut problems = Vec::new();
    for (field, set) in [
        ("name", spec.defaults.name.is_some()),
        ("tag", spec.defaults.tag.is_some()),
        ("additionalTags", spec.defaults.additional_tags.is_some()),
    ] {
        if set {
            problems.push(Problem {
                path: format!("spec.defaults.{field}"),
                message: format!("{field} is per image: move it to the entries under spec.images"),
            });
        }
    }
    if spec.images.is_empty() {
        problems.push(Problem {
            path: "spec.images".into(),
            message: "spec.images is empty: list at least one image".into(),
        });
    }

    let mut labels = Map::new();
    labels.insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
    let mut annotations = Map::new();
    annotations.insert(GENERATED_BY_ANNOTATION.into(), owner.into());
    let meta = ObjectMeta {
        labels,
        annotations,
        ..Default::default()
    };

    let mut first_use: BTreeMap<&str, usize> = BTreeMap::new();
    let mut accounts: Vec<(&ServiceAccountSpec, String)> = Vec::new();
    let mut images = Vec::new();
    for (index, image) in spec.images.iter().enumerate() {
        if let Some(name) = image.name.as_deref()
            && let Some(first) = first_use.insert(name, index)
        {
            first_use.insert(name, first);
            problems.push(Problem {
                path: format!("spec.images[{index}].name"),
                message: format!(
                    "image {name:?}: duplicate image name, also used by spec.images[{first}]"
                ),
            });
            continue;
        }
        let (sa, sa_path) = match (&image.service_account, &spec.defaults.service_account) {
            (Some(sa), _) => (Some(sa), format!("spec.images[{index}].serviceAccount")),
            (None, Some(sa)) => (Some(sa), "spec.defaults.serviceAccount".to_string()),
            (None, None) => (None, String::new()),
        };
        if let Some(ServiceAccountSetting::Spec(sa)) = sa {
            check_service_account(sa, &sa_path, &accounts, &mut problems);
            if sa.create && !accounts.iter().any(|(a, _)| a.name == sa.name) {
                accounts.push((sa, sa_path));
            }
        }
        match Entry::new(index, image, &spec.defaults).expand(namespace, &meta) {
            Ok(img) => images.push(img),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        // A problem in a shared default shows up once per image; report it once.
        let mut seen = std::collections::BTreeSet::new();
        problems.retain(|p| seen.insert((p.path.clone(), p.message.clone())));
        return Err(problems);
    }
    let mut out: Vec<Value> = accounts
        .iter()
        .map(|(sa, _)| expand::service_account(sa, namespace, &meta))
        .collect();
    out.extend(
        images
            .iter()
            .map(|i| serde_json::to_value(i).expect("an Image serializes")),
    );
    Ok(out)
}

fn check_service_account(
    sa: &ServiceAccountSpec,
    path: &str,
    accounts: &[(&ServiceAccountSpec, String)],
    problems: &mut Vec<Problem>,
) {
    for (i, secret) in sa.secrets.iter().enumerate() {
        if !kpack_api::names::is_dns1123_subdomain(secret) {
            problems.push(Problem {
                path: format!("{path}.secrets[{i}]"),
                message: format!("secret name {secret:?} is not a valid Kubernetes name"),
            });
        }
    }
    if !sa.create && !sa.secrets.is_empty() {
        problems.push(Problem {
            path: format!("{path}.secrets"),
            message: format!(
                "secrets are only used when krmwasm creates the service account: set {path}.create: true, or remove secrets"
            ),
        });
    }
    if sa.create
        && let Some((other, other_path)) = accounts.iter().find(|(a, _)| a.name == sa.name)
        && other.secrets != sa.secrets
    {
        problems.push(Problem {
            path: path.to_string(),
            message: format!(
                "service account {:?} is also created at {other_path} with other secrets: define it once, in spec.defaults",
                sa.name
            ),
        });
    }
}

fn owned_by(item: &Value, owner: &str) -> bool {
    item.annotation(GENERATED_BY_ANNOTATION) == Some(owner)
}

/// Puts `generated` into `items`: an object this config generated before is replaced in place
/// (same file and comments), one it no longer generates is removed, a new one is appended.
/// An object of the same kind and name that this config does not own is a conflict.
fn merge(
    items: &mut Vec<Value>,
    generated: Vec<Value>,
    owner: &str,
) -> Result<(), (String, String)> {
    for new in &generated {
        if let Some(existing) = items
            .iter()
            .find(|i| i.same_object(new) && !owned_by(i, owner))
        {
            let what = format!(
                "{} {}{}",
                new.kind().unwrap_or_default(),
                new.namespace().map(|n| format!("{n}/")).unwrap_or_default(),
                new.name().unwrap_or_default()
            );
            let file = existing
                .file_ref()
                .map(|f| format!(" (in {})", f.path))
                .unwrap_or_default();
            return Err((
                "spec.images".into(),
                format!(
                    "{what} already exists{file} and was not generated by {owner}: rename the image or remove the existing object"
                ),
            ));
        }
    }
    let mut pending: Vec<Option<Value>> = generated.into_iter().map(Some).collect();
    let mut merged = Vec::with_capacity(items.len() + pending.len());
    for item in items.drain(..) {
        if !owned_by(&item, owner) {
            merged.push(item);
            continue;
        }
        if let Some(slot) = pending
            .iter_mut()
            .find(|p| p.as_ref().is_some_and(|n| n.same_object(&item)))
        {
            let mut new = slot.take().expect("slot checked above");
            carry_orchestrator_annotations(&item, &mut new);
            merged.push(new);
        }
        // else: generated before, no longer configured: dropped.
    }
    merged.extend(pending.into_iter().flatten());
    *items = merged;
    Ok(())
}

#[cfg(test)]
mod tests;
