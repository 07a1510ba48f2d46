//! What each fuzz target (fuzz/fuzz_targets/) does with its input. The bodies live here, in
//! the workspace, so `cargo test` replays every input that once broke one (regressions/) and
//! the seeds, on stable Rust; fuzz/ only wraps them for cargo-fuzz (scripts/fuzz.sh).
//!
//! A target fails by panicking: on its own, or through the properties asserted below.

use krm::Value;
use krm::codec::{self, Format};
use krm::host::{Document, FunctionInput, FunctionOutput, RenderAhead, read_documents};

/// A fuzz target: takes any bytes, panics on a bug.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as fuzz/ and scripts/fuzz.sh name them.
pub const TARGETS: [(&str, Target); 4] = [
    ("resource_list", resource_list),
    ("image_config", image_config),
    ("builder_config", builder_config),
    ("validator", validator),
];

/// Reading ResourceLists and streams. Properties: a list krmwasm reads, it writes back in
/// YAML and in JSON such that reading either gives the same list again; and the host's
/// item-by-item readers (krm::host) agree with the tree readers.
pub fn resource_list(data: &[u8]) {
    let stream = codec::parse_stream(data);
    host_readers_agree(data, stream.as_deref().ok());
    item_by_item_reading_agrees(data);
    let Ok(list) = codec::parse_resource_list(data) else {
        return;
    };
    for format in [Format::Yaml, Format::Json] {
        let written = codec::to_bytes(&list, format);
        let again = codec::parse_resource_list(&written).unwrap_or_else(|e| {
            panic!(
                "{format:?} output cannot be read back: {e}\n{}",
                String::from_utf8_lossy(&written)
            )
        });
        assert_eq!(
            again.items, list.items,
            "{format:?} round trip changed the items"
        );
        assert_eq!(
            again.function_config, list.function_config,
            "{format:?} round trip"
        );
    }
}

/// What the host sends a function is the list the tree reader reads (a list it refuses, the
/// host refuses too, unless it is one document of a stream); what the host writes back from
/// a function's output is what the tree writer writes.
fn host_readers_agree(data: &[u8], stream: Option<&[Value]>) {
    let tree = codec::parse_resource_list(data);
    match (FunctionInput::parse_list(data), &tree) {
        (Ok(input), Ok(list)) => {
            let sent = codec::parse_resource_list(&input.into_json())
                .unwrap_or_else(|e| panic!("the host's JSON for a function cannot be read: {e}"));
            assert_eq!(
                &sent, list,
                "the host's input differs from the tree reader's"
            );
            assert_eq!(
                codec::to_bytes(&sent.items, Format::Json),
                codec::to_bytes(&list.items, Format::Json),
                "the host's input changed the order of keys"
            );
        }
        (Ok(input), Err(e)) => {
            // Only a stream of one document, read as a list here and not as a lone value there.
            let as_stream = codec::parse_resource_list(&input.into_json()).ok();
            assert!(
                matches!(stream, Some([_])) && as_stream.is_some(),
                "the host read a list the tree reader refuses ({e})"
            );
        }
        (Err(e), Ok(_)) => panic!("the host refuses a list the tree reader reads: {e}"),
        (Err(_), Err(_)) => {}
    }
    let output = FunctionOutput::parse(data.to_vec());
    // Rendered while it is written, in pieces of any size, the output is the same; so it is
    // with the fields around its items rendered first, as a generator's are (the input's
    // own, which the output has, so that they are used).
    let envelope = FunctionInput::parse_list(data)
        .ok()
        .map(|input| input.into_json_and_envelope().1);
    for envelope in [None, envelope] {
        let mut ahead = RenderAhead::with_share(1);
        if let Some(envelope) = envelope {
            ahead = ahead.expecting_from(envelope, 0);
            ahead.render_expected_envelope();
        }
        for piece in data.chunks(1 + data.len() % 7) {
            ahead.take(piece);
        }
        let rendered_ahead = FunctionOutput::parse_with(data.to_vec(), ahead.finish());
        match (&output, &rendered_ahead) {
            (Ok(output), Ok(rendered_ahead)) => assert_eq!(
                output.render(Format::Yaml),
                rendered_ahead.render(Format::Yaml),
                "rendered ahead, the output differs"
            ),
            (Err(e), Err(ahead)) => assert_eq!(e, ahead),
            _ => panic!("rendered ahead, the output is read differently"),
        }
    }
    match (&output, &tree) {
        (Ok(output), Ok(list)) => {
            for format in [Format::Yaml, Format::Json] {
                assert_eq!(
                    output.render(format),
                    codec::to_bytes(list, format),
                    "the host writes a function's output differently ({format:?})"
                );
            }
            scalars_as_written_read_the_same(data, list);
        }
        (Err(e), Ok(_)) => {
            panic!("the host refuses a function's output the tree reader reads: {e}")
        }
        // Items are checked when read, so that writing cannot fail half-way.
        (Ok(_), Err(e)) => {
            panic!("the host reads a function's output the tree reader refuses ({e})")
        }
        (Err(_), Err(_)) => {}
    }
}

/// Written back with the input's scalars as they were written (noted by a scan of the text,
/// or by the item-by-item reader's walk), a list reads as the very list.
fn scalars_as_written_read_the_same(data: &[u8], list: &krm::ResourceList) {
    let mut scanned = FunctionInput::new();
    scanned.note_as_written(data);
    let laid_out = FunctionInput::parse_list(data).map(|mut input| input.take_as_written());
    for as_written in std::iter::once(scanned.take_as_written()).chain(laid_out) {
        let mut output = FunctionOutput::parse(data.to_vec()).expect("read above");
        output.keep_as_written(as_written);
        let written = output.render(Format::Yaml);
        let again = codec::parse_resource_list(&written).unwrap_or_else(|e| {
            panic!(
                "written with scalars as written, the output cannot be read back: {e}\n{}",
                String::from_utf8_lossy(&written)
            )
        });
        assert_eq!(
            &again, list,
            "writing scalars as written changed the output"
        );
    }
}

/// The host reads a large block-style list item by item; what it makes of the input (the
/// JSON for the guest, or the error with its line and column) is what reading each
/// document whole makes of it.
fn item_by_item_reading_agrees(data: &[u8]) {
    fn rendered(document: Document) -> String {
        match document {
            Document::List(list) => String::from_utf8_lossy(&list.into_json()).into_owned(),
            Document::Other(value) => value.to_string(),
        }
    }
    let mut by_items = Vec::new();
    let by_items = read_documents(data, |document| {
        by_items.push(rendered(document));
        Ok(())
    })
    .map(|()| by_items);
    let mut whole = Vec::new();
    let whole = codec::read_stream(data, |document: Document| {
        if !matches!(document, Document::Other(Value::Null)) {
            whole.push(rendered(document));
        }
        Ok(())
    })
    .map(|()| whole);
    assert_eq!(
        by_items, whole,
        "reading item by item differs from reading whole"
    );
}

/// kpack-image over a whole ResourceList (its functionConfig an ImageConfig, or anything).
pub fn image_config(data: &[u8]) {
    run(
        "kpack-image",
        data,
        kpack_image::process,
        kpack_image::process_input,
    );
}

/// kpack-builder over a whole ResourceList (a BuilderConfig, a `kp import` descriptor, …).
pub fn builder_config(data: &[u8]) {
    run(
        "kpack-builder",
        data,
        kpack_builder::process,
        kpack_builder::process_input,
    );
}

/// kpack-validate over a whole ResourceList.
pub fn validator(data: &[u8]) {
    run(
        "kpack-validate",
        data,
        kpack_validate::process,
        kpack_validate::process_input,
    );
}

/// Runs a function as the framework does. Properties: what it writes is a ResourceList that
/// reads back, and a failed run carries an error result; and the run as the function's
/// binary does it (items or objects one at a time) writes what the run on trees writes.
fn run(
    name: &str,
    data: &[u8],
    f: fn(&mut krm::ResourceList) -> Result<(), krm::Failure>,
    as_binary: fn(&[u8], Format) -> krm::Outcome,
) {
    let outcome = krm::process(name, data, Format::Json, f);
    let streamed = as_binary(data, Format::Json);
    assert_eq!(
        (&streamed.stderr, streamed.exit_code),
        (&outcome.stderr, outcome.exit_code),
        "{name} run as its binary runs reports differently"
    );
    if outcome.stdout.is_empty() {
        assert!(
            streamed.stdout.is_empty(),
            "{name}: output only as its binary"
        );
        assert_eq!(outcome.exit_code, 1, "no output, yet success");
        return;
    }
    let list = codec::parse_resource_list(&outcome.stdout)
        .unwrap_or_else(|e| panic!("{name} wrote output it cannot read back: {e}"));
    let streamed_list = codec::parse_resource_list(&streamed.stdout)
        .unwrap_or_else(|e| panic!("{name} as its binary wrote output it cannot read back: {e}"));
    assert_eq!(
        streamed_list, list,
        "{name} run as its binary writes another list"
    );
    if outcome.exit_code != 0 {
        assert!(
            list.results.iter().any(|r| r.is_error()),
            "{name} failed without an error result"
        );
    }
}
