//! Why a file is not YAML, and where; and, for a file of several documents, which of them are
//! not, so that one broken document does not keep lint from the others.

use super::locate::{Region, SourceMap};
use serde_json::Value;
use std::fmt::Write as _;

/// Said of a document that does not parse and holds `{{`: a Go template (Helm's, outside a
/// chart lint recognises) is not YAML until it is rendered.
const TEMPLATE_HINT: &str = "\nit looks like a template ({{ … }}): lint what it renders (`helm template CHART | krmwasm lint -`), or list it in .krmwasmignore";

/// More broken documents than this in one file, and lint stops sorting them from the rest:
/// each costs a parse of the whole file. The file is then reported as not parsing at all.
const MAX_BROKEN_DOCUMENTS: usize = 32;

/// Where `text` stops being YAML, in words.
#[derive(Debug)]
pub struct Broken {
    /// Starts `not valid YAML: `.
    pub message: String,
    pub region: Option<Region>,
    /// The broken document's index among the file's, when the file's others were read.
    pub document: Option<usize>,
}

/// Why `text` did not parse, with `error` as the strict reader gave it. The span-aware parser
/// places syntax errors and finds the repeat of a duplicate key; anything else the strict
/// reader refused carries its own position. Input nested too deep is not handed to the span
/// parser: it would take seconds to say so.
pub fn diagnose(text: &str, error: &krm::codec::DecodeError) -> Broken {
    let strict = || (error.to_string(), position_in(&error.to_string()));
    let (message, region) = if krm::codec::check_flow_nesting(text).is_err() {
        strict()
    } else {
        match SourceMap::parse(text) {
            Err(syntax) => (syntax.message, Some(syntax.region)),
            Ok(map) => match map.duplicate_key() {
                Some((key, region)) => (
                    format!("duplicate key {key:?}: a mapping may hold a key only once"),
                    Some(region),
                ),
                None => strict(),
            },
        }
    };
    let mut message = format!("not valid YAML: {message}");
    if text.contains("{{") {
        message.push_str(TEMPLATE_HINT);
    }
    Broken {
        message,
        region,
        document: None,
    }
}

/// A file of several documents, some of which did not parse.
#[derive(Debug)]
pub struct Salvaged {
    /// The file's text with each broken document blanked out line for line, so that a place
    /// in it is the same place in the file, and an empty mapping (`{}`) on its first line, so
    /// that the documents after it keep their indices. Documents are indexed, and findings
    /// placed, in this text.
    pub text: String,
    /// The documents that parsed, and `{}` for each that did not (see [`Broken::document`]).
    pub documents: Vec<Value>,
    /// Why each broken document did not, in the file's order (the parsers may notice them in
    /// another).
    pub broken: Vec<Broken>,
}

/// The documents of `text` that parse, when `text` as a whole does not: each time the stream
/// fails, the document (from one `---` to the next) holding the failure is blanked out and
/// the rest read again. `None` when there is only one document, the text looks like a
/// template, or a failure cannot be put in one document.
pub fn salvage(text: &str) -> Option<Salvaged> {
    let starts = document_starts(text);
    // A template's documents are broken by its templating, not one by one: it is said once.
    if starts.len() < 2 || text.contains("{{") {
        return None;
    }
    let chunk_of = |line: usize| starts.partition_point(|&start| start <= line) - 1;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let chunk_text = |chunk: usize| -> String {
        let end = starts.get(chunk + 1).copied().unwrap_or(lines.len());
        lines[starts[chunk]..end].concat()
    };
    let parses_alone =
        |chunk: usize| krm::codec::parse_stream(chunk_text(chunk).as_bytes()).is_ok();
    let mut blanked = vec![false; starts.len()];
    let mut broken: Vec<Broken> = Vec::new();
    let mut broken_chunks = Vec::new();
    let mut current = text.to_string();
    loop {
        let error = match krm::codec::parse_stream(current.as_bytes()) {
            Ok(documents) => {
                let map = SourceMap::parse(&current).ok();
                let mut broken: Vec<(usize, Broken)> =
                    broken_chunks.into_iter().zip(broken).collect();
                broken.sort_by_key(|(chunk, _)| *chunk);
                for (chunk, broken) in &mut broken {
                    broken.document = map
                        .as_ref()
                        .and_then(|m| m.document_on_line(starts[*chunk] + 1));
                }
                return Some(Salvaged {
                    text: current,
                    documents,
                    broken: broken.into_iter().map(|(_, b)| b).collect(),
                });
            }
            Err(error) => error,
        };
        if broken.len() == MAX_BROKEN_DOCUMENTS {
            return None;
        }
        let why = diagnose(&current, &error);
        // Regions are 1-based; `starts` holds 0-based line numbers.
        let at = chunk_of(why.region?.line.checked_sub(1)?);
        // A parser may only notice a document is unfinished at the next one's `---`.
        let chunk = if !blanked[at] && !parses_alone(at) {
            at
        } else if at > 0 && !blanked[at - 1] && !parses_alone(at - 1) {
            at - 1
        } else {
            return None;
        };
        blanked[chunk] = true;
        broken_chunks.push(chunk);
        // The reader counts documents its own way (`...` ends one); the finding has the index.
        let mut message = without_document_number(&why.message);
        if chunk != at {
            let _ = write!(
                message,
                "\nthe document that starts on line {} does not end before the next one",
                starts[chunk] + 1
            );
        }
        broken.push(Broken {
            message,
            region: why.region,
            document: None,
        });
        current = lines
            .iter()
            .enumerate()
            .map(|(line, text)| {
                let end = if text.ends_with('\n') { "\n" } else { "" };
                match blanked[chunk_of(line)] {
                    false => text.to_string(),
                    true if starts.binary_search(&line).is_err() => end.to_string(),
                    true if is_marker(text) => format!("--- {{}}{end}"),
                    true => format!("{{}}{end}"),
                }
            })
            .collect();
    }
}

/// The 0-based lines on which documents start: 0, and each line that opens with a `---`
/// marker (which ends any block scalar before it, so a line like it inside one is one).
fn document_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if is_marker(line) && i > 0 {
            starts.push(i);
        }
    }
    starts
}

fn is_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// `not valid YAML: document 2: …` without `document 2: `.
fn without_document_number(message: &str) -> String {
    const START: &str = "not valid YAML: document ";
    message
        .strip_prefix(START)
        .and_then(|rest| rest.split_once(": "))
        .filter(|(number, _)| number.bytes().all(|b| b.is_ascii_digit()))
        .map_or_else(
            || message.to_string(),
            |(_, rest)| format!("not valid YAML: {rest}"),
        )
}

/// "… at line 3 column 5" in a YAML error message.
fn position_in(message: &str) -> Option<Region> {
    let at = message.rfind("at line ")?;
    let mut words = message[at + 8..].split(|c: char| !c.is_ascii_digit());
    let line = words.next()?.parse().ok()?;
    let column = message[at..]
        .split("column ")
        .nth(1)?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    Some(Region::point(line, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_error_positions_are_read() {
        let r = position_in("document 0: duplicate key `a` at line 3 column 5").unwrap();
        assert_eq!((r.line, r.column), (3, 5));
        assert!(position_in("no place").is_none());
    }

    /// A control character (which the reader places only by byte offset) is placed, and the
    /// file's other documents are linted.
    #[test]
    fn a_document_with_a_control_character_is_placed_and_set_apart() {
        let text = "a: 1\n---\nname: \"é\u{1b}[31mred\"\n---\nb: 2\n";
        let salvaged = salvaged(text);
        let [broken] = &salvaged.broken[..] else {
            panic!("{:?}", salvaged.broken)
        };
        let region = broken.region.expect("placed");
        assert_eq!((region.line, region.column), (3, 9));
        assert!(broken.message.contains("U+001B"), "{}", broken.message);
        assert_eq!(salvaged.documents.len(), 3);
    }

    fn salvaged(text: &str) -> Salvaged {
        salvage(text).expect("salvaged")
    }

    fn lines(broken: &[Broken]) -> Vec<usize> {
        broken.iter().map(|b| b.region.unwrap().line).collect()
    }

    #[test]
    fn documents_around_a_broken_one_are_read() {
        let text = "a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n";
        let s = salvaged(text);
        assert_eq!(s.documents.len(), 3, "{s:?}");
        assert_eq!(s.documents[1], serde_json::json!({}));
        assert_eq!(s.documents[2]["d"], 4);
        assert_eq!(s.broken.len(), 1);
        assert_eq!(s.broken[0].document, Some(1));
        assert!(s.broken[0].message.starts_with("not valid YAML: "));
        // Places in the blanked text are places in the file.
        assert_eq!(s.text.lines().count(), text.lines().count());
        assert_eq!(s.text.lines().nth(5), Some("d: 4"));
    }

    #[test]
    fn each_broken_document_is_reported_at_its_place() {
        let text = "a: 1\n---\nb: [1\n---\nc: 3\n---\nd: e: f\n---\ng: 5\n---\nh: 1\nh: 2\n";
        let s = salvaged(text);
        let kept: Vec<String> = s
            .documents
            .iter()
            .map(|d| {
                d.as_object()
                    .unwrap()
                    .keys()
                    .next()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(kept, ["a", "", "c", "", "g", ""]);
        let indices: Vec<_> = s.broken.iter().map(|b| b.document).collect();
        assert_eq!(indices, [Some(1), Some(3), Some(5)]);
        let at = lines(&s.broken);
        assert_eq!(at.len(), 3, "{:?}", s.broken);
        assert!((3..=4).contains(&at[0]), "{at:?}");
        assert_eq!(at[1], 7);
        assert_eq!(at[2], 12);
        assert!(s.broken[2].message.contains("duplicate key \"h\""));
    }

    #[test]
    fn a_document_unfinished_at_the_next_marker_is_the_broken_one() {
        // The parser meets the unclosed quote's and sequence's ends at the next `---`; of the
        // sequence, it does not say so itself.
        let cases = [
            (
                "a: \"open\n---\nb: 2\n",
                "found unexpected document indicator",
            ),
            (
                "a: [1\n---\nb: 2\n",
                "\nthe document that starts on line 1 does not end before the next one",
            ),
        ];
        for (text, ending) in cases {
            let s = salvaged(text);
            assert_eq!(s.documents[1], serde_json::json!({"b": 2}), "{text:?}");
            assert_eq!(s.broken.len(), 1, "{text:?}");
            assert_eq!(s.broken[0].document, Some(0));
            assert!(s.broken[0].message.ends_with(ending), "{:?}", s.broken);
            assert_eq!(s.text, "{}\n---\nb: 2\n", "{text:?}");
        }
    }

    #[test]
    fn a_single_document_is_not_salvaged() {
        assert!(salvage("a: [1\n").is_none());
        assert!(salvage("a: [1\n----\nb: 2\n").is_none());
    }

    #[test]
    fn a_template_is_not_salvaged() {
        assert!(salvage("a: {{ .Values.x }}\n---\nb: [1\n---\nc: 3\n").is_none());
    }

    #[test]
    fn the_reader_s_document_numbers_are_left_out() {
        // libyaml counts the text after `...` as a document of its own.
        let s = salvaged("a: 1\n---\nb: 2\n...\nc: 3\n---\nd: 4\n");
        assert_eq!(s.broken[0].document, Some(1));
        let message = &s.broken[0].message;
        assert!(
            message.starts_with("not valid YAML: did not find"),
            "{message}"
        );
        assert_eq!(
            without_document_number("not valid YAML: document x: y"),
            "not valid YAML: document x: y"
        );
    }

    #[test]
    fn markers_need_a_break_after_them() {
        assert_eq!(
            document_starts("a\n---\n--- x\n----\n---x\n---"),
            [0, 1, 2, 5]
        );
    }
}
