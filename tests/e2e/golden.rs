//! Every function's golden cases, run as wasm through the host: the output must be byte for
//! byte what the native run produces (each function's tests/golden.rs checks that one).

use crate::support::*;

fn golden_through_the_host(function: &str) {
    let dir = repo_root()
        .join("functions")
        .join(function)
        .join("tests/golden");
    let mut failures = Vec::new();
    for case in krm::testing::cases(&dir) {
        let out = krmwasm()
            .args(["run", function, "--input"])
            .arg(&case.input)
            .output()
            .unwrap();
        let code = out.status.code().expect("exited") as u8;
        if let Some(diff) = krm::testing::check(&case, &out.stdout, code) {
            failures.push(format!("{diff}\nstderr:\n{}", text(&out.stderr)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn kpack_image_golden_cases_match_through_the_wasm_host() {
    golden_through_the_host("kpack-image");
}

#[test]
fn kpack_builder_golden_cases_match_through_the_wasm_host() {
    golden_through_the_host("kpack-builder");
}

#[test]
fn kpack_validate_golden_cases_match_through_the_wasm_host() {
    golden_through_the_host("kpack-validate");
}

/// kpack-image's output, validated: the two functions chained through the host, as a kpt
/// pipeline would run them.
#[test]
fn kpack_image_output_passes_kpack_validate() {
    let input =
        repo_root().join("functions/kpack-image/tests/golden/kustomize-generator/input.yaml");
    let generated = krmwasm()
        .args(["run", "kpack-image", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert_success(&generated);
    let mut list = krm::codec::parse_resource_list(&generated.stdout).unwrap();
    list.function_config = None;
    let mut cmd = krmwasm();
    cmd.args(["run", "kpack-validate"]);
    let validated = run_with_stdin(&mut cmd, &krm::codec::to_bytes(&list, krm::Format::Yaml));
    assert_success(&validated);
    let report = krm::codec::parse_resource_list(&validated.stdout).unwrap();
    let errors: Vec<_> = report.results.iter().filter(|r| r.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report.items, list.items, "the validator changes nothing");
}
