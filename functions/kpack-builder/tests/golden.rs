//! Golden cases, run natively (tests/e2e/golden.rs runs the same cases as wasm via the host).

#[test]
fn golden_cases() {
    krm::testing::run_golden(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"),
        kpack_builder::FUNCTION_NAME,
        kpack_builder::process,
    );
}
