//! Following a guest's stdout on a second thread while the guest runs, so that the host can
//! start on the output (render it) before the guest exits. The thread starts only once the
//! output reaches [`FOLLOW_FROM`] bytes, so that a small output costs nothing more, or with
//! the guest for a follower that has work to do before any output.

use super::output::CappedOutput;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Output smaller than this is not followed: it is quicker to handle after the run.
const FOLLOW_FROM: usize = 64 * 1024;
/// How much of the output a follower takes at a time; once the guest has exited it takes no
/// more, and renders no further share of what it took (see `RenderAhead::take_while`).
const TAKE: usize = 64 * 1024;

/// Takes a guest's stdout, in order, as the guest writes it.
pub trait Follower: Send + 'static {
    /// Whether it has work to do before the guest writes anything.
    fn has_work_before_output(&self) -> bool {
        false
    }

    /// That work: done first, on the follower's thread, started with the guest.
    fn work_before_output(&mut self) {}

    /// Takes `bytes`; `running` says whether the guest still runs, for a follower that would
    /// rather stop early than be waited for.
    fn take(&mut self, bytes: &[u8], running: &dyn Fn() -> bool);
}

impl Follower for krm::host::RenderAhead {
    fn has_work_before_output(&self) -> bool {
        self.expects_envelope()
    }

    fn work_before_output(&mut self) {
        self.render_expected_envelope();
        // What rendering it took (its JSON, its YAML whole) would otherwise still count
        // while the guest's memory grows.
        super::release_freed_memory();
    }

    fn take(&mut self, bytes: &[u8], running: &dyn Fn() -> bool) {
        self.take_while(bytes, running)
    }
}

/// A follower that may have been started on `stdout`.
pub(super) struct Following<F> {
    started: Arc<Mutex<Option<JoinHandle<F>>>>,
}

impl<F: Follower> Following<F> {
    /// Arranges for `follower` to take `stdout` on a thread of its own, once it is large
    /// enough, or at once when it has work to do before that.
    pub(super) fn arrange(stdout: &CappedOutput, follower: F) -> Self {
        let started: Arc<Mutex<Option<JoinHandle<F>>>> = Arc::default();
        let slot = Arc::clone(&started);
        let reader = stdout.clone();
        let early = follower.has_work_before_output();
        let start = move || {
            let thread = std::thread::Builder::new()
                .name("krmwasm-follow".into())
                .spawn(move || {
                    let mut follower = follower;
                    follower.work_before_output();
                    let (mut at, mut bytes) = (0, Vec::with_capacity(TAKE));
                    while reader.read_more(at, TAKE, &mut bytes) {
                        at += bytes.len();
                        follower.take(&bytes, &|| !reader.is_closed());
                        bytes.clear();
                    }
                    follower
                });
            // Without a thread the output is handled after the run, as a small one is.
            if let Ok(thread) = thread {
                // Not beside the guest, whose CPU this is (see krm::host::beside).
                krm::host::keep_off_this_cpu(&thread);
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(thread);
            }
        };
        if early {
            start();
        } else {
            stdout.when_it_reaches(FOLLOW_FROM, Box::new(start));
        }
        Following { started }
    }

    /// The follower, once `stdout` is closed; None when it never started (or panicked).
    pub(super) fn finish(self) -> Option<F> {
        let thread = self
            .started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        thread.join().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{Limits, Runtime, VerifiedWasm};

    /// A command that writes `writes` blocks of 1,000 bytes, block `n` filled with byte `n`.
    fn writer(writes: u32) -> VerifiedWasm {
        let wasm = wat::parse_str(format!(
            r#"(module
                (import "wasi_snapshot_preview1" "fd_write"
                    (func $fd_write (param i32 i32 i32 i32) (result i32)))
                (memory (export "memory") 1)
                (func (export "_start") (local $n i32)
                    (i32.store (i32.const 0) (i32.const 100))
                    (i32.store (i32.const 4) (i32.const 1000))
                    (loop $write
                        (memory.fill (i32.const 100) (local.get $n) (i32.const 1000))
                        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                        (local.set $n (i32.add (local.get $n) (i32.const 1)))
                        (br_if $write (i32.lt_u (local.get $n) (i32.const {writes}))))))"#
        ))
        .unwrap();
        VerifiedWasm::unpinned("writer", wasm.into())
    }

    /// Keeps what it takes; with `early`, it has work to do before any output, and records
    /// whether it did it before it took anything.
    #[derive(Default)]
    struct Recorder {
        taken: Vec<u8>,
        early: bool,
        worked_first: bool,
    }

    impl Follower for Recorder {
        fn has_work_before_output(&self) -> bool {
            self.early
        }

        fn work_before_output(&mut self) {
            self.worked_first = self.taken.is_empty();
        }

        fn take(&mut self, bytes: &[u8], _: &dyn Fn() -> bool) {
            self.taken.extend_from_slice(bytes);
        }
    }

    fn run(writes: u32) -> (Vec<u8>, Option<Recorder>) {
        run_with(writes, Recorder::default())
    }

    fn run_with(writes: u32, recorder: Recorder) -> (Vec<u8>, Option<Recorder>) {
        let runtime = Runtime::new(None).unwrap();
        let limits = Limits::default();
        let loaded = runtime.load(&writer(writes), &limits).unwrap();
        let (run, recorder) = runtime.invoke_following(
            "writer",
            &loaded.module,
            Vec::new(),
            &[],
            &limits,
            Some(recorder),
        );
        assert_eq!(run.status.unwrap(), 0);
        assert_eq!(run.stdout.len(), writes as usize * 1000);
        (run.stdout, recorder)
    }

    #[test]
    fn a_follower_takes_the_start_of_a_large_output_in_order() {
        let (stdout, recorder) = run(200);
        let taken = recorder.expect("started at 64 KiB").taken;
        // It stops when the guest exits: how much it took is the machine's timing.
        assert_eq!(taken, stdout[..taken.len()]);
    }

    #[test]
    fn a_small_output_starts_no_follower() {
        let (_, recorder) = run(50);
        assert!(recorder.is_none());
    }

    /// One with work to do before any output starts with the guest, does that work first, and
    /// follows even a small output from its start.
    #[test]
    fn a_follower_with_work_before_output_starts_with_the_guest() {
        for writes in [1, 50] {
            let early = Recorder {
                early: true,
                ..Recorder::default()
            };
            let (stdout, recorder) = run_with(writes, early);
            let recorder = recorder.expect("started with the guest");
            assert!(recorder.worked_first);
            assert_eq!(recorder.taken, stdout[..recorder.taken.len()]);
        }
    }
}
