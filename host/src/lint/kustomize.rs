//! Kustomize patches in a linted tree. A kustomization's patches are fragments: a
//! strategic-merge patch names an Image and holds only the fields it changes. Linted as
//! manifests, every one of them would fail for each required field it leaves out, so the files
//! a kustomization lists as patches are set aside. What they produce is checked by linting
//! `kustomize build` output.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The names kustomize looks for in a directory.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A file set aside: a kustomization lists it as a patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    /// As found among the inputs.
    pub file: PathBuf,
    /// The kustomization that lists it.
    pub listed_in: PathBuf,
}

/// Splits `files` into those to lint and the patches listed by the kustomizations in their
/// directories (a walked directory's kustomization is among them). Stdin is never a patch.
pub fn set_aside_patches(files: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<Patch>) {
    let listed = listed_patches(&files);
    if listed.is_empty() {
        return (files, Vec::new());
    }
    // Only inputs named like a listed patch are resolved: a large tree costs no more than a
    // lookup per file.
    let names: BTreeSet<_> = listed.keys().filter_map(|p| p.file_name()).collect();
    let mut kept = Vec::with_capacity(files.len());
    let mut patches = Vec::new();
    for file in files {
        let listed_in = file
            .file_name()
            .filter(|name| names.contains(name))
            .and_then(|_| std::fs::canonicalize(&file).ok())
            .and_then(|real| listed.get(&real));
        match listed_in {
            Some(kustomization) => patches.push(Patch {
                file,
                listed_in: kustomization.clone(),
            }),
            None => kept.push(file),
        }
    }
    (kept, patches)
}

/// Every patch file that a kustomization beside one of `files` lists, by its canonical path,
/// with the kustomization that lists it.
fn listed_patches(files: &[PathBuf]) -> HashMap<PathBuf, PathBuf> {
    let directories: BTreeSet<&Path> = files
        .iter()
        .filter(|f| f.as_os_str() != "-")
        .map(|f| match f.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        })
        .collect();
    let mut listed = HashMap::new();
    for directory in directories {
        for name in KUSTOMIZATION_FILES {
            let kustomization = directory.join(name);
            let Ok(text) = std::fs::read_to_string(&kustomization) else {
                continue;
            };
            // A kustomization that cannot be read as one lists nothing here; it is linted
            // with the rest when it is among the inputs, and kustomize says what is wrong.
            let Ok(documents) = krm::codec::parse_stream(text.as_bytes()) else {
                continue;
            };
            for path in documents.first().map(patch_paths).unwrap_or_default() {
                if let Ok(real) = std::fs::canonicalize(directory.join(path)) {
                    listed.entry(real).or_insert_with(|| kustomization.clone());
                }
            }
        }
    }
    listed
}

/// The files a kustomization (or a Component) lists as patches: `patches[].path`,
/// `patchesJson6902[].path` and the entries of `patchesStrategicMerge` that are paths rather
/// than inline patches.
fn patch_paths(kustomization: &serde_json::Value) -> Vec<&str> {
    let entries = |key: &str| {
        kustomization
            .get(key)
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
    };
    let with_path = |key| entries(key).filter_map(|e| e.get("path")?.as_str());
    let strategic = entries("patchesStrategicMerge")
        .filter_map(serde_json::Value::as_str)
        .filter(|entry| !entry.contains('\n'));
    let paths: BTreeSet<&str> = with_path("patches")
        .chain(with_path("patchesJson6902"))
        .chain(strategic)
        .collect();
    paths.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    fn relative(dir: &Path, paths: impl IntoIterator<Item = PathBuf>) -> Vec<String> {
        paths
            .into_iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn every_way_of_listing_a_patch_is_read() {
        let kustomization: serde_json::Value = serde_json::json!({
            "resources": ["../../base", "image.yaml"],
            "patches": [{"path": "a.yaml"}, {"patch": "inline", "target": {"kind": "Image"}}],
            "patchesJson6902": [{"target": {"kind": "Image", "name": "web"}, "path": "b.yaml"}],
            "patchesStrategicMerge": ["c.yaml", "apiVersion: v1\nkind: ConfigMap\n"],
        });
        assert_eq!(patch_paths(&kustomization), ["a.yaml", "b.yaml", "c.yaml"]);
        assert!(patch_paths(&serde_json::json!({"patches": "not a list"})).is_empty());
    }

    #[test]
    fn patches_are_set_aside_wherever_they_sit() {
        let dir = tree(&[
            ("base/image.yaml", "kind: Image\n"),
            ("base/kustomization.yaml", "resources: [image.yaml]\n"),
            (
                "overlays/prod/kustomization.yaml",
                "resources: [../../base]\npatches:\n- path: image-patch.yaml\n- path: ../shared/tag.yaml\n",
            ),
            ("overlays/prod/image-patch.yaml", "kind: Image\n"),
            ("overlays/shared/tag.yaml", "kind: Image\n"),
            (
                "overlays/staging/Kustomization",
                "patchesStrategicMerge: [image-patch.yaml]\n",
            ),
            ("overlays/staging/image-patch.yaml", "kind: Image\n"),
            ("overlays/other/image-patch.yaml", "kind: Image\n"),
        ]);
        let files = crate::lint::inputs::expand(&[dir.path().to_path_buf()]).unwrap();
        let (kept, patches) = set_aside_patches(files);
        assert_eq!(
            relative(dir.path(), kept),
            [
                "base/image.yaml",
                "base/kustomization.yaml",
                "overlays/other/image-patch.yaml",
                "overlays/prod/kustomization.yaml",
            ]
        );
        assert_eq!(
            relative(dir.path(), patches.iter().map(|p| p.file.clone())),
            [
                "overlays/prod/image-patch.yaml",
                "overlays/shared/tag.yaml",
                "overlays/staging/image-patch.yaml",
            ]
        );
        assert!(
            patches[1]
                .listed_in
                .ends_with("overlays/prod/kustomization.yaml")
        );
        assert!(
            patches[2]
                .listed_in
                .ends_with("overlays/staging/Kustomization")
        );
    }

    #[test]
    fn a_patch_named_on_its_own_is_set_aside_by_the_kustomization_beside_it() {
        let dir = tree(&[
            ("kustomization.yml", "patches: [{path: patch.yaml}]\n"),
            ("patch.yaml", "kind: Image\n"),
            ("image.yaml", "kind: Image\n"),
        ]);
        let files = vec![dir.path().join("patch.yaml"), dir.path().join("image.yaml")];
        let (kept, patches) = set_aside_patches(files);
        assert_eq!(relative(dir.path(), kept), ["image.yaml"]);
        assert_eq!(patches.len(), 1);
    }

    #[test]
    fn a_broken_kustomization_sets_nothing_aside() {
        let dir = tree(&[
            ("kustomization.yaml", "patches: [{path: patch.yaml}\n"),
            ("patch.yaml", "kind: Image\n"),
        ]);
        let files = vec![dir.path().join("patch.yaml"), PathBuf::from("-")];
        let (kept, patches) = set_aside_patches(files.clone());
        assert_eq!(kept, files);
        assert!(patches.is_empty());
    }
}
