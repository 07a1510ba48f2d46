//! Sleeps for an hour: a host call, where epoch interruption cannot reach it, so the host must
//! stop it by its deadline some other way.
fn main() {
    std::thread::sleep(std::time::Duration::from_secs(3600));
}
