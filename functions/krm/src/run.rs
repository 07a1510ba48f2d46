//! The run loop: the framework owns I/O, the function only processes a ResourceList.

use crate::codec::{self, Format};
use crate::diagnostic::{Diagnostic, Severity};
use crate::resource_list::ResourceList;
use std::io::Write;
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
    process_list(name, input, f).render(format)
}

/// Runs a validator over the ResourceList in `input` and renders the output, without touching
/// stdio: [`process`] for [`run_validator`]. `start` makes the validator from the list's
/// `functionConfig`.
pub fn process_validator<V, S>(name: &str, input: &[u8], format: Format, start: S) -> Outcome
where
    V: crate::ItemValidator,
    S: Fn(Option<&serde_json::Value>) -> V,
{
    validate_list(name, input, start).render(format)
}

/// A run before it is rendered: the list to write (none when the input could not be read).
pub(crate) struct Processed<L = ResourceList> {
    pub(crate) list: Option<L>,
    pub(crate) stderr: String,
    pub(crate) exit_code: u8,
}

/// What a run writes: a list, in the format it is asked for.
/// The writer is a type parameter, not `dyn Write`: serde_json writes a few bytes at a time,
/// and through a trait object each of those writes was an indirect call that the buffer's
/// fast path could not be inlined into (about a tenth of a generator's time under wasm).
pub(crate) trait WriteList {
    fn write_list<W: Write>(&self, out: W, format: Format) -> std::io::Result<()>;
}

impl WriteList for ResourceList {
    fn write_list<W: Write>(&self, out: W, format: Format) -> std::io::Result<()> {
        codec::write(out, self, format)
    }
}

impl<L: WriteList> Processed<L> {
    /// The outcome, with the output rendered whole. Output that cannot be rendered (a
    /// generator that fails while making an object) is not written at all.
    pub(crate) fn render(self, format: Format) -> Outcome {
        let mut outcome = Outcome {
            stdout: Vec::new(),
            stderr: self.stderr,
            exit_code: self.exit_code,
        };
        if let Some(list) = &self.list
            && let Err(e) = list.write_list(&mut outcome.stdout, format)
        {
            outcome.stdout.clear();
            outcome.stderr.push_str(&format!(
                "internal error: the output cannot be written: {e}\n"
            ));
            outcome.exit_code = 1;
        }
        outcome
    }
}

fn process_list<F>(name: &str, input: &[u8], f: F) -> Processed
where
    F: FnOnce(&mut ResourceList) -> Result<(), Failure>,
{
    let mut list = match parse_input(name, input) {
        Ok(list) => list,
        Err(unreadable) => return *unreadable,
    };
    let first_new_result = list.results.len();
    if let Err(Failure(diagnostics)) = f(&mut list) {
        list.results.extend(diagnostics);
    }
    let (mut stderr, errors) = report(name, &list.results[first_new_result..]);
    if errors > 0 {
        // Put the input items back. Parsing the input again costs only on failure, where a
        // copy made up front would cost on every run.
        list.items = codec::parse_resource_list(input)
            .expect("the input parsed a moment ago")
            .items;
        stderr.push_str(&unchanged(name, errors));
    }
    Processed {
        list: Some(list),
        stderr,
        exit_code: u8::from(errors > 0),
    }
}

/// A validator's run: it only reads the list, so there is nothing to put back on failure.
/// JSON input is validated item by item, its items kept as text (see [`crate::validator`]);
/// other input, or JSON that reader declines, is read as trees.
fn validate_list<'a, V, S>(
    name: &str,
    input: &'a [u8],
    start: S,
) -> Processed<crate::validator::ReadList<'a>>
where
    V: crate::ItemValidator,
    S: Fn(Option<&serde_json::Value>) -> V,
{
    match crate::validator::ReadList::read_json(input) {
        Some(list) => {
            let results = list.validate(&start);
            validated(name, list, results)
        }
        None => validate_tree(name, parse_input(name, input), start),
    }
}

/// A validator's run over the input read as trees (or the failed run of unreadable input).
fn validate_tree<V, S>(
    name: &str,
    parsed: Result<ResourceList, Box<Processed>>,
    start: S,
) -> Processed<crate::validator::ReadList<'static>>
where
    V: crate::ItemValidator,
    S: Fn(Option<&serde_json::Value>) -> V,
{
    match parsed {
        Ok(list) => {
            let results = crate::validate_items(&list.items, start(list.function_config.as_ref()));
            validated(name, crate::validator::ReadList::Tree(list), results)
        }
        Err(unreadable) => Processed {
            list: None,
            stderr: unreadable.stderr,
            exit_code: unreadable.exit_code,
        },
    }
}

/// A validator's run once it has its results: they go after the list's own, and any error
/// fails the run.
fn validated<'a>(
    name: &str,
    mut list: crate::validator::ReadList<'a>,
    results: Result<Vec<Diagnostic>, Failure>,
) -> Processed<crate::validator::ReadList<'a>> {
    let all_results = &mut list.envelope_mut().results;
    let first_new_result = all_results.len();
    all_results.extend(results.unwrap_or_else(|Failure(diagnostics)| diagnostics));
    let (mut stderr, errors) = report(name, &all_results[first_new_result..]);
    if errors > 0 {
        stderr.push_str(&unchanged(name, errors));
    }
    Processed {
        list: Some(list),
        stderr,
        exit_code: u8::from(errors > 0),
    }
}

/// The input list, or the failed run that unreadable input makes.
pub(crate) fn parse_input<L>(name: &str, input: &[u8]) -> Result<ResourceList, Box<Processed<L>>> {
    codec::parse_resource_list(input).map_err(|e| {
        Box::new(Processed {
            list: None,
            stderr: format!("{name}: cannot read the input ResourceList: {e}\n"),
            exit_code: 1,
        })
    })
}

/// How many errors, and how many warnings, a run prints to stderr at most. The rest are in
/// the output's results: thousands of lines help nobody, and a host caps stderr (krmwasm
/// stops a function that writes more than 1 MiB of it).
const SHOWN_PER_SEVERITY: usize = 100;

/// The stderr lines for a run's new results (errors and warnings, the first
/// [`SHOWN_PER_SEVERITY`] of each in their order, then how many more there are), and how
/// many are errors.
pub(crate) fn report(name: &str, new_results: &[Diagnostic]) -> (String, usize) {
    let mut stderr = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for d in new_results {
        let seen = match d.severity {
            Severity::Info => continue,
            Severity::Error => &mut errors,
            Severity::Warning => &mut warnings,
        };
        *seen += 1;
        if *seen <= SHOWN_PER_SEVERITY {
            stderr.push_str(&format!("{name}: {d}\n"));
        }
    }
    let hidden = |count: usize, what: &str| {
        let more = count.saturating_sub(SHOWN_PER_SEVERITY);
        (more > 0).then(|| format!("{more} more {what}"))
    };
    let hidden: Vec<String> = [hidden(errors, "error(s)"), hidden(warnings, "warning(s)")]
        .into_iter()
        .flatten()
        .collect();
    if !hidden.is_empty() {
        stderr.push_str(&format!(
            "{name}: {} not shown here; every result is in the output's results\n",
            hidden.join(" and ")
        ));
    }
    (stderr, errors)
}

pub(crate) fn unchanged(name: &str, errors: usize) -> String {
    format!("{name}: failed with {errors} error(s); no resources were changed\n")
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
    let Some(input) = read_stdin(name) else {
        return ExitCode::FAILURE;
    };
    let processed = process_list(name, &input, f);
    drop(input);
    write_out(name, processed)
}

/// The entry point of a validator binary: like [`run`], for a function that reads the list
/// and returns results, and never changes an item. JSON input is validated one item at a time
/// and written back as it came, so the items are never all held as trees; other input is
/// read as trees, and its text dropped before the validator runs.
pub fn run_validator<V, S>(name: &str, start: S) -> ExitCode
where
    V: crate::ItemValidator,
    S: Fn(Option<&serde_json::Value>) -> V,
{
    let Some(input) = read_stdin(name) else {
        return ExitCode::FAILURE;
    };
    if let Some(list) = crate::validator::ReadList::read_json(&input) {
        if output_format() == Format::Json {
            return validate_items_written(name, list, &start);
        }
        let results = list.validate(&start);
        return write_out(name, validated(name, list, results));
    }
    // Trees take about ten times their text: let the text go before validating them.
    let parsed = parse_input(name, &input);
    drop(input);
    write_out(name, validate_tree(name, parsed, start))
}

/// A validator's run over JSON input with JSON output: the items go out first, as they
/// came, and the validator runs while krmwasm reads them (a validator never changes an
/// item, so they are the same whatever it finds); the results and the rest of the list
/// follow. The bytes are those [`write_out`] writes.
fn validate_items_written<V, S>(name: &str, list: crate::validator::ReadList, start: &S) -> ExitCode
where
    V: crate::ItemValidator,
    S: Fn(Option<&serde_json::Value>) -> V,
{
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, raw_stdout());
    if !written(name, &mut stdout, |out| list.write_json_items(out)) {
        return ExitCode::FAILURE;
    }
    let results = list.validate(start);
    let processed = validated(name, list, results);
    let _ = std::io::stderr().write_all(processed.stderr.as_bytes());
    if let Some(list) = &processed.list
        && !written(name, &mut stdout, |out| list.write_json_after_items(out))
    {
        return ExitCode::FAILURE;
    }
    let exit_code = processed.exit_code;
    exit_leaving(processed, exit_code)
}

/// Writes with `write` and flushes `out`; false, having said why on stderr, when it fails.
fn written<W: Write>(
    name: &str,
    out: &mut W,
    write: impl FnOnce(&mut W) -> std::io::Result<()>,
) -> bool {
    match write(&mut *out).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("{name}: cannot write the output: {e}");
            false
        }
    }
}

/// The output format `KRM_OUTPUT` asks for: JSON, or YAML by default.
fn output_format() -> Format {
    match std::env::var("KRM_OUTPUT").as_deref() {
        Ok("json") => Format::Json,
        _ => Format::Yaml,
    }
}

pub(crate) fn read_stdin(name: &str) -> Option<Vec<u8>> {
    match crate::codec::read_all(std::io::stdin()) {
        Ok(input) => Some(input),
        Err(e) => {
            eprintln!("{name}: cannot read stdin: {e}");
            None
        }
    }
}

/// Writes the run's stderr, then its list straight to stdout, in the format `KRM_OUTPUT`
/// asks for; the process's exit code.
pub(crate) fn write_out<L: WriteList>(name: &str, processed: Processed<L>) -> ExitCode {
    let format = output_format();
    let _ = std::io::stderr().write_all(processed.stderr.as_bytes());
    if let Some(list) = &processed.list {
        let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, raw_stdout());
        if !written(name, &mut stdout, |out| list.write_list(out, format)) {
            return ExitCode::FAILURE;
        }
    }
    let exit_code = processed.exit_code;
    exit_leaving(processed, exit_code)
}

/// The exit code of an entry point whose output is written, leaving what it `held` to the
/// process's end instead of freeing it object by object: under wasm, freeing a generator's
/// thousand objects took 0.4–0.8 ms of dlmalloc, for memory that goes with the process anyway.
/// Only for the `run*` entry points, whose caller returns the code from `main`.
fn exit_leaving<T>(held: T, exit_code: u8) -> ExitCode {
    std::mem::forget(held);
    ExitCode::from(exit_code)
}

/// Standard output without std's `LineWriter`, which searches every chunk written for its
/// last newline: compact JSON has none, so each 64 KiB chunk was scanned whole (1–2 % of a
/// large run under wasm, where the search goes byte by byte). Writes go to fd 1 as they
/// are handed over; the caller buffers them.
fn raw_stdout() -> impl Write {
    #[cfg(any(unix, target_os = "wasi"))]
    {
        use std::os::fd::FromRawFd;
        struct Fd1(std::mem::ManuallyDrop<std::fs::File>);
        impl Write for Fd1 {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                (&*self.0).write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        // SAFETY: fd 1 is the process's standard output, open for its whole life; the File
        // is never dropped, so it never closes a descriptor it does not own.
        Fd1(std::mem::ManuallyDrop::new(unsafe {
            std::fs::File::from_raw_fd(1)
        }))
    }
    #[cfg(not(any(unix, target_os = "wasi")))]
    std::io::stdout().lock()
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
    fn stderr_shows_the_first_hundred_of_each_severity_and_counts_the_rest() {
        let mut results: Vec<Diagnostic> = (0..250)
            .map(|n| Diagnostic::warning(format!("w{n}")))
            .collect();
        results.insert(120, Diagnostic::error("late error"));
        results.push(Diagnostic::info("quiet"));
        let (stderr, errors) = report("t", &results);
        assert_eq!(errors, 1);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 102, "{stderr}");
        assert_eq!(lines[0], "t: [warning]: w0");
        assert_eq!(lines[99], "t: [warning]: w99");
        assert_eq!(
            lines[100], "t: [error]: late error",
            "an error after them still shows"
        );
        assert_eq!(
            lines[101],
            "t: 150 more warning(s) not shown here; every result is in the output's results"
        );
        let errors_too: Vec<Diagnostic> = (0..101).map(|_| Diagnostic::error("e")).collect();
        assert!(report("t", &errors_too).0.ends_with(
            "t: 1 more error(s) not shown here; every result is in the output's results\n"
        ));
        let few: Vec<Diagnostic> = (0..100).map(|_| Diagnostic::warning("w")).collect();
        assert_eq!(report("t", &few).0.lines().count(), 100, "nothing hidden");
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

    /// Warns with the number of items it saw, or fails with `failure`.
    struct Counter {
        items: usize,
        failure: Option<&'static str>,
    }

    impl crate::ItemValidator for Counter {
        fn check(&mut self, _: usize, _: &serde_json::Value) {
            self.items += 1;
        }

        fn finish(self) -> Result<Vec<Diagnostic>, Failure> {
            match self.failure {
                Some(message) => Err(Diagnostic::error(message).into()),
                None => Ok(vec![Diagnostic::warning(format!("{} item(s)", self.items))]),
            }
        }
    }

    fn counter(failure: Option<&'static str>) -> impl Fn(Option<&serde_json::Value>) -> Counter {
        move |_| Counter { items: 0, failure }
    }

    #[test]
    fn a_validator_adds_results_and_fails_on_an_error() {
        let json = codec::to_bytes(&codec::parse_resource_list(INPUT).unwrap(), Format::Json);
        for input in [INPUT, &json] {
            let out = process_validator("v", input, Format::Yaml, counter(None));
            assert_eq!(out.exit_code, 0);
            assert_eq!(out.stderr, "v: [warning]: 1 item(s)\n");
            let rl = codec::parse_resource_list(&out.stdout).unwrap();
            assert_eq!((rl.items.len(), rl.results.len()), (1, 1));

            let out = process_validator("v", input, Format::Json, counter(Some("bad config")));
            assert_eq!(out.exit_code, 1);
            let rl = codec::parse_resource_list(&out.stdout).unwrap();
            assert_eq!(rl.items.len(), 1, "a failed validation keeps every item");
            assert_eq!(rl.results[0].message, "bad config");
            assert!(
                out.stderr
                    .ends_with("v: failed with 1 error(s); no resources were changed\n")
            );
        }

        let out = process_validator("v", b"kind: Deployment\n", Format::Yaml, counter(None));
        assert_eq!((out.exit_code, out.stdout.is_empty()), (1, true));
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
