//! The pages of one collection (or the one object of an object endpoint):
//! `next` links (or Data Center's `nextPageStart`) followed one at a time, a numbered collection's remaining
//! pages fetched side by side once the first says how many there are (as
//! many at a time as the window has room for), a newest-first date cutoff,
//! the loop guard on `next`, a short page asked for once more, the check
//! that a numbered collection did not end short of its `size`, and the
//! objects that cannot be mapped (both left to the run's [`Ledger`]); a
//! comment thread's comments made into rows once per walk (`Each::Thread`),
//! and a walk given up when Data Center cannot serve its object.

use super::walker::Asks;
use super::{Ledger, Row};
use crate::catalog::{DateBound, DateFilter, Each, Paging, Params, Report, Shape};
use crate::cells::lookup;
use crate::client::{parse_dc_page, parse_object, parse_page, Page};
use crate::error::{Error, Result};
use crate::url::Url;
use serde_json::Value;
use std::collections::{BTreeSet, VecDeque};

pub(super) struct Pages {
    /// The next page to read by following links, one at a time.
    next: Option<Url>,
    /// Pages already fetched by link, so a `next` that points back is caught.
    visited: BTreeSet<String>,
    /// Once the first page says how many there are: the pages still to
    /// read, which can be fetched side by side.
    numbered: Option<PageRange>,
    /// For `DateFilter::Cutoff`: the earliest instant wanted.
    cutoff: Option<DateBound>,
    /// For `DateFilter::Cutoff`: `changed-before`, the first instant not
    /// wanted (newer objects come first and are passed over).
    upper: Option<DateBound>,
    /// The requests of this walk not fed yet, oldest first.
    asked: VecDeque<Asked>,
    /// Short pages to ask for once more, before anything else.
    again: VecDeque<Asked>,
    /// What the pages said and held, to tell a collection that ended early.
    tally: Tally,
    /// For `Each::Thread`: the keys of the rows already made, so a comment
    /// met again in an older activity is left out.
    seen: Option<BTreeSet<Vec<String>>>,
    /// Whether the walk was given up (an object Data Center cannot serve,
    /// skipped): the answers still on their way are taken and dropped.
    abandoned: bool,
}

/// The objects a walk's pages held against what their `size` promised.
///
/// The rule: when paging ends (no `next` to follow, no planned page left)
/// and a date cutoff did not stop it, the walk fails with
/// `invalid-response` if it got fewer objects than the smallest `size` any
/// page reported *and* some page came back short: with fewer objects than
/// its `page`, `pagelen` and `size` said it holds (empty, in the middle).
/// `size` may change during a run: objects added show up as a `next` link
/// on the last page, which is followed; objects removed lower the `size`
/// of the pages read after, hence the smallest. A collection that comes out
/// short without any page being short (a full page without a `next` link)
/// is taken as it is.
#[derive(Default)]
struct Tally {
    /// Objects on the pages fed so far.
    got: u64,
    /// The smallest `size` a page reported.
    size: Option<u64>,
    /// The first page with fewer objects than promised: `(page, objects
    /// it held, objects promised)`.
    short: Option<(u64, u64, u64)>,
    /// Whether a date cutoff ended paging, as it may, before `size`.
    cut: bool,
    /// The collection's path, for the error.
    path: String,
}

impl Tally {
    fn count(&mut self, page: &Page) {
        self.got += page.values.len() as u64;
        let Some(position) = page.numbered else {
            return;
        };
        self.size = Some(self.size.map_or(position.size, |size| size.min(position.size)));
        if let (Some((held, promised)), None) = (short(page), self.short) {
            self.short = Some((position.page, held, promised));
        }
    }

    /// Once paging ended: if the collection ended short, how many objects
    /// it lacks and the error that says so.
    fn check(&self) -> Option<(u64, Error)> {
        let (Some(size), Some((page, held, promised)), false) = (self.size, self.short, self.cut) else {
            return None;
        };
        if self.got >= size {
            return None;
        }
        let what = match held {
            0 => "came back empty".to_string(),
            _ => format!("came back with {held} of the {promised} objects its position promised"),
        };
        let error = Error::invalid_response(format!(
            "the collection {} ended early: its `size` said {size} objects, paging ended after {}, and page {page} {what}, also when asked again. Bitbucket lost track of the collection during the run; run again, and if it persists, report it with this message. {SKIP_HINT}",
            self.path, self.got
        ));
        Some((size - self.got, error))
    }
}

/// What an odd-object error adds, so a person knows the way on.
pub(super) const SKIP_HINT: &str =
    "To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration.";

/// `(objects held, objects promised)` if a numbered page holds fewer than
/// its position (`page`, `pagelen`) and the collection's `size` say.
fn short(page: &Page) -> Option<(u64, u64)> {
    let position = page.numbered?;
    let held = page.values.len() as u64;
    let before = (position.page - 1).saturating_mul(position.pagelen);
    let promised = position.size.saturating_sub(before).min(position.pagelen);
    (held < promised).then_some((held, promised))
}

/// One request of this walk.
struct Asked {
    number: u64,
    url: Url,
    /// Whether it is for a planned page of a range other than its last,
    /// whose links add nothing.
    planned: bool,
    /// Whether it asks again for a page that came back short.
    again: bool,
}

/// Pages `next..=last` of a numbered collection; `template` is a `next`
/// link of the collection, whose `page` parameter is replaced.
struct PageRange {
    template: Url,
    next: u64,
    last: u64,
}

impl PageRange {
    fn url(&self, page: u64) -> Url {
        let pairs: Vec<(String, String)> = self
            .template
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "page" { page.to_string() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        let mut url = self.template.clone();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        url
    }
}

impl Pages {
    /// The walk of `report`'s collection, from its first page.
    pub(super) fn new(report: &Report, params: &Params, endpoint: &Url, now: i64) -> Result<Pages> {
        let (cutoff, upper) = match report.api.date_filter {
            DateFilter::Cutoff(_) => (report.date_bound(params, now), report.date_upper(params)),
            _ => (None, None),
        };
        let first = report.first_url(endpoint, params, now)?;
        Ok(Pages {
            next: Some(first.clone()),
            visited: BTreeSet::new(),
            numbered: None,
            cutoff,
            upper,
            asked: VecDeque::new(),
            again: VecDeque::new(),
            tally: Tally { path: first.path().to_string(), ..Tally::default() },
            seen: matches!(report.api.each, Some(Each::Thread { .. })).then(BTreeSet::new),
            abandoned: false,
        })
    }

    pub(super) fn done(&self) -> bool {
        self.next.is_none() && self.again.is_empty() && self.numbered.as_ref().is_none_or(|r| r.next > r.last)
    }

    pub(super) fn awaits_answers(&self) -> bool {
        !self.asked.is_empty()
    }

    /// Whether request `number` is this walk's next to be fed.
    pub(super) fn owns(&self, number: u64) -> bool {
        self.asked.front().is_some_and(|a| a.number == number)
    }

    pub(super) fn wants(&mut self, asks: &mut Asks) -> Result<()> {
        let free = asks.left() as u64;
        if free == 0 {
            return Ok(());
        }
        if let Some(mut again) = self.again.pop_front() {
            again.number = asks.push(again.url.clone());
            self.asked.push_back(again);
        } else if let Some(range) = self.numbered.as_mut().filter(|r| r.next <= r.last) {
            let last = range.last.min(range.next + free - 1);
            for page in range.next..=last {
                let url = range.url(page);
                let number = asks.push(url.clone());
                self.asked.push_back(Asked { number, url, planned: page < range.last, again: false });
            }
            range.next = last + 1;
        } else if let Some(url) = self.next.take() {
            if !self.visited.insert(url.to_string()) {
                return Err(Error::invalid_response(format!(
                    "pagination loop: the `next` link points back to a page already read ({})",
                    url.path()
                )));
            }
            let number = asks.push(url.clone());
            self.asked.push_back(Asked { number, url, planned: false, again: false });
        }
        Ok(())
    }

    /// Maps the answer to request `number` (the oldest of this walk's) to
    /// rows; `dated`: the date field that counts towards the checkpoint.
    /// A page that comes back short is asked for once more before it is
    /// taken (its rows then come after those of pages fed meanwhile); an
    /// object that cannot be mapped goes to the ledger.
    pub(super) fn feed(
        &mut self,
        report: &Report,
        params: &Params,
        dated: Option<&str>,
        number: u64,
        body: Result<Vec<u8>>,
        ledger: &mut Ledger,
    ) -> Result<Vec<Row>> {
        let asked = self.asked.pop_front().expect("a request of this walk");
        debug_assert_eq!(asked.number, number, "answers are fed in the order asked");
        if self.abandoned {
            return Ok(Vec::new());
        }
        let body = body?;
        let objects = match report.api.shape {
            Shape::Object => vec![parse_object(&body)?],
            Shape::List => {
                let page = match report.api.paging {
                    Paging::Cloud => parse_page(&body)?,
                    Paging::StartLimit => parse_dc_page(&body, &asked.url, None)?,
                    Paging::Browse => parse_dc_page(&body, &asked.url, Some("children"))?,
                };
                let cut_here = page.values.iter().any(|object| self.older_than_cutoff(report, object));
                if short(&page).is_some() && !asked.again && !cut_here {
                    self.again.push_back(Asked { again: true, ..asked });
                    return Ok(Vec::new());
                }
                self.tally.count(&page);
                self.take_page(page, asked.planned)
            }
        };
        drop(body);
        let mut rows = Vec::new();
        for object in &objects {
            if self.before_cutoff(report, object) {
                break;
            }
            if self.not_before_upper(report, object) {
                continue;
            }
            match report.rows(object, params) {
                Ok(more) => match &mut self.seen {
                    Some(seen) => rows.extend(more.into_iter().filter(|row| seen.insert(report.key_of(row)))),
                    None => rows.extend(more),
                },
                Err(error) => match ledger.leave_out(1, odd_object(report, object, error)) {
                    Ok(()) => continue,
                    Err(error) => {
                        // The rows before it still count.
                        ledger.fail_after_rows(error);
                        return Ok(rows);
                    }
                },
            }
            if let Some(when) = dated.and_then(|f| lookup(object, f)) {
                ledger.high_water.see(when);
            }
        }
        if report.api.shape == Shape::List && self.done() && self.asked.is_empty() {
            if let Some(error) = self.tally.check().and_then(|(missing, error)| ledger.leave_out(missing, error).err()) {
                ledger.fail_after_rows(error);
            }
        }
        Ok(rows)
    }

    /// Takes one page's links: follows `next`, or, once a numbered page
    /// says how many pages there are, plans the rest for side-by-side
    /// fetching. `planned`: a page of the range before its last, whose own
    /// links add nothing. Returns the page's objects.
    fn take_page(&mut self, page: Page, planned: bool) -> Vec<Value> {
        if planned {
            return page.values;
        }
        // The last planned page: its `next`, if the collection grew
        // meanwhile, is followed below like any other.
        self.numbered = None;
        self.next = page.next;
        // A newest-first cutoff must stop at the first older object, so
        // those collections are read one page at a time.
        if self.cutoff.is_some() {
            return page.values;
        }
        if let (Some(next), Some(position)) = (&self.next, page.numbered) {
            let follows = next.query_pairs().any(|(k, v)| k == "page" && v.parse() == Ok(position.page + 1));
            if follows && position.last_page() > position.page {
                self.numbered = Some(PageRange { template: next.clone(), next: position.page + 1, last: position.last_page() });
                self.next = None;
            }
        }
        page.values
    }

    /// Gives the walk up after the answer to its oldest request (taken
    /// here): nothing more is asked for, and the answers still on their
    /// way are dropped as they are fed.
    pub(super) fn abandon(&mut self) {
        self.asked.pop_front();
        self.abandoned = true;
        self.next = None;
        self.numbered = None;
        self.again.clear();
    }

    /// Whether `object` is older than the cutoff.
    fn older_than_cutoff(&self, report: &Report, object: &Value) -> bool {
        let (Some(cutoff), DateFilter::Cutoff(field)) = (&self.cutoff, report.api.date_filter) else {
            return false;
        };
        let when = lookup(object, field).and_then(crate::time::api_date);
        when.is_some_and(|(t, _)| cutoff.excludes(t))
    }

    /// Whether `object` is at or after `changed-before` (client side, for a
    /// newest-first collection): passed over, paging goes on.
    fn not_before_upper(&self, report: &Report, object: &Value) -> bool {
        let (Some(upper), DateFilter::Cutoff(field)) = (&self.upper, report.api.date_filter) else {
            return false;
        };
        let when = lookup(object, field).and_then(crate::time::api_date);
        when.is_some_and(|(t, _)| t >= upper.at)
    }

    /// Whether `object` is older than the cutoff; if so, nothing after it
    /// is wanted (newest first) and paging stops.
    fn before_cutoff(&mut self, report: &Report, object: &Value) -> bool {
        let older = self.older_than_cutoff(report, object);
        if older {
            self.next = None;
            self.tally.cut = true;
        }
        older
    }
}

/// The error for an object of `report` that cannot be mapped: which
/// report, which object (its id, as far as it has one) and why.
fn odd_object(report: &Report, object: &Value, why: Error) -> Error {
    let id = ["uuid", "id", "hash", "key", "slug", "full_name", "name"].iter().find_map(|key| match object.get(*key) {
        Some(Value::String(s)) => Some(format!("{key} `{}`", s.chars().take(80).collect::<String>())),
        Some(Value::Number(n)) => Some(format!("{key} {n}")),
        _ => None,
    });
    let id = id.unwrap_or_else(|| "without an id".to_string());
    Error::invalid_response(format!("report `{}`: the object {id} cannot be read: {}. {SKIP_HINT}", report.id, why.message))
}
