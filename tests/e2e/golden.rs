//! Every function's golden cases, run as wasm through the host: the output must be byte for
//! byte what the native run produces (each function's tests/golden.rs checks that one).
//!
//! The host writes an item the function returns unchanged in the text it came in, where the
//! native run writes every item anew. So the byte-for-byte run is given the input as the
//! tree writer writes it (the same values, one formatting), and the input as written must
//! give the same values.

use crate::support::*;

fn golden_through_the_host(function: &str) {
    let dir = repo_root()
        .join("functions")
        .join(function)
        .join("tests/golden");
    let scratch = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in krm::testing::cases(&dir) {
        let run = |input: &std::path::Path| {
            krmwasm()
                .args(["run", function, "--input"])
                .arg(input)
                .output()
                .unwrap()
        };
        let written = std::fs::read(&case.input).unwrap();
        let list = krm::codec::parse_resource_list(&written).unwrap();
        let canonical = scratch.path().join(format!("{}.yaml", case.name));
        std::fs::write(
            &canonical,
            krm::codec::to_bytes(&list, krm::codec::Format::Yaml),
        )
        .unwrap();
        let out = run(&canonical);
        let code = out.status.code().expect("exited") as u8;
        if let Some(diff) = krm::testing::check(&case, &out.stdout, code) {
            failures.push(format!("{diff}\nstderr:\n{}", text(&out.stderr)));
            continue;
        }
        let as_written = run(&case.input);
        let read = |bytes: &[u8]| krm::codec::parse_value(bytes).unwrap();
        let expected = std::fs::read(&case.expected).unwrap();
        if read(&as_written.stdout) != read(&expected) {
            failures.push(format!(
                "{}: from the input as written, the output reads otherwise:\n{}",
                case.name,
                text(&as_written.stdout)
            ));
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

/// Large outputs, which the host renders while the function is still writing them
/// (krm::host::RenderAhead, which renders the fields around the items first when they are
/// large) and then on two threads, are byte for byte what the native build of the same
/// function writes.
#[test]
fn large_outputs_match_the_native_functions() {
    use serde_json::json;
    type Native = fn(&[u8], krm::Format) -> krm::Outcome;
    let list = |items: Vec<serde_json::Value>, config: serde_json::Value| {
        serde_json::to_vec(&json!({
            "apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
            "items": items, "functionConfig": config,
        }))
        .unwrap()
    };
    let images: Vec<_> = (0..3000)
        .map(|i| json!({"name": format!("app-{i}"), "git": {"url": format!("https://git.example.com/app-{i}")}}))
        .collect();
    let image_config = json!({
        "apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ImageConfig",
        "metadata": {"name": "big", "namespace": "apps"},
        "spec": {"defaults": {"registry": "registry.example.com/big", "builder": "base"}, "images": images},
    });
    let buildpacks: Vec<_> = (0..3000)
        .map(|i| json!({"id": format!("example/bp-{i}"), "image": format!("registry.example.com/bp/bp-{i}:1.0.{i}")}))
        .collect();
    let builder_config = json!({
        "apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "BuilderConfig",
        "metadata": {"name": "big"},
        "spec": {"scope": "Cluster", "tag": "registry.example.com/builders/big",
                 "serviceAccount": {"name": "kpack-builder", "namespace": "kpack"},
                 "stack": {"id": "io.buildpacks.stacks.jammy", "buildImage": "registry.example.com/stacks/build:1",
                           "runImage": "registry.example.com/stacks/run:1"},
                 "lifecycle": "registry.example.com/lifecycle:0.20.5", "buildpacks": buildpacks,
                 "order": [{"group": ["example/bp-0"]}], "store": "ClusterBuildpack"},
    });
    // Their ClusterBuilder, and a duplicate name among them, so that the validator reports an
    // error: its items are written before it validates them, and must be the same whatever
    // it finds.
    let builder = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterBuilder", "metadata": {"name": "base"},
                         "spec": {"tag": "registry.example.com/builders/base", "stack": {"kind": "ClusterStack", "name": "base"},
                                  "serviceAccountRef": {"name": "kpack", "namespace": "kpack"},
                                  "order": [{"group": [{"id": "paketo-buildpacks/java"}]}]}});
    let resources: Vec<_> = std::iter::once(builder).chain((0..5000)
        .map(|i| json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Image",
                        "metadata": {"name": format!("app-{}", i.min(4998)), "namespace": "apps"},
                        "spec": {"tag": format!("registry.example.com/apps/app-{i}"),
                                 "builder": {"kind": "ClusterBuilder", "name": "base"},
                                 "source": {"git": {"url": format!("https://git.example.com/app-{i}"), "revision": "main"}}}})))
        .collect();
    let cases: [(&str, Vec<u8>, Native); 3] = [
        (
            "kpack-image",
            list(vec![], image_config),
            kpack_image::process_input,
        ),
        (
            "kpack-builder",
            list(vec![], builder_config),
            kpack_builder::process_input,
        ),
        (
            "kpack-validate",
            list(resources, serde_json::Value::Null),
            kpack_validate::process_input,
        ),
    ];
    for (function, input, native) in cases {
        let expected = native(&input, krm::Format::Yaml);
        let mut cmd = krmwasm();
        cmd.args(["-v", "run", function]);
        let out = run_with_stdin(&mut cmd, &input);
        let stderr = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(i32::from(expected.exit_code)),
            "{function}: {stderr}"
        );
        assert!(
            expected.stdout.len() > 1 << 20,
            "{function}: a large output"
        );
        assert!(
            text(&out.stdout) == text(&expected.stdout),
            "{function}: the output differs from the native function's"
        );
        // "krmwasm: kpack-validate: 4990 of 5000 items rendered while it ran"
        let line = stderr
            .lines()
            .find(|line| line.ends_with(" rendered while it ran"))
            .unwrap_or_else(|| panic!("{function}: {stderr}"));
        let rendered_ahead: usize = line
            .split(": ")
            .nth(2)
            .and_then(|counts| counts.split(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        let envelope_ahead = line.contains(" and the fields around them ");
        if function == "kpack-validate" {
            // The validator writes its items before it validates them, so the host has them
            // while it runs (the generators' timing is the machine's). The fields around
            // them are small: not worth rendering ahead.
            assert!(rendered_ahead > 0, "{stderr}");
            assert!(!envelope_ahead, "{stderr}");
        } else {
            // A generator writes back the large functionConfig it was given, rendered while
            // it ran.
            assert!(envelope_ahead, "{function}: {stderr}");
        }
    }
}

/// A generator that fails on a large config writes the config back with its error results:
/// the fields around its (no) items are not those rendered while it ran, and what the host
/// writes is still what the native build writes, with its exit code.
#[test]
fn a_generator_failing_on_a_large_config_writes_what_its_native_build_writes() {
    use serde_json::json;
    let mut images: Vec<_> = (0..2000)
        .map(|i| json!({"name": format!("app-{i}"), "git": {"url": format!("https://git.example.com/app-{i}")}}))
        .collect();
    images.push(json!({"name": "Not A Name", "git": {"url": "https://git.example.com/x"}}));
    let input = serde_json::to_vec(&json!({
        "apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [],
        "functionConfig": {
            "apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ImageConfig",
            "metadata": {"name": "big", "namespace": "apps"},
            "spec": {"defaults": {"registry": "registry.example.com/big", "builder": "base"}, "images": images},
        },
    }))
    .unwrap();
    let expected = kpack_image::process_input(&input, krm::Format::Yaml);
    assert_eq!(expected.exit_code, 1, "{}", expected.stderr);
    let mut cmd = krmwasm();
    cmd.args(["-v", "run", "kpack-image"]);
    let out = run_with_stdin(&mut cmd, &input);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        text(&out.stdout) == text(&expected.stdout),
        "the output differs from the native function's"
    );
    assert!(text(&expected.stdout).contains("Not A Name"));
    let line = stderr
        .lines()
        .find(|line| line.ends_with(" rendered while it ran"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(!line.contains(" and the fields around them "), "{line}");
}
