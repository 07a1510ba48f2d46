//! Which of several configs of one validator's kind judges which file, when a repository holds
//! several packages with policies of their own. Each config governs its package: the nearest
//! directory above it with a `Kptfile` (whose pipeline names it), or else its own directory.
//! A file is judged by the config of the nearest governed directory above it; by the
//! validator's defaults when there is none, or when two configs claim that directory (lint
//! cannot tell which one its pipeline names).

use std::path::{Component, Path, PathBuf};

/// The governed directories of one validator's configs.
pub struct Scopes {
    /// Each directory, with the index of the config that governs it; None when several
    /// claim it.
    directories: Vec<(PathBuf, Option<usize>)>,
}

impl Scopes {
    /// The scopes of the configs found in `config_files` (display paths, in order).
    pub fn of(config_files: &[&str]) -> Scopes {
        let mut directories: Vec<(PathBuf, Option<usize>)> = Vec::new();
        for (index, file) in config_files.iter().enumerate() {
            let package = package_of(Path::new(file));
            match directories.iter_mut().find(|(d, _)| same(d, &package)) {
                Some((_, owner)) => *owner = None,
                None => directories.push((package, Some(index))),
            }
        }
        Scopes { directories }
    }

    /// The config that judges `file` (None: the defaults).
    pub fn owner(&self, file: &str) -> Option<usize> {
        let file = Path::new(file);
        self.directories
            .iter()
            .filter(|(directory, _)| within(file, directory))
            .max_by_key(|(directory, _)| normal(directory).count())
            .and_then(|(_, owner)| *owner)
    }

    /// The governed directories, each with its config (None: claimed by several), for
    /// telling the user.
    pub fn directories(&self) -> impl Iterator<Item = (&Path, Option<usize>)> {
        self.directories.iter().map(|(d, o)| (d.as_path(), *o))
    }
}

/// The package a config at `file` belongs to: the nearest directory above it with a Kptfile,
/// else the config's directory.
fn package_of(file: &Path) -> PathBuf {
    let directory = file.parent().unwrap_or(Path::new(""));
    directory
        .ancestors()
        .find(|d| d.join("Kptfile").is_file())
        .unwrap_or(directory)
        .to_path_buf()
}

/// A path's components without `.`, so that `./a/b` and `a/b` compare equal.
fn normal(path: &Path) -> impl Iterator<Item = Component<'_>> {
    path.components().filter(|c| *c != Component::CurDir)
}

fn same(a: &Path, b: &Path) -> bool {
    normal(a).eq(normal(b))
}

fn within(file: &Path, directory: &Path) -> bool {
    let mut file = normal(file);
    normal(directory).all(|part| file.next() == Some(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_config_above_a_file_judges_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        for package in ["team-a", "team-b/app"] {
            std::fs::create_dir_all(dir.path().join(package).join("policy")).unwrap();
            std::fs::write(dir.path().join(package).join("Kptfile"), "").unwrap();
        }
        let configs = [
            format!("{root}/team-a/policy/validator.yaml"),
            format!("{root}/team-b/app/policy/validator.yaml"),
            format!("{root}/validator.yaml"),
            format!("{root}/shared/one.yaml"),
            format!("{root}/shared/two.yaml"),
        ];
        let configs: Vec<&str> = configs.iter().map(String::as_str).collect();
        let scopes = Scopes::of(&configs);
        for (file, owner) in [
            // The package's Kptfile, not the config's own directory, bounds its scope.
            ("team-a/image.yaml", Some(0)),
            ("team-a/deep/down/image.yaml", Some(0)),
            ("team-b/app/image.yaml", Some(1)),
            // Outside any package but under the root's config.
            ("team-b/other.yaml", Some(2)),
            ("image.yaml", Some(2)),
            // Two configs claim shared/: neither is chosen there.
            ("shared/image.yaml", None),
        ] {
            assert_eq!(scopes.owner(&format!("{root}/{file}")), owner, "{file}");
        }
        assert_eq!(scopes.owner("/elsewhere/image.yaml"), None);
    }

    #[test]
    fn dot_prefixes_do_not_matter() {
        let scopes = Scopes::of(&["./apps/validator.yaml", "validator.yaml"]);
        assert_eq!(scopes.owner("apps/web.yaml"), Some(0));
        assert_eq!(scopes.owner("./apps/web.yaml"), Some(0));
        assert_eq!(scopes.owner("./web.yaml"), Some(1));
        assert_eq!(scopes.owner("<stdin>"), Some(1));
    }
}
