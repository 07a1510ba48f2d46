//! Golden cases, run natively (tests/e2e/golden.rs runs the same cases as wasm via the host).

/// The cases as the binary runs them: objects written as they are made.
#[test]
fn golden_cases() {
    krm::testing::run_golden_outcomes(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"),
        |input| kpack_image::process_input(input, krm::Format::Yaml),
    );
}

/// The same cases with every object made as a tree first (`process`, which the other
/// functions' tests call): both ways give the same bytes.
#[test]
fn golden_cases_on_trees() {
    krm::testing::run_golden(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"),
        kpack_image::FUNCTION_NAME,
        kpack_image::process,
    );
}
