//! The memory limit, kept over everything a guest can make the host hold for it.
//!
//! wasmtime asks a store's limiter about each linear memory and each table on its own, at
//! instantiation (their initial sizes) and on every growth. A module may declare many of
//! both (multi-memory and reference types are on: up to 100 of each), so a limit checked
//! per memory or per table is no limit: six memories of 375 MiB each, or 99 tables of a
//! million elements (8 MB each in wasmtime), pass a 512 MiB check made one at a time. This
//! limiter adds them all up: memories by their bytes, tables by a pointer per element, as
//! wasmtime stores them.

use wasmtime::ResourceLimiter;

/// What wasmtime keeps per table element.
const TABLE_ELEMENT_BYTES: usize = std::mem::size_of::<usize>();

/// Refuses growth that would take the guest's memories and tables together past the limit,
/// and remembers that it did and how much they held at most.
pub struct MemoryLimiter {
    max_bytes: usize,
    /// The bytes of every memory and table granted so far.
    held: usize,
    /// What the last grant added: wasmtime may still fail the growth it permitted (past a
    /// declared maximum, or out of host memory) and then says so, without saying which.
    last_grant: usize,
    hit: bool,
    peak: usize,
}

impl MemoryLimiter {
    pub fn new(max_bytes: usize) -> Self {
        MemoryLimiter {
            max_bytes,
            held: 0,
            last_grant: 0,
            hit: false,
            peak: 0,
        }
    }

    /// Whether a growth was refused for the limit.
    pub fn hit(&self) -> bool {
        self.hit
    }

    /// The most the guest's memories and tables held together, in bytes.
    pub fn peak(&self) -> usize {
        self.peak
    }

    fn grow(&mut self, added: usize) -> bool {
        match self.held.checked_add(added) {
            Some(total) if total <= self.max_bytes => {
                self.held = total;
                self.last_grant = added;
                self.peak = self.peak.max(total);
                true
            }
            _ => {
                self.hit = true;
                self.last_grant = 0;
                false
            }
        }
    }

    fn undo_last_grant(&mut self) {
        self.held -= std::mem::take(&mut self.last_grant);
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(self.grow(desired.saturating_sub(current)))
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.undo_last_grant();
        Ok(())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let added = desired.saturating_sub(current);
        Ok(self.grow(added.saturating_mul(TABLE_ELEMENT_BYTES)))
    }

    fn table_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.undo_last_grant();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    #[test]
    fn memories_and_tables_count_together() {
        let mut limiter = MemoryLimiter::new(10 * MIB);
        assert!(limiter.memory_growing(0, 4 * MIB, None).unwrap());
        assert!(limiter.memory_growing(0, 4 * MIB, None).unwrap());
        // A table of 256 Ki elements is 2 MiB: the 10 MiB are reached, not passed.
        assert!(limiter.table_growing(0, 256 << 10, None).unwrap());
        assert!(!limiter.hit());
        assert!(
            !limiter
                .memory_growing(4 * MIB, 4 * MIB + 65536, None)
                .unwrap()
        );
        assert!(limiter.hit());
        assert_eq!(limiter.peak(), 10 * MIB);
    }

    #[test]
    fn a_growth_that_fails_after_it_was_granted_is_not_counted() {
        let mut limiter = MemoryLimiter::new(8 * MIB);
        assert!(limiter.memory_growing(0, 6 * MIB, None).unwrap());
        limiter
            .memory_grow_failed(wasmtime::Error::msg("past the declared maximum"))
            .unwrap();
        assert!(limiter.memory_growing(0, 8 * MIB, None).unwrap());
        assert!(!limiter.hit());
        assert!(!limiter.table_growing(0, 1, None).unwrap());
        limiter
            .table_grow_failed(wasmtime::Error::msg("refused"))
            .unwrap();
        assert_eq!(limiter.peak(), 8 * MIB);
    }

    #[test]
    fn sizes_past_the_address_space_are_refused() {
        let mut limiter = MemoryLimiter::new(usize::MAX);
        assert!(limiter.memory_growing(0, usize::MAX, None).unwrap());
        assert!(!limiter.table_growing(0, usize::MAX, None).unwrap());
        assert!(limiter.hit());
    }
}
