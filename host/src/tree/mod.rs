//! Trees of manifests, found as `krmwasm lint` and `krmwasm run --input DIR` read them:
//! directories walked as ripgrep walks them (`.yaml`, `.yml` and `.json` files; hidden,
//! git-ignored and `.krmwasmignore`d paths skipped), and the [`fragments`] among the files
//! (kustomize patches, Helm templates) set aside.

pub mod fragments;

use std::path::{Path, PathBuf};

/// Per-directory ignore files in gitignore syntax, for YAML lint should not read (templates
/// outside a Helm chart, test fixtures) in a repository that does not git-ignore it.
pub const IGNORE_FILE: &str = ".krmwasmignore";

/// What [`manifests`] found under some paths.
#[derive(Debug, Default)]
pub struct Manifests {
    /// The files to read, in a stable order.
    pub files: Vec<PathBuf>,
    /// Kustomize patches and Helm templates, not to be read as manifests (ytt templates are
    /// known by their text: [`fragments::ytt`]).
    pub set_aside: Vec<fragments::Fragment>,
    /// What could not be walked; the rest was.
    pub unwalkable: Vec<Unwalkable>,
}

impl Manifests {
    /// The files and fragments, or an error naming the first place that could not be walked:
    /// for a caller that must have all of its input or none (`krmwasm run --input DIR`).
    pub fn complete(mut self) -> anyhow::Result<(Vec<PathBuf>, Vec<fragments::Fragment>)> {
        match self.unwalkable.drain(..).next() {
            Some(u) => Err(anyhow::anyhow!(
                "cannot walk {}: {}",
                u.path.display(),
                u.error
            )),
            None => Ok((self.files, self.set_aside)),
        }
    }
}

/// A directory (or an ignore file) under a walked path that could not be read, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unwalkable {
    pub path: PathBuf,
    pub error: String,
}

/// The manifests `paths` name and the fragments set aside from them (`-v` lists those).
/// A directory that cannot be read does not stop the walk: it is listed as unwalkable.
pub fn manifests(paths: &[PathBuf]) -> Manifests {
    let walked = walk_all(paths);
    let (files, set_aside) = fragments::set_aside(walked.files);
    for fragment in &set_aside {
        crate::debug!(
            "set aside: {}, {}",
            fragment.file.display(),
            fragment.explanation()
        );
    }
    Manifests {
        files,
        set_aside,
        unwalkable: walked.unwalkable,
    }
}

/// The files `paths` name, in a stable order, or an error naming the first place that could
/// not be walked. See [`walk_all`].
pub fn walk(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    Manifests {
        files: walk_all(paths).files,
        ..Manifests::default()
    }
    .complete()
    .map(|(files, _)| files)
}

/// What [`walk_all`] found.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<PathBuf>,
    pub unwalkable: Vec<Unwalkable>,
}

/// The files `paths` name, in a stable order: a directory gives its manifests; a file, even
/// one missing, and `-` (stdin) are kept as given. What cannot be walked under a directory
/// (a subdirectory the user may not read) is listed, and the rest walked.
pub fn walk_all(paths: &[PathBuf]) -> Walked {
    let mut walked = Walked::default();
    // A file reached twice (named twice, named and in a named directory, through a link) is
    // read once, under the first name it was reached by: read twice, each of its objects
    // would be its own duplicate and each finding said twice.
    let mut seen = std::collections::HashSet::new();
    let canonical =
        |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    for path in paths {
        if path.as_os_str() == "-" || !path.is_dir() {
            // A missing file is reported when it is read, with the others.
            if seen.insert(canonical(path)) {
                walked.files.push(path.clone());
            }
            continue;
        }
        // The walk follows no links below the directory, so a file's real path is the
        // directory's and the rest of the file's: one lookup per directory, not per file.
        let root = canonical(path);
        let mut found = Vec::new();
        for entry in ignore::WalkBuilder::new(path)
            .add_custom_ignore_filename(IGNORE_FILE)
            .build()
        {
            match entry {
                Ok(entry) => {
                    let p = entry.path();
                    if entry.file_type().is_some_and(|t| t.is_file()) && is_manifest(p) {
                        found.push(p.to_path_buf());
                    }
                }
                Err(e) => unwalkable(&e, path, None, &mut walked.unwalkable),
            }
        }
        found.sort();
        walked.files.extend(found.into_iter().filter(|file| {
            let within = file.strip_prefix(path).unwrap_or(file);
            seen.insert(root.join(within))
        }));
    }
    walked
}

/// The places and reasons in a walk error: `at` is the innermost path named so far, `line`
/// the line of an ignore file.
fn unwalkable(error: &ignore::Error, at: &Path, line: Option<u64>, out: &mut Vec<Unwalkable>) {
    use ignore::Error as E;
    match error {
        E::Partial(errors) => {
            for e in errors {
                unwalkable(e, at, line, out);
            }
        }
        E::WithPath { path, err } => unwalkable(err, path, line, out),
        E::WithDepth { err, .. } => unwalkable(err, at, line, out),
        E::WithLineNumber { line, err } => unwalkable(err, at, Some(*line), out),
        E::Loop { ancestor, child } => out.push(Unwalkable {
            path: child.clone(),
            error: format!("a symbolic link loop back to {}", ancestor.display()),
        }),
        other => {
            // An I/O error's own text repeats the path; its innermost cause says why.
            let cause = match other {
                E::Io(io) => {
                    let mut cause: &dyn std::error::Error = io;
                    while let Some(inner) = cause.source() {
                        cause = inner;
                    }
                    cause.to_string()
                }
                other => other.to_string(),
            };
            let error = match line {
                Some(line) => format!("line {line}: {cause}"),
                None => cause,
            };
            out.push(Unwalkable {
                path: at.to_path_buf(),
                error,
            });
        }
    }
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

    #[test]
    fn a_file_reached_twice_is_given_once_under_its_first_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d/a.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("d"), dir.path().join("link")).unwrap();
        let paths = [
            dir.path().join("d"),
            dir.path().join("d/a.yaml"),
            dir.path().join("d/../d/a.yaml"),
            dir.path().join("link"),
            "-".into(),
            "-".into(),
            dir.path().join("missing.yaml"),
            dir.path().join("missing.yaml"),
        ];
        assert_eq!(
            walk_all(&paths).files,
            [
                dir.path().join("d/a.yaml"),
                "-".into(),
                dir.path().join("missing.yaml")
            ]
        );
    }
}
