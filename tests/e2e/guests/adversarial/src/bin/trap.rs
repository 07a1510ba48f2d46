//! Executes `unreachable`.
fn main() {
    core::arch::wasm32::unreachable()
}
