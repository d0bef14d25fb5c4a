//! A run of one report. Its requests go through one sliding window
//! (`window`): up to `concurrency` in flight at once (the rest of a
//! numbered collection, or the children of a fan-out, side by side), a new
//! one sent as soon as one is answered, and the answers made into rows
//! strictly in the order the requests were sent, those that come in early
//! kept until the older ones are in. The guest holds at most twice
//! `concurrency` pages (plus, for workspace-wide runs, a window's worth of
//! the parent's keys). Each call to `next_batch` waits for the oldest
//! request and hands back the rows of every answer in by then. A complete
//! run's checkpoint is the greatest date it read.
//!
//! The walk is in `walker`: its own pages (`pages`) or a fan-out
//! (`fan_out`).

mod fan_out;
mod pages;
pub mod partitions;
#[cfg(test)]
mod tests;
mod walker;
mod window;

use crate::catalog::{ensure_available, ensure_dates_apply, Report, Source, INSTANCE, LOGIN};
use crate::cells::Cell;
use crate::client::{Client, Transport};
use crate::config::{Config, OddObjects};
use crate::error::{Error, Result};
use walker::{Asks, Walker};
use window::Window;

pub type Row = Vec<Cell>;

pub struct Run<T: Transport> {
    client: Client<T>,
    walker: Walker,
    /// The requests sent and not yet made into rows.
    window: Window<T::Pending>,
    /// An error met after some rows of a batch: returned by the next call,
    /// so the rows read before it are handed back first.
    failed: Option<crate::error::Error>,
    finished: bool,
    /// Whether the run went through to its end without an error.
    complete: bool,
    pub(super) ledger: Ledger,
    /// For a report read as the current user (`Api::as_user`): the
    /// login is to be learnt before the walk's first request.
    as_user: Option<AsUser>,
}

/// Where and when the walk of an `as_user` run starts, once the login is known.
struct AsUser {
    endpoint: crate::url::Url,
    now: i64,
}

/// What an `as_user` run asks first: the smallest answer that carries
/// `X-AUSERNAME` and needs the credentials to be a user's (one user of
/// the instance's listing).
const LOGIN_PROBE: (&str, &str) = ("/api/latest/users", "limit=1");

/// What a run keeps account of beside its rows: the checkpoint's high
/// water, and the objects it could not use, which the configuration's
/// `on_invalid_object` either fails the run on (the default) or counts.
/// Nothing is left out without being counted here.
pub(super) struct Ledger {
    pub(super) high_water: HighWater,
    policy: OddObjects,
    /// Objects left out: unmappable ones, and those a collection promised
    /// (its `size`) but never delivered.
    pub(super) skipped: u64,
    /// An error to end the run with once the rows read with it are handed
    /// back (a collection that ended short: its last page's rows count).
    after_rows: Option<Error>,
}

impl Ledger {
    fn new(policy: OddObjects) -> Ledger {
        Ledger { high_water: HighWater::default(), policy, skipped: 0, after_rows: None }
    }

    /// `count` objects the run cannot use, for the reason `error`: the
    /// error itself by default, or counted under the skip policy.
    pub(super) fn leave_out(&mut self, count: u64, error: Error) -> Result<()> {
        match self.policy {
            OddObjects::Fail => Err(error),
            OddObjects::Skip => {
                self.skipped += count;
                Ok(())
            }
        }
    }

    /// Ends the run with `error` once the rows read with it (those of the
    /// answer being fed) are handed back.
    pub(super) fn fail_after_rows(&mut self, error: Error) {
        self.after_rows = Some(error);
    }
}

/// The greatest value of the date field among the objects a run read, as
/// the API wrote it (with `+00:00` if it had no offset): the checkpoint an incremental run starts after.
#[derive(Default)]
pub(super) struct HighWater(Option<(crate::time::Instant, String)>);

impl HighWater {
    /// Sees a date as the API wrote it (RFC 3339 text, or Data Center's
    /// epoch milliseconds).
    pub(super) fn see(&mut self, value: &serde_json::Value) {
        let Some((at, text)) = crate::time::api_date(value) else {
            return;
        };
        if self.0.as_ref().is_none_or(|(max, _)| at > *max) {
            // With an offset, as a parameter needs it.
            self.0 = Some((at, text));
        }
    }
}

impl<T: Transport> Run<T> {
    /// Validates everything that can be checked without the network.
    pub fn start(report: &'static Report, params: &[(String, String)], config: &Config, transport: T) -> Result<Self> {
        ensure_available(report)?;
        let mut params = report.resolve_params(params)?;
        ensure_dates_apply(report, &params)?;
        let now = crate::time::now();
        if report.columns.iter().any(|c| matches!(c.source, Source::Param(INSTANCE))) {
            params.insert(INSTANCE, config.instance());
        }
        if report.api.as_user {
            // Checked now with no login; walked once it is known.
            params.insert(LOGIN, String::new());
        }
        let walker = Walker::new(report, params, &config.endpoint, now, true)?;
        let mut run = Run::walk(walker, config, transport);
        run.as_user = report.api.as_user.then(|| AsUser { endpoint: config.endpoint.clone(), now });
        Ok(run)
    }

    /// Learns the login an `as_user` run reads as, and starts its walk with it.
    fn learn_login(&mut self) -> Result<()> {
        let Some(AsUser { endpoint, now }) = self.as_user.take() else {
            return Ok(());
        };
        let mut probe = endpoint.clone();
        probe.set_path(&format!("{}{}", endpoint.path().trim_end_matches('/'), LOGIN_PROBE.0));
        probe.set_query(Some(LOGIN_PROBE.1));
        let login = self.client.login(&probe)?;
        let mut params = std::mem::take(&mut self.walker.params);
        params.insert(LOGIN, login);
        self.walker = Walker::new(self.walker.report, params, &endpoint, now, true)?;
        Ok(())
    }

    /// A run of this walk (a report's, or a fan-out parent's alone).
    fn walk(walker: Walker, config: &Config, transport: T) -> Run<T> {
        Run {
            client: Client::new(config, transport),
            walker,
            window: Window::new(config.concurrency),
            failed: None,
            finished: false,
            complete: false,
            ledger: Ledger::new(config.on_invalid_object),
            as_user: None,
        }
    }

    /// The rows of the answers in once the oldest request outstanding is
    /// (possibly none); `None` once the report is exhausted. After an
    /// error the run is over and later calls return `None`.
    pub fn next_batch(&mut self) -> Result<Option<Vec<Row>>> {
        if self.finished {
            return Ok(None);
        }
        let batch = self.batch();
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
        self.complete.then(|| self.ledger.high_water.0.as_ref().map(|(_, text)| text.clone())).flatten()
    }

    /// One batch: what the walker wants sent while there is room, then,
    /// once the oldest request is answered (sending more as others are),
    /// the rows of it and of every answer after it that is in, in order.
    /// Each answer is made into rows only after the window is topped up
    /// again, so that work overlaps the network. One wait for the oldest
    /// per call, even when it yields no rows, so no call into the guest
    /// outlives the host's deadline. An error ends the batch: the rows
    /// before it are handed back, the error by the next call.
    fn batch(&mut self) -> Result<Option<Vec<Row>>> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        self.learn_login()?;
        self.top_up()?;
        if self.window.is_empty() {
            return Ok(None);
        }
        let mut answer = self.window.pop();
        while answer.is_none() {
            self.window.wait(&mut self.client);
            self.top_up()?;
            answer = self.window.pop();
        }
        let mut rows = Vec::new();
        while let Some((number, body)) = answer {
            let fed = self.top_up().and_then(|()| self.walker.feed(number, body, &mut self.ledger));
            match fed {
                Ok(more) => {
                    rows.extend(more);
                    if let Some(error) = self.ledger.after_rows.take() {
                        self.failed = Some(error);
                        break;
                    }
                }
                Err(error) if rows.is_empty() => return Err(error),
                Err(error) => {
                    self.failed = Some(error);
                    break;
                }
            }
            answer = self.window.pop();
        }
        Ok(Some(rows))
    }

    /// Sends what the walker wants next, as far as the window has room.
    fn top_up(&mut self) -> Result<()> {
        let room = self.window.room();
        if room == 0 {
            return Ok(());
        }
        let mut asks = Asks::new(self.window.next(), room, self.window.concurrency());
        self.walker.wants(&mut asks)?;
        self.window.send(&mut self.client, asks.urls);
        Ok(())
    }

    /// What the run's requests did so far.
    pub fn stats(&self) -> crate::client::Stats {
        self.client.stats
    }

    /// Objects left out so far under `on_invalid_object: "skip"`.
    pub fn skipped(&self) -> u64 {
        self.ledger.skipped
    }
}
