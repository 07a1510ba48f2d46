//! Panics (which aborts: wasm has no unwinding here); the message must reach the user.
fn main() {
    let items: Vec<u32> = Vec::new();
    if items.is_empty() {
        panic!("adversarial guest: nothing to do, giving up");
    }
}
