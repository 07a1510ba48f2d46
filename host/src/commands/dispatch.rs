//! Choosing the module for a functionConfig: KEP-4944's `config.kubernetes.io/function`
//! annotation with `wasip1: {file|image}` when present (the module must still be trusted),
//! else the trusted catalogs by apiVersion and kind.

use super::Host;
use crate::catalog::trust::Trust;
use crate::runtime::VerifiedWasm;
use crate::sources::AnnotatedModule;
use anyhow::{Context, anyhow, bail};
use krm::Object;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The function annotation (also how kustomize declares exec and container functions).
pub const FUNCTION_ANNOTATION: &str = "config.kubernetes.io/function";
/// kpt: the absolute directory of the package the config file is in.
const PACKAGE_PATH_ANNOTATION: &str = "internal.config.kubernetes.io/package-path";

/// The module that serves `config`, fetched and checked.
pub fn module_for_config(host: &Host, config: &Value) -> anyhow::Result<VerifiedWasm> {
    if let Some(location) = annotated_module(config)? {
        return annotated(host, &location);
    }
    let (api_version, kind) = (
        config.api_version().unwrap_or_default(),
        config.kind().unwrap_or_default(),
    );
    if api_version.is_empty() || kind.is_empty() {
        bail!(
            "the functionConfig has no apiVersion or kind: krmwasm picks the function by them \
             (built-in kinds: {})",
            crate::builtin::known_kinds()
        );
    }
    let resolved = host.catalogs().resolve(api_version, kind)?;
    crate::debug!(
        "{api_version}/{kind}: {} from {}",
        resolved.wasm.uri,
        resolved.source
    );
    host.sources.module(&resolved)
}

/// A `wasip1` module named by the annotation runs only when its digest is trusted.
fn annotated(host: &Host, location: &AnnotatedModule) -> anyhow::Result<VerifiedWasm> {
    let wasm = host.sources.unchecked_module(location)?;
    match host.catalogs().trusts_digest(&wasm.sha256)? {
        Some(by) => {
            crate::debug!("{}: sha256 {} is trusted by {by}", wasm.name, wasm.sha256);
            Ok(wasm)
        }
        None => bail!(
            "refusing to run {} named by the {FUNCTION_ANNOTATION} annotation: its sha256 {} is \
             in no trusted catalog. List it in a catalog you {}; or allow this one module with \
             --allow-module sha256:{} (or {} / allowedModules in the config file)",
            describe(location),
            wasm.sha256,
            Trust::how_to_trust().trim_start_matches("trust a catalog that lists it with "),
            wasm.sha256,
            crate::catalog::trust::ALLOWED_MODULES_ENV,
        ),
    }
}

fn describe(location: &AnnotatedModule) -> String {
    match location {
        AnnotatedModule::File(path) => path.display().to_string(),
        AnnotatedModule::Image(reference) => reference.clone(),
    }
}

/// `wasip1: {file: …}` or `wasip1: {image: …}` from the annotation, if it has `wasip1`.
fn annotated_module(config: &Value) -> anyhow::Result<Option<AnnotatedModule>> {
    let Some(text) = config.annotation(FUNCTION_ANNOTATION) else {
        return Ok(None);
    };
    let spec = krm::codec::parse_value(text.as_bytes()).map_err(|e| {
        anyhow!("the functionConfig's {FUNCTION_ANNOTATION} annotation is not YAML: {e}")
    })?;
    let Some(wasip1) = spec.get("wasip1") else {
        return Ok(None);
    };
    let field = |name: &str| wasip1.get(name).and_then(Value::as_str).map(str::to_string);
    match (field("file"), field("image")) {
        (Some(file), None) => Ok(Some(AnnotatedModule::File(base_dir(config)?.join(file)))),
        (None, Some(image)) => {
            let image = if image.starts_with(crate::oci::SCHEME) {
                image
            } else {
                format!("{}{image}", crate::oci::SCHEME)
            };
            Ok(Some(AnnotatedModule::Image(image)))
        }
        _ => bail!(
            "the functionConfig's {FUNCTION_ANNOTATION} annotation: wasip1 needs exactly one of \
             file (a .wasm path) or image (an OCI reference)"
        ),
    }
}

/// What a relative `wasip1.file` is relative to: the config file's directory when kpt says
/// where that is, else the working directory (kustomize runs functions in the
/// kustomization's directory).
fn base_dir(config: &Value) -> anyhow::Result<PathBuf> {
    if let Some(package) = config.annotation(PACKAGE_PATH_ANNOTATION) {
        let file = config
            .annotation(krm::annotations::PATH)
            .or_else(|| config.annotation(krm::annotations::LEGACY_PATH))
            .unwrap_or("");
        let dir = Path::new(file).parent().unwrap_or(Path::new(""));
        return Ok(Path::new(package).join(dir));
    }
    std::env::current_dir().context("cannot read the working directory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(annotation: &str, extra: Value) -> Value {
        let mut annotations = json!({ FUNCTION_ANNOTATION: annotation });
        annotations
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "x", "annotations": annotations}})
    }

    #[test]
    fn exec_and_container_annotations_are_not_wasip1() {
        let c = config("exec: {path: krmwasm}", json!({}));
        assert!(annotated_module(&c).unwrap().is_none());
    }

    #[test]
    fn a_file_is_relative_to_the_kpt_package_file() {
        let c = config(
            "wasip1: {file: fn/set.wasm}",
            json!({PACKAGE_PATH_ANNOTATION: "/pkg", "internal.config.kubernetes.io/path": "cfg/fn.yaml"}),
        );
        match annotated_module(&c).unwrap() {
            Some(AnnotatedModule::File(p)) => assert_eq!(p, Path::new("/pkg/cfg/fn/set.wasm")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_image_gets_the_oci_scheme() {
        let c = config("wasip1: {image: 127.0.0.1:5000/fn:v1}", json!({}));
        match annotated_module(&c).unwrap() {
            Some(AnnotatedModule::Image(r)) => assert_eq!(r, "oci://127.0.0.1:5000/fn:v1"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn both_or_neither_is_an_error() {
        let c = config("wasip1: {file: a.wasm, image: r/x:1}", json!({}));
        assert!(annotated_module(&c).is_err());
        let c = config("wasip1: {}", json!({}));
        assert!(annotated_module(&c).is_err());
    }
}
