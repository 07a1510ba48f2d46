//! From a result's field path back to line and column: the file is parsed again with a
//! span-aware YAML parser (saphyr-parser events), only for files that have findings, into a tree
//! of nodes with their spans; a path (`spec.build.env[0].name`) is then walked down that tree.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A place in a file: 1-based lines and columns, `end` exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Region {
    fn of(span: Span) -> Self {
        let end = if span.end.index() > span.start.index() {
            span.end
        } else {
            span.start
        };
        Region {
            line: span.start.line(),
            column: span.start.col() + 1,
            end_line: end.line(),
            end_column: end.col() + 1,
        }
    }

    /// A point, for errors that have no extent.
    pub fn point(line: usize, column: usize) -> Self {
        Region {
            line,
            column,
            end_line: line,
            end_column: column,
        }
    }
}

/// A YAML node and where it is.
#[derive(Debug)]
enum Node {
    Map(Vec<(String, Span, Node)>, Span),
    Seq(Vec<Node>, Span),
    Scalar(Span),
}

impl Node {
    fn span(&self) -> Span {
        match self {
            Node::Map(_, span) | Node::Seq(_, span) | Node::Scalar(span) => *span,
        }
    }
}

/// The documents of one file, in the order (and with the skipping of empty documents) that
/// `krm::codec::parse_stream` gives them indices.
#[derive(Debug, Default)]
pub struct SourceMap {
    documents: Vec<Node>,
}

/// Where the text stops being YAML.
#[derive(Debug)]
pub struct SyntaxError {
    pub region: Region,
    pub message: String,
}

impl SourceMap {
    pub fn parse(text: &str) -> Result<SourceMap, SyntaxError> {
        // saphyr-parser refuses a tab between a key's colon and its value (`name:\tcart`),
        // which libyaml, kubectl and kustomize read. A space in its place spans the same
        // bytes and columns, and only where structure can hold one does it change anything.
        match Self::parse_exactly(text) {
            Err(error) if text.contains('\t') => {
                Self::parse_exactly(&text.replace('\t', " ")).map_err(|_| error)
            }
            parsed => parsed,
        }
    }

    fn parse_exactly(text: &str) -> Result<SourceMap, SyntaxError> {
        let mut builder = Builder::default();
        // The characters of the text, taken only when a block scalar needs its end moved.
        let mut chars: Option<Vec<char>> = None;
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|e| SyntaxError {
                region: Region::point(e.marker().line(), e.marker().col() + 1),
                message: e.info().to_string(),
            })?;
            let span = match &event {
                Event::Scalar(_, ScalarStyle::Literal | ScalarStyle::Folded, ..) => {
                    let chars = chars.get_or_insert_with(|| text.chars().collect());
                    block_scalar_span(chars, span)
                }
                _ => span,
            };
            builder.on(event, span);
        }
        Ok(SourceMap {
            documents: builder.documents,
        })
    }

    /// The region of `field` (kpack's path syntax: `a.b[0].c`, `[key]` for map keys) in
    /// document `index`: the value when it is a scalar, else its key. A path that goes deeper
    /// than the document points at the deepest part that exists; kpack's webhook paths are
    /// sometimes relative to `spec`, so that is tried too.
    pub fn locate(&self, index: usize, field: Option<&str>) -> Option<Region> {
        let root = self.documents.get(index)?;
        let segments = field.map(parse_path).unwrap_or_default();
        let direct = walk(root, &segments);
        let best = if direct.depth < segments.len() {
            // `spec` goes after a List member's `items[i]`, which lint itself put first.
            let member = match segments.as_slice() {
                [Segment::Key(items), Segment::Index(_), ..] if items == "items" => 2,
                _ => 0,
            };
            let mut in_spec = segments[..member].to_vec();
            in_spec.push(Segment::Key("spec".into()));
            in_spec.extend(segments[member..].iter().cloned());
            let via_spec = walk(root, &in_spec);
            if via_spec.depth > direct.depth + 1 {
                via_spec
            } else {
                direct
            }
        } else {
            direct
        };
        Some(Region::of(best.span.unwrap_or_else(|| first_key(root))))
    }

    /// The key of `field` in document `index`, when the whole path is there: where a finding
    /// about the key itself goes (an unknown field), rather than its value.
    pub fn locate_key(&self, index: usize, field: &str) -> Option<Region> {
        let segments = parse_path(field);
        let walked = walk(self.documents.get(index)?, &segments);
        (walked.depth == segments.len() && matches!(segments.last(), Some(Segment::Key(_))))
            .then_some(walked.key_span)
            .flatten()
            .map(Region::of)
    }

    /// The first key that repeats one before it in the same mapping, and where the repeat is.
    pub fn duplicate_key(&self) -> Option<(String, Region)> {
        self.documents.iter().find_map(duplicate_in)
    }

    /// The index of the document that starts on `line` (1-based).
    pub fn document_on_line(&self, line: usize) -> Option<usize> {
        self.documents
            .iter()
            .position(|d| d.span().start.line() == line)
    }

    /// Where document `index` starts.
    pub fn document_start(&self, index: usize) -> Option<Region> {
        self.documents.get(index).map(|d| Region::of(first_key(d)))
    }
}

/// The value `field` (kpack's path syntax) leads to in `value`, under `spec` too, as
/// [`SourceMap::locate`] finds it.
pub fn value_at<'a>(value: &'a serde_json::Value, field: &str) -> Option<&'a serde_json::Value> {
    let walk = |segments: &[Segment]| {
        segments
            .iter()
            .try_fold(value, |at, segment| match segment {
                Segment::Key(key) => at.get(key.as_str()),
                Segment::Index(i) => at.get(*i),
            })
    };
    let segments = parse_path(field);
    walk(&segments).or_else(|| {
        let mut in_spec = vec![Segment::Key("spec".into())];
        in_spec.extend(segments);
        walk(&in_spec)
    })
}

/// What is left of `field` (kpack's path syntax) below `pointer` (a JSON pointer, as JSON 6902
/// patches write paths; `-`, a list's end, stands for any index), in kpack's syntax and ready
/// to append: `spec.build.env[2].value` below `/spec/build/env/-` is `.value`, `spec.tag`
/// below `/spec/tag` is empty. None when `field` is not at or under `pointer`.
pub fn below_pointer(field: &str, pointer: &str) -> Option<String> {
    let field = parse_path(field);
    let mut pointer_segments = pointer.split('/');
    if pointer_segments.next() != Some("") {
        return None;
    }
    let pointer: Vec<String> = pointer_segments
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    if pointer.len() > field.len() {
        return None;
    }
    let matches = pointer.iter().zip(&field).all(|(p, f)| match f {
        Segment::Key(key) => p == key,
        Segment::Index(i) => p == "-" || p.parse() == Ok(*i),
    });
    matches.then(|| {
        field[pointer.len()..]
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) if !key.contains(['.', '[', ']']) => format!(".{key}"),
                Segment::Key(key) => format!("[{key}]"),
                Segment::Index(i) => format!("[{i}]"),
            })
            .collect()
    })
}

/// A block scalar (`|`, `>`) as far as its last character: the parser ends its span where
/// the next token begins, on a later line.
fn block_scalar_span(chars: &[char], span: Span) -> Span {
    let (start, end) = (span.start.index(), span.end.index().min(chars.len()));
    let mut last = end;
    while last > start && chars[last - 1].is_whitespace() {
        last -= 1;
    }
    if last == end {
        return span;
    }
    let line_start = chars[..last]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1);
    let lines_back = chars[last..end].iter().filter(|&&c| c == '\n').count();
    let end = saphyr_parser::Marker::new(
        last,
        span.end.line().saturating_sub(lines_back),
        last - line_start,
    );
    Span::new(span.start, end)
}

/// A document's first key (or the node itself): where a finding about the whole document goes.
fn first_key(node: &Node) -> Span {
    match node {
        Node::Map(entries, span) => entries.first().map(|(_, key, _)| *key).unwrap_or(*span),
        other => other.span(),
    }
}

fn duplicate_in(node: &Node) -> Option<(String, Region)> {
    match node {
        Node::Map(entries, _) => entries
            .iter()
            .enumerate()
            .find(|(i, (key, _, _))| entries[..*i].iter().any(|(k, _, _)| k == key))
            .map(|(_, (key, span, _))| (key.clone(), Region::of(*span)))
            .or_else(|| entries.iter().find_map(|(_, _, value)| duplicate_in(value))),
        Node::Seq(items, _) => items.iter().find_map(duplicate_in),
        Node::Scalar(_) => None,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// `spec.build.env[0].name` → key spec, key build, key env, index 0, key name; `[x]` with a
/// non-number is a map key (knative writes `metadata.annotations[a.b/c]`).
fn parse_path(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').unwrap_or(after.len());
            let inside = &after[..end];
            segments.push(match inside.parse() {
                Ok(i) => Segment::Index(i),
                Err(_) => Segment::Key(inside.to_string()),
            });
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end > 0 {
                segments.push(Segment::Key(rest[..end].to_string()));
            }
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    segments
}

struct Walked {
    /// How many segments matched.
    depth: usize,
    span: Option<Span>,
    /// The key (or, in a sequence, the item) of the last segment matched.
    key_span: Option<Span>,
}

fn walk(root: &Node, segments: &[Segment]) -> Walked {
    let mut node = root;
    let mut walked = Walked {
        depth: 0,
        span: None,
        key_span: None,
    };
    for segment in segments {
        let next = match (node, segment) {
            (Node::Map(entries, _), Segment::Key(key)) => entries
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, key_span, value)| (value, *key_span)),
            (Node::Seq(items, _), Segment::Index(i)) => items.get(*i).map(|v| (v, v.span())),
            _ => None,
        };
        let Some((value, key_span)) = next else { break };
        walked.depth += 1;
        walked.key_span = Some(key_span);
        // A scalar is shown by its value; a map or sequence by the key that holds it.
        walked.span = Some(match value {
            Node::Scalar(span) if span.end.index() > span.start.index() => *span,
            _ => key_span,
        });
        node = value;
    }
    walked
}

/// Builds [`Node`] trees from parser events.
#[derive(Default)]
struct Builder {
    documents: Vec<Node>,
    /// Open collections: a map with its pending key, or a sequence.
    stack: Vec<Open>,
    /// Nodes with anchors, by anchor id, so aliases point somewhere sensible.
    anchors: Vec<(usize, Span)>,
}

enum Open {
    Map {
        entries: Vec<(String, Span, Node)>,
        key: Option<(String, Span)>,
        start: Span,
    },
    Seq {
        items: Vec<Node>,
        start: Span,
    },
}

impl Builder {
    fn on(&mut self, event: Event<'_>, span: Span) {
        match event {
            Event::MappingStart(anchor, _) => {
                self.remember(anchor, span);
                self.stack.push(Open::Map {
                    entries: Vec::new(),
                    key: None,
                    start: span,
                });
            }
            Event::SequenceStart(anchor, _) => {
                self.remember(anchor, span);
                self.stack.push(Open::Seq {
                    items: Vec::new(),
                    start: span,
                });
            }
            Event::MappingEnd => {
                if let Some(Open::Map { entries, start, .. }) = self.stack.pop() {
                    self.add(Node::Map(entries, Span::new(start.start, span.end)), None);
                }
            }
            Event::SequenceEnd => {
                if let Some(Open::Seq { items, start }) = self.stack.pop() {
                    self.add(Node::Seq(items, Span::new(start.start, span.end)), None);
                }
            }
            Event::Scalar(text, style, anchor, _) => {
                self.remember(anchor, span);
                let is_null = style == ScalarStyle::Plain
                    && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                self.add(Node::Scalar(span), Some((text.into_owned(), is_null)));
            }
            Event::Alias(id) => {
                let target = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map_or(span, |(_, s)| *s);
                self.add(Node::Scalar(target), Some((String::new(), false)));
            }
            _ => {}
        }
    }

    fn remember(&mut self, anchor: usize, span: Span) {
        if anchor != 0 {
            self.anchors.push((anchor, span));
        }
    }

    /// Adds a finished node to the open collection, or as a document. `scalar` is the text of
    /// a scalar (a map key, when a map waits for one) and whether it is a null.
    fn add(&mut self, node: Node, scalar: Option<(String, bool)>) {
        match self.stack.last_mut() {
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => {
                    let text = scalar.map(|(t, _)| t).unwrap_or_default();
                    *key = Some((text, node.span()));
                }
                Some((name, key_span)) => entries.push((name, key_span, node)),
            },
            Some(Open::Seq { items, .. }) => items.push(node),
            None => {
                // parse_stream skips empty documents; so must the indices here.
                if !matches!(scalar, Some((_, true))) {
                    self.documents.push(node);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
---
apiVersion: kpack.io/v1alpha2
kind: ClusterBuilder
metadata:
  name: default
spec:
  tag: registry.example.com/b
  order:
  - group:
    - id: paketo-buildpacks/java
    - kind: Image
      id: x
";

    fn at(map: &SourceMap, doc: usize, field: &str) -> (usize, usize) {
        let r = map.locate(doc, Some(field)).unwrap();
        (r.line, r.column)
    }

    #[test]
    fn paths_resolve_to_values_in_later_documents() {
        let map = SourceMap::parse(TEXT).unwrap();
        assert_eq!(at(&map, 1, "spec.tag"), (11, 8));
        assert_eq!(at(&map, 1, "spec.order[0].group[1].kind"), (15, 13));
        let r = map.locate(1, Some("spec.tag")).unwrap();
        assert_eq!((r.end_line, r.end_column), (11, 30));
    }

    #[test]
    fn webhook_paths_relative_to_spec_are_found() {
        let map = SourceMap::parse(TEXT).unwrap();
        assert_eq!(at(&map, 1, "order[0].group[1].kind"), (15, 13));
        // Also for a member of a List.
        let list = format!(
            "kind: List\nitems:\n{}",
            TEXT.split("---\n")
                .last()
                .unwrap()
                .lines()
                .enumerate()
                .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
                .collect::<String>()
        );
        let map = SourceMap::parse(&list).unwrap();
        assert_eq!(at(&map, 0, "items[0].tag"), (8, 10));
    }

    #[test]
    fn a_block_scalar_ends_at_its_last_character() {
        let map = SourceMap::parse("spec:\n  tag: >-\n    X/Y\n  b: c\n").unwrap();
        let r = map.locate(0, Some("spec.tag")).unwrap();
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (3, 5, 3, 8));
    }

    #[test]
    fn a_key_itself_can_be_located() {
        let map = SourceMap::parse(TEXT).unwrap();
        let r = map.locate_key(1, "spec.order[0].group[1].kind").unwrap();
        assert_eq!((r.line, r.column, r.end_column), (15, 7, 11));
        assert!(
            map.locate_key(1, "spec.order[0].group[1].nothing")
                .is_none()
        );
        assert!(map.locate_key(1, "spec.order[0]").is_none());
    }

    #[test]
    fn missing_fields_point_at_the_deepest_existing_part() {
        let map = SourceMap::parse(TEXT).unwrap();
        // spec.stack is missing: the finding goes to `spec`.
        assert_eq!(at(&map, 1, "spec.stack.kind"), (10, 1));
        // Nothing matches: the document's first key.
        assert_eq!(at(&map, 1, "nothing.here"), (6, 1));
        assert_eq!(map.document_start(0).unwrap().line, 1);
        assert!(map.locate(2, Some("x")).is_none());
    }

    #[test]
    fn collections_are_shown_by_their_key_and_flow_maps_work() {
        let map = SourceMap::parse(TEXT).unwrap();
        assert_eq!(at(&map, 1, "spec.order"), (12, 3));
        assert_eq!(at(&map, 0, "metadata.name"), (3, 18));
    }

    #[test]
    fn bracketed_map_keys_are_keys() {
        assert_eq!(
            parse_path("metadata.annotations[a.b/c].x"),
            vec![
                Segment::Key("metadata".into()),
                Segment::Key("annotations".into()),
                Segment::Key("a.b/c".into()),
                Segment::Key("x".into())
            ]
        );
    }

    #[test]
    fn a_field_below_a_json_pointer_keeps_the_rest_of_its_path() {
        assert_eq!(below_pointer("spec.tag", "/spec/tag").as_deref(), Some(""));
        assert_eq!(
            below_pointer("spec.build.env[2].value", "/spec/build/env/-").as_deref(),
            Some(".value")
        );
        assert_eq!(
            below_pointer("spec.build.env[2].value", "/spec/build").as_deref(),
            Some(".env[2].value")
        );
        assert_eq!(
            below_pointer(
                "metadata.annotations[a.b/c]",
                "/metadata/annotations/a.b~1c"
            )
            .as_deref(),
            Some("")
        );
        assert_eq!(
            below_pointer("metadata.annotations[a.b/c]", "/metadata").as_deref(),
            Some(".annotations[a.b/c]")
        );
        assert_eq!(below_pointer("spec", "").as_deref(), Some(".spec"));
        assert_eq!(below_pointer("spec.tag", "/spec/tags"), None);
        assert_eq!(below_pointer("spec", "/spec/tag"), None);
        assert_eq!(below_pointer("spec.env[1]", "/spec/env/0"), None);
        assert_eq!(below_pointer("spec.tag", "spec/tag"), None);
    }

    #[test]
    fn a_tab_after_a_colon_does_not_lose_the_places() {
        let map =
            SourceMap::parse("kind: Image\nmetadata:\n  name:\tcart\nspec: {tag:\tx, b: y}\n")
                .unwrap();
        assert_eq!(at(&map, 0, "metadata.name"), (3, 9));
        assert_eq!(at(&map, 0, "spec.b"), (4, 19));
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let e = SourceMap::parse("a: b\nc: [1, 2\n").unwrap_err();
        assert!(e.region.line >= 2, "{e:?}");
    }
}
