//! The limits each session runs under, and the store limiter that enforces
//! the memory cap and records the guest's peak memory.

use std::time::Duration;
use wasmtime::StoreLimits;

/// How often the epoch ticks; deadlines are whole ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(50);

/// Resource limits for each session.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Linear memory the guest may grow to, in bytes.
    pub memory_bytes: usize,
    /// Wall time one call into the guest may take (a batch, a configure).
    pub call_deadline: Duration,
    /// Largest response body the host hands to the guest, in bytes.
    pub max_response_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            // Above the connector's default retry budget (300 s), so a
            // patient retry ends as a typed error, not a trap.
            call_deadline: Duration::from_secs(600),
            max_response_bytes: 32 << 20,
        }
    }
}

/// The store's limits, noting the largest linear memory the guest grew to.
pub(crate) struct PeakLimits {
    pub(crate) limits: StoreLimits,
    pub(crate) peak_memory: usize,
}

impl wasmtime::ResourceLimiter for PeakLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if allowed {
            self.peak_memory = self.peak_memory.max(desired);
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.memory_grow_failed(error)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}
