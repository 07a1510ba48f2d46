//! Trees of manifests, found as `krmwasm lint` and `krmwasm run --input DIR` read them:
//! directories walked as ripgrep walks them (`.yaml`, `.yml` and `.json` files; hidden,
//! git-ignored and `.krmwasmignore`d paths skipped), and the [`fragments`] among the files
//! (kustomize patches, Helm templates) set aside.

pub mod fragments;

use std::path::{Path, PathBuf};

/// Per-directory ignore files in gitignore syntax, for YAML lint should not read (templates
/// outside a Helm chart, test fixtures) in a repository that does not git-ignore it.
pub const IGNORE_FILE: &str = ".krmwasmignore";

/// The manifests `paths` name and the fragments set aside from them (`-v` lists those).
pub fn manifests(paths: &[PathBuf]) -> anyhow::Result<(Vec<PathBuf>, Vec<fragments::Fragment>)> {
    let (found, set_aside) = fragments::set_aside(walk(paths)?);
    for fragment in &set_aside {
        crate::debug!(
            "set aside: {}, {}",
            fragment.file.display(),
            fragment.explanation()
        );
    }
    Ok((found, set_aside))
}

/// The files `paths` name, in a stable order: a directory gives its manifests; a file, even
/// one missing, and `-` (stdin) are kept as given.
pub fn walk(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" || !path.is_dir() {
            // A missing file is reported when it is read, with the others.
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        for entry in ignore::WalkBuilder::new(path)
            .add_custom_ignore_filename(IGNORE_FILE)
            .build()
        {
            let entry =
                entry.map_err(|e| anyhow::anyhow!("cannot walk {}: {e}", path.display()))?;
            let p = entry.path();
            if entry.file_type().is_some_and(|t| t.is_file()) && is_manifest(p) {
                found.push(p.to_path_buf());
            }
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_give_their_manifests_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        for f in ["b/x.yaml", "a.yml", "c.json", "notes.md", ".hidden.yaml"] {
            std::fs::write(dir.path().join(f), "a: 1\n").unwrap();
        }
        let files = walk(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.yml", "b/x.yaml", "c.json"]);
    }
}
