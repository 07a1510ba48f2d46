//! Kustomize patches: the files a kustomization (or a Component) lists under `patches`,
//! `patchesJson6902` or `patchesStrategicMerge` (looked up in the kustomizations that sit
//! beside the linted files), and the patches a build applies, in files or written inline.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The names kustomize looks for in a directory.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The patches that the kustomizations beside a set of files list.
pub struct Patches {
    /// Each patch by its canonical path, with the kustomization that lists it.
    listed: HashMap<PathBuf, PathBuf>,
    /// Their file names: only a file named like one is resolved, so a large tree costs a
    /// lookup per file.
    names: HashSet<OsString>,
}

impl Patches {
    /// Reads the kustomizations in the directories of `files` (a walked directory's own
    /// kustomization, and the one beside a file named on the command line).
    pub fn beside(files: &[PathBuf]) -> Patches {
        let listed = listed_patches(files);
        let names = listed
            .keys()
            .filter_map(|p| p.file_name())
            .map(OsString::from)
            .collect();
        Patches { listed, names }
    }

    /// The kustomization that lists `file` as a patch.
    pub fn listed_in(&self, file: &Path) -> Option<&Path> {
        if !self.names.contains(file.file_name()?) {
            return None;
        }
        let real = std::fs::canonicalize(file).ok()?;
        self.listed.get(&real).map(PathBuf::as_path)
    }
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
        for (kustomization, patch) in patch_files(directory) {
            if let Ok(real) = std::fs::canonicalize(patch) {
                listed.entry(real).or_insert(kustomization);
            }
        }
    }
    listed
}

/// The kustomizations in `directory`, each with its first document. One that cannot be read
/// as one is left out: it is linted with the rest when it is among the inputs, and kustomize
/// says what is wrong.
fn kustomizations(directory: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    KUSTOMIZATION_FILES
        .iter()
        .filter_map(|name| {
            let path = directory.join(name);
            let text = krm::codec::read_file(&path).ok()?;
            let first = krm::codec::parse_stream(&text).ok()?.into_iter().next()?;
            Some((path, first))
        })
        .collect()
}

/// The patch files the kustomizations in `directory` list (joined to it), each with its
/// kustomization.
fn patch_files(directory: &Path) -> Vec<(PathBuf, PathBuf)> {
    kustomizations(directory)
        .into_iter()
        .flat_map(|(kustomization, document)| {
            patches_listed(&kustomization, &document)
                .into_iter()
                .filter_map(|patch| match patch.text {
                    PatchText::File(file) => Some((kustomization.clone(), file)),
                    PatchText::Inline { .. } => None,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A patch kustomize applies when it builds a kustomization.
#[derive(Debug)]
pub struct BuildPatch {
    /// The kustomization that lists it.
    pub kustomization: PathBuf,
    pub text: PatchText,
    /// The resources it applies to, when the kustomization says (`target:`); else a
    /// strategic-merge patch applies to the resource its own kind and name give.
    pub target: Option<Target>,
}

#[derive(Debug, PartialEq)]
pub enum PatchText {
    /// A file of its own (joined to the kustomization's directory).
    File(PathBuf),
    /// Written in the kustomization: the text, and its field there (`patches[2].patch`).
    Inline { text: String, field: String },
}

/// A patch's `target`, as far as lint uses it: the kind and the name, which kustomize reads
/// as an anchored regular expression. Other selectors (labels, annotations, namespace) are
/// not checked; the value a patch sets is.
#[derive(Debug, Default)]
pub struct Target {
    pub kind: Option<String>,
    pub name: Option<String>,
    /// `name` as kustomize matches it; None when it is no regular expression (then it is
    /// compared as text).
    name_pattern: Option<regex::Regex>,
}

impl Target {
    fn of(entry: &serde_json::Value) -> Option<Target> {
        let target = entry.get("target")?;
        let text = |key| target.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let name = text("name");
        let name_pattern = name
            .as_deref()
            .and_then(|n| regex::Regex::new(&format!("^(?:{n})$")).ok());
        Some(Target {
            kind: text("kind"),
            name,
            name_pattern,
        })
    }

    /// Whether this target selects a resource of `kind` called by one of `names`.
    pub fn selects(&self, kind: &str, names: &[&str]) -> bool {
        let kind_matches = self.kind.as_deref().is_none_or(|k| k == kind);
        let name_matches = match (&self.name_pattern, &self.name) {
            (Some(pattern), _) => names.iter().any(|n| pattern.is_match(n)),
            (None, Some(name)) => names.contains(&name.as_str()),
            (None, None) => true,
        };
        kind_matches && name_matches
    }
}

/// The patches kustomize applies when it builds the kustomization in `root`: its own and
/// those of every local kustomization it includes (`resources` and `components` that are
/// directories), each kustomization read once. Remote ones are not fetched.
pub fn patches_of_build(root: &Path) -> Vec<BuildPatch> {
    // Deeper than any real tree of overlays; a bound against cycles through links.
    const MOST_KUSTOMIZATIONS: usize = 256;
    let mut pending = vec![root.to_path_buf()];
    let mut seen = HashSet::new();
    let mut patches = Vec::new();
    while let Some(directory) = pending.pop() {
        let Ok(real) = std::fs::canonicalize(&directory) else {
            continue;
        };
        if !seen.insert(real) || seen.len() > MOST_KUSTOMIZATIONS {
            continue;
        }
        for (path, kustomization) in kustomizations(&directory) {
            patches.extend(patches_listed(&path, &kustomization));
            for key in ["resources", "components"] {
                let entries = kustomization.get(key).and_then(serde_json::Value::as_array);
                for entry in entries.into_iter().flatten().filter_map(|e| e.as_str()) {
                    let included = directory.join(entry);
                    if !entry.contains("://") && included.is_dir() {
                        pending.push(included);
                    }
                }
            }
        }
    }
    patches
}

/// Every patch `kustomization` (at `path`) lists, in files or inline, with its target.
fn patches_listed(path: &Path, kustomization: &serde_json::Value) -> Vec<BuildPatch> {
    let directory = path.parent().unwrap_or(Path::new("."));
    let entries = |key: &'static str| {
        kustomization
            .get(key)
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(i, entry)| (key, i, entry))
    };
    let mut patches = Vec::new();
    for (key, i, entry) in entries("patches").chain(entries("patchesJson6902")) {
        let text = if let Some(file) = entry.get("path").and_then(|p| p.as_str()) {
            PatchText::File(directory.join(file))
        } else if let Some(text) = entry.get("patch").and_then(|p| p.as_str()) {
            PatchText::Inline {
                text: text.to_string(),
                field: format!("{key}[{i}].patch"),
            }
        } else {
            continue;
        };
        patches.push(BuildPatch {
            kustomization: path.to_path_buf(),
            text,
            target: Target::of(entry),
        });
    }
    for (key, i, entry) in entries("patchesStrategicMerge") {
        let Some(entry) = entry.as_str() else {
            continue;
        };
        let text = if entry.contains('\n') {
            PatchText::Inline {
                text: entry.to_string(),
                field: format!("{key}[{i}]"),
            }
        } else {
            PatchText::File(directory.join(entry))
        };
        patches.push(BuildPatch {
            kustomization: path.to_path_buf(),
            text,
            target: None,
        });
    }
    patches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::fragments::tests::{relative, tree};

    /// The inputs a kustomization lists as patches, and where.
    fn set_aside(files: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
        let patches = Patches::beside(files);
        files
            .iter()
            .filter_map(|f| Some((f.clone(), patches.listed_in(f)?.to_path_buf())))
            .collect()
    }

    #[test]
    fn a_build_s_patches_include_those_of_the_kustomizations_it_builds_on() {
        let dir = tree(&[
            (
                "base/kustomization.yaml",
                "resources: [image.yaml]\npatches: [{path: b.yaml}]\n",
            ),
            ("base/image.yaml", ""),
            ("base/b.yaml", ""),
            (
                "env/kustomization.yaml",
                "resources: [../base, https://example.com/x]\npatches: [{path: e.yaml}]\n",
            ),
            ("env/e.yaml", ""),
            (
                "parts/kustomization.yaml",
                "kind: Component\npatches: [{path: c.yaml}]\n",
            ),
            ("parts/c.yaml", ""),
            (
                "prod/kustomization.yaml",
                "resources: [../env, ../base]\ncomponents: [../parts]\npatchesStrategicMerge: [p.yaml]\n",
            ),
            ("prod/p.yaml", ""),
        ]);
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let patches: Vec<PathBuf> = patches_of_build(&root.join("prod"))
            .iter()
            .map(|p| match &p.text {
                PatchText::File(file) => std::fs::canonicalize(file).unwrap(),
                PatchText::Inline { .. } => panic!("no inline patches here"),
            })
            .collect();
        let mut found = relative(&root, &patches);
        found.sort();
        assert_eq!(
            found,
            ["base/b.yaml", "env/e.yaml", "parts/c.yaml", "prod/p.yaml"]
        );
    }

    #[test]
    fn a_build_s_patches_are_read_inline_and_with_their_targets() {
        let kustomization = serde_json::json!({
            "patches": [
                {"path": "a.yaml"},
                {"patch": "- op: replace\n", "target": {"kind": "Image", "name": "web|api"}},
                {"target": {"kind": "Image"}},
            ],
            "patchesJson6902": [{"target": {"kind": "Image", "name": "web"}, "path": "b.yaml"}],
            "patchesStrategicMerge": ["c.yaml", "kind: Image\nmetadata: {name: web}\n"],
        });
        let path = Path::new("overlay/kustomization.yaml");
        let patches = patches_listed(path, &kustomization);
        let texts: Vec<String> = patches
            .iter()
            .map(|p| match &p.text {
                PatchText::File(file) => file.display().to_string(),
                PatchText::Inline { field, .. } => field.clone(),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "overlay/a.yaml",
                "patches[1].patch",
                "overlay/b.yaml",
                "overlay/c.yaml",
                "patchesStrategicMerge[1]"
            ]
        );
        assert!(patches.iter().all(|p| p.kustomization == path));
        assert!(patches[0].target.is_none());
        // kustomize matches a target's name as an anchored regular expression.
        let target = patches[1].target.as_ref().unwrap();
        assert!(target.selects("Image", &["api"]));
        assert!(target.selects("Image", &["prod-web", "web"]));
        assert!(!target.selects("Image", &["web-2"]));
        assert!(!target.selects("Builder", &["web"]));
        let unparsable = Target::of(&serde_json::json!({"target": {"name": "a("}})).unwrap();
        assert!(unparsable.selects("Image", &["a("]));
        assert!(Target::default().selects("Image", &["anything"]));
    }

    #[test]
    fn every_way_of_listing_a_patch_is_read() {
        let kustomization: serde_json::Value = serde_json::json!({
            "resources": ["../../base", "image.yaml"],
            "patches": [{"path": "a.yaml"}, {"patch": "inline", "target": {"kind": "Image"}}],
            "patchesJson6902": [{"target": {"kind": "Image", "name": "web"}, "path": "b.yaml"}],
            "patchesStrategicMerge": ["c.yaml", "apiVersion: v1\nkind: ConfigMap\n"],
        });
        // The files among them, as `patch_files` takes them.
        let files = |kustomization: &serde_json::Value| -> Vec<PathBuf> {
            patches_listed(Path::new("kustomization.yaml"), kustomization)
                .into_iter()
                .filter_map(|p| match p.text {
                    PatchText::File(file) => Some(file),
                    PatchText::Inline { .. } => None,
                })
                .collect()
        };
        let expected: Vec<PathBuf> = ["a.yaml", "b.yaml", "c.yaml"].map(PathBuf::from).into();
        assert_eq!(files(&kustomization), expected);
        assert!(files(&serde_json::json!({"patches": "not a list"})).is_empty());
    }

    #[test]
    fn patches_are_found_wherever_they_sit() {
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
        let files = crate::tree::walk(&[dir.path().to_path_buf()]).unwrap();
        let found = set_aside(&files);
        assert_eq!(
            relative(dir.path(), found.iter().map(|(file, _)| file)),
            [
                "overlays/prod/image-patch.yaml",
                "overlays/shared/tag.yaml",
                "overlays/staging/image-patch.yaml",
            ]
        );
        assert_eq!(
            relative(dir.path(), found.iter().map(|(_, by)| by)),
            [
                "overlays/prod/kustomization.yaml",
                "overlays/prod/kustomization.yaml",
                "overlays/staging/Kustomization",
            ]
        );
    }

    #[test]
    fn a_patch_named_on_its_own_is_found_by_the_kustomization_beside_it() {
        let dir = tree(&[
            ("kustomization.yml", "patches: [{path: patch.yaml}]\n"),
            ("patch.yaml", "kind: Image\n"),
            ("image.yaml", "kind: Image\n"),
        ]);
        let files = [dir.path().join("patch.yaml"), dir.path().join("image.yaml")];
        let found = set_aside(&files);
        assert_eq!(
            relative(dir.path(), found.iter().map(|(file, _)| file)),
            ["patch.yaml"]
        );
    }

    #[test]
    fn a_broken_kustomization_lists_nothing() {
        let dir = tree(&[
            ("kustomization.yaml", "patches: [{path: patch.yaml}\n"),
            ("patch.yaml", "kind: Image\n"),
        ]);
        assert!(set_aside(&[dir.path().join("patch.yaml"), PathBuf::from("-")]).is_empty());
    }
}
