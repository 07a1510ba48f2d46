//! Sleeps for an hour: a host call that cannot finish within any time limit, so the host
//! stops it as soon as it asks.
fn main() {
    std::thread::sleep(std::time::Duration::from_secs(3600));
}
