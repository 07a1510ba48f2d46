//! The catalog of the functions compiled into this binary: always trusted, searched last, and
//! what `krmwasm catalog build` writes (the repository's `catalog.yaml`).

use super::{
    Catalog, CatalogMetadata, CatalogSpec, FunctionDefinition, FunctionVersion, Names, Runtime,
    VersionSchema, WasmRuntime, split_api_version,
};
use crate::builtin::{self, BuiltinFunction};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The scheme of a module compiled into the binary: `builtin:kpack-image`.
pub const SCHEME: &str = "builtin:";
/// Who publishes the built-in functions.
const PUBLISHER: &str = "krmwasm.dev";
/// Where `usage` and `examples` paths in the crates' metadata live.
const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/");
/// KEP-2906 allows exactly this spelling of the one license it lists.
const KEP_APACHE_2: &str = "Apache 2.0";

/// `[package.metadata.krmwasm]` of a function crate, plus its kinds' schemas (host/build.rs).
#[derive(Deserialize)]
struct CatalogInfo {
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default = "yes")]
    idempotent: bool,
    usage: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    descriptions: BTreeMap<String, String>,
    /// Kind → tags of that kind's entry only, after `tags`.
    #[serde(default, rename = "kind-tags")]
    kind_tags: BTreeMap<String, Vec<String>>,
    /// `apiVersion/Kind` → JSON Schema.
    schemas: BTreeMap<String, serde_json::Value>,
}

fn yes() -> bool {
    true
}

/// How a built-in catalog names its modules' locations.
#[derive(Clone, Debug)]
pub struct ModuleUris {
    /// With `{name}` and `{version}` replaced; `builtin:{name}` by default.
    pub template: String,
}

impl Default for ModuleUris {
    fn default() -> Self {
        ModuleUris {
            template: format!("{SCHEME}{{name}}"),
        }
    }
}

impl ModuleUris {
    pub fn uri(&self, f: &BuiltinFunction) -> String {
        self.template
            .replace("{name}", f.name)
            .replace("{version}", f.version)
    }
}

/// The built-in catalog, naming modules as `uris` says.
pub fn catalog(uris: &ModuleUris) -> Catalog {
    // One definition per (group, kind), its versions in the order the crate lists them.
    let mut definitions: Vec<FunctionDefinition> = Vec::new();
    for f in builtin::FUNCTIONS {
        let info: CatalogInfo = serde_json::from_str(f.catalog_info)
            .unwrap_or_else(|e| panic!("{}: catalog metadata from build.rs: {e}", f.name));
        for (api_version, kind) in f.kinds {
            let (group, version) = split_api_version(api_version);
            let schema = info
                .schemas
                .get(&format!("{api_version}/{kind}"))
                .map(super::openapi::from_json_schema)
                .unwrap_or_default();
            let entry = FunctionVersion {
                name: version.to_string(),
                schema: VersionSchema {
                    open_api_v3_schema: schema,
                },
                idempotent: info.idempotent,
                runtime: Runtime {
                    wasm: Some(WasmRuntime {
                        uri: uris.uri(f),
                        sha256: f.sha256.to_string(),
                    }),
                    ..Runtime::default()
                },
                usage: format!("{DOCS_BASE}{}", info.usage),
                examples: info
                    .examples
                    .iter()
                    .map(|e| format!("{DOCS_BASE}{e}"))
                    .collect(),
                license: KEP_APACHE_2.to_string(),
                maintainers: Vec::new(),
            };
            match definitions
                .iter_mut()
                .find(|d| d.group == group && d.names.kind == *kind)
            {
                Some(definition) => definition.versions.push(entry),
                None => definitions.push(FunctionDefinition {
                    group: group.to_string(),
                    names: Names {
                        kind: kind.to_string(),
                    },
                    description: info.descriptions.get(*kind).cloned().unwrap_or_else(|| {
                        panic!("{}: no description for {kind} in its Cargo.toml", f.name)
                    }),
                    publisher: PUBLISHER.to_string(),
                    versions: vec![entry],
                    home: Some(env!("CARGO_PKG_REPOSITORY").to_string()),
                    maintainers: Vec::new(),
                    tags: info
                        .tags
                        .iter()
                        .chain(info.kind_tags.get(*kind).into_iter().flatten())
                        .cloned()
                        .collect(),
                }),
            }
        }
    }
    Catalog {
        api_version: super::API_VERSION.to_string(),
        kind: super::KIND.to_string(),
        metadata: CatalogMetadata {
            name: format!("krmwasm-{}", env!("CARGO_PKG_VERSION")),
            ..CatalogMetadata::default()
        },
        spec: CatalogSpec {
            krm_functions: definitions,
        },
    }
}

/// The built-in function a `builtin:NAME` uri names.
pub fn function_for_uri(uri: &str) -> Option<&'static BuiltinFunction> {
    uri.strip_prefix(SCHEME).and_then(builtin::by_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_kind_has_an_entry_with_its_digest_and_schema() {
        let c = catalog(&ModuleUris::default());
        for f in builtin::FUNCTIONS {
            for (api_version, kind) in f.kinds {
                let e = c.find(api_version, kind).expect(kind);
                assert_eq!(e.wasm.sha256, f.sha256);
                assert_eq!(function_for_uri(&e.wasm.uri).unwrap().name, f.name);
                let schema = &e.version.schema.open_api_v3_schema;
                assert_eq!(schema["type"], "object", "{kind}");
                assert!(!schema.to_string().contains("$ref"), "{kind}");
                assert!(!e.version.examples.is_empty(), "{kind}");
            }
        }
    }

    #[test]
    fn one_definition_holds_all_versions_of_a_kind() {
        let c = catalog(&ModuleUris::default());
        let groups_kinds: Vec<(&str, &str)> = c
            .spec
            .krm_functions
            .iter()
            .map(|d| (d.group.as_str(), d.names.kind.as_str()))
            .collect();
        let unique: std::collections::BTreeSet<_> = groups_kinds.iter().collect();
        assert_eq!(unique.len(), groups_kinds.len(), "{groups_kinds:?}");
    }

    /// The repository's catalog.yaml is this catalog; a changed schema, description or module
    /// digest makes it stale.
    #[test]
    fn the_committed_catalog_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog.yaml");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let current = String::from_utf8(catalog(&ModuleUris::default()).to_yaml()).unwrap();
        assert!(
            committed == current,
            "catalog.yaml is stale; rewrite it with \
             `cargo run --release -p krmwasm -- catalog build -o catalog.yaml`"
        );
    }

    #[test]
    fn uris_follow_the_template() {
        let uris = ModuleUris {
            template: "oci://127.0.0.1:5000/fns/{name}:{version}".into(),
        };
        let c = catalog(&uris);
        let e = c.entries().next().unwrap();
        assert!(
            e.wasm.uri.starts_with("oci://127.0.0.1:5000/fns/"),
            "{}",
            e.wasm.uri
        );
        assert!(e.wasm.uri.ends_with(env!("CARGO_PKG_VERSION")));
    }
}
