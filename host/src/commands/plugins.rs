//! `krmwasm plugins install`: lays out kustomize legacy exec-plugin links for every kind in the
//! trusted catalogs, `<dir>/<group>/<version>/<lowercase kind>/<Kind>` → the krmwasm binary.

use crate::catalog::LoadedCatalog;
use anyhow::{Context, anyhow};
use std::path::{Path, PathBuf};

/// Where kustomize looks for plugins: `$KUSTOMIZE_PLUGIN_HOME`, else
/// `$XDG_CONFIG_HOME/kustomize/plugin`, else `$HOME/.config/kustomize/plugin`.
pub fn default_plugin_home() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("KUSTOMIZE_PLUGIN_HOME") {
        return Ok(PathBuf::from(dir));
    }
    let config = match std::env::var_os("XDG_CONFIG_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => dirs::home_dir()
            .ok_or_else(|| anyhow!("cannot find the home directory; pass --dir"))?
            .join(".config"),
    };
    Ok(config.join("kustomize").join("plugin"))
}

/// Every (apiVersion, kind) the catalogs can run, once each.
pub fn kinds(catalogs: &[LoadedCatalog]) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = Vec::new();
    for catalog in catalogs {
        for entry in catalog.catalog.entries() {
            let kind = (
                crate::catalog::api_version(&entry.definition.group, &entry.version.name),
                entry.definition.names.kind.clone(),
            );
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    kinds
}

/// Installs the links under `dir`, returning the paths written.
pub fn install(dir: &Path, kinds: &[(String, String)]) -> anyhow::Result<Vec<PathBuf>> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot find the krmwasm executable")?;
    let mut written = Vec::new();
    for (api_version, kind) in kinds {
        let plugin_dir = dir.join(api_version).join(kind.to_lowercase());
        std::fs::create_dir_all(&plugin_dir)
            .with_context(|| format!("cannot create {}", plugin_dir.display()))?;
        let link = plugin_dir.join(kind);
        if link.symlink_metadata().is_ok() {
            std::fs::remove_file(&link)
                .with_context(|| format!("cannot replace {}", link.display()))?;
        }
        link_executable(&exe, &link)
            .with_context(|| format!("cannot create {}", link.display()))?;
        written.push(link);
    }
    Ok(written)
}

#[cfg(unix)]
fn link_executable(exe: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(exe, link)
}

#[cfg(not(unix))]
fn link_executable(exe: &Path, link: &Path) -> std::io::Result<()> {
    std::fs::copy(exe, link).map(|_| ())
}
