//! OCI distribution against a real registry (Debian's docker-registry on 127.0.0.1): push and
//! pull by tag and digest, a catalog naming OCI modules (online, offline, tampered), registry
//! credentials, a registry speaking TLS, the older wasm-to-oci layer type, a module mirrored
//! with skopeo, and a Go guest run through kpt.

use crate::catalog::{catalog_yaml, sha256_hex};
use crate::cli::{CONFIG, resource_list};
use crate::registry::{Auth, Registry, certificate_authority, free_port};
use crate::support::*;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};

/// krmwasm with a cache of its own and docker credentials from `docker_config`.
fn krmwasm_with(cache: &Path, docker_config: &Path) -> Command {
    let mut cmd = krmwasm();
    cmd.env("KRMWASM_CACHE_DIR", cache)
        .env("DOCKER_CONFIG", docker_config);
    cmd
}

/// Writes the built-in functions' catalog to `file`, their modules named by `module_uri`
/// (`{name}` and `{version}` filled in).
fn build_catalog(module_uri: &str, file: &Path) {
    stdout_of(
        &krmwasm()
            .args(["catalog", "build", "--module-uri", module_uri, "-o"])
            .arg(file)
            .output()
            .unwrap(),
    );
}

fn stdout_of(out: &Output) -> String {
    assert_success(out);
    text(&out.stdout)
}

#[test]
fn modules_and_catalogs_are_pushed_and_pulled_by_tag_and_digest() {
    let registry = Registry::start(Auth::Anonymous);
    let (cache, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let krm = || krmwasm_with(cache.path(), &registry.docker_config_dir());
    let addr = registry.addr();
    let reference = format!("{addr}/krmwasm/kpack-image:0.1.0");

    let out = krm()
        .args(["push", "kpack-image", &reference])
        .output()
        .unwrap();
    let pushed = stdout_of(&out);
    assert!(
        text(&out.stderr).contains("pushing module"),
        "{}",
        text(&out.stderr)
    );
    let pinned = pushed.trim_end().to_string();
    assert!(
        pinned.starts_with(&format!("{addr}/krmwasm/kpack-image@sha256:")),
        "{pushed}"
    );
    assert_eq!(
        pushed.lines().count(),
        1,
        "one line, for REF=$(krmwasm push …): {pushed}"
    );
    assert!(
        text(&out.stderr).contains("layer sha256:"),
        "{}",
        text(&out.stderr)
    );

    // The CNCF Wasm artifact layout.
    let (status, manifest) = registry.get("/v2/krmwasm/kpack-image/manifests/0.1.0");
    assert_eq!(status, 200, "{manifest}");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
    // ORAS saves a layer under its title.
    assert_eq!(
        manifest["layers"][0]["annotations"]["org.opencontainers.image.title"],
        "kpack-image.wasm"
    );
    let (_, tags) = registry.get("/v2/krmwasm/kpack-image/tags/list");
    assert!(tags.contains("0.1.0"), "{tags}");

    // By tag and by digest, the bytes are the built-in module the catalog names.
    let catalog = std::fs::read_to_string(repo_root().join("catalog.yaml")).unwrap();
    for source in [reference.as_str(), pinned.as_str()] {
        let file = work.path().join("pulled.wasm");
        let out = krm()
            .args(["pull", source, "-o"])
            .arg(&file)
            .output()
            .unwrap();
        stdout_of(&out);
        let digest = sha256_hex(&std::fs::read(&file).unwrap());
        assert!(
            catalog.contains(&digest),
            "{source}: {digest} is not in catalog.yaml"
        );
    }

    // A catalog travels the same way, and comes back byte for byte.
    let catalog_ref = format!("oci://{addr}/krmwasm/catalog:0.1.0");
    stdout_of(
        &krm()
            .arg("push")
            .arg(repo_root().join("catalog.yaml"))
            .arg(&catalog_ref)
            .output()
            .unwrap(),
    );
    let file = work.path().join("catalog.yaml");
    stdout_of(
        &krm()
            .args(["pull", &catalog_ref, "-o"])
            .arg(&file)
            .output()
            .unwrap(),
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), catalog);

    // Something that is neither is not pushed.
    let junk = work.path().join("junk.yaml");
    std::fs::write(&junk, "apiVersion: v1\nkind: ConfigMap\n").unwrap();
    let out = krm()
        .arg("push")
        .arg(&junk)
        .arg(format!("{addr}/krmwasm/junk:1"))
        .output()
        .unwrap();
    assert_failed_with(&out, &["not a valid catalog"]);

    // A missing tag is named.
    let out = krm()
        .args(["pull", &format!("{addr}/krmwasm/kpack-image:9.9.9")])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert_failed_with(&out, &["kpack-image:9.9.9"]);
}

#[test]
fn a_catalog_in_a_registry_runs_its_modules_online_offline_and_refuses_a_swapped_one() {
    let registry = Registry::start(Auth::Anonymous);
    let (publish_cache, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let docker = registry.docker_config_dir();
    let addr = registry.addr();
    for name in ["kpack-image", "kpack-builder", "kpack-validate"] {
        let out = krmwasm_with(publish_cache.path(), &docker)
            .args(["push", name, &format!("{addr}/krmwasm/{name}:0.1.0")])
            .output()
            .unwrap();
        stdout_of(&out);
    }
    let catalog_file = work.path().join("catalog.yaml");
    build_catalog(
        &format!("oci://{addr}/krmwasm/{{name}}:{{version}}"),
        &catalog_file,
    );
    let catalog_ref = format!("oci://{addr}/krmwasm/catalog:0.1.0");
    let pushed = stdout_of(
        &krmwasm_with(publish_cache.path(), &docker)
            .arg("push")
            .arg(&catalog_file)
            .arg(&catalog_ref)
            .output()
            .unwrap(),
    );
    let catalog_by_digest = format!("oci://{}", pushed.lines().next().unwrap());

    let expected = stdout_of(&run_with_stdin(
        &mut krmwasm(),
        resource_list(CONFIG).as_bytes(),
    ));
    let cache = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut cmd = krmwasm_with(cache.path(), &docker);
        cmd.args(["--trusted-catalog", &catalog_ref]).args(extra);
        run_with_stdin(&mut cmd, resource_list(CONFIG).as_bytes())
    };

    // Nothing cached yet: offline fails and says what is missing.
    let out = run(&["--offline"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("not in the cache") && stderr.contains("--offline"),
        "{stderr}"
    );

    // Online: the catalog and the module come from the registry, the result is the built-in's.
    let out = run(&[]);
    assert_eq!(stdout_of(&out), expected);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("krmwasm/catalog:0.1.0") && stderr.contains("krmwasm/kpack-image:0.1.0"),
        "{stderr}"
    );

    // Offline now works from the cache, for the tag and for the catalog pinned by digest.
    assert_eq!(stdout_of(&run(&["--offline"])), expected);
    let mut pinned = krmwasm_with(cache.path(), &docker);
    pinned
        .args(["--trusted-catalog", &catalog_by_digest])
        .env("KRMWASM_OFFLINE", "1");
    let out = run_with_stdin(&mut pinned, resource_list(CONFIG).as_bytes());
    assert_eq!(stdout_of(&out), expected);
    // Pinned by digest, even online nothing is fetched again, and the reference is found by
    // its text without being parsed again (which costs a regex's compile).
    let mut pinned = krmwasm_with(cache.path(), &docker);
    pinned.args(["-v", "--trusted-catalog", &catalog_by_digest]);
    let out = run_with_stdin(&mut pinned, resource_list(CONFIG).as_bytes());
    assert_eq!(stdout_of(&out), expected);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("pulling"), "{stderr}");
    let text_found = format!(
        "{}: found in the cache",
        &catalog_by_digest["oci://".len()..]
    );
    assert!(stderr.contains(&text_found), "{stderr}");
    // A cache where that note cannot be written (as root, a file in the way of its
    // directory): found as before, without a warning, since nothing was fetched.
    let pinned_notes = cache.path().join("pinned");
    std::fs::remove_dir_all(&pinned_notes).unwrap();
    std::fs::write(&pinned_notes, "").unwrap();
    let mut pinned = krmwasm_with(cache.path(), &docker);
    pinned.args(["--offline", "--trusted-catalog", &catalog_by_digest]);
    let out = run_with_stdin(&mut pinned, resource_list(CONFIG).as_bytes());
    assert_eq!(stdout_of(&out), expected);
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );

    // Someone moves the tag to another module: a fresh cache fetches it and refuses it.
    stdout_of(
        &krmwasm_with(publish_cache.path(), &docker)
            .args([
                "push",
                "kpack-validate",
                &format!("{addr}/krmwasm/kpack-image:0.1.0"),
            ])
            .output()
            .unwrap(),
    );
    let fresh = tempfile::tempdir().unwrap();
    let mut cmd = krmwasm_with(fresh.path(), &docker);
    cmd.args(["--trusted-catalog", &catalog_ref]);
    let out = run_with_stdin(&mut cmd, resource_list(CONFIG).as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refusing to run ImageConfig"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn an_authenticated_registry_takes_docker_credentials() {
    let registry = Registry::start(Auth::Htpasswd {
        user: "krm",
        password: "s3cret",
    });
    let (cache, nobody) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let reference = format!("{}/krmwasm/kpack-image:0.1.0", registry.addr());

    // No credentials: refused, and the message says where credentials come from.
    let out = krmwasm_with(cache.path(), nobody.path())
        .args(["push", "kpack-image", &reference])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("config.json"), "{stderr}");

    // Credentials sent and refused: said so, not "wants credentials".
    let wrong = tempfile::tempdir().unwrap();
    // base64("krm:wrong")
    let config = format!(
        r#"{{"auths":{{"{}":{{"auth":"a3JtOndyb25n"}}}}}}"#,
        registry.addr()
    );
    std::fs::write(wrong.path().join("config.json"), config).unwrap();
    let out = krmwasm_with(cache.path(), wrong.path())
        .args(["push", "kpack-image", &reference])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refused the credentials"), "{stderr}");

    stdout_of(
        &krmwasm_with(cache.path(), &registry.docker_config_dir())
            .args(["push", "kpack-image", &reference])
            .output()
            .unwrap(),
    );
    let file = cache.path().join("pulled.wasm");
    stdout_of(
        &krmwasm_with(cache.path(), &registry.docker_config_dir())
            .args(["pull", &reference, "-o"])
            .arg(&file)
            .output()
            .unwrap(),
    );
    assert!(std::fs::read(&file).unwrap().starts_with(b"\0asm"));
}

/// A loopback registry that speaks TLS is spoken to over HTTPS, its certificate checked
/// against the CAs the platform trusts (here SSL_CERT_FILE, as for a private CA): refused,
/// with what to do, when no trusted CA signed it; taken unchecked from a registry named with
/// --insecure-registry. The registry speaks nothing but TLS, so every success went over HTTPS.
#[test]
fn a_registry_speaking_tls_is_reached_over_https_with_its_certificate_checked() {
    let registry = Registry::start_tls();
    let (cache, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let other_ca = certificate_authority(work.path(), "other");
    let addr = registry.addr();
    let reference = format!("{addr}/krmwasm/kpack-image:0.1.0");
    let trusting = |ca: &Path| {
        let mut cmd = krmwasm_with(cache.path(), &registry.docker_config_dir());
        cmd.env("SSL_CERT_FILE", ca).env_remove("SSL_CERT_DIR");
        cmd
    };

    let out = trusting(&other_ca)
        .args(["push", "kpack-image", &reference])
        .output()
        .unwrap();
    assert_failed_with(
        &out,
        &[
            &format!("cannot push to {reference}"),
            "https://",
            "UnknownIssuer",
            "SSL_CERT_FILE",
            &format!("`--insecure-registry {addr}`"),
        ],
    );
    assert!(out.stdout.is_empty());
    // Nothing was pushed: the trusted pull below finds no such repository first.
    let pulled = work.path().join("pulled.wasm");
    let out = trusting(&registry.ca_file())
        .args(["pull", &reference, "-o"])
        .arg(&pulled)
        .output()
        .unwrap();
    assert_failed_with(&out, &["no such repository, tag or digest"]);
    assert!(!pulled.exists());

    let pushed = stdout_of(
        &trusting(&registry.ca_file())
            .args(["-v", "push", "kpack-image", &reference])
            .output()
            .unwrap(),
    );
    let manifest_digest = pushed.trim_end().rsplit_once('@').unwrap().1.to_string();
    // `-v` pulls of the pushed manifest into `file`: what they said on stderr.
    let pull = |cmd: &mut Command, file: &Path| {
        let out = cmd
            .args(["-v", "pull", &reference, "-o"])
            .arg(file)
            .output()
            .unwrap();
        assert!(
            stdout_of(&out).contains(&manifest_digest),
            "{}",
            text(&out.stdout)
        );
        text(&out.stderr)
    };
    let stderr = pull(&mut trusting(&registry.ca_file()), &pulled);
    assert!(
        stderr.contains(&format!("speaking to {addr} over HTTPS")),
        "{stderr}"
    );
    assert!(std::fs::read(&pulled).unwrap().starts_with(b"\0asm"));

    // Named insecure, with no CA for it: any certificate is taken. A fresh cache, so the
    // pull asks the registry.
    let fresh = tempfile::tempdir().unwrap();
    let again = work.path().join("again.wasm");
    let mut insecure = krmwasm_with(fresh.path(), &registry.docker_config_dir());
    insecure
        .env("SSL_CERT_FILE", &other_ca)
        .args(["--insecure-registry", &addr]);
    let stderr = pull(&mut insecure, &again);
    assert!(stderr.contains("certificate unchecked"), "{stderr}");
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&pulled).unwrap()
    );
}

/// A registry that cannot be reached is reported with the transport's cause, not only
/// "error sending request", and with what to check.
#[test]
fn an_unreachable_registry_is_reported_with_its_cause() {
    let port = free_port();
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("pulled.wasm");
    let out = krmwasm_with(tmp.path(), tmp.path())
        .args(["pull", &format!("127.0.0.1:{port}/krmwasm/gone:1"), "-o"])
        .arg(&target)
        .output()
        .unwrap();
    assert_failed_with(
        &out,
        &[
            &format!("cannot pull 127.0.0.1:{port}/krmwasm/gone:1"),
            "Connection refused",
            "--offline",
        ],
    );
    assert!(!target.exists());
}

/// Modules are mirrored with the registries' own tools, not krmwasm: skopeo copies a pushed
/// module into an OCI layout (as an air-gapped transfer carries it) and from there into another
/// repository. The manifest keeps its digest, the layer is the module, and a catalog naming
/// the mirror runs it.
#[test]
fn a_module_mirrored_with_skopeo_keeps_its_digest_and_runs_from_the_mirror() {
    let skopeo = require_tool("skopeo");
    let registry = Registry::start(Auth::Anonymous);
    let (cache, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let docker = registry.docker_config_dir();
    let addr = registry.addr();
    let pushed = stdout_of(
        &krmwasm_with(cache.path(), &docker)
            .args([
                "push",
                "kpack-image",
                &format!("{addr}/krmwasm/kpack-image:0.1.0"),
            ])
            .output()
            .unwrap(),
    );
    let digest = pushed.trim_end().rsplit_once('@').unwrap().1.to_string();

    let layout = work.path().join("layout");
    let copy = |from: String, to: String| {
        let out = Command::new(&skopeo)
            .args([
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
            ])
            .arg("--authfile")
            .arg(docker.join("config.json"))
            .args([&from, &to])
            .output()
            .unwrap();
        assert_success(&out);
    };
    copy(
        format!("docker://{addr}/krmwasm/kpack-image:0.1.0"),
        format!("oci:{}:0.1.0", layout.display()),
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"][0]["digest"], digest.as_str(), "{index}");
    let blob = |digest: &str| {
        let hex = digest.strip_prefix("sha256:").unwrap();
        std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap()
    };
    let manifest: serde_json::Value = serde_json::from_slice(&blob(&digest)).unwrap();
    let module = blob(manifest["layers"][0]["digest"].as_str().unwrap());
    let catalog = std::fs::read_to_string(repo_root().join("catalog.yaml")).unwrap();
    assert!(
        catalog.contains(&format!("sha256: {}", sha256_hex(&module))),
        "the layer skopeo saved is not the module catalog.yaml names"
    );

    copy(
        format!("oci:{}:0.1.0", layout.display()),
        format!("docker://{addr}/mirror/kpack-image:0.1.0"),
    );
    let (status, _) = registry.get(&format!("/v2/mirror/kpack-image/manifests/{digest}"));
    assert_eq!(
        status, 200,
        "the mirror does not hold the manifest by its digest"
    );

    let mirror_catalog = work.path().join("catalog.yaml");
    build_catalog(
        &format!("oci://{addr}/mirror/{{name}}:{{version}}"),
        &mirror_catalog,
    );
    let expected = stdout_of(&run_with_stdin(
        &mut krmwasm(),
        resource_list(CONFIG).as_bytes(),
    ));
    let fresh = tempfile::tempdir().unwrap();
    let mut cmd = krmwasm_with(fresh.path(), &docker);
    cmd.arg("--trusted-catalog").arg(&mirror_catalog);
    let out = run_with_stdin(&mut cmd, resource_list(CONFIG).as_bytes());
    assert_eq!(stdout_of(&out), expected);
    assert!(
        text(&out.stderr).contains("mirror/kpack-image:0.1.0"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_older_wasm_to_oci_layer_type_is_pulled() {
    let registry = Registry::start(Auth::Anonymous);
    let wasm = crate::catalog::marker_module("legacy");
    let addr = registry.addr();
    push_legacy_artifact(&addr, "legacy/fn", "v1", &wasm);
    let cache = tempfile::tempdir().unwrap();
    let file = cache.path().join("fn.wasm");
    stdout_of(
        &krmwasm_with(cache.path(), &registry.docker_config_dir())
            .args(["pull", &format!("{addr}/legacy/fn:v1"), "-o"])
            .arg(&file)
            .output()
            .unwrap(),
    );
    assert_eq!(std::fs::read(&file).unwrap(), wasm);
}

#[test]
fn a_go_guest_from_the_registry_runs_through_kpt_once_its_catalog_is_trusted() {
    let wasm_path = crate::guests::build_set_labels_go();
    let wasm = std::fs::read(&wasm_path).unwrap();
    let registry = Registry::start(Auth::Anonymous);
    let (cache, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let docker = registry.docker_config_dir();
    let reference = format!("{}/fns/set-labels:v1", registry.addr());
    stdout_of(
        &krmwasm_with(cache.path(), &docker)
            .arg("push")
            .arg(&wasm_path)
            .arg(&reference)
            .output()
            .unwrap(),
    );
    let catalog = work.path().join("catalog.yaml");
    std::fs::write(
        &catalog,
        catalog_yaml(
            "example.krmwasm.dev",
            "SetLabels",
            &format!("oci://{reference}"),
            &sha256_hex(&wasm),
        ),
    )
    .unwrap();

    let package = work.path().join("pkg");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(
        package.join("Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\npipeline:\n  mutators:\n  - exec: krmwasm\n    configPath: set-labels.yaml\n",
    )
    .unwrap();
    std::fs::write(
        package.join("set-labels.yaml"),
        "apiVersion: example.krmwasm.dev/v1alpha1\nkind: SetLabels\nmetadata:\n  name: labels\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\nspec:\n  labels:\n    team: shop\n",
    )
    .unwrap();
    std::fs::write(
        package.join("config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n",
    )
    .unwrap();
    let render = |trusted: Option<&Path>| {
        let mut cmd = Command::new(require_tool("kpt"));
        cmd.args(["fn", "render", "--allow-exec", "--truncate-output=false"])
            .current_dir(&package)
            .env("PATH", path_with_krmwasm())
            .env("KRMWASM_CONFIG", no_user_config())
            .env("KRMWASM_CACHE_DIR", cache.path())
            .env("DOCKER_CONFIG", &docker)
            .env_remove("KRMWASM_TRUSTED_CATALOGS");
        if let Some(catalog) = trusted {
            cmd.env("KRMWASM_TRUSTED_CATALOGS", catalog);
        }
        cmd.output().unwrap()
    };

    // Untrusted: kpt fails with krmwasm's advice, and the package is unchanged.
    let out = render(None);
    assert!(!out.status.success());
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("KRMWASM_TRUSTED_CATALOGS"), "{all}");
    assert!(
        !std::fs::read_to_string(package.join("config.yaml"))
            .unwrap()
            .contains("team")
    );

    let out = render(Some(&catalog));
    assert_success(&out);
    let config = std::fs::read_to_string(package.join("config.yaml")).unwrap();
    let config = krm::codec::parse_value(config.as_bytes()).unwrap();
    assert_eq!(config["metadata"]["labels"]["team"], "shop", "{config}");
    let labels = std::fs::read_to_string(package.join("set-labels.yaml")).unwrap();
    assert!(
        !labels.contains("team: shop\n    "),
        "local config was labelled: {labels}"
    );
    // KEP-4944: the same module named by image on the functionConfig, allowed by digest.
    let input = format!(
        "kind: ResourceList\nitems:\n- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c}}}}\nfunctionConfig:\n  apiVersion: example.krmwasm.dev/v1alpha1\n  kind: SetLabels\n  metadata:\n    name: labels\n    annotations:\n      config.kubernetes.io/function: 'wasip1: {{image: {reference}}}'\n  spec: {{labels: {{team: web}}}}\n"
    );
    let mut cmd = krmwasm_with(cache.path(), &docker);
    let out = run_with_stdin(&mut cmd, input.as_bytes());
    assert_failed_with(&out, &["--allow-module"]);
    let mut cmd = krmwasm_with(cache.path(), &docker);
    cmd.env(
        "KRMWASM_ALLOWED_MODULES",
        format!("sha256:{}", sha256_hex(&wasm)),
    );
    let out = run_with_stdin(&mut cmd, input.as_bytes());
    let list = krm::codec::parse_resource_list(stdout_of(&out).as_bytes()).unwrap();
    assert_eq!(list.items[0]["metadata"]["labels"]["team"], "web");
}

/// Pushes `wasm` the way wasm-to-oci did (layer `application/vnd.wasm.content.layer.v1+wasm`,
/// config `application/vnd.wasm.config.v1+json`), with plain HTTP requests.
fn push_legacy_artifact(addr: &str, repository: &str, tag: &str, wasm: &[u8]) {
    let config = b"{}".to_vec();
    for blob in [wasm, config.as_slice()] {
        let (status, headers, _) = http(
            addr,
            "POST",
            &format!("/v2/{repository}/blobs/uploads/"),
            "",
            &[],
        );
        assert_eq!(status, 202, "starting an upload");
        let location = header(&headers, "location");
        let path = location
            .split_once("://")
            .map(|(_, rest)| &rest[rest.find('/').unwrap()..])
            .unwrap_or(&location)
            .to_string();
        let separator = if path.contains('?') { '&' } else { '?' };
        let (status, _, body) = http(
            addr,
            "PUT",
            &format!("{path}{separator}digest=sha256:{}", sha256_hex(blob)),
            "application/octet-stream",
            blob,
        );
        assert_eq!(status, 201, "{body}");
    }
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.wasm.config.v1+json", "digest": format!("sha256:{}", sha256_hex(&config)), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.wasm.content.layer.v1+wasm", "digest": format!("sha256:{}", sha256_hex(wasm)), "size": wasm.len()}]
    })
    .to_string();
    let (status, _, body) = http(
        addr,
        "PUT",
        &format!("/v2/{repository}/manifests/{tag}"),
        "application/vnd.oci.image.manifest.v1+json",
        manifest.as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
}

/// One HTTP/1.1 request over a fresh connection: status, raw headers, body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !content_type.is_empty() {
        request.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn header(head: &str, name: &str) -> String {
    head.lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {name} header in {head}"))
}

/// Push publishes only what its consumers can use, and the same module twice is the same
/// manifest.
#[test]
fn push_refuses_what_cannot_be_used_and_is_reproducible() {
    let registry = Registry::start(Auth::Anonymous);
    let (cache, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let krm = || krmwasm_with(cache.path(), &registry.docker_config_dir());
    let addr = registry.addr();
    let refused = |file: &Path, reference: &str, says: &str| {
        let out = krm().arg("push").arg(file).arg(reference).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    };
    let component = work.path().join("component.wasm");
    std::fs::write(&component, b"\0asm\x0d\x00\x01\x00").unwrap();
    refused(
        &component,
        &format!("{addr}/fns/c:1"),
        "not a core WebAssembly module",
    );
    let junk = work.path().join("junk.wasm");
    std::fs::write(&junk, b"\0asm\x01\x00\x00\x00junk").unwrap();
    refused(
        &junk,
        &format!("{addr}/fns/j:1"),
        "not a valid WebAssembly module",
    );
    let by_path = work.path().join("catalog.yaml");
    std::fs::write(
        &by_path,
        catalog_yaml("example.com", "Thing", "m.wasm", &"0".repeat(64)),
    )
    .unwrap();
    refused(&by_path, &format!("{addr}/fns/cat:1"), "a path");
    let digest = format!("{addr}/fns/m@sha256:{}", "0".repeat(64));
    let module = work.path().join("m.wasm");
    std::fs::write(&module, wat::parse_str("(module)").unwrap()).unwrap();
    refused(&module, &digest, "a push names a tag");

    let push = |tag: &str| {
        let out = krm()
            .arg("push")
            .arg(&module)
            .arg(format!("{addr}/fns/m:{tag}"))
            .output()
            .unwrap();
        let pushed = stdout_of(&out);
        pushed.trim_end().rsplit('@').next().unwrap().to_string()
    };
    let manifest_digest = push("1");
    assert_eq!(manifest_digest, push("2"), "one module, one manifest");

    // An image index (what a multi-platform image is) is named as one.
    let (_, manifest) = registry.get("/v2/fns/m/manifests/1");
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": manifest_digest, "size": manifest.len(),
                       "platform": {"architecture": "wasm", "os": "wasip1"}}]
    })
    .to_string();
    let (status, _, body) = http(
        &addr,
        "PUT",
        "/v2/fns/m/manifests/index",
        "application/vnd.oci.image.index.v1+json",
        index.as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
    let pull_fails = |tag: &str, says: &str| {
        let out = krm()
            .args(["pull", &format!("{addr}/fns/m:{tag}"), "-o", "-"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    };
    pull_fails("index", "image index");
    pull_fails("nope", "no such repository, tag or digest");

    // A cache that cannot be written (a read-only HOME) does not stop a pull.
    let not_a_dir = work.path().join("cache-file");
    std::fs::write(&not_a_dir, "").unwrap();
    let pulled = work.path().join("pulled.wasm");
    let out = krmwasm_with(&not_a_dir, &registry.docker_config_dir())
        .arg("pull")
        .arg(format!("{addr}/fns/m:1"))
        .arg("-o")
        .arg(&pulled)
        .output()
        .unwrap();
    assert_success(&out);
    assert!(text(&out.stderr).contains("warning: cannot keep what was fetched"));
    assert_eq!(
        std::fs::read(&pulled).unwrap(),
        std::fs::read(&module).unwrap()
    );
}
