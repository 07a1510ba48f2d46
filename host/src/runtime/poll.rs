//! WASI preview 1's `poll_oneoff` (how a guest sleeps), kept within the run's time limit.
//!
//! wasmtime-wasi serves a sleep by blocking the host thread: a guest asking to sleep for an
//! hour would hold the run, and the pipeline that started it, until its time limit ends the
//! process, although the sleep's length says at once that it cannot finish in time. So
//! krmwasm serves `poll_oneoff` itself. A guest's only descriptors are stdin, stdout and
//! stderr, all in-memory pipes that are always ready, so a poll that names any descriptor
//! returns at once; a poll on clocks alone sleeps until the earliest of them, unless that is
//! past the run's deadline, in which case the guest is stopped at once as out of time.

use std::time::{Duration, Instant, SystemTime};
use wasmtime::{Caller, Extern, Linker};

/// The error that stops a guest asking to sleep past its deadline.
#[derive(Debug, thiserror::Error)]
#[error("asked to sleep for {asked:?}, past the run's deadline")]
pub struct SleepPastDeadline {
    pub asked: Duration,
}

/// The guest's monotonic clock: nanoseconds since its run began. Owning the origin lets an
/// absolute monotonic deadline the guest asks for be turned into a duration.
pub struct GuestClock {
    pub origin: Instant,
}

impl wasmtime_wasi::HostMonotonicClock for GuestClock {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        nanos(self.origin.elapsed())
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// What `poll_oneoff` needs from the store's data.
pub trait RunTime: 'static {
    /// When the run began: the origin of the guest's monotonic clock ([`GuestClock`]).
    fn started(&self) -> Instant;
    /// How long the run may take.
    fn timeout(&self) -> Duration;
}

/// Replaces wasmtime-wasi's `poll_oneoff` in `linker`, which must already hold WASI's.
pub fn add_to_linker<T: RunTime>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    linker.func_wrap(
        "wasi_snapshot_preview1",
        "poll_oneoff",
        |mut caller: Caller<'_, T>,
         subscriptions: u32,
         events: u32,
         count: u32,
         written: u32|
         -> wasmtime::Result<i32> {
            let Some(memory) = caller.get_export("memory").and_then(Extern::into_memory) else {
                return Ok(ERRNO_FAULT);
            };
            let (started, timeout) = (caller.data().started(), caller.data().timeout());
            let table = match read_subscriptions(memory.data(&caller), subscriptions, count) {
                Ok(table) => table,
                Err(errno) => return Ok(errno),
            };
            let ready = match answer(&table, started, SystemTime::now()) {
                Answer::Now(ready) => ready,
                Answer::After(wait, ready) => {
                    if started
                        .elapsed()
                        .checked_add(wait)
                        .is_none_or(|wakes| wakes > timeout)
                    {
                        return Err(SleepPastDeadline { asked: wait }.into());
                    }
                    std::thread::sleep(wait);
                    ready
                }
            };
            let data = memory.data_mut(&mut caller);
            Ok(write_events(data, events, written, &ready).unwrap_or(ERRNO_FAULT))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

// The preview 1 ABI. A subscription is 48 bytes: userdata u64 at 0, the event type u8 at 8,
// then for a clock its id u32 at 16, timeout u64 at 24 and flags u16 at 40, for a descriptor
// the descriptor u32 at 16. An event is 32 bytes: userdata u64 at 0, errno u16 at 8, the
// event type u8 at 10, and for descriptors the bytes available u64 at 16.
const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
const CLOCK_REALTIME: u32 = 0;
const CLOCK_MONOTONIC: u32 = 1;
const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
const ERRNO_SUCCESS: u16 = 0;
const ERRNO_BADF: u16 = 8;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: u16 = 28;

struct Subscription {
    userdata: u64,
    kind: Kind,
}

enum Kind {
    /// A clock: its id, timeout and whether the timeout is absolute.
    Clock {
        id: u32,
        timeout: u64,
        absolute: bool,
    },
    /// A descriptor, for reading or writing.
    Descriptor {
        event_type: u8,
        fd: u32,
    },
    Unknown(u8),
}

struct Event {
    userdata: u64,
    errno: u16,
    event_type: u8,
}

/// The subscription table, or the errno for a table that is empty or outside memory.
fn read_subscriptions(memory: &[u8], at: u32, count: u32) -> Result<Vec<Subscription>, i32> {
    if count == 0 {
        // Waiting on nothing would block forever; WASI calls it invalid.
        return Err(i32::from(ERRNO_INVAL));
    }
    let start = at as usize;
    let bytes = (count as usize)
        .checked_mul(SUBSCRIPTION_SIZE)
        .and_then(|len| memory.get(start..start.checked_add(len)?))
        .ok_or(ERRNO_FAULT)?;
    let u64_at = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap());
    let u32_at = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().unwrap());
    Ok(bytes
        .chunks_exact(SUBSCRIPTION_SIZE)
        .map(|s| Subscription {
            userdata: u64_at(s, 0),
            kind: match s[8] {
                EVENTTYPE_CLOCK => Kind::Clock {
                    id: u32_at(s, 16),
                    timeout: u64_at(s, 24),
                    absolute: u16::from_le_bytes([s[40], s[41]]) & SUBSCRIPTION_CLOCK_ABSTIME != 0,
                },
                t @ (EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE) => Kind::Descriptor {
                    event_type: t,
                    fd: u32_at(s, 16),
                },
                other => Kind::Unknown(other),
            },
        })
        .collect())
}

/// What a poll comes to: events to report now, or after sleeping.
enum Answer {
    Now(Vec<Event>),
    After(Duration, Vec<Event>),
}

/// Descriptors (always ready; only 0, 1 and 2 exist) and invalid subscriptions are answered at
/// once; otherwise the earliest clock decides how long to sleep, and its events are reported.
fn answer(table: &[Subscription], monotonic_origin: Instant, now: SystemTime) -> Answer {
    let mut immediate = Vec::new();
    let mut clocks = Vec::new();
    for sub in table {
        let event = |errno, event_type| Event {
            userdata: sub.userdata,
            errno,
            event_type,
        };
        match sub.kind {
            Kind::Descriptor { event_type, fd } => {
                let errno = if fd <= 2 { ERRNO_SUCCESS } else { ERRNO_BADF };
                immediate.push(event(errno, event_type));
            }
            Kind::Unknown(event_type) => immediate.push(event(ERRNO_INVAL, event_type)),
            Kind::Clock {
                id,
                timeout,
                absolute,
            } => {
                let now = match (absolute, id) {
                    (false, CLOCK_REALTIME | CLOCK_MONOTONIC) => Some(0),
                    (true, CLOCK_REALTIME) => {
                        now.duration_since(SystemTime::UNIX_EPOCH).ok().map(nanos)
                    }
                    (true, CLOCK_MONOTONIC) => Some(nanos(monotonic_origin.elapsed())),
                    _ => None,
                };
                match now {
                    Some(now) => clocks.push((timeout.saturating_sub(now), sub.userdata)),
                    None => immediate.push(event(ERRNO_INVAL, EVENTTYPE_CLOCK)),
                }
            }
        }
    }
    if !immediate.is_empty() {
        return Answer::Now(immediate);
    }
    let earliest = clocks.iter().map(|(wait, _)| *wait).min().unwrap_or(0);
    let fired = clocks
        .iter()
        .filter(|(wait, _)| *wait == earliest)
        .map(|(_, userdata)| Event {
            userdata: *userdata,
            errno: ERRNO_SUCCESS,
            event_type: EVENTTYPE_CLOCK,
        })
        .collect();
    Answer::After(Duration::from_nanos(earliest), fired)
}

/// Writes `ready` at `at` and their number at `written`; the errno to return.
fn write_events(memory: &mut [u8], at: u32, written: u32, ready: &[Event]) -> Option<i32> {
    let start = at as usize;
    let table = memory.get_mut(start..start.checked_add(ready.len() * EVENT_SIZE)?)?;
    for (slot, event) in table.chunks_exact_mut(EVENT_SIZE).zip(ready) {
        slot.fill(0);
        slot[0..8].copy_from_slice(&event.userdata.to_le_bytes());
        slot[8..10].copy_from_slice(&event.errno.to_le_bytes());
        slot[10] = event.event_type;
        if event.event_type != EVENTTYPE_CLOCK && event.errno == ERRNO_SUCCESS {
            // Ready with at least a byte to read, or room to write one.
            slot[16..24].copy_from_slice(&1u64.to_le_bytes());
        }
    }
    let count = u32::try_from(ready.len()).ok()?.to_le_bytes();
    let at = written as usize;
    memory
        .get_mut(at..at.checked_add(4)?)?
        .copy_from_slice(&count);
    Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(userdata: u64, id: u32, timeout: u64, absolute: bool) -> [u8; SUBSCRIPTION_SIZE] {
        let mut sub = [0u8; SUBSCRIPTION_SIZE];
        sub[0..8].copy_from_slice(&userdata.to_le_bytes());
        sub[8] = EVENTTYPE_CLOCK;
        sub[16..20].copy_from_slice(&id.to_le_bytes());
        sub[24..32].copy_from_slice(&timeout.to_le_bytes());
        sub[40..42].copy_from_slice(&u16::from(absolute).to_le_bytes());
        sub
    }

    fn descriptor(userdata: u64, event_type: u8, fd: u32) -> [u8; SUBSCRIPTION_SIZE] {
        let mut sub = [0u8; SUBSCRIPTION_SIZE];
        sub[0..8].copy_from_slice(&userdata.to_le_bytes());
        sub[8] = event_type;
        sub[16..20].copy_from_slice(&fd.to_le_bytes());
        sub
    }

    /// Subscriptions laid out at offset 16, as a guest would, then answered "now" = 1,000 s
    /// after the epoch in real time.
    fn poll(subs: &[[u8; SUBSCRIPTION_SIZE]], origin: Instant) -> Answer {
        let mut memory = vec![0u8; 16];
        for s in subs {
            memory.extend_from_slice(s);
        }
        let table = read_subscriptions(&memory, 16, subs.len() as u32).unwrap();
        answer(
            &table,
            origin,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_000),
        )
    }

    fn after(answer: Answer) -> (Duration, Vec<u64>) {
        match answer {
            Answer::After(wait, events) => (wait, events.iter().map(|e| e.userdata).collect()),
            Answer::Now(_) => panic!("expected a sleep"),
        }
    }

    #[test]
    fn the_earliest_clock_decides_the_sleep_and_fires() {
        let now = Instant::now();
        let hour = 3_600_000_000_000;
        assert_eq!(
            after(poll(
                &[clock(1, 1, hour, false), clock(2, 0, 5, false)],
                now
            )),
            (Duration::from_nanos(5), vec![2])
        );
        // Absolute real time: 1,000 s after the epoch is "now" here.
        assert_eq!(
            after(poll(&[clock(3, 0, 1_002_000_000_000, true)], now)),
            (Duration::from_secs(2), vec![3])
        );
        assert_eq!(
            after(poll(&[clock(4, 0, 5, true)], now)).0,
            Duration::ZERO,
            "a deadline already passed does not wait"
        );
        let (wait, _) = after(poll(&[clock(5, 1, hour, true)], now));
        assert!(wait > Duration::from_secs(3_590), "{wait:?}");
    }

    #[test]
    fn descriptors_are_ready_at_once_and_only_stdio_exists() {
        let now = Instant::now();
        let Answer::Now(events) = poll(
            &[
                clock(1, 1, 3_600_000_000_000, false),
                descriptor(2, EVENTTYPE_FD_READ, 0),
                descriptor(3, EVENTTYPE_FD_WRITE, 7),
            ],
            now,
        ) else {
            panic!("a descriptor is always ready");
        };
        let answers: Vec<_> = events.iter().map(|e| (e.userdata, e.errno)).collect();
        assert_eq!(answers, vec![(2, ERRNO_SUCCESS), (3, ERRNO_BADF)]);
        let Answer::Now(events) = poll(&[clock(4, 2, 10, false)], now) else {
            panic!("a CPU-time clock is not served");
        };
        assert_eq!(events[0].errno, ERRNO_INVAL);
    }

    #[test]
    fn tables_outside_memory_or_empty_are_errors() {
        let memory = vec![0u8; 64];
        assert_eq!(read_subscriptions(&memory, 32, 1).err(), Some(ERRNO_FAULT));
        assert_eq!(
            read_subscriptions(&memory, u32::MAX, 2).err(),
            Some(ERRNO_FAULT)
        );
        assert_eq!(
            read_subscriptions(&memory, 0, u32::MAX).err(),
            Some(ERRNO_FAULT)
        );
        assert_eq!(
            read_subscriptions(&memory, 0, 0).err(),
            Some(i32::from(ERRNO_INVAL))
        );
    }

    #[test]
    fn events_are_written_with_their_count() {
        let mut memory = vec![0xffu8; 128];
        let ready = [Event {
            userdata: 9,
            errno: ERRNO_SUCCESS,
            event_type: EVENTTYPE_FD_READ,
        }];
        assert_eq!(write_events(&mut memory, 0, 100, &ready), Some(0));
        assert_eq!(&memory[0..8], &9u64.to_le_bytes());
        assert_eq!(&memory[8..11], &[0, 0, EVENTTYPE_FD_READ]);
        assert_eq!(&memory[16..24], &1u64.to_le_bytes());
        assert_eq!(&memory[100..104], &1u32.to_le_bytes());
        assert_eq!(write_events(&mut memory, 120, 0, &ready), None);
    }
}
