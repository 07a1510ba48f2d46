//! Where a rendered resource was written. kustomize, asked to (`buildMetadata:
//! [originAnnotations]`), notes each resource's file in its `config.kubernetes.io/origin`
//! annotation, relative to the kustomization it built. Linting what kustomize renders
//! (`kubectl kustomize DIR | krmwasm lint --origin-root DIR -`), a finding is placed in the
//! rendered stream, which no CI system can show on a change; its origin is the file and
//! place in the repository: at the same field when the file holds the value that was linted;
//! else in a patch of the build (the kustomization's, or one's it builds on; a file or a text
//! written in the kustomization; strategic-merge or JSON 6902), when one sets that value of
//! the resource; else at the resource's start (a transformer changed or added the value).

use super::locate::{Region, SourceMap, below_pointer, value_at};
use super::{Finding, Outcome};
use crate::tree::fragments::kustomize::{PatchText, Target, patches_of_build};
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
    /// What each annotated document says, by file and document index.
    rendered: HashMap<(String, usize), Noted>,
    files: HashMap<PathBuf, Option<SourceFile>>,
    /// The patches of the build at `root`, read when first needed.
    patches: Option<Vec<Patch>>,
}

/// An annotated document: its origin path, and the object as linted, as compact JSON (the
/// tree is needed only for a document with findings, and a rendered stream can be large).
struct Noted {
    path: String,
    json: Box<[u8]>,
}

struct SourceFile {
    display: String,
    text: String,
    documents: Vec<Value>,
    map: Option<SourceMap>,
}

/// A patch of the build, read.
struct Patch {
    /// Its documents and their map. For a patch written in a kustomization, `display` and
    /// `text` are the kustomization's, and the documents and map are the patch text's.
    source: SourceFile,
    /// For a patch written in a kustomization: how a place in its text moves there.
    inline: Option<Inline>,
    target: Option<Target>,
}

/// Where a patch written in a kustomization is.
enum Inline {
    /// A literal block (`patch: |`): its lines are the kustomization's lines from `lines + 1`
    /// on, each indented by `columns`.
    Shifted { lines: usize, columns: usize },
    /// Any other scalar (folded, quoted): only where the text starts is known.
    At(Option<Region>),
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
            let json = serde_json::to_vec(object).expect("JSON values serialize");
            let noted = Noted {
                path,
                json: json.into_boxed_slice(),
            };
            self.rendered.insert((file.to_string(), index), noted);
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
            let Some(Noted { path, json }) = self.rendered.get(&(file.clone(), index)) else {
                continue;
            };
            let rendered: Value = serde_json::from_slice(json).expect("written from a Value");
            let rendered = &rendered;
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
                let written = source.documents[origin.document]
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let rendered_name = rendered
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let patches = self.patches.get_or_insert_with(|| read_patches(&self.root));
                if let Some(patched) = patches
                    .iter()
                    .find_map(|p| p.setting(rendered, &[written, rendered_name], field))
                {
                    finding.origin = Some(patched);
                }
            }
        }
        for patch in self.patches.into_iter().flatten() {
            outcome
                .sources
                .entry(patch.source.display)
                .or_insert(patch.source.text);
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
            let here = value_at(&self.documents[document], field);
            here.is_some() && here == value_at(rendered, field)
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
}

/// The patches of the build at `root` that can be read, each kustomization read once.
fn read_patches(root: &Path) -> Vec<Patch> {
    let mut kustomizations: HashMap<PathBuf, Option<SourceFile>> = HashMap::new();
    patches_of_build(root)
        .into_iter()
        .filter_map(|patch| {
            let (source, inline) = match patch.text {
                PatchText::File(path) => (SourceFile::read(&normalize(&path))?, None),
                PatchText::Inline { text, field } => {
                    let path = normalize(&patch.kustomization);
                    let kustomization = kustomizations
                        .entry(path.clone())
                        .or_insert_with(|| SourceFile::read(&path))
                        .as_ref()?;
                    let at =
                        (kustomization.map.as_ref()).and_then(|map| map.locate(0, Some(&field)));
                    let source = SourceFile {
                        display: kustomization.display.clone(),
                        text: kustomization.text.clone(),
                        documents: krm::codec::parse_stream(text.as_bytes()).ok()?,
                        map: SourceMap::parse(&text).ok(),
                    };
                    (source, Some(Inline::of(&kustomization.text, &text, at)))
                }
            };
            Some(Patch {
                source,
                inline,
                target: patch.target,
            })
        })
        .collect()
}

impl Patch {
    /// Where this patch sets `field` of `rendered` (called by one of `names`: as written, as
    /// rendered) to the value it has there: a strategic-merge patch of its kind and name (or
    /// of any the target selects) holding that value, or a JSON 6902 `add` or `replace` whose
    /// value holds it.
    fn setting(&self, rendered: &Value, names: &[&str], field: &str) -> Option<Origin> {
        let kind = rendered
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let wanted = value_at(rendered, field)?;
        let targeted = self.target.as_ref().map(|t| t.selects(kind, names));
        if targeted == Some(false) {
            return None;
        }
        let (document, path) =
            self.source
                .documents
                .iter()
                .enumerate()
                .find_map(|(i, document)| match document {
                    // JSON 6902 operations apply only to a target.
                    Value::Array(operations) if targeted == Some(true) => {
                        operations.iter().enumerate().find_map(|(j, operation)| {
                            let rest = operation_setting(operation, field, wanted)?;
                            Some((i, format!("[{j}].value{rest}")))
                        })
                    }
                    Value::Object(_) => {
                        let selected = targeted.unwrap_or_else(|| {
                            document.get("kind") == rendered.get("kind")
                                && (document.pointer("/metadata/name").and_then(Value::as_str))
                                    .is_some_and(|n| names.contains(&n))
                        });
                        (selected && value_at(document, field) == Some(wanted))
                            .then(|| (i, field.to_string()))
                    }
                    _ => None,
                })?;
        let located = self.source.map.as_ref()?.locate(document, Some(&path));
        let (region, document) = match &self.inline {
            None => (located, document),
            // The kustomization's own (first) document holds the patch.
            Some(Inline::Shifted { lines, columns }) => (
                located.map(|r| Region {
                    line: r.line + lines,
                    column: r.column + columns,
                    end_line: r.end_line + lines,
                    end_column: r.end_column + columns,
                }),
                0,
            ),
            Some(Inline::At(at)) => (*at, 0),
        };
        Some(Origin {
            file: self.source.display.clone(),
            region,
            document,
            at_field: true,
            patch: true,
        })
    }
}

/// What follows `[j].value` to reach `field` when `operation` (JSON 6902) adds or replaces
/// it, or a part of the object that holds it, with `wanted`.
fn operation_setting(operation: &Value, field: &str, wanted: &Value) -> Option<String> {
    let op = operation.get("op").and_then(Value::as_str)?;
    if op != "add" && op != "replace" {
        return None;
    }
    let pointer = operation.get("path").and_then(Value::as_str)?;
    let value = operation.get("value")?;
    // kpack's webhook paths are sometimes relative to `spec`.
    [field.to_string(), format!("spec.{field}")]
        .into_iter()
        .filter_map(|f| below_pointer(&f, pointer))
        .find(|rest| value_at(value, rest) == Some(wanted))
}

impl Inline {
    /// Where `patch`, the text of a scalar that starts at `at` in `file`, is: line by line
    /// when the file holds it so (a literal block), else only where it starts.
    fn of(file: &str, patch: &str, at: Option<Region>) -> Inline {
        let Some(at) = at else {
            return Inline::At(None);
        };
        let indent = at.column - 1;
        let mut lines = file.lines().skip(at.line - 1);
        let holds_it_so = patch.lines().all(|line| {
            lines.next().is_some_and(|written| {
                if line.is_empty() {
                    written.trim().is_empty()
                } else {
                    written.len() == indent + line.len()
                        && (written.get(..indent)).is_some_and(|i| i.bytes().all(|b| b == b' '))
                        && written.ends_with(line)
                }
            })
        });
        if holds_it_so {
            Inline::Shifted {
                lines: at.line - 1,
                columns: indent,
            }
        } else {
            Inline::At(Some(at))
        }
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

    /// Reads the patches of the build in a directory holding `files`.
    fn patches_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<Patch>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let patches = read_patches(dir.path());
        (dir, patches)
    }

    /// Where the first of `patches` that sets `field` of `rendered` does: line, column,
    /// document, and the file's name.
    fn set_at(
        patches: &[Patch],
        rendered: &Value,
        field: &str,
    ) -> Option<(usize, usize, usize, String)> {
        let origin = patches
            .iter()
            .find_map(|p| p.setting(rendered, &["web", "prod-web"], field))?;
        assert!(origin.patch && origin.at_field);
        let region = origin.region.unwrap();
        let name = Path::new(&origin.file)
            .file_name()
            .unwrap()
            .to_string_lossy();
        Some((
            region.line,
            region.column,
            origin.document,
            name.into_owned(),
        ))
    }

    #[test]
    fn values_set_by_inline_and_json_6902_patches_are_found_where_written() {
        let kustomization = "\
resources: [../base]
patches:
- target: {kind: Image, name: web}
  patch: |-
    - op: replace
      path: /spec/tag
      value: r.example.com/Web
    - op: add
      path: /spec/build/env/-
      value: {name: BP_X, value: \"1\"}
- patch: |
    kind: Image
    metadata: {name: web}
    spec:
      serviceAccountName: Builder
- patch: \"kind: Image\\nmetadata: {name: web}\\nspec: {cache: {volume: {size: 2x}}}\"
- path: ops.yaml
  target: {kind: Image}
- path: other.yaml
  target: {kind: Image, name: api}
";
        let (_dir, patches) = patches_of(&[
            ("kustomization.yaml", kustomization),
            (
                "ops.yaml",
                "- op: replace\n  path: /spec/builder\n  value: {kind: ClusterBuilder, name: X}\n",
            ),
            (
                "other.yaml",
                "- op: replace\n  path: /metadata/labels\n  value: {a: b}\n",
            ),
        ]);
        assert_eq!(patches.len(), 5);
        let rendered = json!({"kind": "Image", "metadata": {"name": "prod-web", "labels": {"a": "b"}},
            "spec": {"tag": "r.example.com/Web", "serviceAccountName": "Builder",
                "build": {"env": [{"name": "A", "value": "0"}, {"name": "BP_X", "value": "1"}]},
                "builder": {"kind": "ClusterBuilder", "name": "X"},
                "cache": {"volume": {"size": "2x"}}}});
        let kustomization = |line, column| Some((line, column, 0, "kustomization.yaml".into()));
        // A JSON 6902 op written in the kustomization: its value, line by line.
        assert_eq!(
            set_at(&patches, &rendered, "spec.tag"),
            kustomization(7, 14)
        );
        assert_eq!(set_at(&patches, &rendered, "tag"), kustomization(7, 14));
        assert_eq!(
            set_at(&patches, &rendered, "spec.build.env[1].value"),
            kustomization(10, 34)
        );
        // The op added env[1], not env[0].
        assert_eq!(set_at(&patches, &rendered, "spec.build.env[0].value"), None);
        // A strategic-merge patch in a literal block.
        assert_eq!(
            set_at(&patches, &rendered, "spec.serviceAccountName"),
            kustomization(15, 27)
        );
        // A quoted text's lines are not the file's: where it starts.
        assert_eq!(
            set_at(&patches, &rendered, "spec.cache.volume.size"),
            kustomization(16, 10)
        );
        // A JSON 6902 file, and the object it replaces.
        assert_eq!(
            set_at(&patches, &rendered, "spec.builder.name"),
            Some((3, 39, 0, "ops.yaml".into()))
        );
        // other.yaml targets another resource.
        assert_eq!(set_at(&patches, &rendered, "metadata.labels.a"), None);
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
