//! Sleeps 50 ms, well within any limit, then echoes its input: sleeping itself is allowed.
use std::io::{Read, Write};

fn main() {
    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).unwrap();
    std::io::stdout().write_all(&input).unwrap();
}
