//! The walk of one report: its own pages (`pages`), or, when a fan-out
//! parameter is omitted, the parent report's rows and one child walk per
//! row (`fan_out`). Whenever the window has room, a walker says which
//! requests it `wants` (at most the room left); each request gets the
//! window's next number. The answers are `feed` back one at a time, in
//! that order, each to the walk that `owns` its number.

use super::fan_out::FanOutWalk;
use super::pages::Pages;
use super::{Ledger, Row};
use crate::catalog::{Params, Report};
use crate::error::Result;
use crate::url::Url;

/// The requests asked for in one top-up of the window: at most `room`,
/// numbered from `first`.
pub(super) struct Asks {
    pub(super) urls: Vec<Url>,
    first: u64,
    room: usize,
    /// The run's `concurrency`, which bounds what walks keep ready (the
    /// children a fan-out starts).
    pub(super) concurrency: usize,
}

impl Asks {
    pub(super) fn new(first: u64, room: usize, concurrency: usize) -> Asks {
        Asks { urls: Vec::new(), first, room, concurrency }
    }

    /// How many more requests fit.
    pub(super) fn left(&self) -> usize {
        self.room - self.urls.len()
    }

    /// Asks for `url`; returns the number its answer comes back with.
    pub(super) fn push(&mut self, url: Url) -> u64 {
        debug_assert!(self.left() > 0, "within the room");
        self.urls.push(url);
        self.first + self.urls.len() as u64 - 1
    }
}

pub(super) struct Walker {
    pub(super) report: &'static Report,
    pub(super) params: Params,
    walk: Walk,
    /// Whether the date parameters narrow this walk, so its date field
    /// counts towards the run's checkpoint.
    dated: bool,
}

enum Walk {
    Pages(Box<Pages>),
    FanOut(Box<FanOutWalk>),
}

impl Walker {
    pub(super) fn new(report: &'static Report, params: Params, endpoint: &Url, now: i64, dated: bool) -> Result<Walker> {
        let walk = match report.fan_out.filter(|f| !params.contains_key(f.param)) {
            Some(fan) => Walk::FanOut(Box::new(FanOutWalk::new(fan, &params, endpoint, now)?)),
            None => Walk::Pages(Box::new(Pages::new(report, &params, endpoint, now)?)),
        };
        Ok(Walker { report, params, walk, dated })
    }

    /// Whether nothing is left to ask for (answers may still be on their way).
    pub(super) fn done(&self) -> bool {
        match &self.walk {
            Walk::Pages(pages) => pages.done(),
            Walk::FanOut(fan) => fan.done(),
        }
    }

    /// Whether requests of this walk are still to be fed.
    pub(super) fn awaits_answers(&self) -> bool {
        match &self.walk {
            Walk::Pages(pages) => pages.awaits_answers(),
            Walk::FanOut(fan) => fan.awaits_answers(),
        }
    }

    /// Whether the request numbered `number` is this walk's.
    pub(super) fn owns(&self, number: u64) -> bool {
        match &self.walk {
            Walk::Pages(pages) => pages.owns(number),
            Walk::FanOut(fan) => fan.owns(number),
        }
    }

    /// Adds the requests this walker needs now, at most `asks.left()`.
    /// Called again whenever there is room, also before the answers
    /// already asked for are fed: a walk that needs them to know what
    /// comes next (a `next` link) then asks for nothing.
    pub(super) fn wants(&mut self, asks: &mut Asks) -> Result<()> {
        match &mut self.walk {
            Walk::Pages(pages) => pages.wants(asks),
            Walk::FanOut(fan) => fan.wants(self.report, asks),
        }
    }

    /// Whether the walk can be given up part way (its own pages; a fan-out
    /// gives up its children instead).
    pub(super) fn can_abandon(&self) -> bool {
        matches!(self.walk, Walk::Pages(_))
    }

    /// Gives the walk up after the answer to its oldest request (see
    /// `Pages::abandon`); a fan-out walk is left as it is.
    pub(super) fn abandon(&mut self) {
        if let Walk::Pages(pages) = &mut self.walk {
            pages.abandon();
        }
    }

    /// Takes the answer to request `number` (this walk's, and the oldest of
    /// its requests not fed yet) and maps it to rows.
    pub(super) fn feed(&mut self, number: u64, body: Result<Vec<u8>>, ledger: &mut Ledger) -> Result<Vec<Row>> {
        match &mut self.walk {
            Walk::Pages(pages) => {
                let dated = self.report.date_field().filter(|_| self.dated);
                pages.feed(self.report, &self.params, dated, number, body, ledger)
            }
            Walk::FanOut(fan) => fan.feed(self.report, &self.params, number, body, ledger),
        }
    }
}
