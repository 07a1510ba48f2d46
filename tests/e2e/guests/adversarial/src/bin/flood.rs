//! Writes to stdout forever, in pieces that do not divide the limit, ignoring every error:
//! the output limit must stop it (not the timeout, not a generic crash).
use std::io::Write;

fn main() {
    let piece = [b'x'; 5000];
    let mut out = std::io::stdout();
    loop {
        let _ = out.write_all(&piece);
        let _ = out.flush();
    }
}
