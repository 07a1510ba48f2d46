use super::*;
use krm::codec::{self, Format};
use krm::{Diagnostic, Severity};
use serde_json::json;

/// Runs the function as krmwasm does: JSON in and out, so item by item.
fn run(items: Vec<Value>, config: Option<Value>) -> (ResourceList, u8) {
    let input = codec::to_bytes(&ResourceList::new(items, config), Format::Json);
    let out = process_input(&input, Format::Json);
    let list = codec::parse_resource_list(&out.stdout)
        .unwrap_or_else(|e| panic!("no ResourceList written ({e}); stderr:\n{}", out.stderr));
    (list, out.exit_code)
}

fn findings(list: &ResourceList, severity: Severity) -> Vec<(String, String)> {
    list.results
        .iter()
        .filter(|r| r.severity == severity)
        .map(|r| {
            (
                r.field.as_ref().map(|f| f.path.clone()).unwrap_or_default(),
                r.message.clone(),
            )
        })
        .collect()
}

#[track_caller]
fn has(list: &[(String, String)], path: &str, message: &str) {
    assert!(
        list.iter().any(|(p, m)| p == path && m.contains(message)),
        "no finding at {path} containing {message:?} in {list:#?}"
    );
}

fn image(name: &str) -> Value {
    json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "Image",
        "metadata": {"name": name, "namespace": "apps", "annotations": {"internal.config.kubernetes.io/path": "images.yaml"}},
        "spec": {
            "tag": format!("registry.example.com/apps/{name}"),
            "builder": {"kind": "Builder", "name": "java"},
            "source": {"git": {"url": "https://github.com/org/app", "revision": "main"}}
        }
    })
}

fn builder_set() -> Vec<Value> {
    vec![
        json!({"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStack", "metadata": {"name": "base"},
               "spec": {"id": "io.buildpacks.stacks.jammy", "buildImage": {"image": "paketobuildpacks/build-jammy-base"}, "runImage": {"image": "paketobuildpacks/run-jammy-base"}}}),
        json!({"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStore", "metadata": {"name": "default"},
               "spec": {"sources": [{"image": "gcr.io/paketo-buildpacks/java"}]}}),
        json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Builder", "metadata": {"name": "java", "namespace": "apps"},
               "spec": {"tag": "registry.example.com/builders/java", "serviceAccountName": "builder",
                        "stack": {"kind": "ClusterStack", "name": "base"}, "store": {"kind": "ClusterStore", "name": "default"},
                        "order": [{"group": [{"id": "paketo-buildpacks/java"}]}]}}),
    ]
}

#[test]
fn a_complete_set_passes_and_items_are_untouched() {
    let mut items = builder_set();
    items.push(image("cart"));
    items.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}}));
    let (out, code) = run(items.clone(), None);
    assert_eq!(code, 0, "{:#?}", out.results);
    assert_eq!(out.items, items);
    assert_eq!(findings(&out, Severity::Error), vec![]);
    assert_eq!(findings(&out, Severity::Warning), vec![]);
    assert_eq!(
        out.results.last().unwrap().message,
        "checked 4 kpack object(s): 0 error(s), 0 warning(s)"
    );
}

/// kpack defaults a store-less Builder to `store: {kind: ClusterStore}`, and a store whose kind
/// is allowed needs no name: kpack accepts it, so nothing is reported; order entries given by
/// kind alone, and empty strings, are accepted the same way.
#[test]
fn a_builder_without_a_store_or_with_unnamed_refs_passes_as_in_kpack() {
    let mut items = builder_set();
    items[2]["spec"].as_object_mut().unwrap().remove("store");
    items[2]["spec"]["order"] = json!([
        {"group": [{"id": "paketo-buildpacks/java", "kind": "", "name": "", "image": ""}]},
        {"group": [{"kind": "ClusterBuildpack"}]}
    ]);
    let (out, code) = run(items, None);
    assert_eq!(code, 0, "{:#?}", out.results);
    assert_eq!(findings(&out, Severity::Error), vec![]);
    assert_eq!(findings(&out, Severity::Warning), vec![]);
}

#[test]
fn kpack_image_output_passes_with_no_error() {
    let config = json!({
        "apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ImageConfig", "metadata": {"name": "shop", "namespace": "apps"},
        "spec": {"defaults": {"registry": "registry.example.com/shop", "builder": {"kind": "Builder", "name": "java"},
                 "serviceAccount": {"name": "sa", "create": true, "secrets": ["reg"]}, "cache": {"volume": {"size": "2G", "storageClassName": "fast"}}},
                 "images": [{"name": "cart", "git": {"url": "https://g/cart"}}, {"name": "web", "blob": {"url": "https://b/web.tgz"}, "env": {"A": 1}}]}
    });
    let input = codec::to_bytes(
        &ResourceList::new(builder_set(), Some(config)),
        Format::Json,
    );
    let generated = krm::process("kpack-image", &input, Format::Json, kpack_image::process);
    assert_eq!(generated.exit_code, 0, "{}", generated.stderr);
    let generated = codec::parse_resource_list(&generated.stdout).unwrap();
    // The volume cache is accepted only where the cluster has a default StorageClass.
    let config = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"}, "spec": {"defaultStorageClass": true}});
    let (out, code) = run(generated.items, Some(config));
    assert_eq!(code, 0, "{:#?}", out.results);
    assert_eq!(findings(&out, Severity::Error), vec![]);
    assert_eq!(findings(&out, Severity::Warning), vec![]);
}

#[test]
fn webhook_errors_use_kpacks_words_and_paths() {
    let mut bad = image("cart");
    bad["spec"]["tag"] = json!("");
    bad["spec"]["source"]["blob"] = json!({"url": "https://b/x.tgz"});
    let (out, code) = run(vec![bad.clone()], None);
    assert_eq!(code, 1);
    assert_eq!(out.items, vec![bad]);
    let errors = findings(&out, Severity::Error);
    has(&errors, "spec.tag", "missing field(s): spec.tag");
    has(
        &errors,
        "spec.source.blob",
        "expected exactly one, got both: spec.source.blob, spec.source.git",
    );
    let r = &out.results[0];
    assert_eq!(r.resource_ref.as_ref().unwrap().name, "cart");
    assert_eq!(r.file.as_ref().unwrap().path, "images.yaml");
    assert_eq!(r.tags.as_ref().unwrap()["rule"], "webhook");
}

#[test]
fn unknown_fields_are_errors_or_warnings_and_rules_still_run() {
    let mut odd = image("cart");
    odd["spec"]["cache"] = json!({"volume": {"request": "1G"}});
    odd["spec"]["builder"]["kind"] = json!("CustomBuilder");
    let (out, code) = run(vec![odd.clone()], None);
    assert_eq!(code, 1);
    let errors = findings(&out, Severity::Error);
    has(
        &errors,
        "spec.cache.volume.request",
        "unknown field \"request\"",
    );
    // Tagged as about the key, and only that result.
    let about_key: Vec<&str> = out
        .results
        .iter()
        .filter(|r| {
            r.tags
                .as_ref()
                .is_some_and(|t| t.get("about").is_some_and(|a| a == "key"))
        })
        .map(|r| r.field.as_ref().unwrap().path.as_str())
        .collect();
    assert_eq!(about_key, ["spec.cache.volume.request"]);

    let config = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"}, "spec": {"unknownFields": "warning"}});
    let (out, code) = run(vec![odd], Some(config));
    assert_eq!(code, 1);
    has(
        &findings(&out, Severity::Warning),
        "spec.cache.volume.request",
        "unknown field",
    );
    has(
        &findings(&out, Severity::Error),
        "spec.builder.kind",
        "invalid value: CustomBuilder: spec.builder.kind",
    );
}

#[test]
fn wrong_types_are_schema_errors() {
    let mut odd = image("cart");
    odd["spec"]["build"] = json!({"env": [{"name": "JAVA", "value": 17}]});
    let (out, _) = run(vec![odd], None);
    has(
        &findings(&out, Severity::Error),
        "spec.build.env[0].value",
        "17",
    );
}

#[test]
fn quantities_kpack_cannot_decode_are_schema_errors() {
    let mut odd = image("cart");
    odd["spec"]["build"] = json!({"resources": {"limits": {"memory": "1GB", "cpu": 2}, "requests": {"cpu": " 500m "}}});
    odd["spec"]["cache"] = json!({"volume": {"size": "2x"}});
    let (out, code) = run(vec![odd], None);
    assert_eq!(code, 1);
    let errors = findings(&out, Severity::Error);
    has(
        &errors,
        "spec.build.resources.limits.memory",
        "\"1GB\" is not a quantity, which kpack's webhook cannot decode: write a number with one of the suffixes",
    );
    has(
        &errors,
        "spec.cache.volume.size",
        "\"2x\" is not a quantity",
    );
    // A number, and a text Go trims to one, decode.
    assert_eq!(errors.len(), 2, "{errors:#?}");

    let mut build = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Build", "metadata": {"name": "b", "namespace": "apps"},
        "spec": {"tags": ["r.io/apps/a"], "builder": {"image": "r.io/apps/builder"}, "resources": {"requests": {"memory": "1 Gi"}},
                 "source": {"git": {"url": "https://github.com/org/app", "revision": "abc"}}}});
    let (out, _) = run(vec![build.clone()], None);
    has(
        &findings(&out, Severity::Error),
        "spec.resources.requests.memory",
        "\"1 Gi\" is not a quantity",
    );
    build["spec"]["resources"]["requests"]["memory"] = json!("1Gi");
    let (out, _) = run(vec![build], None);
    assert!(
        findings(&out, Severity::Error).is_empty(),
        "{:#?}",
        out.results
    );
}

#[test]
fn keys_kpack_cannot_decode_inside_affinity_and_env_selectors_are_unknown_fields() {
    let mut odd = image("cart");
    odd["spec"]["build"] = json!({
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpression": [{"key": "pool", "operator": "In", "values": ["builds"]}]}]}},
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1,
                "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"a": "b"}}}}]}},
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldpath": "spec.nodeName"}}},
                {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}}]
    });
    let (out, code) = run(vec![odd.clone()], None);
    assert_eq!(code, 1);
    let errors = findings(&out, Severity::Error);
    has(
        &errors,
        "spec.build.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpression",
        "unknown field \"matchExpression\" (did you mean \"matchExpressions\"?)",
    );
    has(
        &errors,
        "spec.build.env[0].valueFrom.fieldRef.fieldpath",
        "(did you mean \"fieldPath\"?)",
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");

    // Written right, the same affinity and selectors pass, and are passed on as written.
    let terms = &mut odd["spec"]["build"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"][0];
    terms["matchExpressions"] = terms["matchExpression"].take();
    terms.as_object_mut().unwrap().remove("matchExpression");
    let field_ref = &mut odd["spec"]["build"]["env"][0]["valueFrom"]["fieldRef"];
    *field_ref = json!({"fieldPath": "spec.nodeName"});
    let (out, code) = run(vec![odd.clone()], None);
    assert!(
        findings(&out, Severity::Error).is_empty(),
        "{:#?}",
        out.results
    );
    assert_eq!((code, &out.items), (0, &vec![odd]));
}

#[test]
fn what_the_build_pod_could_not_have_is_an_error_of_its_own_rule() {
    let mut odd = image("cart");
    odd["spec"]["build"] =
        json!({"tolerations": [{"key": "dedicated", "operator": "Equals", "value": "builds"}]});
    odd["spec"]["serviceAccountName"] = json!("Build_Bot");
    odd["spec"]["cache"] = json!({"volume": {"size": "0"}});
    let build = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Build", "metadata": {"name": "b", "namespace": "apps"},
        "spec": {"tags": ["r.io/apps/a"], "builder": {"image": "r.io/apps/builder"}, "nodeSelector": {"pool": "gpu builds"},
                 "resources": {"requests": {"nvidia.com/gpu": 1}}, "runtimeClassName": "gVisor",
                 "source": {"git": {"url": "https://github.com/org/app", "revision": "abc"}}}});
    let (out, code) = run(vec![odd, build], None);
    assert_eq!(code, 1);
    let pod: Vec<(&str, &str)> = out
        .results
        .iter()
        .filter(|r| r.tags.as_ref().is_some_and(|t| t["rule"] == "pod"))
        .map(|r| (r.field.as_ref().unwrap().path.as_str(), r.message.as_str()))
        .collect();
    assert_eq!(pod.len(), 6, "{:#?}", out.results);
    assert_eq!(pod[0].0, "spec.build.tolerations[0].operator");
    assert!(
        pod[0]
            .1
            .starts_with("kpack's build pod would be refused: Unsupported value: \"Equals\""),
        "{}",
        pod[0].1
    );
    assert_eq!(pod[1].0, "spec.serviceAccountName");
    assert!(
        pod[1]
            .1
            .contains("\"Build_Bot\": a lowercase RFC 1123 subdomain"),
        "{}",
        pod[1].1
    );
    assert_eq!(pod[2].0, "spec.cache.volume.size");
    assert!(
        pod[2]
            .1
            .ends_with("Invalid value: \"0\": must be greater than zero"),
        "{}",
        pod[2].1
    );
    assert_eq!(pod[3].0, "spec.nodeSelector[pool]");
    assert_eq!(pod[4].0, "spec.resources.limits");
    assert!(pod[4].1.contains("Limit must be set"), "{}", pod[4].1);
    assert_eq!(pod[5].0, "spec.runtimeClassName");
}

#[test]
fn legacy_groups_and_v1alpha1_are_reported() {
    let legacy = json!({"apiVersion": "build.pivotal.io/v1alpha1", "kind": "Image", "metadata": {"name": "x"}, "spec": {"cacheSize": "1.5Gi"}});
    let (out, code) = run(vec![legacy], None);
    assert_eq!(code, 0);
    let warnings = findings(&out, Severity::Warning);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    has(&warnings, "apiVersion", "legacy kpack API group");

    let old = json!({"apiVersion": "kpack.io/v1alpha1", "kind": "Builder", "metadata": {"name": "b", "namespace": "apps"},
                     "spec": {"tag": "r.io/b", "stack": {"name": "base", "kind": "ClusterStack"}, "cacheSize": "1G", "order": []}});
    let (out, code) = run(
        vec![old],
        Some(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}}),
        ),
    );
    assert_eq!(code, 1);
    has(
        &findings(&out, Severity::Error),
        "spec.cacheSize",
        "unknown field",
    );
}

#[test]
fn references_outside_the_set_follow_the_policy() {
    let (out, code) = run(vec![image("cart")], None);
    assert_eq!(code, 0);
    has(
        &findings(&out, Severity::Warning),
        "spec.builder.name",
        "Builder java in namespace apps is not in the input",
    );
    for (level, code) in [("error", 1), ("ignore", 0)] {
        let config = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"}, "spec": {"externalReferences": level}});
        let (out, exit) = run(vec![image("cart")], Some(config));
        assert_eq!(exit, code, "{level}");
        assert_eq!(
            out.results.len(),
            1 + usize::from(level == "error"),
            "{level}: {:#?}",
            out.results
        );
    }
    let mut items = builder_set();
    items[2]["spec"]["order"][0]["group"][0]["id"] = json!("paketo-buildpacks/nodejs");
    items[2]["spec"]["lifecycle"] = json!({"kind": "ClusterLifecycle", "name": "custom"});
    let (out, _) = run(items, None);
    let warnings = findings(&out, Severity::Warning);
    has(
        &warnings,
        "spec.order[0].group[0].id",
        "provides paketo-buildpacks/nodejs",
    );
    has(
        &warnings,
        "spec.lifecycle.name",
        "ClusterLifecycle custom is not in the input",
    );
}

/// A ServiceAccount missing from the input is reported only when its name is a near miss of
/// one the input has in the object's namespace: others live in the cluster.
#[test]
fn service_accounts_near_misses_are_reported() {
    let sa = |name: &str, namespace: &str| json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}});
    let mut named = image("cart");
    named["spec"]["serviceAccountName"] = json!("kpack-buidler");
    let mut legacy = image("web");
    legacy["apiVersion"] = json!("kpack.io/v1alpha1");
    legacy["spec"]["serviceAccount"] = json!("kpack-bulder");
    let mut elsewhere = image("shop");
    elsewhere["spec"]["serviceAccountName"] = json!("registry-credentials");
    let store = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStore", "metadata": {"name": "private"},
        "spec": {"sources": [{"image": "gcr.io/paketo-buildpacks/java"}], "serviceAccountRef": {"name": "puler", "namespace": "kpack"}}});
    let mut items = vec![named, legacy, elsewhere, image("plain"), store];
    items.extend(builder_set());

    let reported = |items: Vec<Value>, config: Option<Value>| -> Vec<(Severity, String, String)> {
        let (out, _) = run(items, config);
        out.results
            .iter()
            .filter(|r| r.message.starts_with("ServiceAccount "))
            .map(|r| {
                (
                    r.severity,
                    r.field.as_ref().unwrap().path.clone(),
                    r.message.clone(),
                )
            })
            .collect()
    };
    // None in the input: they live in the cluster.
    assert!(reported(items.clone(), None).is_empty());

    // The builder's `builder`, an app's `cart`: not near misses of the others.
    items.extend([
        sa("kpack-builder", "apps"),
        sa("builder", "apps"),
        sa("cart", "apps"),
        sa("puller", "kpack"),
        sa("kpack-builder", "other"),
    ]);
    let found = reported(items.clone(), None);
    let paths: Vec<&str> = found.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.serviceAccountName",
            "spec.serviceAccount",
            "spec.serviceAccountRef.name"
        ],
        "{found:#?}"
    );
    assert!(found.iter().all(|(s, _, _)| *s == Severity::Warning));
    assert_eq!(
        found[0].2,
        "ServiceAccount kpack-buidler is not in the input, but kpack-builder is in namespace apps: \
         is one of the two names misspelt? (If kpack-buidler exists in the cluster, set \
         externalReferences in a ValidatorConfig to change how this is reported.)"
    );
    assert!(
        found[2]
            .2
            .contains("puler is not in the input, but puller is in namespace kpack")
    );

    // The policy for references outside the input applies.
    for (level, expected) in [("error", Some(Severity::Error)), ("ignore", None)] {
        let config = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig",
                            "metadata": {"name": "v"}, "spec": {"externalReferences": level}});
        let found = reported(items.clone(), Some(config));
        assert_eq!(found.first().map(|f| f.0), expected, "{level}");
    }
}

#[test]
fn duplicates_and_colliding_tags_are_found() {
    let mut items = builder_set();
    items.push(image("cart"));
    items.push(image("cart"));
    let mut same_tag = image("web");
    same_tag["spec"]["tag"] = json!("registry.example.com/builders/java:latest");
    items.push(same_tag);
    let (out, code) = run(items, None);
    assert_eq!(code, 1);
    has(
        &findings(&out, Severity::Error),
        "metadata.name",
        "Image cart is defined twice",
    );
    has(
        &findings(&out, Severity::Warning),
        "spec.tag",
        "Builder java pushes to the same tag",
    );
}

#[test]
fn metadata_the_api_server_ignores_is_flagged() {
    let mut items = builder_set();
    items[0]["metadata"]["namespace"] = json!("kpack");
    let mut generated = image("x");
    generated["metadata"] = json!({"generateName": "x-", "namespace": "apps"});
    items.push(generated);
    let (out, _) = run(items, None);
    let warnings = findings(&out, Severity::Warning);
    has(
        &warnings,
        "metadata.namespace",
        "ClusterStack is cluster-scoped",
    );
    has(
        &warnings,
        "metadata.name",
        "generateName works with `kubectl create` only",
    );
}

#[test]
fn policy_allowed_registries_and_digests() {
    let config = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"},
        "spec": {"allowedRegistries": ["registry.example.com", "gcr.io/paketo-buildpacks", "docker.io/paketobuildpacks"], "requireDigests": true}});
    let mut items = builder_set();
    items[1]["spec"]["sources"] = json!([{"image": "gcr.io/paketo-buildpacks/java@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}, {"image": "quay.io/x/y@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]);
    let (out, code) = run(items, Some(config));
    assert_eq!(code, 1);
    let errors = findings(&out, Severity::Error);
    has(
        &errors,
        "spec.sources[1].image",
        "not from an allowed registry",
    );
    has(&errors, "spec.buildImage.image", "not pinned by digest");
    assert!(
        !errors.iter().any(|(p, _)| p == "spec.sources[0].image"),
        "{errors:#?}"
    );
    assert!(!errors.iter().any(|(p, _)| p == "spec.tag"), "{errors:#?}");
}

#[test]
fn version_specific_rules_follow_the_target_kpack_version() {
    let mut secret = image("cart");
    secret["spec"]["build"] =
        json!({"env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]});
    let (_, code) = run(vec![secret.clone()], None);
    assert_eq!(code, 1);
    let config = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"}, "spec": {"kpackVersion": "0.17.1"}});
    let (_, code) = run(vec![secret], Some(config));
    assert_eq!(code, 0);
}

#[test]
fn a_bad_validator_config_is_an_error_with_its_field() {
    let config = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"}, "spec": {"kpackVersion": "latest"}});
    let (out, code) = run(vec![image("cart")], Some(config));
    assert_eq!(code, 1);
    has(
        &findings(&out, Severity::Error),
        "spec.kpackVersion",
        "is not a version",
    );
    let config = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"}, "spec": {"strict": true}});
    let (out, _) = run(vec![], Some(config));
    has(
        &findings(&out, Severity::Error),
        "spec.strict",
        "unknown field",
    );
    let _ = Diagnostic::info("");
}

#[test]
fn a_volume_cache_needs_a_default_storage_class() {
    let none = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"}, "spec": {"defaultStorageClass": false}});
    let some = json!({"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ValidatorConfig", "metadata": {"name": "v"}, "spec": {"defaultStorageClass": true}});
    // kpack only asks whether there is a volume: its size and storageClassName do not matter.
    for volume in [
        json!({"size": "2G"}),
        json!({}),
        json!({"size": "2G", "storageClassName": "fast"}),
    ] {
        let mut cached = image("cart");
        cached["spec"]["cache"] = json!({ "volume": volume });
        let (out, code) = run(vec![cached.clone()], None);
        assert_eq!(code, 0, "{volume}");
        has(
            &findings(&out, Severity::Warning),
            "spec.cache.volume",
            "no default StorageClass",
        );
        let (out, code) = run(vec![cached.clone()], Some(none.clone()));
        assert_eq!(code, 1, "{volume}");
        assert_eq!(
            out.results[0].message,
            "spec.cache.volume.size cannot be set with no default StorageClass"
        );
        let (out, code) = run(vec![cached], Some(some.clone()));
        assert_eq!(code, 0, "{volume}");
        assert_eq!(
            findings(&out, Severity::Warning).len(),
            1,
            "only the missing Builder"
        );
    }
}

/// `kubectl apply` takes the items of a List (`kind: List`, or a kind's own list such as
/// `ImageList`) as objects of their own: so does the validator, with field paths that lead
/// into the List's file.
#[test]
fn the_items_of_a_list_are_checked_as_objects() {
    let mut bad = image("bad");
    bad["spec"]["tag"] = json!("registry.example.com/Bad");
    bad["metadata"]["annotations"] = json!({});
    let mut typo = image("typo");
    typo["spec"]["serviceAccount"] = json!("builds");
    typo["metadata"]["annotations"] = json!({});
    let list = |kind: &str, items: Vec<Value>| {
        json!({"apiVersion": "v1", "kind": kind, "metadata": {"annotations": {
            "internal.config.kubernetes.io/path": "lists.yaml", "internal.config.kubernetes.io/index": "1"}},
            "items": items})
    };
    let mut items = builder_set();
    items.push(list("List", vec![image("good"), bad]));
    items.push(list("ImageList", vec![typo]));
    let (out, code) = run(items, None);
    assert_eq!(code, 1, "{:#?}", out.results);
    let errors = findings(&out, Severity::Error);
    has(&errors, "items[1].spec.tag", "invalid value");
    has(
        &errors,
        "items[0].spec.serviceAccount",
        "did you mean \"serviceAccountName\"",
    );
    let about_bad = out
        .results
        .iter()
        .find(|r| {
            r.field
                .as_ref()
                .is_some_and(|f| f.path == "items[1].spec.tag")
        })
        .unwrap();
    assert_eq!(about_bad.resource_ref.as_ref().unwrap().name, "bad");
    assert_eq!(about_bad.file.as_ref().unwrap().path, "lists.yaml");
    assert!(
        !out.results.iter().any(|r| r.message.contains("no kind")),
        "{:#?}",
        out.results
    );
    let summary = &out.results.last().unwrap().message;
    assert!(
        summary.starts_with("checked 6 kpack object(s)"),
        "{summary}"
    );
}

/// `kpt fn eval … -- key=value` makes a ConfigMap of strings: its keys are the
/// ValidatorConfig's fields.
#[test]
fn a_config_map_s_data_is_the_validator_config_s_spec() {
    let config = |data: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}, "data": data});
    let (out, code) = run(
        vec![image("cart")],
        Some(config(json!({"externalReferences": "ignore",
            "allowedRegistries": "quay.io, ghcr.io/acme"}))),
    );
    assert_eq!(code, 1, "{:#?}", out.results);
    has(&findings(&out, Severity::Error), "spec.tag", "allowed");
    assert!(findings(&out, Severity::Warning).is_empty());

    let (out, code) = run(
        vec![image("cart")],
        Some(config(
            json!({"defaultStorageClass": "yes", "allowedRegistry": "quay.io"}),
        )),
    );
    assert_eq!(code, 1);
    let errors: Vec<String> = out
        .results
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .map(|r| format!("{}: {}", r.field.as_ref().unwrap().path, r.message))
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("data.defaultStorageClass: invalid type")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("data.allowedRegistry")
            && e.contains("did you mean `allowedRegistries`")),
        "{errors:#?}"
    );
}
