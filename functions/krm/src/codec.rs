//! Reading and writing ResourceLists and YAML streams.
//!
//! YAML is a superset of JSON, so every reader accepts both; input that starts with `{` takes
//! the (much faster) JSON parser first. Writers emit YAML for people and orchestrators, JSON
//! for the host's fast path (`KRM_OUTPUT=json`).

use crate::resource_list::ResourceList;
use crate::strict_value::StrictValue;
use serde_json::Value;
use std::fmt;

/// Removes the UTF-8 byte order mark some editors write at a file's start. YAML allows it
/// there, and kubectl, kustomize and kpt read such files, but the YAML parser takes it for
/// content (`did not find expected <document start>`). Removed as input is read
/// ([`read_file`], [`read_all`]), so that every later reading of the text (parsing, locating
/// findings, keeping items' texts) sees the same bytes, and line 1's columns count from its
/// first visible character.
fn strip_byte_order_mark(bytes: &mut Vec<u8>) {
    const BOM: &[u8] = "\u{feff}".as_bytes();
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
}

/// Reads a file of YAML or JSON whole, without its byte order mark.
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = std::fs::read(path)?;
    strip_byte_order_mark(&mut bytes);
    Ok(bytes)
}

/// Reads YAML or JSON from `input` (stdin) to its end, without its byte order mark.
pub fn read_all(mut input: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    strip_byte_order_mark(&mut bytes);
    Ok(bytes)
}

/// Where and why text is not UTF-8, for people: UTF-16 (what Windows PowerShell 5 writes
/// with `>`) is named as such, anything else by its first bad byte's line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct NotUtf8 {
    /// 1-based; the column counts characters.
    pub line: usize,
    pub column: usize,
    byte: Option<u8>,
    utf16: bool,
}

impl NotUtf8 {
    /// Whether the text is UTF-16: its lines and columns are then not a place to show.
    pub fn is_utf16(&self) -> bool {
        self.utf16
    }

    pub fn of(bytes: &[u8], error: &std::str::Utf8Error) -> Self {
        // Valid up to there, by the error's word.
        let valid = std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default();
        let (line, column) = place_after(valid);
        let utf16 = bytes.starts_with(&[0xff, 0xfe])
            || bytes.starts_with(&[0xfe, 0xff])
            || matches!(bytes, [a, 0, b, 0, ..] | [0, a, 0, b, ..] if a.is_ascii() && b.is_ascii());
        NotUtf8 {
            line,
            column,
            // No error length: the text ends inside a character.
            byte: error
                .error_len()
                .and_then(|_| bytes.get(error.valid_up_to()).copied()),
            utf16,
        }
    }
}

impl fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.utf16, self.byte) {
            (true, _) => f.write_str(
                "the text is UTF-16, not UTF-8 (Windows PowerShell 5 writes files so with `>`): \
                 save it as UTF-8",
            ),
            (false, Some(byte)) => write!(
                f,
                "the byte 0x{byte:02X} at line {}, column {} is not UTF-8: save the file as \
                 UTF-8 (it may be in Latin-1 or another older encoding)",
                self.line, self.column
            ),
            (false, None) => write!(
                f,
                "the text ends inside a UTF-8 character (line {}, column {}): it is cut short, \
                 or not UTF-8",
                self.line, self.column
            ),
        }
    }
}

fn utf8_text(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|e| DecodeError(NotUtf8::of(bytes, &e).to_string()))
}

/// Why a document is no Kubernetes object, when it is a list or a plain value (which kubectl
/// and kustomize refuse); `None` for a mapping.
pub fn not_an_object(document: &Value) -> Option<String> {
    let shape = match document {
        Value::Object(_) => return None,
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "empty",
    };
    Some(format!(
        "this document is {shape}, not a Kubernetes object (a mapping with apiVersion, kind \
         and metadata): kubectl and kustomize refuse it"
    ))
}

/// Serialization format of a ResourceList or stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

/// Input that could not be read, with the parser's location (line/column) in the message.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Whether input starts like JSON (`{` or `[` first): worth trying the JSON parser first.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[')
}

/// Parses one YAML or JSON document into a JSON tree.
pub fn parse_value(bytes: &[u8]) -> Result<Value, DecodeError> {
    if looks_like_json(bytes) {
        let mut json = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize(&mut json) {
            Ok(StrictValue(v)) if json.end().is_ok() => return Ok(v),
            // JSON the strict reader refuses (a duplicate key): that is the reason. Read again
            // as YAML, characters JSON allows in strings (U+2028, U+0085) would break lines
            // there and hide it behind another.
            Err(e) if e.inner().classify() == serde_json::error::Category::Data => {
                let path = e.path().to_string();
                return Err(DecodeError(if path == "." {
                    e.into_inner().to_string()
                } else {
                    format!("{path}: {}", e.into_inner())
                }));
            }
            // Not JSON after all (a YAML flow mapping, say): the YAML reader decides.
            _ => {}
        }
    }
    let text = utf8_text(bytes)?;
    check_flow_nesting(text)?;
    serde_norway::from_str(text)
        .map(|StrictValue(v)| v)
        .map_err(|e| DecodeError(e.to_string()))
}

/// Parses a ResourceList (`kind: ResourceList`, or `List` as kyaml also accepts).
pub fn parse_resource_list(bytes: &[u8]) -> Result<ResourceList, DecodeError> {
    let value = parse_value(bytes)?;
    expect_resource_list(&value)?;
    into_resource_list(value)
}

/// Whether a document of this `kind` is a ResourceList (`List` too, as kyaml accepts).
pub fn is_resource_list_kind(kind: Option<&str>) -> bool {
    matches!(kind, Some("ResourceList" | "List"))
}

/// Whether an object of this `kind` is a list whose `items` `kubectl apply` takes as objects
/// of their own (`List`, or a kind's own list such as `ImageList`). A ResourceList is a
/// function's input, not one.
pub fn is_applied_list_kind(kind: &str) -> bool {
    kind.ends_with("List") && kind != "ResourceList"
}

/// Why `value` is not a ResourceList, if it is not one.
pub fn expect_resource_list(value: &Value) -> Result<(), DecodeError> {
    let kind = value.get("kind").and_then(Value::as_str);
    if is_resource_list_kind(kind) {
        return Ok(());
    }
    Err(DecodeError(match kind {
        Some(other) => format!("expected a ResourceList, got kind {other:?}"),
        None if value.is_object() => "expected a ResourceList, got an object without kind".into(),
        None => "expected a ResourceList (a YAML or JSON object)".into(),
    }))
}

/// Takes a parsed ResourceList apart field by field, so the items move into it as they are
/// (a serde round trip through `Value` would rebuild every item, doubling the memory held).
/// The caller has checked its kind.
pub fn into_resource_list(value: Value) -> Result<ResourceList, DecodeError> {
    let Value::Object(mut map) = value else {
        return Err(DecodeError(
            "expected a ResourceList (a YAML or JSON object)".into(),
        ));
    };
    let mut list = ResourceList::new(Vec::new(), None);
    let text = |v: Value, field: &str| match v {
        Value::String(s) => Ok(s),
        other => Err(DecodeError(format!(
            "invalid ResourceList at {field}: expected a string, got {other}"
        ))),
    };
    if let Some(v) = map.shift_remove("apiVersion") {
        list.api_version = text(v, "apiVersion")?;
    }
    if let Some(v) = map.shift_remove("kind") {
        list.kind = text(v, "kind")?;
    }
    match map.shift_remove("items") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => list.items = items,
        Some(other) => {
            return Err(DecodeError(format!(
                "invalid ResourceList at items: expected a list of objects, got {other}"
            )));
        }
    }
    list.function_config = map.shift_remove("functionConfig").filter(|v| !v.is_null());
    if let Some(results) = map.shift_remove("results").filter(|v| !v.is_null()) {
        list.results = serde_path_to_error::deserialize(results).map_err(|e| {
            DecodeError(format!(
                "invalid ResourceList at results.{}: {}",
                e.path(),
                e.inner()
            ))
        })?;
    }
    list.extra = map;
    Ok(list)
}

/// Parses a multi-document YAML stream (`---` separated); empty documents are skipped.
pub fn parse_stream(bytes: &[u8]) -> Result<Vec<Value>, DecodeError> {
    let mut docs = Vec::new();
    read_stream(bytes, |StrictValue(value)| {
        if !value.is_null() {
            docs.push(value);
        }
        Ok(())
    })?;
    Ok(docs)
}

/// Reads the documents of a YAML stream (or one JSON document) as `T`, handing each to
/// `each` as soon as it is read, empty ones included. Errors name the document and, where
/// the parser knows them, the line and column.
pub fn read_stream<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    mut each: impl FnMut(T) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    if looks_like_json(bytes)
        && let Ok(document) = serde_json::from_slice(bytes)
    {
        return each(document);
    }
    // Not JSON after all (YAML's flow style starts the same way): the YAML reader says why.
    let text = utf8_text(bytes)?;
    check_flow_nesting(text)?;
    for (i, doc) in serde_norway::Deserializer::from_str(text).enumerate() {
        each(T::deserialize(doc).map_err(|e| {
            DecodeError(control_character(&e, text).unwrap_or_else(|| format!("document {i}: {e}")))
        })?)?;
    }
    Ok(())
}

/// A control character libyaml's reader refused, said with its line and column, the
/// character and what to do; `None` for any other error. The reader refuses them before any
/// parsing and places them only by byte offset ("… at position 49"); it reads ahead, so the
/// document it was reading need not be the one holding the character, and none is named.
fn control_character(error: &serde_norway::Error, text: &str) -> Option<String> {
    let message = error.to_string();
    let offset: usize = message.rsplit_once(" at position ")?.1.parse().ok()?;
    let (before, c) = (text.get(..offset)?, text[offset..].chars().next()?);
    if !c.is_control() {
        return None;
    }
    let (line, column) = place_after(before);
    Some(format!(
        "control character U+{code:04X} is not allowed at line {line} column {column}: YAML \
         takes tabs and line breaks but no other control characters; remove it, or write it \
         as \"\\x{code:02x}\" in a double-quoted string",
        code = c as u32,
    ))
}

/// The 1-based line and column (counting characters) of the place right after `before`.
fn place_after(before: &str) -> (usize, usize) {
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Deepest flow nesting (`[`, `{`) a YAML input may have. The decoder refuses anything past
/// 128 levels anyway, but only after libyaml has scanned it all, and libyaml's scanner takes
/// time quadratic in the nesting: 100,000 levels kept a run busy for half a minute.
const MAX_FLOW_NESTING: usize = 256;

/// Refuses YAML nested deeper than [`MAX_FLOW_NESTING`] before the parser sees it. A linear
/// scan that skips quoted scalars and comments; it may count a bracket inside a plain or
/// block scalar, which can only make it stricter, never let a deeper input through.
pub fn check_flow_nesting(text: &str) -> Result<(), DecodeError> {
    #[derive(Clone, Copy)]
    enum In {
        Plain,
        Single,
        Double,
        Comment,
    }
    // Bytes, not characters: every byte that matters is ASCII, and no byte of a multi-byte
    // character is. Each state skips to the next byte that can change it (a YAML input is
    // mostly bytes that change nothing): a quarter of the time of a step per character.
    let bytes = text.as_bytes();
    let after_blank = |at: usize| at == 0 || bytes[at - 1].is_ascii_whitespace();
    let at_token_start =
        |at: usize| after_blank(at) || matches!(bytes[at - 1], b'[' | b'{' | b',' | b':');
    let mut state = In::Plain;
    let mut depth = 0usize;
    let mut i = 0;
    // `i` may pass the end by one, after a backslash or quote that ends the text.
    while let Some(rest) = bytes.get(i..) {
        let next = match state {
            In::Plain => rest
                .iter()
                .position(|b| matches!(b, b'[' | b'{' | b']' | b'}' | b'\'' | b'"' | b'#')),
            In::Single => rest.iter().position(|&b| b == b'\''),
            In::Double => rest.iter().position(|&b| b == b'"' || b == b'\\'),
            In::Comment => rest.iter().position(|&b| b == b'\n'),
        };
        let Some(offset) = next else { break };
        let at = i + offset;
        i = at + 1;
        match (state, bytes[at]) {
            (In::Plain, b'[' | b'{') => {
                depth += 1;
                if depth > MAX_FLOW_NESTING {
                    let (line, column) = place_after(&text[..at]);
                    return Err(DecodeError(format!(
                        "nested deeper than {MAX_FLOW_NESTING} levels at line {line} column {column}; \
                         no Kubernetes resource needs that"
                    )));
                }
            }
            (In::Plain, b']' | b'}') => depth = depth.saturating_sub(1),
            (In::Plain, b'\'') if at_token_start(at) => state = In::Single,
            (In::Plain, b'"') if at_token_start(at) => state = In::Double,
            (In::Plain, b'#') if after_blank(at) => state = In::Comment,
            (In::Plain, _) => {}
            // `''` is a quote inside a single-quoted scalar; a lone `'` ends it.
            (In::Single, _) if bytes.get(i) == Some(&b'\'') => i += 1,
            // A backslash escapes the byte after it, whatever it is.
            (In::Double, b'\\') => i += 1,
            (In::Single | In::Double | In::Comment, _) => state = In::Plain,
        }
    }
    Ok(())
}

/// Writes one value as YAML or as compact JSON, newline-terminated.
pub fn to_bytes<T: serde::Serialize>(value: &T, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, value, format).expect("a JSON tree always serializes, and a Vec takes it");
    out
}

/// Serializes `value` into `out` as it goes, without building the whole text first.
pub fn write<T: serde::Serialize, W: std::io::Write>(
    mut out: W,
    value: &T,
    format: Format,
) -> std::io::Result<()> {
    match format {
        Format::Yaml => serde_norway::to_writer(&mut out, value).map_err(std::io::Error::other),
        Format::Json => {
            serde_json::to_writer(&mut out, value)?;
            out.write_all(b"\n")
        }
    }
}

/// Writes values as a YAML stream, documents separated by `---`.
pub fn stream_to_yaml(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"---\n");
        }
        out.extend_from_slice(&to_bytes(v, Format::Yaml));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reader places a control character by byte offset only; the error places it by
    /// line and column (of characters, after a two-byte `é`), names it and says what to do.
    #[test]
    fn a_control_character_is_placed_by_line_and_column() {
        let text = "a: 1\n---\nname: \"é\u{1b}[31mred\"\n";
        let err = parse_stream(text.as_bytes()).unwrap_err();
        assert!(
            err.0
                .starts_with("control character U+001B is not allowed at line 3 column 9: ")
                && err
                    .0
                    .ends_with("write it as \"\\x1b\" in a double-quoted string"),
            "{err}"
        );
        // Other errors are as the parser says them.
        let err = parse_stream(b"a: [1\n").unwrap_err();
        assert!(err.0.contains("at line 2 column 1"), "{err}");
    }

    #[test]
    fn text_that_is_not_utf8_is_placed_and_utf16_named() {
        let latin1 = b"a: 1\nname: caf\xe9\n";
        let err = parse_value(latin1).unwrap_err();
        assert!(
            err.0
                .starts_with("the byte 0xE9 at line 2, column 10 is not UTF-8"),
            "{err}"
        );
        let after_umlaut = "ü: caf".bytes().chain([0xe9]).collect::<Vec<u8>>();
        let e = std::str::from_utf8(&after_umlaut).unwrap_err();
        assert_eq!(
            (
                NotUtf8::of(&after_umlaut, &e).line,
                NotUtf8::of(&after_umlaut, &e).column
            ),
            (1, 7)
        );
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("a: 1\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let err = parse_value(&utf16).unwrap_err();
        assert!(err.0.contains("the text is UTF-16, not UTF-8"), "{err}");
        let cut = "name: é".as_bytes();
        let cut = &cut[..cut.len() - 1];
        let e = std::str::from_utf8(cut).unwrap_err();
        assert!(
            NotUtf8::of(cut, &e)
                .to_string()
                .contains("the text ends inside a UTF-8 character (line 1, column 7)")
        );
    }

    #[test]
    fn a_byte_order_mark_is_removed_only_at_the_start() {
        let mut text = "\u{feff}a: \u{feff}\n".as_bytes().to_vec();
        strip_byte_order_mark(&mut text);
        assert_eq!(text, "a: \u{feff}\n".as_bytes());
        strip_byte_order_mark(&mut text);
        assert_eq!(text, "a: \u{feff}\n".as_bytes());
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let started = std::time::Instant::now();
        let err = parse_value(deep.as_bytes()).unwrap_err();
        assert!(
            err.0
                .contains("nested deeper than 256 levels at line 1 column 260"),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let err = parse_stream(deep.as_bytes()).unwrap_err();
        assert!(err.0.contains("nested deeper than"), "{err}");
        // Columns count characters, not bytes.
        let wide = format!("é: {}", "[".repeat(300));
        let err = parse_value(wide.as_bytes()).unwrap_err();
        assert!(err.0.contains("at line 1 column 260"), "{err}");
        // Within the limit the decoder's own limit (128) answers, with its place.
        let fair = format!("a: {}{}\n", "[".repeat(200), "]".repeat(200));
        let err = parse_value(fair.as_bytes()).unwrap_err();
        assert!(err.0.contains("recursion limit exceeded"), "{err}");
    }

    #[test]
    fn brackets_in_quotes_and_comments_are_not_nesting() {
        let brackets = "[".repeat(300);
        for doc in [
            format!("a: '{brackets}'\n"),
            format!("a: \"{brackets}\"\n"),
            format!("a: \"x\\\" {brackets}\"\n"),
            format!("a: 1 # {brackets}\nb: 2\n"),
            format!("a: 'it''s {brackets}'\n"),
        ] {
            assert!(parse_value(doc.as_bytes()).is_ok(), "{doc}");
        }
        // Text ending inside a quoted scalar, on the escape or the quote: no nesting, no panic.
        for text in ["a: \"x\\", "a: 'x'", "a: 'x", "#", "a: \""] {
            assert!(check_flow_nesting(text).is_ok(), "{text:?}");
        }
        // A quote inside a plain scalar opens nothing: the brackets after it still count.
        let hidden = format!("a: don't {}\n", "[".repeat(300));
        assert!(parse_value(hidden.as_bytes()).is_err());
    }

    #[test]
    fn yaml_and_json_give_the_same_list() {
        let yaml = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n";
        let json = br#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}]}"#;
        assert_eq!(
            parse_resource_list(yaml).unwrap(),
            parse_resource_list(json).unwrap()
        );
    }

    #[test]
    fn flow_yaml_starting_with_brace_is_still_read() {
        let rl = parse_resource_list(b"{kind: ResourceList, items: []}").unwrap();
        assert!(rl.items.is_empty());
    }

    #[test]
    fn unknown_fields_and_key_order_survive_a_round_trip() {
        let yaml = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: Thing\n  zeta: 1\n  alpha:\n    custom:\n    - x\n    - y\n  metadata:\n    name: t\n    annotations:\n      internal.config.kubernetes.io/id: '1'\n      config.k8s.io/id: '1'\nsomethingElse: kept\n";
        let rl = parse_resource_list(yaml.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(to_bytes(&rl, Format::Yaml)).unwrap(),
            yaml
        );
    }

    #[test]
    fn strings_that_look_like_other_scalars_stay_strings() {
        let v = json!({"a": "0", "b": "true", "c": "null", "d": "1.5", "e": "multi\nline"});
        let back = parse_value(&to_bytes(&v, Format::Yaml)).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn rejects_other_kinds_and_garbage_with_a_reason() {
        let e = parse_resource_list(b"kind: ConfigMap\n").unwrap_err();
        assert!(e.0.contains("ConfigMap"), "{e}");
        let e = parse_resource_list(b"kind: ResourceList\nitems: {a: b}\n").unwrap_err();
        assert!(e.0.contains("items"), "{e}");
        let e = parse_resource_list(b"kind: [unclosed\n").unwrap_err();
        assert!(e.0.contains("line"), "{e}");
    }

    #[test]
    fn duplicate_keys_are_refused_with_their_line() {
        let e = parse_value(b"env:\n- name: A\n  value: x\n  name: B\n").unwrap_err();
        assert!(
            e.0.contains("duplicate key \"name\"") && e.0.contains("line"),
            "{e}"
        );
        let e = parse_stream(b"a: 1\n---\nb: 1\nb: 2\n").unwrap_err();
        assert!(e.0.starts_with("document 1:"), "{e}");
        assert!(parse_value(br#"{"a": 1, "a": 2}"#).is_err());
    }

    #[test]
    fn a_duplicate_key_in_json_is_the_reason_given_whatever_its_strings_hold() {
        for text in ["plain", "a\u{2028}b", "a\u{85}b"] {
            let json = format!(r#"{{"items":[{{"a":"{text}"}},{{"kind":"X","kind":"Y"}}]}}"#);
            let e = parse_value(json.as_bytes()).unwrap_err();
            assert!(
                e.0.starts_with("items[1]") && e.0.contains("duplicate key \"kind\""),
                "{e}"
            );
        }
        let e = parse_value(br#"{"a": 1, "a": 2}"#).unwrap_err();
        assert!(e.0.starts_with("duplicate key \"a\""), "{e}");
        // YAML that starts like JSON is still read as YAML.
        assert_eq!(parse_value(b"{a: 1}").unwrap(), json!({"a": 1}));
        assert_eq!(parse_value(b"[1, 2] # two").unwrap(), json!([1, 2]));
    }

    #[test]
    fn streams_skip_empty_documents() {
        let docs = parse_stream(b"---\na: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), json!({"b": 2})]);
        assert_eq!(parse_stream(b"").unwrap(), Vec::<Value>::new());
        assert_eq!(stream_to_yaml(&docs), b"a: 1\n---\nb: 2\n");
    }
}
