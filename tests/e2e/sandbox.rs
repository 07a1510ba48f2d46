//! The sandbox and its limits: hostile and broken Rust guests (tests/e2e/guests/adversarial,
//! built by the suite) and small hand-written WASI modules, each run through `krmwasm run`.
//! Every failure must name the function and the limit, exit non-zero and write nothing on
//! stdout.

use crate::guests::adversarial;
use crate::support::*;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

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
    run_guest(&path, flags)
}

/// `krmwasm -v run` of a module with `flags`, over an empty ResourceList.
fn run_guest(module: &Path, flags: &[&str]) -> Output {
    let mut cmd = krmwasm();
    cmd.arg("-v").arg("run").arg(module).args(flags);
    run_with_stdin(&mut cmd, b"{\"kind\":\"ResourceList\",\"items\":[]}")
}

#[track_caller]
fn assert_stopped(out: &Output, expected: &str) {
    assert_stopped_named(out, "probe", expected)
}

#[track_caller]
fn assert_stopped_named(out: &Output, function: &str, expected: &str) {
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("function {function} ")),
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

/// A write takes every buffer of its iovecs, in order, and says how much it wrote; stdin and
/// descriptors the guest was never given are not writable (EBADF), and buffers outside its
/// memory are refused (EFAULT), each without stopping the guest.
#[test]
fn writes_gather_their_buffers_and_refuse_other_descriptors() {
    let (head, tail) = (r#"{"kind":"ResourceList","#, r#""items":[{"kind":"X"}]}"#);
    let extra = format!(
        "(data (i32.const 64) {head:?}) (data (i32.const 256) {tail:?})
         (func $expect (param i32 i32) (if (i32.ne (local.get 0) (local.get 1)) (then unreachable)))"
    );
    let body = format!(
        "(i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const {}))
         (i32.store (i32.const 8) (i32.const 256)) (i32.store (i32.const 12) (i32.const {}))
         (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 16)) (i32.const 0))
         (call $expect (i32.load (i32.const 16)) (i32.const {}))
         (call $expect (call $fd_write (i32.const 0) (i32.const 0) (i32.const 2) (i32.const 16)) (i32.const 8))
         (call $expect (call $fd_write (i32.const 7) (i32.const 0) (i32.const 2) (i32.const 16)) (i32.const 8))
         (i32.store (i32.const 24) (i32.const 65530)) (i32.store (i32.const 28) (i32.const 100))
         (call $expect (call $fd_write (i32.const 1) (i32.const 24) (i32.const 1) (i32.const 16)) (i32.const 21))
         (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65534)) (i32.const 21))",
        head.len(),
        tail.len(),
        head.len() + tail.len()
    );
    let out = run_module(&body, &extra, &[]);
    assert_success(&out);
    // Nothing of the refused writes: the head and the tail, once.
    assert_eq!(
        text(&out.stdout),
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: X\n"
    );
}

/// How long the host says the guest ran (`-v`: "<name>: ran in 1.5s, linear memory …").
fn ran_for(out: &Output, function: &str) -> Duration {
    let stderr = text(&out.stderr);
    let marker = format!("{function}: ran in ");
    let line = stderr
        .lines()
        .find_map(|l| {
            l.split_once(&marker)
                .map(|(_, t)| t.split(',').next().unwrap().to_string())
        })
        .unwrap_or_else(|| panic!("no run time in: {stderr}"));
    let (number, unit) = line.split_at(line.find(|c: char| c.is_alphabetic() || c == 'µ').unwrap());
    let value: f64 = number.parse().unwrap();
    Duration::from_secs_f64(match unit {
        "s" => value,
        "ms" => value / 1e3,
        "µs" => value / 1e6,
        "ns" => value / 1e9,
        other => panic!("unit {other} in {line}"),
    })
}

#[test]
fn a_guest_that_runs_forever_is_stopped_at_the_timeout() {
    let spin = adversarial("spin");
    // First run compiles the module; the second is timed, from start to stop.
    assert_stopped_named(
        &run_guest(&spin, &["--timeout", "50ms"]),
        "spin",
        "did not finish",
    );
    let out = run_guest(&spin, &["--timeout", "500ms"]);
    assert_stopped_named(&out, "spin", "did not finish within 500ms");
    assert_stopped_named(&out, "spin", "--timeout");
    assert_stopped_named(&out, "spin", "spin: counting forever\n");
    let ran = ran_for(&out, "spin");
    assert!(
        ran >= Duration::from_millis(500) && ran < Duration::from_millis(600),
        "stopped after {ran:?}, not within the limit + 100 ms"
    );
}

/// Pre-initialization is an optimization a module offers, never a requirement: a module whose
/// initializer never returns is run as built once the time limit has passed, and cached so,
/// so that later runs do not try again.
#[test]
fn a_module_whose_initializer_never_returns_runs_as_built() {
    let list = r#"{"kind":"ResourceList","items":[]}"#;
    let extra = format!(
        r#"(data (i32.const 64) "{}")
           (func (export "wizer-initialize") (loop $forever (br $forever)))"#,
        list.replace('"', "\\22")
    );
    let body = format!(
        "(i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const {}))
         (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))",
        list.len()
    );
    let wat = format!("(module {PRELUDE} {extra} (func (export \"_start\") {body}))");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stuck.wasm");
    std::fs::write(&path, wat::parse_str(&wat).expect("valid WAT")).unwrap();

    let first = run_guest(&path, &["--timeout", "300ms"]);
    assert_success(&first);
    let log = text(&first.stderr);
    assert!(
        log.contains("not pre-initialized, compiled as it is")
            && log.contains("did not return within the time limit of 300ms"),
        "{log}"
    );
    assert!(text(&first.stdout).contains("kind: ResourceList"), "{log}");
    let second = run_guest(&path, &["--timeout", "300ms"]);
    assert_same_from_cache(&first, &second);
}

/// A WASI sleep is a host call: a guest that asks to sleep past its deadline is stopped at
/// once as out of time, not left to hold the pipeline until its limit; one that naps within
/// its limit runs on.
#[test]
fn a_guest_that_sleeps_past_its_deadline_is_stopped_at_once() {
    let started = std::time::Instant::now();
    let out = run_guest(&adversarial("sleep"), &["--timeout", "2s"]);
    assert_stopped_named(
        &out,
        "sleep",
        "asked to sleep for 3600s, past its time limit of 2s",
    );
    assert_stopped_named(&out, "sleep", "--timeout");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the sleeper held the run for {:?}",
        started.elapsed()
    );

    let out = run_guest(&adversarial("nap"), &["--timeout", "10s"]);
    assert_success(&out);
    assert!(
        text(&out.stdout).contains("kind: ResourceList"),
        "{}",
        text(&out.stdout)
    );
    assert!(ran_for(&out, "nap") >= Duration::from_millis(50));
}

/// The same through poll_oneoff directly, the ways Rust's `sleep` does not use: an absolute
/// deadline on the monotonic clock an hour on, with a relative real-time one beside it.
#[test]
fn a_poll_on_clocks_only_is_judged_by_its_earliest_deadline() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 1040) (i32.const 1))
        (i64.store (i32.const 1048) (i64.const 3600000000000))
        (i32.store16 (i32.const 1064) (i32.const 1))
        (i32.store (i32.const 1088) (i32.const 0))
        (i64.store (i32.const 1096) (i64.const 7200000000000))
        (drop (call $poll (i32.const 1024) (i32.const 2048) (i32.const 2) (i32.const 4000)))))"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.wasm");
    std::fs::write(&path, wat::parse_str(wat).expect("valid WAT")).unwrap();
    let started = std::time::Instant::now();
    let out = run_guest(&path, &["--timeout", "1s"]);
    // The earlier of the two, the monotonic deadline an hour after the run began.
    assert_stopped(&out, "asked to sleep for 3599.");
    assert_stopped(&out, "past its time limit of 1s");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_guest_that_takes_all_memory_is_stopped_at_the_limit() {
    let out = run_guest(&adversarial("hog"), &["--memory-limit", "32MiB"]);
    assert_stopped_named(&out, "hog", "needed more than 32 MiB of memory");
    assert_stopped_named(&out, "hog", "--memory-limit");
}

#[test]
fn a_guest_that_grows_memory_past_the_limit_is_stopped() {
    let body = "(loop $l (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable)) (br $l))";
    let out = run_module(body, "", &["--memory-limit", "16MiB"]);
    assert_stopped(&out, "needed more than 16 MiB of memory");
}

/// A module may declare many memories and many tables; the limit holds for all of them
/// together, at run time and when the module is instantiated.
#[test]
fn memories_and_tables_share_one_memory_limit() {
    // Three memories of 8 MiB each, the first two granted within 20 MiB, the third not.
    let memories = "(memory $a 0) (memory $b 0) (memory $c 0)";
    let grow = |memory: &str| {
        format!(
            "(if (i32.eq (memory.grow {memory} (i32.const 128)) (i32.const -1)) (then unreachable))"
        )
    };
    let body = format!(
        "{} {} (call $proc_exit (i32.const 7))",
        grow("$a"),
        grow("$b")
    );
    let out = run_module(&body, memories, &["--memory-limit", "20MiB"]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let body = format!("{} {} {}", grow("$a"), grow("$b"), grow("$c"));
    let out = run_module(&body, memories, &["--memory-limit", "20MiB"]);
    assert_stopped(&out, "needed more than 20 MiB of memory");

    // Tables: a pointer per element. Three of 512 Ki elements declare 12 MiB.
    let tables = "(table $t1 524288 funcref) (table $t2 524288 funcref) (table $t3 524288 funcref)";
    let out = run_module("", tables, &["--memory-limit", "8MiB"]);
    assert_stopped(&out, "needed more than 8 MiB of memory");
    let out = run_module("", tables, &["--memory-limit", "16MiB"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("without writing a ResourceList"),
        "{}",
        text(&out.stderr)
    );
    let body = "(if (i32.eq (table.grow $t1 (ref.null func) (i32.const 524288)) (i32.const -1)) (then unreachable))";
    let out = run_module(body, tables, &["--memory-limit", "16MiB"]);
    assert_stopped(&out, "needed more than 16 MiB of memory");

    // A memory the module keeps to itself is sized at instantiation all the same.
    let out = run_module("", "(memory $hidden 512)", &["--memory-limit", "16MiB"]);
    assert_stopped(&out, "needed more than 16 MiB of memory");
}

/// The flood guest ignores write errors and writes pieces that do not divide the limit: the
/// first write past it must stop the guest as over its output limit, not as a crash and not
/// at the timeout.
#[test]
fn a_guest_that_floods_stdout_is_stopped_at_the_output_limit() {
    let out = run_guest(
        &adversarial("flood"),
        &["--output-limit", "64KiB", "--timeout", "20s"],
    );
    assert_stopped_named(&out, "flood", "wrote more than 64 KiB to stdout");
    assert_stopped_named(&out, "flood", "--output-limit");
    assert!(ran_for(&out, "flood") < Duration::from_secs(10));

    let body = "(i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 4096))
        (loop $l (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable)) (br $l))";
    let out = run_module(body, "", &["--output-limit", "64KiB"]);
    assert_stopped(&out, "wrote more than 64 KiB to stdout");
}

#[test]
fn a_guest_that_floods_stderr_is_stopped_at_its_limit() {
    let out = run_guest(&adversarial("shout"), &["--timeout", "20s"]);
    assert_stopped_named(&out, "shout", "wrote more than 1 MiB to stderr");
}

#[test]
fn a_panic_is_reported_with_the_function_name_and_its_message() {
    let out = run_guest(&adversarial("panic"), &[]);
    assert_stopped_named(&out, "panic", "crashed");
    assert_stopped_named(&out, "panic", "adversarial guest: nothing to do, giving up");
}

/// A crash leads with the trap, then names where it happened as the guest's source does
/// (demangled), without the frames of Rust's runtime around them.
#[test]
fn a_trap_is_reported_with_the_function_name() {
    let out = run_guest(&adversarial("trap"), &[]);
    assert_stopped_named(
        &out,
        "trap",
        "function trap crashed: wasm trap: wasm `unreachable` instruction executed",
    );
    assert_stopped_named(&out, "trap", "\n  at trap::main\n");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("_ZN"), "mangled names: {stderr}");
    assert!(!stderr.contains("lang_start"), "runtime frames: {stderr}");

    let out = run_module("unreachable", "", &[]);
    assert_stopped(&out, "crashed");
}

/// Endless recursion: the stack's limit, and the frame that repeats, once.
#[test]
fn a_guest_that_recurses_without_end_is_stopped_at_the_stack_limit() {
    let out = run_module("(call $deep)", "(func $deep (call $deep))", &[]);
    assert_stopped(
        &out,
        "function probe crashed: wasm trap: call stack exhausted (recursion too deep or without end)\n  at deep (repeated 64 times)\n",
    );
}

#[test]
fn a_failing_guest_keeps_its_exit_code_and_its_stderr_is_relayed() {
    let out = run_guest(&adversarial("fail"), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("adversarial guest: refusing this input, exiting with 3"),
        "{stderr}"
    );
    assert!(
        stderr.contains("function fail failed with exit code 3"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

/// The probe guest tries the host's files, directories, network and environment, and reports
/// what it saw: errors everywhere, and only the variable krmwasm passes on purpose.
#[test]
fn a_guest_that_reaches_for_the_host_sees_nothing() {
    let mut cmd = krmwasm();
    cmd.arg("run")
        .arg(adversarial("probe"))
        .env("KRMWASM_TEST_SECRET", "do-not-leak");
    let out = run_with_stdin(&mut cmd, b"{\"kind\":\"ResourceList\",\"items\":[]}");
    assert_success(&out);
    let list = krm::codec::parse_resource_list(&out.stdout).unwrap();
    let data = &list.items[0]["data"];
    for attempt in [
        "readAbsoluteFile",
        "readRelativeFile",
        "listRoot",
        "listCurrentDir",
        "createFile",
        "tcpConnect",
        "tcpListen",
        "udpBind",
    ] {
        let seen = data[attempt].as_str().unwrap();
        assert!(seen.starts_with("error: "), "{attempt}: {seen}");
    }
    assert_eq!(data["environment"], "KRM_OUTPUT", "{data}");
    assert!(!text(&out.stdout).contains("do-not-leak"));
    assert!(
        !Path::new("/tmp/krmwasm-escaped").exists(),
        "the guest created a file on the host"
    );
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
