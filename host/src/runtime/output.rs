//! A guest's stdout, kept in memory up to a limit. A write that would pass the limit stops
//! the guest (a trap) and is remembered, so the run is reported as over its output limit
//! whatever the guest did next, and however its writes happened to fall against the limit.
//! (wasmtime-wasi's `MemoryOutputPipe` refuses such a write with a generic trap, or lets a
//! guest that ignores the error go on.)
//!
//! Another thread may follow the output as it grows ([`CappedOutput::read_more`]), started
//! only once the output is large enough to be worth it ([`CappedOutput::when_it_reaches`]).

use bytes::Bytes;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

#[derive(Clone)]
pub struct CappedOutput(Arc<Shared>);

struct Shared {
    state: Mutex<State>,
    /// Signalled when bytes are appended while a follower reads, and when the output closes.
    changed: Condvar,
}

struct State {
    bytes: Vec<u8>,
    limit: usize,
    exceeded: bool,
    /// Nothing more will be written.
    closed: bool,
    /// What to start once the output holds `at` bytes.
    watch: Option<(usize, Box<dyn FnOnce() + Send>)>,
    followed: bool,
}

/// The trap a write past the limit raises.
#[derive(Debug, thiserror::Error)]
#[error("the output limit was reached")]
pub struct OutputLimitReached;

impl CappedOutput {
    pub fn new(limit: usize) -> Self {
        CappedOutput(Arc::new(Shared {
            state: Mutex::new(State {
                bytes: Vec::new(),
                limit,
                exceeded: false,
                closed: false,
                watch: None,
                followed: false,
            }),
            changed: Condvar::new(),
        }))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the buffer half-updated.
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Calls `start` once the output holds `at` bytes (on the writing thread, as it writes
    /// them), unless the output is closed first.
    pub fn when_it_reaches(&self, at: usize, start: Box<dyn FnOnce() + Send>) {
        self.state().watch = Some((at, start));
    }

    /// Waits until the output holds more than `from` bytes, then appends at most `max` of
    /// those that follow `from` to `into`. False, appending nothing, once the output is
    /// closed: a follower stops there, whatever it has not read.
    pub fn read_more(&self, from: usize, max: usize, into: &mut Vec<u8>) -> bool {
        let mut state = self.state();
        state.followed = true;
        loop {
            if state.closed {
                return false;
            }
            if state.bytes.len() > from {
                let end = state.bytes.len().min(from.saturating_add(max));
                into.extend_from_slice(&state.bytes[from..end]);
                return true;
            }
            state = self
                .0
                .changed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Marks the end of the output: a follower stops, and a start not yet due is dropped.
    pub fn close(&self) {
        let mut state = self.state();
        state.closed = true;
        // The start may hold a handle to this output: dropping it breaks the cycle.
        let watch = state.watch.take();
        drop(state);
        drop(watch);
        self.0.changed.notify_all();
    }

    /// Whether [`CappedOutput::close`] was called: nothing more will be written.
    pub fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// Whether the guest tried to write past the limit.
    pub fn exceeded(&self) -> bool {
        self.state().exceeded
    }

    /// The bytes written so far (while the guest may still write more).
    pub fn copy_bytes(&self) -> Vec<u8> {
        self.state().bytes.clone()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        std::mem::take(&mut self.state().bytes)
    }

    /// Appends `bytes` if they fit; otherwise records that the limit was passed.
    fn append(&self, bytes: &[u8]) -> bool {
        self.append_all(&[bytes])
    }

    /// Appends every one of `buffers`, in order, if they all fit; otherwise appends none of
    /// them and records that the limit was passed.
    pub fn append_all(&self, buffers: &[&[u8]]) -> bool {
        let mut state = self.state();
        let len = buffers.iter().map(|b| b.len()).sum::<usize>();
        if len > state.limit - state.bytes.len() {
            state.exceeded = true;
            return false;
        }
        for bytes in buffers {
            state.bytes.extend_from_slice(bytes);
        }
        let due = match &state.watch {
            Some((at, _)) if state.bytes.len() >= *at => state.watch.take(),
            _ => None,
        };
        let followed = state.followed;
        drop(state);
        if let Some((_, start)) = due {
            start();
        }
        if followed {
            self.0.changed.notify_all();
        }
        true
    }
}

fn limit_trap() -> StreamError {
    StreamError::Trap(OutputLimitReached.into())
}

#[wasmtime_wasi::async_trait]
impl Pollable for CappedOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for CappedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        if self.append(&bytes) {
            Ok(())
        } else {
            Err(limit_trap())
        }
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        let mut state = self.state();
        let room = state.limit - state.bytes.len();
        if room == 0 {
            // Full: the next byte would pass the limit, and a guest asking has one to write.
            state.exceeded = true;
            return Err(limit_trap());
        }
        Ok(room)
    }
}

impl tokio::io::AsyncWrite for CappedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(if self.append(buf) {
            Ok(buf.len())
        } else {
            Err(std::io::Error::other(OutputLimitReached))
        })
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for CappedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

    #[test]
    fn writes_fit_until_the_limit_and_the_first_one_past_it_is_remembered() {
        let mut out = CappedOutput::new(10);
        assert_eq!(out.check_write().unwrap(), 10);
        out.write(Bytes::from_static(b"123456")).unwrap();
        assert!(!out.exceeded());
        assert!(matches!(
            out.write(Bytes::from_static(b"78901")),
            Err(StreamError::Trap(_))
        ));
        assert!(out.exceeded());
        assert_eq!(out.clone().into_bytes(), b"123456");
    }

    /// An output with a start due at 100 bytes, and the flag that start sets.
    fn watched() -> (CappedOutput, Arc<AtomicBool>) {
        let out = CappedOutput::new(1 << 20);
        let started = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&started);
        out.when_it_reaches(100, Box::new(move || flag.store(true, SeqCst)));
        (out, started)
    }

    #[test]
    fn a_follower_reads_what_is_written_in_order_until_the_output_closes() {
        let (out, started) = watched();
        let reader = out.clone();
        let follower = std::thread::spawn(move || {
            let mut read = Vec::new();
            while reader.read_more(read.len(), 7, &mut read) {
                if read.len() >= 1000 {
                    break;
                }
            }
            read
        });
        let mut writer = out.clone();
        let written: Vec<u8> = (0..1000u32).map(|n| (n % 251) as u8).collect();
        for (n, piece) in written.chunks(13).enumerate() {
            writer.write(Bytes::copy_from_slice(piece)).unwrap();
            assert_eq!(
                started.load(SeqCst),
                (n + 1) * 13 >= 100,
                "started once 100 bytes were written, not before"
            );
        }
        assert_eq!(follower.join().unwrap(), written);

        // Once closed, a follower stops, whatever it has not read.
        let reader = out.clone();
        let waiting = std::thread::spawn(move || {
            let mut read = Vec::new();
            (reader.read_more(1000, 10, &mut read), read)
        });
        out.close();
        assert_eq!(waiting.join().unwrap(), (false, vec![]));
        assert!(!out.read_more(0, 10, &mut Vec::new()));
    }

    #[test]
    fn a_start_not_yet_due_is_dropped_when_the_output_closes() {
        let (out, started) = watched();
        out.clone().write(Bytes::from_static(b"small")).unwrap();
        out.close();
        assert!(!started.load(SeqCst));
        assert_eq!(Arc::strong_count(&started), 1, "the start was dropped");
    }

    #[test]
    fn a_full_stream_refuses_the_next_write() {
        let mut out = CappedOutput::new(4);
        out.write(Bytes::from_static(b"1234")).unwrap();
        assert!(!out.exceeded(), "exactly the limit is allowed");
        assert!(out.check_write().is_err());
        assert!(out.exceeded());
    }
}
