//! Takes memory until none is left: the memory limit must stop it.
fn main() {
    let mut kept: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touched, so the pages are really used.
        kept.push(vec![1u8; 1 << 20]);
        std::hint::black_box(&kept);
    }
}
