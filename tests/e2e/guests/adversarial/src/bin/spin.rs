//! Never finishes: the timeout must stop it, and relay what it said first.
fn main() {
    eprintln!("spin: counting forever");
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
