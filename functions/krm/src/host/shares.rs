//! Rendering a large output on two threads. Emitting YAML is the costliest part of writing a
//! function's output (about a third of a whole `krmwasm run` at 10,000 items), and it happens
//! after the function has exited, when the second core has nothing to do. The items are cut
//! into shares of about the same size; this thread renders the even shares and a second
//! thread the odd ones, and they are written in their order.

use std::io::{self, Write};
use std::ops::Range;
use std::sync::mpsc;

/// Cuts items into consecutive ranges of whole items, each holding at least `size` bytes of
/// text unless it is the last.
pub(super) fn cut(lengths: impl IntoIterator<Item = usize>, size: usize) -> Vec<Range<usize>> {
    let mut shares = Vec::new();
    let (mut start, mut held, mut count) = (0, 0, 0);
    for length in lengths {
        count += 1;
        held += length;
        if held >= size {
            shares.push(start..count);
            (start, held) = (count, 0);
        }
    }
    if start < count {
        shares.push(start..count);
    }
    shares
}

/// Writes `shares` to `out` in order, each as `render` writes it. Every other share is
/// rendered on a second thread into memory, at most two shares ahead of the writing, so
/// the memory this costs is two shares' worth whatever the output's size.
pub(super) fn write_in_order<R>(
    shares: &[Range<usize>],
    render: R,
    out: &mut dyn Write,
) -> io::Result<()>
where
    R: Fn(Range<usize>, &mut dyn Write) -> io::Result<()> + Sync,
{
    if let [only] = shares {
        return render(only.clone(), out);
    }
    let render = &render;
    let (sender, receiver) = mpsc::sync_channel::<io::Result<Vec<u8>>>(1);
    let render_odd_shares = move || {
        for share in shares.iter().skip(1).step_by(2) {
            let mut rendered = Vec::new();
            let result = render(share.clone(), &mut rendered).map(|()| rendered);
            let failed = result.is_err();
            // A closed channel means the writing failed and stopped.
            if sender.send(result).is_err() || failed {
                break;
            }
        }
    };
    // `write_all` owns the receiver: when it fails, the receiver goes with it, and the
    // second thread, if still rendering, stops at its next send.
    let write_all = move || -> io::Result<()> {
        for (index, share) in shares.iter().enumerate() {
            if index % 2 == 0 {
                render(share.clone(), out)?;
            } else {
                let rendered = receiver.recv().map_err(|_| {
                    io::Error::other("the thread rendering every other share stopped")
                })??;
                out.write_all(&rendered)?;
            }
        }
        Ok(())
    };
    super::beside::run_beside(write_all, render_odd_shares).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_hold_whole_items_and_cover_them_all() {
        assert_eq!(cut([5, 5, 5, 5, 5], 10), [0..2, 2..4, 4..5]);
        assert_eq!(cut([20, 1, 1], 10), [0..1, 1..3]);
        assert_eq!(cut([1, 1], 1), [0..1, 1..2]);
        assert!(cut([], 10).is_empty());
    }

    #[test]
    fn shares_are_written_in_their_order() {
        let shares = cut(std::iter::repeat_n(1, 101), 3);
        let mut out = Vec::new();
        write_in_order(
            &shares,
            |range, out| {
                for n in range {
                    write!(out, "{n},")?;
                }
                Ok(())
            },
            &mut out,
        )
        .unwrap();
        let expected: String = (0..101).map(|n| format!("{n},")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn a_failed_share_fails_the_writing_on_either_thread() {
        for failing in [4, 7] {
            let shares = cut(std::iter::repeat_n(1, 50), 1);
            let mut out = Vec::new();
            let e = write_in_order(
                &shares,
                |range, out| {
                    if range.start == failing {
                        return Err(io::Error::other(format!("share {failing}")));
                    }
                    out.write_all(b".")
                },
                &mut out,
            )
            .unwrap_err();
            assert_eq!(e.to_string(), format!("share {failing}"));
            assert_eq!(out, b".".repeat(failing), "nothing after the failed share");
        }
    }

    #[test]
    fn a_failed_write_stops_the_second_thread() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let shares = cut(std::iter::repeat_n(1, 10_000), 1);
        let rendered = std::sync::atomic::AtomicUsize::new(0);
        let e = write_in_order(
            &shares,
            |_, out| {
                rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                out.write_all(b"x")
            },
            &mut Full,
        )
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        assert!(
            rendered.into_inner() < 10,
            "the second thread went on rendering"
        );
    }
}
