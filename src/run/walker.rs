//! The walk of one report: its own pages (`pages`), or, when a fan-out
//! parameter is omitted, the parent report's rows and one child walk per
//! row (`fan_out`). Each round a walker says which requests it `wants` (up
//! to the room left), then is `feed` their answers in the same order.

use super::fan_out::FanOutWalk;
use super::pages::Pages;
use super::{HighWater, Row};
use crate::catalog::{Params, Report};
use crate::error::Result;
use crate::url::Url;

/// The answers of one round, in the order the walkers asked for them.
pub(super) type Bodies<'a> = dyn Iterator<Item = Result<Vec<u8>>> + 'a;

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

    /// Whether a round in flight holds requests for this walk.
    pub(super) fn awaits_answers(&self) -> bool {
        match &self.walk {
            Walk::Pages(pages) => pages.awaits_answers(),
            Walk::FanOut(fan) => fan.awaits_answers(),
        }
    }

    /// Adds the requests this walker needs in `round`, at most
    /// `room - urls.len()`. May be called for the next round before the
    /// answers of this one are fed: a walk that needs them to know what
    /// comes next (a `next` link) then asks for nothing.
    pub(super) fn wants(&mut self, room: usize, urls: &mut Vec<Url>, round: u64) -> Result<()> {
        match &mut self.walk {
            Walk::Pages(pages) => pages.wants(room, urls, round),
            Walk::FanOut(fan) => fan.wants(self.report, room, urls, round),
        }
    }

    /// Takes the answers to what `wants` asked for in `round` and maps
    /// them to rows.
    pub(super) fn feed(&mut self, bodies: &mut Bodies, round: u64, high_water: &mut HighWater) -> Result<Vec<Row>> {
        match &mut self.walk {
            Walk::Pages(pages) => {
                let dated = self.report.date_field().filter(|_| self.dated);
                pages.feed(self.report, &self.params, dated, bodies, round, high_water)
            }
            Walk::FanOut(fan) => fan.feed(self.report, &self.params, bodies, round, high_water),
        }
    }
}
