//! The trusted catalogs' functions as lint uses them. Validators (tag `validator`) judge every
//! document at once. And every function judges the documents of the config kind it takes (an
//! ImageConfig, a BuilderConfig, a ValidatorConfig): it runs on each one alone, as kpt or
//! kustomize would run it, and its results are kept, so a mistake in a config is found where
//! it is written rather than when the pipeline renders. Kinds tagged `shared-format` (another
//! tool's format, such as kp import's DependencyDescriptor) are left alone.

use crate::catalog::trust::Resolved;
use crate::catalog::{TAG_SHARED_FORMAT, TAG_VALIDATOR};
use crate::commands::Host;
use crate::runtime::{LoadedModule, VerifiedWasm};
use anyhow::Context;
use serde_json::Value;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A validator, with the minimal functionConfig lint gives it.
pub struct Validator {
    /// `group/version/Kind` of its config.
    pub gvk: String,
    /// Its module's name, for findings.
    pub name: String,
    pub default_config: Value,
}

/// What the trusted catalogs give lint.
pub struct Functions {
    /// First entry per module.
    pub validators: Vec<Validator>,
    /// Every function by the apiVersion and kind of the config it takes; the first catalog
    /// that has a kind wins, as when kpt runs it.
    by_kind: HashMap<(String, String), KindFunction>,
    /// The config kinds (`version/Kind`) the trusted catalogs serve, by group, for groups
    /// of config kinds of their own: shared formats (another tool's group) are not counted.
    served: HashMap<String, Vec<(String, String)>>,
}

/// The function a config kind resolves to.
struct KindFunction {
    function: Resolved,
    /// Tagged `shared-format`: documents of the kind found among the inputs are not checked.
    shared_format: bool,
}

impl Functions {
    /// Reads the trusted catalogs once.
    pub fn trusted(host: &Host) -> anyhow::Result<Functions> {
        let mut seen = Vec::new();
        let mut validators = Vec::new();
        let mut by_kind = HashMap::new();
        let mut served: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for catalog in host.catalogs().load_all()? {
            for entry in catalog.catalog.entries() {
                let api_version =
                    crate::catalog::api_version(&entry.definition.group, &entry.version.name);
                let kind = entry.definition.names.kind.clone();
                let tagged = |tag: &str| entry.definition.tags.iter().any(|t| t == tag);
                by_kind
                    .entry((api_version.clone(), kind.clone()))
                    .or_insert_with(|| KindFunction {
                        function: Resolved::of(&catalog, entry),
                        shared_format: tagged(TAG_SHARED_FORMAT),
                    });
                let group = &entry.definition.group;
                if !group.is_empty() && !tagged(TAG_SHARED_FORMAT) {
                    let kinds = served.entry(group.clone()).or_default();
                    let version_kind = (entry.version.name.clone(), kind.clone());
                    if !kinds.contains(&version_kind) {
                        kinds.push(version_kind);
                    }
                }
                if !tagged(TAG_VALIDATOR) || seen.contains(&entry.wasm.sha256) {
                    continue;
                }
                seen.push(entry.wasm.sha256.clone());
                validators.push(Validator {
                    gvk: entry.gvk(),
                    name: function_name(&entry.wasm.uri),
                    default_config: serde_json::json!({
                        "apiVersion": api_version,
                        "kind": kind,
                        "metadata": {"name": "krmwasm-lint"},
                    }),
                });
            }
        }
        for kinds in served.values_mut() {
            kinds.sort();
        }
        Ok(Functions {
            validators,
            by_kind,
            served,
        })
    }

    /// When `document` is in a group whose config kinds the trusted catalogs serve but no
    /// trusted function takes its apiVersion and kind (a version or a kind misspelt), the
    /// field to blame (`apiVersion` or `kind`) and what is wrong: kpt and kustomize would
    /// find no function for it.
    pub fn unserved(&self, document: &Value) -> Option<(&'static str, String)> {
        if self.kind_function(document).is_some() {
            return None;
        }
        let api_version = document.get("apiVersion")?.as_str()?;
        let kind = document.get("kind")?.as_str()?;
        let (group, _) = api_version.split_once('/')?;
        let kinds = self.served.get(group)?;
        let served = |(version, kind): &(String, String)| format!("{group}/{version} {kind}");
        let versions: Vec<String> = kinds
            .iter()
            .filter(|(_, k)| k == kind)
            .map(served)
            .collect();
        Some(if versions.is_empty() {
            let all: Vec<String> = kinds.iter().map(served).collect();
            (
                "kind",
                format!(
                    "no trusted function takes kind {kind} in {api_version}, so kpt and kustomize would find no function for it; in {group} the trusted catalogs serve {}",
                    all.join(", ")
                ),
            )
        } else {
            (
                "apiVersion",
                format!(
                    "no trusted function takes {kind} in {api_version}, so kpt and kustomize would find no function for it; the trusted catalogs serve {}",
                    versions.join(", ")
                ),
            )
        })
    }

    /// The function that takes `document` as its config, if any does and the kind is not
    /// tagged `shared-format`: a document among the inputs that lint should check.
    pub fn for_config(&self, document: &Value) -> Option<&Resolved> {
        self.kind_function(document)
            .filter(|k| !k.shared_format)
            .map(|k| &k.function)
    }

    /// The function that runs with `config`, a validator's; as `resolve` would find it, from
    /// the catalogs already read.
    pub fn for_validator_config(&self, config: &Value) -> anyhow::Result<&Resolved> {
        self.kind_function(config)
            .map(|k| &k.function)
            .with_context(|| {
                format!(
                    "no trusted catalog has a function for {}/{}",
                    config["apiVersion"].as_str().unwrap_or_default(),
                    config["kind"].as_str().unwrap_or_default()
                )
            })
    }

    fn kind_function(&self, document: &Value) -> Option<&KindFunction> {
        let api_version = document.get("apiVersion")?.as_str()?;
        let kind = document.get("kind")?.as_str()?;
        self.by_kind
            .get(&(api_version.to_string(), kind.to_string()))
    }
}

/// A document that a trusted function takes as its config.
pub struct ConfigDocument<'a> {
    /// Annotated with its file and index.
    pub value: Value,
    pub function: &'a Resolved,
    pub file: String,
    pub index: usize,
}

/// Runs the functions of one lint, each module verified and loaded once however often it
/// runs: a validator whose config is also among the inputs, or many configs of one kind.
pub struct Runner<'a> {
    host: &'a Host,
    /// By kind and module digest.
    loaded: HashMap<String, (VerifiedWasm, LoadedModule)>,
}

impl<'a> Runner<'a> {
    pub fn new(host: &'a Host) -> Self {
        Runner {
            host,
            loaded: HashMap::new(),
        }
    }

    /// Runs `function` over `input`, a JSON ResourceList; its results.
    pub fn results(
        &mut self,
        function: &Resolved,
        input: Vec<u8>,
    ) -> anyhow::Result<Vec<krm::Diagnostic>> {
        // By kind too: the module's name in messages is the kind's.
        let key = format!("{}@{}", function.gvk, function.wasm.sha256);
        let (wasm, loaded) = match self.loaded.entry(key) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let wasm = self.host.sources.module(function)?;
                let loaded = self.host.load(&wasm)?;
                entry.insert((wasm, loaded))
            }
        };
        self.host.call_for_results(wasm, loaded, input)
    }

    /// Runs `function` with `config` (annotated with its file) as its functionConfig and no
    /// items; its results. Its output is not needed.
    pub fn check(
        &mut self,
        function: &Resolved,
        config: &Value,
    ) -> anyhow::Result<Vec<krm::Diagnostic>> {
        let input = super::resource_list_json(b"[]", config);
        self.results(function, input)
            .with_context(|| format!("the function {} could not run", function.gvk))
    }
}

/// A module's name from its catalog URI: `builtin:kpack-validate`,
/// `oci://ghcr.io/acme/kpack-validate:1.0@sha256:…` and `./kpack-validate.wasm` all give
/// `kpack-validate`.
pub fn function_name(uri: &str) -> String {
    let uri = uri
        .strip_prefix(crate::catalog::builtin::SCHEME)
        .unwrap_or(uri);
    let last = uri.rsplit('/').next().unwrap_or(uri);
    let last = last.split('@').next().unwrap_or(last);
    let last = last.split(':').next().unwrap_or(last);
    last.strip_suffix(".wasm").unwrap_or(last).to_string()
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn function_names_come_from_module_uris() {
        for uri in [
            "builtin:kpack-validate",
            "oci://ghcr.io/acme/kpack-validate:1.0@sha256:0123",
            "oci://127.0.0.1:5000/kpack-validate@sha256:0123",
            "./fns/kpack-validate.wasm",
        ] {
            assert_eq!(function_name(uri), "kpack-validate", "{uri}");
        }
    }
}
