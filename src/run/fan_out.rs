//! A report run once per row of its parent report (e.g. commits of every
//! repository of a workspace): the parent walked as its own walk, each of
//! its rows bound into a child's parameters (validated like parameters the
//! user gave), children walked side by side in the parent's order: a child
//! starts as soon as the window has room, the rows of each child in its
//! own order, those of different children interleaved page by page.

use super::walker::{Asks, Walker};
use super::{Ledger, Row};
use crate::catalog::{FanOut, Params, Report, DATE_PARAMS};
use crate::cells::Cell;
use crate::error::{Error, Result};
use crate::url::Url;
use std::collections::VecDeque;

pub(super) struct FanOutWalk {
    binding: Binding,
    parent: Walker,
    /// Parameters of children not started yet, in the parent's order.
    pending: VecDeque<Params>,
    /// Children being walked, in the parent's order.
    children: Vec<Walker>,
    endpoint: Url,
    now: i64,
}

impl FanOutWalk {
    pub(super) fn new(fan: FanOut, params: &Params, endpoint: &Url, now: i64) -> Result<FanOutWalk> {
        let parent = Walker::new(fan.parent, parent_params(fan, params)?, endpoint, now, fan.dates_narrow_parent)?;
        let binding = Binding::new(fan);
        Ok(FanOutWalk { binding, parent, pending: VecDeque::new(), children: Vec::new(), endpoint: endpoint.clone(), now })
    }

    pub(super) fn done(&self) -> bool {
        self.parent.done() && self.pending.is_empty() && self.children.is_empty()
    }

    pub(super) fn awaits_answers(&self) -> bool {
        self.parent.awaits_answers() || self.children.iter().any(Walker::awaits_answers)
    }

    pub(super) fn owns(&self, number: u64) -> bool {
        self.parent.owns(number) || self.children.iter().any(|child| child.owns(number))
    }

    /// The children's requests first, then new children, then the parent's.
    pub(super) fn wants(&mut self, report: &'static Report, asks: &mut Asks) -> Result<()> {
        for child in &mut self.children {
            child.wants(asks)?;
        }
        // At most as many children as the window holds requests (twice
        // `concurrency`): those whose answers are still to be fed, and
        // those starting now.
        while asks.left() > 0 && self.children.len() < 2 * asks.concurrency {
            let Some(params) = self.pending.pop_front() else {
                break;
            };
            let mut child = Walker::new(report, params, &self.endpoint, self.now, true)?;
            child.wants(asks)?;
            self.children.push(child);
        }
        // More parents only when the children queued run low, so
        // the queue stays within a window's worth of parent pages.
        if self.pending.len() < asks.concurrency && !self.parent.done() {
            self.parent.wants(asks)?;
        }
        Ok(())
    }

    /// A child's rows; the parent's rows become children to start.
    pub(super) fn feed(
        &mut self,
        report: &Report,
        params: &Params,
        number: u64,
        body: Result<Vec<u8>>,
        ledger: &mut Ledger,
    ) -> Result<Vec<Row>> {
        if self.parent.owns(number) {
            for row in self.parent.feed(number, body, ledger)? {
                if let Some(params) = self.binding.child(report, params, &row, ledger)? {
                    self.pending.push_back(params);
                }
            }
            return Ok(Vec::new());
        }
        let child = self.children.iter_mut().find(|child| child.owns(number)).expect("a child asked for it");
        let rows = match body {
            // One object the server cannot serve is an odd object: the
            // error by default, or that child given up and counted.
            Err(error) if error.unservable && child.can_abandon() => {
                ledger.leave_out(1, unservable(report, &child.params, error))?;
                child.abandon();
                Vec::new()
            }
            body => child.feed(number, body, ledger)?,
        };
        self.children.retain(|child| !child.done() || child.awaits_answers());
        Ok(rows)
    }
}

/// The error for a child the server cannot serve: which report, which
/// object (the parameters bound for it) and what the server said.
fn unservable(report: &Report, params: &Params, error: Error) -> Error {
    let object: Vec<String> = params
        .iter()
        .filter(|(name, _)| !DATE_PARAMS.contains(name))
        .map(|(name, value)| format!("{name} `{}`", value.chars().take(80).collect::<String>()))
        .collect();
    Error {
        message: format!(
            "report `{}`: Bitbucket cannot serve {}: {} {}",
            report.id,
            object.join(", "),
            error.message,
            super::pages::SKIP_HINT
        ),
        ..error
    }
}

/// The parameters of a fan-out's parent: those of the child's it accepts
/// (workspace, and the dates where they narrow the parent).
pub(super) fn parent_params(fan: FanOut, params: &Params) -> Result<Params> {
    let given: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| fan.parent.param(name).is_some())
        .filter(|(name, _)| fan.dates_narrow_parent || !DATE_PARAMS.contains(name))
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    fan.parent.resolve_params(&given)
}

/// How a parent row becomes a child's parameters.
pub(super) struct Binding {
    parent: &'static Report,
    /// `(parameter, indexes of the parent columns to bind it from, first with a value)`.
    binds: Vec<(&'static str, Vec<usize>)>,
}

impl Binding {
    pub(super) fn new(fan: FanOut) -> Binding {
        let column = |name: &str| fan.parent.columns.iter().position(|c| c.name == name).expect("fan-out column exists");
        let binds = fan.binds.iter().map(|(param, names)| (*param, names.iter().map(|n| column(n)).collect())).collect();
        Binding { parent: fan.parent, binds }
    }

    /// `params` with the values `row` binds, for a child of `report`;
    /// `None` for a row that cannot be visited, left to the ledger.
    pub(super) fn child(&self, report: &Report, params: &Params, row: &[Cell], ledger: &mut Ledger) -> Result<Option<Params>> {
        let mut params = params.clone();
        for (param, columns) in &self.binds {
            let cell = columns.iter().map(|i| &row[*i]).find(|cell| **cell != Cell::Null).unwrap_or(&Cell::Null);
            match bound_value(report, self.parent, param, cell) {
                Ok(value) => params.insert(param, value),
                Err(error) => {
                    // A parent that cannot be visited is an odd object too.
                    ledger.leave_out(1, error)?;
                    return Ok(None);
                }
            };
        }
        Ok(Some(params))
    }
}

/// A parent row's value as a parameter of the child, validated like a
/// parameter the user gave: it lands in a URL path.
fn bound_value(report: &Report, parent: &Report, param: &str, cell: &Cell) -> Result<String> {
    let value = match cell {
        Cell::Integer(n) => n.to_string(),
        Cell::Text(s) => s.clone(),
        _ => {
            return Err(Error::invalid_response(format!(
                "report `{}`: an object of `{}` has no value to visit it by (`{param}`), so its {} cannot be read. {}",
                report.id,
                parent.id,
                report.id,
                super::pages::SKIP_HINT
            )))
        }
    };
    report.validate_value(param, &value).map_err(|e| {
        Error::invalid_response(format!(
            "report `{}`: `{}` returned an unusable {param} ({}). {}",
            report.id,
            parent.id,
            e.message,
            super::pages::SKIP_HINT
        ))
    })
}
