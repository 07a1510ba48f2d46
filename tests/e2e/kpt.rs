//! `kpt fn render --allow-exec` on examples/kpt/shop, whose Kptfile runs `exec: krmwasm`.

use crate::support::*;
use krm::Object;
use std::path::Path;
use std::process::Output;

fn render(package: &Path) -> Output {
    let kpt = require_tool("kpt");
    std::process::Command::new(kpt)
        .args(["fn", "render", "--allow-exec", "--truncate-output=false"])
        .current_dir(package)
        .env("PATH", path_with_krmwasm())
        .env("KRMWASM_CONFIG", no_user_config())
        .env("KRMWASM_CACHE_DIR", cache_dir())
        .output()
        .unwrap()
}

fn shop_package() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let package = tmp.path().join("shop");
    copy_dir(&repo_root().join("examples/kpt/shop"), &package);
    (tmp, package)
}

#[test]
fn kpt_render_writes_the_images_and_keeps_comments() {
    let (_tmp, package) = shop_package();
    let before = snapshot(&package);
    let out = render(&package);
    assert_success(&out);
    let after = snapshot(&package);

    let cart =
        krm::codec::parse_value(after[Path::new("apps/image_cart.yaml")].as_bytes()).unwrap();
    assert_eq!(cart.kind(), Some("Image"));
    assert_eq!(cart.namespace(), Some("apps"));
    assert_eq!(cart["spec"]["tag"], "registry.example.com/shop/cart");
    assert_eq!(cart["spec"]["serviceAccountName"], "shop-build");
    let web = krm::codec::parse_value(after[Path::new("apps/image_web.yaml")].as_bytes()).unwrap();
    assert_eq!(
        web["spec"]["source"]["blob"]["url"],
        "https://artifacts.example.com/web.tgz"
    );
    let sa =
        krm::codec::parse_value(after[Path::new("apps/serviceaccount_shop-build.yaml")].as_bytes())
            .unwrap();
    assert_eq!(sa["secrets"][0]["name"], "regcred");
    assert!(
        !after
            .values()
            .any(|f| f.contains("internal.config.kubernetes.io")),
        "orchestrator annotations leaked into files"
    );

    // The package's own files, comments included, come back exactly as they were.
    for file in [
        "namespace.yaml",
        "image-config.yaml",
        "Kptfile",
        "README.md",
    ] {
        assert_eq!(
            before[Path::new(file)],
            after[Path::new(file)],
            "{file} changed"
        );
    }
    assert!(after[Path::new("namespace.yaml")].contains("# shared with the runtime deployments"));
    assert!(after[Path::new("Kptfile")].contains("# krmwasm must be on PATH"));

    // Rendering again changes nothing.
    assert_success(&render(&package));
    assert_eq!(
        after,
        snapshot(&package),
        "a second render changed the package"
    );
}

#[test]
fn kpt_render_leaves_scalars_of_other_resources_as_written() {
    // Each of these reads as a number or a string that YAML would write otherwise (1.1,
    // '0755', 1000.0, 15, 31, …): to Kubernetes, Helm or a Go string field, a changed value.
    // Quotes, flow collections and comments are kept too: the functions return the resource
    // unchanged, and krmwasm writes it back in its own text.
    let release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: apps\n  annotations: {config.kubernetes.io/local-config: \"false\"}\nspec:\n  chart:\n    spec:\n      chart: \"podinfo\" # quoted\n      version: 1.10\n  values:\n    defaultMode: 0755\n    octal: 0o17\n    hex: 0x1F\n    size: 1e3\n    ratio: .5\n    plus: +12\n    enabled: True\n    none: ~\n    replicas: 3\n    list: [1.50, 2.0e+3]\n";
    let (_tmp, package) = shop_package();
    std::fs::write(package.join("helmrelease.yaml"), release).unwrap();
    let out = render(&package);
    assert_success(&out);
    let after = std::fs::read_to_string(package.join("helmrelease.yaml")).unwrap();
    assert_eq!(after, release);
    let kptfile = std::fs::read_to_string(package.join("Kptfile")).unwrap();
    assert_eq!(
        kptfile,
        std::fs::read_to_string(repo_root().join("examples/kpt/shop/Kptfile")).unwrap()
    );
}

#[test]
fn kpt_render_follows_config_edits_in_place() {
    let (_tmp, package) = shop_package();
    assert_success(&render(&package));
    let config_path = package.join("image-config.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    // Drop the "web" image and change a default.
    let edited = config
        .split("    - name: web")
        .next()
        .unwrap()
        .replace("BP_JVM_VERSION: '21'", "BP_JVM_VERSION: '17' # LTS");
    std::fs::write(&config_path, &edited).unwrap();
    std::fs::write(
        package.join("apps/image_cart.yaml"),
        format!(
            "# owned by krmwasm\n{}",
            std::fs::read_to_string(package.join("apps/image_cart.yaml")).unwrap()
        ),
    )
    .unwrap();

    assert_success(&render(&package));
    let after = snapshot(&package);
    assert!(
        !after.contains_key(Path::new("apps/image_web.yaml")),
        "web is no longer configured"
    );
    let cart = &after[Path::new("apps/image_cart.yaml")];
    assert!(cart.contains("value: '17'"), "{cart}");
    assert!(
        cart.starts_with("# owned by krmwasm"),
        "comment lost:\n{cart}"
    );
    assert!(after[Path::new("image-config.yaml")].contains("# LTS"));
}

/// A subpackage with its own ImageConfig of the same name, in another namespace: kpt renders
/// it, then the parent's pipeline sees its objects. Each config owns only its own.
#[test]
fn kpt_render_keeps_the_objects_of_a_config_of_the_same_name_in_another_namespace() {
    let (_tmp, package) = shop_package();
    let team = package.join("team2");
    copy_dir(&repo_root().join("examples/kpt/shop"), &team);
    for file in [
        "image-config.yaml",
        "namespace.yaml",
        "validator-config.yaml",
    ] {
        let path = team.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("apps", "team2")).unwrap();
    }
    let kptfile = team.join("Kptfile");
    let text = std::fs::read_to_string(&kptfile).unwrap();
    std::fs::write(&kptfile, text.replace("name: shop", "name: team2")).unwrap();

    let out = render(&package);
    assert_success(&out);
    let after = snapshot(&package);
    for file in ["apps/image_cart.yaml", "team2/team2/image_cart.yaml"] {
        assert!(
            after.contains_key(Path::new(file)),
            "{file} missing: {:#?}",
            after.keys().collect::<Vec<_>>()
        );
    }
    assert!(
        after[Path::new("team2/team2/image_cart.yaml")]
            .contains("kpack.krmwasm.dev/generated-by: ImageConfig/team2/shop"),
        "{}",
        after[Path::new("team2/team2/image_cart.yaml")]
    );
    assert_success(&render(&package));
    assert_eq!(snapshot(&package), after, "a second render changes nothing");
}

/// `kpt fn eval -- key=value` hands the validator a ConfigMap: its data are the settings.
#[test]
fn kpt_fn_eval_passes_key_value_settings_to_the_validator() {
    let (_tmp, package) = shop_package();
    assert_success(&render(&package));
    let eval = |settings: &[&str]| {
        std::process::Command::new(require_tool("kpt"))
            .args([
                "fn",
                "eval",
                ".",
                "--exec",
                "krmwasm run kpack-validate",
                "--",
            ])
            .args(settings)
            .current_dir(&package)
            .env("PATH", path_with_krmwasm())
            .env("KRMWASM_CONFIG", no_user_config())
            .env("KRMWASM_CACHE_DIR", cache_dir())
            .output()
            .unwrap()
    };
    assert_success(&eval(&[
        "defaultStorageClass=true",
        "externalReferences=ignore",
    ]));
    let out = eval(&["allowedRegistries=quay.io", "externalReferences=ignore"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("not from an allowed registry (quay.io)"),
        "{stderr}"
    );
}

#[test]
fn kpt_render_fails_on_a_bad_config_and_changes_nothing() {
    let (_tmp, package) = shop_package();
    let config_path = package.join("image-config.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(
        &config_path,
        config.replace("    builder: java", "    buildr: java"),
    )
    .unwrap();
    let before = snapshot(&package);

    let out = render(&package);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(report.contains("spec.defaults.buildr"), "{report}");
    assert!(report.contains("unknown field `buildr`"), "{report}");
    assert!(
        report.contains("image-config.yaml"),
        "the file is not named:\n{report}"
    );
    assert_eq!(
        before,
        snapshot(&package),
        "a failed render changed the package"
    );
}

#[test]
fn kpt_render_runs_the_validator_and_a_finding_fails_it() {
    let (_tmp, package) = shop_package();
    // A hand-written Image with a digest as its tag and a registry the policy does not allow.
    std::fs::write(
        package.join("legacy-image.yaml"),
        "apiVersion: kpack.io/v1alpha2\nkind: Image\nmetadata:\n  name: legacy\n  namespace: apps\nspec:\n  tag: docker.io/shop/legacy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n  builder: {kind: ClusterBuilder, name: java}\n  source: {git: {url: https://github.com/example/legacy, revision: main}}\n",
    )
    .unwrap();
    let before = snapshot(&package);
    let out = render(&package);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        report.contains("kpack.io/v1alpha2/Image/apps/legacy spec.tag: invalid value"),
        "{report}"
    );
    assert!(
        report.contains("is not from an allowed registry"),
        "{report}"
    );
    assert_eq!(
        before,
        snapshot(&package),
        "a failed render changed the package"
    );
}

#[test]
fn kpt_render_expands_a_builder_config_and_validates_it() {
    let tmp = tempfile::tempdir().unwrap();
    let package = tmp.path().join("builders");
    copy_dir(&repo_root().join("examples/kpt/builders"), &package);
    let out = render(&package);
    assert_success(&out);
    let files = snapshot(&package);
    let read = |f: &str| {
        krm::codec::parse_value(
            files
                .get(Path::new(f))
                .unwrap_or_else(|| panic!("{f} missing; files: {:?}", files.keys()))
                .as_bytes(),
        )
        .unwrap()
    };
    let builder = read("clusterbuilder_java.yaml");
    assert_eq!(builder["spec"]["order"][0]["group"][0]["version"], "18.5.0");
    assert_eq!(builder["spec"]["stack"]["name"], "java");
    assert_eq!(
        read("clusterstack_java.yaml")["spec"]["id"],
        "io.buildpacks.stacks.jammy"
    );
    assert_eq!(
        read("clusterlifecycle_java.yaml")["kind"],
        "ClusterLifecycle"
    );
    assert_eq!(
        read("clusterbuildpack_java-paketo-buildpacks-java.yaml")["spec"]["image"],
        "registry.example.com/bp/java:18.5.0"
    );
    assert!(files[Path::new("builder-config.yaml")].contains("# resolved to the exact version"));
    assert_success(&render(&package));
    assert_eq!(
        files,
        snapshot(&package),
        "a second render changed the package"
    );
}
