//! `kp import`'s DependencyDescriptor (`kp.kpack.io/v1`, `v1alpha3`, `v1alpha1`), expanded
//! offline into what `kp import` would create.
//!
//! Differences from kp, all stated in results: images are used as written (kp relocates them
//! into its default repository and pins digests, which needs a registry); the stack id, which kp
//! reads from the build image's labels, comes from an `id` key on the stack (an extension), or
//! from the well-known Paketo and Heroku stack images. Builder tags and the service account come
//! from a `kp-config` ConfigMap in the input (as kp reads it from the cluster), or from the
//! extensions `defaultRepository` and `serviceAccount` on the descriptor. A field its apiVersion
//! does not have is an error (kp drops it silently), and so is a store without sources. A
//! ClusterStore is written with the descriptor's sources only, where kp adds them to a store
//! that exists in the cluster.

use crate::Problem;
use kpack_api::meta::{ObjectMeta, ObjectReference};
use kpack_api::reference::{ImageRef, Tag};
use kpack_api::v1alpha2::{self as kpack, BuilderOrderEntry};
use krm::Object;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub mod schema;

pub const GROUP: &str = "kp.kpack.io";
pub const KIND: &str = "DependencyDescriptor";
pub const VERSIONS: [&str; 3] = ["v1", "v1alpha3", "v1alpha1"];

/// `kp.kpack.io/v1`, the shape older versions are converted to.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Descriptor {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: Option<ObjectMeta>,
    pub default_cluster_lifecycle: Option<String>,
    /// The clusterBuildpacks entry the ClusterBuildpack `default` is a copy of.
    pub default_cluster_buildpack: Option<String>,
    pub default_cluster_stack: Option<String>,
    pub default_cluster_builder: Option<String>,
    #[serde(default)]
    pub cluster_lifecycles: Vec<Named>,
    #[serde(default)]
    pub cluster_buildpacks: Vec<Named>,
    #[serde(default)]
    pub cluster_stores: Vec<Store>,
    #[serde(default)]
    pub cluster_stacks: Vec<Stack>,
    #[serde(default)]
    pub cluster_builders: Vec<Builder>,
    /// v1alpha3: the lifecycle image, which becomes ClusterLifecycle `default-lifecycle`.
    pub lifecycle: Option<ImageOnly>,
    /// Extension: the repository builder tags go to (kp reads it from its kp-config).
    pub default_repository: Option<String>,
    /// Extension: the service account for stores, stacks and builders (kp reads kp-config).
    pub service_account: Option<ServiceAccount>,
    // v1alpha1 spellings, converted to the v1 fields.
    pub default_stack: Option<String>,
    #[serde(default)]
    pub stores: Vec<Store>,
    #[serde(default)]
    pub stacks: Vec<Stack>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub name: String,
    pub image: String,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageOnly {
    pub image: String,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Store {
    pub name: String,
    #[serde(default)]
    pub sources: Vec<ImageOnly>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Stack {
    pub name: String,
    /// Extension: the CNB stack id (kp reads it from the build image's labels).
    pub id: Option<String>,
    pub build_image: ImageOnly,
    pub run_image: ImageOnly,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Builder {
    pub name: String,
    #[serde(alias = "stack")]
    pub cluster_stack: String,
    #[serde(alias = "store")]
    pub cluster_store: Option<String>,
    /// Extension: the builder's tag (kp: `<default repository>:clusterbuilder-<name>`).
    pub tag: Option<String>,
    #[serde(default)]
    pub order: Vec<BuilderOrderEntry>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccount {
    pub name: String,
    pub namespace: String,
}

/// The stack id of well-known stack build images, by exact repository name (the last two path
/// segments, so mirrors keep working) and, for Paketo's bionic `build` image, the tag. The ids
/// are those of the Paketo stack repositories' `stack.toml` and of Heroku's stacks.
pub fn well_known_stack_id(build_image: &str) -> Option<&'static str> {
    let parsed = ImageRef::parse(build_image).ok()?;
    let mut segments = parsed.repository().repository.rsplit('/');
    let (name, org) = (segments.next()?, segments.next()?);
    let tag = match &parsed {
        ImageRef::Tag(t) => t.tag.as_str(),
        ImageRef::Digest { .. } => "",
    };
    match (org, name) {
        ("paketobuildpacks", "build-jammy-base" | "build-jammy-full") => {
            Some("io.buildpacks.stacks.jammy")
        }
        ("paketobuildpacks", "build-jammy-tiny") => Some("io.buildpacks.stacks.jammy.tiny"),
        ("paketobuildpacks", "build-jammy-static") => Some("io.buildpacks.stacks.jammy.static"),
        ("paketobuildpacks", "build-bionic-base" | "build-bionic-full") => {
            Some("io.buildpacks.stacks.bionic")
        }
        ("paketobuildpacks", "build-bionic-tiny") => Some("io.paketo.stacks.tiny"),
        // The bionic stacks before the per-stack repositories: `build:<version->base-cnb` etc.
        ("paketobuildpacks" | "paketo-buildpacks", "build") if tag.ends_with("-cnb") => {
            if tag.contains("tiny") {
                Some("io.paketo.stacks.tiny")
            } else if tag.ends_with("base-cnb") || tag.ends_with("full-cnb") {
                Some("io.buildpacks.stacks.bionic")
            } else {
                None
            }
        }
        ("heroku", "heroku") => {
            let n: String = tag.chars().take_while(char::is_ascii_digit).collect();
            match n.as_str() {
                "20" => Some("heroku-20"),
                "22" => Some("heroku-22"),
                "24" => Some("heroku-24"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Top-level fields that only some descriptor versions have (kp's per-version Go structs);
/// `apiVersion`, `kind`, `defaultClusterBuilder`, `clusterBuilders`, `metadata` and our
/// extensions are in every version, and keys no version has are left to the decoder.
const TOP_FIELDS: &[(&str, &[&str])] = &[
    ("defaultStack", &["v1alpha1"]),
    ("stores", &["v1alpha1"]),
    ("stacks", &["v1alpha1"]),
    ("lifecycle", &["v1alpha3"]),
    ("defaultClusterStack", &["v1alpha3", "v1"]),
    ("clusterStores", &["v1alpha3", "v1"]),
    ("clusterStacks", &["v1alpha3", "v1"]),
    ("defaultClusterLifecycle", &["v1"]),
    ("defaultClusterBuildpack", &["v1"]),
    ("clusterLifecycles", &["v1"]),
    ("clusterBuildpacks", &["v1"]),
];

/// The same for the fields of a `clusterBuilders` entry (`name`, `order` and the extension
/// `tag` are in every version).
const BUILDER_FIELDS: &[(&str, &[&str])] = &[
    ("stack", &["v1alpha1"]),
    ("store", &["v1alpha1"]),
    ("clusterStack", &["v1alpha3", "v1"]),
    ("clusterStore", &["v1alpha3", "v1"]),
];

/// What another version calls a field, for the hint.
const COUNTERPARTS: &[(&str, &str)] = &[
    ("defaultStack", "defaultClusterStack"),
    ("stores", "clusterStores"),
    ("stacks", "clusterStacks"),
    ("stack", "clusterStack"),
    ("store", "clusterStore"),
    ("lifecycle", "clusterLifecycles"),
];

/// Order group keys of kpack.io/v1alpha2 that v1alpha1 descriptors do not have: their groups
/// are kpack's core buildpack references (`id`, `version`, `optional`).
const V1ALPHA2_ONLY_GROUP_FIELDS: &[&str] = &[
    "kind",
    "name",
    "namespace",
    "uid",
    "apiVersion",
    "resourceVersion",
    "fieldPath",
    "image",
];

/// Fields the descriptor's declared apiVersion does not have. kp decodes each version into its
/// own struct and silently drops such a field; here it is an error at the field, naming the
/// versions that have it.
pub fn version_problems(config: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(version) = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.strip_prefix(GROUP))
        .and_then(|v| v.strip_prefix('/'))
    else {
        return problems;
    };
    let check = |object: &Value, table: &[(&str, &[&str])], at: &str, problems: &mut Vec<_>| {
        let Some(object) = object.as_object() else {
            return;
        };
        for (key, versions) in table {
            if object.contains_key(*key) && !versions.contains(&version) {
                problems.push(Problem::new(
                    format!("{at}{key}"),
                    not_in_version(key, version, versions),
                ));
            }
        }
    };
    check(config, TOP_FIELDS, "", &mut problems);
    let builders = config.get("clusterBuilders").and_then(Value::as_array);
    for (i, builder) in builders.into_iter().flatten().enumerate() {
        check(
            builder,
            BUILDER_FIELDS,
            &format!("clusterBuilders[{i}]."),
            &mut problems,
        );
        if version != "v1alpha1" {
            continue;
        }
        let order = builder.get("order").and_then(Value::as_array);
        for (j, entry) in order.into_iter().flatten().enumerate() {
            let group = entry.get("group").and_then(Value::as_array);
            for (k, reference) in group.into_iter().flatten().enumerate() {
                let Some(reference) = reference.as_object() else {
                    continue;
                };
                for key in V1ALPHA2_ONLY_GROUP_FIELDS {
                    if reference.contains_key(*key) {
                        problems.push(Problem::new(
                            format!("clusterBuilders[{i}].order[{j}].group[{k}].{key}"),
                            format!(
                                "`{key}` is not a field of {GROUP}/v1alpha1 order groups, whose entries have only id, version and optional (kp would drop it); {GROUP}/v1alpha3 and v1 have it"
                            ),
                        ));
                    }
                }
            }
        }
    }
    problems
}

fn not_in_version(key: &str, version: &str, versions: &[&str]) -> String {
    let have: Vec<String> = versions.iter().map(|v| format!("{GROUP}/{v}")).collect();
    let mut message = format!(
        "`{key}` is not a field of {GROUP}/{version} (kp would ignore it): only {} {} it",
        have.join(" and "),
        if have.len() == 1 { "has" } else { "have" },
    );
    let other = COUNTERPARTS.iter().find_map(|&(a, b)| match key {
        k if k == a => Some(b),
        k if k == b => Some(a),
        _ => None,
    });
    let other_versions = other.and_then(|o| {
        TOP_FIELDS
            .iter()
            .chain(BUILDER_FIELDS)
            .find(|(k, _)| *k == o)
            .map(|(_, v)| *v)
    });
    if let (Some(other), Some(vs)) = (other, other_versions)
        && vs.contains(&version)
    {
        message.push_str(&format!("; {GROUP}/{version} has `{other}` instead"));
    }
    message
}

/// Where builder tags go and which service account kpack uses.
struct KpConfig {
    repository: Option<String>,
    service_account: ObjectReference,
    /// Said as an info result: how the kp-config was read, where that may surprise.
    note: Option<String>,
}

fn kp_config(descriptor: &Descriptor, items: &[Value]) -> KpConfig {
    let config_map = items.iter().find(|i| {
        i.kind() == Some("ConfigMap")
            && i.name() == Some("kp-config")
            && i.namespace().is_none_or(|n| n == "kpack")
    });
    let data = |key: &str| {
        config_map
            .and_then(|c| c.pointer(&format!("/data/{}", key.replace('/', "~1"))))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let repository = descriptor
        .default_repository
        .clone()
        .or_else(|| data("default.repository"))
        .or_else(|| data("canonical.repository"));
    let reference = |name: &str, namespace: &str| ObjectReference {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        ..Default::default()
    };
    let mut note = None;
    let service_account = match &descriptor.service_account {
        Some(sa) => reference(&sa.name, &sa.namespace),
        None => {
            let name = data("default.repository.serviceaccount")
                .or_else(|| data("canonical.repository.serviceaccount"));
            let namespace = data("default.repository.serviceaccount.namespace")
                .or_else(|| data("canonical.repository.serviceaccount.namespace"));
            match (name, namespace) {
                (Some(name), namespace) if !name.is_empty() => {
                    reference(&name, namespace.as_deref().unwrap_or("kpack"))
                }
                // kp's KpConfig.ServiceAccount(): with no name, kpack/default, whatever the
                // namespace key says.
                (_, namespace) => {
                    if let Some(ns) = namespace.filter(|ns| ns != "kpack") {
                        note = Some(format!(
                            "the kp-config ConfigMap names the service-account namespace {ns:?} but no service account; like kp, the service account is kpack/default"
                        ));
                    }
                    reference("default", "kpack")
                }
            }
        }
    };
    KpConfig {
        repository,
        service_account,
        note,
    }
}

/// Puts a `default` alias among the objects. kp import creates the entries, then the aliases,
/// so an entry that has the alias's name ends up with the alias's content: the alias replaces
/// it (one object per kind and name), and a note says so.
fn add_alias(
    out: &mut Vec<Value>,
    notes: &mut Vec<String>,
    alias: Value,
    (entries, default_field, target): (&str, &str, &str),
) {
    let kind = alias.kind().unwrap_or_default().to_string();
    let name = alias.name().unwrap_or_default().to_string();
    match out
        .iter()
        .position(|o| o.kind() == Some(kind.as_str()) && o.name() == Some(name.as_str()))
    {
        Some(i) => {
            notes.push(format!(
                "the {entries} entry {name:?} is replaced by the {kind} {name:?} that {default_field}: {target} makes, as kp import does: it creates the entries, then the alias, which overwrites the entry"
            ));
            out[i] = alias;
        }
        None => out.push(alias),
    }
}

/// The objects `kp import` would create, and notes for info results.
pub fn expand(
    d: &Descriptor,
    items: &[Value],
    meta: &ObjectMeta,
) -> Result<(Vec<Value>, Vec<String>), Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut notes = vec![
        "images are used as written: kp import would relocate them into its default repository and pin them by digest, which needs a registry; relocate and pin them before applying if you rely on that".to_string(),
    ];
    let v1alpha1 = d.api_version.ends_with("/v1alpha1");
    let stacks: &[Stack] = if v1alpha1 {
        &d.stacks
    } else {
        &d.cluster_stacks
    };
    let stores: &[Store] = if v1alpha1 {
        &d.stores
    } else {
        &d.cluster_stores
    };
    let (stacks_field, stores_field) = if v1alpha1 {
        ("stacks", "stores")
    } else {
        ("clusterStacks", "clusterStores")
    };
    let (default_stack, default_stack_field) = if v1alpha1 {
        (&d.default_stack, "defaultStack")
    } else {
        (&d.default_cluster_stack, "defaultClusterStack")
    };
    let config = kp_config(d, items);
    notes.extend(config.note.clone());
    let sa = &config.service_account;
    let named = |name: &str| {
        let mut m = meta.clone();
        m.name = Some(name.to_string());
        m
    };
    let object = |kind: &str, name: &str, spec: Value| json!({"apiVersion": kpack::API_VERSION, "kind": kind, "metadata": named(name), "spec": spec});
    let check_image = |image: &str, path: String, problems: &mut Vec<Problem>| {
        if let Err(e) = ImageRef::parse(image) {
            problems.push(Problem::new(
                path,
                format!("{image:?} is not a valid image reference: {e}"),
            ));
        }
    };
    let unique = |names: Vec<(&str, String)>, problems: &mut Vec<Problem>| {
        let mut seen = BTreeSet::new();
        for (name, path) in names {
            if name.is_empty() {
                problems.push(Problem::new(path, "name is required"));
            } else if !seen.insert(name.to_string()) {
                problems.push(Problem::new(
                    path,
                    format!("the name {name:?} is used twice"),
                ));
            }
        }
    };
    unique(
        d.cluster_lifecycles
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), format!("clusterLifecycles[{i}].name")))
            .collect(),
        &mut problems,
    );
    unique(
        d.cluster_buildpacks
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.as_str(), format!("clusterBuildpacks[{i}].name")))
            .collect(),
        &mut problems,
    );
    unique(
        stores
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), format!("{stores_field}[{i}].name")))
            .collect(),
        &mut problems,
    );
    unique(
        stacks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), format!("{stacks_field}[{i}].name")))
            .collect(),
        &mut problems,
    );
    unique(
        d.cluster_builders
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.as_str(), format!("clusterBuilders[{i}].name")))
            .collect(),
        &mut problems,
    );

    // Lifecycles, each with kp-config's service account as kp's lifecycle factory sets it.
    let lifecycle = |image: &str| json!({"image": image, "serviceAccountRef": sa});
    for (i, l) in d.cluster_lifecycles.iter().enumerate() {
        check_image(
            &l.image,
            format!("clusterLifecycles[{i}].image"),
            &mut problems,
        );
        out.push(object("ClusterLifecycle", &l.name, lifecycle(&l.image)));
    }
    // v1alpha3's one lifecycle is converted to the entry `default-lifecycle`.
    if let Some(l) = &d.lifecycle {
        check_image(&l.image, "lifecycle.image".into(), &mut problems);
        out.push(object(
            "ClusterLifecycle",
            kpack::DEFAULT_LIFECYCLE,
            lifecycle(&l.image),
        ));
    }
    if let Some(name) = &d.default_cluster_lifecycle {
        match d.cluster_lifecycles.iter().find(|l| &l.name == name) {
            None => problems.push(Problem::new(
                "defaultClusterLifecycle",
                format!("no clusterLifecycles entry is named {name:?}"),
            )),
            Some(_) if name == kpack::DEFAULT_LIFECYCLE => {}
            Some(l) => add_alias(
                &mut out,
                &mut notes,
                object(
                    "ClusterLifecycle",
                    kpack::DEFAULT_LIFECYCLE,
                    lifecycle(&l.image),
                ),
                ("clusterLifecycles", "defaultClusterLifecycle", name),
            ),
        }
    }
    let buildpack = |image: &str| json!({"image": image, "serviceAccountRef": sa});
    for (i, b) in d.cluster_buildpacks.iter().enumerate() {
        check_image(
            &b.image,
            format!("clusterBuildpacks[{i}].image"),
            &mut problems,
        );
        out.push(object("ClusterBuildpack", &b.name, buildpack(&b.image)));
    }
    if let Some(name) = &d.default_cluster_buildpack {
        match d.cluster_buildpacks.iter().find(|b| &b.name == name) {
            None => problems.push(Problem::new(
                "defaultClusterBuildpack",
                format!("no clusterBuildpacks entry is named {name:?}"),
            )),
            Some(_) if name == "default" => {}
            Some(b) => add_alias(
                &mut out,
                &mut notes,
                object("ClusterBuildpack", "default", buildpack(&b.image)),
                ("clusterBuildpacks", "defaultClusterBuildpack", name),
            ),
        }
    }
    for (i, s) in stores.iter().enumerate() {
        if s.sources.is_empty() {
            problems.push(Problem::new(
                format!("{stores_field}[{i}].sources"),
                format!(
                    "store {:?} has no sources: kp import refuses to create such a store (\"At least one buildpackage must be provided\"), and the ClusterStore written here holds this entry's sources only, which kpack rejects; add at least one `image`",
                    s.name
                ),
            ));
        }
        for (j, source) in s.sources.iter().enumerate() {
            check_image(
                &source.image,
                format!("{stores_field}[{i}].sources[{j}].image"),
                &mut problems,
            );
        }
        out.push(object("ClusterStore", &s.name, json!({"sources": s.sources.iter().map(|x| json!({"image": x.image})).collect::<Vec<_>>(), "serviceAccountRef": sa})));
    }
    let mut stack_objects = Vec::new();
    for (i, s) in stacks.iter().enumerate() {
        check_image(
            &s.build_image.image,
            format!("{stacks_field}[{i}].buildImage.image"),
            &mut problems,
        );
        check_image(
            &s.run_image.image,
            format!("{stacks_field}[{i}].runImage.image"),
            &mut problems,
        );
        let id =
            s.id.clone()
                .or_else(|| well_known_stack_id(&s.build_image.image).map(str::to_string));
        let Some(id) = id else {
            problems.push(Problem::new(
                format!("{stacks_field}[{i}]"),
                format!(
                    "stack {:?}: kp reads the stack id from the build image's labels, which krmwasm cannot do offline; add `id: <stack id>` (e.g. io.buildpacks.stacks.jammy) to this entry",
                    s.name
                ),
            ));
            continue;
        };
        let spec = json!({"id": id, "buildImage": {"image": s.build_image.image}, "runImage": {"image": s.run_image.image}, "serviceAccountRef": sa});
        stack_objects.push((s.name.clone(), spec.clone()));
        out.push(object("ClusterStack", &s.name, spec));
    }
    if let Some(name) = default_stack {
        match stack_objects.iter().find(|(n, _)| n == name) {
            Some(_) if name == "default" => {}
            Some((_, spec)) => add_alias(
                &mut out,
                &mut notes,
                object("ClusterStack", "default", spec.clone()),
                (stacks_field, default_stack_field, name),
            ),
            // Declared, but its id is missing: that is already reported.
            None if stacks.iter().any(|s| &s.name == name) => {}
            None => problems.push(Problem::new(
                default_stack_field,
                format!("no {stacks_field} entry is named {name:?}"),
            )),
        }
    }
    let mut builders = Vec::new();
    for (i, b) in d.cluster_builders.iter().enumerate() {
        let tag = match (&b.tag, &config.repository) {
            (Some(t), _) => t.clone(),
            (None, Some(repo)) => {
                format!("{}:clusterbuilder-{}", repo.trim_end_matches('/'), b.name)
            }
            (None, None) => {
                problems.push(Problem::new(
                    format!("clusterBuilders[{i}]"),
                    "no tag for this builder: kp writes builders to its default repository; add a kp-config ConfigMap (namespace kpack, data default.repository) to the input, `defaultRepository` to the descriptor, or `tag` to this entry",
                ));
                continue;
            }
        };
        if let Err(e) = Tag::parse(&tag) {
            problems.push(Problem::new(
                format!("clusterBuilders[{i}].tag"),
                format!("{tag:?} is not a valid tag: {e}"),
            ));
        }
        let mut spec = json!({
            "tag": tag,
            "stack": ObjectReference::to("ClusterStack", &b.cluster_stack),
            "lifecycle": ObjectReference::to("ClusterLifecycle", kpack::DEFAULT_LIFECYCLE),
            "order": b.order,
            "serviceAccountRef": sa,
        });
        if let Some(store) = &b.cluster_store {
            spec["store"] = json!(ObjectReference::to("ClusterStore", store));
        }
        builders.push((b.name.clone(), spec.clone()));
        out.push(object("ClusterBuilder", &b.name, spec));
    }
    if let Some(name) = &d.default_cluster_builder {
        match builders.iter().find(|(n, _)| n == name) {
            Some(_) if name == "default" => {}
            Some((_, spec)) => {
                let mut spec = spec.clone();
                if b_tag_is_derived(d, name)
                    && let Some(repo) = &config.repository
                {
                    spec["tag"] = json!(format!(
                        "{}:clusterbuilder-default",
                        repo.trim_end_matches('/')
                    ));
                }
                add_alias(
                    &mut out,
                    &mut notes,
                    object("ClusterBuilder", "default", spec),
                    ("clusterBuilders", "defaultClusterBuilder", name),
                );
            }
            // Declared, but it could not be made (no tag): that is already reported.
            None if d.cluster_builders.iter().any(|b| &b.name == name) => {}
            None => problems.push(Problem::new(
                "defaultClusterBuilder",
                format!("no clusterBuilders entry is named {name:?}"),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok((out, notes))
}

/// Whether the builder's tag is kp's derived one (so its `default` alias gets its own tag).
fn b_tag_is_derived(d: &Descriptor, name: &str) -> bool {
    d.cluster_builders
        .iter()
        .any(|b| b.name == name && b.tag.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objects and notes, or the problems as (path, message).
    type Expansion = Result<(Vec<Value>, Vec<String>), Vec<(String, String)>>;

    /// What the function does with `descriptor` (JSON) and `items`: the version check, then
    /// the expansion.
    fn run(descriptor: Value, items: &[Value]) -> Expansion {
        let pairs = |ps: Vec<Problem>| ps.into_iter().map(|p| (p.path, p.message)).collect();
        let misplaced = version_problems(&descriptor);
        if !misplaced.is_empty() {
            return Err(pairs(misplaced));
        }
        let d: Descriptor = serde_json::from_value(descriptor).unwrap();
        expand(&d, items, &ObjectMeta::default()).map_err(pairs)
    }

    /// The field paths of the problems expanding `descriptor` (JSON) reports.
    fn problems(descriptor: Value) -> Vec<String> {
        match run(descriptor, &[]) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_iter().map(|p| p.0).collect(),
        }
    }

    fn kp_config(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "kp-config", "namespace": "kpack"}, "data": data})
    }

    fn repository() -> Value {
        kp_config(json!({"default.repository": "registry.example.com/kp"}))
    }

    /// (kind, name) of each object.
    fn names(objects: &[Value]) -> Vec<(&str, &str)> {
        objects
            .iter()
            .map(|o| (o.kind().unwrap(), o.name().unwrap()))
            .collect()
    }

    fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
        objects
            .iter()
            .find(|o| o.kind() == Some(kind) && o.name() == Some(name))
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    }

    fn descriptor(builder: Value) -> Value {
        json!({
            "apiVersion": "kp.kpack.io/v1", "kind": "DependencyDescriptor",
            "defaultClusterStack": "base", "defaultClusterBuilder": "base",
            "clusterStores": [{"name": "default", "sources": [{"image": "gcr.io/paketo-buildpacks/java"}]}],
            "clusterStacks": [{"name": "base",
                "buildImage": {"image": "registry.example.com/custom/build"},
                "runImage": {"image": "registry.example.com/custom/run"}}],
            "clusterBuilders": [builder],
        })
    }

    #[test]
    fn a_default_that_could_not_be_made_is_not_called_missing() {
        let builder = json!({"name": "base", "clusterStack": "base", "clusterStore": "default",
            "order": [{"group": [{"id": "paketo-buildpacks/java"}]}]});
        // Neither the stack's id nor the builder's tag can be known offline: each is reported
        // once, at its entry, and the defaults naming them are not said to name nothing.
        assert_eq!(
            problems(descriptor(builder.clone())),
            ["clusterStacks[0]", "clusterBuilders[0]"]
        );
        let mut misnamed = descriptor(builder);
        misnamed["defaultClusterBuilder"] = json!("other");
        assert_eq!(
            problems(misnamed),
            [
                "clusterStacks[0]",
                "clusterBuilders[0]",
                "defaultClusterBuilder"
            ]
        );
    }

    #[test]
    fn well_known_stacks() {
        let cases = [
            (
                "paketobuildpacks/build-jammy-base:0.1.120",
                Some("io.buildpacks.stacks.jammy"),
            ),
            (
                "registry.example.com/mirror/paketobuildpacks/build-jammy-full",
                Some("io.buildpacks.stacks.jammy"),
            ),
            (
                "paketobuildpacks/build-jammy-tiny",
                Some("io.buildpacks.stacks.jammy.tiny"),
            ),
            (
                "paketobuildpacks/build-jammy-static:0.0.10",
                Some("io.buildpacks.stacks.jammy.static"),
            ),
            (
                "paketobuildpacks/build-bionic-base",
                Some("io.buildpacks.stacks.bionic"),
            ),
            (
                "paketobuildpacks/build-bionic-full",
                Some("io.buildpacks.stacks.bionic"),
            ),
            (
                "paketobuildpacks/build-bionic-tiny",
                Some("io.paketo.stacks.tiny"),
            ),
            (
                "paketobuildpacks/build:base-cnb",
                Some("io.buildpacks.stacks.bionic"),
            ),
            (
                "paketobuildpacks/build:1.2.3-full-cnb",
                Some("io.buildpacks.stacks.bionic"),
            ),
            (
                "gcr.io/paketo-buildpacks/build:base-cnb",
                Some("io.buildpacks.stacks.bionic"),
            ),
            (
                "paketobuildpacks/build:tiny-cnb",
                Some("io.paketo.stacks.tiny"),
            ),
            (
                "paketobuildpacks/build:1.3.64-tiny-cnb",
                Some("io.paketo.stacks.tiny"),
            ),
            ("heroku/heroku:22-cnb-build", Some("heroku-22")),
            // Names are matched exactly: neither a prefix nor an unknown tag is guessed.
            ("paketobuildpacks/build-jammy-buildpackless", None),
            ("paketobuildpacks/build-bionic-other", None),
            ("paketobuildpacks/build:full-cnb-cf", None),
            ("paketobuildpacks/build:latest", None),
            ("registry.example.com/custom/build", None),
        ];
        for (image, id) in cases {
            assert_eq!(well_known_stack_id(image), id, "{image}");
        }
    }

    #[test]
    fn an_unknown_stack_image_asks_for_an_id() {
        let mut d = descriptor(json!({"name": "base", "clusterStack": "base",
            "order": [{"group": [{"id": "paketo-buildpacks/java"}]}]}));
        d["clusterStacks"][0]["buildImage"]["image"] =
            json!("paketobuildpacks/build-jammy-buildpackless");
        let errors = run(d, &[repository()]).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].0, "clusterStacks[0]");
        assert!(errors[0].1.contains("add `id: <stack id>`"));
    }

    #[test]
    fn every_cluster_lifecycle_gets_the_kp_config_service_account() {
        let sa = json!({"name": "kp-sa", "namespace": "builds"});
        let config = kp_config(json!({"default.repository": "registry.example.com/kp",
            "default.repository.serviceaccount": "kp-sa",
            "default.repository.serviceaccount.namespace": "builds"}));
        let v1 = json!({"apiVersion": "kp.kpack.io/v1", "kind": "DependencyDescriptor",
            "defaultClusterLifecycle": "lc",
            "clusterLifecycles": [{"name": "lc", "image": "buildpacksio/lifecycle:0.20.12"},
                                  {"name": "other", "image": "buildpacksio/lifecycle:0.19.0"}]});
        let (objects, _) = run(v1, std::slice::from_ref(&config)).unwrap();
        assert_eq!(
            names(&objects),
            [
                ("ClusterLifecycle", "lc"),
                ("ClusterLifecycle", "other"),
                ("ClusterLifecycle", "default-lifecycle"),
            ]
        );
        for o in &objects {
            assert_eq!(o["spec"]["serviceAccountRef"], sa, "{o}");
        }
        let v1alpha3 = json!({"apiVersion": "kp.kpack.io/v1alpha3", "kind": "DependencyDescriptor",
            "lifecycle": {"image": "buildpacksio/lifecycle:0.17.0"}});
        let (objects, _) = run(v1alpha3, &[config]).unwrap();
        assert_eq!(names(&objects), [("ClusterLifecycle", "default-lifecycle")]);
        assert_eq!(objects[0]["spec"]["serviceAccountRef"], sa);
    }

    #[test]
    fn a_service_account_namespace_without_a_name_is_kpack_default() {
        let lifecycle = json!({"apiVersion": "kp.kpack.io/v1", "kind": "DependencyDescriptor",
            "clusterLifecycles": [{"name": "lc", "image": "buildpacksio/lifecycle:0.20.12"}]});
        let sa_of = |data: Value| {
            let (objects, notes) = run(lifecycle.clone(), &[kp_config(data)]).unwrap();
            (objects[0]["spec"]["serviceAccountRef"].clone(), notes)
        };
        // kp's KpConfig.ServiceAccount(): no name, so kpack/default; the namespace is not used.
        let (sa, notes) = sa_of(json!({"default.repository.serviceaccount.namespace": "builds"}));
        assert_eq!(sa, json!({"name": "default", "namespace": "kpack"}));
        assert!(
            notes
                .iter()
                .any(|n| n.contains("\"builds\"") && n.contains("kpack/default")),
            "{notes:#?}"
        );
        let (sa, _) = sa_of(json!({"default.repository.serviceaccount": "",
            "canonical.repository.serviceaccount": "old",
            "default.repository.serviceaccount.namespace": "builds"}));
        assert_eq!(sa, json!({"name": "default", "namespace": "kpack"}));
        let (sa, notes) = sa_of(json!({"canonical.repository.serviceaccount": "old"}));
        assert_eq!(sa, json!({"name": "old", "namespace": "kpack"}));
        assert_eq!(notes.len(), 1, "{notes:#?}");
        let (sa, _) = sa_of(json!({}));
        assert_eq!(sa, json!({"name": "default", "namespace": "kpack"}));
    }

    #[test]
    fn a_field_of_another_version_is_an_error_at_the_field() {
        let v1alpha1 = json!({"apiVersion": "kp.kpack.io/v1alpha1", "kind": "DependencyDescriptor",
            "stores": [{"name": "s", "sources": [{"image": "paketobuildpacks/java"}]}],
            "clusterBuildpacks": [{"name": "java", "image": "paketobuildpacks/java"}],
            "clusterStacks": [],
            "clusterBuilders": [{"name": "b", "clusterStack": "base", "store": "s",
                "order": [{"group": [{"id": "paketo-buildpacks/java"},
                                     {"kind": "ClusterBuildpack", "name": "java"}]}]}]});
        let errors = run(v1alpha1, &[repository()]).unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            paths,
            [
                "clusterStacks",
                "clusterBuildpacks",
                "clusterBuilders[0].clusterStack",
                "clusterBuilders[0].order[0].group[1].kind",
                "clusterBuilders[0].order[0].group[1].name",
            ]
        );
        assert!(errors[0].1.contains(
            "only kp.kpack.io/v1alpha3 and kp.kpack.io/v1 have it; kp.kpack.io/v1alpha1 has `stacks` instead"
        ));
        assert!(errors[1].1.contains("only kp.kpack.io/v1 has it"));
        assert!(errors[2].1.contains("`stack` instead"));

        // A v1 descriptor with v1alpha1's and v1alpha3's spellings generated nothing before.
        let v1 = json!({"apiVersion": "kp.kpack.io/v1", "kind": "DependencyDescriptor",
            "defaultStack": "base", "lifecycle": {"image": "buildpacksio/lifecycle:0.17.0"},
            "stacks": [{"name": "base", "buildImage": {"image": "paketobuildpacks/build-jammy-base"},
                        "runImage": {"image": "paketobuildpacks/run-jammy-base"}}]});
        let errors = run(v1, &[]).unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(paths, ["defaultStack", "stacks", "lifecycle"]);
        assert!(errors[1].1.contains("only kp.kpack.io/v1alpha1 has it"));
        assert!(errors[2].1.contains("`clusterLifecycles` instead"));

        let v1alpha3 = json!({"apiVersion": "kp.kpack.io/v1alpha3", "kind": "DependencyDescriptor",
            "defaultClusterLifecycle": "lc",
            "clusterLifecycles": [{"name": "lc", "image": "buildpacksio/lifecycle:0.17.0"}]});
        let paths: Vec<_> = run(v1alpha3, &[])
            .unwrap_err()
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(paths, ["defaultClusterLifecycle", "clusterLifecycles"]);

        let v1alpha3 = json!({"apiVersion": "kp.kpack.io/v1alpha3", "kind": "DependencyDescriptor",
            "defaultClusterBuildpack": "java"});
        let errors = run(v1alpha3, &[]).unwrap_err();
        assert_eq!(errors[0].0, "defaultClusterBuildpack");
        assert!(errors[0].1.contains("only kp.kpack.io/v1 has it"));
    }

    #[test]
    fn the_default_cluster_buildpack_copies_its_entry() {
        let sa = json!({"name": "kp-sa", "namespace": "kpack"});
        let config = kp_config(json!({"default.repository.serviceaccount": "kp-sa"}));
        let d = json!({"apiVersion": "kp.kpack.io/v1", "kind": "DependencyDescriptor",
            "defaultClusterBuildpack": "java",
            "clusterBuildpacks": [{"name": "java", "image": "paketobuildpacks/java:18"},
                                  {"name": "go", "image": "paketobuildpacks/go:4"}]});
        let (objects, _) = run(d.clone(), &[config]).unwrap();
        assert_eq!(
            names(&objects),
            [
                ("ClusterBuildpack", "java"),
                ("ClusterBuildpack", "go"),
                ("ClusterBuildpack", "default"),
            ]
        );
        assert_eq!(objects[2]["spec"]["image"], "paketobuildpacks/java:18");
        for o in &objects {
            assert_eq!(o["spec"]["serviceAccountRef"], sa, "{o}");
        }

        let mut missing = d;
        missing["defaultClusterBuildpack"] = json!("ruby");
        let errors = run(missing, &[]).unwrap_err();
        assert_eq!(
            errors,
            [(
                "defaultClusterBuildpack".to_string(),
                "no clusterBuildpacks entry is named \"ruby\"".to_string()
            )]
        );
    }

    #[test]
    fn the_extensions_are_accepted_in_every_version() {
        let stack = json!({"name": "base", "id": "io.example.stack",
            "buildImage": {"image": "registry.example.com/build"},
            "runImage": {"image": "registry.example.com/run"}});
        let sa = json!({"name": "sa", "namespace": "kpack"});
        let v1alpha1 = json!({"apiVersion": "kp.kpack.io/v1alpha1", "kind": "DependencyDescriptor",
            "metadata": {"name": "deps"}, "defaultRepository": "registry.example.com/kp",
            "serviceAccount": sa, "stacks": [stack],
            "clusterBuilders": [{"name": "b", "stack": "base", "tag": "registry.example.com/builders/b",
                "order": [{"group": [{"id": "paketo-buildpacks/java", "version": "1.0.0", "optional": true}]}]}]});
        run(v1alpha1, &[]).unwrap();
        let v1alpha3 = json!({"apiVersion": "kp.kpack.io/v1alpha3", "kind": "DependencyDescriptor",
            "defaultRepository": "registry.example.com/kp", "serviceAccount": sa,
            "clusterStacks": [stack],
            "clusterBuilders": [{"name": "b", "clusterStack": "base", "tag": "registry.example.com/builders/b",
                "order": [{"group": [{"kind": "ClusterBuildpack", "name": "java"}]}]}]});
        run(v1alpha3, &[]).unwrap();
    }

    #[test]
    fn a_store_without_sources_is_an_error() {
        let mut d = json!({"apiVersion": "kp.kpack.io/v1", "kind": "DependencyDescriptor",
            "clusterStores": [{"name": "full", "sources": [{"image": "paketobuildpacks/java"}]},
                              {"name": "empty", "sources": []}, {"name": "none"}]});
        let errors = run(d.clone(), &[]).unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            paths,
            ["clusterStores[1].sources", "clusterStores[2].sources"]
        );
        assert!(
            errors[0]
                .1
                .contains("At least one buildpackage must be provided")
        );
        d["apiVersion"] = json!("kp.kpack.io/v1alpha1");
        d["stores"] = d["clusterStores"].take();
        d.as_object_mut().unwrap().remove("clusterStores");
        assert_eq!(problems(d), ["stores[1].sources", "stores[2].sources"]);
    }

    /// A descriptor whose entries are named like the `default` aliases, while the defaults
    /// name other entries.
    fn named_like_the_aliases() -> Value {
        let stack = |name: &str, flavour: &str| {
            json!({"name": name,
            "buildImage": {"image": format!("paketobuildpacks/build-jammy-{flavour}")},
            "runImage": {"image": format!("paketobuildpacks/run-jammy-{flavour}")}})
        };
        let builder = |name: &str, stack: &str| {
            json!({"name": name, "clusterStack": stack,
            "order": [{"group": [{"id": format!("example/{name}")}]}]})
        };
        json!({"apiVersion": "kp.kpack.io/v1", "kind": "DependencyDescriptor",
            "defaultClusterLifecycle": "new", "defaultClusterStack": "base",
            "defaultClusterBuilder": "base", "defaultClusterBuildpack": "java",
            "clusterLifecycles": [{"name": "default-lifecycle", "image": "buildpacksio/lifecycle:0.17.0"},
                                  {"name": "new", "image": "buildpacksio/lifecycle:0.20.12"}],
            "clusterBuildpacks": [{"name": "default", "image": "paketobuildpacks/go:4"},
                                  {"name": "java", "image": "paketobuildpacks/java:18"}],
            "clusterStacks": [stack("default", "full"), stack("base", "base")],
            "clusterBuilders": [builder("default", "default"), builder("base", "base")]})
    }

    #[test]
    fn an_alias_replaces_the_entry_of_its_name_as_in_kp() {
        let (objects, notes) = run(named_like_the_aliases(), &[repository()]).unwrap();
        assert_eq!(
            names(&objects),
            [
                ("ClusterLifecycle", "default-lifecycle"),
                ("ClusterLifecycle", "new"),
                ("ClusterBuildpack", "default"),
                ("ClusterBuildpack", "java"),
                ("ClusterStack", "default"),
                ("ClusterStack", "base"),
                ("ClusterBuilder", "default"),
                ("ClusterBuilder", "base"),
            ]
        );
        // kp creates the entries, then the alias: the alias's content is what remains.
        assert_eq!(
            find(&objects, "ClusterLifecycle", "default-lifecycle")["spec"]["image"],
            "buildpacksio/lifecycle:0.20.12"
        );
        assert_eq!(
            find(&objects, "ClusterBuildpack", "default")["spec"]["image"],
            "paketobuildpacks/java:18"
        );
        assert_eq!(
            find(&objects, "ClusterStack", "default")["spec"]["buildImage"]["image"],
            "paketobuildpacks/build-jammy-base"
        );
        let builder = &find(&objects, "ClusterBuilder", "default")["spec"];
        assert_eq!(builder["stack"]["name"], "base");
        assert_eq!(builder["order"][0]["group"][0]["id"], "example/base");
        assert_eq!(
            builder["tag"],
            "registry.example.com/kp:clusterbuilder-default"
        );
        for (entries, name, default) in [
            (
                "clusterLifecycles",
                "default-lifecycle",
                "defaultClusterLifecycle: new",
            ),
            (
                "clusterBuildpacks",
                "default",
                "defaultClusterBuildpack: java",
            ),
            ("clusterStacks", "default", "defaultClusterStack: base"),
            ("clusterBuilders", "default", "defaultClusterBuilder: base"),
        ] {
            let entry = format!("the {entries} entry \"{name}\" is replaced");
            assert!(
                notes
                    .iter()
                    .any(|n| n.contains(&entry) && n.contains(default)),
                "{entry}: {notes:#?}"
            );
        }
    }

    #[test]
    fn a_default_naming_the_entry_called_like_its_alias_makes_one_object() {
        let mut d = named_like_the_aliases();
        d["defaultClusterLifecycle"] = json!("default-lifecycle");
        d["defaultClusterStack"] = json!("default");
        d["defaultClusterBuilder"] = json!("default");
        d["defaultClusterBuildpack"] = json!("default");
        let (objects, notes) = run(d, &[repository()]).unwrap();
        assert_eq!(objects.len(), 8, "{:#?}", names(&objects));
        assert_eq!(
            find(&objects, "ClusterBuildpack", "default")["spec"]["image"],
            "paketobuildpacks/go:4"
        );
        assert_eq!(
            find(&objects, "ClusterStack", "default")["spec"]["buildImage"]["image"],
            "paketobuildpacks/build-jammy-full"
        );
        assert_eq!(notes.len(), 1, "{notes:#?}");
    }
}
