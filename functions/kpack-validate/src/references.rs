//! What the webhook cannot see: references between the objects of the set, duplicates, and
//! tags that collide.

use crate::Entry;
use crate::config::LevelOrIgnore;
use crate::kept::{Kept, Pointer};
use crate::report::{Report, Rule};
use crate::settings::Settings;
use kpack_api::reference::{ImageRef, Tag};
use krm::Severity;
use serde_json::Value;
use std::collections::HashMap;

pub fn check(
    entries: &[Entry],
    service_accounts: &ServiceAccounts,
    settings: &Settings,
    report: &mut Report,
) {
    duplicates(entries, report);
    let set = Set::new(entries);
    let tags = Tags::new(entries);
    for e in entries {
        let Some(object) = &e.object else { continue };
        service_accounts.check_reference(e, object, settings, report);
        match e.kind {
            "Image" => {
                let kind = str_of(object, "/spec/builder/kind");
                let name = str_of(object, "/spec/builder/name");
                if matches!(kind, "Builder" | "ClusterBuilder") && !name.is_empty() {
                    set.require(e, kind, name, "spec.builder.name", settings, report);
                }
                same_tag(e, object, &tags, report);
            }
            "Build" => {
                if let Some(r) = object.pointer("/spec/builder/ref") {
                    let (kind, name) = (str_of(r, "/kind"), str_of(r, "/name"));
                    if matches!(kind, "Builder" | "ClusterBuilder") && !name.is_empty() {
                        set.require(e, kind, name, "spec.builder.ref.name", settings, report);
                    }
                }
            }
            "Builder" | "ClusterBuilder" => builder_references(&set, e, object, settings, report),
            _ => {}
        }
    }
}

fn str_of<'v>(v: &'v impl Pointer, pointer: &str) -> &'v str {
    v.at(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// Two objects with one kind, namespace and name: in one file, a mistake (applying keeps only
/// the last); in two files, maybe alternatives kept side by side, so a warning.
fn duplicates(entries: &[Entry], report: &mut Report) {
    let mut seen: HashMap<(&str, Option<&str>, &str), &Entry> = HashMap::new();
    for e in entries {
        let Some(name) = e.name.as_deref() else {
            continue;
        };
        let key = (e.kind, e.namespace.as_deref(), name);
        let Some(first) = seen.get(&key) else {
            seen.insert(key, e);
            continue;
        };
        fn file(x: &Entry) -> Option<&str> {
            x.file.as_ref().map(|f| f.path.as_str())
        }
        let (here, there) = (file(e), file(first));
        if here == there {
            report.error(
                e.index,
                Rule::Reference,
                "metadata.name",
                format!(
                    "{} {name} is defined twice in this file: applying it keeps only the last one",
                    e.kind
                ),
            );
        } else {
            report.warning(
                e.index,
                Rule::Reference,
                "metadata.name",
                format!(
                    "{} {name} is also defined in {}: if both are applied, the last one wins",
                    e.kind,
                    there.unwrap_or("another document")
                ),
            );
        }
    }
}

/// The objects of the set, indexed by kind and name.
struct Set<'a> {
    entries: &'a [Entry],
    by_kind_and_name: HashMap<(&'a str, &'a str), Vec<&'a Entry>>,
}

impl<'a> Set<'a> {
    fn new(entries: &'a [Entry]) -> Self {
        let mut by_kind_and_name: HashMap<(&str, &str), Vec<&Entry>> = HashMap::new();
        for e in entries {
            if let Some(name) = e.name.as_deref() {
                by_kind_and_name.entry((e.kind, name)).or_default().push(e);
            }
        }
        Set {
            entries,
            by_kind_and_name,
        }
    }

    /// The object `kind`/`name`, in `namespace` for namespaced kinds (an object without a
    /// namespace matches any: kustomize or kpt may set it later).
    fn find(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&Entry> {
        self.by_kind_and_name
            .get(&(kind, name))?
            .iter()
            .copied()
            .find(|e| {
                kind.starts_with("Cluster")
                    || namespace.is_none()
                    || e.namespace.is_none()
                    || e.namespace.as_deref() == namespace
            })
    }

    fn require(
        &self,
        from: &Entry,
        kind: &str,
        name: &str,
        path: &str,
        settings: &Settings,
        report: &mut Report,
    ) {
        if self.find(kind, from.namespace.as_deref(), name).is_some() {
            return;
        }
        let severity = match settings.external_references {
            LevelOrIgnore::Ignore => return,
            LevelOrIgnore::Warning => Severity::Warning,
            LevelOrIgnore::Error => Severity::Error,
        };
        let scope = match (kind.starts_with("Cluster"), from.namespace.as_deref()) {
            (false, Some(ns)) => format!(" in namespace {ns}"),
            _ => String::new(),
        };
        report.add(from.index, severity, Rule::Reference, path, format!(
            "{kind} {name}{scope} is not in the input: it must exist in the cluster (set externalReferences in a ValidatorConfig to change how this is reported)"
        ));
    }
}

/// The input's ServiceAccounts (`v1`), by namespace and name.
///
/// Most ServiceAccounts a kpack object names live in the cluster, with registry credentials
/// that stay out of a repository, and the input often holds others (an app's own, for its
/// Deployment): one missing from the input says nothing. One missing whose name is a near
/// miss of one the input has in the same namespace is likely a typo, and kpack would refuse
/// to build with it, in the cluster, after merge.
#[derive(Debug, Default)]
pub struct ServiceAccounts(Vec<(Option<String>, String)>);

impl ServiceAccounts {
    /// Notes `item` when it is a ServiceAccount.
    pub fn note(&mut self, item: &Value) {
        use krm::Object;
        if item.api_version() == Some("v1")
            && item.kind() == Some("ServiceAccount")
            && let Some(name) = item.name()
        {
            self.0
                .push((item.namespace().map(str::to_string), name.to_string()));
        }
    }

    /// Reports `e`'s ServiceAccount when it is missing and a near miss of one in the input.
    fn check_reference(&self, e: &Entry, object: &Kept, settings: &Settings, report: &mut Report) {
        let severity = match settings.external_references {
            _ if self.0.is_empty() => return,
            LevelOrIgnore::Ignore => return,
            LevelOrIgnore::Warning => Severity::Warning,
            LevelOrIgnore::Error => Severity::Error,
        };
        let Some((name, namespace, path)) = service_account_of(e, object) else {
            return;
        };
        // Namespaces match as Set::find matches them: one left unset may be set later.
        let of_namespace = || {
            self.0
                .iter()
                .filter(|(ns, _)| namespace.is_none() || ns.is_none() || ns.as_deref() == namespace)
                .map(|(_, sa)| sa.as_str())
        };
        if name == "default" || of_namespace().any(|sa| sa == name) {
            return;
        }
        let Some(meant) = krm::suggest::slip_from(name, of_namespace()) else {
            return;
        };
        let scope = namespace.map_or_else(String::new, |ns| format!(" in namespace {ns}"));
        report.add(e.index, severity, Rule::Reference, path, format!(
            "ServiceAccount {name} is not in the input, but {meant} is{scope}: is one of the two names misspelt? (If {name} exists in the cluster, set externalReferences in a ValidatorConfig to change how this is reported.)"
        ));
    }
}

/// The ServiceAccount `e` runs with: its name, namespace and the field naming it. Namespaced
/// kinds name one of their namespace (`default` unless set; v1alpha1 calls the field
/// `serviceAccount`), cluster-scoped kinds an optional reference with both.
fn service_account_of<'o>(
    e: &'o Entry,
    object: &'o Kept,
) -> Option<(&'o str, Option<&'o str>, &'static str)> {
    match e.kind {
        "Image" | "Build" | "Builder" | "Buildpack" => {
            let (name, path) = match str_of(object, "/spec/serviceAccountName") {
                "" => (
                    str_of(object, "/spec/serviceAccount"),
                    "spec.serviceAccount",
                ),
                name => (name, "spec.serviceAccountName"),
            };
            let name = if name.is_empty() { "default" } else { name };
            Some((name, e.namespace.as_deref(), path))
        }
        "ClusterBuilder" | "ClusterStack" | "ClusterStore" | "ClusterBuildpack"
        | "ClusterLifecycle" => {
            let name = str_of(object, "/spec/serviceAccountRef/name");
            let namespace = str_of(object, "/spec/serviceAccountRef/namespace");
            (!name.is_empty() && !namespace.is_empty()).then_some((
                name,
                Some(namespace),
                "spec.serviceAccountRef.name",
            ))
        }
        _ => None,
    }
}

/// Who pushes to which tag (normalized), to find Images that overwrite a builder or each other.
struct Tags<'a> {
    builders: HashMap<String, &'a Entry>,
    first_image: HashMap<String, &'a Entry>,
}

fn normalized_tag(object: &Kept) -> Option<String> {
    Tag::parse(str_of(object, "/spec/tag"))
        .map(|t| t.to_string())
        .ok()
}

impl<'a> Tags<'a> {
    fn new(entries: &'a [Entry]) -> Self {
        let mut tags = Tags {
            builders: HashMap::new(),
            first_image: HashMap::new(),
        };
        for e in entries {
            let Some(tag) = e.object.as_ref().and_then(normalized_tag) else {
                continue;
            };
            match e.kind {
                "Builder" | "ClusterBuilder" => {
                    tags.builders.entry(tag).or_insert(e);
                }
                "Image" => {
                    tags.first_image.entry(tag).or_insert(e);
                }
                _ => {}
            }
        }
        tags
    }
}

fn same_tag(image: &Entry, object: &Kept, tags: &Tags, report: &mut Report) {
    let Some(tag) = normalized_tag(object) else {
        return;
    };
    if let Some(other) = tags.first_image.get(&tag)
        && other.index != image.index
        && other.name != image.name
    {
        report.warning(
            image.index,
            Rule::Reference,
            "spec.tag",
            format!(
                "Image {} pushes to the same tag ({tag}): the two overwrite each other's builds",
                other.name.as_deref().unwrap_or_default()
            ),
        );
    }
    if let Some(b) = tags.builders.get(&tag) {
        report.warning(image.index, Rule::Reference, "spec.tag", format!(
            "{} {} pushes to the same tag ({tag}): every build of this Image overwrites the builder image",
            b.kind,
            b.name.as_deref().unwrap_or_default()
        ));
    }
}

fn builder_references(
    set: &Set,
    e: &Entry,
    object: &Kept,
    settings: &Settings,
    report: &mut Report,
) {
    let stack = str_of(object, "/spec/stack/name");
    if !stack.is_empty() {
        set.require(
            e,
            "ClusterStack",
            stack,
            "spec.stack.name",
            settings,
            report,
        );
    }
    let store_name = str_of(object, "/spec/store/name");
    let store = (!store_name.is_empty())
        .then(|| set.find("ClusterStore", None, store_name))
        .flatten();
    if !store_name.is_empty() {
        set.require(
            e,
            "ClusterStore",
            store_name,
            "spec.store.name",
            settings,
            report,
        );
    }
    let lifecycle = str_of(object, "/spec/lifecycle/name");
    if !lifecycle.is_empty() && lifecycle != kpack_api::v1alpha2::DEFAULT_LIFECYCLE {
        set.require(
            e,
            "ClusterLifecycle",
            lifecycle,
            "spec.lifecycle.name",
            settings,
            report,
        );
    }

    // Images that can provide buildpacks by id to this builder.
    let mut providers: Vec<&str> = Vec::new();
    if let Some(store) = store.and_then(|s| s.object.as_ref()) {
        providers.extend(
            store
                .pointer("/spec/sources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|s| str_of(s, "/image")),
        );
    }
    for bp in set.entries.iter().filter(|b| {
        b.kind == "ClusterBuildpack"
            || (b.kind == "Buildpack" && (b.namespace.is_none() || b.namespace == e.namespace))
    }) {
        if let Some(image) = bp
            .object
            .as_ref()
            .and_then(|o| o.pointer("/spec/image"))
            .and_then(Value::as_str)
        {
            providers.push(image);
        }
    }

    let groups = object
        .pointer("/spec/order")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (i, entry) in groups.enumerate() {
        let refs = entry
            .get("group")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (j, r) in refs.enumerate() {
            let path = |f: &str| format!("spec.order[{i}].group[{j}].{f}");
            let (kind, name, id) = (str_of(r, "/kind"), str_of(r, "/name"), str_of(r, "/id"));
            if matches!(kind, "Buildpack" | "ClusterBuildpack") && !name.is_empty() {
                set.require(e, kind, name, &path("name"), settings, report);
            } else if !id.is_empty()
                && !providers.is_empty()
                && !providers.iter().any(|p| provides(p, id))
            {
                report.warning(e.index, Rule::Reference, &path("id"), format!(
                    "no ClusterStore source, Buildpack or ClusterBuildpack in the input looks like it provides {id} (by image repository name); kpack reads ids from image metadata when it builds, so check the store"
                ));
            }
        }
    }
}

/// Whether an image looks like it provides buildpack `id`: its repository ends with the id
/// (`gcr.io/paketo-buildpacks/java` provides `paketo-buildpacks/java`), or with its last part.
/// Composite images (a whole builder used as a store source) are not distinguishable offline,
/// so the caller only warns.
fn provides(image: &str, id: &str) -> bool {
    let Ok(r) = ImageRef::parse(image) else {
        return false;
    };
    let repo = r.repository().repository.as_str();
    let last = id.rsplit('/').next().unwrap_or(id);
    repo == id
        || repo.ends_with(&format!("/{id}"))
        || repo.rsplit('/').next() == Some(last)
        || repo.ends_with("builder")
        || repo.contains("/builder")
}
