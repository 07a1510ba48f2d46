//! Policy from the ValidatorConfig: allowed registries and digest pinning.

use crate::Entry;
use crate::report::{Report, Rule};
use crate::settings::Settings;
use kpack_api::reference::ImageRef;
use serde_json::Value;

/// Every image reference a kpack object holds: (field path, reference, must be pinned when
/// `requireDigests` is on).
fn references(kind: &str, object: &Value) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let mut add = |path: &str, v: Option<&Value>, pinned: bool| {
        if let Some(s) = v.and_then(Value::as_str).filter(|s| !s.is_empty()) {
            out.push((path.to_string(), s.to_string(), pinned));
        }
    };
    // Borrowed: a copy of every object's spec cost 10,000 tree copies on a large set.
    let spec = object.get("spec").unwrap_or(&Value::Null);
    match kind {
        "Image" => {
            add("spec.tag", spec.get("tag"), false);
            for (i, t) in spec
                .get("additionalTags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                add(&format!("spec.additionalTags[{i}]"), Some(t), false);
            }
            add(
                "spec.source.registry.image",
                spec.pointer("/source/registry/image"),
                false,
            );
            add(
                "spec.cache.registry.tag",
                spec.pointer("/cache/registry/tag"),
                false,
            );
        }
        "Build" => {
            for (i, t) in spec
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                add(&format!("spec.tags[{i}]"), Some(t), false);
            }
            add("spec.builder.image", spec.pointer("/builder/image"), false);
            add(
                "spec.source.registry.image",
                spec.pointer("/source/registry/image"),
                false,
            );
        }
        "Builder" | "ClusterBuilder" => add("spec.tag", spec.get("tag"), false),
        "ClusterStack" => {
            add(
                "spec.buildImage.image",
                spec.pointer("/buildImage/image"),
                true,
            );
            add("spec.runImage.image", spec.pointer("/runImage/image"), true);
        }
        "ClusterStore" => {
            for (i, s) in spec
                .get("sources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                add(&format!("spec.sources[{i}].image"), s.get("image"), true);
            }
        }
        "Buildpack" | "ClusterBuildpack" | "ClusterLifecycle" => {
            add("spec.image", spec.get("image"), true)
        }
        _ => {}
    }
    out
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
        for (path, reference, pinnable) in references(&e.kind, object) {
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
