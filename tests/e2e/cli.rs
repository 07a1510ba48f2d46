//! The krmwasm command line: exec-function mode, `run`, the legacy plugin mode, the cache.

use crate::support::*;
use krm::Object;

/// An ImageConfig with one image (also used by the OCI tests).
pub const CONFIG: &str = "\
apiVersion: kpack.krmwasm.dev/v1alpha1
kind: ImageConfig
metadata: {name: shop, namespace: apps}
spec:
  defaults: {registry: registry.example.com/shop, builder: java}
  images:
  - {name: cart, git: {url: https://github.com/example/cart}}
";

/// A ResourceList with a Namespace and `config` as the functionConfig.
pub fn resource_list(config: &str) -> String {
    let indented: String = config.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: apps\n    annotations:\n      internal.config.kubernetes.io/id: '1'\n      config.k8s.io/id: '1'\n  custom: {{kept: true}}\nfunctionConfig:\n{indented}"
    )
}

#[test]
fn without_arguments_it_is_an_exec_krm_function() {
    let out = run_with_stdin(&mut krmwasm(), resource_list(CONFIG).as_bytes());
    assert_success(&out);
    let list = krm::codec::parse_resource_list(&out.stdout).unwrap();
    assert_eq!(list.items.len(), 2);
    let ns = &list.items[0];
    assert_eq!(ns["custom"]["kept"], true, "unknown fields pass through");
    assert_eq!(ns.annotation("internal.config.kubernetes.io/id"), Some("1"));
    assert_eq!(ns.annotation("config.k8s.io/id"), Some("1"));
    assert_eq!(list.items[1].kind(), Some("Image"));
    assert!(
        text(&out.stdout).starts_with("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
    );
}

#[test]
fn exec_mode_failure_returns_results_and_the_input_items() {
    let bad = CONFIG.replace("registry.example.com/shop", "Registry.example.com/Shop");
    let out = run_with_stdin(&mut krmwasm(), resource_list(&bad).as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let list = krm::codec::parse_resource_list(&out.stdout).unwrap();
    assert_eq!(list.items.len(), 1, "nothing generated");
    let result = &list.results[0];
    assert_eq!(
        result.field.as_ref().unwrap().path,
        "spec.defaults.registry"
    );
    assert!(result.message.contains("image \"cart\""));
    assert!(
        text(&out.stderr).contains("spec.defaults.registry"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn exec_mode_names_unknown_kinds_and_missing_config() {
    let out = run_with_stdin(&mut krmwasm(), b"kind: ResourceList\nitems: []\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("v1/ConfigMap")
            && stderr.contains("krmwasm run kpack-validate")
            && stderr.contains("kpack.krmwasm.dev/v1alpha1/ImageConfig"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    // A misspelt kind, or version, is told the one meant.
    for config in [
        "{apiVersion: kpack.krmwasm.dev/v1alpha1, kind: ImageConfigs, metadata: {name: x}}",
        "{apiVersion: kpack.krmwasm.dev/v1alpha2, kind: ImageConfig, metadata: {name: x}}",
    ] {
        let list = format!("kind: ResourceList\nitems: []\nfunctionConfig: {config}\n");
        let out = run_with_stdin(&mut krmwasm(), list.as_bytes());
        assert_failed_with(
            &out,
            &["Did you mean kpack.krmwasm.dev/v1alpha1/ImageConfig?"],
        );
    }

    let out = run_with_stdin(&mut krmwasm(), b"kind: ResourceList\nitems: []\n");
    assert_failed_with(&out, &["no functionConfig"]);

    let out = run_with_stdin(&mut krmwasm(), b"items: [\n");
    assert_failed_with(&out, &["ResourceList on stdin"]);
}

/// Also with a byte order mark (which some editors write) before the config, the input file
/// and stdin.
#[test]
fn run_takes_a_config_and_a_stream_of_resources() {
    let tmp = tempfile::tempdir().unwrap();
    let resources = "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    for mark in ["", "\u{feff}"] {
        std::fs::write(tmp.path().join("config.yaml"), format!("{mark}{CONFIG}")).unwrap();
        std::fs::write(
            tmp.path().join("resources.yaml"),
            format!("{mark}{resources}"),
        )
        .unwrap();
        for function in ["kpack-image", "ImageConfig"] {
            let out = krmwasm()
                .args(["run", function, "--output", "json", "--fn-config"])
                .arg(tmp.path().join("config.yaml"))
                .arg("--input")
                .arg(tmp.path().join("resources.yaml"))
                .output()
                .unwrap();
            assert_success(&out);
            let list: krm::ResourceList = serde_json::from_slice(&out.stdout).unwrap();
            let kinds: Vec<_> = list.items.iter().map(|i| i.kind().unwrap()).collect();
            assert_eq!(kinds, ["Namespace", "ConfigMap", "Image"]);
        }
    }
    let mut cmd = krmwasm();
    cmd.args(["run", "kpack-validate"]);
    let out = run_with_stdin(&mut cmd, format!("\u{feff}{CONFIG}").as_bytes());
    assert_success(&out);
    assert!(
        text(&out.stdout).contains("kind: ImageConfig"),
        "{}",
        text(&out.stdout)
    );
}

/// A document that is a list or a plain value is no resource: refused with its file and
/// place, rather than passed to the function as an item (kpt would refuse the list).
#[test]
fn run_refuses_documents_that_are_not_objects() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mixed.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- a\n",
    )
    .unwrap();
    let out = krmwasm()
        .args(["run", "kpack-validate", "--input"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains(&format!(
            "cannot parse the input {}: document 1: this document is a list, not a Kubernetes object",
            file.display()
        )),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn run_writes_the_scalars_of_its_input_as_they_were_written() {
    // A large stream (read with its scalars noted on a second thread), a small one, and a
    // ResourceList on stdin (noted as it is laid out).
    let release = |n: usize| {
        format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: r{n}\nspec:\n  version: 1.10\n  mode: 0755\n"
        )
    };
    let tmp = tempfile::tempdir().unwrap();
    for (name, count) in [("small.yaml", 2), ("large.yaml", 3000)] {
        let stream: Vec<String> = (0..count).map(release).collect();
        std::fs::write(tmp.path().join(name), stream.join("---\n")).unwrap();
        let out = krmwasm()
            .args(["run", "kpack-validate", "--input"])
            .arg(tmp.path().join(name))
            .output()
            .unwrap();
        assert_success(&out);
        let stdout = text(&out.stdout);
        assert_eq!(stdout.matches("version: 1.10\n").count(), count, "{name}");
        assert_eq!(stdout.matches("mode: 0755\n").count(), count, "{name}");
    }
    let list = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{}",
        (0..2)
            .map(|n| format!("- {}", release(n).replace('\n', "\n  ").trim_end()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let out = run_with_stdin(krmwasm().args(["run", "kpack-validate"]), list.as_bytes());
    assert_success(&out);
    assert_eq!(text(&out.stdout).matches("version: 1.10\n").count(), 2);
    assert_eq!(text(&out.stdout).matches("mode: 0755\n").count(), 2);
}

#[test]
fn run_reads_the_manifests_of_a_directory() {
    let tmp = tree(&[
        ("config.yaml", CONFIG),
        (
            "deploy/ns.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n",
        ),
        (
            "deploy/team/cm.yml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        ),
        ("deploy/README.md", "not a manifest\n"),
        // A kustomize patch is a piece of a resource, not one: it is not read.
        (
            "deploy/kustomization.yaml",
            "resources: [ns.yaml]\npatches: [{path: patch.yaml}]\n",
        ),
        (
            "deploy/patch.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: {a: b}}\n",
        ),
    ]);
    let out = krmwasm()
        .current_dir(tmp.path())
        .args([
            "run",
            "kpack-image",
            "-o",
            "json",
            "--fn-config",
            "config.yaml",
            "-i",
            "deploy",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let list: krm::ResourceList = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(&str, String)> = list
        .items
        .iter()
        .map(|i| {
            let path = i["metadata"]["annotations"]["internal.config.kubernetes.io/path"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (i.kind().unwrap_or("(none)"), path)
        })
        .collect();
    assert_eq!(
        found,
        [
            ("(none)", "deploy/kustomization.yaml".to_string()),
            ("Namespace", "deploy/ns.yaml".to_string()),
            ("ConfigMap", "deploy/team/cm.yml".to_string()),
            ("Image", String::new()),
        ]
    );
}

#[test]
fn run_names_the_config_file_in_results_about_it() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("image-config.yaml");
    let bad = CONFIG.replace(
        "https://github.com/example/cart}",
        "https://github.com/example/cart, revison: main}",
    );
    std::fs::write(&config, bad).unwrap();
    let out = krmwasm()
        .args(["run", "kpack-image", "--output", "json", "--fn-config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let list: krm::ResourceList = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list.items.is_empty(), "nothing generated");
    let result = &list.results[0];
    let path = "spec.images[0].git.revison";
    assert_eq!(result.field.as_ref().unwrap().path, path);
    let file = config.to_string_lossy();
    assert_eq!(result.file.as_ref().unwrap().path, file);
    let line = format!(
        "kpack-image: [error] kpack.krmwasm.dev/v1alpha1/ImageConfig/apps/shop {path}: unknown field `revison`"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with(&line) && l.ends_with(&format!("({file})"))),
        "{stderr}"
    );
}

#[test]
fn run_reports_unknown_functions_and_unreadable_files() {
    let out = krmwasm()
        .args(["run", "no-such-function"])
        .output()
        .unwrap();
    assert_failed_with(&out, &["kpack-image"]);
    assert!(!text(&out.stderr).contains("did you mean"));
    let out = krmwasm().args(["run", "kpack-imag"]).output().unwrap();
    assert_failed_with(&out, &["did you mean `kpack-image`?"]);

    let out = krmwasm()
        .args(["run", "kpack-image", "--input", "/nonexistent/list.yaml"])
        .output()
        .unwrap();
    assert_failed_with(&out, &["/nonexistent/list.yaml"]);

    let out = krmwasm()
        .args(["run", "/nonexistent/fn.wasm"])
        .output()
        .unwrap();
    assert_failed_with(&out, &["cannot read the module /nonexistent/fn.wasm"]);
}

/// A file that is not a module is refused in one line that names it; a config given in the
/// function's place is told to go to --fn-config, with the function that takes it.
#[test]
fn run_refuses_a_file_that_is_not_a_module_in_one_line() {
    let dir = tree(&[("fake.wasm", "garbage\n"), ("image-config.yaml", CONFIG)]);
    let run = |file: &str| {
        krmwasm()
            .current_dir(dir.path())
            .args(["run", file])
            .output()
            .unwrap()
    };
    let out = run("fake.wasm");
    assert_failed_with(
        &out,
        &["function fake is not a valid WebAssembly module: fake.wasm does not start"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("0x61"), "no debug dump: {stderr}");

    let out = run("image-config.yaml");
    assert_failed_with(
        &out,
        &[
            "function image-config is not a valid WebAssembly module: image-config.yaml is YAML",
            "krmwasm run kpack-image --fn-config image-config.yaml",
        ],
    );
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

/// Limits a function cannot start under, or that make no sense, are refused saying what to
/// set; an empty KRMWASM_CACHE_DIR is the default cache.
#[test]
fn limits_are_checked_and_explained() {
    let dir = tree(&[("image-config.yaml", CONFIG)]);
    let run = |args: &[&str]| {
        krmwasm()
            .current_dir(dir.path())
            .args(["run", "kpack-image", "--fn-config", "image-config.yaml"])
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["--memory-limit", "1KiB"]);
    assert_failed_with(
        &out,
        &[
            "function kpack-image needs",
            "pages of 64 KiB",
            "memory limit of 1 KiB",
            "--memory-limit",
            "KRMWASM_MEMORY_LIMIT",
        ],
    );
    assert!(!text(&out.stderr).contains("exceeds memory limits"));
    assert!(out.stdout.is_empty());

    let out = run(&["--timeout", "0"]);
    assert_eq!(out.status.code(), Some(2), "refused as it is parsed");
    assert!(
        text(&out.stderr).contains("above zero"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&["--memory-limit", "1.5GiB"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("whole numbers") && stderr.contains("1536MiB"),
        "{stderr}"
    );

    let out = run(&[]);
    let mut cmd = krmwasm();
    let empty_cache = cmd
        .current_dir(dir.path())
        .env("KRMWASM_CACHE_DIR", "")
        .args(["run", "kpack-image", "--fn-config", "image-config.yaml"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_success(&empty_cache);
    assert_eq!(empty_cache.stdout, out.stdout);
}

/// An empty config file is named and called empty, not passed on as no config.
#[test]
fn an_empty_config_file_is_named() {
    let dir = tree(&[("empty.yaml", "# nothing yet\n"), ("list.yaml", "- a\n")]);
    for (file, said) in [
        ("empty.yaml", "is empty"),
        ("list.yaml", "is not a mapping"),
    ] {
        let out = krmwasm()
            .current_dir(dir.path())
            .args(["run", "kpack-image", "--fn-config", file])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_failed_with(&out, &[&format!("the function config {file} {said}")]);
        assert!(out.stdout.is_empty());
    }
}

/// Misconfiguration is said, not ignored: a cache directory that cannot be written (every run
/// would compile again) is a warning, once; a trusted catalog that cannot be read fails run as
/// it fails lint and `catalog list`.
#[test]
fn run_says_what_is_misconfigured() {
    let dir = tree(&[("image-config.yaml", CONFIG)]);
    let run = |cache: &std::path::Path, args: &[&str]| {
        krmwasm()
            .current_dir(dir.path())
            .env("KRMWASM_CACHE_DIR", cache)
            .args(["run", "kpack-image", "--fn-config", "image-config.yaml"])
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    // /proc takes no new directories, not even root's.
    let out = run(std::path::Path::new("/proc/krmwasm-cache"), &[]);
    assert_success(&out);
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr
            .matches("warning: cannot write the module cache in /proc/krmwasm-cache")
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("KRMWASM_CACHE_DIR"), "{stderr}");

    let out = run(cache_dir(), &["--trusted-catalog", "missing.yaml"]);
    assert_failed_with(&out, &["missing.yaml"]);
    assert!(out.stdout.is_empty());
}

/// Limits and the cache are offered where they act: the limits and --no-cache where functions
/// run, --cache-dir also where modules or catalogs are fetched; `run`'s help points below, not
/// at itself. Given before or after `run`, a limit applies, the later one winning.
#[test]
fn limit_and_cache_flags_are_shown_where_they_act() {
    let help = |args: &[&str]| {
        let out = krmwasm().args(args).arg("--help").output().unwrap();
        assert_success(&out);
        text(&out.stdout)
    };
    let limits = [
        "--memory-limit",
        "--timeout",
        "--output-limit",
        "--no-cache",
    ];
    for command in [&["run"][..], &["lint"], &[]] {
        let help = help(command);
        for flag in limits.iter().chain(&["--cache-dir"]) {
            assert!(help.contains(flag), "{command:?} lacks {flag}:\n{help}");
        }
    }
    for command in [
        &["catalog", "list"][..],
        &["catalog", "verify"],
        &["pull"],
        &["plugins", "install"],
        &["catalog", "build"],
        &["push"],
    ] {
        let help = help(command);
        for flag in limits {
            assert!(!help.contains(flag), "{command:?} shows {flag}:\n{help}");
        }
        let fetches = !matches!(command, ["catalog", "build"] | ["push"]);
        assert_eq!(
            help.contains("--cache-dir"),
            fetches,
            "{command:?}:\n{help}"
        );
    }
    assert!(!help(&["run"]).contains("see `krmwasm run --help`"));

    let dir = tree(&[("image-config.yaml", CONFIG)]);
    let run = |before: &[&str], after: &[&str]| {
        krmwasm()
            .current_dir(dir.path())
            .args(before)
            .args(["run", "kpack-image", "--fn-config", "image-config.yaml"])
            .args(after)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let tiny = ["--memory-limit", "1KiB"];
    assert_failed_with(&run(&tiny, &[]), &["memory limit of 1 KiB"]);
    assert_failed_with(&run(&[], &tiny), &["memory limit of 1 KiB"]);
    assert_success(&run(&tiny, &["--memory-limit", "64MiB"]));
}

#[test]
fn a_second_run_uses_the_compiled_module_cache() {
    let cache = tempfile::tempdir().unwrap();
    let run = || {
        let mut cmd = krmwasm();
        cmd.env("KRMWASM_CACHE_DIR", cache.path()).arg("-v");
        run_with_stdin(&mut cmd, resource_list(CONFIG).as_bytes())
    };
    let first = run();
    assert_success(&first);
    assert!(
        text(&first.stderr).contains("compiled in"),
        "{}",
        text(&first.stderr)
    );
    let entries: Vec<_> = std::fs::read_dir(cache.path().join("compiled"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries.len(), 1);
    let name = entries[0].to_string_lossy().into_owned();
    assert!(name.ends_with(".cwasm") && name.len() > 64, "{name}");

    let second = run();
    assert_same_from_cache(&first, &second);

    // A damaged cache entry is recompiled, not trusted.
    std::fs::write(cache.path().join("compiled").join(&name), b"garbage").unwrap();
    let third = run();
    assert_success(&third);
    assert!(
        text(&third.stderr).contains("compiled in"),
        "{}",
        text(&third.stderr)
    );
}

/// kpack-validate offers an initializer (its schemas, compiled): the first run snapshots it
/// into the cached module, and a run from that module reports what a fresh one does.
#[test]
fn kpack_validate_is_pre_initialized_when_compiled() {
    let cache = tempfile::tempdir().unwrap();
    let input = r#"{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [
        {"apiVersion": "kpack.io/v1alpha2", "kind": "Image", "metadata": {"name": "app"},
         "spec": {"tag": "registry.example.com/app", "colour": "blue"}},
        {"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStack", "metadata": {"name": "base"},
         "spec": {"id": "io.buildpacks.stacks.jammy"}}]}"#;
    let run = || {
        let mut cmd = krmwasm();
        cmd.env("KRMWASM_CACHE_DIR", cache.path())
            .args(["-v", "run", "kpack-validate"]);
        run_with_stdin(&mut cmd, input.as_bytes())
    };
    let first = run();
    let log = text(&first.stderr);
    assert!(log.contains("kpack-validate: pre-initialized in"), "{log}");
    assert!(!log.contains("not pre-initialized"), "{log}");
    let second = run();
    assert!(text(&second.stderr).contains("loaded from cache"));
    assert_eq!(first.status.code(), Some(1), "the Image is invalid: {log}");
    assert_eq!(first.status.code(), second.status.code());
    assert_eq!(first.stdout, second.stdout);
    let report = text(&first.stdout);
    for finding in ["spec.colour", "spec.buildImage", "spec.runImage"] {
        assert!(report.contains(finding), "{finding} in {report}");
    }
}

#[test]
fn legacy_plugin_mode_prints_a_stream_of_resources() {
    let home = tempfile::tempdir().unwrap();
    assert_success(
        &krmwasm()
            .args(["plugins", "install", "--dir"])
            .arg(home.path())
            .output()
            .unwrap(),
    );
    let plugin = home
        .path()
        .join("kpack.krmwasm.dev/v1alpha1/imageconfig/ImageConfig");
    let config = home.path().join("config.yaml");
    std::fs::write(&config, CONFIG).unwrap();

    // Generator: nothing on stdin.
    let mut cmd = std::process::Command::new(&plugin);
    isolate(cmd.arg(&config));
    let out = run_with_stdin(&mut cmd, b"");
    assert_success(&out);
    let docs = krm::codec::parse_stream(&out.stdout).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].name(), Some("cart"));

    // Transformer: resources on stdin come back with the generated ones, their scalars as
    // written (not 1.1).
    let mut cmd = std::process::Command::new(&plugin);
    isolate(cmd.arg(&config));
    let out = run_with_stdin(
        &mut cmd,
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {version: 1.10}\n",
    );
    assert_success(&out);
    assert!(
        text(&out.stdout).contains("    version: 1.10\n"),
        "{}",
        text(&out.stdout)
    );
    let docs = krm::codec::parse_stream(&out.stdout).unwrap();
    assert_eq!(
        docs.iter().map(|d| d.kind().unwrap()).collect::<Vec<_>>(),
        ["ConfigMap", "Image"]
    );

    // A missing config file is named.
    let mut cmd = std::process::Command::new(&plugin);
    cmd.arg(home.path().join("missing.yaml"));
    let out = run_with_stdin(&mut cmd, b"");
    assert_failed_with(&out, &["missing.yaml"]);
}

/// Thousands of findings are all in the results, and not all on stderr: the SDK prints the
/// first hundred of each severity and counts the rest, so a large repository's report does
/// not run into the host's 1 MiB stderr limit.
#[test]
fn thousands_of_findings_stay_under_the_stderr_limit() {
    let images: Vec<serde_json::Value> = (0..6000)
        .map(|i| {
            serde_json::json!({"apiVersion": "kpack.io/v1alpha2", "kind": "Image",
                "metadata": {"name": format!("app-{i}"), "namespace": "apps"},
                "spec": {"tag": format!("registry.example.com/apps/app-{i}"),
                         "builder": {"kind": "ClusterBuilder", "name": "not-in-the-input"},
                         "source": {"git": {"url": "https://git.example.com/app", "revision": "main"}}}})
        })
        .collect();
    let input = serde_json::json!({"kind": "ResourceList", "items": images});
    let mut cmd = krmwasm();
    cmd.args(["run", "kpack-validate"]);
    let out = run_with_stdin(&mut cmd, input.to_string().as_bytes());
    assert_success(&out);
    let list = krm::codec::parse_resource_list(&out.stdout).unwrap();
    let warnings = list
        .results
        .iter()
        .filter(|r| r.severity == krm::Severity::Warning);
    assert_eq!(warnings.count(), 6000);
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 101, "{stderr}");
    assert!(
        stderr.ends_with(
            "kpack-validate: 5900 more warning(s) not shown here; every result is in the output's results\n"
        ),
        "{stderr}"
    );
}
