//! The sliding window a run's requests go through: each request numbered
//! in the order it is sent, a new one sent as soon as there is room (not
//! when a whole round is answered), and the answers handed back strictly
//! in that order, those that come in ahead of an older one kept until it
//! is in.
//!
//! Two bounds: at most `concurrency` requests in flight, and at most
//! `SPAN × concurrency` outstanding (in flight, or answered and waiting for
//! an older one), so the guest never holds more than that many pages: the
//! same as rounds did at their fullest (a round being made into rows and
//! the next one in flight). A window no wider than `concurrency` would
//! gain nothing when one page in `concurrency` is slow: each slow page
//! would then hold up the next one, a window's width behind it.

use crate::client::{Client, Flights, Transport};
use crate::error::Result;
use std::collections::BTreeMap;
use url::Url;

/// How many times `concurrency` requests may be outstanding.
const SPAN: usize = 2;

pub(super) struct Window<P> {
    flights: Flights<P>,
    /// Answers that came in ahead of an older request, by number.
    early: BTreeMap<u64, Result<Vec<u8>>>,
    /// The number of the next request to send.
    next: u64,
    /// The number of the oldest request not handed back yet.
    oldest: u64,
    concurrency: usize,
}

impl<P> Window<P> {
    pub(super) fn new(concurrency: usize) -> Self {
        Window { flights: Flights::new(), early: BTreeMap::new(), next: 0, oldest: 0, concurrency: concurrency.max(1) }
    }

    /// How many requests may be sent now.
    pub(super) fn room(&self) -> usize {
        let outstanding = (self.next - self.oldest) as usize;
        self.concurrency.saturating_sub(self.flights.len()).min((SPAN * self.concurrency).saturating_sub(outstanding))
    }

    /// The number the next request sent gets.
    pub(super) fn next(&self) -> u64 {
        self.next
    }

    pub(super) fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Whether every request sent has been handed back.
    pub(super) fn is_empty(&self) -> bool {
        self.next == self.oldest
    }

    /// Sends `urls`, numbered from [`next`](Window::next) on.
    pub(super) fn send<T: Transport<Pending = P>>(&mut self, client: &mut Client<T>, urls: Vec<Url>) {
        debug_assert!(urls.len() <= self.room(), "within the window");
        for url in urls {
            client.send(&mut self.flights, self.next, url);
            self.next += 1;
        }
    }

    /// The oldest request's number and answer, if it is in.
    pub(super) fn pop(&mut self) -> Option<(u64, Result<Vec<u8>>)> {
        let answer = self.early.remove(&self.oldest)?;
        self.oldest += 1;
        Some((self.oldest - 1, answer))
    }

    /// Waits until at least one more request is answered for good.
    pub(super) fn wait<T: Transport<Pending = P>>(&mut self, client: &mut Client<T>) {
        debug_assert!(!self.flights.is_empty(), "something to wait for");
        for (number, answer) in client.wait(&mut self.flights) {
            self.early.insert(number, answer);
        }
    }
}
