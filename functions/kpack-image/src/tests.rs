use super::*;
use krm::codec::{self, Format};
use krm::testing::errors;
use serde_json::json;

const SKETCH: &str = r#"
apiVersion: kpack.krmwasm.dev/v1alpha1
kind: ImageConfig
metadata: {name: shop, namespace: apps}
spec:
  defaults:
    registry: registry.example.com/shop
    builder: java
    serviceAccount: {name: shop-build, create: true, secrets: [regcred, git-ssh]}
    env: {BP_JVM_VERSION: "21"}
    cache: 2G
    history: {successful: 5, failed: 3}
  images:
  - name: cart
    git: {url: https://github.com/example/cart, revision: main}
    subPath: service
  - name: web
    tag: registry.example.com/shop/web-frontend
    blob: {url: https://artifacts.example.com/web.tgz}
    env: {BP_NODE_VERSION: "22"}
"#;

fn config(yaml: &str) -> Value {
    codec::parse_value(yaml.as_bytes()).unwrap()
}

/// Runs the function as its binary does (objects written as they are made) and on trees, which must agree.
fn run(items: Vec<Value>, config: Value) -> (ResourceList, u8) {
    krm::testing::run_both_ways(FUNCTION_NAME, process, process_input, items, Some(config))
}

fn with_spec(spec: Value) -> Value {
    json!({"apiVersion": config::API_VERSION, "kind": "ImageConfig", "metadata": {"name": "t", "namespace": "ns"}, "spec": spec})
}

#[test]
fn design_sketch_expands_to_images_and_service_account() {
    let (out, code) = run(vec![], config(SKETCH));
    assert_eq!(code, 0, "{:?}", out.results);
    assert_eq!(out.items.len(), 3);
    let sa = &out.items[0];
    assert_eq!(sa.kind(), Some("ServiceAccount"));
    assert_eq!(
        sa["secrets"],
        json!([{"name": "regcred"}, {"name": "git-ssh"}])
    );
    assert_eq!(sa["imagePullSecrets"], sa["secrets"]);
    let cart = &out.items[1];
    assert_eq!(cart.namespace(), Some("apps"));
    assert_eq!(cart.label(MANAGED_BY_LABEL), Some("krmwasm"));
    assert_eq!(cart["spec"]["tag"], "registry.example.com/shop/cart");
    assert_eq!(
        cart["spec"]["builder"],
        json!({"kind": "ClusterBuilder", "name": "java"})
    );
    assert_eq!(cart["spec"]["serviceAccountName"], "shop-build");
    assert_eq!(
        cart["spec"]["source"],
        json!({"git": {"url": "https://github.com/example/cart", "revision": "main"}, "subPath": "service"})
    );
    assert_eq!(cart["spec"]["cache"], json!({"volume": {"size": "2G"}}));
    assert_eq!(cart["spec"]["failedBuildHistoryLimit"], 3);
    assert_eq!(cart["spec"]["successBuildHistoryLimit"], 5);
    assert_eq!(cart["spec"]["imageTaggingStrategy"], "BuildNumber");
    let web = &out.items[2];
    assert_eq!(web["spec"]["tag"], "registry.example.com/shop/web-frontend");
    assert_eq!(
        web["spec"]["build"]["env"],
        json!([{"name": "BP_JVM_VERSION", "value": "21"}, {"name": "BP_NODE_VERSION", "value": "22"}])
    );
}

#[test]
fn kpack_defaults_are_written_out() {
    let cfg = with_spec(
        json!({"images": [{"name": "a", "tag": "reg.io/app", "builder": "b", "git": {"url": "https://g/a"}}]}),
    );
    let (out, code) = run(vec![], cfg);
    assert_eq!(code, 0, "{:?}", out.results);
    let spec = &out.items[0]["spec"];
    assert_eq!(spec["serviceAccountName"], "default");
    assert_eq!(spec["failedBuildHistoryLimit"], 10);
    assert_eq!(spec["successBuildHistoryLimit"], 10);
    assert_eq!(spec["imageTaggingStrategy"], "BuildNumber");
    assert_eq!(spec["source"]["git"]["revision"], "main");
    assert!(
        spec.get("cache").is_none(),
        "cache default depends on the cluster's StorageClass"
    );
}

#[test]
fn an_empty_image_list_removes_what_the_config_generated() {
    let passthrough =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
    let (first, code) = run(vec![passthrough.clone()], config(SKETCH));
    assert_eq!(code, 0);
    assert!(first.items.len() > 1);
    let mut retired = config(SKETCH);
    retired["spec"]["images"] = json!([]);
    let (second, code) = run(first.items, retired);
    assert_eq!(code, 0, "{:?}", second.results);
    assert_eq!(second.items, vec![passthrough]);
    assert!(
        second
            .results
            .iter()
            .any(|r| r.message.contains("spec.images is empty")),
        "{:?}",
        second.results
    );
}

#[test]
fn running_on_its_own_output_changes_nothing() {
    let passthrough =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
    let (first, code) = run(vec![passthrough.clone()], config(SKETCH));
    assert_eq!(code, 0);
    let (second, code) = run(first.items.clone(), config(SKETCH));
    assert_eq!(code, 0);
    assert_eq!(first.items, second.items);
    assert_eq!(second.items[0], passthrough);
}

#[test]
fn regenerated_objects_keep_their_file_and_stale_ones_go() {
    let (first, _) = run(vec![], config(SKETCH));
    let mut items = first.items.clone();
    items[1]["metadata"]["annotations"]["internal.config.kubernetes.io/path"] =
        json!("images/cart.yaml");
    items[1]["metadata"]["annotations"]["internal.config.kubernetes.io/id"] = json!("7");
    let mut cfg = config(SKETCH);
    cfg["spec"]["images"].as_array_mut().unwrap().remove(1); // drop "web"
    cfg["spec"]["defaults"]["env"]["BP_JVM_VERSION"] = json!(17);
    let (out, code) = run(items, cfg);
    assert_eq!(code, 0, "{:?}", out.results);
    let names: Vec<_> = out.items.iter().map(|i| i.name().unwrap()).collect();
    assert_eq!(names, ["shop-build", "cart"]);
    assert_eq!(
        out.items[1].annotation("internal.config.kubernetes.io/path"),
        Some("images/cart.yaml")
    );
    assert_eq!(
        out.items[1].annotation("internal.config.kubernetes.io/id"),
        Some("7")
    );
    assert_eq!(out.items[1]["spec"]["build"]["env"][0]["value"], "17");
}

#[test]
fn an_env_value_with_a_fraction_is_refused_not_shortened() {
    // `BP_GO_VERSION: 1.20` reaches the function as 1.2: written as "1.2" it would build Go 1.2.
    let mut cfg = config(SKETCH);
    cfg["spec"]["defaults"]["env"]["BP_GO_VERSION"] = json!(1.2);
    let (out, code) = run(vec![], cfg);
    assert_eq!(code, 1);
    assert!(out.items.is_empty());
    let problem = out
        .results
        .iter()
        .find(|r| r.message.contains("BP_GO_VERSION"))
        .expect("a result about the variable");
    assert!(problem.message.contains("quote"), "{}", problem.message);
    assert_eq!(
        problem.field.as_ref().map(|f| f.path.as_str()),
        Some("spec.defaults.env.BP_GO_VERSION")
    );
}

#[test]
fn per_image_fields_override_defaults_and_null_env_removes() {
    let cfg = with_spec(json!({
        "defaults": {"registry": "reg.io/team", "builder": "base", "env": {"A": "1", "B": "2"}, "git": {"url": "https://g/mono", "revision": "v1"}, "cache": "2G"},
        "images": [{"name": "a", "builder": {"kind": "Builder", "name": "custom"}, "env": {"B": null, "C": true}, "cache": "none", "subPath": "a"}]
    }));
    let (out, code) = run(vec![], cfg);
    assert_eq!(code, 0, "{:?}", out.results);
    let spec = &out.items[0]["spec"];
    assert_eq!(
        spec["builder"],
        json!({"kind": "Builder", "name": "custom"})
    );
    assert_eq!(
        spec["build"]["env"],
        json!([{"name": "A", "value": "1"}, {"name": "C", "value": "true"}])
    );
    assert!(spec.get("cache").is_none());
    assert_eq!(
        spec["source"],
        json!({"git": {"url": "https://g/mono", "revision": "v1"}, "subPath": "a"})
    );
}

#[test]
fn optional_image_fields_have_a_way_in() {
    let cfg = with_spec(json!({"images": [{
        "name": "a", "tag": "reg.io/app", "builder": "b",
        "sourceImage": {"image": "reg.io/src:1", "imagePullSecrets": ["pull"]},
        "additionalTags": ["reg.io/app:stable"],
        "resources": {"requests": {"cpu": "500m", "memory": 1}, "limits": {"memory": "2Gi"}},
        "services": ["db-binding", {"kind": "ProvisionedService", "name": "mq", "apiVersion": "example.com/v1"}],
        "projectDescriptorPath": "build/project.toml",
        "imageTaggingStrategy": "None",
        "defaultProcess": "web",
        "cache": {"registry": {"tag": "reg.io/a-cache"}},
        "nodeSelector": {"disk": "ssd"},
        "buildTimeout": 1800,
        "cosignAnnotations": {"team": "shop"}
    }]}));
    let (out, code) = run(vec![], cfg);
    assert_eq!(code, 0, "{:?}", out.results);
    let spec = &out.items[0]["spec"];
    assert_eq!(
        spec["source"]["registry"],
        json!({"image": "reg.io/src:1", "imagePullSecrets": [{"name": "pull"}]})
    );
    assert_eq!(spec["additionalTags"], json!(["reg.io/app:stable"]));
    assert_eq!(
        spec["build"]["resources"],
        json!({"requests": {"cpu": "500m", "memory": "1"}, "limits": {"memory": "2Gi"}})
    );
    assert_eq!(
        spec["build"]["services"][0],
        json!({"kind": "Secret", "name": "db-binding", "apiVersion": "v1"})
    );
    assert_eq!(spec["build"]["services"][1]["kind"], "ProvisionedService");
    assert_eq!(spec["projectDescriptorPath"], "build/project.toml");
    assert_eq!(spec["imageTaggingStrategy"], "None");
    assert_eq!(spec["defaultProcess"], "web");
    assert_eq!(
        spec["cache"],
        json!({"registry": {"tag": "reg.io/a-cache"}})
    );
    assert_eq!(spec["build"]["buildTimeout"], 1800);
    assert_eq!(
        spec["cosign"],
        json!({"annotations": [{"name": "team", "value": "shop"}]})
    );
}

#[test]
fn bad_config_reports_path_and_image_and_generates_nothing() {
    let untouched = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep"}});
    let cases = [
        (
            json!({"images": [{"name": "cart", "builder": "b", "git": {"url": "u"}}]}),
            "spec.images[0].tag",
            "has no tag and no registry",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b"}, "images": [{"name": "cart", "git": {"url": "u"}, "blob": {"url": "v"}}]}),
            "spec.images[0].blob",
            "more than one source",
        ),
        (
            json!({"defaults": {"builder": "b"}, "images": [{"name": "cart", "tag": "r.io/Cart", "git": {"url": "u"}}]}),
            "spec.images[0].tag",
            "not a valid image tag",
        ),
        (
            json!({"defaults": {"builder": "b"}, "images": [{"name": "cart", "tag": "r.io/c@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "git": {"url": "u"}}]}),
            "spec.images[0].tag",
            "not a valid image tag",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}}, "images": [{"name": "cart"}, {"name": "cart"}]}),
            "spec.images[1].name",
            "duplicate image name",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b"}, "images": [{"name": "cart", "gti": {"url": "u"}}]}),
            "spec.images[0].gti",
            "unknown field `gti`: did you mean `git`?",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "successBuildHistoryLimit": 3}, "images": [{"name": "cart", "git": {"url": "u"}}]}),
            "spec.defaults.successBuildHistoryLimit",
            "unknown field `successBuildHistoryLimit`: write `history: {successful: N}`",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b"}, "images": [{"name": "cart", "source": {"git": {"url": "u"}}}]}),
            "spec.images[0].source",
            "unknown field `source`: an entry names its source directly",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}}, "images": [{"name": "cart", "buildTimeout": "10m"}]}),
            "spec.images[0].buildTimeout",
            "invalid type: the string \"10m\", expected a whole number",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "cache": "lots"}, "images": [{"name": "cart", "git": {"url": "u"}}]}),
            "spec.defaults.cache",
            "not a Kubernetes quantity",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "cache": "0Gi"}, "images": [{"name": "cart", "git": {"url": "u"}}]}),
            "spec.defaults.cache",
            "kpack's cache volume claim would be refused: spec.resources.requests[storage]: Invalid value: \"0Gi\": must be greater than zero; write a size such as 2G, or `none`",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}}, "images": [{"name": "cart",
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpression": []}]}}}}]}),
            "spec.images[0].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpression",
            "affinity is not a Kubernetes Affinity kpack can decode: unknown field `matchExpression`, expected `matchExpressions` or `matchFields`",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"},
                "tolerations": [{"key": "dedicated", "operator": "Equals", "value": "builds"}]}, "images": [{"name": "cart"}]}),
            "spec.defaults.tolerations[0].operator",
            "kpack's build pod would be refused: Unsupported value: \"Equals\": supported values: \"Equal\", \"Exists\"",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}}, "images": [{"name": "cart",
                "resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}}]}),
            "spec.images[0].resources.requests[memory]",
            "must be less than or equal to memory limit of 1Gi",
        ),
        (
            json!({"defaults": {"registry": "r.io/x"}, "images": [{"name": "cart", "git": {"url": "u"}}]}),
            "spec.images[0].builder",
            "has no builder",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b"}, "images": [{"name": "cart", "sourceImage": "r.io/s@sha1:abc"}]}),
            "spec.images[0].sourceImage",
            "not a valid image reference",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}}, "images": [{"name": "cart", "additionalTags": ["other.io/cart:1"]}]}),
            "spec.images[0].additionalTags[0]",
            "registry",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}, "nodeSelector": {"kubernetes.io/os": "linux"}}, "images": [{"name": "cart"}]}),
            "spec.defaults.nodeSelector.kubernetes.io/os",
            "os",
        ),
        (
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}, "serviceAccount": {"name": "sa", "secrets": ["s"]}}, "images": [{"name": "cart"}]}),
            "spec.defaults.serviceAccount.secrets",
            "create: true",
        ),
    ];
    for (spec, path, message) in cases {
        let (out, code) = run(vec![untouched.clone()], with_spec(spec.clone()));
        assert_eq!(code, 1, "{spec}");
        assert_eq!(out.items, vec![untouched.clone()], "{spec}");
        let errs = errors(&out);
        assert!(
            errs.iter().any(|(p, m)| p == path && m.contains(message)),
            "{spec}: expected an error at {path} containing {message:?}, got {errs:?}"
        );
        // serde's messages about an entry's fields say the path only.
        let decoding = message.starts_with("unknown field") || message.starts_with("invalid type");
        if !decoding && !path.starts_with("spec.defaults") {
            assert!(
                errs.iter().any(|(_, m)| m.contains("\"cart\"")),
                "{spec}: image name missing in {errs:?}"
            );
        }
        let r = &out.results[0];
        assert_eq!(r.resource_ref.as_ref().unwrap().kind, "ImageConfig");
    }
}

#[test]
fn an_affinity_that_does_not_decode_is_reported_once() {
    let cfg = with_spec(
        json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}},
        "images": [{"name": "cart", "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": "1", "preference": {}}]}}}]}),
    );
    let (out, code) = run(vec![], cfg);
    assert_eq!(code, 1);
    let errs = errors(&out);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0]
            .1
            .contains("affinity is not a Kubernetes Affinity kpack can decode"),
        "{errs:?}"
    );
}

#[test]
fn build_pod_fields_are_checked_where_they_are_written() {
    let cases = [
        (
            json!({"runtimeClassName": "gVisor"}),
            "spec.images[0].runtimeClassName",
            "a lowercase RFC 1123 subdomain",
        ),
        (
            json!({"resources": {"requests": {"nvidia.com/gpu": 1}}}),
            "spec.images[0].resources.limits",
            "Limit must be set for non overcommitable resources",
        ),
        (
            json!({"resources": {"limits": {"cpus": 2}}}),
            "spec.images[0].resources.limits[cpus]",
            "must be a standard resource for containers",
        ),
    ];
    for (fields, path, message) in cases {
        let mut image = json!({"name": "cart"});
        image
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        let cfg = with_spec(
            json!({"defaults": {"registry": "r.io/x", "builder": "b", "git": {"url": "u"}}, "images": [image]}),
        );
        let (out, code) = run(vec![], cfg);
        assert_eq!(code, 1, "{fields}");
        let errs = errors(&out);
        assert!(
            errs.len() == 1 && errs[0].0 == path && errs[0].1.contains(message),
            "{fields}: expected one error at {path} containing {message:?}, got {errs:?}"
        );
    }
}

#[test]
fn all_problems_are_reported_at_once() {
    let cfg = with_spec(json!({"images": [{"name": "a"}, {"name": "B"}]}));
    let (out, code) = run(vec![], cfg);
    assert_eq!(code, 1);
    let paths: Vec<_> = errors(&out).into_iter().map(|(p, _)| p).collect();
    for p in [
        "spec.images[0].tag",
        "spec.images[0].builder",
        "spec.images[0].git",
        "spec.images[1].name",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} missing from {paths:?}");
    }
}

#[test]
fn entries_that_do_not_decode_are_each_reported_with_the_others_problems() {
    let cfg = with_spec(json!({
        "defaults": {"registry": "registry.example.com/apps", "builder": "base"},
        "images": [
            {"name": "a", "git": {"url": "https://example.com/a"}, "colour": "red"},
            {"name": "b", "git": "https://example.com/b"},
            {"name": "C", "git": {"url": "https://example.com/c"}},
            {"name": "d", "git": {"url": "https://example.com/d"}}
        ]
    }));
    let (out, code) = run(vec![], cfg);
    assert_eq!(code, 1);
    assert!(
        out.items.is_empty(),
        "nothing is generated: {:?}",
        out.items
    );
    let errors = errors(&out);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.images[0].colour",
            "spec.images[1].git",
            "spec.images[2].name"
        ],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("unknown field `colour`"), "{errors:?}");
}

#[test]
fn an_object_it_does_not_own_is_a_conflict() {
    let handwritten = json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "Image",
        "metadata": {"name": "cart", "namespace": "apps", "annotations": {"internal.config.kubernetes.io/path": "cart.yaml"}},
        "spec": {}
    });
    let (out, code) = run(vec![handwritten.clone()], config(SKETCH));
    assert_eq!(code, 1);
    assert_eq!(out.items, vec![handwritten]);
    assert!(
        errors(&out)[0]
            .1
            .contains("Image apps/cart already exists (in cart.yaml)"),
        "{:?}",
        errors(&out)
    );
}

#[test]
fn config_file_is_named_in_results() {
    let mut cfg = config(SKETCH);
    cfg["spec"]["images"][0]["tag"] = json!("not a tag");
    let mut item = cfg.clone();
    item["metadata"]["annotations"] =
        json!({"internal.config.kubernetes.io/path": "image-config.yaml"});
    let (out, _) = run(vec![item], cfg);
    assert_eq!(
        out.results[0].file.as_ref().unwrap().path,
        "image-config.yaml"
    );
}

#[test]
fn wrong_or_missing_function_config_is_an_error() {
    let list = ResourceList::new(vec![], None);
    let out = krm::process(
        FUNCTION_NAME,
        &codec::to_bytes(&list, Format::Json),
        Format::Json,
        process,
    );
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr.contains("needs an ImageConfig"),
        "{}",
        out.stderr
    );
    let (out, code) = run(
        vec![],
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
    );
    assert_eq!(code, 1);
    assert!(errors(&out)[0].1.contains("not v1/ConfigMap"));
}

#[test]
fn generated_images_pass_kpacks_webhook_and_need_no_defaults() {
    use kpack_api::{Context, v1alpha2::Image};
    let mut all_options = config(include_str!("../tests/golden/all-options/input.yaml"));
    let all_options = all_options["functionConfig"].take();
    for cfg in [config(SKETCH), all_options] {
        let (out, code) = run(vec![], cfg);
        assert_eq!(code, 0, "{:?}", out.results);
        for item in out.items.iter().filter(|i| i.kind() == Some("Image")) {
            let mut image: Image = serde_json::from_value(item.clone()).expect("strict decode");
            let ctx = Context::default();
            image.set_defaults(&ctx);
            assert_eq!(image.validate(&ctx), vec![], "{item}");
            assert_eq!(
                &serde_json::to_value(&image).unwrap(),
                item,
                "kpack would add defaults"
            );
        }
    }
}
