//! The kpack-image golden cases, run as wasm through the host: the output must be byte for
//! byte what the native run produces (functions/kpack-image/tests/golden.rs checks that one).

use crate::support::*;

#[test]
fn kpack_image_golden_cases_match_through_the_wasm_host() {
    let dir = repo_root().join("functions/kpack-image/tests/golden");
    let mut failures = Vec::new();
    for case in krm::testing::cases(&dir) {
        let out = krmwasm()
            .args(["run", "kpack-image", "--input"])
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
