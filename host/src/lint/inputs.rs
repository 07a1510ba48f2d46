//! How `krmwasm lint` reads the files [`crate::tree`] found, and stdin: each split into its
//! documents. A file that cannot be read or parsed becomes a finding with its place.

use super::Finding;
use super::syntax;
use crate::tree::fragments::{self, Fragment};
use krm::Severity;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// How stdin is named in findings.
pub const STDIN: &str = "<stdin>";

/// One input, read and split.
#[derive(Debug)]
pub struct LoadedFile {
    /// As given on the command line (paths under a directory argument: joined to it).
    pub display: String,
    pub text: String,
    /// `text` with the documents that did not parse blanked out, when some did not but
    /// others did: what `documents` were read from and are placed in.
    pub parsed_text: Option<String>,
    /// An empty mapping stands for each document that did not parse, so that the others keep
    /// their indices; `errors` name its index.
    pub documents: Vec<Value>,
    /// Why the file, or some of its documents, gave no documents.
    pub errors: Vec<Finding>,
    /// Set when the text showed the file to be a template, not a manifest: it is reported as
    /// set aside, not linted.
    pub set_aside: Option<Fragment>,
}

/// Reads and parses every file, on as many threads as there are cores (parsing is most of a
/// large tree's time), showing progress on a terminal when there are many. Order is kept.
pub fn read_all(files: &[PathBuf]) -> Vec<LoadedFile> {
    let progress = Progress::new(files.len());
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len().div_ceil(64))
        .max(1);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let progress = &progress;
                scope.spawn(move || {
                    part.iter()
                        .map(|path| {
                            let file = read(path);
                            progress.advance();
                            file
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a reader thread panicked"))
            .collect()
    })
}

/// A place under a directory argument that could not be walked, as a file that could not be
/// read: a `read` finding at it, and nothing under it linted.
pub fn unwalkable(place: crate::tree::Unwalkable) -> LoadedFile {
    let display = place.path.to_string_lossy().into_owned();
    let message = format!(
        "cannot read: {}; nothing under it was linted (list it in .krmwasmignore to skip it)",
        place.error
    );
    LoadedFile {
        errors: vec![Finding::own(Severity::Error, "read", message, &display)],
        display,
        text: String::new(),
        parsed_text: None,
        documents: Vec::new(),
        set_aside: None,
    }
}

fn read(path: &Path) -> LoadedFile {
    let display = if path.as_os_str() == "-" {
        STDIN.to_string()
    } else {
        path.to_string_lossy().into_owned()
    };
    let bytes = if path.as_os_str() == "-" {
        krm::codec::read_all(std::io::stdin())
    } else {
        krm::codec::read_file(path)
    };
    let finding = |display: &str, rule: &str, message: String, region| Finding {
        region,
        ..Finding::own(Severity::Error, rule, message, display)
    };
    let failed = |display: String, text: String, rule: &str, message: String, region| LoadedFile {
        errors: vec![finding(&display, rule, message, region)],
        display,
        text,
        parsed_text: None,
        documents: Vec::new(),
        set_aside: None,
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            return failed(
                display,
                String::new(),
                "read",
                format!("cannot read: {e}"),
                None,
            );
        }
    };
    // Stdin is what something rendered; a file may still be a template.
    if path.as_os_str() != "-" && fragments::ytt::is_template(&bytes) {
        return LoadedFile {
            display,
            text: String::new(),
            parsed_text: None,
            documents: Vec::new(),
            errors: Vec::new(),
            set_aside: Some(Fragment::ytt_template(path.to_path_buf())),
        };
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let why = krm::codec::NotUtf8::of(e.as_bytes(), &e.utf8_error());
            let region =
                (!why.is_utf16()).then(|| crate::lint::locate::Region::point(why.line, why.column));
            let message = why.to_string();
            // For the code frame: the line, with the byte shown as a replacement character.
            let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
            return failed(display, shown, "parse", message, region);
        }
    };
    let error = match krm::codec::parse_stream(text.as_bytes()) {
        Ok(documents) => {
            return LoadedFile {
                display,
                text,
                parsed_text: None,
                documents,
                errors: Vec::new(),
                set_aside: None,
            };
        }
        Err(error) => error,
    };
    // One broken document need not keep lint from the others.
    if let Some(salvaged) = syntax::salvage(&text) {
        return LoadedFile {
            errors: salvaged
                .broken
                .into_iter()
                .map(|b| Finding {
                    document: b.document,
                    ..finding(&display, "parse", b.message, b.region)
                })
                .collect(),
            display,
            text,
            parsed_text: Some(salvaged.text),
            documents: salvaged.documents,
            set_aside: None,
        };
    }
    let why = syntax::diagnose(&text, &error);
    failed(display, text, "parse", why.message, why.region)
}

/// A bar on stderr while a large tree is read; indicatif draws nothing unless stderr is a
/// terminal.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// Below this, reading is over before a bar would be seen.
    const MIN_FILES: usize = 200;

    fn new(total: usize) -> Self {
        if total < Self::MIN_FILES {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} files {wide_msg}")
        {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    fn advance(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            // Clear the line so the report starts clean.
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_nested_too_deep_is_placed_without_the_span_parser() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep.yaml");
        let deep = format!("a: 1\nb: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        std::fs::write(&path, deep).unwrap();
        let started = std::time::Instant::now();
        let file = read(&path);
        let [error] = &file.errors[..] else {
            panic!("one error: {:?}", file.errors)
        };
        assert!(
            error.message.contains("nested deeper than 256 levels"),
            "{}",
            error.message
        );
        let region = error.region.expect("placed");
        assert_eq!((region.line, region.column), (2, 260));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
