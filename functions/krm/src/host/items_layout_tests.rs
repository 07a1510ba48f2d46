//! Reading a list item by item gives what reading it whole gives: the same JSON for the
//! guest, the same errors. Each input is read both ways (`read_documents`, and the whole
//! reader it falls back to), and the cases meant to take the item-by-item path are checked
//! to take it.

use super::input::{Document, read_documents, read_item_by_item, read_item_by_item_on};
use crate::codec::{self, DecodeError, Format};
use std::path::Path;

/// A document as text: a list as the JSON sent to the guest, anything else as JSON.
fn rendered(document: Document) -> String {
    match document {
        Document::List(list) => String::from_utf8(list.into_json()).unwrap(),
        Document::Other(value) => serde_json::to_string(&value).unwrap(),
    }
}

fn read(bytes: &[u8]) -> Result<Vec<String>, DecodeError> {
    let mut all = Vec::new();
    read_documents(bytes, |d| {
        all.push(rendered(d));
        Ok(())
    })?;
    Ok(all)
}

/// What reading the documents whole gives, as before item-by-item reading.
fn read_whole(bytes: &[u8]) -> Result<Vec<String>, DecodeError> {
    let mut all = Vec::new();
    codec::read_stream(bytes, |d: Document| {
        if !matches!(d, Document::Other(serde_json::Value::Null)) {
            all.push(rendered(d));
        }
        Ok(())
    })?;
    Ok(all)
}

/// Both ways agree on `text`; whether it went item by item.
fn agree(text: &str) -> bool {
    let bytes = text.as_bytes();
    assert_eq!(read(bytes), read_whole(bytes), "{text}");
    let by_items = read_item_by_item(bytes).is_some();
    // Laid out on a second thread or on this one, the same list, or none both times; with
    // no room to wait, the second thread reads most items itself.
    let inline = read_item_by_item_on(bytes, None).map(rendered);
    for waiting in [256, 1, 0] {
        assert_eq!(
            read_item_by_item_on(bytes, Some(waiting)).map(rendered),
            inline,
            "{waiting} waiting: {text}"
        );
    }
    if by_items {
        // And the guest's list is the tree reader's, key order included.
        let expected = codec::parse_value(bytes).unwrap();
        let Ok(list) = codec::parse_resource_list(bytes) else {
            return by_items;
        };
        let sent = codec::parse_resource_list(read(bytes).unwrap()[0].as_bytes()).unwrap();
        assert_eq!(
            codec::to_bytes(&sent.items, Format::Json),
            codec::to_bytes(&expected["items"], Format::Json),
            "{text}"
        );
        assert_eq!(sent, list, "{text}");
    }
    by_items
}

const HEAD: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";

#[test]
fn block_items_are_read_one_by_one_as_the_whole_reader_reads_them() {
    for items in [
        "items:\n- a: 1\n  b: [x, {y: z}]\n",
        // Indented past the key, comments and blank lines everywhere.
        "items: # the resources\n\n  # first\n  - a: 1 # one\n\n    b: 2\n# margin\n  -   # note\n    c: 3\n  - d\n",
        // `-` then a line break; an empty entry; nested sequences; flow and scalar items.
        "items:\n-\n  a: 1\n-\n- - x\n  - - y\n- {a: 1, b: [2]}\n- [1, two]\n- plain words\n- 'quoted'\n- \"multi\n  line\"\n- 42\n-",
        // Block scalars inside items, kept trailing lines included.
        "items:\n- a: |\n    line\n\n     more\n  b: >-\n    folded\n    text\n- c: |+\n    kept\n\n\n- d: |2\n     two\n",
        // Scalars typed as the whole reader types them.
        "items:\n- {a: 0x10, b: 0o17, c: 017, d: 1e3, e: ~, f: null, g: yes, h: 'true', i: -0.5, j: 12345678901234567890}\n",
        // Text beyond ASCII before and inside items.
        "metadata: {name: \"ünï 🎉\"}\nitems:\n- name: 名前\n  note: \"é\\u00e9\"\n- x: ✓\n",
        "items:\r\n- a: 1\r\n  b: |\r\n    crlf\r\n\r\n-\r\n  c: 2\r\n",
    ] {
        for text in [
            format!("{HEAD}{items}"),
            format!("{items}\nfunctionConfig:\n  kind: Cfg\n{HEAD}results:\n- message: m\n"),
            format!("---\n{HEAD}{items}\n...\n"),
        ] {
            assert!(agree(&text), "not item by item:\n{text}");
        }
    }
}

#[test]
fn other_mappings_keep_their_items_where_they_were() {
    for text in [
        "kind: PodList\nitems:\n- b: 1\n  a: 2\nz: 0\n",
        "items:\n- 1\n",
        " kind: List\n items:\n - a: 1\n other: 2\n",
    ] {
        assert!(agree(text), "{text}");
    }
}

#[test]
fn what_might_read_differently_in_pieces_is_read_whole() {
    for text in [
        // Anchors and aliases, anywhere; tags; merge keys.
        "kind: ResourceList\nitems:\n- &a {x: 1}\n- *a\n",
        "kind: ResourceList\nitems:\n- x: *a\nfunctionConfig: &a {y: 1}\n",
        "kind: ResourceList\nitems:\n- !!map {x: 1}\n",
        "kind: ResourceList\nitems:\n- <<: {x: 1}\n  y: 2\n",
        // Items not a block sequence, or not there.
        "kind: ResourceList\nitems: [{x: 1}]\n",
        "kind: ResourceList\nitems:\n",
        "kind: ResourceList\n",
        "{kind: ResourceList, items: [{x: 1}]}",
        r#"{"kind": "ResourceList", "items": [{"x": 1}]}"#,
        // Two documents; a top-level block scalar item, whose indicator counts from the list.
        "kind: ResourceList\nitems:\n- a\n---\nkind: ConfigMap\n",
        "kind: ResourceList\nitems:\n  - |2\n     text\n",
        // Line breaks only one of the parsers knows.
        "kind: ResourceList\nitems:\n- a: \"x\ry\"\n",
        "kind: ResourceList\nitems:\n- a: x\u{85}y\n",
        // A quoted scalar running back to the margin.
        "kind: ResourceList\nitems:\n- \"a\nb\"\n",
        // Deep nesting: the depth limit answers as it does for the whole document.
        &format!(
            "kind: ResourceList\nitems:\n- {}{}\n",
            "[".repeat(127),
            "]".repeat(127)
        ),
    ] {
        assert!(!agree(text), "read item by item:\n{text}");
    }
}

#[test]
fn errors_are_the_whole_readers_with_their_real_lines() {
    for text in [
        "kind: ResourceList\nitems:\n- a: 1\n- metadata: {name: a, name: b}\n",
        "kind: ResourceList\nitems:\n- a: 1\n   b: 2\n",
        "kind: ResourceList\nitems:\n- a: .inf\n",
        "kind: ResourceList\nkind: List\nitems:\n- a: 1\n",
        "kind: ResourceList\napiVersion: 1\nitems:\n- a: 1\n",
        "kind: ResourceList\nitems:\n- a: 1\nitems:\n- b: 2\n",
        "kind: ResourceList\nitems:\n- a: [\n",
    ] {
        assert!(!agree(text), "{text}");
        assert!(read(text.as_bytes()).is_err(), "{text}");
    }
    // An error in an item names its line in the whole input, not in the item's text.
    let e = read(b"kind: ResourceList\nitems:\n- a: 1\n- b: 2\n  b: 3\n").unwrap_err();
    assert!(
        e.0.contains("items[1]") && e.0.contains("line 4 column 3"),
        "{e}"
    );
}

/// The real-world corpus beside the repository (CI has it at ../shared).
pub(super) fn corpus() -> Option<Vec<(String, String)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/kpack-real");
    if !dir.is_dir() {
        println!("note: {} is absent; corpus cases skipped", dir.display());
        return None;
    }
    let mut files = Vec::new();
    let mut dirs = vec![dir];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                files.push((path.display().to_string(), text));
            }
        }
    }
    files.sort();
    Some(files)
}

/// A file's documents as the entries of a block sequence, each line indented under `- `.
fn as_entries(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut first = true;
    for line in text.lines() {
        if line.starts_with("---") || line.starts_with("...") || line.starts_with('%') {
            first = true;
            continue;
        }
        out.push_str(indent);
        out.push_str(if first { "- " } else { "  " });
        out.push_str(line);
        out.push('\n');
        first = false;
    }
    out
}

#[test]
fn the_real_world_corpus_reads_the_same_item_by_item() {
    let Some(files) = corpus() else { return };
    let (mut by_items, mut lists) = (0, 0);
    for (path, text) in &files {
        let _ = agree(text);
        for indent in ["", "  "] {
            let list = format!("{HEAD}items:\n{}", as_entries(text, indent));
            lists += 1;
            if agree(&list) {
                by_items += 1;
            }
            // As kustomize and kpt write it: the documents re-emitted as one list.
            if let Ok(docs) = codec::parse_stream(text.as_bytes()) {
                let list = codec::to_bytes(&crate::ResourceList::new(docs, None), Format::Yaml);
                let list = String::from_utf8(list).unwrap();
                assert!(agree(&list), "{path}: written list not read item by item");
            }
        }
    }
    println!(
        "{by_items} of {lists} lists made from {} files read item by item",
        files.len()
    );
    assert!(
        by_items * 2 > lists,
        "only {by_items} of {lists} read item by item"
    );
}

/// A list large enough to be laid out on a second thread, with `last` as its final item.
fn large_list(last: &str) -> String {
    let mut text =
        String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n  data:\n    key: value-{i}\n"
        ));
    }
    text.push_str(last);
    text.push_str("functionConfig:\n  kind: Cfg\n");
    text
}

#[test]
fn a_large_list_is_laid_out_beside_its_reading() {
    let text = large_list("- kind: Last\n");
    assert!(text.len() > 256 << 10);
    assert!(agree(&text));
    // Whatever sends it back to the whole reader late in the list still does, on either path.
    assert!(!agree(&large_list("- x: &a 1\n  y: *a\n")));
    let e = read(large_list("- a: 1\n  a: 2\n").as_bytes()).unwrap_err();
    assert!(
        e.0.contains("items[3000]") && e.0.contains("line 18004"),
        "{e}"
    );
}

/// What krmwasm writes for `list` (YAML) when the function returns it unchanged.
fn passed_through(list: &str) -> String {
    let mut input = super::FunctionInput::parse_list(list.as_bytes()).unwrap();
    let as_written = input.take_as_written();
    let mut output = super::FunctionOutput::parse(input.into_json()).unwrap();
    output.keep_as_written(as_written);
    String::from_utf8(output.render(Format::Yaml)).unwrap()
}

#[test]
fn items_returned_unchanged_are_written_in_their_own_text() {
    let list = format!(
        "{HEAD}items:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {{name: a, annotations: {{config.kubernetes.io/local-config: \"true\"}}}}\n    data:\n      k: \"v\"   # as written\n      script: |\n        echo one\n          two\n  # between the items\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: b\n"
    );
    let out = passed_through(&list);
    assert!(
        out.contains("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a, annotations: {config.kubernetes.io/local-config: \"true\"}}\n  data:\n    k: \"v\"   # as written\n    script: |\n      echo one\n        two\n# between the items\n- apiVersion: v1\n"),
        "{out}"
    );
    assert_eq!(
        codec::parse_value(out.as_bytes()).unwrap(),
        codec::parse_value(list.as_bytes()).unwrap()
    );
}

/// Every list the corpus makes, returned unchanged, reads back as what was read, and most
/// of its items are written in their own text.
#[test]
fn the_real_world_corpus_passed_through_reads_back_the_same() {
    let Some(files) = corpus() else { return };
    let (mut lists, mut in_own_text) = (0, 0);
    for (path, text) in &files {
        for indent in ["", "  "] {
            let list = format!("{HEAD}items:\n{}", as_entries(text, indent));
            let Ok(expected) = codec::parse_value(list.as_bytes()) else {
                continue;
            };
            if super::FunctionInput::parse_list(list.as_bytes()).is_err() {
                continue;
            }
            lists += 1;
            let out = passed_through(&list);
            let read = codec::parse_value(out.as_bytes())
                .unwrap_or_else(|e| panic!("{path} ({indent:?}): {e}\n{out}"));
            assert_eq!(read, expected, "{path} ({indent:?}):\n{out}");
            // Shifted to the output's column, every item as it was written.
            if out.contains(&as_entries(text, "")) {
                in_own_text += 1;
            }
        }
    }
    println!("{in_own_text} of {lists} corpus lists written in their own text");
    assert!(in_own_text * 2 > lists, "only {in_own_text} of {lists}");
}
