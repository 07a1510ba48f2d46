//! `kpack-validate`: checks kpack resources offline, before merge, the way kpack's admission
//! webhook would (schema with strict decoding, kpack's defaults, every webhook rule with
//! kpack's field paths), then what the webhook cannot see: references between the objects of
//! the set, and policy from an optional `ValidatorConfig`. Items pass through unchanged.

pub mod config;
mod paths;
mod policy;
mod references;
mod report;
mod schema_check;
mod settings;

use kpack_api::kinds::{self, Scope};
use krm::{Diagnostic, Failure, Object, ResourceList};
use report::{Report, Rule};
pub use schema_check::prepare;
use schema_check::{Problem, SchemaChecker};
use serde_json::Value;
use settings::Settings;
use std::borrow::Cow;

pub const FUNCTION_NAME: &str = "kpack-validate";

/// Groups kpack used before `kpack.io`; no kpack release serves them now.
const LEGACY_GROUPS: [&str; 2] = ["build.pivotal.io", "experimental.kpack.pivotal.io"];

/// One kpack object of the input, as the set-level checks see it.
pub struct Entry<'a> {
    pub index: usize,
    pub item: &'a Value,
    pub version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// The object after kpack's defaults, or as written (v1alpha1, and kinds whose defaults
    /// change nothing the set-level checks read); `None` when it does not decode.
    pub object: Option<Cow<'a, Value>>,
}

/// The function as a KRM processor: [`validate`]'s results added to the list.
pub fn process(list: &mut ResourceList) -> Result<(), Failure> {
    let results = validate(list)?;
    list.results.extend(results);
    Ok(())
}

/// Validates every kpack object in `items`; results only, items untouched.
pub fn validate(list: &ResourceList) -> Result<Vec<Diagnostic>, Failure> {
    let settings = Settings::from_function_config(list.function_config.as_ref(), &list.items)?;
    let mut report = Report::new();
    let mut checker = SchemaChecker::default();
    let mut entries = Vec::new();
    for (index, item) in list.items.iter().enumerate() {
        if let Some(entry) = check_item(index, item, &settings, &mut checker, &mut report) {
            entries.push(entry);
        }
    }
    references::check(&entries, &settings, &mut report);
    policy::check(&entries, &settings, &mut report);
    Ok(report.into_results(&list.items, entries.len()))
}

/// The per-object checks: group, kind, schema, kpack's defaults and webhook rules.
fn check_item<'a>(
    index: usize,
    item: &'a Value,
    settings: &Settings,
    checker: &mut SchemaChecker,
    report: &mut Report,
) -> Option<Entry<'a>> {
    let api_version = item.api_version().unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = item.kind().unwrap_or_default();
    if LEGACY_GROUPS.contains(&group) {
        report.warning(index, Rule::Legacy, "apiVersion", format!(
            "{api_version} is a legacy kpack API group that no kpack release serves any more; rewrite this {kind} as kpack.io/v1alpha2"
        ));
        return None;
    }
    if group != kpack_api::GROUP {
        return None;
    }
    let Some(info) = kinds::lookup(api_version, kind) else {
        report.error(index, Rule::Schema, "kind", format!(
            "{api_version} has no kind {kind:?}: kpack serves Image, Build, Builder, ClusterBuilder, ClusterStack, ClusterStore, Buildpack, ClusterBuildpack, ClusterLifecycle and SourceResolver"
        ));
        return None;
    };
    let mut entry = Entry {
        index,
        item,
        version: version.to_string(),
        kind: kind.to_string(),
        namespace: item.namespace().map(str::to_string),
        name: item.name().map(str::to_string),
        object: None,
    };
    object_metadata_checks(&entry, info.scope, report);

    let problems = checker.check(info, item);
    let mut blocking = false;
    for problem in &problems {
        match problem {
            Problem::UnknownField { path, field, .. } => {
                let message = format!(
                    "unknown field {field:?}: kpack's webhook decodes strictly and refuses fields it does not know"
                );
                if settings.unknown_fields_are_errors {
                    blocking = true;
                    report.error(index, Rule::Schema, path, message);
                } else {
                    report.warning(index, Rule::Schema, path, message);
                }
            }
            // kpack's rules report missing fields in kpack's words; v1alpha1 has no rules.
            Problem::Missing { path } if info.admit.is_none() => {
                blocking = true;
                report.error(index, Rule::Schema, path, "missing field(s)".to_string());
            }
            Problem::Missing { .. } => {}
            Problem::Invalid { path, message } => {
                blocking = true;
                report.error(index, Rule::Schema, path, message.clone());
            }
        }
    }
    if blocking {
        return Some(entry);
    }
    // Copy the object only when tolerated unknown fields have to come out first.
    let tolerated = if problems
        .iter()
        .any(|p| matches!(p, Problem::UnknownField { .. }))
    {
        let mut copy = item.clone();
        schema_check::remove_unknown_fields(&mut copy, &problems);
        Cow::Owned(copy)
    } else {
        Cow::Borrowed(item)
    };
    // kpack's defaults touch nothing the set-level checks read on Images and Builds (the bulk
    // of a large set), so those keep the object as written and skip rebuilding it.
    let needs_defaults = !matches!(kind, "Image" | "Build");
    match (info.admit, info.check) {
        (Some(admit), _) if needs_defaults => match admit(&tolerated, &settings.context) {
            Ok(admission) => {
                report_webhook_errors(index, &admission.errors, report);
                entry.object = Some(Cow::Owned(admission.defaulted));
            }
            Err(e) => report.error(index, Rule::Schema, &e.path, e.message),
        },
        (_, Some(check)) => match check(&tolerated, &settings.context) {
            Ok(errors) => {
                report_webhook_errors(index, &errors, report);
                entry.object = Some(tolerated);
            }
            Err(e) => report.error(index, Rule::Schema, &e.path, e.message),
        },
        _ => {
            if info.version == "v1alpha1" {
                admit_v1alpha1(&entry, &tolerated, settings, report);
            }
            entry.object = Some(tolerated);
        }
    }
    if let Some(object) = &entry.object {
        context_dependent_checks(&entry, object, settings, report);
    }
    Some(entry)
}

fn report_webhook_errors(index: usize, errors: &[kpack_api::FieldError], report: &mut Report) {
    for e in errors {
        report.error(index, Rule::Webhook, e.path(), e.to_string());
    }
}

/// kpack's webhook never sees v1alpha1, but kpack converts it to v1alpha2 to store it, and a
/// bad reference breaks the build all the same: check the converted object with v1alpha2's
/// rules and report in v1alpha1's field names.
fn admit_v1alpha1(entry: &Entry, object: &Value, settings: &Settings, report: &mut Report) {
    let converted = kpack_api::v1alpha1::to_v1alpha2(object);
    let Some(check) =
        kinds::lookup(kpack_api::v1alpha2::API_VERSION, &entry.kind).and_then(|k| k.check)
    else {
        return;
    };
    if let Ok(errors) = check(&converted, &settings.context) {
        for e in &errors {
            report.error(
                entry.index,
                Rule::Webhook,
                &kpack_api::v1alpha1::to_v1alpha1_path(e.path()),
                format!(
                    "{} (kpack's v1alpha2 rule, applied to this v1alpha1 object as kpack stores it)",
                    kpack_api::v1alpha1::to_v1alpha1_path(&e.to_string())
                ),
            );
        }
    }
}

/// What the API server would ignore or refuse in metadata.
fn object_metadata_checks(entry: &Entry, scope: Scope, report: &mut Report) {
    if scope == Scope::Cluster && entry.namespace.is_some() {
        report.warning(
            entry.index,
            Rule::Metadata,
            "metadata.namespace",
            format!(
                "{} is cluster-scoped: the API server ignores metadata.namespace; remove it",
                entry.kind
            ),
        );
    }
    if entry.name.is_none() {
        let message = if entry
            .item
            .get("metadata")
            .and_then(|m| m.get("generateName"))
            .is_some()
        {
            "metadata.generateName works with `kubectl create` only: `kubectl apply` and GitOps tools need metadata.name"
        } else {
            "metadata.name is missing"
        };
        report.warning(
            entry.index,
            Rule::Metadata,
            "metadata.name",
            message.to_string(),
        );
    }
}

/// Checks whose outcome depends on the cluster or on kpack behaviour the webhook leaves open.
fn context_dependent_checks(
    entry: &Entry,
    object: &Value,
    settings: &Settings,
    report: &mut Report,
) {
    if entry.version != "v1alpha2" {
        report.warning(entry.index, Rule::Legacy, "apiVersion", format!(
            "kpack.io/{} is deprecated, and kpack's webhook neither defaults nor validates it; use kpack.io/v1alpha2",
            entry.version
        ));
        return;
    }
    if entry.kind == "Image"
        && let Some(volume) = object.pointer("/spec/cache/volume")
        && volume.get("size").is_some()
        && volume.get("storageClassName").is_none()
        && settings.context.default_storage_class.is_none()
    {
        report.warning(entry.index, Rule::Webhook, "spec.cache.volume.storageClassName",
            "a volume cache without storageClassName is refused when the cluster has no default StorageClass; set storageClassName, or defaultStorageClass in the ValidatorConfig".to_string());
    }
    if entry.kind == "Builder" && object.pointer("/spec/store").is_none() {
        report.warning(entry.index, Rule::Webhook, "spec.store",
            "kpack defaults store.kind on a Builder even when it has no store, and may then refuse it with `missing field(s): spec.store.name`; give the Builder a store, or check with your kpack version".to_string());
    }
}

#[cfg(test)]
mod tests;
