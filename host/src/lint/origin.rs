//! Where a rendered resource was written. kustomize, asked to (`buildMetadata:
//! [originAnnotations]`), notes each resource's file in its `config.kubernetes.io/origin`
//! annotation, relative to the kustomization it built. Linting what kustomize renders
//! (`kubectl kustomize DIR | krmwasm lint --origin-root DIR -`), a finding is placed in the
//! rendered stream, which no CI system can show on a change; its origin is the file and
//! place in the repository: at the same field when the file holds the value that was linted;
//! else in a patch of the build (the kustomization's, or one's it builds on), when one sets
//! that value of the resource; else at the resource's start (a transformer changed or added
//! the value).

use super::locate::{Region, SourceMap};
use super::{Finding, Outcome};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// kustomize's annotation: a small YAML map (`path: …`, or `repo:`/`ref:` for a remote base,
/// `configuredIn:` for a generated resource).
const ORIGIN: &str = "config.kubernetes.io/origin";

/// Where a finding's resource was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file, joined to the origin root as written (`overlays/prod/../../base/image.yaml`
    /// is `base/image.yaml`).
    pub file: String,
    pub region: Option<Region>,
    /// The index of the resource's document in `file`.
    pub document: usize,
    /// Whether `region` is the finding's field, holding the value linted; else it is the
    /// resource's start, as kustomize changed or added the value.
    pub at_field: bool,
    /// Whether `file` is a patch that set the value, not the resource's own file.
    pub patch: bool,
}

/// The origins of the linted documents that carry one, by file and document index, and the
/// files they name, each read once.
pub struct Origins {
    root: PathBuf,
    /// What each annotated document says, with the object as linted.
    rendered: HashMap<(String, usize), (String, Value)>,
    files: HashMap<PathBuf, Option<SourceFile>>,
    /// The patches of the build at `root`, read when first needed.
    patches: Option<Vec<SourceFile>>,
}

struct SourceFile {
    display: String,
    text: String,
    documents: Vec<Value>,
    map: Option<SourceMap>,
}

impl Origins {
    /// `root`: the directory of the kustomization that was built, which origin paths are
    /// relative to.
    pub fn new(root: PathBuf) -> Self {
        Origins {
            root,
            rendered: HashMap::new(),
            files: HashMap::new(),
            patches: None,
        }
    }

    /// Notes `object`'s origin, if it names a file of the repository (not a remote base or a
    /// generator).
    pub fn note(&mut self, file: &str, index: usize, object: &Value) {
        if let Some(path) = local_origin(object) {
            self.rendered
                .insert((file.to_string(), index), (path, object.clone()));
        }
    }

    /// Gives each finding about an annotated document the place its resource was written,
    /// and the files read to `outcome.sources` for code frames.
    pub fn attach(mut self, outcome: &mut Outcome) {
        if self.rendered.is_empty() {
            return;
        }
        for finding in &mut outcome.findings {
            let (Some(file), Some(index)) = (&finding.file, finding.document) else {
                continue;
            };
            let Some((path, rendered)) = self.rendered.get(&(file.clone(), index)) else {
                continue;
            };
            let path = normalize(&self.root.join(path));
            let Some(source) = self
                .files
                .entry(path.clone())
                .or_insert_with(|| SourceFile::read(&path))
            else {
                continue;
            };
            finding.origin = source.origin_of(rendered, finding);
            // A value the resource's file does not hold: a patch here may have set it.
            if let (Some(origin), Some(field)) = (&finding.origin, &finding.field)
                && !origin.at_field
            {
                let name = source.documents[origin.document]
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let patches = self.patches.get_or_insert_with(|| {
                    crate::tree::fragments::kustomize::patch_files_of_build(&self.root)
                        .iter()
                        .filter_map(|patch| SourceFile::read(&normalize(patch)))
                        .collect()
                });
                if let Some(patched) = patches
                    .iter()
                    .find_map(|p| p.patch_setting(rendered, name, field))
                {
                    finding.origin = Some(patched);
                }
            }
        }
        for patch in self.patches.into_iter().flatten() {
            outcome.sources.entry(patch.display).or_insert(patch.text);
        }
        let mut missing: Vec<String> = Vec::new();
        for (path, source) in self.files {
            match source {
                Some(source) => {
                    outcome.sources.entry(source.display).or_insert(source.text);
                }
                None => missing.push(path.to_string_lossy().into_owned()),
            }
        }
        if !missing.is_empty() {
            missing.sort();
            outcome.notes.push(format!(
                "kustomize's origin annotations name files that cannot be read as manifests from {} ({}): \
                 --origin-root should be the directory of the kustomization that was built",
                self.root.display(),
                missing.join(", ")
            ));
        }
    }
}

impl SourceFile {
    fn read(path: &Path) -> Option<SourceFile> {
        let bytes = krm::codec::read_file(path).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let documents = krm::codec::parse_stream(text.as_bytes()).ok()?;
        let map = SourceMap::parse(&text).ok();
        Some(SourceFile {
            display: path.to_string_lossy().into_owned(),
            text,
            documents,
            map,
        })
    }

    /// Where `finding`, about `rendered`, goes in this file: the document of the same kind
    /// whose name the rendered name holds (kustomize adds prefixes and suffixes), the longest
    /// such; at the field when it holds the same value here.
    fn origin_of(&self, rendered: &Value, finding: &Finding) -> Option<Origin> {
        let text_at = |value: &Value, key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let name = |value: &Value| value.get("metadata").map(|m| text_at(m, "name"));
        let rendered_name = name(rendered).unwrap_or_default();
        let document = self
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| text_at(d, "kind") == text_at(rendered, "kind"))
            .filter_map(|(i, d)| Some((i, name(d)?)))
            .filter(|(_, n)| !n.is_empty() && rendered_name.contains(n.as_str()))
            .max_by_key(|(_, n)| n.len())
            .map(|(i, _)| i)?;
        let map = self.map.as_ref();
        let unchanged = finding.field.as_deref().is_none_or(|field| {
            let here = super::locate::value_at(&self.documents[document], field);
            here.is_some() && here == super::locate::value_at(rendered, field)
        });
        let region = if unchanged {
            map.and_then(|m| m.locate(document, finding.field.as_deref()))
        } else {
            map.and_then(|m| m.document_start(document))
        };
        Some(Origin {
            file: self.display.clone(),
            region,
            document,
            at_field: unchanged && finding.field.is_some(),
            patch: false,
        })
    }

    /// Where this file, a patch, sets `field` of the resource called `name` (before kustomize
    /// renamed it) to the value it has in `rendered`.
    fn patch_setting(&self, rendered: &Value, name: &str, field: &str) -> Option<Origin> {
        let document = self.documents.iter().position(|d| {
            d.get("kind") == rendered.get("kind")
                && d.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
                && super::locate::value_at(d, field)
                    .is_some_and(|v| Some(v) == super::locate::value_at(rendered, field))
        })?;
        Some(Origin {
            file: self.display.clone(),
            region: self.map.as_ref()?.locate(document, Some(field)),
            document,
            at_field: true,
            patch: true,
        })
    }
}

/// The `path` of `object`'s origin annotation, unless it came from another repository.
fn local_origin(object: &Value) -> Option<String> {
    let annotation = object
        .get("metadata")?
        .get("annotations")?
        .get(ORIGIN)?
        .as_str()?;
    let origin = krm::codec::parse_value(annotation.as_bytes()).ok()?;
    if origin.get("repo").is_some() {
        return None;
    }
    origin.get("path")?.as_str().map(str::to_string)
}

/// `a/./b/../c` as `a/c`, without asking the file system (a link is not followed, as
/// kustomize does not).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_are_joined_without_the_file_system() {
        assert_eq!(
            normalize(Path::new("overlays/prod/../../base/image.yaml")),
            Path::new("base/image.yaml")
        );
        assert_eq!(normalize(Path::new("./a/./b")), Path::new("a/b"));
        assert_eq!(normalize(Path::new("../x")), Path::new("../x"));
        assert_eq!(normalize(Path::new("/r/../b")), Path::new("/b"));
    }

    fn finding(field: Option<&str>) -> Finding {
        Finding {
            field: field.map(str::to_string),
            ..Finding::own(krm::Severity::Error, "webhook", "x".into(), "<stdin>")
        }
    }

    #[test]
    fn the_resource_is_the_one_whose_name_the_rendered_name_holds_longest() {
        let text = "\
kind: Image
metadata: {name: cart}
spec: {tag: a/cart}
---
kind: Image
metadata: {name: cart-api}
spec: {tag: a/api}
---
kind: Builder
metadata: {name: cart-api}
";
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        let source = SourceFile::read(file.path()).unwrap();
        let rendered = json!({"kind": "Image", "metadata": {"name": "prod-cart-api-x1"},
            "spec": {"tag": "a/api", "extra": 1}});
        let at = |field| {
            let o = source.origin_of(&rendered, &finding(field)).unwrap();
            (o.document, o.region.map(|r| (r.line, r.column)), o.at_field)
        };
        assert_eq!(at(Some("spec.tag")), (1, Some((7, 13)), true));
        // Not in the file: the resource's start.
        assert_eq!(at(Some("spec.extra")), (1, Some((5, 1)), false));
        // Changed: kustomize's prefix and suffix.
        assert_eq!(at(Some("metadata.name")), (1, Some((5, 1)), false));
        assert_eq!(at(None), (1, Some((5, 1)), false));
        let unknown = json!({"kind": "Image", "metadata": {"name": "other"}});
        assert!(source.origin_of(&unknown, &finding(None)).is_none());
    }

    #[test]
    fn only_local_origins_are_taken() {
        let with = |origin: &str| json!({"metadata": {"annotations": {ORIGIN: origin}}});
        assert_eq!(
            local_origin(&with("path: ../../base/image.yaml\n")).as_deref(),
            Some("../../base/image.yaml")
        );
        let remote = with("path: examples/x.yaml\nrepo: https://github.com/a/b\nref: v1\n");
        assert_eq!(local_origin(&remote), None);
        let generated = with("configuredIn: kustomization.yaml\nconfiguredBy: {kind: X}\n");
        assert_eq!(local_origin(&generated), None);
        assert_eq!(local_origin(&json!({"metadata": {}})), None);
    }
}
