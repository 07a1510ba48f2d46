//! What each fuzz target (fuzz/fuzz_targets/) does with its input. The bodies live here, in
//! the workspace, so `cargo test` replays every input that once broke one (regressions/) and
//! the seeds, on stable Rust; fuzz/ only wraps them for cargo-fuzz (scripts/fuzz.sh).
//!
//! A target fails by panicking: on its own, or through the properties asserted below.

use krm::codec::{self, Format};

/// A fuzz target: takes any bytes, panics on a bug.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as fuzz/ and scripts/fuzz.sh name them.
pub const TARGETS: [(&str, Target); 4] = [
    ("resource_list", resource_list),
    ("image_config", image_config),
    ("builder_config", builder_config),
    ("validator", validator),
];

/// Reading ResourceLists and streams. Property: a list krmwasm reads, it writes back in YAML
/// and in JSON such that reading either gives the same list again.
pub fn resource_list(data: &[u8]) {
    let _ = codec::parse_stream(data);
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

/// kpack-image over a whole ResourceList (its functionConfig an ImageConfig, or anything).
pub fn image_config(data: &[u8]) {
    run("kpack-image", data, kpack_image::process);
}

/// kpack-builder over a whole ResourceList (a BuilderConfig, a `kp import` descriptor, …).
pub fn builder_config(data: &[u8]) {
    run("kpack-builder", data, kpack_builder::process);
}

/// kpack-validate over a whole ResourceList.
pub fn validator(data: &[u8]) {
    run("kpack-validate", data, kpack_validate::process);
}

/// Runs a function as the framework does. Properties: what it writes is a ResourceList that
/// reads back, and a failed run carries an error result.
fn run(name: &str, data: &[u8], f: fn(&mut krm::ResourceList) -> Result<(), krm::Failure>) {
    let outcome = krm::process(name, data, Format::Json, f);
    if outcome.stdout.is_empty() {
        assert_eq!(outcome.exit_code, 1, "no output, yet success");
        return;
    }
    let list = codec::parse_resource_list(&outcome.stdout)
        .unwrap_or_else(|e| panic!("{name} wrote output it cannot read back: {e}"));
    if outcome.exit_code != 0 {
        assert!(
            list.results.iter().any(|r| r.is_error()),
            "{name} failed without an error result"
        );
    }
}
