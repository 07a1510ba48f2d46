//! Writes to stderr forever, ignoring every error: the stderr limit must stop it.
use std::io::Write;

fn main() {
    let line = [b'!'; 1000];
    let mut err = std::io::stderr();
    loop {
        let _ = err.write_all(&line);
    }
}
