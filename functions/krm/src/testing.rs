//! Golden tests: a directory of cases, each `input.yaml` (a ResourceList) and `expected.yaml`
//! (the exact output). Set `UPDATE_GOLDEN=1` to rewrite the expected files after a deliberate
//! change, then review the diff.

use crate::codec::{self, Format};
use crate::resource_list::ResourceList;
use crate::run::{Failure, Outcome, process};
use std::path::{Path, PathBuf};

/// One golden case found on disk.
#[derive(Debug, Clone)]
pub struct GoldenCase {
    pub name: String,
    pub input: PathBuf,
    pub expected: PathBuf,
}

impl GoldenCase {
    /// The exit code the expected output implies: 1 when it carries an `error` result.
    pub fn expected_exit_code(&self) -> u8 {
        let bytes = std::fs::read(&self.expected)
            .unwrap_or_else(|e| panic!("{}: {e}", self.expected.display()));
        let list = codec::parse_resource_list(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", self.expected.display()));
        u8::from(list.has_errors())
    }
}

/// Lists the cases under `dir` (every subdirectory holding an `input.yaml`), sorted by name.
/// Panics when there is none, so a misplaced directory cannot make a test pass vacuously.
pub fn cases(dir: impl AsRef<Path>) -> Vec<GoldenCase> {
    let dir = dir.as_ref();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("golden dir {}: {e}", dir.display()));
    let mut cases: Vec<GoldenCase> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("input.yaml").is_file())
        .map(|p| GoldenCase {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            input: p.join("input.yaml"),
            expected: p.join("expected.yaml"),
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!cases.is_empty(), "no golden cases under {}", dir.display());
    cases
}

/// Compares `actual` with the case's expected output (or rewrites it under `UPDATE_GOLDEN=1`).
/// Returns a description of the mismatch, if any.
pub fn check(case: &GoldenCase, actual: &[u8], exit_code: u8) -> Option<String> {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&case.expected, actual)
            .unwrap_or_else(|e| panic!("{}: {e}", case.expected.display()));
        return None;
    }
    let expected = std::fs::read(&case.expected).unwrap_or_default();
    if expected != actual {
        return Some(format!(
            "{}: output differs from {}\n{}",
            case.name,
            case.expected.display(),
            first_difference(&expected, actual)
        ));
    }
    let want = case.expected_exit_code();
    (want != exit_code).then(|| format!("{}: exit code {exit_code}, expected {want}", case.name))
}

fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let expected = String::from_utf8_lossy(expected);
    let actual = String::from_utf8_lossy(actual);
    let mut e = expected.lines();
    let mut a = actual.lines();
    for line in 1.. {
        match (e.next(), a.next()) {
            (None, None) => break,
            (x, y) if x == y => continue,
            (x, y) => {
                return format!(
                    "  line {line}:\n    expected: {}\n    actual:   {}\n--- actual output ---\n{actual}",
                    x.unwrap_or("<end of file>"),
                    y.unwrap_or("<end of file>")
                );
            }
        }
    }
    "  (same lines, different line endings)".to_string()
}

/// Runs every case under `dir` through `f` natively and checks the output; panics listing all
/// mismatching cases.
pub fn run_golden<F>(dir: impl AsRef<Path>, name: &str, f: F)
where
    F: Fn(&mut ResourceList) -> Result<(), Failure>,
{
    run_golden_outcomes(dir, |input| process(name, input, Format::Yaml, &f));
}

/// [`run_golden`] for a function given as a whole run: input bytes to the outcome written
/// as YAML (e.g. a generator's `process_input` with `Format::Yaml`).
pub fn run_golden_outcomes(dir: impl AsRef<Path>, run: impl Fn(&[u8]) -> Outcome) {
    let failures: Vec<String> = cases(dir)
        .iter()
        .filter_map(|case| {
            let input = std::fs::read(&case.input)
                .unwrap_or_else(|e| panic!("{}: {e}", case.input.display()));
            let out = run(&input);
            check(case, &out.stdout, out.exit_code)
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs `f` over `items` with `config`, as a host would (JSON in and out): the output list and
/// the exit code. For unit tests of functions.
pub fn run_with<F>(
    name: &str,
    f: F,
    items: Vec<serde_json::Value>,
    config: Option<serde_json::Value>,
) -> (ResourceList, u8)
where
    F: FnOnce(&mut ResourceList) -> Result<(), Failure>,
{
    run_outcome_with(
        name,
        |input| process(name, input, Format::Json, f),
        items,
        config,
    )
}

/// [`run_with`] for a function given as a whole run: input bytes to the outcome written as
/// JSON.
pub fn run_outcome_with(
    name: &str,
    run: impl FnOnce(&[u8]) -> Outcome,
    items: Vec<serde_json::Value>,
    config: Option<serde_json::Value>,
) -> (ResourceList, u8) {
    let input = codec::to_bytes(&ResourceList::new(items, config), Format::Json);
    let out = run(&input);
    let list = codec::parse_resource_list(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{name} wrote no ResourceList ({e}); stderr:\n{}",
            out.stderr
        )
    });
    (list, out.exit_code)
}

/// Runs a generator or validator both ways over `items` with `config` (JSON in and out): as
/// its binary does (`as_binary`, objects or items one at a time) and on trees (`process`).
/// Panics unless both write the same; returns the output list and the exit code.
pub fn run_both_ways<F>(
    name: &str,
    process: F,
    as_binary: impl FnOnce(&[u8], Format) -> Outcome,
    items: Vec<serde_json::Value>,
    config: Option<serde_json::Value>,
) -> (ResourceList, u8)
where
    F: FnOnce(&mut ResourceList) -> Result<(), Failure>,
{
    let as_built = run_outcome_with(
        name,
        |input| as_binary(input, Format::Json),
        items.clone(),
        config.clone(),
    );
    let on_trees = run_with(name, process, items, config);
    assert_eq!(
        as_built, on_trees,
        "{name}: the run as its binary does it and the run on trees differ"
    );
    as_built
}

/// The (field path, message) of every error result.
pub fn errors(list: &ResourceList) -> Vec<(String, String)> {
    list.results
        .iter()
        .filter(|r| r.is_error())
        .map(|r| {
            (
                r.field.as_ref().map(|f| f.path.clone()).unwrap_or_default(),
                r.message.clone(),
            )
        })
        .collect()
}
