//! Explains itself on stderr and exits with 3: both must reach the user.
fn main() {
    eprintln!("adversarial guest: refusing this input, exiting with 3");
    std::process::exit(3);
}
