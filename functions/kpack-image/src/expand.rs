//! Turns one image entry (with the config's defaults) into a kpack Image, checking as it goes.
//!
//! Every problem is reported, not only the first, each with the path of the field that holds
//! the offending value (`spec.images[1].tag` or `spec.defaults.registry`).

use crate::config::*;
use kpack_api::core::{Blob, CosignAnnotation, CosignConfig, Git, Registry, SourceConfig};
use kpack_api::k8s::{EnvVar, Quantity, ResourceRequirements};
use kpack_api::meta::{LocalObjectReference, ObjectMeta, ObjectReference};
use kpack_api::names;
use kpack_api::quantity::is_quantity;
use kpack_api::reference::{ImageRef, Tag};
use kpack_api::v1alpha2::{
    self as kpack, Image, ImageBuild, ImageCacheConfig, ImagePersistentVolumeCache, ImageSpec,
    RegistryCache, defaults,
};
use serde_json::{Map, Value, json};

/// Default git revision when an entry names none (the same default as `kp image save`).
pub const DEFAULT_GIT_REVISION: &str = "main";

pub use krm::config::Problem;

/// An image entry seen together with the defaults it falls back to.
pub struct Entry<'a> {
    pub index: usize,
    pub image: &'a ImageFields,
    pub defaults: &'a ImageFields,
    /// The entry's name, for messages (`image "cart"`, or `images[2]` when it has none).
    pub label: String,
    problems: Vec<Problem>,
}

impl<'a> Entry<'a> {
    pub fn new(index: usize, image: &'a ImageFields, defaults: &'a ImageFields) -> Self {
        let label = match &image.name {
            Some(name) => format!("image {name:?}"),
            None => format!("images[{index}]"),
        };
        Entry {
            index,
            image,
            defaults,
            label,
            problems: Vec::new(),
        }
    }

    fn image_path(&self, field: &str) -> String {
        format!("spec.images[{}].{field}", self.index)
    }

    /// The value of a field (the image's own, else the default) and the path it came from.
    fn pick<T>(
        &self,
        field: &str,
        get: impl Fn(&ImageFields) -> &Option<T>,
    ) -> Option<(&'a T, String)> {
        if let Some(v) = get(self.image) {
            Some((v, self.image_path(field)))
        } else {
            get(self.defaults)
                .as_ref()
                .map(|v| (v, format!("spec.defaults.{field}")))
        }
    }

    /// The value of a field (the image's own, else the default), when no check needs its path.
    fn value<T: Clone>(&self, field: &str, get: impl Fn(&ImageFields) -> &Option<T>) -> Option<T> {
        self.pick(field, get).map(|(v, _)| v.clone())
    }

    /// Where the value of `field` comes from, as [`Self::pick`] finds it.
    fn path_of<T>(&self, field: &str, get: impl Fn(&ImageFields) -> &Option<T>) -> Option<String> {
        self.pick(field, get).map(|(_, path)| path)
    }

    /// Records a problem. One in `spec.defaults` is about every image, so it does not name
    /// this one (and is reported once).
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        let path = path.into();
        let message = message.into();
        let message = if path.starts_with("spec.defaults") {
            message
        } else {
            format!("{}: {message}", self.label)
        };
        self.problems.push(Problem { path, message });
    }

    /// Records a problem with this image's value, wherever the field it came from lives.
    fn image_problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        let message = format!("{}: {}", self.label, message.into());
        self.problems.push(Problem {
            path: path.into(),
            message,
        });
    }

    /// Builds the Image, or returns every problem found in this entry.
    pub fn expand(
        mut self,
        namespace: Option<&str>,
        meta: &ObjectMeta,
    ) -> Result<Image, Vec<Problem>> {
        let name = self.name();
        let tag = self.tag(name.as_deref());
        let additional_tags = self.additional_tags(tag.as_ref());
        let builder = self.builder();
        let source = self.source();
        let cache = self.cache();
        let (failed, successful) = self.history();
        let build = self.build();
        let cosign = self.cosign();
        let service_account_name = match self.pick("serviceAccount", |f| &f.service_account) {
            Some((ServiceAccountSetting::Name(n), path)) => Some((n.clone(), path)),
            Some((ServiceAccountSetting::Spec(s), path)) => {
                Some((s.name.clone(), format!("{path}.name")))
            }
            None => None,
        };
        if let Some((sa, path)) = &service_account_name
            && !names::is_dns1123_subdomain(sa)
        {
            self.problem(path, format!("service account name {sa:?} is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')"));
        }
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        let (Some(name), Some((tag, _)), Some(builder), Some(source)) =
            (name, tag, builder, source)
        else {
            unreachable!("a missing required value is always reported as a problem");
        };
        let mut metadata = meta.clone();
        metadata.name = Some(name);
        metadata.namespace = namespace.map(str::to_string);
        Ok(Image {
            api_version: kpack::API_VERSION.to_string(),
            kind: kpack::IMAGE_KIND.to_string(),
            metadata,
            status: None,
            spec: ImageSpec {
                tag,
                additional_tags,
                builder,
                service_account_name: Some(
                    service_account_name
                        .map(|(n, _)| n)
                        .unwrap_or_else(|| defaults::SERVICE_ACCOUNT_NAME.to_string()),
                ),
                source,
                cache,
                failed_build_history_limit: Some(failed),
                success_build_history_limit: Some(successful),
                image_tagging_strategy: Some(
                    self.value("imageTaggingStrategy", |f| &f.image_tagging_strategy)
                        .map_or(defaults::IMAGE_TAGGING_STRATEGY, |s| s.as_str())
                        .to_string(),
                ),
                project_descriptor_path: self
                    .value("projectDescriptorPath", |f| &f.project_descriptor_path),
                default_process: self.value("defaultProcess", |f| &f.default_process),
                build,
                notary: None,
                cosign,
            },
        })
    }

    fn name(&mut self) -> Option<String> {
        let Some(name) = &self.image.name else {
            let path = format!("spec.images[{}]", self.index);
            self.problem(
                format!("{path}.name"),
                "every image needs a name (the Image's metadata.name)",
            );
            return None;
        };
        if !names::is_image_name(name) {
            self.problem(
                self.image_path("name"),
                format!("{name:?} is not a valid Image name: use at most 63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit"),
            );
            return None;
        }
        Some(name.clone())
    }

    /// The push tag: the entry's `tag`, or `<registry>/<name>`.
    fn tag(&mut self, name: Option<&str>) -> Option<(String, Tag)> {
        let (text, path) = if let Some(tag) = &self.image.tag {
            (tag.clone(), self.image_path("tag"))
        } else if let Some((registry, path)) = self.pick("registry", |f| &f.registry) {
            let name = name?;
            (format!("{}/{name}", registry.trim_end_matches('/')), path)
        } else {
            let index = self.index;
            self.problem(
                self.image_path("tag"),
                format!("has no tag and no registry: set spec.images[{index}].tag, or spec.defaults.registry to derive <registry>/<name>"),
            );
            return None;
        };
        match Tag::parse(&text) {
            Ok(tag) => Some((text, tag)),
            Err(e) => {
                self.image_problem(path, format!("tag {text:?} is not a valid image tag: {e}"));
                None
            }
        }
    }

    fn additional_tags(&mut self, tag: Option<&(String, Tag)>) -> Vec<String> {
        let Some(list) = &self.image.additional_tags else {
            return Vec::new();
        };
        for (i, extra) in list.iter().enumerate() {
            let path = self.image_path(&format!("additionalTags[{i}]"));
            match Tag::parse(extra) {
                Err(e) => self.problem(
                    path,
                    format!("additional tag {extra:?} is not a valid image tag: {e}"),
                ),
                Ok(parsed) => {
                    if let Some((_, main)) = tag
                        && parsed.repository.registry != main.repository.registry
                    {
                        self.problem(
                            path,
                            format!(
                                "additional tag {extra:?} is on registry {}, but kpack requires every additional tag on the registry of the tag ({})",
                                parsed.repository.registry, main.repository.registry
                            ),
                        );
                    }
                }
            }
        }
        list.clone()
    }

    fn builder(&mut self) -> Option<ObjectReference> {
        let Some((setting, path)) = self.pick("builder", |f| &f.builder) else {
            let index = self.index;
            self.problem(
                self.image_path("builder"),
                format!("has no builder: set spec.defaults.builder or spec.images[{index}].builder (a ClusterBuilder name, or {{kind: Builder, name: ...}})"),
            );
            return None;
        };
        let (kind, name) = match setting {
            BuilderSetting::ClusterBuilder(name) => ("ClusterBuilder", name),
            BuilderSetting::Reference(r) => (
                match r.kind {
                    BuilderKind::Builder => "Builder",
                    BuilderKind::ClusterBuilder => "ClusterBuilder",
                },
                &r.name,
            ),
        };
        if !names::is_dns1123_subdomain(name) {
            self.problem(
                path,
                format!("builder name {name:?} is not a valid Kubernetes name"),
            );
            return None;
        }
        Some(ObjectReference::to(kind, name))
    }

    /// The source: the entry's own if it names one, else the defaults'; exactly one kind.
    fn source(&mut self) -> Option<SourceConfig> {
        let own = [
            self.image.git.is_some(),
            self.image.blob.is_some(),
            self.image.source_image.is_some(),
        ];
        let (fields, prefix) = if own.iter().any(|b| *b) {
            (self.image, format!("spec.images[{}]", self.index))
        } else {
            (self.defaults, "spec.defaults".to_string())
        };
        let given: Vec<&str> = [
            fields.git.as_ref().map(|_| "git"),
            fields.blob.as_ref().map(|_| "blob"),
            fields.source_image.as_ref().map(|_| "sourceImage"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut source = SourceConfig {
            sub_path: self.value("subPath", |f| &f.sub_path),
            ..Default::default()
        };
        match given.as_slice() {
            [] => {
                let index = self.index;
                self.problem(
                    self.image_path("git"),
                    format!("has no source: set one of git, blob or sourceImage on spec.images[{index}] or spec.defaults"),
                );
                return None;
            }
            [_] => {}
            several => {
                self.problem(
                    format!("{prefix}.{}", several[1]),
                    format!(
                        "has more than one source ({}): keep exactly one",
                        several.join(", ")
                    ),
                );
                return None;
            }
        }
        if let Some(git) = &fields.git {
            if git.url.trim().is_empty() {
                self.problem(format!("{prefix}.git.url"), "git.url is empty");
            }
            source.git = Some(Git {
                url: git.url.clone(),
                revision: git
                    .revision
                    .clone()
                    .unwrap_or_else(|| DEFAULT_GIT_REVISION.to_string()),
                initialize_submodules: git.initialize_submodules,
            });
        }
        if let Some(blob) = &fields.blob {
            if blob.url.trim().is_empty() {
                self.problem(format!("{prefix}.blob.url"), "blob.url is empty");
            }
            if let Some(n) = blob.strip_components
                && n < 0
            {
                self.problem(
                    format!("{prefix}.blob.stripComponents"),
                    format!("stripComponents must be 0 or more, got {n}"),
                );
            }
            source.blob = Some(Blob {
                url: blob.url.clone(),
                auth: blob.auth.map(|a| match a {
                    BlobAuth::Secret => "secret".to_string(),
                    BlobAuth::Helper => "helper".to_string(),
                }),
                strip_components: blob.strip_components,
            });
        }
        if let Some(setting) = &fields.source_image {
            let (image, secrets, path) = match setting {
                SourceImageSetting::Image(i) => (i, &[][..], format!("{prefix}.sourceImage")),
                SourceImageSetting::Spec(s) => (
                    &s.image,
                    &s.image_pull_secrets[..],
                    format!("{prefix}.sourceImage.image"),
                ),
            };
            if let Err(e) = ImageRef::parse(image) {
                self.problem(
                    path,
                    format!("source image {image:?} is not a valid image reference: {e}"),
                );
            }
            source.registry = Some(Registry {
                image: image.clone(),
                image_pull_secrets: secrets
                    .iter()
                    .map(|n| LocalObjectReference { name: n.clone() })
                    .collect(),
            });
        }
        Some(source)
    }

    /// A volume cache's size must be a quantity kpack can read, and more than zero for the
    /// claim kpack makes to be taken. `or_none`: the field also takes `none`, which the
    /// messages then offer.
    fn cache_size(&mut self, size: &str, path: String, or_none: bool) {
        if !is_quantity(size) {
            let none = if or_none { ", nor `none`" } else { "" };
            self.problem(
                path,
                format!(
                    "cache size {size:?} is not a Kubernetes quantity (such as 2G or 500Mi){none}"
                ),
            );
        } else if let Some(problem) = kpack_api::pod::cache_claim_problem(&json!(size)) {
            let hint = if or_none {
                "; write a size such as 2G, or `none`"
            } else {
                ""
            };
            self.problem(path, format!("{problem}{hint}"));
        }
    }

    fn cache(&mut self) -> Option<ImageCacheConfig> {
        let (setting, path) = self.pick("cache", |f| &f.cache)?;
        match setting {
            CacheSetting::SizeOrNone(s) if s == "none" => None,
            CacheSetting::SizeOrNone(size) => {
                self.cache_size(size, path, true);
                Some(ImageCacheConfig {
                    volume: Some(ImagePersistentVolumeCache {
                        size: Some(Quantity::String(size.clone())),
                        storage_class_name: None,
                    }),
                    registry: None,
                })
            }
            CacheSetting::Spec(spec) => {
                if spec.volume.is_some() && spec.registry.is_some() {
                    self.problem(
                        path.clone(),
                        "cache has both volume and registry: kpack allows only one type of cache",
                    );
                }
                if spec.volume.is_none() && spec.registry.is_none() {
                    self.problem(
                        path.clone(),
                        "cache is empty: give volume or registry, or write `cache: none`",
                    );
                }
                let volume = spec.volume.as_ref().map(|v| {
                    if let Some(size) = &v.size {
                        self.cache_size(size, format!("{path}.volume.size"), false);
                    }
                    ImagePersistentVolumeCache {
                        size: v.size.clone().map(Quantity::String),
                        storage_class_name: v.storage_class_name.clone(),
                    }
                });
                let registry = spec.registry.as_ref().map(|r| {
                    if let Err(e) = Tag::parse(&r.tag) {
                        self.problem(
                            format!("{path}.registry.tag"),
                            format!("cache tag {:?} is not a valid image tag: {e}", r.tag),
                        );
                    }
                    RegistryCache { tag: r.tag.clone() }
                });
                Some(ImageCacheConfig { volume, registry })
            }
        }
    }

    /// (failed, successful) history limits, kpack's default 10 where unset.
    fn history(&mut self) -> (i64, i64) {
        let Some((history, path)) = self.pick("history", |f| &f.history) else {
            return (
                defaults::FAILED_BUILD_HISTORY_LIMIT,
                defaults::SUCCESS_BUILD_HISTORY_LIMIT,
            );
        };
        let failed = history
            .failed
            .unwrap_or(defaults::FAILED_BUILD_HISTORY_LIMIT);
        let successful = history
            .successful
            .unwrap_or(defaults::SUCCESS_BUILD_HISTORY_LIMIT);
        for (field, n) in [("failed", failed), ("successful", successful)] {
            if n < 1 {
                self.problem(
                    format!("{path}.{field}"),
                    format!("build history limit must be greater than 0, got {n}"),
                );
            }
        }
        (failed, successful)
    }

    /// Merged env: the defaults' variables, then the entry's (same name replaces, null removes).
    fn env(&mut self) -> Vec<EnvVar> {
        let mut merged: Map<String, Value> = Map::new();
        for (fields, prefix) in [
            (self.defaults, "spec.defaults.env".to_string()),
            (self.image, self.image_path("env")),
        ] {
            for (name, value) in fields.env.iter().flatten() {
                let text = match value {
                    Value::String(s) => Value::String(s.clone()),
                    Value::Number(n) if n.is_f64() => {
                        // YAML reads 1.20 as 1.2: the text written is gone by now, so a
                        // version would change without a word.
                        self.problem(
                            format!("{prefix}.{name}"),
                            format!(
                                "env {name} is the number {n} to YAML, which keeps no trailing zeros (1.20 reads as 1.2); quote the value as it is meant, e.g. {name}: \"{n}\""
                            ),
                        );
                        continue;
                    }
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Bool(b) => Value::String(b.to_string()),
                    Value::Null => Value::Null,
                    _ => {
                        self.problem(
                            format!("{prefix}.{name}"),
                            format!("env {name} must be a string, number or boolean"),
                        );
                        continue;
                    }
                };
                if name.is_empty() || name.contains('=') {
                    self.problem(
                        format!("{prefix}.{name}"),
                        format!("{name:?} is not a valid environment variable name"),
                    );
                }
                merged.insert(name.clone(), text);
            }
        }
        merged
            .into_iter()
            .filter_map(|(name, v)| {
                v.as_str().map(|s| EnvVar {
                    name: name.clone(),
                    value: Some(s.to_string()),
                    value_from: None,
                })
            })
            .collect()
    }

    fn resources(&mut self) -> Option<ResourceRequirements> {
        let (res, path) = self.pick("resources", |f| &f.resources)?;
        for (section, values) in [("requests", &res.requests), ("limits", &res.limits)] {
            for (resource, q) in values.iter().flatten() {
                if !q.is_valid() {
                    self.problem(
                        format!("{path}.{section}.{resource}"),
                        format!(
                            "{:?} is not a Kubernetes quantity (such as 500m or 2Gi)",
                            q.as_text()
                        ),
                    );
                }
            }
        }
        // Quantities are written as strings, as the API server returns them.
        let as_strings = |m: &Option<indexmap::IndexMap<String, Quantity>>| {
            m.as_ref().map(|m| {
                m.iter()
                    .map(|(k, q)| (k.clone(), Quantity::String(q.as_text())))
                    .collect()
            })
        };
        Some(ResourceRequirements {
            requests: as_strings(&res.requests),
            limits: as_strings(&res.limits),
            claims: None,
        })
    }

    fn services(&mut self) -> Vec<ObjectReference> {
        let Some((list, path)) = self.pick("services", |f| &f.services) else {
            return Vec::new();
        };
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let r = match s {
                ServiceSetting::SecretName(name) => ObjectReference {
                    api_version: Some("v1".into()),
                    ..ObjectReference::to("Secret", name)
                },
                ServiceSetting::Reference(r) => ObjectReference {
                    api_version: r.api_version.clone(),
                    ..ObjectReference::to(&r.kind, &r.name)
                },
            };
            let name = r.name();
            if !names::is_binding_name(name) {
                self.problem(
                    format!("{path}[{i}]"),
                    format!("service name {name:?} must match ^[a-z0-9\\-\\.]{{1,253}}$"),
                );
            } else if !seen.insert(name.to_string()) {
                self.problem(
                    format!("{path}[{i}]"),
                    format!("duplicate service name {name:?}"),
                );
            }
            out.push(r);
        }
        out
    }

    fn build(&mut self) -> Option<ImageBuild> {
        let env = self.env();
        let resources = self.resources();
        let services = self.services();
        let node_selector = match self.pick("nodeSelector", |f| &f.node_selector) {
            Some((sel, path)) => {
                if sel.contains_key(kpack::OS_NODE_SELECTOR) {
                    self.problem(
                        format!("{path}.{}", kpack::OS_NODE_SELECTOR),
                        "nodeSelector must not set kubernetes.io/os: kpack determines the os automatically",
                    );
                }
                Some(sel.clone())
            }
            None => None,
        };
        let creation_time = self
            .pick("creationTime", |f| &f.creation_time)
            .map(|(t, path)| {
                if !kpack::is_creation_time(t) {
                    self.problem(
                        path,
                        format!("creationTime {t:?} must be `now` or Unix epoch seconds"),
                    );
                }
                t.clone()
            });
        let build = ImageBuild {
            env,
            resources,
            services,
            cnb_bindings: Vec::new(),
            tolerations: self
                .value("tolerations", |f| &f.tolerations)
                .unwrap_or_default(),
            node_selector,
            affinity: self.affinity(),
            runtime_class_name: self.value("runtimeClassName", |f| &f.runtime_class_name),
            scheduler_name: self.value("schedulerName", |f| &f.scheduler_name),
            build_timeout: self.value("buildTimeout", |f| &f.build_timeout),
            creation_time,
        };
        self.pod_checks(&build);
        (build != ImageBuild::default()).then_some(build)
    }

    /// What the API server would refuse of the build pod kpack makes from `build`, reported
    /// at the config field each part came from (an image's, or `spec.defaults`).
    fn pod_checks(&mut self, build: &ImageBuild) {
        let built = serde_json::to_value(build).expect("an ImageBuild serializes");
        let sources = [
            (
                "tolerations",
                self.path_of("tolerations", |f| &f.tolerations),
            ),
            (
                "nodeSelector",
                self.path_of("nodeSelector", |f| &f.node_selector),
            ),
            ("affinity", self.path_of("affinity", |f| &f.affinity)),
            ("resources", self.path_of("resources", |f| &f.resources)),
            (
                "runtimeClassName",
                self.path_of("runtimeClassName", |f| &f.runtime_class_name),
            ),
        ];
        for (field, path) in sources {
            let (Some(path), Some(value)) = (path, built.get(field)) else {
                continue;
            };
            let Some(base) = path.strip_suffix(field).and_then(|p| p.strip_suffix('.')) else {
                continue;
            };
            for (at, message) in kpack_api::pod::check(&json!({ field: value }), base) {
                self.problem(at, message);
            }
        }
    }

    /// The affinity as written, when kpack can decode it (a misspelt key in it would have
    /// the Image refused at admission). One it cannot is a problem, so nothing is written,
    /// and is left out of the build so that the pod checks do not report it again.
    fn affinity(&mut self) -> Option<Value> {
        let (affinity, path) = self.pick("affinity", |f| &f.affinity)?;
        if let Some((inside, reason)) = kpack_api::shapes::affinity_problem(affinity) {
            let at = if inside.is_empty() || inside == "." {
                path
            } else {
                format!("{path}.{inside}")
            };
            self.problem(
                at,
                format!("affinity is not a Kubernetes Affinity kpack can decode: {reason}"),
            );
            return None;
        }
        Some(affinity.clone())
    }

    fn cosign(&mut self) -> Option<CosignConfig> {
        let (map, path) = self.pick("cosignAnnotations", |f| &f.cosign_annotations)?;
        let mut annotations = Vec::new();
        for (name, value) in map {
            match value.as_str() {
                Some(v) => annotations.push(CosignAnnotation {
                    name: name.clone(),
                    value: v.to_string(),
                }),
                None => self.problem(
                    format!("{path}.{name}"),
                    "cosign annotation values must be strings",
                ),
            }
        }
        Some(CosignConfig { annotations })
    }
}

/// The ServiceAccount generated for `serviceAccount: {create: true}`.
pub fn service_account(
    spec: &ServiceAccountSpec,
    namespace: Option<&str>,
    meta: &ObjectMeta,
) -> Value {
    let refs: Vec<Value> = spec.secrets.iter().map(|s| json!({ "name": s })).collect();
    let mut metadata = meta.clone();
    metadata.name = Some(spec.name.clone());
    metadata.namespace = namespace.map(str::to_string);
    let mut sa = json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
    });
    if !refs.is_empty() {
        sa["secrets"] = Value::Array(refs.clone());
        sa["imagePullSecrets"] = Value::Array(refs);
    }
    sa
}
