//! Files in a linted tree that are pieces of manifests rather than manifests: kustomize
//! patches, which hold only the fields they change (linted as manifests, each would fail for
//! every required field it leaves out), Helm chart templates, which are Go templates, and ytt
//! templates, whose computed values read as null. They are set aside and reported; what they
//! produce is checked by linting what kustomize, Helm or ytt renders. Patches and Helm
//! templates are known by their paths, here; ytt templates by their text, where it is read.

mod helm;
pub mod kustomize;
pub mod ytt;

use std::path::PathBuf;

/// A file set aside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// As found among the inputs.
    pub file: PathBuf,
    pub kind: Kind,
    /// What makes it one: the kustomization that lists the patch, the template's
    /// `Chart.yaml`, or the ytt template itself (its annotations).
    pub by: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    KustomizePatch,
    HelmTemplate,
    YttTemplate,
}

impl Kind {
    /// "kustomize patch", "Helm template".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::KustomizePatch => "kustomize patch",
            Kind::HelmTemplate => "Helm template",
            Kind::YttTemplate => "ytt template",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Kind::KustomizePatch => "kustomize patches",
            Kind::HelmTemplate => "Helm templates",
            Kind::YttTemplate => "ytt templates",
        }
    }
}

impl Fragment {
    /// `file`, read and found to be a ytt template.
    pub fn ytt_template(file: PathBuf) -> Self {
        Fragment {
            by: file.clone(),
            file,
            kind: Kind::YttTemplate,
        }
    }

    /// Why it was not linted and what to lint instead.
    pub fn explanation(&self) -> String {
        let by = self.by.display();
        match self.kind {
            Kind::KustomizePatch => format!(
                "a kustomize patch, listed in {by}: lint `kustomize build` output to check what it produces"
            ),
            Kind::HelmTemplate => format!(
                "a Helm template of the chart {by}: lint `helm template` output to check what it produces"
            ),
            Kind::YttTemplate => "a ytt template (it holds `#@` annotations): lint `ytt` output to check what it produces".to_string(),
        }
    }
}

/// Splits `files` into those to lint and the fragments among them. Stdin is never one.
pub fn set_aside(files: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<Fragment>) {
    let patches = kustomize::Patches::beside(&files);
    let mut kept = Vec::with_capacity(files.len());
    let mut fragments = Vec::new();
    for file in files {
        let found = if file.as_os_str() == "-" {
            None
        } else if let Some(by) = patches.listed_in(&file) {
            Some((Kind::KustomizePatch, by.to_path_buf()))
        } else {
            helm::chart_of(&file).map(|chart| (Kind::HelmTemplate, chart))
        };
        match found {
            Some((kind, by)) => fragments.push(Fragment { file, kind, by }),
            None => kept.push(file),
        }
    }
    (kept, fragments)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::Path;

    /// Files in a scratch directory.
    pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    /// `paths` relative to `dir`, as text.
    pub fn relative<'a>(dir: &Path, paths: impl IntoIterator<Item = &'a PathBuf>) -> Vec<String> {
        paths
            .into_iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn patches_and_templates_are_set_aside_and_the_rest_kept_in_order() {
        let dir = tree(&[
            ("app/kustomization.yaml", "patches: [{path: patch.yaml}]\n"),
            ("app/patch.yaml", "kind: Image\n"),
            ("app/image.yaml", "kind: Image\n"),
            ("chart/Chart.yaml", "name: shop\n"),
            ("chart/templates/image.yaml", "{{ if .Values.image }}\n"),
            ("chart/values.yaml", "image: web\n"),
        ]);
        let mut files = crate::tree::walk(&[dir.path().to_path_buf()]).unwrap();
        files.push(PathBuf::from("-"));
        let (kept, fragments) = set_aside(files);
        assert_eq!(kept.last().unwrap(), Path::new("-"));
        assert_eq!(
            relative(dir.path(), &kept[..kept.len() - 1]),
            [
                "app/image.yaml",
                "app/kustomization.yaml",
                "chart/Chart.yaml",
                "chart/values.yaml"
            ]
        );
        let found: Vec<_> = fragments.iter().map(|f| f.kind).collect();
        assert_eq!(found, [Kind::KustomizePatch, Kind::HelmTemplate]);
        assert!(
            fragments[1]
                .explanation()
                .starts_with("a Helm template of the chart "),
        );
    }
}
