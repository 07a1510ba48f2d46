//! Hostile and broken input on stdin: each gets a clear error naming what is wrong (and where,
//! when the parser knows), a non-zero exit and nothing on stdout, or a correct result; quickly
//! and in bounded memory where a naive reader would not be.

use crate::support::*;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a run did, with its wall time and its peak resident memory (sampled from /proc while
/// it runs; the high-water mark only grows, so a late sample still holds the peak).
struct Measured {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    elapsed: Duration,
    peak_rss_kib: u64,
}

fn measure(cmd: &mut Command, stdin: Vec<u8>) -> Measured {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        out.read_to_end(&mut buf).unwrap();
        buf
    });
    let mut err = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut buf = String::new();
        let _ = err.read_to_string(&mut buf);
        buf
    });
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Ok(s) = std::fs::read_to_string(&status_path)
            && let Some(kib) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        {
            peak_rss_kib = peak_rss_kib.max(kib);
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    writer.join().unwrap();
    Measured {
        code: status.code(),
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
        elapsed: started.elapsed(),
        peak_rss_kib,
    }
}

/// krmwasm as an exec function (kpack-image), reading `input`.
fn exec(input: impl Into<Vec<u8>>) -> Measured {
    measure(&mut krmwasm(), input.into())
}

#[track_caller]
fn assert_refused(m: &Measured, expected: &[&str]) {
    assert_eq!(m.code, Some(1), "{}", m.stderr);
    for e in expected {
        assert!(m.stderr.contains(e), "expected {e:?} in: {}", m.stderr);
    }
    assert!(
        m.stdout.is_empty(),
        "partial output: {}",
        text(&m.stdout[..m.stdout.len().min(500)])
    );
    assert!(!m.stderr.contains("panicked"), "{}", m.stderr);
}

const HEAD: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";

/// Ten anchors, each a list of ten of the one before: 10^10 nodes if expanded.
#[test]
fn an_alias_bomb_is_refused_quickly_in_bounded_memory() {
    let mut input = format!("{HEAD}items: []\nbomb0: &b0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*b{}", i - 1); 10].join(", ");
        input.push_str(&format!("bomb{i}: &b{i} [{refs}]\n"));
    }
    let m = exec(input);
    assert_refused(&m, &["repetition limit exceeded"]);
    assert!(m.elapsed < Duration::from_secs(10), "{:?}", m.elapsed);
    assert!(
        m.peak_rss_kib < 256 << 10,
        "peak RSS {} KiB",
        m.peak_rss_kib
    );
}

#[test]
fn deep_nesting_is_refused_quickly_with_its_place() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let yaml = format!("{HEAD}items:\n- apiVersion: v1\n  kind: ConfigMap\n  data: {deep}\n");
    let m = exec(yaml);
    assert_refused(&m, &["nested deeper than 256 levels at line 6 column 265"]);
    assert!(m.elapsed < Duration::from_secs(10), "{:?}", m.elapsed);

    let json = format!(r#"{{"kind":"ResourceList","items":[{{"data":{deep}}}]}}"#);
    let m = exec(json);
    assert_refused(&m, &["nested deeper than 256 levels"]);
    assert!(m.elapsed < Duration::from_secs(10), "{:?}", m.elapsed);

    // Block nesting cannot grow without the input growing with its square.
    let mut block = format!("{HEAD}items:\n- x:\n");
    for i in 0..1000 {
        block.push_str(&format!("{}k{i}:\n", "  ".repeat(i + 2)));
    }
    let m = exec(block);
    assert_refused(&m, &["recursion limit exceeded at line"]);
}

#[test]
fn malformed_input_gets_a_clear_error() {
    let cases: [(&[u8], &[&str]); 6] = [
        (
            b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a, name: b}\n",
            &["duplicate key \"name\"", "line 6"],
        ),
        (
            b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- metadata: {name: \xff\xfe}\n",
            &["the byte 0xFF at line 4, column 20 is not UTF-8"],
        ),
        (
            b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
            &["expected a ResourceList, got kind \"ConfigMap\""],
        ),
        (b"just words\n", &["expected a ResourceList"]),
        (b"kind: ResourceList\nitems: 3\n", &["items", "expected a list"]),
        (b"kind: ResourceList\nitems: [\n", &["line"]),
    ];
    for (input, expected) in cases {
        let m = exec(input);
        assert_refused(&m, expected);
    }
}

/// A 100 MB ResourceList: over the default output limit of the function (its output is the
/// input plus an Image), a clear error that names it and the flag; with the limits raised,
/// every item comes back.
#[test]
fn a_100_mb_resource_list_is_refused_clearly_or_processed_whole() {
    let mut input = String::with_capacity(105 << 20);
    input.push_str(HEAD);
    input.push_str("items:\n");
    let payload = "x".repeat(800);
    let mut count = 0;
    while input.len() < 100 << 20 {
        input.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{count}\n  data:\n    payload: '{payload}'\n"
        ));
        count += 1;
    }
    input.push_str(&format!(
        "functionConfig:\n{}",
        crate::cli::CONFIG
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
    ));

    let m = exec(input.clone());
    assert_refused(
        &m,
        &[
            "function ImageConfig wrote more than 64 MiB to stdout",
            "--output-limit",
        ],
    );

    let mut cmd = krmwasm();
    cmd.args(["--memory-limit", "2GiB", "--output-limit", "1GiB"]);
    let m = measure(&mut cmd, input.into_bytes());
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    let list = krm::codec::parse_resource_list(&m.stdout).unwrap();
    assert_eq!(
        list.items.len(),
        count + 1,
        "every ConfigMap and the new Image"
    );
}
