use super::*;
use krm::codec::{self, Format};
use krm::testing::errors;
use serde_json::{Value, json};

pub const SKETCH: &str = r#"
apiVersion: kpack.krmwasm.dev/v1alpha1
kind: BuilderConfig
metadata: {name: java}
spec:
  scope: Cluster
  tag: registry.example.com/builders/java
  serviceAccount: {name: kpack-builder, namespace: kpack}
  stack:
    id: io.buildpacks.stacks.jammy
    buildImage: registry.example.com/stacks/build-jammy-base:0.1.120
    runImage: registry.example.com/stacks/run-jammy-base:0.1.120
  lifecycle: registry.example.com/buildpacksio/lifecycle:0.20.5
  buildpacks:
  - {id: paketo-buildpacks/java, image: registry.example.com/bp/java:18.5.0}
  - {id: paketo-buildpacks/nodejs, image: registry.example.com/bp/nodejs:3.2.1}
  order:
  - group: [paketo-buildpacks/java@^18]
  - group: [{id: paketo-buildpacks/nodejs, optional: true}]
  store: ClusterBuildpack
"#;

fn config(yaml: &str) -> Value {
    codec::parse_value(yaml.as_bytes()).unwrap()
}

/// Runs the function as its binary does (ClusterBuildpacks made as they are written) and on trees, which must agree.
fn run(items: Vec<Value>, config: Value) -> (ResourceList, u8) {
    krm::testing::run_both_ways(FUNCTION_NAME, process, process_input, items, Some(config))
}

fn validate(items: Vec<Value>) -> Vec<krm::Diagnostic> {
    let input = codec::to_bytes(&ResourceList::new(items, None), Format::Json);
    let out = krm::process(
        "kpack-validate",
        &input,
        Format::Json,
        kpack_validate::process,
    );
    codec::parse_resource_list(&out.stdout).unwrap().results
}

#[test]
fn the_design_sketch_expands_as_written() {
    let (out, code) = run(vec![], config(SKETCH));
    assert_eq!(code, 0, "{:#?}", out.results);
    let kinds: Vec<_> = out
        .items
        .iter()
        .map(|i| (i.kind().unwrap(), i.name().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("ClusterStack", "java"),
            ("ClusterLifecycle", "java"),
            ("ClusterBuildpack", "java-paketo-buildpacks-java"),
            ("ClusterBuildpack", "java-paketo-buildpacks-nodejs"),
            ("ClusterBuilder", "java"),
        ]
    );
    let builder = &out.items[4];
    assert_eq!(
        builder["spec"]["order"],
        json!([
            {"group": [{"id": "paketo-buildpacks/java", "version": "18.5.0"}]},
            {"group": [{"id": "paketo-buildpacks/nodejs", "optional": true}]}
        ])
    );
    assert_eq!(
        builder["spec"]["lifecycle"],
        json!({"kind": "ClusterLifecycle", "name": "java"})
    );
    assert_eq!(
        builder["spec"]["serviceAccountRef"],
        json!({"namespace": "kpack", "name": "kpack-builder"})
    );
    assert!(builder["spec"].get("store").is_none());
    assert_eq!(
        out.items[2].annotation("kpack.krmwasm.dev/buildpack-version"),
        Some("18.5.0")
    );
}

#[test]
fn output_passes_kpack_validate_and_is_idempotent() {
    for variant in [
        SKETCH.to_string(),
        SKETCH.replace("store: ClusterBuildpack", "store: ClusterStore"),
        SKETCH
            .replace("scope: Cluster", "scope: Namespaced")
            .replace(
                "metadata: {name: java}",
                "metadata: {name: java, namespace: apps}",
            ),
    ] {
        let (out, code) = run(vec![], config(&variant));
        assert_eq!(code, 0, "{:#?}", out.results);
        let results = validate(out.items.clone());
        let bad: Vec<_> = results
            .iter()
            .filter(|r| r.severity != krm::Severity::Info)
            .collect();
        assert!(bad.is_empty(), "{variant}\n{bad:#?}");
        let (again, _) = run(out.items.clone(), config(&variant));
        assert_eq!(again.items, out.items);
    }
}

#[test]
fn versions_come_from_the_input_too_and_duplicates_are_refused() {
    let existing = json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "ClusterBuildpack",
        "metadata": {"name": "java-19", "annotations": {"kpack.krmwasm.dev/buildpack-id": "paketo-buildpacks/java"}},
        "spec": {"image": "registry.example.com/bp/java:19.1.0"}
    });
    let mut cfg = config(SKETCH);
    cfg["spec"]["order"][0]["group"][0] = json!("paketo-buildpacks/java@>=18");
    let (out, code) = run(vec![existing.clone()], cfg);
    assert_eq!(code, 0, "{:#?}", out.results);
    assert_eq!(
        out.items.last().unwrap()["spec"]["order"][0]["group"][0]["version"],
        "19.1.0"
    );

    let mut twice = existing;
    twice["spec"]["image"] = json!("registry.example.com/other/java:18.5.0");
    let (out, code) = run(vec![twice], config(SKETCH));
    assert_eq!(code, 1);
    assert!(
        errors(&out)[0].1.contains("provided twice"),
        "{:?}",
        errors(&out)
    );
}

#[test]
fn bad_config_names_the_field_and_generates_nothing() {
    let cases = [
        (
            "/spec/order/0/group/0",
            json!("paketo-buildpacks/java@^20"),
            "spec.order[0].group[0]",
            "no version of paketo-buildpacks/java matches ^20 (known: 18.5.0)",
        ),
        (
            "/spec/order/0/group/0",
            json!("paketo-buildpacks/go"),
            "spec.order[0].group[0]",
            "no buildpack provides paketo-buildpacks/go",
        ),
        (
            "/spec/tag",
            json!(
                "registry.example.com/builders/java@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            ),
            "spec.tag",
            "not a valid tag",
        ),
        (
            "/spec/stack/runImage",
            json!("Run:1"),
            "spec.stack.runImage",
            "not a valid image reference",
        ),
        (
            "/spec/serviceAccount",
            json!({"name": "sa"}),
            "spec.serviceAccount",
            "needs the service account",
        ),
        (
            "/spec/buildpacks/0/version",
            json!("eighteen"),
            "spec.buildpacks[0].version",
            "not a semver version",
        ),
        ("/spec/stak", json!({}), "spec.stak", "unknown field"),
    ];
    for (pointer, value, path, message) in cases {
        let mut cfg = config(SKETCH);
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = cfg.pointer_mut(parent).unwrap();
        match target {
            Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
            Value::Object(o) => {
                o.insert(key.to_string(), value);
            }
            _ => unreachable!(),
        }
        let keep = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep"}});
        let (out, code) = run(vec![keep.clone()], cfg);
        assert_eq!(code, 1, "{pointer}");
        assert_eq!(out.items, vec![keep]);
        let errs = errors(&out);
        assert!(
            errs.iter().any(|(p, m)| p == path && m.contains(message)),
            "{pointer}: {errs:#?}"
        );
    }
}

#[test]
fn names_are_predictable_dns_names() {
    assert_eq!(
        expand::name_for("java", "paketo-buildpacks/java"),
        "java-paketo-buildpacks-java"
    );
    assert_eq!(expand::name_for("b", "heroku/Go_1"), "b-heroku-go-1");
}

const DESCRIPTOR: &str = r#"
apiVersion: kp.kpack.io/v1
kind: DependencyDescriptor
defaultClusterLifecycle: lc-0.20
defaultClusterStack: base
defaultClusterBuilder: base
clusterLifecycles: [{name: lc-0.20, image: buildpacksio/lifecycle:0.20.12}]
clusterBuildpacks: [{name: java, image: paketobuildpacks/java:latest}]
clusterStores:
- name: default
  sources: [{image: paketobuildpacks/nodejs:latest}]
clusterStacks:
- name: base
  buildImage: {image: paketobuildpacks/build-jammy-base}
  runImage: {image: paketobuildpacks/run-jammy-base}
clusterBuilders:
- name: base
  clusterStack: base
  clusterStore: default
  order:
  - group: [{id: paketo-buildpacks/java}]
  - group: [{kind: ClusterBuildpack, name: java}]
"#;

fn kp_config() -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kp-config", "namespace": "kpack"},
           "data": {"default.repository": "registry.example.com/kp", "default.repository.serviceaccount": "kp-sa"}})
}

#[test]
fn a_kp_descriptor_expands_like_kp_import_offline() {
    let (out, code) = run(vec![kp_config()], config(DESCRIPTOR));
    assert_eq!(code, 0, "{:#?}", out.results);
    let objects: Vec<_> = out
        .items
        .iter()
        .skip(1)
        .map(|i| (i.kind().unwrap(), i.name().unwrap()))
        .collect();
    assert_eq!(
        objects,
        [
            ("ClusterLifecycle", "lc-0.20"),
            ("ClusterLifecycle", "default-lifecycle"),
            ("ClusterBuildpack", "java"),
            ("ClusterStore", "default"),
            ("ClusterStack", "base"),
            ("ClusterStack", "default"),
            ("ClusterBuilder", "base"),
            ("ClusterBuilder", "default"),
        ]
    );
    let builder = &out.items[7];
    assert_eq!(
        builder["spec"]["tag"],
        "registry.example.com/kp:clusterbuilder-base"
    );
    assert_eq!(
        out.items[8]["spec"]["tag"],
        "registry.example.com/kp:clusterbuilder-default"
    );
    assert_eq!(
        builder["spec"]["serviceAccountRef"],
        json!({"namespace": "kpack", "name": "kp-sa"})
    );
    assert_eq!(out.items[5]["spec"]["id"], "io.buildpacks.stacks.jammy");
    assert!(
        out.results
            .iter()
            .any(|r| r.message.contains("kp import would relocate"))
    );
    let results = validate(out.items.clone());
    let errors: Vec<_> = results.iter().filter(|r| r.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let (again, _) = run(out.items.clone(), config(DESCRIPTOR));
    assert_eq!(again.items, out.items);
}

#[test]
fn descriptor_problems_name_the_entry_and_the_fix() {
    let (out, code) = run(vec![], config(DESCRIPTOR));
    assert_eq!(code, 1);
    assert!(
        errors(&out)
            .iter()
            .any(|(p, m)| p == "clusterBuilders[0]" && m.contains("default.repository")),
        "{:#?}",
        errors(&out)
    );

    let custom = DESCRIPTOR.replace(
        "paketobuildpacks/build-jammy-base",
        "registry.example.com/stacks/build",
    );
    let (out, _) = run(vec![kp_config()], config(&custom));
    assert!(
        errors(&out).iter().any(|(p, m)| p == "clusterStacks[0]"
            && m.contains("stack \"base\"")
            && m.contains("add `id: <stack id>`")),
        "{:#?}",
        errors(&out)
    );
    let with_id = custom.replace(
        "- name: base\n  buildImage",
        "- name: base\n  id: io.example.custom\n  buildImage",
    );
    let (out, code) = run(vec![kp_config()], config(&with_id));
    assert_eq!(code, 0, "{:#?}", out.results);

    let (out, _) = run(
        vec![kp_config()],
        config(&DESCRIPTOR.replace("defaultClusterStack: base", "defaultClusterStack: tiny")),
    );
    assert!(
        errors(&out)
            .iter()
            .any(|(p, m)| p == "defaultClusterStack" && m.contains("\"tiny\""))
    );
    let (out, _) = run(
        vec![kp_config()],
        config(&DESCRIPTOR.replace("kp.kpack.io/v1", "kp.kpack.io/v1alpha2")),
    );
    assert!(errors(&out)[0].1.contains("not kp.kpack.io/v1alpha2"));
}

#[test]
fn older_descriptors_are_converted() {
    let v1alpha3 = r#"
apiVersion: kp.kpack.io/v1alpha3
kind: DependencyDescriptor
defaultClusterStack: base
defaultClusterBuilder: base
lifecycle: {image: buildpacksio/lifecycle:0.17.0}
clusterStores: [{name: default, sources: [{image: paketobuildpacks/java}]}]
clusterStacks: [{name: base, buildImage: {image: paketobuildpacks/build:base-cnb}, runImage: {image: paketobuildpacks/run:base-cnb}}]
clusterBuilders: [{name: base, clusterStack: base, clusterStore: default, order: [{group: [{id: paketo-buildpacks/java}]}]}]
"#;
    let (out, code) = run(vec![kp_config()], config(v1alpha3));
    assert_eq!(code, 0, "{:#?}", out.results);
    assert!(
        out.items
            .iter()
            .any(|i| i.kind() == Some("ClusterLifecycle") && i.name() == Some("default-lifecycle"))
    );
    let v1alpha1 = r#"
apiVersion: kp.kpack.io/v1alpha1
kind: DependencyDescriptor
defaultStack: base
defaultClusterBuilder: base
stores: [{name: default, sources: [{image: paketobuildpacks/java}]}]
stacks: [{name: base, buildImage: {image: paketobuildpacks/build-jammy-full}, runImage: {image: paketobuildpacks/run-jammy-full}}]
clusterBuilders: [{name: base, stack: base, store: default, order: [{group: [{id: paketo-buildpacks/java}]}]}]
"#;
    let (out, code) = run(vec![kp_config()], config(v1alpha1));
    assert_eq!(code, 0, "{:#?}", out.results);
    let kinds: Vec<_> = out
        .items
        .iter()
        .skip(1)
        .map(|i| i.kind().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "ClusterStore",
            "ClusterStack",
            "ClusterStack",
            "ClusterBuilder",
            "ClusterBuilder"
        ]
    );
}

/// The descriptors in the real-world corpus (kp's own test data) expand, or fail only on what
/// cannot be known offline: their stack images are placeholders, so the stack id.
#[test]
fn corpus_descriptors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/kpack-real/buildpacks-community__kpack-cli");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus is beside the repository") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if !text.contains("kind: DependencyDescriptor") {
            continue;
        }
        seen += 1;
        let (out, code) = run(vec![kp_config()], config(&text));
        let errs = errors(&out);
        assert_eq!(code, 1, "{}", path.display());
        assert!(
            !errs.is_empty()
                && errs
                    .iter()
                    .all(|(_, m)| m.contains("kp reads the stack id")),
            "{}: {errs:#?}",
            path.display()
        );
    }
    assert_eq!(seen, 5);
}
