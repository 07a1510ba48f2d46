//! What to say when a guest crashes: the trap first, then where, in the function's own words.
//!
//! wasmtime's error for a trap prints its backtrace first, frame by frame with mangled
//! names and the trap last: a Rust panic is seventeen lines of `_RNvNtCs…` before "wasm
//! `unreachable` instruction executed", and endless recursion twenty identical frames. A
//! crash report leads with the trap, names frames as their source does (demangled, without
//! hashes), leaves out the frames of the language's runtime around the function's own code
//! (panic machinery, `_start`, `main`'s wrappers), folds a repeated frame into one line and
//! stops after a screenful.

use wasmtime::{Trap, WasmBacktrace};

/// Frames shown at most; the rest are counted.
const FRAMES_SHOWN: usize = 12;

/// Frames wasmtime keeps of a trap's backtrace, innermost first (its default is 20: a Rust
/// panic's own machinery takes ten of them).
pub const FRAMES_CAPTURED: usize = 64;

/// `error` (a failed call into the guest) as "trap, then the frames", one frame a line.
pub fn describe(error: &wasmtime::Error) -> String {
    let backtrace = error.downcast_ref::<WasmBacktrace>();
    let mut message = match error.downcast_ref::<Trap>() {
        Some(trap) => explain(*trap),
        // Not a trap (a host call failed): its own chain says it, without the backtrace,
        // which wasmtime attaches as the outermost context.
        None => error
            .chain()
            .skip(usize::from(backtrace.is_some()))
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": "),
    };
    if let Some(backtrace) = backtrace {
        let names: Vec<String> = backtrace
            .frames()
            .iter()
            .map(|frame| frame_name(frame.func_name(), frame.func_index()))
            .collect();
        let complete = names.len() < FRAMES_CAPTURED;
        for line in frame_lines(&names, complete) {
            message.push_str("\n  ");
            message.push_str(&line);
        }
    }
    message
}

/// The trap, and what usually causes it when that is not plain.
fn explain(trap: Trap) -> String {
    let hint = match trap {
        Trap::UnreachableCodeReached => {
            " (how a Rust panic or an abort ends: see what the function wrote to stderr)"
        }
        Trap::StackOverflow => " (recursion too deep or without end)",
        _ => "",
    };
    format!("{trap}{hint}")
}

/// A frame's function as its source names it: demangled, without the hash; by index when the
/// module keeps no names.
fn frame_name(name: Option<&str>, index: u32) -> String {
    match name {
        Some(name) => format!("{:#}", rustc_demangle::demangle(name)),
        None => format!("function #{index}"),
    }
}

/// Whether a function belongs to the runtime around a guest's code: Rust's standard library
/// and panic machinery, and wasi-libc's entry points.
fn is_runtime(name: &str) -> bool {
    const PREFIXES: [&str; 10] = [
        "std::",
        "core::",
        "alloc::",
        "<std::",
        "<core::",
        "<alloc::",
        "__rustc::",
        "__rust_",
        "rust_panic",
        "rust_begin_unwind",
    ];
    const NAMES: [&str; 4] = ["_start", "__main_void", "__original_main", "abort"];
    PREFIXES.iter().any(|prefix| name.starts_with(prefix)) || NAMES.contains(&name)
}

/// The lines for a backtrace's frames (innermost first): from the first of the guest's own
/// frames to the last, when it has any; repeats folded; at most [`FRAMES_SHOWN`]. A trace
/// that is not `complete` lacks its outermost frames.
fn frame_lines(names: &[String], complete: bool) -> Vec<String> {
    let own = |name: &&String| !is_runtime(name);
    let shown = match (
        names.iter().position(|n| own(&n)),
        names.iter().rposition(|n| own(&n)),
    ) {
        (Some(first), Some(last)) => &names[first..=last],
        _ => names,
    };
    let mut folded: Vec<(&str, usize)> = Vec::new();
    for name in shown {
        match folded.last_mut() {
            Some((last, times)) if *last == name.as_str() => *times += 1,
            _ => folded.push((name, 1)),
        }
    }
    let mut lines: Vec<String> = folded
        .iter()
        .take(FRAMES_SHOWN)
        .enumerate()
        .map(|(i, (name, times))| {
            let place = if i == 0 { "at" } else { "in" };
            match times {
                1 => format!("{place} {name}"),
                n => format!("{place} {name} (repeated {n} times)"),
            }
        })
        .collect();
    if folded.len() > FRAMES_SHOWN {
        let more: usize = folded[FRAMES_SHOWN..].iter().map(|(_, n)| n).sum();
        lines.push(format!("… {more} more frames"));
    }
    if !complete {
        lines.push(format!(
            "… outer frames not kept (a backtrace keeps the innermost {FRAMES_CAPTURED})"
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn rust_names_are_demangled_without_their_hash() {
        assert_eq!(
            frame_name(Some("_ZN4trap4main17ha0449701d98925a6E"), 3),
            "trap::main"
        );
        assert_eq!(
            frame_name(Some("_RNvNtCsdHhIpgkcIfN_4core9panicking9panic_fmt"), 3),
            "core::panicking::panic_fmt"
        );
        assert_eq!(frame_name(None, 7), "function #7");
        assert_eq!(frame_name(Some("run"), 7), "run");
    }

    #[test]
    fn the_runtime_around_the_guests_frames_is_left_out() {
        let panic = names(&[
            "abort",
            "std::process::abort",
            "__rustc::rust_panic",
            "core::panicking::panic_fmt",
            "kpack_image::expand",
            "kpack_image::main",
            "std::sys::backtrace::__rust_begin_short_backtrace",
            "std::rt::lang_start_internal",
            "__main_void",
            "_start",
        ]);
        assert_eq!(
            frame_lines(&panic, true),
            ["at kpack_image::expand", "in kpack_image::main"]
        );
        // Only runtime frames: all of them, rather than nothing.
        let bare = names(&["abort", "_start"]);
        assert_eq!(frame_lines(&bare, true), ["at abort", "in _start"]);
    }

    #[test]
    fn repeated_frames_are_folded_and_long_traces_cut() {
        let mut deep = names(&["walk"; 20]);
        deep.push("_start".into());
        assert_eq!(frame_lines(&deep, true), ["at walk (repeated 20 times)"]);
        let long: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        let lines = frame_lines(&long, true);
        assert_eq!(lines.len(), FRAMES_SHOWN + 1);
        assert_eq!(lines[FRAMES_SHOWN], "… 8 more frames");
        let endless = names(&["walk"; FRAMES_CAPTURED]);
        assert_eq!(
            frame_lines(&endless, false),
            [
                "at walk (repeated 64 times)",
                "… outer frames not kept (a backtrace keeps the innermost 64)"
            ]
        );
    }
}
