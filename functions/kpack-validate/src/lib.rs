//! `kpack-validate`: checks kpack resources offline, before merge, the way kpack's admission
//! webhook would (schema with strict decoding, kpack's defaults, every webhook rule with
//! kpack's field paths), then what the webhook cannot see: references between the objects of
//! the set, and policy from an optional `ValidatorConfig`. Items pass through unchanged.

pub mod config;
mod kept;
mod paths;
mod placeholder;
mod policy;
mod references;
mod report;
mod schema_check;
mod settings;
mod validation;

use kept::Pointer;
use kpack_api::kinds::{self, Scope};
use krm::{Diagnostic, FileRef, Format, Object, Outcome, ResourceList, ResourceRef, Severity};
use report::{Report, Rule};
use schema_check::{Problem, SchemaChecker};
pub use schema_check::{key as check_schema_key, prepare};
use serde_json::Value;
use settings::Settings;
use std::borrow::Cow;
pub use validation::Validation;

pub const FUNCTION_NAME: &str = "kpack-validate";

/// Groups kpack used before `kpack.io`; no kpack release serves them now.
const LEGACY_GROUPS: [&str; 2] = ["build.pivotal.io", "experimental.kpack.pivotal.io"];

/// One kpack object of the input, as the set-level checks see it, once the item is gone.
pub struct Entry {
    pub index: usize,
    pub version: &'static str,
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// The file the orchestrator read the object from.
    pub file: Option<FileRef>,
    /// The object after kpack's defaults, or as written (v1alpha1, and kinds whose defaults
    /// change nothing the set-level checks read); `None` when it does not decode. Of Images
    /// and Builds, only what the set-level checks read (see [`kept`]).
    pub object: Option<kept::Kept>,
}

impl Entry {
    /// The `resourceRef` of results about this object (the item's, which had this kind's
    /// apiVersion to be an entry at all).
    fn resource_ref(&self) -> Option<ResourceRef> {
        Some(ResourceRef {
            api_version: format!("{}/{}", kpack_api::GROUP, self.version),
            kind: self.kind.to_string(),
            name: self.name.clone()?,
            namespace: self.namespace.clone(),
        })
    }
}

/// The function as it runs on stdin and stdout, without stdio: JSON or YAML `input`, the
/// output in `format`. JSON input is validated one item at a time (see [`krm::validator`]).
pub fn process_input(input: &[u8], format: Format) -> Outcome {
    krm::process_validator(FUNCTION_NAME, input, format, Validation::start)
}

/// The function as a KRM processor over a list held as trees: [`validate`]'s results added.
pub fn process(list: &mut ResourceList) -> Result<(), krm::Failure> {
    let results = validate(list)?;
    list.results.extend(results);
    Ok(())
}

/// Validates every kpack object in `list`; results only, items untouched.
pub fn validate(list: &ResourceList) -> Result<Vec<Diagnostic>, krm::Failure> {
    krm::validate_items(
        &list.items,
        Validation::start(list.function_config.as_ref()),
    )
}

/// The per-object checks: group, kind, schema, kpack's defaults and webhook rules. Returns
/// what the set-level checks need of a kpack object, keeping of it what `keep` says.
fn check_item(
    index: usize,
    item: &Value,
    settings: &Settings,
    checker: &mut SchemaChecker,
    report: &mut Report,
    keep: kept::Keep,
) -> Option<Entry> {
    let api_version = item.api_version().unwrap_or_default();
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
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
        version: info.version,
        kind: info.kind,
        namespace: item.namespace().map(str::to_string),
        name: item.name().map(str::to_string),
        file: item.file_ref(),
        object: None,
    };
    object_metadata_checks(&entry, item, info.scope, report);

    let problems = checker.check(info, item);
    let mut blocking = false;
    for problem in &problems {
        match problem {
            Problem::UnknownField {
                path, field, meant, ..
            } => {
                let meant = match meant {
                    Some(meant) => format!(" (did you mean {meant:?}?)"),
                    None => String::new(),
                };
                let message = format!(
                    "unknown field {field:?}{meant}: kpack's webhook decodes strictly and refuses fields it does not know"
                );
                let severity = if settings.unknown_fields_are_errors {
                    blocking = true;
                    Severity::Error
                } else {
                    Severity::Warning
                };
                report.unknown_field(index, severity, path, message);
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
    let object = match (info.admit, info.check) {
        (Some(admit), _) if needs_defaults => match admit(&tolerated, &settings.context) {
            Ok(admission) => {
                report_webhook_errors(index, &admission.errors, report);
                Some(Cow::Owned(admission.defaulted))
            }
            Err(e) => {
                report.error(index, Rule::Schema, &e.path, e.message);
                None
            }
        },
        (_, Some(check)) => match check(&tolerated, &settings.context) {
            Ok(errors) => {
                report_webhook_errors(index, &errors, report);
                Some(tolerated)
            }
            Err(e) => {
                report.error(index, Rule::Schema, &e.path, e.message);
                None
            }
        },
        _ => {
            if info.version == "v1alpha1" {
                admit_v1alpha1(&entry, &tolerated, settings, report);
            }
            Some(tolerated)
        }
    };
    if let Some(object) = object {
        context_dependent_checks(&entry, &object, settings, report);
        entry.object = Some(keep.of(info.kind, object));
    }
    Some(entry)
}

fn report_webhook_errors(index: usize, errors: &[kpack_api::FieldError], report: &mut Report) {
    for e in errors {
        report.error(index, Rule::Webhook, e.path(), with_placeholder_hint(e));
    }
}

/// kpack's message for `e`, and a hint when the value it refuses is a placeholder.
fn with_placeholder_hint(e: &kpack_api::FieldError) -> String {
    let mut message = e.to_string();
    if let Some(hint) = placeholder::hint(&e.message) {
        message.push('\n');
        message.push_str(&hint);
    }
    message
}

/// kpack's webhook never sees v1alpha1, but kpack converts it to v1alpha2 to store it, and a
/// bad reference breaks the build all the same: check the converted object with v1alpha2's
/// rules and report in v1alpha1's field names.
fn admit_v1alpha1(entry: &Entry, object: &Value, settings: &Settings, report: &mut Report) {
    let converted = kpack_api::v1alpha1::to_v1alpha2(object);
    let Some(check) =
        kinds::lookup(kpack_api::v1alpha2::API_VERSION, entry.kind).and_then(|k| k.check)
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
                    kpack_api::v1alpha1::to_v1alpha1_path(&with_placeholder_hint(e))
                ),
            );
        }
    }
}

/// What the API server would ignore or refuse in metadata.
fn object_metadata_checks(entry: &Entry, item: &Value, scope: Scope, report: &mut Report) {
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
        let message = if item
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
    // What the API server would refuse of the build pod kpack makes: from the build settings
    // and the service account.
    let build = match entry.kind {
        "Image" => Some(("/spec/build", "spec.build")),
        "Build" => Some(("/spec", "spec")),
        _ => None,
    };
    if let Some((pointer, base)) = build {
        let mut problems = object
            .at(pointer)
            .map(|build| kpack_api::pod::check(build, base))
            .unwrap_or_default();
        if let Some(name) = object
            .at("/spec/serviceAccountName")
            .and_then(Value::as_str)
        {
            problems.extend(kpack_api::pod::check_service_account(
                name,
                "spec.serviceAccountName",
            ));
        }
        for (path, message) in problems {
            report.error(entry.index, Rule::Pod, &path, message);
        }
    }
    // The claim kpack makes for a volume cache.
    if entry.kind == "Image"
        && let Some(problem) = object
            .at("/spec/cache/volume/size")
            .and_then(kpack_api::pod::cache_claim_problem)
    {
        report.error(entry.index, Rule::Pod, "spec.cache.volume.size", problem);
    }
    // Known either way, kpack's rule has run: an error without a default StorageClass.
    if entry.kind == "Image"
        && object.at("/spec/cache/volume").is_some()
        && settings.context.default_storage_class.is_none()
    {
        report.warning(entry.index, Rule::Webhook, "spec.cache.volume",
            "kpack refuses a volume cache, even one with a storageClassName, when the cluster has no default StorageClass; say whether it has one with defaultStorageClass in the ValidatorConfig".to_string());
    }
}

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
