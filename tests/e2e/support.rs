//! Shared helpers: locating the binary and the tools, scratch directories, running commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn krmwasm_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_krmwasm"))
}

/// One module cache for the whole test run, outside the user's cache directory.
pub fn cache_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// A krmwasm config that trusts nothing more, so that the user's own config is not read.
pub fn no_user_config() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = cache_dir().join("empty-host-config.yaml");
        std::fs::write(
            &path,
            "apiVersion: krmwasm.dev/v1alpha1\nkind: HostConfig\n",
        )
        .unwrap();
        path
    })
    .clone()
}

/// `krmwasm` with the test cache and no inherited krmwasm settings.
pub fn krmwasm() -> Command {
    let mut cmd = Command::new(krmwasm_path());
    isolate(&mut cmd);
    cmd
}

/// The test cache, no user config, and none of the user's krmwasm settings, for `cmd` (krmwasm
/// itself, or kpt and kubectl that start it).
pub fn isolate(cmd: &mut Command) -> &mut Command {
    cmd.env("KRMWASM_CACHE_DIR", cache_dir())
        .env("KRMWASM_CONFIG", no_user_config());
    for var in [
        "KRMWASM_LOG",
        "KRMWASM_TIMEOUT",
        "KRMWASM_MEMORY_LIMIT",
        "KRMWASM_OUTPUT_LIMIT",
        "KRMWASM_TRUSTED_CATALOGS",
        "KRMWASM_ALLOWED_MODULES",
        "KRMWASM_OFFLINE",
        "KRMWASM_INSECURE_REGISTRIES",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// PATH with the directory holding krmwasm first, so kpt's `exec: krmwasm` finds it.
pub fn path_with_krmwasm() -> std::ffi::OsString {
    let dir = krmwasm_path().parent().unwrap().to_path_buf();
    let mut paths = vec![dir];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// The absolute path of a required tool; panics (never skips) when it is not installed.
pub fn require_tool(name: &str) -> PathBuf {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!("{name} is required by this test but is not on PATH; `bash .ci/run` checks for it (see README)")
    })
}

/// Runs a command with `stdin`, returning its output. Stdin is written from a thread while the
/// output is read (so neither side can fill a pipe and wait for the other), and a command that
/// exits without reading all of it (refusing to start, say) is not an error here: its exit code
/// and output are what the test judges.
pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || match pipe.write_all(&input) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails unless the command exited 1 with each of `expected` in its stderr.
#[track_caller]
pub fn assert_failed_with(out: &Output, expected: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{e:?} is not in stderr:\n{stderr}");
    }
}

/// Fails with the command's stderr unless it succeeded.
#[track_caller]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Fails unless `again`, a `-v` run, succeeded with its module loaded from the compiled-module
/// cache and wrote what `first` wrote.
#[track_caller]
pub fn assert_same_from_cache(first: &Output, again: &Output) {
    assert_success(again);
    let log = text(&again.stderr);
    assert!(log.contains("loaded from cache"), "{log}");
    assert_eq!(first.stdout, again.stdout);
}

/// Files in a scratch directory, by path relative to it.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// Copies a directory tree (files and directories only).
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Every file under `dir` with its contents, by relative path.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
