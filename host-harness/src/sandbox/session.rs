//! A configured instance and the run loop: `run-report`, then `next-batch`
//! until the report is complete. Every call into the guest runs under a
//! real-time deadline (the call's own, or what is left of the run's, if
//! sooner) and counts against the run's budgets; going past one stops the
//! session with a [`HostError::Limit`] naming it.

use super::errors::{trap, HostError};
use super::http_wall::WallCounters;
use super::limits::{HostLimit, Limits};
use super::wit::{bindings, Cell, ConnectorError, ErrorCode, Partition, ReportInfo};
use super::State;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::time::Instant;
use wasmtime::component::ResourceAny;
use wasmtime::Store;

/// One configured instance: its own store, memory and credentials.
pub struct Session {
    store: Store<State>,
    bindings: bindings::BitbucketConnector,
    runtime: Arc<Runtime>,
    limits: Limits,
    counters: Arc<WallCounters>,
    /// The run in progress: when it started and how many calls it made.
    run: Option<(Instant, u64)>,
    /// Why the session was stopped, once it was: a store whose call was
    /// cut short is never entered again.
    stopped: Option<String>,
}

/// Counts of a run: after each batch (progress), and at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub rows: u64,
    pub batches: u64,
    /// Requests the component sent, retries included.
    pub requests: u64,
    pub retries: u64,
    /// Pages (or objects) it received.
    pub pages: u64,
    /// Objects left out under `"on_invalid_object": "skip"` (see the WIT's
    /// `run-progress`).
    pub skipped: u64,
    /// At the end of a complete run: where an incremental run of the same
    /// report and scope starts (its `changed-after` parameter).
    pub checkpoint: Option<String>,
}

/// Runs `call` on `runtime`, dropping it (and so stopping the guest) when
/// `deadline` passes: the error then names `limit` and its `budget`.
pub(crate) fn guarded<T>(
    runtime: &Runtime,
    deadline: Instant,
    limit: HostLimit,
    budget: Duration,
    call: impl Future<Output = wasmtime::Result<T>>,
) -> Result<T, HostError> {
    runtime.block_on(async {
        match tokio::time::timeout_at(deadline, call).await {
            Ok(result) => result.map_err(trap),
            Err(_) => Err(HostError::limit(
                limit,
                match limit {
                    HostLimit::RunDeadline => {
                        format!("the run took longer than {}", seconds(budget))
                    }
                    _ => format!("a call into the component took longer than {}", seconds(budget)),
                },
            )),
        }
    })
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Calls one function of the guest under the session's deadline, counting
/// it against the run's budgets. A macro, because the call's future borrows
/// the store and the bindings while the session's own fields are read.
macro_rules! call {
    ($session:ident, |$connector:ident, $store:ident| $call:expr) => {{
        let (deadline, limit, budget) = $session.next_call()?;
        let $connector = $session.bindings.bitbucket_connector_connector();
        let $store = &mut $session.store;
        let result = guarded(&$session.runtime, deadline, limit, budget, $call);
        $session.after_call(result)
    }};
}

impl Session {
    pub(crate) fn new(
        store: Store<State>,
        bindings: bindings::BitbucketConnector,
        runtime: Arc<Runtime>,
        limits: Limits,
        counters: Arc<WallCounters>,
    ) -> Session {
        Session { store, bindings, runtime, limits, counters, run: None, stopped: None }
    }

    /// The most linear memory the guest has had, in bytes (wasm memory
    /// never shrinks, so this is also its size now).
    pub fn guest_memory_peak(&self) -> usize {
        self.store.data().limits.peak_memory
    }

    /// The catalog, from this instance.
    pub fn list_reports(&mut self) -> Result<Vec<ReportInfo>, HostError> {
        call!(self, |c, s| c.call_list_reports(s))
    }

    /// The partitions of a report run (see `list-partitions` in the WIT):
    /// counted as a run for the host's limits, since it sends requests.
    pub fn list_partitions(&mut self, report_id: &str, params: &[(String, String)]) -> Result<Vec<Partition>, HostError> {
        self.counters.requests.store(0, Ordering::Relaxed);
        self.counters.tls_failure.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.run = Some((Instant::now(), 0));
        let result = call!(self, |c, s| c.call_list_partitions(s, report_id, params));
        self.run = None;
        result?.map_err(|e| self.connector_error(e))
    }

    /// The OAuth refresh token Bitbucket rotated in during this session, if
    /// any: store it in place of the configured one.
    pub fn rotated_refresh_token(&mut self) -> Result<Option<String>, HostError> {
        call!(self, |c, s| c.call_rotated_refresh_token(s))
    }

    /// Hands the connector its configuration (JSON).
    pub fn configure(&mut self, config_json: &str) -> Result<(), HostError> {
        call!(self, |c, s| c.call_configure(s, config_json))?.map_err(|e| self.connector_error(e))
    }

    /// Runs a report, handing each row to `sink` as it arrives.
    pub fn run(
        &mut self,
        report_id: &str,
        params: &[(String, String)],
        sink: impl FnMut(&[Cell]) -> anyhow::Result<()>,
    ) -> Result<RunSummary, HostError> {
        self.run_observed(report_id, params, sink, |_| {})
    }

    /// [`Session::run`], calling `observe` with the counts so far after
    /// each batch (for a progress display).
    pub fn run_observed(
        &mut self,
        report_id: &str,
        params: &[(String, String)],
        mut sink: impl FnMut(&[Cell]) -> anyhow::Result<()>,
        mut observe: impl FnMut(&RunSummary),
    ) -> Result<RunSummary, HostError> {
        self.counters.requests.store(0, Ordering::Relaxed);
        // A TLS failure of an earlier run says nothing about this one.
        self.counters.tls_failure.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.run = Some((Instant::now(), 0));
        let result = self.start_and_drain(report_id, params, &mut sink, &mut observe);
        self.run = None;
        result
    }

    fn start_and_drain(
        &mut self,
        report_id: &str,
        params: &[(String, String)],
        sink: &mut impl FnMut(&[Cell]) -> anyhow::Result<()>,
        observe: &mut impl FnMut(&RunSummary),
    ) -> Result<RunSummary, HostError> {
        let run = call!(self, |c, s| c.call_run_report(s, report_id, params))?.map_err(|e| self.connector_error(e))?;
        let result = self.drain(run, sink, observe);
        if self.stopped.is_none() {
            // Dropping the resource fails only if the instance trapped.
            let _ = call!(self, |_c, s| run.resource_drop_async(s));
        }
        result
    }

    fn drain(
        &mut self,
        run: ResourceAny,
        sink: &mut impl FnMut(&[Cell]) -> anyhow::Result<()>,
        observe: &mut impl FnMut(&RunSummary),
    ) -> Result<RunSummary, HostError> {
        let mut summary = RunSummary::default();
        let mut empty_in_a_row = 0u64;
        loop {
            let batch = call!(self, |c, s| c.run().call_next_batch(s, run))?;
            let progress = call!(self, |c, s| c.run().call_progress(s, run))?;
            (summary.requests, summary.retries, summary.pages, summary.skipped) =
                (progress.requests, progress.retries, progress.pages, progress.skipped);
            let Some(rows) = batch.map_err(|e| self.connector_error(e))? else {
                summary.checkpoint = call!(self, |c, s| c.run().call_checkpoint(s, run))?;
                return Ok(summary);
            };
            summary.batches += 1;
            empty_in_a_row = if rows.is_empty() { empty_in_a_row + 1 } else { 0 };
            if empty_in_a_row > self.limits.max_empty_batches {
                return Err(self.stop(HostError::limit(
                    HostLimit::EmptyBatches,
                    format!("the component returned {empty_in_a_row} empty batches in a row"),
                )));
            }
            for row in &rows {
                sink(row).map_err(|e| HostError::Output(format!("writing the rows failed: {e:#}")))?;
                summary.rows += 1;
            }
            observe(&summary);
        }
    }

    /// The deadline of the next call, and the limit and budget it comes
    /// from; counts the call against the run's budget of calls.
    fn next_call(&mut self) -> Result<(Instant, HostLimit, Duration), HostError> {
        if let Some(why) = &self.stopped {
            return Err(HostError::Trap(format!("the session was stopped earlier ({why})")));
        }
        let now = Instant::now();
        let call = (now + self.limits.call_deadline, HostLimit::CallDeadline, self.limits.call_deadline);
        let Some((started, calls)) = &mut self.run else {
            return Ok(call);
        };
        *calls += 1;
        if *calls > self.limits.max_calls_per_run {
            let calls = *calls - 1;
            return Err(self.stop(HostError::limit(HostLimit::Calls, format!("the run made {calls} calls into the component"))));
        }
        let run_end = *started + self.limits.run_deadline;
        Ok(if run_end < call.0 { (run_end, HostLimit::RunDeadline, self.limits.run_deadline) } else { call })
    }

    /// A call's outcome, with the session stopped when the call was cut
    /// short, trapped or went past the run's request budget.
    fn after_call<T>(&mut self, result: Result<T, HostError>) -> Result<T, HostError> {
        if self.counters.over_budget.swap(false, Ordering::Relaxed) {
            return Err(self.stop(HostError::limit(
                HostLimit::Requests,
                format!("the run tried to send more requests than its budget of {}", self.limits.max_requests_per_run),
            )));
        }
        result.map_err(|e| self.stop(e))
    }

    /// The connector's error, with what the host knows and the guest
    /// cannot: for a transport error after a failed TLS handshake, which
    /// host and which certificate problem.
    fn connector_error(&self, mut error: ConnectorError) -> HostError {
        let tls = self.counters.tls_failure.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let (ErrorCode::Transport, Some(tls)) = (error.code, tls) {
            error.message = format!("{}; {tls}", error.message);
        }
        HostError::Connector(error)
    }

    /// Marks the session stopped (for a limit or a trap) and hands back
    /// the error.
    fn stop(&mut self, error: HostError) -> HostError {
        if matches!(error, HostError::Limit { .. } | HostError::Trap(_)) {
            self.stopped = Some(error.to_string());
        }
        error
    }
}
