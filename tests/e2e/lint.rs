//! `krmwasm lint`: every report format, every exit code, places in multi-document files and on
//! stdin, unreadable and broken input, kustomize patches, and the progress bar only on a
//! terminal.

use crate::support::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Three documents: a sound ClusterStack, an Image with an invalid tag (line 17) and a builder
/// reference that is not in the input (line 19), and a ConfigMap lint does not judge.
const APPS: &str = "\
apiVersion: kpack.io/v1alpha2
kind: ClusterStack
metadata:
  name: base
spec:
  id: io.buildpacks.stacks.jammy
  buildImage: {image: paketobuildpacks/build-jammy-base}
  runImage: {image: paketobuildpacks/run-jammy-base}
---
# the second document
apiVersion: kpack.io/v1alpha2
kind: Image
metadata:
  name: cart
  namespace: apps
spec:
  tag: Registry.example.com/Cart
  serviceAccountName: default
  builder: {kind: ClusterBuilder, name: base}
  source:
    git: {url: https://github.com/example/cart, revision: main}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other}
data: {anything: [goes, here]}
";

/// A stack with nothing to say about it.
const CLEAN: &str = "\
apiVersion: kpack.io/v1alpha2
kind: ClusterStack
metadata: {name: clean}
spec:
  id: io.buildpacks.stacks.jammy
  buildImage: {image: paketobuildpacks/build-jammy-base}
  runImage: {image: paketobuildpacks/run-jammy-base}
";

/// Only a warning: the builder is not in the input.
const WARNS: &str = "\
apiVersion: kpack.io/v1alpha2
kind: Image
metadata: {name: web, namespace: apps}
spec:
  tag: registry.example.com/web
  builder: {kind: ClusterBuilder, name: elsewhere}
  source: {git: {url: https://github.com/example/web, revision: main}}
";

/// A policy: images may only be pushed to registry.example.com.
const POLICY: &str = "\
apiVersion: kpack.krmwasm.dev/v1alpha1
kind: ValidatorConfig
metadata: {name: shop}
spec:
  allowedRegistries: [registry.example.com]
";

fn lint_in(dir: &Path, args: &[&str]) -> Output {
    krmwasm()
        .current_dir(dir)
        .arg("lint")
        .args(args)
        .output()
        .unwrap()
}

/// The first finding of a JSON report that `matches`.
fn finding_in(report: &Value, matches: impl Fn(&Value) -> bool) -> &Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| matches(f))
        .unwrap_or_else(|| panic!("no such finding in {report:#}"))
}

fn json_report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out.stdout)))
}

#[test]
fn text_report_places_findings_in_multi_document_files() {
    let dir = tree(&[("apps.yaml", APPS)]);
    let out = lint_in(dir.path(), &["apps.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let expected_frame = "\
error[webhook]: invalid value: Registry.example.com/Cart: spec.tag
  repository can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: Cart (found 'C')
  --> apps.yaml:17:8
   |
17 |   tag: Registry.example.com/Cart
   |        ^^^^^^^^^^^^^^^^^^^^^^^^^
  = Image apps/cart, field spec.tag
";
    assert!(stdout.contains(expected_frame), "{stdout}");
    assert!(stdout.contains("warning[reference]: ClusterBuilder base is not in the input"));
    assert!(stdout.contains("--> apps.yaml:19:41"), "{stdout}");
    assert!(
        stdout.ends_with("1 error, 1 warning, 0 notes in 1 file (3 documents)\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn stdin_is_linted_as_stdin() {
    let mut cmd = krmwasm();
    cmd.args(["lint", "--format", "json", "-"]);
    let out = run_with_stdin(&mut cmd, APPS.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let report = json_report(&out);
    let first = &report["findings"][0];
    assert_eq!(first["file"], "<stdin>");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(17), Some(8))
    );
    assert_eq!(first["document"], 1);
}

/// What real kustomize renders with origin annotations is placed back in the files the
/// resources were written in, or in the overlay's patch that set the value.
#[test]
fn kustomize_output_is_placed_at_its_origins() {
    let image = "\
apiVersion: kpack.io/v1alpha2
kind: Image
metadata:
  name: cart
spec:
  tag: Registry.example.com/Cart
  builder: {kind: ClusterBuilder, name: base}
  source:
    git: {url: https://github.com/example/cart, revision: main}
";
    let patch = "\
apiVersion: kpack.io/v1alpha2
kind: Image
metadata: {name: cart}
spec:
  builder: {kind: ClusterBuilder, name: elsewhere}
";
    // Two more patches written in the overlay: a JSON 6902 one and a strategic-merge one.
    let overlay = "\
resources: [../../base]
namePrefix: prod-
buildMetadata: [originAnnotations]
patches:
- path: builder.yaml
- target: {kind: Image, name: cart}
  patch: |-
    - op: add
      path: /spec/failedBuildHistoryLimit
      value: -1
- patch: |-
    apiVersion: kpack.io/v1alpha2
    kind: Image
    metadata: {name: cart}
    spec:
      build: {creationTime: yesterday}
";
    let dir = tree(&[
        ("base/kustomization.yaml", "resources: [image.yaml]\n"),
        ("base/image.yaml", image),
        ("overlays/prod/kustomization.yaml", overlay),
        ("overlays/prod/builder.yaml", patch),
    ]);
    let rendered = std::process::Command::new(require_tool("kubectl"))
        .args(["kustomize", "overlays/prod"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_success(&rendered);
    let lint = |args: &[&str]| {
        let mut cmd = krmwasm();
        cmd.current_dir(dir.path()).arg("lint").args(args);
        run_with_stdin(&mut cmd, &rendered.stdout)
    };

    let out = lint(&["--origin-root", "overlays/prod", "--format", "json", "-"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_report(&out);
    let tag = finding_in(&report, |f| f["field"] == "spec.tag");
    assert_eq!(tag["file"], "<stdin>");
    assert_eq!(tag["resource"]["name"], "prod-cart");
    assert_eq!(
        tag["origin"],
        serde_json::json!({"file": "base/image.yaml", "line": 6, "column": 8, "endLine": 6,
            "endColumn": 33, "document": 0, "atField": true, "patch": false}),
        "{report:#}"
    );
    // The builder is not base/image.yaml's: the overlay's patch set it.
    let builder = finding_in(&report, |f| f["field"] == "spec.builder.name");
    assert_eq!(
        builder["origin"],
        serde_json::json!({"file": "overlays/prod/builder.yaml", "line": 5, "column": 41,
            "endLine": 5, "endColumn": 50, "document": 0, "atField": true, "patch": true}),
        "{report:#}"
    );

    // Set by the patches written in the kustomization: placed there, line by line.
    let in_overlay = |field: &str| {
        let origin = &finding_in(&report, |f| f["field"] == field)["origin"];
        assert_eq!(
            (&origin["file"], &origin["patch"]),
            (&"overlays/prod/kustomization.yaml".into(), &true.into()),
            "{report:#}"
        );
        (origin["line"].as_u64(), origin["column"].as_u64())
    };
    assert_eq!(
        in_overlay("spec.failedBuildHistoryLimit"),
        (Some(10), Some(14))
    );
    assert_eq!(in_overlay("spec.build.creationTime"), (Some(16), Some(29)));

    // CI annotations go to the repository's file.
    let github = text(&lint(&["--origin-root", "overlays/prod", "--format", "github", "-"]).stdout);
    assert!(
        github.contains("::error file=base/image.yaml,line=6,endLine=6,col=8,endColumn=33,"),
        "{github}"
    );
    let junit = text(&lint(&["--origin-root", "overlays/prod", "--format", "junit", "-"]).stdout);
    assert!(
        junit.contains("classname=\"base/image.yaml\" file=\"base/image.yaml\""),
        "{junit}"
    );
    assert!(
        junit.contains("(written in base/image.yaml:6:8 (kustomize origin))"),
        "{junit}"
    );
    let text_out = text(&lint(&["--origin-root", "overlays/prod", "-"]).stdout);
    assert!(
        text_out.contains("= written in base/image.yaml:6:8 (kustomize origin)\n"),
        "{text_out}"
    );
    assert!(
        text_out.contains("= set in overlays/prod/builder.yaml:5:41 (kustomize patch)\n"),
        "{text_out}"
    );

    // Without the root, the paths lead nowhere from here: said, and placed in stdin only.
    let out = lint(&["--format", "json", "-"]);
    let report = json_report(&out);
    assert!(
        finding_in(&report, |f| f["field"] == "spec.tag")
            .get("origin")
            .is_none()
    );
    assert!(
        text(&out.stderr).contains("--origin-root should be the directory of the kustomization"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn json_report_follows_its_committed_schema() {
    let dir = tree(&[("apps.yaml", APPS), ("deploy/web.yaml", WARNS)]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_report(&out);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/lint-report.v1.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
    assert_eq!(report["version"], 1);
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 2, "documents": 4, "errors": 1, "warnings": 2, "notes": 0})
    );
    let tag = &report["findings"][0];
    assert_eq!(tag["severity"], "error");
    assert_eq!(tag["rule"], "webhook");
    assert_eq!(tag["file"], "./apps.yaml");
    assert_eq!(
        [
            &tag["line"],
            &tag["column"],
            &tag["endLine"],
            &tag["endColumn"]
        ],
        [17, 8, 17, 33]
    );
    assert_eq!(tag["field"], "spec.tag");
    assert_eq!(tag["resource"]["kind"], "Image");
    assert_eq!(tag["resource"]["namespace"], "apps");
    assert_eq!(tag["source"], "kpack-validate");
    let web = &report["findings"][2];
    assert_eq!(web["file"], "./deploy/web.yaml");
    assert_eq!(
        (web["line"].as_u64(), web["document"].as_u64()),
        (Some(6), Some(0))
    );
}

/// The SARIF 2.1.0 schema serde-sarif generates its types from, from cargo's copy of the crate.
fn sarif_schema() -> Value {
    // Only this platform's packages: those are the ones cargo has downloaded.
    let rustc = Command::new("rustc").arg("-vV").output().unwrap();
    let host = text(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names the host");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert_success(&out);
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .expect("serde-sarif is a dependency")["manifest_path"]
        .as_str()
        .unwrap()
        .to_string();
    let path = Path::new(&manifest)
        .parent()
        .unwrap()
        .join("src/schema.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // The published schema's `language` patterns have a stray `]` that ECMA-262 reads as a
    // literal and Rust's regex engine refuses, so the schema fails its own meta-schema. The
    // report never writes `language`; those patterns get their evident meaning.
    fn fix_language_patterns(value: &mut Value) -> usize {
        const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
        match value {
            Value::Object(map) => {
                let mut fixed = 0;
                if map.get("pattern").and_then(Value::as_str) == Some(BROKEN) {
                    map.insert("pattern".into(), "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into());
                    fixed += 1;
                }
                fixed + map.values_mut().map(fix_language_patterns).sum::<usize>()
            }
            Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
            _ => 0,
        }
    }
    assert!(fix_language_patterns(&mut schema) >= 1);
    assert!(
        schema["title"]
            .as_str()
            .unwrap()
            .contains("SARIF) Version 2.1.0"),
        "{}",
        path.display()
    );
    schema
}

#[test]
fn sarif_report_is_valid_sarif_2_1_0() {
    let dir = tree(&[("apps.yaml", APPS), ("broken.yaml", "a: [1, 2\n")]);
    let out = lint_in(
        dir.path(),
        &["--format", "sarif", "apps.yaml", "broken.yaml", "-"],
    );
    assert_eq!(out.status.code(), Some(2));
    let report = json_report(&out);
    let validator = jsonschema::validator_for(&sarif_schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
    let mut wrong = report.clone();
    wrong["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&wrong), "the schema is really applied");
    assert_eq!(report["version"], "2.1.0");
    let run = &report["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "krmwasm");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["parse", "reference", "webhook"]);
    let results = run["results"].as_array().unwrap();
    let tag = results.iter().find(|r| r["ruleId"] == "webhook").unwrap();
    assert_eq!(tag["level"], "error");
    assert_eq!(
        rules[tag["ruleIndex"].as_u64().unwrap() as usize],
        "webhook"
    );
    let location = &tag["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "apps.yaml");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 17);
    assert_eq!(location["region"]["startColumn"], 8);
    assert!(tag["partialFingerprints"]["krmwasmFinding/v2"].is_string());
    let parse = results.iter().find(|r| r["ruleId"] == "parse").unwrap();
    assert_eq!(
        parse["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "broken.yaml"
    );
}

/// Every issue carries what GitLab requires (it drops a report short of any, silently), paths
/// are relative to the directory lint ran in, and no two issues share a fingerprint (GitLab
/// would show them as one), even two findings alike in all but their line.
#[test]
fn gitlab_report_is_code_quality_that_gitlab_reads() {
    // The same Image twice in one file: two alike findings about its tag, and the duplicate.
    let bad = WARNS.replace("registry.example.com/web", "Registry.example.com/Web");
    let twice = format!("{bad}---\n{bad}");
    let dir = tree(&[("apps.yaml", APPS), ("deploy/web.yaml", &twice)]);
    let absolute = dir.path().join("apps.yaml").canonicalize().unwrap();
    let out = lint_in(
        &dir.path().canonicalize().unwrap(),
        &["--format", "gitlab", "./deploy", absolute.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_report(&out);
    let issues = report.as_array().expect("an array of issues");
    let mut fingerprints = std::collections::HashSet::new();
    for issue in issues {
        for field in ["description", "check_name", "fingerprint"] {
            assert!(
                issue[field].as_str().is_some_and(|s| !s.is_empty()),
                "{field}: {issue:#}"
            );
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap()),
            "{issue:#}"
        );
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(
            !path.starts_with('/') && !path.starts_with("./"),
            "{issue:#}"
        );
        assert!(
            issue["location"]["positions"]["begin"]["line"]
                .as_u64()
                .unwrap()
                >= 1
        );
        assert!(
            fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_string()),
            "a fingerprint twice: {report:#}"
        );
    }
    let tag = issues
        .iter()
        .find(|i| i["location"]["path"] == "apps.yaml" && i["check_name"] == "krmwasm/webhook")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(tag["severity"], "major");
    assert_eq!(tag["location"]["positions"]["begin"]["line"], 17);
    assert_eq!(tag["location"]["positions"]["begin"]["column"], 8);
    assert!(
        tag["description"]
            .as_str()
            .unwrap()
            .starts_with("Image apps/cart: "),
        "{tag:#}"
    );
    let alike: Vec<&Value> = issues
        .iter()
        .filter(|i| {
            i["location"]["path"] == "deploy/web.yaml" && i["check_name"] == "krmwasm/webhook"
        })
        .collect();
    assert_eq!(alike.len(), 2, "{report:#}");
    assert_eq!(alike[0]["description"], alike[1]["description"]);
    assert_ne!(
        alike[0]["location"]["positions"]["begin"]["line"],
        alike[1]["location"]["positions"]["begin"]["line"]
    );
}

/// A document with a kind and no name (a List) is named by its kind alone.
#[test]
fn junit_names_a_nameless_document_by_its_kind() {
    let dir = tree(&[("l.yaml", "apiVersion: v1\nkind: List\nitems: []\n")]);
    let out = lint_in(dir.path(), &["--format", "junit", "l.yaml"]);
    let xml = text(&out.stdout);
    assert!(xml.contains(r#"<testcase name="l.yaml#0 List" "#), "{xml}");
}

#[test]
fn junit_report_has_one_testcase_per_document() {
    let dir = tree(&[("apps.yaml", APPS), ("web.yaml", WARNS)]);
    let out = lint_in(dir.path(), &["--format", "junit", "apps.yaml", "web.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = text(&out.stdout);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("4"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(
        names,
        [
            "apps.yaml#0 ClusterStack/base",
            "apps.yaml#1 Image/cart",
            "apps.yaml#2 ConfigMap/other",
            "web.yaml#0 Image/web"
        ]
    );
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(failure.attribute("type"), Some("webhook"));
    assert!(
        failure
            .text()
            .unwrap()
            .contains("apps.yaml:17:8: error [webhook]"),
        "{xml}"
    );
    assert!(
        failure.text().unwrap().contains("(found 'C')"),
        "escaped and read back"
    );
    let warned = cases[3]
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap();
    assert!(warned.text().unwrap().contains("web.yaml:6:"), "{xml}");
    assert!(cases[3].children().all(|n| !n.has_tag_name("failure")));
}

#[test]
fn github_report_writes_escaped_workflow_commands() {
    let dir = tree(&[("apps.yaml", APPS), ("a,b:c%.yaml", WARNS)]);
    let out = lint_in(
        dir.path(),
        &["--format", "github", "apps.yaml", "a,b:c%.yaml"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("::warning file=a%2Cb%3Ac%25.yaml,line=6,endLine=6,col="),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        "::error file=apps.yaml,line=17,endLine=17,col=8,endColumn=33,title=kpack webhook::\
         invalid value: Registry.example.com/Cart: spec.tag%0Arepository can only contain the \
         characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: Cart (found 'C')"
    );
    assert!(
        lines[2].starts_with("::warning file=apps.yaml,line=19,"),
        "{stdout}"
    );
    // The log keeps the full text report.
    assert!(stdout.contains("--> apps.yaml:17:8"), "{stdout}");

    // GitHub matches annotations to the change's files by their paths from the checkout:
    // not `./apps.yaml` (lint's default `.`), nor an absolute path within it.
    let root = dir.path().canonicalize().unwrap();
    for args in [
        vec!["--format", "github"],
        vec!["--format", "github", root.to_str().unwrap()],
    ] {
        let out = lint_in(&root, &args);
        let stdout = text(&out.stdout);
        assert!(
            stdout.starts_with("::warning file=a%2Cb%3Ac%25.yaml,"),
            "{args:?}: {stdout}"
        );
        assert!(
            stdout.contains("\n::error file=apps.yaml,line=17,"),
            "{args:?}: {stdout}"
        );
    }
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tree(&[
        ("clean.yaml", CLEAN),
        ("warns.yaml", WARNS),
        ("apps.yaml", APPS),
    ]);
    let clean = lint_in(dir.path(), &["clean.yaml"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    assert!(text(&clean.stdout).contains("0 errors, 0 warnings, 0 notes in 1 file (1 document)"));

    let warns = lint_in(dir.path(), &["warns.yaml"]);
    assert_eq!(warns.status.code(), Some(0), "warnings pass by default");
    let strict = lint_in(dir.path(), &["--fail-on", "warning", "warns.yaml"]);
    assert_eq!(strict.status.code(), Some(1));

    let errors = lint_in(dir.path(), &["apps.yaml", "clean.yaml"]);
    assert_eq!(errors.status.code(), Some(1));
}

#[test]
fn a_validator_config_changes_the_verdict() {
    let config = "\
apiVersion: kpack.krmwasm.dev/v1alpha1
kind: ValidatorConfig
metadata: {name: strict}
spec:
  externalReferences: error
  allowedRegistries: [registry.internal]
";
    let dir = tree(&[("warns.yaml", WARNS), ("policy.yaml", config)]);
    let out = lint_in(
        dir.path(),
        &["--format", "json", "--config", "policy.yaml", "warns.yaml"],
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json_report(&out);
    let rules: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["severity"].as_str().unwrap(), f["rule"].as_str().unwrap()))
        .collect();
    assert!(rules.contains(&("error", "reference")), "{report:#}");
    assert!(rules.contains(&("error", "policy")), "{report:#}");

    let missing = lint_in(dir.path(), &["--config", "nope.yaml", "warns.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("nope.yaml"),
        "{}",
        text(&missing.stderr)
    );
}

/// A mistake in the `--config` file is placed in it, even when a document of the same kind
/// and name is among the linted files (the package's own ValidatorConfig, say).
#[test]
fn a_config_whose_function_cannot_run_is_reported_at_the_config() {
    let dir = tree(&[
        ("apps.yaml", APPS),
        (
            "broken.yaml",
            "apiVersion: example.krmwasm.dev/v1alpha1\nkind: Broken\nmetadata: {name: b}\n",
        ),
    ]);
    let wasm = std::fs::read(crate::guests::adversarial("panic")).unwrap();
    std::fs::write(dir.path().join("panic.wasm"), &wasm).unwrap();
    let catalog = crate::catalog::catalog_yaml(
        "example.krmwasm.dev",
        "Broken",
        "panic.wasm",
        &crate::catalog::sha256_hex(&wasm),
    );
    std::fs::write(dir.path().join("catalog.yaml"), catalog).unwrap();
    let out = lint_in(
        dir.path(),
        &[
            "--trusted-catalog",
            "catalog.yaml",
            "--format",
            "json",
            "apps.yaml",
            "broken.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let report = json_report(&out);
    let broken = finding_in(&report, |f| f["file"] == "broken.yaml");
    assert_eq!(broken["rule"], "config");
    let message = broken["message"].as_str().unwrap();
    assert!(
        message.contains("could not run") && message.contains("nothing to do, giving up"),
        "{message}"
    );
    // The rest was still linted.
    finding_in(&report, |f| f["rule"] == "webhook");
}

#[test]
fn validator_configs_among_the_inputs_judge_their_packages() {
    // As in a kpt package: the pipeline names validator-config.yaml, and lint should judge
    // as `kpt fn render` does.
    let package_config =
        std::fs::read_to_string(repo_root().join("examples/kpt/shop/validator-config.yaml"))
            .unwrap();
    let elsewhere = WARNS.replace("registry.example.com/web", "quay.io/example/web");
    let dir = tree(&[
        ("validator-config.yaml", package_config.as_str()),
        ("apps/web.yaml", elsewhere.as_str()),
    ]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let report = json_report(&out);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "policy" && f["field"] == "spec.tag"),
        "the package's allowedRegistries apply: {report:#}"
    );
    assert_eq!(
        text(&out.stderr),
        "krmwasm: lint: kpack-validate runs with the ValidatorConfig in ./validator-config.yaml, \
         the only one among the inputs (--config chooses another)\n"
    );

    // Two packages with policies of their own: each judges its own files, in one lint of
    // both, and stderr says which judges where.
    let other = package_config
        .replace("name: shop", "name: other")
        .replace("- registry.example.com", "- quay.io");
    std::fs::write(dir.path().join("apps/validator-config.yaml"), other).unwrap();
    std::fs::write(dir.path().join("web.yaml"), elsewhere.as_str()).unwrap();
    let out = lint_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let report = json_report(&out);
    let policy: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "policy")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(policy, ["./web.yaml"], "{report:#}");
    assert_eq!(
        text(&out.stderr),
        "krmwasm: lint: kpack-validate judges each package with its own ValidatorConfig: ./apps \
         with ./apps/validator-config.yaml, . with ./validator-config.yaml; other files with its \
         defaults (--config chooses one for all)\n"
    );
    // A package with two: neither judges it.
    std::fs::write(
        dir.path().join("apps/second.yaml"),
        package_config.replace("name: shop", "name: second"),
    )
    .unwrap();
    let out = lint_in(dir.path(), &["--format", "json"]);
    assert!(
        text(&out.stderr).contains("./apps with its defaults (several ValidatorConfigs there)"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(dir.path().join("apps/second.yaml")).unwrap();
    let out = lint_in(
        dir.path(),
        &["--format", "json", "--config", "validator-config.yaml"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn an_empty_config_file_is_named() {
    let dir = tree(&[("apps.yaml", APPS), ("empty.yaml", "")]);
    let out = lint_in(dir.path(), &["--config", "empty.yaml", "apps.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the function config empty.yaml is empty"),
        "{stderr}"
    );
}

#[test]
fn a_mistake_in_the_config_file_is_placed_in_it() {
    let package_config = POLICY;
    let misspelt = package_config.replace("allowedRegistries", "alowedRegistries");
    let dir = tree(&[
        ("deploy/apps.yaml", APPS),
        ("deploy/validator-config.yaml", package_config),
        ("strict.yaml", &misspelt),
    ]);
    let out = lint_in(
        dir.path(),
        &["--format", "json", "--config", "strict.yaml", "deploy"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_report(&out);
    let finding = finding_in(&report, |f| f["field"] == "spec.alowedRegistries");
    assert_eq!(finding["file"], "strict.yaml", "{report:#}");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(5), Some(3)),
        "{report:#}"
    );
}

#[test]
fn configs_are_checked_by_their_functions() {
    // The shop example's configs, as a repository holds them: nothing to say.
    let image_config =
        std::fs::read_to_string(repo_root().join("examples/kpt/shop/image-config.yaml")).unwrap();
    let builder_config =
        std::fs::read_to_string(repo_root().join("examples/kpt/builders/builder-config.yaml"))
            .unwrap();
    let clean = tree(&[
        ("apps/image-config.yaml", &image_config),
        ("platform/builder-config.yaml", &builder_config),
    ]);
    let out = lint_in(clean.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    // The same with a mistake each, and a policy with one: each found by its own function and
    // placed where it is written. A kp descriptor that `kp import` would take is left alone,
    // though krmwasm could not expand it offline (no stack id).
    let misspelt = image_config.replacen("revision:", "revison:", 1);
    let duplicate = builder_config.replace("scope: Cluster", "scope: Everywhere");
    let descriptor = "\
apiVersion: kp.kpack.io/v1
kind: DependencyDescriptor
defaultClusterStack: base
defaultClusterBuilder: base
clusterStores:
- name: default
  sources: [{image: gcr.io/paketo-buildpacks/java}]
clusterStacks:
- name: base
  buildImage: {image: paketobuildpacks/build-jammy-base}
  runImage: {image: paketobuildpacks/run-jammy-base}
clusterBuilders:
- name: base
  clusterStack: base
  clusterStore: default
  order: [{group: [{id: paketo-buildpacks/java}]}]
";
    let policy = POLICY.replace("allowedRegistries", "alowedRegistries");
    let dir = tree(&[
        ("apps/image-config.yaml", &misspelt),
        ("platform/builder-config.yaml", &duplicate),
        ("platform/kp-deps.yaml", descriptor),
        ("policy.yaml", &policy),
    ]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let report = json_report(&out);
    let found: Vec<(&str, &str, &str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["field"].as_str().unwrap_or_default(),
                f["rule"].as_str().unwrap(),
                f["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "./apps/image-config.yaml",
                "spec.images[0].git.revison",
                "config",
                "kpack-image"
            ),
            (
                "./platform/builder-config.yaml",
                "spec.scope",
                "config",
                "kpack-builder"
            ),
            (
                "./policy.yaml",
                "spec.alowedRegistries",
                "config",
                "kpack-validate"
            ),
        ],
        "{report:#}"
    );
    let line_of = |file: &str, text: &str| {
        let content = std::fs::read_to_string(dir.path().join(file)).unwrap();
        content.lines().position(|l| l.contains(text)).unwrap() as u64 + 1
    };
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        findings[0]["line"].as_u64(),
        Some(line_of("apps/image-config.yaml", "revison:"))
    );
    assert_eq!(
        findings[1]["line"].as_u64(),
        Some(line_of("platform/builder-config.yaml", "Everywhere"))
    );
    assert_eq!(findings[2]["line"].as_u64(), Some(5));

    // The descriptor was left alone, not found sound: krmwasm cannot expand it.
    let expanded = krmwasm()
        .current_dir(dir.path())
        .args([
            "run",
            "kpack-builder",
            "--fn-config",
            "platform/kp-deps.yaml",
            "--input",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(
        expanded.status.code(),
        Some(1),
        "{}",
        text(&expanded.stderr)
    );

    // Named with --config as well, the policy's mistake is said once, however the input
    // reached it (as given, or found in `.` as `./policy.yaml`).
    for input in ["policy.yaml", "."] {
        let out = lint_in(
            dir.path(),
            &["--format", "json", "--config", "policy.yaml", input],
        );
        let report = json_report(&out);
        let policy: Vec<&Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with("policy.yaml"))
            .collect();
        assert_eq!(policy.len(), 1, "{input}: {report:#}");
    }
}

/// YAML merge keys are read as kubectl and kustomize read them, and what they merge is checked.
#[test]
fn merge_keys_are_resolved() {
    let dir = tree(&[(
        "images.yaml",
        "apiVersion: v1
kind: List
items:
- apiVersion: kpack.io/v1alpha2
  kind: Image
  metadata: {name: one, namespace: apps}
  spec:
    tag: registry.example.com/one
    builder: &builder {kind: ClusterBuilder, name: base}
    source: &source {git: {url: https://github.com/example/one, revision: main}}
- apiVersion: kpack.io/v1alpha2
  kind: Image
  metadata: {name: two, namespace: apps}
  spec:
    tag: registry.example.com/two
    builder: {<<: *builder, kind: Builder}
    source:
      <<: *source
      subPath: two
      bogus: x
",
    )]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    let report = json_report(&out);
    let findings = report["findings"].as_array().unwrap();
    let messages: Vec<&str> = findings
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    // An unknown field is shown by its key, not its value.
    let bogus = findings
        .iter()
        .find(|f| f["field"] == "spec.source.bogus")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(
        [&bogus["line"], &bogus["column"], &bogus["endColumn"]],
        [20, 7, 12],
        "{report:#}"
    );
    assert!(messages.iter().all(|m| !m.contains("\"<<\"")), "{report:#}");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("unknown field \"bogus\"")),
        "{report:#}"
    );
    // The first Image's builder, the second's bogus field (which stops its other checks).
    assert_eq!(messages.len(), 2, "{report:#}");
}

/// Plain values kubectl (YAML 1.1) reads as booleans, numbers or times, in kpack objects only.
#[test]
fn values_kubectl_reads_otherwise_are_warned_of() {
    let image = WARNS.replace(
        "  source:",
        "  build:\n    env:\n    - {name: A, value: yes}\n    - {name: B, value: 'yes'}\n    - {name: C, value: 012345}\n  source:",
    );
    let dir = tree(&[
        ("web.yaml", &image),
        (
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: yes}\n",
        ),
    ]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    let report = json_report(&out);
    let misread: Vec<(&str, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "yaml")
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        misread,
        [("./web.yaml", 9, 24), ("./web.yaml", 11, 24)],
        "{report:#}"
    );
    let messages = text(&out.stdout);
    assert!(
        messages.contains("kubectl reads the plain value 012345 as the number 5349"),
        "{messages}"
    );
}

/// A document that is a list or a plain value is no object: kubectl and kustomize refuse it.
#[test]
fn documents_that_are_not_objects_are_errors() {
    let dir = tree(&[(
        "mixed.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nhello\n---\n- {kind: Image}\n",
    )]);
    let out = lint_in(dir.path(), &["--format", "json", "mixed.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_report(&out);
    let places: Vec<(u64, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(places.len(), 2, "{report:#}");
    assert_eq!(places[0].0, 5);
    assert!(
        places[0]
            .1
            .starts_with("this document is a string, not a Kubernetes object")
    );
    assert_eq!(places[1].0, 7);
    assert!(places[1].1.starts_with("this document is a list"));
}

/// A file reached twice (named and in a named directory, by two spellings, through a link)
/// is linted once: otherwise each of its objects is its own duplicate.
#[test]
fn a_file_reached_twice_is_linted_once() {
    let dir = tree(&[("deploy/stack.yaml", CLEAN)]);
    std::os::unix::fs::symlink(dir.path().join("deploy"), dir.path().join("link")).unwrap();
    let out = lint_in(
        dir.path(),
        &["deploy", "deploy/stack.yaml", "./deploy/stack.yaml", "link"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).ends_with("0 errors, 0 warnings, 0 notes in 1 file (1 document)\n"),
        "{}",
        text(&out.stdout)
    );
}

/// What a config's function says of it, even about no object in particular (a BuilderConfig
/// without a name names no resource), is the `config` rule, at the config.
#[test]
fn every_result_of_a_config_check_is_the_config_rule() {
    let builder_config =
        std::fs::read_to_string(repo_root().join("examples/kpt/builders/builder-config.yaml"))
            .unwrap();
    let nameless = builder_config.replacen("name:", "nome:", 1);
    assert_ne!(nameless, builder_config);
    let dir = tree(&[("builder-config.yaml", &nameless)]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    let report = json_report(&out);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "{report:#}");
    for finding in findings {
        assert_eq!(finding["rule"], "config", "{report:#}");
        assert_eq!(finding["file"], "./builder-config.yaml", "{report:#}");
    }
}

/// A document in a config group of the trusted catalogs that no trusted function takes (a
/// version or a kind misspelt) is a `config` error at its apiVersion or kind: kpt would find
/// no function for it. Another tool's group (kp's, a shared format) is not judged.
#[test]
fn a_config_kind_no_trusted_function_takes_is_an_error() {
    let dir = tree(&[(
        "configs.yaml",
        "\
apiVersion: kpack.krmwasm.dev/v1
kind: ImageConfig
metadata: {name: shop}
---
apiVersion: kpack.krmwasm.dev/v1alpha1
kind: ImageConfigs
metadata: {name: shop}
---
apiVersion: kp.kpack.io/v1
kind: SomethingOfKp
metadata: {name: kp}
",
    )]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_report(&out);
    let version = finding_in(&report, |f| f["document"] == 0);
    assert_eq!(
        (&version["rule"], &version["field"], &version["line"]),
        (&"config".into(), &"apiVersion".into(), &1.into()),
        "{version}"
    );
    let message = version["message"].as_str().unwrap();
    assert!(
        message.contains("kpack.krmwasm.dev/v1alpha1 ImageConfig"),
        "{message}"
    );
    let kind = finding_in(&report, |f| f["document"] == 1);
    assert_eq!(
        (&kind["rule"], &kind["field"], &kind["line"]),
        (&"config".into(), &"kind".into(), &6.into()),
        "{kind}"
    );
    let message = kind["message"].as_str().unwrap();
    for served in ["BuilderConfig", "ImageConfig", "ValidatorConfig"] {
        assert!(message.contains(served), "{message}");
    }
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        2,
        "{report:#}"
    );
}

#[test]
fn the_items_of_a_list_are_linted_in_place() {
    // As `kubectl get images -o yaml` writes them; kubectl apply and kustomize take the items.
    let list = "\
apiVersion: v1
kind: List
items:
- apiVersion: kpack.io/v1alpha2
  kind: ClusterStack
  metadata: {name: base}
  spec:
    id: io.buildpacks.stacks.jammy
    buildImage: {image: paketobuildpacks/build-jammy-base}
    runImage: {image: paketobuildpacks/run-jammy-base}
- apiVersion: kpack.io/v1alpha2
  kind: Image
  metadata: {name: cart, namespace: apps}
  spec:
    tag: Registry.example.com/Cart
    builder: {kind: ClusterBuilder, name: base}
    source: {git: {url: https://github.com/example/cart, revision: main}}
";
    let dir = tree(&[("images.yaml", list)]);
    let out = lint_in(dir.path(), &["--format", "json", "images.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let report = json_report(&out);
    let tag = finding_in(&report, |f| f["field"] == "spec.tag");
    assert_eq!(
        (
            tag["line"].as_u64(),
            tag["column"].as_u64(),
            tag["document"].as_u64()
        ),
        (Some(15), Some(10), Some(0)),
        "{report:#}"
    );
    assert_eq!(tag["resource"]["name"], "cart");
    assert_eq!(report["summary"]["documents"], 1);
}

#[test]
fn broken_yaml_is_reported_at_its_place_with_exit_2() {
    let broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   labels: {a: b}\n";
    let duplicate = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n";
    let dir = tree(&[
        ("apps.yaml", APPS),
        ("broken.yaml", broken),
        ("duplicate.yaml", duplicate),
    ]);
    let out = lint_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let report = json_report(&out);
    let findings = report["findings"].as_array().unwrap();
    let parse: Vec<&Value> = findings.iter().filter(|f| f["rule"] == "parse").collect();
    assert_eq!(parse.len(), 2, "{report:#}");
    assert_eq!(parse[0]["file"], "./broken.yaml");
    assert_eq!(parse[0]["line"], 5, "{report:#}");
    assert_eq!(parse[1]["file"], "./duplicate.yaml");
    assert_eq!(
        (parse[1]["line"].as_u64(), parse[1]["column"].as_u64()),
        (Some(5), Some(3)),
        "the repeat is shown: {report:#}"
    );
    assert!(
        parse[1]["message"]
            .as_str()
            .unwrap()
            .contains("duplicate key")
    );
    // The other files are still linted.
    assert!(findings.iter().any(|f| f["rule"] == "webhook"));

    let text_out = lint_in(dir.path(), &["broken.yaml"]);
    assert_eq!(text_out.status.code(), Some(2));
    let stdout = text(&text_out.stdout);
    assert!(stdout.contains("error[parse]: not valid YAML"), "{stdout}");
    assert!(stdout.contains("--> broken.yaml:5:"), "{stdout}");
    assert!(
        stdout.contains("5 |    labels: {a: b}"),
        "a code frame: {stdout}"
    );
    assert!(!stdout.contains("template"), "{stdout}");
}

#[test]
fn a_broken_document_leaves_the_others_in_its_file_linted() {
    // APPS with a broken document after its Image (an unclosed flow sequence, which the parser
    // only notices at the next `---`) and one with a duplicate key at the end.
    let file =
        format!("{APPS}---\nkind: Image\nspec: {{tag: [a\n---\n{WARNS}---\nkind: X\nkind: Y\n");
    let dir = tree(&[("apps.yaml", &file)]);
    let out = lint_in(dir.path(), &["--format", "json", "apps.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let report = json_report(&out);
    let findings = report["findings"].as_array().unwrap();
    let parse: Vec<(u64, u64)> = findings
        .iter()
        .filter(|f| f["rule"] == "parse")
        .map(|f| (f["document"].as_u64().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    // Document 3 is the broken Image (lines 27–29, noticed at the `---` on 30), 5 the
    // duplicate (its repeat on line 40).
    assert_eq!(parse.len(), 2, "{report:#}");
    assert_eq!(parse[0].0, 3, "{report:#}");
    assert_eq!(parse[0].1, 30, "{report:#}");
    assert_eq!(parse[1], (5, 40), "{report:#}");
    // The documents before, between and after are linted, in their places.
    let tag = finding_in(&report, |f| f["field"] == "spec.tag");
    assert_eq!(
        (tag["document"].as_u64(), tag["line"].as_u64()),
        (Some(1), Some(17))
    );
    let web = finding_in(&report, |f| f["resource"]["name"] == "web");
    assert_eq!(web["document"], 4, "{report:#}");
    assert_eq!(web["line"], 36, "{report:#}");
    assert_eq!(report["summary"]["documents"], 6, "{report:#}");

    let junit = lint_in(dir.path(), &["--format", "junit", "apps.yaml"]);
    let junit = text(&junit.stdout);
    assert!(
        junit.contains("<testcase name=\"apps.yaml#3\" classname=\"apps.yaml\""),
        "{junit}"
    );
    let case = junit.split("apps.yaml#3").nth(1).unwrap();
    assert!(
        case.split("</testcase>")
            .next()
            .unwrap()
            .contains("not valid YAML"),
        "{junit}"
    );

    let text_out = lint_in(dir.path(), &["apps.yaml"]);
    let stdout = text(&text_out.stdout);
    assert!(
        stdout.contains(
            "the document that starts on line 27 does not end before the next one\n  \
             --> apps.yaml:30:1"
        ),
        "placed where the parser noticed, naming the document: {stdout}"
    );
}

#[test]
fn a_template_outside_a_chart_is_named_as_one() {
    // A Helm template lint cannot tell is one: no Chart.yaml above its templates directory.
    let template =
        "{{- if .Values.image }}\napiVersion: kpack.io/v1alpha2\nkind: Image\n{{- end }}\n";
    let dir = tree(&[("deploy/templates/image.yaml", template)]);
    let out = lint_in(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "error[parse]: not valid YAML: \"-\" is only valid inside a block\n  \
             it looks like a template ({{ … }}): lint what it renders \
             (`helm template CHART | krmwasm lint -`), or list it in .krmwasmignore\n  \
             --> ./deploy/templates/image.yaml:1:3"
        ),
        "{stdout}"
    );
}

#[test]
fn unreadable_input_is_reported_with_exit_2() {
    let dir = tree(&[("apps.yaml", APPS)]);
    std::fs::write(dir.path().join("latin1.yaml"), b"kind: \xe9t\xe9\n").unwrap();
    let out = lint_in(
        dir.path(),
        &[
            "--format",
            "json",
            "missing.yaml",
            "latin1.yaml",
            "apps.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let report = json_report(&out);
    let findings = report["findings"].as_array().unwrap();
    let missing = findings
        .iter()
        .find(|f| f["file"] == "missing.yaml")
        .unwrap();
    assert_eq!(missing["rule"], "read");
    assert!(missing["message"].as_str().unwrap().contains("cannot read"));
    let latin1 = findings
        .iter()
        .find(|f| f["file"] == "latin1.yaml")
        .unwrap();
    assert!(
        latin1["message"]
            .as_str()
            .unwrap()
            .starts_with("the byte 0xE9 at line 1, column 7 is not UTF-8"),
        "{latin1}"
    );
    assert_eq!(
        (latin1["line"].as_u64(), latin1["column"].as_u64()),
        (Some(1), Some(7))
    );
    assert!(
        findings.iter().any(|f| f["rule"] == "webhook"),
        "the rest is linted"
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// A directory lint may not enter is a `read` finding at it, and the rest of the tree is still
/// linted. Mode 000 stops only a user who is not root, so as root (as tests run in CI) lint
/// runs as `nobody` through `setpriv`.
#[test]
fn a_directory_that_cannot_be_walked_is_a_finding_and_the_rest_is_linted() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tree(&[("apps.yaml", APPS), ("locked/hidden.yaml", CLEAN)]);
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let as_root = std::fs::metadata(dir.path()).unwrap().uid() == 0;
    let mut cmd = if as_root {
        let mut cmd = Command::new(require_tool("setpriv"));
        cmd.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(krmwasm_path());
        cmd
    } else {
        Command::new(krmwasm_path())
    };
    isolate(&mut cmd);
    // Compiled modules from the shared cache, in one that `nobody` may read and write.
    lint_in(dir.path(), &["apps.yaml"]);
    let cache = dir.path().join(".cache");
    copy_dir(cache_dir(), &cache);
    for path in std::iter::once(dir.path().to_path_buf()).chain(
        std::fs::read_dir(cache.join("compiled"))
            .into_iter()
            .flatten()
            .map(|e| e.unwrap().path()),
    ) {
        mode(&path, if path.is_dir() { 0o755 } else { 0o644 });
    }
    mode(&cache, 0o777);
    if cache.join("compiled").is_dir() {
        mode(&cache.join("compiled"), 0o777);
    }
    mode(&dir.path().join("locked"), 0o000);
    // The test's empty config, where `nobody` may read it.
    let config = cache.join("host-config.yaml");
    std::fs::copy(no_user_config(), &config).unwrap();
    mode(&config, 0o644);
    let out = cmd
        .env("KRMWASM_CACHE_DIR", &cache)
        .env("KRMWASM_CONFIG", &config)
        .current_dir(dir.path())
        .args(["lint", "--format", "json", "."])
        .output()
        .unwrap();
    mode(&dir.path().join("locked"), 0o755);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let report = json_report(&out);
    let locked = finding_in(&report, |f| f["file"] == "./locked");
    assert_eq!(locked["rule"], "read", "{locked}");
    let message = locked["message"].as_str().unwrap();
    assert!(message.contains("Permission denied"), "{message}");
    finding_in(&report, |f| {
        f["file"] == "./apps.yaml" && f["rule"] == "webhook"
    });
}

#[test]
fn directories_are_searched_for_manifests() {
    let dir = tree(&[
        ("base/stack.yaml", CLEAN),
        ("apps/web/image.yml", WARNS),
        (
            "apps/list.json",
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}}"#,
        ),
        ("README.md", "kind: not yaml to lint"),
        (".git/config.yaml", "{{ not linted"),
        (
            "chart/templates/image.yaml",
            "{{- if .Values.image }}\nkind: Image\n",
        ),
        (".krmwasmignore", "chart/templates/\n"),
    ]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report = json_report(&out);
    assert_eq!(report["summary"]["files"], 3, "{report:#}");
    assert_eq!(report["summary"]["documents"], 3);
    assert_eq!(report["findings"][0]["file"], "./apps/web/image.yml");
}

/// A path that holds no manifest (a wrong one, in CI) is not a clean tree: exit 2, said on
/// stderr. Empty stdin (a kustomization that renders nothing) stays clean.
#[test]
fn paths_without_manifests_are_an_error() {
    let dir = tree(&[("docs/README.md", "# not YAML"), ("blank/empty.yaml", "")]);
    for (path, said) in [
        ("docs", "no .yaml, .yml or .json file"),
        ("blank", "1 file read, none holding a document"),
    ] {
        let out = lint_in(dir.path(), &[path]);
        assert_eq!(out.status.code(), Some(2), "{path}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("no manifests to lint in {path}: {said}")),
            "{stderr}"
        );
    }
    let out = run_with_stdin(krmwasm().current_dir(dir.path()).args(["lint", "-"]), b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// A base and two overlays, as kustomize repositories are laid out: the overlays' patches
/// hold only the fields they change. `revison` is a typo in the prod patch. And a Helm chart,
/// whose templates are not YAML before Helm renders them.
fn kustomize_tree() -> tempfile::TempDir {
    tree(&[
        (
            "base/image.yaml",
            "apiVersion: kpack.io/v1alpha2
kind: Image
metadata: {name: web, namespace: apps}
spec:
  tag: registry.example.com/apps/web
  serviceAccountName: builds
  builder: {kind: ClusterBuilder, name: base}
  source: {git: {url: https://github.com/example/web, revision: main}}
",
        ),
        ("base/kustomization.yaml", "resources: [image.yaml]\n"),
        (
            "overlays/prod/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../base]
patches:
- path: image-patch.yaml
- path: patches/tag.yaml
  target: {kind: Image, name: web}
",
        ),
        (
            "overlays/prod/image-patch.yaml",
            "apiVersion: kpack.io/v1alpha2
kind: Image
metadata: {name: web, namespace: apps}
spec:
  source: {git: {revison: v1.2.0}}
",
        ),
        (
            "overlays/prod/patches/tag.yaml",
            "- {op: replace, path: /spec/tag, value: registry.example.com/prod/web}\n",
        ),
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: builders\nversion: 0.1.0\n",
        ),
        ("chart/values.yaml", "stack: jammy\n"),
        (
            "chart/templates/stack.yaml",
            "{{- if .Values.stack }}\napiVersion: kpack.io/v1alpha2\nkind: ClusterStack\n{{- end }}\n",
        ),
        (
            "overlays/staging/kustomization.yaml",
            "resources: [../../base]\npatchesStrategicMerge: [image-patch.yaml]\n",
        ),
        (
            "overlays/staging/image-patch.yaml",
            "apiVersion: kpack.io/v1alpha2
kind: Image
metadata: {name: web, namespace: apps}
spec:
  source: {git: {revision: staging}}
",
        ),
    ])
}

/// Files as Windows editors save them: a byte order mark first, CRLF line ends. kubectl,
/// kustomize and kpt read them; so does lint, with findings at the places an editor shows.
#[test]
fn files_with_a_byte_order_mark_and_crlf_lines_are_read() {
    let windows = |text: &str| format!("\u{feff}{}", text.replace('\n', "\r\n"));
    let dir = tree(&[
        ("apps.yaml", &windows(APPS)),
        (
            "overlay/kustomization.yaml",
            &windows("resources: [../apps.yaml]\npatches:\n- path: fix.yaml\n"),
        ),
        (
            "overlay/fix.yaml",
            &windows(
                "apiVersion: kpack.io/v1alpha2\nkind: Image\nmetadata: {name: cart, namespace: apps}\nspec: {tag: x}\n",
            ),
        ),
    ]);
    let out = lint_in(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_report(&out);
    let findings = report["findings"].as_array().unwrap();
    let places: Vec<(&str, &str, u64, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    // As from the same files saved the Unix way (sarif_report_is_valid_sarif_2_1_0).
    assert!(
        places.contains(&("webhook", "./apps.yaml", 17, 8)),
        "{report:#}"
    );
    assert!(
        places.iter().all(|(rule, ..)| *rule != "parse"),
        "{report:#}"
    );
    assert_eq!(
        report["setAside"][0]["file"], "./overlay/fix.yaml",
        "{report:#}"
    );
}

#[test]
fn kustomize_patches_and_helm_templates_are_set_aside() {
    let dir = kustomize_tree();
    let out = lint_in(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.ends_with(
            "0 errors, 1 warning, 0 notes in 6 files (6 documents); \
             3 kustomize patches and 1 Helm template not linted\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("image-patch.yaml"), "{stdout}");

    let out = lint_in(dir.path(), &["--format", "json"]);
    let report = json_report(&out);
    let set_aside: Vec<[&str; 3]> = report["setAside"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| ["file", "kind", "by"].map(|key| p[key].as_str().unwrap()))
        .collect();
    assert_eq!(
        set_aside,
        [
            [
                "./chart/templates/stack.yaml",
                "helmTemplate",
                "./chart/Chart.yaml"
            ],
            [
                "./overlays/prod/image-patch.yaml",
                "kustomizePatch",
                "./overlays/prod/kustomization.yaml"
            ],
            [
                "./overlays/prod/patches/tag.yaml",
                "kustomizePatch",
                "./overlays/prod/kustomization.yaml"
            ],
            [
                "./overlays/staging/image-patch.yaml",
                "kustomizePatch",
                "./overlays/staging/kustomization.yaml"
            ],
        ]
    );

    let out = lint_in(dir.path(), &["--format", "junit"]);
    let xml = text(&out.stdout);
    assert!(
        xml.contains(r#"tests="10" failures="0" errors="0" skipped="4""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="./base/kustomization.yaml#0" "#),
        "a document with neither kind nor name: {xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="./overlays/prod/patches/tag.yaml" classname="./overlays/prod/patches/tag.yaml" file="./overlays/prod/patches/tag.yaml">
      <skipped message="a kustomize patch, listed in ./overlays/prod/kustomization.yaml: lint `kustomize build` output to check what it produces"/>"#),
        "{xml}"
    );

    // What the patches produce is checked where docs/lint.md says: in kustomize's output.
    let kubectl = require_tool("kubectl");
    let rendered = Command::new(&kubectl)
        .args(["kustomize", "overlays/prod"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_success(&rendered);
    let mut cmd = krmwasm();
    cmd.args(["lint", "-"]);
    let out = run_with_stdin(&mut cmd, &rendered.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("error[schema]: unknown field \"revison\""),
        "{stdout}"
    );
    assert!(stdout.contains("--> <stdin>:"), "{stdout}");
}

/// A ytt template (Carvel's, as kpack's own release config is written): valid YAML whose
/// computed values read as null until ytt renders them.
const YTT_STACK: &str = "\
#@ load(\"@ytt:data\", \"data\")
---
apiVersion: kpack.io/v1alpha2
kind: ClusterStack
metadata:
  name: #@ data.values.stack.name
spec:
  id: io.buildpacks.stacks.jammy
  buildImage:
    image: #@ data.values.stack.build_image
  runImage:
    image: #@ data.values.stack.run_image
";

#[test]
fn ytt_templates_are_set_aside_by_lint_and_run() {
    let dir = tree(&[("clean.yaml", CLEAN), ("config/stack.yaml", YTT_STACK)]);
    let out = lint_in(dir.path(), &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.ends_with(
            "0 errors, 0 warnings, 0 notes in 1 file (1 document); 1 ytt template not linted\n"
        ),
        "{stdout}"
    );
    let report = json_report(&lint_in(dir.path(), &["--format", "json"]));
    assert_eq!(
        report["setAside"],
        serde_json::json!([{"file": "./config/stack.yaml", "kind": "yttTemplate", "by": "./config/stack.yaml"}])
    );

    // `run --input DIR` leaves it out too; named on its own, it is taken as it is, and its
    // nulls are what the validator sees.
    let out = krmwasm()
        .current_dir(dir.path())
        .args(["run", "kpack-validate", "--input", "."])
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("name: clean"), "{stdout}");
    assert!(!stdout.contains("data.values"), "{stdout}");
    assert_eq!(stdout.matches("kind: ClusterStack").count(), 1, "{stdout}");
    let out = krmwasm()
        .current_dir(dir.path())
        .args(["run", "kpack-validate", "--input", "config/stack.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("null"), "{}", text(&out.stderr));
}

#[test]
fn progress_is_drawn_only_on_a_terminal() {
    let files: Vec<(String, String)> = (0..250)
        .map(|i| {
            (
                format!("s{i:03}.yaml"),
                CLEAN.replace("name: clean", &format!("name: s{i}")),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = tree(&refs);
    let piped = lint_in(dir.path(), &[]);
    assert_eq!(piped.status.code(), Some(0), "{}", text(&piped.stdout));
    assert!(piped.stderr.is_empty(), "{}", text(&piped.stderr));

    // `script` gives the command a pseudo-terminal; stdout goes to a file, stderr to the pty.
    let script = require_tool("script");
    let report = dir.path().join("report.txt");
    let command = format!("{} lint . > {}", krmwasm_path().display(), report.display());
    let mut cmd = Command::new(script);
    isolate(&mut cmd);
    let tty = cmd
        .current_dir(dir.path())
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap();
    assert_success(&tty);
    assert!(
        text(&tty.stdout).contains("/250 files"),
        "{:?}",
        text(&tty.stdout)
    );
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("in 250 files")
    );
}

/// The `krmwasm lint` command lines of examples/ci, as a shell would split them before any
/// redirection or `||`.
fn example_lint_commands() -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    for name in ["github-actions.yaml", "gitlab-ci.yaml"] {
        let path = repo_root().join("examples/ci").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        krm::codec::parse_value(text.as_bytes())
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        for line in text.lines() {
            let Some(at) = line.find("krmwasm lint") else {
                continue;
            };
            let words: Vec<String> = line[at..]
                .split_whitespace()
                .skip(2)
                .take_while(|w| !matches!(*w, ">" | "||" | "|" | "#"))
                .map(str::to_string)
                .collect();
            commands.push(words);
        }
    }
    commands
}

#[test]
fn the_ci_examples_run_as_written() {
    let commands = example_lint_commands();
    assert!(commands.len() >= 4, "{commands:?}");
    let dir = tree(&[("deploy/apps.yaml", APPS)]);
    for args in commands {
        // A shell variable is a directory; `-` reads what kustomize would render.
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if a.starts_with("\"$") {
                    "."
                } else {
                    a.as_str()
                }
            })
            .collect();
        let (out, place) = if args.contains(&"-") {
            let mut cmd = krmwasm();
            cmd.current_dir(dir.path()).arg("lint").args(&args);
            (run_with_stdin(&mut cmd, APPS.as_bytes()), "<stdin>")
        } else {
            (lint_in(dir.path(), &args), "apps.yaml")
        };
        assert_eq!(
            out.status.code(),
            Some(1),
            "krmwasm lint {args:?}: the example's finding fails the job\n{}",
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains(place), "{args:?}");
    }
}
