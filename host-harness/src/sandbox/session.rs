//! A configured instance and the run loop: `run-report`, then
//! `next-batch` until the report is complete, each call under the deadline.

use super::errors::{trap, HostError};
use super::wit::{bindings, Cell};
use super::State;
use wasmtime::component::ResourceAny;
use wasmtime::Store;

/// One configured instance: its own store, memory and credentials.
pub struct Session {
    store: Store<State>,
    bindings: bindings::BitbucketConnector,
    deadline_ticks: u64,
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
    /// At the end of a complete run: where an incremental run of the same
    /// report and scope starts (its `changed-after` parameter).
    pub checkpoint: Option<String>,
}

impl Session {
    pub(crate) fn new(
        store: Store<State>,
        bindings: bindings::BitbucketConnector,
        deadline_ticks: u64,
    ) -> Session {
        Session {
            store,
            bindings,
            deadline_ticks,
        }
    }

    /// The most linear memory the guest has had, in bytes (wasm memory
    /// never shrinks, so this is also its size now).
    pub fn guest_memory_peak(&self) -> usize {
        self.store.data().limits.peak_memory
    }

    /// The OAuth refresh token Bitbucket rotated in during this session, if
    /// any: store it in place of the configured one.
    pub fn rotated_refresh_token(&mut self) -> Result<Option<String>, HostError> {
        self.store.set_epoch_deadline(self.deadline_ticks);
        self.bindings
            .bitbucket_connector_connector()
            .call_rotated_refresh_token(&mut self.store)
            .map_err(trap)
    }

    /// Hands the connector its configuration (JSON).
    pub fn configure(&mut self, config_json: &str) -> Result<(), HostError> {
        self.store.set_epoch_deadline(self.deadline_ticks);
        self.bindings
            .bitbucket_connector_connector()
            .call_configure(&mut self.store, config_json)
            .map_err(trap)?
            .map_err(HostError::Connector)
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
        let connector = self.bindings.bitbucket_connector_connector();
        self.store.set_epoch_deadline(self.deadline_ticks);
        let run = connector
            .call_run_report(&mut self.store, report_id, params)
            .map_err(trap)?
            .map_err(HostError::Connector)?;
        let result = self.drain(run, &mut sink, &mut observe);
        // Dropping the resource may fail only if the instance already trapped.
        let _ = run.resource_drop(&mut self.store);
        result
    }

    fn drain(
        &mut self,
        run: ResourceAny,
        sink: &mut impl FnMut(&[Cell]) -> anyhow::Result<()>,
        observe: &mut impl FnMut(&RunSummary),
    ) -> Result<RunSummary, HostError> {
        let connector = self.bindings.bitbucket_connector_connector();
        let mut summary = RunSummary::default();
        loop {
            self.store.set_epoch_deadline(self.deadline_ticks);
            let batch = connector
                .run()
                .call_next_batch(&mut self.store, run)
                .map_err(trap)?;
            let progress = connector
                .run()
                .call_progress(&mut self.store, run)
                .map_err(trap)?;
            (summary.requests, summary.retries, summary.pages) =
                (progress.requests, progress.retries, progress.pages);
            let Some(rows) = batch.map_err(HostError::Connector)? else {
                summary.checkpoint = connector
                    .run()
                    .call_checkpoint(&mut self.store, run)
                    .map_err(trap)?;
                return Ok(summary);
            };
            summary.batches += 1;
            for row in &rows {
                sink(row)
                    .map_err(|e| HostError::Output(format!("writing the rows failed: {e:#}")))?;
                summary.rows += 1;
            }
            observe(&summary);
        }
    }
}
