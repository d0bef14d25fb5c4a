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
use crate::url::Url;
use std::collections::VecDeque;

/// How many times `concurrency` requests may be outstanding.
const SPAN: usize = 2;

pub(super) struct Window<P> {
    flights: Flights<P>,
    /// The requests outstanding, oldest first: their answers, `None` while
    /// on their way.
    outstanding: VecDeque<Option<Result<Vec<u8>>>>,
    /// The number of the oldest request not handed back yet.
    oldest: u64,
    concurrency: usize,
}

impl<P> Window<P> {
    pub(super) fn new(concurrency: usize) -> Self {
        Window { flights: Flights::new(), outstanding: VecDeque::new(), oldest: 0, concurrency: concurrency.max(1) }
    }

    /// How many requests may be sent now.
    pub(super) fn room(&self) -> usize {
        let in_flight = self.flights.len();
        self.concurrency.saturating_sub(in_flight).min((SPAN * self.concurrency).saturating_sub(self.outstanding.len()))
    }

    /// The number the next request sent gets.
    pub(super) fn next(&self) -> u64 {
        self.oldest + self.outstanding.len() as u64
    }

    pub(super) fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Whether every request sent has been handed back.
    pub(super) fn is_empty(&self) -> bool {
        self.outstanding.is_empty()
    }

    /// Sends `urls`, numbered from [`next`](Window::next) on.
    pub(super) fn send<T: Transport<Pending = P>>(&mut self, client: &mut Client<T>, urls: Vec<Url>) {
        debug_assert!(urls.len() <= self.room(), "within the window");
        for url in urls {
            let number = self.next();
            client.send(&mut self.flights, number, url);
            self.outstanding.push_back(None);
        }
    }

    /// The oldest request's number and answer, if it is in.
    pub(super) fn pop(&mut self) -> Option<(u64, Result<Vec<u8>>)> {
        let answer = self.outstanding.front_mut()?.take()?;
        self.outstanding.pop_front();
        self.oldest += 1;
        Some((self.oldest - 1, answer))
    }

    /// Waits until at least one more request is answered for good.
    pub(super) fn wait<T: Transport<Pending = P>>(&mut self, client: &mut Client<T>) {
        debug_assert!(!self.flights.is_empty(), "something to wait for");
        for (number, answer) in client.wait(&mut self.flights) {
            self.outstanding[(number - self.oldest) as usize] = Some(answer);
        }
    }
}
