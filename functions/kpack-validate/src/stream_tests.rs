//! The function run item by item (JSON input, [`process_input`]) against the same run over
//! trees (YAML input, and [`process`] through krm's general run loop): same output, results,
//! stderr and exit code, over the real-world corpus and over inputs made to fail. And keeping
//! only what the set-level checks read of Images and Builds changes no result.

use super::*;
use krm::annotations;
use krm::codec;
use serde_json::json;
use std::collections::BTreeMap;

/// The corpus beside the repository, one set per repository (its history and docs folders
/// included): every document that reads, with the path and index annotations kustomize adds.
fn corpus_sets() -> BTreeMap<String, Vec<Value>> {
    let root = crate::corpus::root();
    let files = crate::corpus::files();
    let mut sets: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for path in files {
        let relative = path.strip_prefix(&root).unwrap();
        let repository = relative
            .iter()
            .next()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Ok(documents) = codec::parse_stream(&std::fs::read(&path).unwrap()) else {
            continue;
        };
        for (index, mut document) in documents.into_iter().enumerate() {
            if let Some(object) = document.as_object_mut() {
                let metadata = object.entry("metadata").or_insert_with(|| json!({}));
                if let Some(metadata) = metadata.as_object_mut() {
                    let notes = metadata.entry("annotations").or_insert_with(|| json!({}));
                    if let Some(notes) = notes.as_object_mut() {
                        notes.insert(annotations::PATH.into(), json!(relative.to_string_lossy()));
                        notes.insert(annotations::INDEX.into(), json!(index.to_string()));
                    }
                }
            }
            sets.entry(repository.clone()).or_default().push(document);
        }
    }
    sets
}

fn validator_config(spec: Value) -> Value {
    json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig",
           "metadata": {"name": "v", "annotations": {"config.kubernetes.io/local-config": "true"}},
           "spec": spec})
}

/// Configs that each steer the checks somewhere else.
fn configs() -> Vec<Option<Value>> {
    vec![
        None,
        Some(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}}),
        ),
        Some(validator_config(json!({
            "kpackVersion": "0.17.1", "unknownFields": "warning", "externalReferences": "error",
            "allowedRegistries": ["registry.example.com", "gcr.io/paketo-buildpacks"],
            "requireDigests": true, "defaultStorageClass": false
        }))),
        Some(validator_config(json!({"kpackVersion": "latest"}))),
    ]
}

/// Runs `items` with `config` item by item and over trees, in both output formats, and
/// fails on any difference; returns the exit code.
#[track_caller]
fn same_either_way(what: &str, items: &[Value], config: Option<&Value>) -> u8 {
    let list = ResourceList::new(items.to_vec(), config.cloned());
    // Indented, so the output shows the items went out as their input text (streamed).
    let json = serde_json::to_vec_pretty(&list).unwrap();
    let yaml = codec::to_bytes(&list, Format::Yaml);
    let mut exit_code = 0;
    for format in [Format::Yaml, Format::Json] {
        let streamed = process_input(&json, format);
        let tree = krm::process(FUNCTION_NAME, &yaml, format, process);
        let from_yaml = process_input(&yaml, format);
        assert_eq!(streamed.stderr, tree.stderr, "{what} {format:?}");
        assert_eq!(streamed.exit_code, tree.exit_code, "{what} {format:?}");
        assert_eq!(from_yaml, tree, "{what} {format:?}: YAML input");
        match format {
            Format::Yaml => assert_eq!(
                String::from_utf8_lossy(&streamed.stdout),
                String::from_utf8_lossy(&tree.stdout),
                "{what}"
            ),
            // Items come back as they were sent, so compare what reads back.
            Format::Json => {
                let lines = streamed.stdout.iter().filter(|b| **b == b'\n').count();
                assert_eq!(lines > 1, !items.is_empty(), "{what}: not streamed");
                let read = |out: &[u8]| codec::parse_resource_list(out).unwrap();
                assert_eq!(
                    codec::to_bytes(&read(&streamed.stdout), Format::Json),
                    codec::to_bytes(&read(&tree.stdout), Format::Json),
                    "{what}"
                );
            }
        }
        exit_code = streamed.exit_code;
    }
    exit_code
}

#[test]
fn the_corpus_is_judged_the_same_item_by_item_and_over_trees() {
    let sets = corpus_sets();
    assert!(sets.len() >= 50, "only {} repositories read", sets.len());
    let mut failed = 0;
    for (repository, items) in &sets {
        for config in configs() {
            let code = same_either_way(repository, items, config.as_ref());
            failed += usize::from(code != 0);
        }
    }
    // The corpus has broken manifests, and the configs above refuse most of the rest.
    assert!(failed > sets.len(), "{failed} failed runs");
}

#[test]
fn keeping_what_the_set_level_checks_read_changes_no_result() {
    let mut checked = 0;
    for (repository, items) in corpus_sets() {
        for config in configs() {
            let kept = krm::validate_items(&items, Validation::start(config.as_ref()));
            let whole = krm::validate_items(&items, Validation::keeping_whole(config.as_ref()));
            assert_eq!(kept, whole, "{repository}");
            checked += kept.map_or(0, |results| results.len());
        }
    }
    assert!(checked > 1000, "only {checked} results");
}

/// Inputs made to fail, or to reach every set-level check: the corpus does not have them all.
#[test]
fn made_up_sets_are_judged_the_same_item_by_item_and_over_trees() {
    let image = |name: &str, tag: &str| {
        json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Image",
               "metadata": {"name": name, "namespace": "apps", "annotations": {"internal.config.kubernetes.io/path": "images.yaml"}},
               "spec": {"tag": tag, "additionalTags": ["quay.io/a/b:1", "registry.example.com/x:2"],
                        "builder": {"kind": "Builder", "name": "java"}, "serviceAccountName": "sa",
                        "source": {"registry": {"image": "docker.io/library/src:1"}},
                        "cache": {"registry": {"tag": "quay.io/cache/x"}}}})
    };
    let build = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Build", "metadata": {"name": "b1", "namespace": "apps"},
        "spec": {"tags": ["quay.io/b/one", "registry.example.com/b/two"], "builder": {"image": "quay.io/builder/x"},
                 "serviceAccountName": "sa", "source": {"registry": {"image": "quay.io/src/y"}}}});
    let build_ref = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Build", "metadata": {"name": "b2", "namespace": "apps"},
        "spec": {"tags": ["registry.example.com/b/three"], "builder": {"ref": {"kind": "ClusterBuilder", "name": "missing"}},
                 "source": {"git": {"url": "https://g/x", "revision": "main"}}}});
    let builder = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Builder", "metadata": {"name": "java", "namespace": "apps"},
        "spec": {"tag": "registry.example.com/builders/java", "stack": {"kind": "ClusterStack", "name": "base"},
                 "store": {"kind": "ClusterStore", "name": "default"}, "order": [{"group": [{"id": "paketo-buildpacks/java"}]}]}});
    let legacy = json!({"apiVersion": "build.pivotal.io/v1alpha1", "kind": "Image", "metadata": {"name": "old",
        "annotations": {"config.kubernetes.io/path": "old.yaml", "config.kubernetes.io/index": "2"}}});
    let unknown_kind =
        json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Imag", "metadata": {"name": "typo"}});
    let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    let odd = vec![
        json!("text"),
        json!([1, 2]),
        json!(null),
        json!({"kind": 3}),
    ];
    let mut items = vec![
        image("a", "registry.example.com/apps/a"),
        image("a", "registry.example.com/apps/a"),
        image("b", "registry.example.com/builders/java:latest"),
        build,
        build_ref,
        builder,
        legacy,
        unknown_kind,
        other,
    ];
    items.extend(odd);
    let mut broken = image("c", "");
    broken["spec"]["source"]["git"] = json!({"url": "https://g/c"});
    broken["spec"]["cache"] = json!({"volume": {"size": "2G"}, "extra": 1});
    items.push(broken);

    // A config among the items as kustomize sends it: its copy has no file annotations.
    let bad = validator_config(json!({"kpackVersion": "latest"}));
    let mut bad_in_file = bad.clone();
    bad_in_file["metadata"]["annotations"]["internal.config.kubernetes.io/path"] =
        json!("validator.yaml");
    let mut with_config = items.clone();
    with_config.push(bad_in_file);

    let mut configs = configs();
    configs.push(Some(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}),
    ));
    for config in &configs {
        same_either_way("made-up set", &items, config.as_ref());
        same_either_way("no items", &[], config.as_ref());
    }
    assert_eq!(
        same_either_way("bad config among the items", &with_config, Some(&bad)),
        1
    );
    let out = process_input(
        &codec::to_bytes(&ResourceList::new(with_config, Some(bad)), Format::Json),
        Format::Json,
    );
    let out = codec::parse_resource_list(&out.stdout).unwrap();
    assert_eq!(out.results[0].file.as_ref().unwrap().path, "validator.yaml");

    let whole = krm::validate_items(&items, Validation::keeping_whole(configs[2].as_ref()));
    let kept = krm::validate_items(&items, Validation::start(configs[2].as_ref()));
    assert_eq!(kept, whole);
    let policy = kept
        .unwrap()
        .into_iter()
        .filter(|d| d.tags.as_ref().is_some_and(|t| t["rule"] == "policy"))
        .count();
    assert!(policy >= 8, "{policy} policy results");
}

/// Input that cannot be read fails the same way, with no output, whichever reader meets it.
#[test]
fn unreadable_input_fails_the_same_item_by_item_and_over_trees() {
    for input in [
        &br#"{"kind": "ResourceList", "items": [{"apiVersion": "kpack.io/v1alpha2", "kind": "Image", "kind": "Build"}]}"#[..],
        br#"{"kind": "ResourceList", "items": [{"a": 1}], "items": []}"#,
        br#"{"kind": "ResourceList", "items": [{"a": 1}"#,
        br#"{"kind": "ResourceList", "items": [{"a": 1}], "results": [{"message": 1}]}"#,
        br#"{"kind": "Image", "items": []}"#,
        b"\xff\xfe",
        b"",
        b"kind: ResourceList\nitems:\n- a: 1\n  a: 2\n",
    ] {
        for format in [Format::Yaml, Format::Json] {
            let streamed = process_input(input, format);
            let tree = krm::process(FUNCTION_NAME, input, format, process);
            assert_eq!(streamed, tree, "{}", String::from_utf8_lossy(input));
            assert_eq!((streamed.exit_code, streamed.stdout.len()), (1, 0));
            assert!(
                streamed.stderr.starts_with("kpack-validate: cannot read the input ResourceList: "),
                "{}",
                streamed.stderr
            );
        }
    }
}
