//! `kubectl kustomize --enable-alpha-plugins` with the plugin home laid out by
//! `krmwasm plugins install`, on examples/kustomize/shop (an ImageConfig under `generators:`).

use crate::support::*;
use krm::Object;
use std::path::Path;
use std::process::Output;

fn install_plugins(home: &Path) {
    let out = krmwasm()
        .args(["plugins", "install", "--dir"])
        .arg(home)
        .output()
        .unwrap();
    assert_success(&out);
    let link = home.join("kpack.krmwasm.dev/v1alpha1/imageconfig/ImageConfig");
    assert!(
        text(&out.stdout).contains(&link.display().to_string()),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        std::fs::canonicalize(&link).unwrap(),
        std::fs::canonicalize(krmwasm_path()).unwrap()
    );
}

fn kustomize(dir: &Path, plugin_home: &Path) -> Output {
    let kubectl = require_tool("kubectl");
    std::process::Command::new(kubectl)
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env("KUSTOMIZE_PLUGIN_HOME", plugin_home)
        .env("KRMWASM_CONFIG", no_user_config())
        .env("KRMWASM_CACHE_DIR", cache_dir())
        .output()
        .unwrap()
}

#[test]
fn kubectl_kustomize_generates_images_from_an_image_config() {
    let home = tempfile::tempdir().unwrap();
    install_plugins(home.path());
    let out = kustomize(&repo_root().join("examples/kustomize/shop"), home.path());
    assert_success(&out);
    let docs = krm::codec::parse_stream(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = docs
        .iter()
        .map(|d| (d.kind().unwrap().to_string(), d.name().unwrap().to_string()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("Image".into(), "cart".into()),
            ("Image".into(), "web".into()),
            ("ServiceAccount".into(), "shop-build".into())
        ]
    );
    for d in &docs {
        assert_eq!(
            d.namespace(),
            Some("apps"),
            "kustomize's namespace applies to generated objects"
        );
    }
    let cart = docs.iter().find(|d| d.name() == Some("cart")).unwrap();
    assert_eq!(cart["spec"]["tag"], "registry.example.com/shop/cart");
    assert_eq!(cart["spec"]["builder"]["name"], "java");
}

/// A copy of examples/kustomize/shop with `from` replaced by `to` in its image-config.yaml.
fn shop_with(from: &str, to: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/kustomize/shop"), tmp.path());
    let config = tmp.path().join("image-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains(from),
        "{from:?} is not in the example any more"
    );
    std::fs::write(&config, text.replace(from, to)).unwrap();
    tmp
}

#[test]
fn kubectl_kustomize_fails_with_the_field_at_fault() {
    let home = tempfile::tempdir().unwrap();
    install_plugins(home.path());
    let tmp = shop_with(
        "tag: registry.example.com/shop/web-frontend",
        "tag: registry.example.com/shop/Web",
    );

    let out = kustomize(tmp.path(), home.path());
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("spec.images[1].tag"), "{stderr}");
    assert!(stderr.contains("image \"web\""), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn kubectl_kustomize_generates_builders_from_a_builder_config() {
    let home = tempfile::tempdir().unwrap();
    install_plugins(home.path());
    assert!(
        home.path()
            .join("kpack.krmwasm.dev/v1alpha1/builderconfig/BuilderConfig")
            .exists()
    );
    let out = kustomize(
        &repo_root().join("examples/kustomize/builders"),
        home.path(),
    );
    assert_success(&out);
    let docs = krm::codec::parse_stream(&out.stdout).unwrap();
    let mut kinds: Vec<&str> = docs.iter().map(|d| d.kind().unwrap()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "ClusterBuilder",
            "ClusterBuildpack",
            "ClusterBuildpack",
            "ClusterLifecycle",
            "ClusterStack"
        ]
    );
}

#[test]
fn kubectl_kustomize_runs_the_validator_as_a_transformer() {
    let home = tempfile::tempdir().unwrap();
    install_plugins(home.path());
    // A registry the ValidatorConfig does not allow: kpack-image accepts it, the validator does not.
    let tmp = shop_with(
        "registry: registry.example.com/shop",
        "registry: docker.io/shop",
    );
    let out = kustomize(tmp.path(), home.path());
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("spec.tag") && stderr.contains("is not from an allowed registry"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// namePrefix renames generated objects; examples/kustomize/kpack-name-references.yaml under
/// `configurations:` makes the references between them follow.
#[test]
fn kubectl_kustomize_renames_references_with_the_name_reference_configuration() {
    let home = tempfile::tempdir().unwrap();
    install_plugins(home.path());
    for example in ["shop", "builders"] {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(
            &repo_root().join("examples/kustomize").join(example),
            tmp.path(),
        );
        std::fs::copy(
            repo_root().join("examples/kustomize/kpack-name-references.yaml"),
            tmp.path().join("kpack-name-references.yaml"),
        )
        .unwrap();
        let kustomization = tmp.path().join("kustomization.yaml");
        let mut text = std::fs::read_to_string(&kustomization).unwrap();
        text.push_str("namePrefix: p-\nconfigurations: [kpack-name-references.yaml]\n");
        std::fs::write(&kustomization, text).unwrap();
        let out = kustomize(tmp.path(), home.path());
        assert_success(&out);
        let docs = krm::codec::parse_stream(&out.stdout).unwrap();
        for d in &docs {
            assert!(d.name().unwrap().starts_with("p-"), "{d}");
            let spec = &d["spec"];
            for reference in [
                &spec["serviceAccountName"],
                &spec["stack"]["name"],
                &spec["lifecycle"]["name"],
            ] {
                if let Some(name) = reference.as_str() {
                    assert!(name.starts_with("p-"), "{example}: {d}");
                }
            }
        }
        let referencing = |key: &str| {
            docs.iter()
                .any(|d| d["spec"][key].is_string() || d["spec"][key].is_object())
        };
        match example {
            "shop" => assert!(referencing("serviceAccountName")),
            _ => assert!(referencing("stack") && referencing("lifecycle")),
        }
    }
}
