//! Which catalogs are trusted, and resolution through them.
//!
//! Trusted, in search order: the catalogs named by `--trusted-catalog` (or, when kustomize or
//! kpt start krmwasm and cannot pass flags, `KRMWASM_TRUSTED_CATALOGS`, comma-separated), then
//! those in the user's config file (`$KRMWASM_CONFIG`, else
//! `$XDG_CONFIG_HOME/krmwasm/config.yaml`), then the catalog built into the binary. The first
//! entry matching group, version and kind wins (KEP-2906). Nothing else is trusted.

use super::builtin::ModuleUris;
use super::{CatalogSource, Entry, LoadedCatalog, WasmRuntime};
use crate::builtin::BuiltinFunction;
use crate::sources::Sources;
use anyhow::{Context, anyhow, bail};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

pub const CATALOGS_ENV: &str = "KRMWASM_TRUSTED_CATALOGS";
pub const ALLOWED_MODULES_ENV: &str = "KRMWASM_ALLOWED_MODULES";
pub const CONFIG_ENV: &str = "KRMWASM_CONFIG";
const CONFIG_API_VERSION: &str = "krmwasm.dev/v1alpha1";
const CONFIG_KIND: &str = "HostConfig";

/// A catalog named for trust: a file or an `oci://` reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogRef {
    File(PathBuf),
    Oci(String),
}

impl CatalogRef {
    /// `oci://…` or a path (relative to `base` when given).
    pub fn parse(text: &str, base: Option<&Path>) -> Self {
        if text.starts_with(crate::oci::SCHEME) {
            return CatalogRef::Oci(text.to_string());
        }
        let path = Path::new(text.strip_prefix("file://").unwrap_or(text));
        match base {
            Some(base) if path.is_relative() => CatalogRef::File(base.join(path)),
            _ => CatalogRef::File(path.to_path_buf()),
        }
    }
}

impl fmt::Display for CatalogRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogRef::File(path) => write!(f, "{}", path.display()),
            CatalogRef::Oci(reference) => f.write_str(reference),
        }
    }
}

/// The user's config file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HostConfig {
    api_version: String,
    kind: String,
    /// Accepted so the file can carry a name; not used.
    #[serde(default)]
    #[allow(dead_code)]
    metadata: Option<serde_json::Value>,
    /// Paths (relative to the config file) or `oci://` references.
    #[serde(default)]
    trusted_catalogs: Vec<String>,
    /// sha256 digests of modules that may run from a function annotation without a catalog.
    #[serde(default)]
    allowed_modules: Vec<String>,
}

/// What the user trusts, gathered from flags, environment and config file.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// In search order; the built-in catalog comes after these.
    pub catalogs: Vec<CatalogRef>,
    /// Hex sha256 digests.
    pub allowed_modules: Vec<String>,
    /// Where the config file was read from, for messages.
    pub config_file: Option<PathBuf>,
}

impl Trust {
    /// `flags`: `--trusted-catalog` values (clap falls back to the environment variable);
    /// `allowed`: `--allow-module` values.
    pub fn gather(flags: &[String], allowed: &[String]) -> anyhow::Result<Self> {
        let mut trust = Trust {
            catalogs: flags
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| CatalogRef::parse(s.trim(), None))
                .collect(),
            allowed_modules: Vec::new(),
            config_file: None,
        };
        for digest in allowed {
            trust.allowed_modules.push(
                normalize_digest(digest).with_context(|| {
                    format!("--allow-module / {ALLOWED_MODULES_ENV}: {digest:?}")
                })?,
            );
        }
        let named = std::env::var_os(CONFIG_ENV).is_some_and(|p| !p.is_empty());
        if let Some(path) = config_path()
            && named
            && !path.is_file()
        {
            // A config named and not read would trust less than its author meant, silently.
            bail!(
                "{CONFIG_ENV} names {}, which is not a file: point it at a krmwasm HostConfig, or \
                 unset it to read the default {}",
                path.display(),
                dirs::config_dir()
                    .map(|d| d.join("krmwasm").join("config.yaml").display().to_string())
                    .unwrap_or_else(|| "$XDG_CONFIG_HOME/krmwasm/config.yaml".into())
            );
        }
        if let Some(path) = config_path()
            && path.is_file()
        {
            let config = read_config(&path)?;
            let base = path.parent().unwrap_or(Path::new("."));
            trust.catalogs.extend(
                config
                    .trusted_catalogs
                    .iter()
                    .map(|s| CatalogRef::parse(s, Some(base))),
            );
            for digest in &config.allowed_modules {
                trust.allowed_modules.push(
                    normalize_digest(digest).with_context(|| {
                        format!("{}: allowedModules: {digest:?}", path.display())
                    })?,
                );
            }
            trust.config_file = Some(path);
        }
        Ok(trust)
    }

    /// How to trust a catalog, for error messages.
    pub fn how_to_trust() -> String {
        let config = config_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "$XDG_CONFIG_HOME/krmwasm/config.yaml".into());
        format!(
            "trust a catalog that lists it with --trusted-catalog PATH|oci://REF, the \
             {CATALOGS_ENV} environment variable (comma-separated; for kustomize and kpt, which \
             start krmwasm without flags), or trustedCatalogs in {config}"
        )
    }
}

/// `$KRMWASM_CONFIG`, else `<user config dir>/krmwasm/config.yaml`.
pub fn config_path() -> Option<PathBuf> {
    match std::env::var_os(CONFIG_ENV) {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => dirs::config_dir().map(|d| d.join("krmwasm").join("config.yaml")),
    }
}

fn read_config(path: &Path) -> anyhow::Result<HostConfig> {
    let bytes = krm::codec::read_file(path)
        .with_context(|| format!("cannot read the krmwasm config {}", path.display()))?;
    let value = krm::codec::parse_value(&bytes)
        .map_err(|e| anyhow!("{}: not YAML: {e}", path.display()))?;
    let config: HostConfig = serde_path_to_error::deserialize(value)
        .map_err(|e| anyhow!("{}: {}: {}", path.display(), e.path(), e.inner()))?;
    if config.api_version != CONFIG_API_VERSION || config.kind != CONFIG_KIND {
        bail!(
            "{}: expected apiVersion {CONFIG_API_VERSION} and kind {CONFIG_KIND}, found {} {}",
            path.display(),
            config.api_version,
            config.kind
        );
    }
    Ok(config)
}

/// `sha256:<hex>` or `<hex>` → `<hex>`.
pub fn normalize_digest(text: &str) -> anyhow::Result<String> {
    let hex = text.trim().strip_prefix("sha256:").unwrap_or(text.trim());
    if super::is_sha256_hex(hex) {
        Ok(hex.to_string())
    } else {
        bail!("not a sha256 digest (sha256:<64 lowercase hex digits>)")
    }
}

/// A catalog entry chosen for a functionConfig, owned.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub source: CatalogSource,
    /// `group/version/Kind`.
    pub gvk: String,
    /// The function's name for messages: the kind.
    pub name: String,
    pub wasm: WasmRuntime,
}

impl Resolved {
    pub fn of(catalog: &LoadedCatalog, entry: Entry<'_>) -> Self {
        Resolved {
            source: catalog.source.clone(),
            gvk: entry.gvk(),
            name: entry.definition.names.kind.clone(),
            wasm: entry.wasm.clone(),
        }
    }

    /// The built-in catalog's entry for `api_version`/`kind`, one of `f`'s kinds, as
    /// [`Resolved::of`] gives it.
    fn built_in(f: &BuiltinFunction, api_version: &str, kind: &str) -> Self {
        Resolved {
            source: CatalogSource::Builtin,
            gvk: format!("{api_version}/{kind}"),
            name: kind.to_string(),
            wasm: WasmRuntime {
                uri: ModuleUris::default().uri(f),
                sha256: f.sha256.to_string(),
            },
        }
    }
}

/// The trusted catalogs, loaded on demand, in search order.
pub struct TrustedCatalogs<'a> {
    trust: &'a Trust,
    sources: &'a Sources,
}

impl<'a> TrustedCatalogs<'a> {
    pub fn new(trust: &'a Trust, sources: &'a Sources) -> Self {
        TrustedCatalogs { trust, sources }
    }

    /// Reads one trusted catalog; a file that cannot be read says where trust is configured.
    fn trusted(&self, reference: &CatalogRef) -> anyhow::Result<LoadedCatalog> {
        let catalog = self.sources.catalog(reference);
        match reference {
            CatalogRef::File(_) => catalog.context(
                "a trusted catalog cannot be read (check --trusted-catalog, KRMWASM_TRUSTED_CATALOGS and the krmwasm config file)",
            ),
            CatalogRef::Oci(_) => catalog,
        }
    }

    /// Each trusted catalog in order, the built-in one last. A named catalog that cannot be
    /// read is an error: it was trusted on purpose, and skipping it could pick another module.
    pub fn load_all(&self) -> anyhow::Result<Vec<LoadedCatalog>> {
        let mut all = self.load_named()?;
        all.push(builtin());
        Ok(all)
    }

    /// The catalogs trusted by name (flags, environment, config file), in order.
    pub fn load_named(&self) -> anyhow::Result<Vec<LoadedCatalog>> {
        self.trust
            .catalogs
            .iter()
            .map(|reference| self.trusted(reference))
            .collect()
    }

    /// The first entry for `api_version`/`kind`, loading catalogs only until it is found.
    pub fn resolve(&self, api_version: &str, kind: &str) -> anyhow::Result<Resolved> {
        if api_version == "v1" && kind == "ConfigMap" {
            bail!(
                "krmwasm picks a function by its functionConfig's kind, and a v1/ConfigMap (what \
                 `kpt fn eval … -- key=value` and a Kptfile's `configMap:` make) names none: run \
                 one by name (`krmwasm run kpack-validate`, which takes a ConfigMap's data as its \
                 settings), or give a config by --fn-config or a Kptfile's configPath ({})",
                crate::builtin::known_kinds()
            );
        }
        let mut searched = Vec::new();
        let mut not_wasm = None;
        // Kept for the error's "did you mean", which only a failed search builds.
        let mut loaded = Vec::new();
        for reference in &self.trust.catalogs {
            let catalog = self.trusted(reference)?;
            if let Some(entry) = catalog.catalog.find(api_version, kind) {
                return Ok(Resolved::of(&catalog, entry));
            }
            if not_wasm.is_none() && catalog.catalog.lists(api_version, kind) {
                not_wasm = Some(reference.to_string());
            }
            searched.push(reference.to_string());
            loaded.push(catalog);
        }
        // Not `builtin().catalog.find`: building that catalog converts every kind's schema,
        // ~1 ms of every exec call.
        if let Some(f) = crate::builtin::by_kind(api_version, kind) {
            return Ok(Resolved::built_in(f, api_version, kind));
        }
        if let Some(catalog) = not_wasm {
            bail!(
                "{catalog} lists {api_version}/{kind}, but only as a container or exec function: \
                 krmwasm runs functions with a wasm runtime (runtime.wasm: uri, sha256); run this \
                 one with kpt or kustomize as its catalog entry says"
            );
        }
        searched.push(CatalogSource::Builtin.to_string());
        // Every apiVersion and kind the catalogs serve.
        let named = loaded.iter().flat_map(|c| c.catalog.entries()).map(|e| {
            let version = super::api_version(&e.definition.group, &e.version.name);
            (version, e.definition.names.kind.clone())
        });
        let built_in = crate::builtin::FUNCTIONS.iter().flat_map(|f| {
            f.kinds
                .iter()
                .map(|(api_version, kind)| (api_version.to_string(), kind.to_string()))
        });
        let served: Vec<(String, String)> = named.chain(built_in).collect();
        let wanted = format!("{api_version}/{kind}");
        let hint = meant(api_version, kind, &served)
            .map(|meant| format!(" Did you mean {meant}?"))
            .unwrap_or_default();
        bail!(
            "no trusted catalog has a function for functionConfig {wanted} (searched: {}; \
             built-in kinds: {}).{hint} To run a function from another catalog, {}",
            searched.join(", "),
            crate::builtin::known_kinds(),
            Trust::how_to_trust()
        )
    }

    /// Where a module with this digest is trusted: a catalog entry or an allowed digest.
    pub fn trusts_digest(&self, sha256: &str) -> anyhow::Result<Option<String>> {
        if self.trust.allowed_modules.iter().any(|d| d == sha256) {
            return Ok(Some("an allowed module digest".into()));
        }
        for catalog in self.load_all()? {
            if let Some(entry) = catalog.catalog.find_digest(sha256) {
                return Ok(Some(format!("{} ({})", catalog.source, entry.gvk())));
            }
        }
        Ok(None)
    }
}

/// What `api_version`/`kind` most likely meant among the `served` ones: a kind misspelt
/// within its apiVersion, or the kind in another version of its group.
fn meant(api_version: &str, kind: &str, served: &[(String, String)]) -> Option<String> {
    let same_version = served
        .iter()
        .filter(|(v, _)| v == api_version)
        .map(|(_, k)| k.as_str());
    if let Some(k) = krm::suggest::closest(kind, same_version) {
        return Some(format!("{api_version}/{k}"));
    }
    let group = super::split_api_version(api_version).0;
    served
        .iter()
        .find(|(v, k)| k == kind && super::split_api_version(v).0 == group)
        .map(|(v, k)| format!("{v}/{k}"))
}

/// The catalog of the functions compiled into this binary.
pub fn builtin() -> LoadedCatalog {
    LoadedCatalog {
        source: CatalogSource::Builtin,
        catalog: super::builtin::catalog(&super::builtin::ModuleUris::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_in_kind_resolves_as_the_built_in_catalog_lists_it() {
        let catalog = builtin();
        for f in crate::builtin::FUNCTIONS {
            for (api_version, kind) in f.kinds {
                let listed =
                    Resolved::of(&catalog, catalog.catalog.find(api_version, kind).unwrap());
                let fast = Resolved::built_in(f, api_version, kind);
                assert_eq!(format!("{fast:?}"), format!("{listed:?}"));
            }
        }
    }

    #[test]
    fn a_misspelt_kind_or_version_is_told_the_one_meant() {
        let served = [
            ("kpack.krmwasm.dev/v1alpha1", "ImageConfig"),
            ("kpack.krmwasm.dev/v1alpha1", "BuilderConfig"),
            ("kp.kpack.io/v1", "DependencyDescriptor"),
        ]
        .map(|(v, k)| (v.to_string(), k.to_string()));
        let meant = |v: &str, k: &str| meant(v, k, &served);
        assert_eq!(
            meant("kpack.krmwasm.dev/v1alpha1", "ImageConfigs").as_deref(),
            Some("kpack.krmwasm.dev/v1alpha1/ImageConfig")
        );
        assert_eq!(
            meant("kpack.krmwasm.dev/v1", "BuilderConfig").as_deref(),
            Some("kpack.krmwasm.dev/v1alpha1/BuilderConfig")
        );
        // Another kind of the group, or a kind of another group, is not a misspelling.
        assert_eq!(meant("kpack.krmwasm.dev/v1alpha1", "RegistryConfig"), None);
        assert_eq!(meant("example.com/v1", "ImageConfig"), None);
    }

    #[test]
    fn catalog_refs_are_files_or_oci() {
        assert_eq!(
            CatalogRef::parse("oci://r/x:1", None),
            CatalogRef::Oci("oci://r/x:1".into())
        );
        assert_eq!(
            CatalogRef::parse("c.yaml", Some(Path::new("/etc/k"))),
            CatalogRef::File("/etc/k/c.yaml".into())
        );
        assert_eq!(
            CatalogRef::parse("/abs/c.yaml", Some(Path::new("/etc/k"))),
            CatalogRef::File("/abs/c.yaml".into())
        );
    }

    #[test]
    fn digests_are_normalized() {
        let hex = "ab".repeat(32);
        assert_eq!(normalize_digest(&format!("sha256:{hex}")).unwrap(), hex);
        assert_eq!(normalize_digest(&hex).unwrap(), hex);
        assert!(normalize_digest("sha256:xyz").is_err());
    }
}
