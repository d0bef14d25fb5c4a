//! The limits each session runs under ([`Limits`]), the names the CLI and
//! errors give them ([`HostLimit`]), and the store limiter that enforces
//! the memory and table caps and records the guest's peak memory.

use std::time::Duration;
use wasmtime::StoreLimits;

/// How often the epoch ticks. A guest yields to the host at every tick, so
/// a deadline can stop even a guest that spins without calling the host.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Resource limits for each session (and each run in it). Every one has a
/// `connector-harness` flag; see the README's Safety section.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Linear memory the guest may grow to, in bytes.
    pub memory_bytes: usize,
    /// Wall time one call into the guest may take (a batch, a configure),
    /// measured in real time, including time blocked in the host.
    pub call_deadline: Duration,
    /// Wall time a whole run may take, from `run-report` to the last batch.
    pub run_deadline: Duration,
    /// Calls into the guest one run may make (batches, progress, checkpoint).
    pub max_calls_per_run: u64,
    /// Empty batches in a row before a run is stopped as stuck.
    pub max_empty_batches: u64,
    /// Outgoing requests one run may send.
    pub max_requests_per_run: u64,
    /// Outgoing requests one session may have in flight at once; the
    /// session's own cap is the connector's `concurrency` plus
    /// [`IN_FLIGHT_SLACK`], never above this.
    pub max_in_flight: usize,
    /// Largest response body the host hands to the guest, in bytes.
    pub max_response_bytes: usize,
    /// Host-side resources (requests, headers, bodies, streams, pollables)
    /// a session may hold at once.
    pub max_resources: usize,
    /// Largest header set the guest may build, in bytes (in memory).
    pub max_header_bytes: usize,
    /// Largest chunk of an outgoing body the host buffers for the guest.
    pub max_outgoing_body_chunk: usize,
    /// The most the guest's request timeouts may ask for; a request without
    /// one gets [`Limits::default_request_timeout`].
    pub max_request_timeout: Duration,
    /// The timeout of each phase (connect, first byte, between bytes) of a
    /// request whose options set none.
    pub default_request_timeout: Duration,
}

/// How many requests above its `concurrency` a session may have in flight
/// (an OAuth token request beside a full window, and one to spare).
pub const IN_FLIGHT_SLACK: usize = 2;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            // Above the connector's default retry budget (300 s), so a
            // patient retry ends as a typed error, not a stopped session.
            call_deadline: Duration::from_secs(600),
            run_deadline: Duration::from_secs(6 * 3600),
            max_calls_per_run: 10_000_000,
            // A fan-out over thousands of empty repositories is a long run
            // of empty batches (one per child at most); a guest that never
            // ends is far longer.
            max_empty_batches: 100_000,
            max_requests_per_run: 5_000_000,
            // The connector's largest `concurrency` (32) plus the slack.
            max_in_flight: 34,
            max_response_bytes: 32 << 20,
            max_resources: 2_048,
            max_header_bytes: 64 << 10,
            max_outgoing_body_chunk: 64 << 10,
            max_request_timeout: Duration::from_secs(300),
            default_request_timeout: Duration::from_secs(60),
        }
    }
}

/// The limits a run can go past, by the names errors and flags use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostLimit {
    /// [`Limits::call_deadline`].
    CallDeadline,
    /// [`Limits::run_deadline`].
    RunDeadline,
    /// [`Limits::max_calls_per_run`].
    Calls,
    /// [`Limits::max_empty_batches`].
    EmptyBatches,
    /// [`Limits::max_requests_per_run`].
    Requests,
}

impl HostLimit {
    /// The limit's name, as in `host-limit: call-deadline exceeded`.
    pub fn name(self) -> &'static str {
        match self {
            HostLimit::CallDeadline => "call-deadline",
            HostLimit::RunDeadline => "run-deadline",
            HostLimit::Calls => "max-calls",
            HostLimit::EmptyBatches => "max-empty-batches",
            HostLimit::Requests => "max-requests",
        }
    }

    /// The `connector-harness` flag that sets it.
    pub fn flag(self) -> String {
        format!("--{}", self.name())
    }
}

/// The store's limits, noting the largest linear memory the guest grew to.
pub(crate) struct PeakLimits {
    pub(crate) limits: StoreLimits,
    pub(crate) peak_memory: usize,
}

impl wasmtime::ResourceLimiter for PeakLimits {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if allowed {
            self.peak_memory = self.peak_memory.max(desired);
        }
        Ok(allowed)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
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
