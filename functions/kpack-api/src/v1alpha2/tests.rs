//! One passing and one failing case per webhook rule (numbered as in the research notes:
//! I = Image, B = Build, BL = Builder/ClusterBuilder, S/ST/BP/CL = stack, store, buildpacks,
//! lifecycle). Cases run through `kinds::lookup(..).admit`: decode, default, validate.

use crate::field_error::Context;
use crate::kinds;
use serde_json::{Value, json};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn admit_with(object: &Value, ctx: &Context) -> Vec<String> {
    let info = kinds::lookup(
        object["apiVersion"].as_str().unwrap(),
        object["kind"].as_str().unwrap(),
    )
    .expect("known kind");
    let admission = (info.admit.expect("admitted kind"))(object, ctx).expect("decodes");
    admission.errors.iter().map(|e| e.to_string()).collect()
}

fn admit(object: &Value) -> Vec<String> {
    admit_with(object, &Context::default())
}

/// Applies `edit` to a copy of `base` and returns the errors.
fn with(base: &Value, edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut v = base.clone();
    edit(&mut v);
    admit(&v)
}

#[track_caller]
fn assert_error(errors: &[String], expected: &str) {
    assert!(
        errors
            .iter()
            .any(|e| e == expected || e.starts_with(&format!("{expected}\n"))),
        "expected {expected:?} in {errors:#?}"
    );
}

fn image() -> Value {
    json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "Image",
        "metadata": {"name": "app", "namespace": "apps"},
        "spec": {
            "tag": "registry.example.com/team/app",
            "builder": {"kind": "ClusterBuilder", "name": "default"},
            "source": {"git": {"url": "https://github.com/org/app", "revision": "main"}}
        }
    })
}

#[test]
fn a_complete_image_passes_and_is_defaulted() {
    let info = kinds::lookup("kpack.io/v1alpha2", "Image").unwrap();
    let a = (info.admit.unwrap())(&image(), &Context::default()).unwrap();
    assert_eq!(a.errors, vec![]);
    let spec = &a.defaulted["spec"];
    assert_eq!(spec["serviceAccountName"], "default");
    assert_eq!(spec["imageTaggingStrategy"], "BuildNumber");
    assert_eq!(spec["failedBuildHistoryLimit"], 10);
    assert_eq!(spec["successBuildHistoryLimit"], 10);
    assert!(
        spec.get("cache").is_none(),
        "no cache default without a known default StorageClass"
    );
    let ctx = Context {
        default_storage_class: Some(true),
        ..Context::default()
    };
    let a = (info.admit.unwrap())(&image(), &ctx).unwrap();
    assert_eq!(
        a.defaulted["spec"]["cache"],
        json!({"volume": {"size": "2G"}})
    );
}

#[test]
fn i1_name_must_be_a_label_value() {
    assert_eq!(
        with(&image(), |v| v["metadata"]["name"] = json!("app.v2_x")),
        Vec::<String>::new()
    );
    // kpack's words (its doubled "a" too), then Kubernetes' reasons joined by commas.
    let errors = with(&image(), |v| v["metadata"]["name"] = json!("a".repeat(64)));
    assert_eq!(
        errors,
        [format!(
            "invalid image name: {}, name must be a a valid label: metadata.name\n\
             must be no more than 63 characters",
            "a".repeat(64)
        )]
    );
    let errors = with(&image(), |v| {
        v["metadata"]["name"] = json!(format!("-{}", "a".repeat(63)))
    });
    assert_eq!(
        errors[0].split_once('\n').unwrap().1,
        "must be no more than 63 characters,a valid label must be an empty string or consist of \
         alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric \
         character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is \
         '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    );
}

#[test]
fn i2_i3_tag_is_required_and_never_a_digest() {
    assert_error(
        &with(&image(), |v| v["spec"]["tag"] = json!("")),
        "missing field(s): spec.tag",
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["tag"] = json!(format!("r.io/app@{DIGEST}"))
        }),
        &format!("invalid value: r.io/app@{DIGEST}: spec.tag"),
    );
    assert_eq!(
        with(&image(), |v| v["spec"]["tag"] =
            json!("localhost:5000/app:1.0")),
        Vec::<String>::new()
    );
}

#[test]
fn i4_i5_additional_tags_parse_and_share_the_registry() {
    assert_eq!(
        with(&image(), |v| v["spec"]["additionalTags"] =
            json!(["registry.example.com/team/app:v1"])),
        Vec::<String>::new()
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["additionalTags"] = json!(["registry.example.com/Team/app"])
        }),
        "invalid value: registry.example.com/Team/app: spec.additionalTags[0]",
    );
    let errors = with(&image(), |v| {
        v["spec"]["additionalTags"] = json!(["other.example.com/app:v1"])
    });
    assert_eq!(
        errors,
        [
            "all additionalTags must have the same registry as tag: spec.additionalTags\nexpected registry: registry.example.com, got: other.example.com"
        ]
    );
    // kpack returns at the first tag on another registry.
    let errors = with(&image(), |v| {
        v["spec"]["additionalTags"] = json!(["other.example.com/app:v1", "third.example.com/app"])
    });
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].ends_with("got: other.example.com"), "{errors:?}");
}

#[test]
fn i6_i7_builder_name_and_kind() {
    assert_eq!(
        with(&image(), |v| v["spec"]["builder"]["kind"] =
            json!("Builder")),
        Vec::<String>::new()
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["builder"] = json!({"kind": "Builder"})
        }),
        "missing field(s): spec.builder.name",
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["builder"]["kind"] = json!("CustomBuilder")
        }),
        "invalid value: CustomBuilder: spec.builder.kind",
    );
    // kpack returns at a missing name: the kind of an unnamed builder is not checked.
    assert_eq!(
        with(&image(), |v| v["spec"]["builder"] =
            json!({"kind": "", "name": ""})),
        ["missing field(s): spec.builder.name"]
    );
}

#[test]
fn i8_to_i11_exactly_one_complete_source() {
    assert_error(
        &with(&image(), |v| v["spec"]["source"] = json!({"subPath": "x"})),
        "expected exactly one, got neither: spec.source.blob, spec.source.git, spec.source.registry",
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["source"]["blob"] = json!({"url": "https://b/x.tgz"})
        }),
        "expected exactly one, got both: spec.source.blob, spec.source.git",
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["source"]["git"] = json!({"url": "u"})
        }),
        "missing field(s): spec.source.git.revision",
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["source"]["git"] = json!({"revision": "main"})
        }),
        "missing field(s): spec.source.git.url",
    );
    // kpack checks a source's own fields only when there is exactly one source.
    assert_eq!(
        with(&image(), |v| v["spec"]["source"]["blob"] =
            json!({"url": ""})),
        ["expected exactly one, got both: spec.source.blob, spec.source.git"]
    );
    let blob = |b: Value| with(&image(), |v| v["spec"]["source"] = json!({"blob": b}));
    assert_eq!(
        blob(json!({"url": "https://b/x.tgz", "auth": "helper", "stripComponents": 1})),
        Vec::<String>::new()
    );
    assert_error(
        &blob(json!({"url": ""})),
        "missing field(s): spec.source.blob.url",
    );
    assert_error(
        &blob(json!({"url": "u", "auth": "basic"})),
        "invalid value: basic: spec.source.blob.auth",
    );
    assert_error(
        &blob(json!({"url": "u", "stripComponents": -1})),
        "expected positive integer got -1: spec.source.blob.stripComponents",
    );
    let registry = |r: Value| with(&image(), |v| v["spec"]["source"] = json!({"registry": r}));
    assert_eq!(
        registry(
            json!({"image": format!("r.io/src@{DIGEST}"), "imagePullSecrets": [{"name": "s"}]})
        ),
        Vec::<String>::new()
    );
    assert_error(
        &registry(json!({"image": ""})),
        "missing field(s): spec.source.registry.image",
    );
    assert_error(
        &registry(json!({"image": "<registry>/src"})),
        "invalid value: <registry>/src: spec.source.registry.image",
    );
}

#[test]
fn i12_node_selector_leaves_the_os_to_kpack() {
    assert_eq!(
        with(&image(), |v| v["spec"]["build"] =
            json!({"nodeSelector": {"disk": "ssd"}})),
        Vec::<String>::new()
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["build"] = json!({"nodeSelector": {"kubernetes.io/os": "linux"}})
        }),
        "invalid key name \"kubernetes.io/os\": spec.build.nodeSelector",
    );
    // kpack checks nothing more of the build then.
    assert_eq!(
        with(&image(), |v| {
            v["spec"]["build"] = json!({"nodeSelector": {"kubernetes.io/os": "linux"},
                                        "services": [{"kind": "Secret"}], "cnbBindings": [{"name": "b"}]})
        }),
        [
            "invalid key name \"kubernetes.io/os\": spec.build.nodeSelector\nos is determined automatically"
        ]
    );
}

#[test]
fn i13_creation_time_is_now_or_epoch_seconds() {
    for ok in ["now", "1700000000"] {
        assert_eq!(
            with(&image(), |v| v["spec"]["build"] =
                json!({"creationTime": ok})),
            Vec::<String>::new()
        );
    }
    assert_error(
        &with(&image(), |v| {
            v["spec"]["build"] = json!({"creationTime": "yesterday"})
        }),
        "invalid value: yesterday: spec.build.creationTime",
    );
    // kpack's creationTime is a Go string: empty is the same as unset.
    assert_eq!(
        with(&image(), |v| v["spec"]["build"] =
            json!({"creationTime": ""})),
        Vec::<String>::new()
    );
}

#[test]
fn i14_services_are_named_unique_and_kinded() {
    let services = |s: Value| with(&image(), |v| v["spec"]["build"] = json!({"services": s}));
    assert_eq!(
        services(json!([{"kind": "Secret", "name": "db", "apiVersion": "v1"}])),
        Vec::<String>::new()
    );
    assert_error(
        &services(json!([{"kind": "Secret"}])),
        "missing field(s): spec.build.services[0].name",
    );
    assert_error(
        &services(json!([{"kind": "Secret", "name": "DB"}])),
        "invalid value: DB: spec.build.services[0].name",
    );
    // kpack names both entries, as its test pins: the earlier one and the repeat.
    assert_eq!(
        services(json!([
            {"kind": "Secret", "name": "db"},
            {"kind": "Secret", "name": "mq"},
            {"kind": "Secret", "name": "db"}
        ])),
        ["duplicate service name \"db\": spec.build.services[0].name, spec.build.services[2].name"]
    );
    // Unnamed entries are duplicates of each other too.
    assert_eq!(
        services(json!([{"kind": "Secret"}, {"kind": "Secret"}])),
        [
            "missing field(s): spec.build.services[0].name",
            "duplicate service name \"\": spec.build.services[0].name, spec.build.services[1].name",
            "missing field(s): spec.build.services[1].name"
        ]
    );
    assert_error(
        &services(json!([{"name": "db"}])),
        "missing field(s): spec.build.services[0].kind",
    );
}

#[test]
fn i15_cnb_bindings_and_notary_are_controller_only() {
    assert_error(
        &with(
            &image(),
            |v| {
                v["spec"]["build"] =
                    json!({"cnbBindings": [{"name": "b", "metadataRef": {"name": "m"}}]})
            },
        ),
        "use of this field has been deprecated in v1alpha2, please use v1alpha1 for CNB bindings: spec.build.cnbBindings",
    );
    assert_error(
        &with(
            &image(),
            |v| {
                v["spec"]["notary"] =
                    json!({"v1": {"url": "https://notary", "secretRef": {"name": "n"}}})
            },
        ),
        "use of this field has been deprecated in v1alpha2, please use v1alpha1 for notary image signing: spec.notary",
    );
}

#[test]
fn i17_secret_key_ref_env_is_refused_from_0_17_2() {
    let secret_env = |v: &mut Value| v["spec"]["build"] = json!({"env": [{"name": "A", "value": "1"}, {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]});
    let mut object = image();
    secret_env(&mut object);
    assert_error(
        &admit(&object),
        "secretKeyRef is not supported for build environment variables: spec.build.env[1].valueFrom.secretKeyRef",
    );
    let older = Context {
        kpack_version: semver::Version::new(0, 17, 1),
        ..Context::default()
    };
    assert_eq!(admit_with(&object, &older), Vec::<String>::new());
    assert_eq!(
        with(
            &image(),
            |v| v["spec"]["build"] = json!({"env": [{"name": "C", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}]})
        ),
        Vec::<String>::new()
    );
}

#[test]
fn i18_i19_one_cache_type_and_a_storage_class() {
    assert_eq!(
        with(&image(), |v| v["spec"]["cache"] =
            json!({"registry": {"tag": "r.io/cache"}})),
        Vec::<String>::new()
    );
    assert_error(
        &with(
            &image(),
            |v| {
                v["spec"]["cache"] =
                    json!({"volume": {"size": "2G"}, "registry": {"tag": "r.io/c"}})
            },
        ),
        "only one type of cache can be specified: spec.cache.registry, spec.cache.volume",
    );
    let mut object = image();
    object["spec"]["cache"] = json!({"volume": {"size": "2G"}});
    assert_eq!(
        admit(&object),
        Vec::<String>::new(),
        "unknown StorageClass: not an error"
    );
    let none = Context {
        default_storage_class: Some(false),
        ..Context::default()
    };
    let refused = ["spec.cache.volume.size cannot be set with no default StorageClass"];
    assert_eq!(admit_with(&object, &none), refused);
    // kpack tests only that a volume is there: no size, or a storageClassName, changes nothing.
    for volume in [json!({}), json!({"size": "2G", "storageClassName": "fast"})] {
        object["spec"]["cache"]["volume"] = volume;
        assert_eq!(admit_with(&object, &none), refused);
        assert_eq!(admit(&object), Vec::<String>::new());
    }
    let some = Context {
        default_storage_class: Some(true),
        ..Context::default()
    };
    assert_eq!(admit_with(&object, &some), Vec::<String>::new());
}

#[test]
fn i20_cosign_annotations_need_name_and_value() {
    assert_eq!(
        with(&image(), |v| v["spec"]["cosign"] =
            json!({"annotations": [{"name": "a", "value": "b"}]})),
        Vec::<String>::new()
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["cosign"] = json!({"annotations": [{"name": "a"}]})
        }),
        "missing field(s): spec.cosign.annotations[0].value",
    );
}

#[test]
fn i21_history_limits_are_positive() {
    assert_eq!(
        with(&image(), |v| v["spec"]["failedBuildHistoryLimit"] =
            json!(1)),
        Vec::<String>::new()
    );
    assert_error(
        &with(&image(), |v| {
            v["spec"]["successBuildHistoryLimit"] = json!(0)
        }),
        "build history limit must be greater than 0: spec.successBuildHistoryLimit",
    );
    // kpack returns at the first: the failed limit, then the successful one.
    assert_eq!(
        with(&image(), |v| {
            v["spec"]["failedBuildHistoryLimit"] = json!(0);
            v["spec"]["successBuildHistoryLimit"] = json!(0)
        }),
        ["build history limit must be greater than 0: spec.failedBuildHistoryLimit"]
    );
}

fn build() -> Value {
    json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "Build",
        "metadata": {"name": "b", "namespace": "apps"},
        "spec": {
            "tags": ["r.io/app"],
            "builder": {"image": format!("r.io/builder@{DIGEST}")},
            "source": {"git": {"url": "https://g/app", "revision": "0123456789abcdef0123456789abcdef01234567"}}
        }
    })
}

#[test]
fn b1_to_b11_build_rules() {
    assert_eq!(admit(&build()), Vec::<String>::new());
    assert_error(
        &with(&build(), |v| v["spec"]["tags"] = json!([])),
        "missing field(s): spec.tags",
    );
    assert_error(
        &with(&build(), |v| v["spec"]["tags"] = json!(["r.io/App"])),
        "invalid value: r.io/App: spec.tags[0]",
    );
    // kpack only parses each tag, so an empty one is invalid, not missing.
    assert_error(
        &with(&build(), |v| v["spec"]["tags"] = json!(["r.io/app", ""])),
        "invalid value: : spec.tags[1]",
    );
    assert_error(
        &with(&build(), |v| v["spec"]["builder"] = json!({})),
        "missing field(s): spec.builder.image, spec.builder.ref",
    );
    assert_error(
        &with(&build(), |v| {
            v["spec"]["builder"]["ref"] = json!({"kind": "Builder", "name": "b"})
        }),
        "expected exactly one, got both: spec.builder.image, spec.builder.ref",
    );
    // No check of the builder ends the others.
    let errors = with(&build(), |v| {
        v["spec"]["builder"] = json!({"image": "NOT@@valid", "ref": {"kind": ""}})
    });
    let first_lines: Vec<&str> = errors.iter().map(|e| e.lines().next().unwrap()).collect();
    assert_eq!(
        first_lines,
        [
            "expected exactly one, got both: spec.builder.image, spec.builder.ref",
            "missing field(s): spec.builder.ref.name",
            "missing field(s): spec.builder.ref.kind",
            "invalid value: NOT@@valid: spec.builder.image",
        ]
    );
    // Unlike an Image's, a Build's cosign config is not checked.
    assert_eq!(
        with(&build(), |v| v["spec"]["cosign"] =
            json!({"annotations": [{"name": "a"}]})),
        Vec::<String>::new()
    );
    assert_eq!(
        with(&build(), |v| v["spec"]["builder"] =
            json!({"ref": {"kind": "ClusterBuilder", "name": "b"}})),
        Vec::<String>::new()
    );
    assert_error(
        &with(&build(), |v| {
            v["spec"]["builder"] = json!({"ref": {"kind": "Builder"}})
        }),
        "missing field(s): spec.builder.ref.name",
    );
    assert_error(
        &with(&build(), |v| {
            v["spec"]["builder"] = json!({"ref": {"name": "b"}})
        }),
        "missing field(s): spec.builder.ref.kind",
    );
    assert_error(
        &with(&build(), |v| {
            v["spec"]["builder"]["image"] = json!("r.io/b@sha1:x")
        }),
        "invalid value: r.io/b@sha1:x: spec.builder.image",
    );
    assert_error(
        &with(&build(), |v| v["spec"]["source"] = json!({})),
        "expected exactly one, got neither: spec.source.blob, spec.source.git, spec.source.registry",
    );
    assert_error(
        &with(
            &build(),
            |v| v["spec"]["cache"] = json!({"volume": {"persistentVolumeClaimName": "c"}, "registry": {"tag": "r.io/c"}}),
        ),
        "only one type of cache can be specified: spec.cache.registry, spec.cache.volume",
    );
    assert_error(
        &with(&build(), |v| {
            v["spec"]["services"] = json!([{"name": "db"}])
        }),
        "missing field(s): spec.services[0].kind",
    );
    assert_error(
        &with(&build(), |v| {
            v["spec"]["lastBuild"] = json!({"image": "not an image"})
        }),
        "invalid value: not an image: spec.lastBuild.image",
    );
    assert_error(
        &with(&build(), |v| {
            v["spec"]["nodeSelector"] = json!({"kubernetes.io/os": "linux"})
        }),
        "invalid key name \"kubernetes.io/os\": spec.nodeSelector",
    );
    assert_error(
        &with(
            &build(),
            |v| {
                v["spec"]["env"] =
                    json!([{"name": "T", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}])
            },
        ),
        "secretKeyRef is not supported for build environment variables: spec.env[0].valueFrom.secretKeyRef",
    );
    let defaulted = (kinds::lookup("kpack.io/v1alpha2", "Build")
        .unwrap()
        .admit
        .unwrap())(&build(), &Context::default())
    .unwrap();
    assert_eq!(defaulted.defaulted["spec"]["serviceAccountName"], "default");
}

fn builder() -> Value {
    json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "Builder",
        "metadata": {"name": "b", "namespace": "apps"},
        "spec": {
            "tag": "r.io/builder",
            "stack": {"kind": "ClusterStack", "name": "base"},
            "store": {"kind": "ClusterStore", "name": "default"},
            "serviceAccountName": "builder",
            "order": [{"group": [{"id": "paketo-buildpacks/java"}]}, {"group": [{"kind": "ClusterBuildpack", "name": "node"}]}]
        }
    })
}

fn cluster_builder() -> Value {
    let mut v = builder();
    v["kind"] = json!("ClusterBuilder");
    v["metadata"] = json!({"name": "b"});
    let spec = v["spec"].as_object_mut().unwrap();
    spec.remove("serviceAccountName");
    spec.insert(
        "serviceAccountRef".into(),
        json!({"name": "builder", "namespace": "kpack"}),
    );
    v
}

#[test]
fn bl1_to_bl8_builder_rules() {
    assert_eq!(admit(&builder()), Vec::<String>::new());
    assert_error(
        &with(&builder(), |v| v["spec"]["tag"] = json!("")),
        "missing field(s): spec.tag",
    );
    assert_error(
        &with(&builder(), |v| v["spec"]["tag"] = json!("r.io/<tag>")),
        "invalid value: r.io/<tag>: spec.tag",
    );
    assert_error(
        &with(&builder(), |v| {
            v["spec"]["stack"] = json!({"kind": "ClusterStack"})
        }),
        "missing field(s): spec.stack.name",
    );
    assert_error(
        &with(&builder(), |v| v["spec"]["stack"]["kind"] = json!("Stack")),
        "invalid value: Stack: spec.stack.kind",
    );
    assert_error(
        &with(&builder(), |v| v["spec"]["store"]["kind"] = json!("Store")),
        "invalid value: Store: spec.store.kind",
    );
    assert_error(
        &with(&builder(), |v| {
            v["spec"]["order"][1]["group"][0]["kind"] = json!("Image")
        }),
        "invalid value: Image: spec.order[1].group[0].kind",
    );
    assert_error(
        &with(&builder(), |v| {
            v["spec"]["order"][1]["group"][0] = json!({"kind": "Bp"})
        }),
        "missing field(s): spec.order[1].group[0].name",
    );
    assert_error(
        &with(&builder(), |v| {
            v["spec"]["order"][0]["group"][0] = json!({"id": "x", "image": "r.io/bp"})
        }),
        "must not set the field(s): spec.order[0].group[0].image reference currently not supported",
    );
    assert_error(
        &with(&builder(), |v| {
            v["spec"]["order"][0]["group"][0] = json!({"version": "1.0"})
        }),
        "expected exactly one, got neither: spec.order[0].group[0].id, spec.order[0].group[0].image, spec.order[0].group[0].name + kind",
    );
    // The service account and the kinds are defaulted, so leaving them out is fine.
    let info = kinds::lookup("kpack.io/v1alpha2", "Builder").unwrap();
    let mut bare = builder();
    let spec = bare["spec"].as_object_mut().unwrap();
    spec.remove("serviceAccountName");
    spec["stack"] = json!({"name": "base"});
    spec["store"] = json!({"name": "default"});
    let a = (info.admit.unwrap())(&bare, &Context::default()).unwrap();
    assert_eq!(a.errors, vec![]);
    assert_eq!(a.defaulted["spec"]["serviceAccountName"], "default");
    assert_eq!(a.defaulted["spec"]["stack"]["kind"], "ClusterStack");
    assert_eq!(a.defaulted["spec"]["store"]["kind"], "ClusterStore");
    assert_eq!(
        a.defaulted["spec"]["lifecycle"],
        json!({"kind": "ClusterLifecycle", "name": "default-lifecycle"})
    );
    // The legacy `serviceAccount` spelling counts.
    let mut legacy = builder();
    legacy["spec"]
        .as_object_mut()
        .unwrap()
        .remove("serviceAccountName");
    legacy["spec"]["serviceAccount"] = json!("old");
    assert_eq!(admit(&legacy), Vec::<String>::new());
}

/// kpack's `validateObjectRef` records a missing name, then returns nothing when the kind is
/// allowed: a store or an order entry given by kind alone passes.
#[test]
fn bl4_bl5_a_ref_with_an_allowed_kind_needs_no_name() {
    for (path, reference) in [
        ("/spec/store", json!({"kind": "ClusterStore"})),
        ("/spec/order/1/group/0", json!({"kind": "Buildpack"})),
        ("/spec/order/1/group/0", json!({"kind": "ClusterBuildpack"})),
    ] {
        for base in [builder(), cluster_builder()] {
            let errors = with(&base, |v| *v.pointer_mut(path).unwrap() = reference.clone());
            assert_eq!(errors, Vec::<String>::new(), "{path}: {reference}");
        }
    }
    // With a kind kpack does not allow, the missing name is reported as well.
    assert_eq!(
        with(&builder(), |v| v["spec"]["store"] =
            json!({"kind": "Store"})),
        [
            "missing field(s): spec.store.name",
            "invalid value: Store: spec.store.kind\nmust be one of ClusterStore"
        ]
    );
    assert_eq!(
        with(&cluster_builder(), |v| v["spec"]["order"][1]["group"][0] =
            json!({"name": "node"})),
        ["invalid value: : order[1].group[0].kind\nmust be one of Buildpack, ClusterBuildpack"]
    );
}

/// A Builder without a store comes out of kpack's defaulting with `store: {kind: ClusterStore}`
/// (its store is a struct, not a pointer), which passes; a ClusterBuilder gets no store default.
#[test]
fn bl4_a_builder_without_a_store_is_defaulted_to_a_store_kind_and_passes() {
    let mut object = builder();
    object["spec"].as_object_mut().unwrap().remove("store");
    let info = kinds::lookup("kpack.io/v1alpha2", "Builder").unwrap();
    let a = (info.admit.unwrap())(&object, &Context::default()).unwrap();
    assert_eq!(a.errors, vec![]);
    assert_eq!(
        a.defaulted["spec"]["store"],
        json!({"kind": "ClusterStore"})
    );

    let mut object = cluster_builder();
    object["spec"].as_object_mut().unwrap().remove("store");
    let info = kinds::lookup("kpack.io/v1alpha2", "ClusterBuilder").unwrap();
    let a = (info.admit.unwrap())(&object, &Context::default()).unwrap();
    assert_eq!(a.errors, vec![]);
    assert!(a.defaulted["spec"].get("store").is_none());
}

/// kpack's fields are Go strings, compared with "": an empty string is the same as no value.
#[test]
fn bl4_to_bl7_empty_strings_are_unset() {
    for base in [builder(), cluster_builder()] {
        for (path, value) in [
            ("/spec/store", json!({"name": "", "kind": ""})),
            (
                "/spec/order/0/group/0",
                json!({"id": "x", "kind": "", "name": ""}),
            ),
            ("/spec/order/0/group/0", json!({"id": "x", "image": ""})),
        ] {
            let errors = with(&base, |v| *v.pointer_mut(path).unwrap() = value.clone());
            assert_eq!(errors, Vec::<String>::new(), "{path}: {value}");
        }
        let prefix = if base["kind"] == "Builder" {
            "spec."
        } else {
            ""
        };
        assert_eq!(
            with(&base, |v| v["spec"]["order"][0]["group"][0] =
                json!({"id": "", "image": "", "kind": "", "name": ""})),
            [format!(
                "expected exactly one, got neither: {prefix}order[0].group[0].id, {prefix}order[0].group[0].image, {prefix}order[0].group[0].name + kind"
            )]
        );
    }
}

#[test]
fn bl9_and_the_cluster_builder_path_quirk() {
    assert_eq!(admit(&cluster_builder()), Vec::<String>::new());
    assert_eq!(
        with(&cluster_builder(), |v| v["spec"]["serviceAccountRef"] =
            json!({"namespace": "kpack"})),
        ["missing field(s): spec.serviceAccountRef.name"]
    );
    assert_eq!(
        with(&cluster_builder(), |v| {
            v["spec"]["serviceAccountRef"] = json!({"name": "sa"});
            v["spec"]["tag"] = json!("")
        }),
        ["missing field(s): spec.serviceAccountRef.namespace"],
        "a missing service account ends validation"
    );
    // kpack returns at a missing stack name: the kind of an unnamed stack is not checked.
    assert_eq!(
        with(&cluster_builder(), |v| v["spec"]["stack"] = json!({})),
        ["missing field(s): stack.name"]
    );
    // Shared-spec errors have no `spec.` prefix on a ClusterBuilder; its stack kind is not defaulted.
    assert_error(
        &with(&cluster_builder(), |v| {
            v["spec"]["stack"] = json!({"name": "base"})
        }),
        "invalid value: : stack.kind",
    );
    assert_error(
        &with(&cluster_builder(), |v| {
            v["spec"]["order"][1]["group"][0]["kind"] = json!("X")
        }),
        "invalid value: X: order[1].group[0].kind",
    );
}

#[test]
fn s1_to_s3_cluster_stack_rules() {
    let stack = json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStack", "metadata": {"name": "base"},
        "spec": {"id": "io.buildpacks.stacks.jammy", "buildImage": {"image": "paketobuildpacks/build-jammy-base"}, "runImage": {"image": format!("paketobuildpacks/run-jammy-base@{DIGEST}")}}
    });
    assert_eq!(admit(&stack), Vec::<String>::new());
    assert_eq!(
        with(&stack, |v| v["spec"]["serviceAccountRef"] =
            json!({"name": "sa"})),
        ["missing field(s): spec.serviceAccountRef.namespace"]
    );
    assert_error(
        &with(&stack, |v| {
            v["spec"]["serviceAccountRef"] = json!({"namespace": "kpack"})
        }),
        "missing field(s): spec.serviceAccountRef.name",
    );
    assert_error(
        &with(&stack, |v| v["spec"]["id"] = json!("")),
        "missing field(s): spec.id",
    );
    // A service account ref missing its name or namespace ends validation.
    assert_eq!(
        with(&stack, |v| {
            v["spec"]["serviceAccountRef"] = json!({"name": "sa"});
            v["spec"]["id"] = json!("")
        }),
        ["missing field(s): spec.serviceAccountRef.namespace"]
    );
    assert_error(
        &with(&stack, |v| v["spec"]["buildImage"]["image"] = json!("")),
        "missing field(s): spec.buildImage.image",
    );
    assert_error(
        &with(&stack, |v| {
            v["spec"]["runImage"]["image"] = json!("run:<tag>")
        }),
        "invalid value: run:<tag>: spec.runImage.image",
    );
}

#[test]
fn st1_to_st3_cluster_store_rules() {
    let store = json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStore", "metadata": {"name": "default"},
        "spec": {"sources": [{"image": "gcr.io/paketo-buildpacks/java"}, {"image": format!("paketobuildpacks/nodejs@{DIGEST}")}]}
    });
    assert_eq!(admit(&store), Vec::<String>::new());
    assert_error(
        &with(&store, |v| v["spec"]["sources"] = json!([])),
        "missing field(s): spec.sources",
    );
    assert_error(
        &with(&store, |v| {
            v["spec"]["sources"][1]["image"] = json!("gcr.io/x:<tag>")
        }),
        "invalid value: {gcr.io/x:<tag>}: spec.sources[1]",
    );
    assert_error(
        &with(&store, |v| {
            v["spec"]["serviceAccountRef"] = json!({"name": "sa"})
        }),
        "missing field(s): spec.serviceAccountRef.namespace",
    );
    // kpack returns at an incomplete serviceAccountRef.
    assert_eq!(
        with(&store, |v| {
            v["spec"]["serviceAccountRef"] = json!({"namespace": "kpack"});
            v["spec"]["sources"][1]["image"] = json!("gcr.io/x:<tag>");
        }),
        ["missing field(s): spec.serviceAccountRef.name"]
    );
}

#[test]
fn bp1_cl1_buildpack_and_lifecycle_rules() {
    let bp = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Buildpack", "metadata": {"name": "java", "namespace": "apps"}, "spec": {"image": "gcr.io/paketo-buildpacks/java"}});
    assert_eq!(admit(&bp), Vec::<String>::new());
    assert_error(
        &with(&bp, |v| v["spec"]["image"] = json!("")),
        "missing field(s): spec.image",
    );
    assert_error(
        &with(&bp, |v| v["spec"]["image"] = json!("Java")),
        "invalid value: Java: spec.image",
    );
    let cbp = with(&bp, |_| {});
    assert!(cbp.is_empty());
    let mut cluster_bp = bp.clone();
    cluster_bp["kind"] = json!("ClusterBuildpack");
    assert_eq!(admit(&cluster_bp), Vec::<String>::new());
    assert_error(
        &with(&cluster_bp, |v| {
            v["spec"]["serviceAccountRef"] = json!({"name": "sa"})
        }),
        "missing field(s): spec.serviceAccountRef.namespace",
    );
    assert_error(
        &with(&cluster_bp, |v| v["spec"]["image"] = json!("a b")),
        "invalid value: a b: spec.image",
    );
    assert_eq!(
        with(&cluster_bp, |v| {
            v["spec"]["serviceAccountRef"] = json!({"namespace": "kpack"});
            v["spec"]["image"] = json!("")
        }),
        ["missing field(s): spec.serviceAccountRef.name"]
    );

    let lifecycle = json!({"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterLifecycle", "metadata": {"name": "l"}, "spec": {"image": "anything goes: it is not parsed"}});
    assert_eq!(admit(&lifecycle), Vec::<String>::new());
    assert_error(
        &with(&lifecycle, |v| v["spec"]["image"] = json!("")),
        "missing field(s): spec.image",
    );
    assert_eq!(
        with(&lifecycle, |v| {
            v["spec"]["serviceAccountRef"] = json!({});
            v["spec"]["image"] = json!("")
        }),
        ["missing field(s): spec.serviceAccountRef.name"]
    );
}

#[test]
fn unknown_fields_and_wrong_types_do_not_decode() {
    let info = kinds::lookup("kpack.io/v1alpha2", "Image").unwrap();
    let mut v = image();
    v["spec"]["cache"] = json!({"volume": {"request": "1G"}});
    let e = (info.admit.unwrap())(&v, &Context::default()).unwrap_err();
    assert_eq!(e.path, "spec.cache.volume.request");
    v = image();
    v["spec"]["build"] = json!({"env": [{"name": "A", "value": 17}]});
    let e = (info.admit.unwrap())(&v, &Context::default()).unwrap_err();
    assert_eq!(e.path, "spec.build.env[0].value");
    v = image();
    v["metadata"]["ownerReferences"] = json!([]);
    assert!(
        (info.admit.unwrap())(&v, &Context::default()).is_ok(),
        "metadata is lenient"
    );
}
