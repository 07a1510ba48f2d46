//! Catalogs and trust, with file catalogs: resolution order, digest checks, the function
//! annotation (KEP-4944), and the catalog subcommands.

use crate::support::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A WASI module that ignores its input and prints a ResourceList holding one ConfigMap
/// named `marker`, so a test can tell which module ran.
pub fn marker_module(marker: &str) -> Vec<u8> {
    let list = format!(
        r#"{{"kind":"ResourceList","items":[{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{marker}"}}}}]}}"#
    );
    let wat = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) {list:?})
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const {len}))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
        len = list.len()
    );
    wat::parse_str(&wat).expect("valid WAT")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A one-entry catalog for `group/v1alpha1/kind` whose module is at `uri` with `sha256`.
pub fn catalog_yaml(group: &str, kind: &str, uri: &str, sha256: &str) -> String {
    format!(
        "apiVersion: config.kubernetes.io/v1alpha1
kind: KRMFunctionCatalog
metadata:
  name: test
spec:
  krmFunctions:
  - group: {group}
    names:
      kind: {kind}
    description: test function
    publisher: example.com
    versions:
    - name: v1alpha1
      schema:
        openAPIV3Schema: {{type: object}}
      idempotent: true
      runtime:
        wasm:
          uri: {uri}
          sha256: {sha256}
      usage: https://example.com/README.md
      examples: [https://example.com/README.md]
      license: Apache 2.0
"
    )
}

const GROUP: &str = "example.krmwasm.dev";

/// A directory with `marker.wasm` and `catalog.yaml` listing it as kind `Marker`.
fn marker_catalog(dir: &Path, marker: &str) -> PathBuf {
    let wasm = marker_module(marker);
    std::fs::write(dir.join("marker.wasm"), &wasm).unwrap();
    let catalog = dir.join("catalog.yaml");
    std::fs::write(
        &catalog,
        catalog_yaml(GROUP, "Marker", "marker.wasm", &sha256_hex(&wasm)),
    )
    .unwrap();
    catalog
}

fn list_for(api_version: &str, kind: &str, annotations: &str) -> String {
    format!(
        "kind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: {api_version}\n  kind: {kind}\n  metadata:\n    name: x\n    annotations: {{{annotations}}}\n"
    )
}

fn exec(cmd: &mut std::process::Command, input: &str) -> Output {
    run_with_stdin(cmd, input.as_bytes())
}

/// The `metadata.name` of the first item of a YAML ResourceList on stdout.
fn first_item_name(out: &Output) -> String {
    let list = krm::codec::parse_resource_list(&out.stdout).unwrap();
    list.items[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_untrusted_catalog_is_never_used_and_the_error_says_how_to_trust_it() {
    let dir = tempfile::tempdir().unwrap();
    marker_catalog(dir.path(), "from-catalog");
    let out = exec(
        &mut krmwasm(),
        &list_for(&format!("{GROUP}/v1alpha1"), "Marker", ""),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for expected in [
        "no trusted catalog has a function for functionConfig example.krmwasm.dev/v1alpha1/Marker",
        "--trusted-catalog",
        "KRMWASM_TRUSTED_CATALOGS",
        "trustedCatalogs",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    assert!(out.stdout.is_empty());
}

/// KEP-2906 catalogs mix runtimes: a kind a trusted catalog lists only as a container
/// function is named as such, not as missing.
#[test]
fn a_kind_listed_only_as_a_container_function_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.yaml");
    let listed = catalog_yaml(GROUP, "Boxed", "m.wasm", &"0".repeat(64)).replace(
        &format!(
            "wasm:\n          uri: m.wasm\n          sha256: {}",
            "0".repeat(64)
        ),
        "container:\n          image: example.com/fn:v1",
    );
    assert!(listed.contains("container:"), "{listed}");
    std::fs::write(&catalog, listed).unwrap();
    let mut cmd = krmwasm();
    cmd.arg("--trusted-catalog").arg(&catalog);
    let out = exec(
        &mut cmd,
        &list_for(&format!("{GROUP}/v1alpha1"), "Boxed", ""),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("only as a container or exec function"),
        "{stderr}"
    );
}

#[test]
fn a_catalog_is_trusted_by_flag_environment_or_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = marker_catalog(dir.path(), "from-catalog");
    let input = list_for(&format!("{GROUP}/v1alpha1"), "Marker", "");

    let mut by_flag = krmwasm();
    by_flag.arg("--trusted-catalog").arg(&catalog);
    let out = exec(&mut by_flag, &input);
    assert_success(&out);
    assert_eq!(first_item_name(&out), "from-catalog");

    let mut by_env = krmwasm();
    by_env.env("KRMWASM_TRUSTED_CATALOGS", &catalog);
    let out = exec(&mut by_env, &input);
    assert_success(&out);

    // The config file's relative paths are relative to the config file.
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        "apiVersion: krmwasm.dev/v1alpha1\nkind: HostConfig\ntrustedCatalogs: [catalog.yaml]\n",
    )
    .unwrap();
    let mut by_config = krmwasm();
    by_config.env("KRMWASM_CONFIG", &config);
    let out = exec(&mut by_config, &input);
    assert_success(&out);

    // A broken config file is named, with the field.
    std::fs::write(
        &config,
        "apiVersion: krmwasm.dev/v1alpha1\nkind: HostConfig\ntrustedCatalog: [catalog.yaml]\n",
    )
    .unwrap();
    let out = exec(&mut by_config, &input);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("config.yaml") && stderr.contains("trustedCatalog"),
        "{stderr}"
    );
}

#[test]
fn the_first_trusted_catalog_wins_even_over_the_builtin_one() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = marker_catalog(a.path(), "first");
    let second = marker_catalog(b.path(), "second");
    let mut cmd = krmwasm();
    cmd.arg("--trusted-catalog")
        .arg(&first)
        .arg("--trusted-catalog")
        .arg(&second);
    let out = exec(
        &mut cmd,
        &list_for(&format!("{GROUP}/v1alpha1"), "Marker", ""),
    );
    assert_success(&out);
    assert_eq!(first_item_name(&out), "first");

    // A team pins a kind the binary also serves: their catalog is searched first.
    let wasm = marker_module("pinned");
    std::fs::write(a.path().join("pinned.wasm"), &wasm).unwrap();
    let pinned = a.path().join("pinned.yaml");
    std::fs::write(
        &pinned,
        catalog_yaml(
            "kpack.krmwasm.dev",
            "ImageConfig",
            "pinned.wasm",
            &sha256_hex(&wasm),
        ),
    )
    .unwrap();
    let mut cmd = krmwasm();
    cmd.arg("--trusted-catalog").arg(&pinned);
    let out = exec(
        &mut cmd,
        &list_for("kpack.krmwasm.dev/v1alpha1", "ImageConfig", ""),
    );
    assert_success(&out);
    assert_eq!(first_item_name(&out), "pinned");
}

#[test]
fn a_tampered_module_is_refused_even_when_its_compiled_form_is_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let catalog = marker_catalog(dir.path(), "original");
    let input = list_for(&format!("{GROUP}/v1alpha1"), "Marker", "");
    let run = || {
        let mut cmd = krmwasm();
        cmd.env("KRMWASM_CACHE_DIR", cache.path())
            .arg("--trusted-catalog")
            .arg(&catalog);
        exec(&mut cmd, &input)
    };
    assert_success(&run());

    let expected = sha256_hex(&std::fs::read(dir.path().join("marker.wasm")).unwrap());
    let tampered = marker_module("tampered");
    std::fs::write(dir.path().join("marker.wasm"), &tampered).unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refusing to run Marker"), "{stderr}");
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains(&sha256_hex(&tampered)), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));

    let out = krmwasm()
        .args(["catalog", "verify"])
        .arg(&catalog)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("FAIL"), "{}", text(&out.stdout));
}

/// A catalog that cannot be read is named; where it was trusted from is pointed to only when
/// it was trusted, not when it was given to `catalog verify`.
#[test]
fn an_unreadable_catalog_is_named_with_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yaml");
    let shown = missing.display().to_string();

    let out = krmwasm()
        .args(["catalog", "verify"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_failed_with(&out, &[&format!("cannot verify {shown}"), "No such file"]);
    assert!(
        !text(&out.stderr).contains("trusted"),
        "{}",
        text(&out.stderr)
    );

    let out = krmwasm()
        .arg("--trusted-catalog")
        .arg(&missing)
        .args(["catalog", "list"])
        .output()
        .unwrap();
    assert_failed_with(
        &out,
        &[
            "a trusted catalog cannot be read",
            "--trusted-catalog",
            &shown,
        ],
    );

    // A config file named by KRMWASM_CONFIG that is not there: what it trusts would be lost.
    let out = krmwasm()
        .env("KRMWASM_CONFIG", &missing)
        .args(["catalog", "list"])
        .output()
        .unwrap();
    assert_failed_with(&out, &["KRMWASM_CONFIG names", &shown, "not a file"]);
}

#[test]
fn an_annotated_wasip1_module_runs_only_when_its_digest_is_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = marker_module("annotated");
    std::fs::write(dir.path().join("fn.wasm"), &wasm).unwrap();
    let digest = sha256_hex(&wasm);
    let input = list_for(
        "example.com/v1",
        "Anything",
        "config.kubernetes.io/function: 'wasip1: {file: fn.wasm}'",
    );

    let mut untrusted = krmwasm();
    untrusted.current_dir(dir.path());
    let out = exec(&mut untrusted, &input);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refusing to run"), "{stderr}");
    assert!(
        stderr.contains(&format!("--allow-module sha256:{digest}")),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    let mut allowed = krmwasm();
    allowed
        .current_dir(dir.path())
        .args(["--allow-module", &format!("sha256:{digest}")]);
    let out = exec(&mut allowed, &input);
    assert_success(&out);
    assert_eq!(first_item_name(&out), "annotated");

    // Listed in a trusted catalog (under any kind) is trusted too.
    let catalog = dir.path().join("catalog.yaml");
    std::fs::write(&catalog, catalog_yaml(GROUP, "Other", "fn.wasm", &digest)).unwrap();
    let mut listed = krmwasm();
    listed
        .current_dir(dir.path())
        .arg("--trusted-catalog")
        .arg(&catalog);
    let out = exec(&mut listed, &input);
    assert_success(&out);
}

#[test]
fn catalog_subcommands_describe_and_verify_the_builtin_functions() {
    let out = krmwasm().args(["catalog", "list"]).output().unwrap();
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("kpack.krmwasm.dev/v1alpha1/ImageConfig")
            && stdout.contains("builtin:kpack-image")
            && stdout.contains("kp.kpack.io/v1alpha3/DependencyDescriptor"),
        "{stdout}"
    );

    let out = krmwasm()
        .args(["catalog", "show", "ImageConfig"])
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = text(&out.stdout);
    for expected in [
        "Generates kpack Images",
        "docs/image-config.md",
        "kind: ImageConfig",
        "openAPIV3Schema",
        "serviceAccount:",
        // The skeleton is the schema's required fields, and says it is no working config.
        "the function checks more",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in {stdout}");
    }

    let out = krmwasm()
        .args(["catalog", "show", "NoSuchKind"])
        .output()
        .unwrap();
    assert_failed_with(&out, &["catalog list"]);

    // The repository's catalog.yaml names exactly the modules in this binary.
    let out = krmwasm()
        .args(["catalog", "verify"])
        .arg(repo_root().join("catalog.yaml"))
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout).matches("ok ").count(), 6);
}

#[test]
fn plugins_install_links_the_kinds_of_trusted_catalogs() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = marker_catalog(dir.path(), "plugin");
    let home = dir.path().join("plugins");
    let out = krmwasm()
        .arg("--trusted-catalog")
        .arg(&catalog)
        .args(["plugins", "install", "--dir"])
        .arg(&home)
        .output()
        .unwrap();
    assert_success(&out);
    let link = home.join("example.krmwasm.dev/v1alpha1/marker/Marker");
    assert!(link.exists(), "{}", text(&out.stdout));
    assert!(
        home.join("kpack.krmwasm.dev/v1alpha1/imageconfig/ImageConfig")
            .exists()
    );
}
