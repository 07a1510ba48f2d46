//! The compiled-module cache keeps its promises: a damaged entry is never loaded (it is
//! detected, removed and rebuilt), and concurrent first runs leave one sound entry.
//! (A module whose digest does not match its catalog is refused: tests/e2e/catalog.rs.)

use crate::cli::{CONFIG, resource_list};
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// `krmwasm -v` (exec mode: kpack-image) with `cache` as its cache directory.
fn run(cache: &Path) -> Output {
    let mut cmd = krmwasm();
    cmd.env("KRMWASM_CACHE_DIR", cache).arg("-v");
    run_with_stdin(&mut cmd, resource_list(CONFIG).as_bytes())
}

fn compiled_entries(cache: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(cache.join("compiled"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

#[track_caller]
fn assert_log(out: &Output, expected: &str) {
    assert_success(out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
}

/// One flipped bit in the compiled code keeps wasmtime's header intact, so only the
/// checksum can tell; the entry must be rebuilt, not run.
#[test]
fn a_damaged_compiled_module_is_rebuilt_not_run() {
    let cache = tempfile::tempdir().unwrap();
    let first = run(cache.path());
    assert_log(&first, "compiled in");
    let entries = compiled_entries(cache.path());
    assert_eq!(entries.len(), 1, "{entries:?}");

    for damage in ["flip", "truncate"] {
        let path = &compiled_entries(cache.path())[0];
        let mut bytes = std::fs::read(path).unwrap();
        match damage {
            "flip" => {
                let at = bytes.len() / 2;
                bytes[at] ^= 0x01;
            }
            _ => bytes.truncate(bytes.len() - 4096),
        }
        std::fs::write(path, &bytes).unwrap();

        let out = run(cache.path());
        assert_log(&out, "removing damaged cache entry");
        assert_log(&out, "compiled in");
        assert_eq!(out.stdout, first.stdout, "{damage}");
        // The rebuilt entry is sound: the next run loads it.
        assert_eq!(compiled_entries(cache.path()).len(), 1, "{damage}");
        assert_log(&run(cache.path()), "loaded from cache");
    }
}

#[test]
fn eight_concurrent_first_runs_all_succeed_and_leave_one_sound_entry() {
    let cache = tempfile::tempdir().unwrap();
    let runs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8).map(|_| scope.spawn(|| run(cache.path()))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &runs {
        assert_success(out);
        assert_eq!(out.stdout, runs[0].stdout);
    }
    let entries = compiled_entries(cache.path());
    assert_eq!(
        entries.len(),
        1,
        "one entry, no temporary files: {entries:?}"
    );
    let after = run(cache.path());
    assert_log(&after, "loaded from cache");
    assert!(
        !text(&after.stderr).contains("damaged"),
        "{}",
        text(&after.stderr)
    );
    assert_eq!(after.stdout, runs[0].stdout);
}
