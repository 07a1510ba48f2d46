//! The time limit: a call still running at its deadline ends the process.
//!
//! Guests are not interrupted. wasmtime's epoch interruption compiles a check into every
//! function entry and loop header, and those checks cost the KRM functions 13–23 % of their
//! run time (interleaved, 1,000 resources: kpack-validate 21.0 → 16.2 ms, kpack-image
//! 15.9 → 13.8 ms) and 12–15 % of their compiled size. krmwasm makes one call at a time and
//! fails the whole command when a call fails, so stopping the process loses nothing a stopped
//! call would have kept: the guest's stderr so far is relayed, the error names the function
//! and the flag that raises the limit, and nothing reaches stdout, which is written only after
//! a call has returned (and so after its [`Armed`] is dropped, which waits for an expiry
//! under way to end the process).

use super::RunError;
use super::output::CappedOutput;
use std::io::Write as _;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A call's deadline and what is said when it passes.
pub(super) struct Expiry {
    pub deadline: Instant,
    /// When the call began, for the verbose log.
    pub started: Instant,
    pub name: String,
    pub limit: Duration,
    /// The guest's stderr, relayed before the error as it would be after a returned call.
    pub stderr: CappedOutput,
}

/// What happens at an expiry: [`end_process`], except in tests.
type Action = fn(&Expiry);

/// One thread per runtime, started with the first call, waits for the earliest deadline of
/// the calls under way.
pub(super) struct Watchdog {
    shared: Arc<Shared>,
    action: Action,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    started: bool,
    /// The runtime is gone: the thread ends.
    closed: bool,
    next_id: u64,
    calls: Vec<(u64, Expiry)>,
}

/// A call's deadline, watched until this is dropped.
pub(super) struct Armed {
    shared: Arc<Shared>,
    id: u64,
}

impl Watchdog {
    pub fn new() -> Self {
        Self::with_action(end_process)
    }

    fn with_action(action: Action) -> Self {
        Watchdog {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
            }),
            action,
        }
    }

    /// Watches a call until the returned [`Armed`] is dropped.
    pub fn arm(&self, expiry: Expiry) -> Armed {
        let mut state = self.shared.lock();
        if !state.started {
            state.started = true;
            let shared = Arc::clone(&self.shared);
            let action = self.action;
            std::thread::Builder::new()
                .name("krmwasm-watchdog".into())
                .spawn(move || shared.watch(action))
                .expect("cannot start the thread that enforces the time limit");
        }
        let id = state.next_id;
        state.next_id += 1;
        state.calls.push((id, expiry));
        drop(state);
        self.shared.changed.notify_all();
        Armed {
            shared: Arc::clone(&self.shared),
            id,
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        // Waits, should an expiry be under way, for it to end the process.
        self.shared.lock().calls.retain(|(id, _)| *id != self.id);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing here can panic half-way through an update.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn watch(&self, action: Action) {
        let mut state = self.lock();
        while !state.closed {
            let earliest = state
                .calls
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, expiry))| expiry.deadline)
                .map(|(at, (_, expiry))| (at, expiry.deadline));
            let Some((at, deadline)) = earliest else {
                state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            };
            match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => {
                    state = match self.changed.wait_timeout(state, left) {
                        Ok((state, _)) => state,
                        Err(e) => e.into_inner().0,
                    };
                }
                // Under the lock, so that the call cannot return and write meanwhile.
                _ => {
                    let (_, expiry) = state.calls.remove(at);
                    action(&expiry);
                }
            }
        }
    }
}

/// Ends the process as a failed call ends the command: stderr relayed, the error, exit 1.
fn end_process(expiry: &Expiry) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(&expiry.stderr.copy_bytes());
    if crate::log::verbose() {
        let _ = writeln!(
            stderr,
            "krmwasm: {}: ran in {:?}, stopped at its time limit",
            expiry.name,
            expiry.started.elapsed()
        );
    }
    let timeout = RunError::Timeout {
        name: expiry.name.clone(),
        limit: expiry.limit,
    };
    let _ = writeln!(stderr, "krmwasm: error: {timeout}");
    std::process::exit(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What expired, in order (one list per test binary: each test names its calls).
    static EXPIRED: Mutex<Vec<(String, Instant)>> = Mutex::new(Vec::new());

    fn record(expiry: &Expiry) {
        EXPIRED
            .lock()
            .unwrap()
            .push((expiry.name.clone(), Instant::now()));
    }

    fn expired(prefix: &str) -> Vec<(String, Instant)> {
        let all = EXPIRED.lock().unwrap();
        all.iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .cloned()
            .collect()
    }

    fn expiry(name: &str, after: Duration) -> Expiry {
        let now = Instant::now();
        Expiry {
            deadline: now + after,
            started: now,
            name: name.into(),
            limit: after,
            stderr: CappedOutput::new(1024),
        }
    }

    fn wait_for(prefix: &str, count: usize) -> Vec<(String, Instant)> {
        let give_up = Instant::now() + Duration::from_secs(10);
        loop {
            let found = expired(prefix);
            if found.len() >= count || Instant::now() > give_up {
                return found;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_call_past_its_deadline_expires_at_the_deadline_and_not_before() {
        let watchdog = Watchdog::with_action(record);
        let call = expiry("late-a", Duration::from_millis(50));
        let deadline = call.deadline;
        let _armed = watchdog.arm(call);
        let found = wait_for("late-", 1);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1 >= deadline, "expired before its deadline");
    }

    #[test]
    fn a_call_that_returns_in_time_does_not_expire() {
        let watchdog = Watchdog::with_action(record);
        drop(watchdog.arm(expiry("quick-a", Duration::from_millis(30))));
        // A later call keeps the thread waiting past the first deadline.
        let _armed = watchdog.arm(expiry("quick-b", Duration::from_secs(3600)));
        std::thread::sleep(Duration::from_millis(200));
        assert!(expired("quick-").is_empty());
    }

    /// Calls under way together each keep their own deadline: the earlier expires first,
    /// whichever was armed first, and one returning does not disarm the other.
    #[test]
    fn calls_under_way_together_each_keep_their_deadline() {
        let watchdog = Watchdog::with_action(record);
        let _slow = watchdog.arm(expiry("both-slow", Duration::from_millis(150)));
        let _fast = watchdog.arm(expiry("both-fast", Duration::from_millis(50)));
        drop(watchdog.arm(expiry("both-returned", Duration::from_millis(10))));
        let found = wait_for("both-", 2);
        let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["both-fast", "both-slow"]);
    }
}
