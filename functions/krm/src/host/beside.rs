//! Helper threads that really run beside the thread that starts them. On the project's
//! machine (a 2-vCPU VM) a thread started while the starting thread was busy was put on the
//! same CPU and first ran 1.5-2.5 ms later (median; up to 4 ms, the scheduler's tick),
//! taking its turns from the busy thread when it did: a follower started while a guest wrote
//! its output slowed the guest by half, and a second renderer started after the run began
//! its share milliseconds late. Allowed every CPU but the starter's, a thread runs at once
//! on another (about 0.1 ms).

use std::thread::JoinHandle;

/// Runs `here` on this thread and `beside` on a new one kept off this CPU, and returns what
/// both returned, as `std::thread::scope` with one spawned thread would (both may borrow).
/// A panic in either is raised here once both have ended.
pub fn run_beside<H, B, RH, RB>(here: H, beside: B) -> (RH, RB)
where
    H: FnOnce() -> RH,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    /// Joins the thread if this function unwinds before it is joined below.
    struct Joined<T>(Option<JoinHandle<T>>);
    impl<T> Drop for Joined<T> {
        fn drop(&mut self) {
            if let Some(thread) = self.0.take() {
                let _ = thread.join();
            }
        }
    }
    // SAFETY: the thread is joined before this function returns, and before it unwinds (by
    // `Joined`), so nothing `beside` borrows can end while it runs.
    let thread = unsafe { std::thread::Builder::new().spawn_unchecked(beside) }
        .expect("cannot start a thread");
    keep_off_this_cpu(&thread);
    let mut joined = Joined(Some(thread));
    let here = here();
    let beside = joined
        .0
        .take()
        .expect("joined once")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    (here, beside)
}

/// Lets `thread`, just started, run only on the CPUs this process may use other than the one
/// the calling thread is on. Nothing changes when there is no other CPU, or off Linux.
pub fn keep_off_this_cpu<T>(thread: &JoinHandle<T>) {
    #[cfg(target_os = "linux")]
    // SAFETY: sched_getcpu has no preconditions.
    if let Ok(here) = usize::try_from(unsafe { libc::sched_getcpu() }) {
        keep_off(thread, here);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = thread;
}

/// Lets `thread` run on the CPUs this process may use but `cpu`, if there are any.
#[cfg(target_os = "linux")]
fn keep_off<T>(thread: &JoinHandle<T>, cpu: usize) -> bool {
    use std::os::unix::thread::JoinHandleExt;
    // SAFETY: calls on a cpu_set_t owned here (CPU_CLR ignores a CPU past its size) and on a
    // thread this process started and has not joined (its handle is borrowed).
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if libc::sched_getaffinity(0, size, &mut allowed) != 0 {
            return false;
        }
        libc::CPU_CLR(cpu, &mut allowed);
        libc::CPU_COUNT(&allowed) > 0
            && libc::pthread_setaffinity_np(thread.as_pthread_t(), size, &allowed) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_run_and_may_borrow() {
        let words = ["here".to_string(), "beside".to_string()];
        let (a, b) = run_beside(|| words[0].len(), || words[1].clone());
        assert_eq!((a, b.as_str()), (4, "beside"));
    }

    #[test]
    fn a_panic_beside_is_raised_here_after_both_end() {
        let done_here = std::sync::atomic::AtomicBool::new(false);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_beside(
                || done_here.store(true, std::sync::atomic::Ordering::SeqCst),
                || panic!("beside"),
            )
        }));
        assert!(result.is_err());
        assert!(done_here.load(std::sync::atomic::Ordering::SeqCst));
    }

    /// Kept off CPU 0, a helper never runs there, when the process may use another CPU.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_helper_kept_off_a_cpu_runs_elsewhere() {
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            wait.recv().unwrap();
            (0..1000)
                .map(|_| unsafe { libc::sched_getcpu() })
                .collect::<Vec<_>>()
        });
        let kept_off = keep_off(&thread, 0);
        go.send(()).unwrap();
        let ran_on = thread.join().unwrap();
        if kept_off {
            assert!(ran_on.iter().all(|&cpu| cpu != 0), "{ran_on:?}");
        } else {
            // Only when CPU 0 is all this process may use.
            let only_cpu_0 = unsafe {
                let mut allowed: libc::cpu_set_t = std::mem::zeroed();
                libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut allowed);
                libc::CPU_COUNT(&allowed) == 1 && libc::CPU_ISSET(0, &allowed)
            };
            assert!(only_cpu_0);
        }
    }
}
