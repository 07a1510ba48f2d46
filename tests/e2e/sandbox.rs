//! The sandbox and its limits, with small hand-written WASI modules.

use crate::support::*;
use std::process::Output;

const PRELUDE: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
"#;

/// Writes a module whose `_start` runs `body`, then runs it with `flags`.
fn run_module(body: &str, extra: &str, flags: &[&str]) -> Output {
    let wat = format!("(module {PRELUDE} {extra} (func (export \"_start\") {body}))");
    let wasm = wat::parse_str(&wat).expect("valid WAT");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.wasm");
    std::fs::write(&path, wasm).unwrap();
    let mut cmd = krmwasm();
    cmd.arg("run").arg(&path).args(flags);
    run_with_stdin(&mut cmd, b"{\"kind\":\"ResourceList\",\"items\":[]}")
}

#[track_caller]
fn assert_stopped(out: &Output, expected: &str) {
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("function probe"),
        "the function is not named: {stderr}"
    );
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "partial output was written: {}",
        text(&out.stdout)
    );
}

#[test]
fn output_is_converted_and_exit_codes_pass_through() {
    let list = r#"{"kind":"ResourceList","items":[{"kind":"X","metadata":{"name":"a"}}]}"#;
    let extra = format!("(data (i32.const 64) {list:?})");
    let write = format!(
        "(i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const {}))
         (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))",
        list.len()
    );
    let out = run_module(&write, &extra, &[]);
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: X\n  metadata:\n    name: a\n"
    );

    let out = run_module(
        &format!("{write} (call $proc_exit (i32.const 3))"),
        &extra,
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn a_guest_that_runs_forever_is_stopped_at_the_timeout() {
    let started = std::time::Instant::now();
    let out = run_module("(loop $l (br $l))", "", &["--timeout", "300ms"]);
    assert_stopped(&out, "did not finish within 300ms");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn a_guest_that_grows_memory_past_the_limit_is_stopped() {
    let body = "(loop $l (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable)) (br $l))";
    let out = run_module(body, "", &["--memory-limit", "16MiB"]);
    assert_stopped(&out, "needed more than 16 MiB of memory");
}

#[test]
fn a_guest_that_floods_stdout_is_stopped() {
    let body = "(i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 4096))
        (loop $l (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable)) (br $l))";
    let out = run_module(body, "", &["--output-limit", "64KiB"]);
    assert_stopped(&out, "wrote more than 64 KiB to stdout");
}

#[test]
fn a_crash_is_reported_with_the_function_name() {
    let out = run_module("unreachable", "", &[]);
    assert_stopped(&out, "crashed");
}

#[test]
fn the_guest_sees_no_directories_and_no_host_environment() {
    // fd 3 would be the first preopened directory: EBADF (8) means there is none.
    let out = run_module(
        "(call $proc_exit (call $fd_prestat_get (i32.const 3) (i32.const 0)))",
        "",
        &[],
    );
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    // Only KRM_OUTPUT is passed: exit code 40 + the number of variables.
    let out = run_module(
        "(drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
         (call $proc_exit (i32.add (i32.const 40) (i32.load (i32.const 0))))",
        "",
        &[],
    );
    assert_eq!(out.status.code(), Some(41), "{}", text(&out.stderr));
}

#[test]
fn a_module_that_is_not_wasm_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.wasm");
    std::fs::write(&path, b"#!/bin/sh\necho hi\n").unwrap();
    let out = krmwasm().arg("run").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("function bad is not a valid WebAssembly module"),
        "{}",
        text(&out.stderr)
    );
}
