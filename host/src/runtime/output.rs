//! A guest's stdout, kept in memory up to a limit. A write that would pass the limit stops
//! the guest (a trap) and is remembered, so the run is reported as over its output limit
//! whatever the guest did next, and however its writes happened to fall against the limit.
//! (wasmtime-wasi's `MemoryOutputPipe` refuses such a write with a generic trap, or lets a
//! guest that ignores the error go on.)

use bytes::Bytes;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

#[derive(Clone)]
pub struct CappedOutput(Arc<Mutex<State>>);

struct State {
    bytes: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

/// The trap a write past the limit raises.
#[derive(Debug, thiserror::Error)]
#[error("the output limit was reached")]
pub struct OutputLimitReached;

impl CappedOutput {
    pub fn new(limit: usize) -> Self {
        CappedOutput(Arc::new(Mutex::new(State {
            bytes: Vec::new(),
            limit,
            exceeded: false,
        })))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the buffer half-updated.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the guest tried to write past the limit.
    pub fn exceeded(&self) -> bool {
        self.state().exceeded
    }

    pub fn into_bytes(self) -> Vec<u8> {
        std::mem::take(&mut self.state().bytes)
    }

    /// Appends `bytes` if they fit; otherwise records that the limit was passed.
    fn append(&self, bytes: &[u8]) -> bool {
        let mut state = self.state();
        if bytes.len() > state.limit - state.bytes.len() {
            state.exceeded = true;
            return false;
        }
        state.bytes.extend_from_slice(bytes);
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

    #[test]
    fn a_full_stream_refuses_the_next_write() {
        let mut out = CappedOutput::new(4);
        out.write(Bytes::from_static(b"1234")).unwrap();
        assert!(!out.exceeded(), "exactly the limit is allowed");
        assert!(out.check_write().is_err());
        assert!(out.exceeded());
    }
}
