//! BuilderConfig → kpack objects. Names (documented in docs/builder-config.md):
//! ClusterStack, ClusterStore and ClusterLifecycle are named after the config; each
//! ClusterBuildpack is `<config>-<buildpack id with / as ->`; the (Cluster)Builder takes the
//! config's name.

use crate::Problem;
use crate::config::*;
use crate::objects::Planned;
use crate::resolve::{
    BUILDPACK_ID_ANNOTATION, BUILDPACK_VERSION_ANNOTATION, Catalog, version_from_image,
};
use kpack_api::core::ImageSource;
use kpack_api::meta::{ObjectMeta, ObjectReference};
use kpack_api::reference::{ImageRef, Tag};
use kpack_api::v1alpha2::{self as kpack, BuilderBuildpackRef, BuilderOrderEntry};
use serde_json::{Value, json};

pub struct Expansion<'a> {
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    pub spec: &'a BuilderConfigSpec,
    pub meta: ObjectMeta,
    pub problems: Vec<Problem>,
    /// Decisions worth telling the user about (info results).
    pub notes: Vec<String>,
}

/// A DNS-1123 name made from a buildpack id: lowercase, `/` and other separators as `-`.
pub fn name_for(config: &str, id: &str) -> String {
    let mut out = format!("{config}-");
    for c in id.chars() {
        match c {
            'a'..='z' | '0'..='9' | '-' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            _ => out.push('-'),
        }
    }
    let trimmed = out.trim_matches('-');
    trimmed.chars().take(253).collect()
}

fn object(kind: &str, meta: &ObjectMeta, spec: Value) -> Planned {
    Planned::Made(
        json!({"apiVersion": kpack::API_VERSION, "kind": kind, "metadata": meta, "spec": spec}),
    )
}

/// The ClusterBuildpack of `bp`, named by [`name_for`]. `meta` holds the generated-by
/// label and annotation.
pub fn cluster_buildpack(config: &str, meta: &ObjectMeta, bp: &BuildpackSource) -> Value {
    let mut meta = meta.clone();
    meta.name = Some(name_for(config, &bp.id));
    meta.namespace = None;
    meta.annotations
        .insert(BUILDPACK_ID_ANNOTATION.into(), bp.id.clone().into());
    if let Some(v) = bp
        .version
        .clone()
        .or_else(|| version_from_image(&bp.image).map(|v| v.to_string()))
    {
        meta.annotations
            .insert(BUILDPACK_VERSION_ANNOTATION.into(), v.into());
    }
    json!({"apiVersion": kpack::API_VERSION, "kind": "ClusterBuildpack", "metadata": meta, "spec": {"image": bp.image}})
}

impl Expansion<'_> {
    fn meta(&self, name: &str, namespaced: bool) -> ObjectMeta {
        let mut meta = self.meta.clone();
        meta.name = Some(name.to_string());
        meta.namespace = if namespaced {
            self.namespace.map(str::to_string)
        } else {
            None
        };
        meta
    }

    fn image(&mut self, image: &str, path: &str) {
        if let Err(e) = ImageRef::parse(image) {
            self.problems.push(Problem::new(
                path,
                format!("{image:?} is not a valid image reference: {e}"),
            ));
        }
    }

    /// Checks the config and plans its objects; ClusterBuildpacks are made when written.
    pub fn run(mut self, catalog: &Catalog) -> Result<(Vec<Planned>, Vec<String>), Vec<Problem>> {
        let spec = self.spec;
        let mut out = Vec::new();

        if let Err(e) = Tag::parse(&spec.tag) {
            self.problems.push(Problem::new(
                "spec.tag",
                format!(
                    "{:?} is not a valid tag (kpack refuses digests here): {e}",
                    spec.tag
                ),
            ));
        }
        if spec.stack.id.trim().is_empty() {
            self.problems.push(Problem::new(
                "spec.stack.id",
                "the stack id is required (e.g. io.buildpacks.stacks.jammy)",
            ));
        }
        self.image(&spec.stack.build_image, "spec.stack.buildImage");
        self.image(&spec.stack.run_image, "spec.stack.runImage");
        out.push(object(
            "ClusterStack",
            &self.meta(self.name, false),
            json!({"id": spec.stack.id, "buildImage": {"image": spec.stack.build_image}, "runImage": {"image": spec.stack.run_image}}),
        ));

        let lifecycle = match &spec.lifecycle {
            Some(image) => {
                self.image(image, "spec.lifecycle");
                out.push(object(
                    "ClusterLifecycle",
                    &self.meta(self.name, false),
                    json!({"image": image}),
                ));
                ObjectReference::to("ClusterLifecycle", self.name)
            }
            None => ObjectReference::to("ClusterLifecycle", kpack::DEFAULT_LIFECYCLE),
        };

        for (i, bp) in spec.buildpacks.iter().enumerate() {
            self.image(&bp.image, &format!("spec.buildpacks[{i}].image"));
        }
        // kpack defaults a namespaced Builder's store.kind even when it has no store and then
        // refuses it for want of store.name, so a Builder always gets a ClusterStore.
        let store_kind = match (spec.scope, spec.store) {
            (Scope::Namespaced, StoreKind::ClusterBuildpack) => {
                self.notes.push(format!(
                    "a namespaced Builder needs a store in kpack (it defaults store.kind and then requires store.name), so the buildpacks go into ClusterStore {} instead of ClusterBuildpacks",
                    self.name
                ));
                StoreKind::ClusterStore
            }
            (_, kind) => kind,
        };
        let store = match store_kind {
            StoreKind::ClusterBuildpack => {
                for (index, bp) in spec.buildpacks.iter().enumerate() {
                    out.push(Planned::ClusterBuildpack {
                        index,
                        name: name_for(self.name, &bp.id),
                    });
                }
                None
            }
            StoreKind::ClusterStore => {
                let sources: Vec<ImageSource> = spec
                    .buildpacks
                    .iter()
                    .map(|b| ImageSource {
                        image: b.image.clone(),
                    })
                    .collect();
                out.push(object(
                    "ClusterStore",
                    &self.meta(self.name, false),
                    json!({"sources": sources}),
                ));
                Some(ObjectReference::to("ClusterStore", self.name))
            }
        };

        let order = self.order(catalog);
        let builder = match spec.scope {
            Scope::Cluster => {
                let sa = match &spec.service_account {
                    Some(ServiceAccount {
                        name,
                        namespace: Some(ns),
                    }) => ObjectReference {
                        namespace: Some(ns.clone()),
                        name: Some(name.clone()),
                        ..Default::default()
                    },
                    _ => {
                        self.problems.push(Problem::new(
                            "spec.serviceAccount",
                            "a ClusterBuilder needs the service account kpack pushes it with: serviceAccount: {name: ..., namespace: ...}",
                        ));
                        ObjectReference::default()
                    }
                };
                let mut spec_json = json!({
                    "tag": spec.tag,
                    "stack": ObjectReference::to("ClusterStack", self.name),
                    "lifecycle": lifecycle,
                    "order": order,
                    "serviceAccountRef": sa,
                });
                if let Some(store) = &store {
                    spec_json["store"] = json!(store);
                }
                object("ClusterBuilder", &self.meta(self.name, false), spec_json)
            }
            Scope::Namespaced => {
                let mut spec_json = json!({
                    "tag": spec.tag,
                    "stack": ObjectReference::to("ClusterStack", self.name),
                    "lifecycle": lifecycle,
                    "order": order,
                    "serviceAccountName": spec.service_account.as_ref().map_or("default", |s| s.name.as_str()),
                });
                if let Some(store) = &store {
                    spec_json["store"] = json!(store);
                }
                object("Builder", &self.meta(self.name, true), spec_json)
            }
        };
        out.push(builder);
        if self.problems.is_empty() {
            Ok((out, self.notes))
        } else {
            Err(self.problems)
        }
    }

    /// The order with every version resolved.
    fn order(&mut self, catalog: &Catalog) -> Vec<BuilderOrderEntry> {
        let mut order = Vec::new();
        for (i, group) in self.spec.order.iter().enumerate() {
            let mut refs = Vec::new();
            for (j, entry) in group.group.iter().enumerate() {
                let path = format!("spec.order[{i}].group[{j}]");
                let (id, requirement, optional) = match entry {
                    OrderEntry::Short(s) => match s.split_once('@') {
                        Some((id, req)) => (id.trim(), Some(req), false),
                        None => (s.trim(), None, false),
                    },
                    OrderEntry::Full(e) => (e.id.trim(), e.version.as_deref(), e.optional),
                };
                match catalog.resolve(id, requirement, &path) {
                    Ok(version) => refs.push(BuilderBuildpackRef {
                        id: Some(id.to_string()),
                        version: version.map(|v| v.to_string()),
                        optional: optional.then_some(true),
                        ..Default::default()
                    }),
                    Err(p) => self.problems.push(p),
                }
            }
            if group.group.is_empty() {
                self.problems.push(Problem::new(
                    format!("spec.order[{i}].group"),
                    "an empty group: list at least one buildpack",
                ));
            }
            order.push(BuilderOrderEntry { group: refs });
        }
        if self.spec.order.is_empty() {
            self.problems.push(Problem::new(
                "spec.order",
                "the order is empty: a builder with no group detects nothing",
            ));
        }
        order
    }
}
