//! A run of one report. Each call to `next_batch` is one round: up to
//! `concurrency` requests in flight at once (the rest of a numbered
//! collection, or the children of a fan-out, side by side), their rows
//! handed back in the collection's order, and the next round sent before
//! those rows are made. The guest holds at most a round of pages (plus, for
//! workspace-wide runs, a round's worth of the parent's keys). A complete
//! run's checkpoint is the greatest date it read.
//!
//! The walk is in `walker`: its own pages (`pages`) or a fan-out
//! (`fan_out`).

mod fan_out;
mod pages;
#[cfg(test)]
mod tests;
mod walker;

use crate::catalog::{ensure_available, ensure_dates_apply, Report};
use crate::cells::Cell;
use crate::client::{Client, InFlight, Transport};
use crate::config::Config;
use crate::error::Result;
use walker::Walker;

pub type Row = Vec<Cell>;

pub struct Run<T: Transport> {
    client: Client<T>,
    walker: Walker,
    /// The next round, sent before the rows of the last one were made.
    in_flight: Option<InFlight<T::Pending>>,
    /// The number of the round to send next.
    round: u64,
    /// Requests in flight at once.
    concurrency: usize,
    finished: bool,
    /// Whether the run went through to its end without an error.
    complete: bool,
    high_water: HighWater,
}

/// The greatest value of the date field among the objects a run read, as
/// the API wrote it: the checkpoint an incremental run starts after.
#[derive(Default)]
struct HighWater(Option<(crate::time::Instant, String)>);

impl HighWater {
    fn see(&mut self, value: &str) {
        let Some(at) = crate::time::parse_precise(value) else {
            return;
        };
        if self.0.as_ref().is_none_or(|(max, _)| at > *max) {
            self.0 = Some((at, value.to_string()));
        }
    }
}

impl<T: Transport> Run<T> {
    /// Validates everything that can be checked without the network.
    pub fn start(report: &'static Report, params: &[(String, String)], config: &Config, transport: T) -> Result<Self> {
        ensure_available(report)?;
        let params = report.resolve_params(params)?;
        ensure_dates_apply(report, &params)?;
        let walker = Walker::new(report, params, &config.endpoint, crate::time::now(), true)?;
        Ok(Run {
            client: Client::new(config, transport),
            walker,
            in_flight: None,
            round: 0,
            concurrency: config.concurrency.max(1),
            finished: false,
            complete: false,
            high_water: HighWater::default(),
        })
    }

    /// The rows of the next round of requests (up to `concurrency` of them,
    /// sent side by side); `None` once the report is exhausted. After an
    /// error the run is over and later calls return `None`.
    pub fn next_batch(&mut self) -> Result<Option<Vec<Row>>> {
        if self.finished {
            return Ok(None);
        }
        let batch = self.round();
        if !matches!(batch, Ok(Some(_))) {
            self.finished = true;
            self.complete = matches!(batch, Ok(None));
        }
        batch
    }

    /// Once the run is complete: the greatest value of the report's date
    /// field it read (give it back as `changed-after` to fetch only what
    /// changed since). `None` before the end, after an error, and for
    /// reports without a date field or without rows.
    pub fn checkpoint(&self) -> Option<String> {
        self.complete.then(|| self.high_water.0.as_ref().map(|(_, text)| text.clone())).flatten()
    }

    /// One round: the requests the walker needs, all in flight at once,
    /// their answers handed back in the order they were asked for. Before
    /// turning a round's answers into rows, the next round is sent if the
    /// walker already knows it (the rest of a numbered collection), so
    /// that work overlaps the network; never more than `concurrency`
    /// requests are in flight. One round per call, even when it yields no
    /// rows, so no call into the guest outlives the host's deadline.
    fn round(&mut self) -> Result<Option<Vec<Row>>> {
        let flight = match self.in_flight.take() {
            Some(flight) => flight,
            None => match self.send_round()? {
                Some(flight) => flight,
                None => return Ok(None),
            },
        };
        let this = self.round - 1;
        let bodies = self.client.receive(flight);
        self.in_flight = self.send_round()?;
        let mut bodies = bodies.into_iter();
        let rows = self.walker.feed(&mut bodies, this, &mut self.high_water)?;
        debug_assert!(bodies.next().is_none(), "every answer was taken");
        Ok(Some(rows))
    }

    /// Sends what the walker wants next, if anything.
    fn send_round(&mut self) -> Result<Option<InFlight<T::Pending>>> {
        let mut urls = Vec::new();
        self.walker.wants(self.concurrency, &mut urls, self.round)?;
        if urls.is_empty() {
            return Ok(None);
        }
        self.round += 1;
        Ok(Some(self.client.send(urls)))
    }

    /// What the run's requests did so far.
    pub fn stats(&self) -> crate::client::Stats {
        self.client.stats
    }
}
