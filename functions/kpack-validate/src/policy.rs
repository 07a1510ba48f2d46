//! Policy from the ValidatorConfig: allowed registries and digest pinning.

use crate::Entry;
use crate::kept::{Kept, Pointer};
use crate::report::{Report, Rule};
use crate::settings::Settings;
use kpack_api::reference::ImageRef;
use serde_json::Value;

/// Every image reference a kpack object holds: (field path, reference, must be pinned when
/// `requireDigests` is on).
fn references(kind: &str, object: &Kept) -> Vec<(String, String, bool)> {
    let mut found = Found {
        object,
        out: Vec::new(),
    };
    match kind {
        "Image" => {
            found.one("spec.tag", "/spec/tag", false);
            found.each("spec.additionalTags", "/spec/additionalTags", None, false);
            found.one(
                "spec.source.registry.image",
                "/spec/source/registry/image",
                false,
            );
            found.one("spec.cache.registry.tag", "/spec/cache/registry/tag", false);
        }
        "Build" => {
            found.each("spec.tags", "/spec/tags", None, false);
            found.one("spec.builder.image", "/spec/builder/image", false);
            found.one(
                "spec.source.registry.image",
                "/spec/source/registry/image",
                false,
            );
        }
        "Builder" | "ClusterBuilder" => found.one("spec.tag", "/spec/tag", false),
        "ClusterStack" => {
            found.one("spec.buildImage.image", "/spec/buildImage/image", true);
            found.one("spec.runImage.image", "/spec/runImage/image", true);
        }
        "ClusterStore" => found.each("spec.sources", "/spec/sources", Some("image"), true),
        "Buildpack" | "ClusterBuildpack" | "ClusterLifecycle" => {
            found.one("spec.image", "/spec/image", true)
        }
        _ => {}
    }
    found.out
}

/// The references found so far in one object.
struct Found<'o> {
    object: &'o Kept,
    out: Vec<(String, String, bool)>,
}

impl Found<'_> {
    fn add(&mut self, path: String, value: Option<&Value>, pinned: bool) {
        if let Some(s) = value.and_then(Value::as_str).filter(|s| !s.is_empty()) {
            self.out.push((path, s.to_string(), pinned));
        }
    }

    /// The reference at `pointer`, reported at `path`.
    fn one(&mut self, path: &str, pointer: &str, pinned: bool) {
        self.add(path.to_string(), self.object.at(pointer), pinned);
    }

    /// The references in the list at `pointer`: its strings, or each entry's `field`.
    fn each(&mut self, path: &str, pointer: &str, field: Option<&str>, pinned: bool) {
        let list = self.object.at(pointer).and_then(Value::as_array);
        for (i, entry) in list.into_iter().flatten().enumerate() {
            match field {
                None => self.add(format!("{path}[{i}]"), Some(entry), pinned),
                Some(f) => self.add(format!("{path}[{i}].{f}"), entry.get(f), pinned),
            }
        }
    }
}

/// `docker.io/x` and `index.docker.io/x` are the same registry.
fn normalize_prefix(prefix: &str) -> String {
    match prefix.strip_prefix("docker.io") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("index.docker.io{rest}"),
        _ => prefix.to_string(),
    }
}

pub fn check(entries: &[Entry], settings: &Settings, report: &mut Report) {
    if settings.allowed_registries.is_empty() && !settings.require_digests {
        return;
    }
    let allowed: Vec<String> = settings
        .allowed_registries
        .iter()
        .map(|p| normalize_prefix(p))
        .collect();
    for e in entries {
        let Some(object) = &e.object else { continue };
        for (path, reference, pinnable) in references(e.kind, object) {
            // Unparseable references are the webhook's to report.
            let Ok(parsed) = ImageRef::parse(&reference) else {
                continue;
            };
            if !allowed.is_empty() {
                let full = parsed.repository().to_string();
                let ok = allowed
                    .iter()
                    .any(|p| full == *p || full.starts_with(&format!("{p}/")));
                if !ok {
                    report.error(
                        e.index,
                        Rule::Policy,
                        &path,
                        format!(
                            "{reference} is not from an allowed registry ({})",
                            settings.allowed_registries.join(", ")
                        ),
                    );
                }
            }
            if settings.require_digests && pinnable && !parsed.is_digest() {
                report.error(e.index, Rule::Policy, &path, format!(
                    "{reference} is not pinned by digest: policy requires stack, store, buildpack and lifecycle images as <image>@sha256:<digest>"
                ));
            }
        }
    }
}
