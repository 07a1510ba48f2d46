//! Function catalogs: KEP-2906's `KRMFunctionCatalog` (`config.kubernetes.io/v1alpha1`) with a
//! `runtime.wasm {uri, sha256}` extension, since the KEP has no WebAssembly runtime.
//!
//! A catalog maps a functionConfig's group, version and kind to a module and that module's
//! digest. Which catalogs are searched, and in which order, is [`trust`]'s job; fetching and
//! checking the module is [`crate::modules`]'.

pub mod builtin;
pub mod openapi;
pub mod trust;

use anyhow::bail;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

pub const API_VERSION: &str = "config.kubernetes.io/v1alpha1";
/// The tag of a validator's entries: `krmwasm lint` runs it over every document.
pub const TAG_VALIDATOR: &str = "validator";
/// The tag of a config kind that another tool reads too (kp import's DependencyDescriptor):
/// a document of it may be meant for that tool, so `krmwasm lint` does not check the ones it
/// finds.
pub const TAG_SHARED_FORMAT: &str = "shared-format";
pub const KIND: &str = "KRMFunctionCatalog";
/// The KEP's own examples write `kind: Catalog`; both are read.
const KIND_ALIASES: [&str; 2] = [KIND, "Catalog"];

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Catalog {
    pub api_version: String,
    pub kind: String,
    pub metadata: CatalogMetadata,
    pub spec: CatalogSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogMetadata {
    pub name: String,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub annotations: serde_json::Map<String, Value>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub labels: serde_json::Map<String, Value>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogSpec {
    pub krm_functions: Vec<FunctionDefinition>,
}

/// `KRMFunctionDefinitionSpec`: one functionConfig kind and its versions.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunctionDefinition {
    pub group: String,
    pub names: Names,
    pub description: String,
    pub publisher: String,
    pub versions: Vec<FunctionVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    pub kind: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunctionVersion {
    pub name: String,
    pub schema: VersionSchema,
    pub idempotent: bool,
    pub runtime: Runtime,
    pub usage: String,
    pub examples: Vec<String>,
    pub license: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSchema {
    #[serde(rename = "openAPIV3Schema")]
    pub open_api_v3_schema: Value,
}

/// The KEP's runtimes plus `wasm`. Only `wasm` runs here; the others are kept so a catalog
/// that also lists container or exec functions still reads.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasm: Option<WasmRuntime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<Value>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WasmRuntime {
    /// `builtin:NAME`, `oci://REF`, or a path (relative to the catalog file).
    pub uri: String,
    /// Hex sha256 of the `.wasm` module.
    pub sha256: String,
}

/// Where a catalog was read from; relative module paths are resolved against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogSource {
    /// The catalog compiled into this binary.
    Builtin,
    File(PathBuf),
    /// An `oci://` reference, as written.
    Oci(String),
}

impl fmt::Display for CatalogSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogSource::Builtin => f.write_str("the built-in catalog"),
            CatalogSource::File(path) => write!(f, "{}", path.display()),
            CatalogSource::Oci(reference) => f.write_str(reference),
        }
    }
}

/// A catalog and where it came from.
#[derive(Clone, Debug)]
pub struct LoadedCatalog {
    pub source: CatalogSource,
    pub catalog: Catalog,
}

/// One runnable version of one kind in a catalog.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub definition: &'a FunctionDefinition,
    pub version: &'a FunctionVersion,
    pub wasm: &'a WasmRuntime,
}

impl Entry<'_> {
    /// `group/version/Kind` (`version/Kind` for the core group).
    pub fn gvk(&self) -> String {
        format!(
            "{}/{}",
            api_version(&self.definition.group, &self.version.name),
            self.definition.names.kind
        )
    }
}

/// `group/version`, or `version` for the core group.
pub fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// Splits an apiVersion into group and version.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

impl Catalog {
    /// Reads a catalog from YAML or JSON; errors name `origin` and the field.
    pub fn parse(bytes: &[u8], origin: &dyn fmt::Display) -> anyhow::Result<Catalog> {
        let value = krm::codec::parse_value(bytes)
            .map_err(|e| anyhow::anyhow!("{origin}: not a YAML or JSON document: {e}"))?;
        let catalog: Catalog = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                anyhow::anyhow!("{origin}: {}", e.inner())
            } else {
                anyhow::anyhow!("{origin}: {path}: {}", e.inner())
            }
        })?;
        catalog
            .check()
            .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        Ok(catalog)
    }

    /// Reads the catalog file at `path`.
    pub fn read(path: &Path) -> anyhow::Result<LoadedCatalog> {
        let bytes = krm::codec::read_file(path).map_err(|e| {
            let hint = match e.kind() {
                std::io::ErrorKind::NotFound => not_a_file_hint(path),
                _ => String::new(),
            };
            anyhow::anyhow!("cannot read the catalog {}: {e}{hint}", path.display())
        })?;
        let catalog = Catalog::parse(&bytes, &path.display())?;
        Ok(LoadedCatalog {
            source: CatalogSource::File(path.to_path_buf()),
            catalog,
        })
    }

    /// What serde cannot say: the header, and that every wasm digest is a sha256.
    fn check(&self) -> anyhow::Result<()> {
        if self.api_version != API_VERSION || !KIND_ALIASES.contains(&self.kind.as_str()) {
            bail!(
                "not a function catalog: expected apiVersion {API_VERSION} and kind {KIND}, found {} {}",
                self.api_version,
                self.kind
            );
        }
        for (i, definition) in self.spec.krm_functions.iter().enumerate() {
            for (j, version) in definition.versions.iter().enumerate() {
                if let Some(wasm) = &version.runtime.wasm
                    && !is_sha256_hex(&wasm.sha256)
                {
                    bail!(
                        "spec.krmFunctions[{i}].versions[{j}].runtime.wasm.sha256: {:?} is not a \
                         sha256 digest (64 lowercase hex digits; `sha256sum FILE.wasm` prints it)",
                        wasm.sha256
                    );
                }
            }
        }
        Ok(())
    }

    /// Every runnable (wasm) entry, in catalog order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        self.spec.krm_functions.iter().flat_map(|definition| {
            definition.versions.iter().filter_map(move |version| {
                version.runtime.wasm.as_ref().map(|wasm| Entry {
                    definition,
                    version,
                    wasm,
                })
            })
        })
    }

    /// Whether any entry, runnable here or not (container, exec), is for `api_version`/`kind`.
    pub fn lists(&self, api_version: &str, kind: &str) -> bool {
        let (group, version) = split_api_version(api_version);
        self.spec.krm_functions.iter().any(|d| {
            d.group == group && d.names.kind == kind && d.versions.iter().any(|v| v.name == version)
        })
    }

    /// The first entry for `api_version`/`kind` (KEP-2906: first match wins).
    pub fn find(&self, api_version: &str, kind: &str) -> Option<Entry<'_>> {
        let (group, version) = split_api_version(api_version);
        self.entries().find(|e| {
            e.definition.group == group
                && e.version.name == version
                && e.definition.names.kind == kind
        })
    }

    /// The first entry whose module has this digest.
    pub fn find_digest(&self, sha256: &str) -> Option<Entry<'_>> {
        self.entries().find(|e| e.wasm.sha256 == sha256)
    }

    /// The catalog as YAML.
    pub fn to_yaml(&self) -> Vec<u8> {
        krm::codec::to_bytes(self, krm::codec::Format::Yaml)
    }
}

/// `true` for 64 lowercase hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What a catalog named by something that is not a file was probably meant as.
fn not_a_file_hint(path: &Path) -> String {
    let text = path.to_string_lossy();
    if let Some((scheme, _)) = text.split_once("://") {
        return format!(
            "\nkrmwasm reads catalogs from files and oci:// references, not {scheme}://: \
             fetch it into a file and name the file, or publish it to a registry (krmwasm push)"
        );
    }
    // `registry.example.com/catalogs/kpack:1`, `127.0.0.1:5000/c:1`: a registry reference.
    let first = text.split('/').next().unwrap_or_default();
    if text.contains('/') && (first.contains('.') || first.contains(':')) && !first.starts_with('.')
    {
        return format!("\nfor a catalog in a registry, write oci://{text}");
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalog_named_as_an_url_or_a_registry_reference_gets_a_hint() {
        let err = |name: &str| Catalog::read(Path::new(name)).unwrap_err().to_string();
        assert!(
            err("https://example.com/catalog.yaml").contains("not https://"),
            "{}",
            err("https://example.com/catalog.yaml")
        );
        assert!(err("127.0.0.1:5000/fns/cat:1").contains("write oci://127.0.0.1:5000/fns/cat:1"));
        assert!(err("registry.example.com/c:1").contains("write oci://"));
        assert!(!err("./missing/catalog.yaml").contains("oci://"));
        assert!(!err("missing.yaml").contains("oci://"));
    }

    const DIGEST: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn catalog(runtime: &str) -> String {
        format!(
            "apiVersion: config.kubernetes.io/v1alpha1
kind: KRMFunctionCatalog
metadata: {{name: test}}
spec:
  krmFunctions:
  - group: example.com
    names: {{kind: SetLabels}}
    description: sets labels
    publisher: example.com
    versions:
    - name: v1
      schema: {{openAPIV3Schema: {{type: object}}}}
      idempotent: true
      runtime: {runtime}
      usage: README.md
      examples: [README.md]
      license: Apache 2.0
"
        )
    }

    #[test]
    fn finds_an_entry_by_group_version_and_kind() {
        let text = catalog(&format!("{{wasm: {{uri: fn.wasm, sha256: {DIGEST}}}}}"));
        let c = Catalog::parse(text.as_bytes(), &"c.yaml").unwrap();
        let e = c.find("example.com/v1", "SetLabels").unwrap();
        assert_eq!(e.wasm.uri, "fn.wasm");
        assert_eq!(e.gvk(), "example.com/v1/SetLabels");
        assert!(c.find("example.com/v2", "SetLabels").is_none());
        assert!(c.find("other.com/v1", "SetLabels").is_none());
        assert!(c.find_digest(DIGEST).is_some());
    }

    #[test]
    fn entries_without_a_wasm_runtime_are_read_but_not_runnable() {
        let text = catalog("{container: {image: example.com/fn:v1}}");
        let c = Catalog::parse(text.as_bytes(), &"c.yaml").unwrap();
        assert!(c.find("example.com/v1", "SetLabels").is_none());
        assert!(c.lists("example.com/v1", "SetLabels"));
        assert!(!c.lists("example.com/v2", "SetLabels"));
    }

    #[test]
    fn a_bad_digest_is_named_with_its_field() {
        let text = catalog("{wasm: {uri: fn.wasm, sha256: sha256:abc}}");
        let e = Catalog::parse(text.as_bytes(), &"c.yaml").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("c.yaml: spec.krmFunctions[0].versions[0].runtime.wasm.sha256"),
            "{msg}"
        );
    }

    #[test]
    fn a_misspelt_field_is_named() {
        let text = catalog(&format!("{{wasm: {{uri: fn.wasm, sha265: {DIGEST}}}}}"));
        let msg = Catalog::parse(text.as_bytes(), &"c.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("spec.krmFunctions[0].versions[0].runtime.wasm"),
            "{msg}"
        );
        assert!(msg.contains("sha265"), "{msg}");
    }

    #[test]
    fn other_documents_are_refused() {
        let text =
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nspec: {krmFunctions: []}\n";
        let msg = Catalog::parse(text.as_bytes(), &"c.yaml")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("not a function catalog"), "{msg}");
    }
}
