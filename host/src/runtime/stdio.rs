//! WASI preview 1's `fd_write` to stdout and stderr, straight into their [`CappedOutput`]s.
//!
//! wasmtime-wasi serves a write to a stdio stream 4 KiB at a time, each piece copied into a
//! buffer of its own and handed through its async stream machinery, so a function's 600 KB
//! output took 150 appends, and as many wake-ups of the thread following it. Here a write
//! is one append of all its buffers. A guest's only descriptors are stdin, stdout and
//! stderr (no preopened directories, no sockets), and 0 is not writable, so every other
//! descriptor is refused as wasmtime-wasi refuses it (`EBADF`).

use super::output::{CappedOutput, OutputLimitReached};
use wasmtime::{Caller, Extern, Linker};

/// A run's state that holds its stdout and stderr.
pub trait GuestOutput: 'static {
    /// The output written through descriptor `fd`, if it is stdout or stderr.
    fn output(&self, fd: u32) -> Option<&CappedOutput>;
}

const ERRNO_BADF: i32 = 8;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: i32 = 28;

/// Serves `fd_write` in place of wasmtime-wasi's (added after it).
pub fn add_to_linker<T: GuestOutput>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    linker.func_wrap(
        "wasi_snapshot_preview1",
        "fd_write",
        |mut caller: Caller<'_, T>,
         fd: u32,
         iovs: u32,
         count: u32,
         written: u32|
         -> wasmtime::Result<i32> {
            let Some(memory) = caller.get_export("memory").and_then(Extern::into_memory) else {
                return Ok(ERRNO_FAULT);
            };
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let Some(output) = state.output(fd) else {
                return Ok(ERRNO_BADF);
            };
            let Some(buffers) = buffers(data, iovs, count) else {
                return Ok(ERRNO_FAULT);
            };
            let Ok(total) = u32::try_from(buffers.iter().map(|b| b.len()).sum::<usize>()) else {
                return Ok(ERRNO_INVAL);
            };
            // Where the count goes must be valid before anything is written.
            if span_ref(data, written, 4).is_none() {
                return Ok(ERRNO_FAULT);
            }
            if !output.append_all(&buffers) {
                return Err(OutputLimitReached.into());
            }
            drop(buffers);
            let place = span(data, written, 4).expect("checked above");
            place.copy_from_slice(&total.to_le_bytes());
            Ok(0)
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// The guest buffers an iovec array of `count` entries at `iovs` names (each a u32 pointer
/// and a u32 length, little-endian); None when any of it lies outside `memory`.
fn buffers(memory: &[u8], iovs: u32, count: u32) -> Option<Vec<&[u8]>> {
    let table = span_ref(memory, iovs, count.checked_mul(8)?)?;
    table
        .chunks_exact(8)
        .map(|iov| {
            let at = u32::from_le_bytes(iov[..4].try_into().ok()?);
            let len = u32::from_le_bytes(iov[4..].try_into().ok()?);
            span_ref(memory, at, len)
        })
        .collect()
}

fn span_ref(memory: &[u8], at: u32, len: u32) -> Option<&[u8]> {
    let start = usize::try_from(at).ok()?;
    memory.get(start..start.checked_add(usize::try_from(len).ok()?)?)
}

fn span(memory: &mut [u8], at: u32, len: u32) -> Option<&mut [u8]> {
    let start = usize::try_from(at).ok()?;
    memory.get_mut(start..start.checked_add(usize::try_from(len).ok()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_read_from_their_iovecs_and_refused_outside_memory() {
        let mut memory = vec![0u8; 64];
        memory[32..37].copy_from_slice(b"hello");
        memory[40..42].copy_from_slice(b", ");
        // Two iovecs at 0: (32, 5) and (40, 2).
        for (i, (at, len)) in [(32u32, 5u32), (40, 2)].into_iter().enumerate() {
            memory[i * 8..i * 8 + 4].copy_from_slice(&at.to_le_bytes());
            memory[i * 8 + 4..i * 8 + 8].copy_from_slice(&len.to_le_bytes());
        }
        let read = buffers(&memory, 0, 2).unwrap();
        assert_eq!(read, [&b"hello"[..], &b", "[..]]);
        assert_eq!(buffers(&memory, 0, 0).unwrap().len(), 0);
        assert!(
            buffers(&memory, 60, 1).is_none(),
            "the table runs past the end"
        );
        assert!(
            buffers(&memory, 0, u32::MAX).is_none(),
            "the table's size overflows"
        );
        memory[4..8].copy_from_slice(&40u32.to_le_bytes());
        assert!(
            buffers(&memory, 0, 1).is_none(),
            "a buffer runs past the end"
        );
    }
}
