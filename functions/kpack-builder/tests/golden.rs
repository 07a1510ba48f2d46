//! Golden cases, run natively (tests/e2e/golden.rs runs the same cases as wasm via the host).

/// The cases as the binary runs them: ClusterBuildpacks made as they are written.
#[test]
fn golden_cases() {
    krm::testing::run_golden_outcomes(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"),
        |input| kpack_builder::process_input(input, krm::Format::Yaml),
    );
}

/// The same cases with every object made as a tree first (`process`): the same bytes.
#[test]
fn golden_cases_on_trees() {
    krm::testing::run_golden(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"),
        kpack_builder::FUNCTION_NAME,
        kpack_builder::process,
    );
}

/// Every golden output that generated something passes kpack-validate with no error.
#[test]
fn golden_outputs_pass_kpack_validate() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
    let mut checked = 0;
    for case in krm::testing::cases(dir) {
        let bytes = std::fs::read(&case.expected).unwrap();
        let output = krm::codec::parse_resource_list(&bytes).unwrap();
        if output.has_errors() {
            continue;
        }
        let input = krm::codec::to_bytes(
            &krm::ResourceList::new(output.items, None),
            krm::Format::Json,
        );
        let validated = krm::process(
            "kpack-validate",
            &input,
            krm::Format::Json,
            kpack_validate::process,
        );
        let report = krm::codec::parse_resource_list(&validated.stdout).unwrap();
        let errors: Vec<_> = report.results.iter().filter(|r| r.is_error()).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", case.name);
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} golden outputs checked");
}
