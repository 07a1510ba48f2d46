//! Fetching catalogs and modules from where they are named — `builtin:NAME`, a path, or
//! `oci://REF` — and checking each module against the digest its catalog entry names before
//! the runtime sees it.

use crate::catalog::trust::{CatalogRef, Resolved};
use crate::catalog::{self, Catalog, CatalogSource, LoadedCatalog};
use crate::oci::{self, ArtifactKind, Registry};
use crate::runtime::VerifiedWasm;
use crate::store::Store;
use anyhow::{Context, anyhow, bail};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Where modules and catalogs come from: files, the binary, registries through the store.
pub struct Sources {
    pub store: Store,
    pub oci: oci::Settings,
}

impl Sources {
    pub fn registry(&self) -> Registry<'_> {
        Registry::new(&self.oci, &self.store)
    }

    /// Reads the catalog `reference` names.
    pub fn catalog(&self, reference: &CatalogRef) -> anyhow::Result<LoadedCatalog> {
        match reference {
            CatalogRef::File(path) => Catalog::read(path),
            CatalogRef::Oci(reference) => {
                let pulled = self.registry().pull(reference)?;
                if pulled.kind != ArtifactKind::Catalog {
                    bail!("{reference} is a wasm module, not a function catalog");
                }
                let catalog = Catalog::parse(&pulled.bytes, reference)?;
                Ok(LoadedCatalog {
                    source: CatalogSource::Oci(reference.clone()),
                    catalog,
                })
            }
        }
    }

    /// The module a resolved catalog entry names, checked against the entry's digest.
    pub fn module(&self, resolved: &Resolved) -> anyhow::Result<VerifiedWasm> {
        let uri = &resolved.wasm.uri;
        let expected = &resolved.wasm.sha256;
        let source_name = format!("{} ({})", resolved.source, resolved.gvk);
        let check = |bytes: Cow<'static, [u8]>, location: &str| {
            VerifiedWasm::check(&resolved.name, location, bytes, expected, &source_name)
                .map_err(anyhow::Error::from)
        };
        if uri.starts_with(catalog::builtin::SCHEME) {
            let f = catalog::builtin::function_for_uri(uri).ok_or_else(|| {
                anyhow!(
                    "{source_name}: {uri} names no function built into this krmwasm ({})",
                    crate::builtin::known_names()
                )
            })?;
            return VerifiedWasm::check_hashed(
                &resolved.name,
                uri,
                Cow::Borrowed(f.wasm),
                f.sha256.to_string(),
                expected,
                &source_name,
            )
            .map_err(anyhow::Error::from);
        }
        if uri.starts_with(oci::SCHEME) {
            // The digest is the module's identity: a stored copy needs no network.
            if let Some(bytes) = self.store.blob(expected) {
                crate::debug!("{}: module {expected} found in the cache", resolved.name);
                return check(Cow::Owned(bytes), uri);
            }
            let pulled = self.registry().pull(uri)?;
            if pulled.kind != ArtifactKind::Module {
                bail!("{source_name}: {uri} is a catalog, not a wasm module");
            }
            return check(Cow::Owned(pulled.bytes), uri);
        }
        let path = module_path(uri, &resolved.source)?;
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "cannot read the module {} that {source_name} names",
                path.display()
            )
        })?;
        check(Cow::Owned(bytes), &path.display().to_string())
    }

    /// A module named in a function annotation (`wasip1: {file|image}`), not yet trusted.
    pub fn unchecked_module(&self, location: &AnnotatedModule) -> anyhow::Result<VerifiedWasm> {
        match location {
            AnnotatedModule::File(path) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read the module {}", path.display()))?;
                Ok(VerifiedWasm::unpinned(&name_of(path), Cow::Owned(bytes)))
            }
            AnnotatedModule::Image(reference) => {
                let pulled = self.registry().pull(reference)?;
                if pulled.kind != ArtifactKind::Module {
                    bail!("{reference} is a catalog, not a wasm module");
                }
                let name = oci::repository_name(reference);
                Ok(VerifiedWasm::unpinned(name, Cow::Owned(pulled.bytes)))
            }
        }
    }
}

/// Where a function annotation says the module is.
#[derive(Clone, Debug)]
pub enum AnnotatedModule {
    File(PathBuf),
    Image(String),
}

/// A module path in a catalog: relative to the catalog file.
fn module_path(uri: &str, source: &CatalogSource) -> anyhow::Result<PathBuf> {
    let path = Path::new(uri.strip_prefix("file://").unwrap_or(uri));
    if uri.contains("://") && !uri.starts_with("file://") {
        bail!(
            "{source}: module uri {uri} has a scheme krmwasm does not fetch; use oci://REF, \
             builtin:NAME or a path relative to the catalog"
        );
    }
    // A catalog from a registry names what its consumers fetch: a path would be read on each
    // consumer's machine, whatever is there.
    if let CatalogSource::Oci(reference) = source {
        bail!(
            "{reference}: module uri {uri} is a path, which means nothing for a catalog pulled \
             from a registry; name modules there by oci://REF"
        );
    }
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    match source {
        CatalogSource::File(catalog) => Ok(catalog.parent().unwrap_or(Path::new(".")).join(path)),
        _ => Ok(path.to_path_buf()),
    }
}

/// `dir/set-labels.wasm` → `set-labels`.
pub fn name_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
