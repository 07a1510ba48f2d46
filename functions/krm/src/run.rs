//! The run loop: the framework owns I/O, the function only processes a ResourceList.

use crate::codec::{self, Format};
use crate::diagnostic::{Diagnostic, Severity};
use crate::resource_list::ResourceList;
use std::io::{Read, Write};
use std::process::ExitCode;

/// What a function returns when it cannot do its job: the error results to report.
/// Returning it (or pushing any `error` result) makes the run fail: exit code 1, items unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure(pub Vec<Diagnostic>);

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Self {
        Failure(vec![d])
    }
}

impl From<Vec<Diagnostic>> for Failure {
    fn from(d: Vec<Diagnostic>) -> Self {
        Failure(d)
    }
}

/// The result of one run: what goes to stdout, stderr, and the exit code.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub exit_code: u8,
}

/// Runs `f` over the ResourceList in `input` and renders the output, without touching stdio.
///
/// A run fails when `f` returns a [`Failure`] or adds any `error` result; a failed run writes
/// the input items back unchanged, with the results, so nothing partial reaches the user.
/// Errors and warnings are also written to stderr, since kustomize shows stderr but ignores
/// `results`.
pub fn process<F>(name: &str, input: &[u8], format: Format, f: F) -> Outcome
where
    F: FnOnce(&mut ResourceList) -> Result<(), Failure>,
{
    let processed = process_list(name, input, f);
    Outcome {
        stdout: processed
            .list
            .map(|list| codec::to_bytes(&list, format))
            .unwrap_or_default(),
        stderr: processed.stderr,
        exit_code: processed.exit_code,
    }
}

/// A run before it is rendered: the list to write (none when the input could not be read).
struct Processed {
    list: Option<ResourceList>,
    stderr: String,
    exit_code: u8,
}

fn process_list<F>(name: &str, input: &[u8], f: F) -> Processed
where
    F: FnOnce(&mut ResourceList) -> Result<(), Failure>,
{
    let mut list = match codec::parse_resource_list(input) {
        Ok(list) => list,
        Err(e) => {
            return Processed {
                list: None,
                stderr: format!("{name}: cannot read the input ResourceList: {e}\n"),
                exit_code: 1,
            };
        }
    };
    let first_new_result = list.results.len();
    if let Err(Failure(diagnostics)) = f(&mut list) {
        list.results.extend(diagnostics);
    }
    let new_results = &list.results[first_new_result..];
    let errors = new_results.iter().filter(|d| d.is_error()).count();

    let mut stderr = String::new();
    for d in new_results.iter().filter(|d| d.severity != Severity::Info) {
        stderr.push_str(&format!("{name}: {d}\n"));
    }
    if errors > 0 {
        // Put the input items back. Parsing the input again costs only on failure, where a
        // copy made up front would cost on every run.
        list.items = codec::parse_resource_list(input)
            .expect("the input parsed a moment ago")
            .items;
        stderr.push_str(&format!(
            "{name}: failed with {errors} error(s); no resources were changed\n"
        ));
    }
    Processed {
        list: Some(list),
        stderr,
        exit_code: u8::from(errors > 0),
    }
}

/// The entry point of a function binary: stdin → `f` → stdout, with KRM exit-code semantics.
/// Output is YAML, or JSON when the environment has `KRM_OUTPUT=json`.
///
/// The output is serialized straight to stdout rather than into a buffer first, and the input
/// is dropped before that: a guest's linear memory never shrinks, so its peak is what counts.
pub fn run<F>(name: &str, f: F) -> ExitCode
where
    F: FnOnce(&mut ResourceList) -> Result<(), Failure>,
{
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("{name}: cannot read stdin: {e}");
        return ExitCode::FAILURE;
    }
    let format = match std::env::var("KRM_OUTPUT").as_deref() {
        Ok("json") => Format::Json,
        _ => Format::Yaml,
    };
    let processed = process_list(name, &input, f);
    drop(input);
    let _ = std::io::stderr().write_all(processed.stderr.as_bytes());
    if let Some(list) = &processed.list {
        let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        if let Err(e) = codec::write(&mut stdout, list, format).and_then(|()| stdout.flush()) {
            eprintln!("{name}: cannot write stdout: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::from(processed.exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Object;
    use serde_json::json;

    const INPUT: &[u8] = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n";

    #[test]
    fn success_keeps_changes_and_exits_zero() {
        let out = process("t", INPUT, Format::Yaml, |rl| {
            rl.items
                .push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}));
            rl.results.push(Diagnostic::warning("careful"));
            Ok(())
        });
        assert_eq!(out.exit_code, 0);
        let rl = codec::parse_resource_list(&out.stdout).unwrap();
        assert_eq!(rl.items.len(), 2);
        assert_eq!(out.stderr, "t: [warning]: careful\n");
    }

    #[test]
    fn failure_restores_items_and_reports() {
        let out = process("t", INPUT, Format::Yaml, |rl| {
            rl.items.clear();
            Err(Diagnostic::error("bad").at("spec.x").into())
        });
        assert_eq!(out.exit_code, 1);
        let rl = codec::parse_resource_list(&out.stdout).unwrap();
        assert_eq!(rl.items.len(), 1);
        assert_eq!(rl.items[0].name(), Some("a"));
        assert_eq!(rl.results.len(), 1);
        assert!(
            out.stderr.contains("t: [error] spec.x: bad"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("no resources were changed"));
    }

    #[test]
    fn an_error_result_alone_fails_the_run() {
        let out = process("t", INPUT, Format::Json, |rl| {
            rl.items.clear();
            rl.results.push(Diagnostic::error("found a problem"));
            Ok(())
        });
        assert_eq!(out.exit_code, 1);
        let rl = codec::parse_resource_list(&out.stdout).unwrap();
        assert_eq!(rl.items.len(), 1);
        assert!(out.stdout.starts_with(b"{"));
    }

    #[test]
    fn unreadable_input_fails_without_output() {
        let out = process("t", b"kind: Deployment\n", Format::Yaml, |_| Ok(()));
        assert_eq!(out.exit_code, 1);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr.contains("expected a ResourceList"),
            "{}",
            out.stderr
        );
    }
}
