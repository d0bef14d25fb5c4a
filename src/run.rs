//! A run of one report: walks the collection page by page, handing the host
//! one page of rows per batch, so the guest never holds more than a page
//! (plus, for workspace-wide runs, one page of the parent's keys).

use crate::catalog::{DateFilter, Params, Report, Shape, Status};
use crate::cells::{lookup, Cell};
use crate::client::{Client, InFlight, Transport};
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use std::collections::{BTreeSet, VecDeque};
use url::Url;

pub type Row = Vec<Cell>;

/// A retired report's error, which says what to use instead; nothing is sent.
pub fn ensure_available(report: &Report) -> Result<()> {
    let Status::RetiredUpstream {
        since,
        reason,
        replacement,
    } = report.status
    else {
        return Ok(());
    };
    let instead = match replacement {
        Some(id) => format!(" Use report `{id}` instead."),
        None => String::new(),
    };
    Err(Error::new(
        ErrorCode::RetiredUpstream,
        format!(
            "report `{}` cannot run: {reason} (removed upstream {since}).{instead}",
            report.id
        ),
    ))
}

/// A date parameter that would change nothing is refused rather than
/// silently ignored (e.g. `since` on one pull request's commits).
fn ensure_dates_apply(report: &Report, params: &Params) -> Result<()> {
    let Some(given) = crate::catalog::DATE_PARAMS
        .into_iter()
        .find(|p| params.contains_key(p))
    else {
        return Ok(());
    };
    let own = report.date_filter != DateFilter::None;
    let via_parent = report
        .fan_out
        .is_some_and(|f| f.dates_narrow_parent && !params.contains_key(f.param));
    if own || via_parent {
        return Ok(());
    }
    let narrowing = report.fan_out.map_or("these parameters", |f| f.param);
    Err(Error::param(
        given,
        format!("has no effect on report `{}` when `{narrowing}` is given: the endpoint has no date filter; omit `{given}`", report.id),
    ))
}

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
    pub fn start(
        report: &'static Report,
        params: &[(String, String)],
        config: &Config,
        transport: T,
    ) -> Result<Self> {
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
        self.complete
            .then(|| self.high_water.0.as_ref().map(|(_, text)| text.clone()))
            .flatten()
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

/// The answers of one round, in the order the walkers asked for them.
type Bodies<'a> = dyn Iterator<Item = Result<Vec<u8>>> + 'a;

/// Walks one report: its own pages, or, when a fan-out parameter is
/// omitted, the parent report's rows and one child walk per row. Each round
/// a walker says which requests it `wants` (up to the room left), then is
/// `feed` their answers in the same order.
struct Walker {
    report: &'static Report,
    params: Params,
    walk: Walk,
    /// Whether the date parameters narrow this walk, so its date field
    /// counts towards the run's checkpoint.
    dated: bool,
}

enum Walk {
    Pages(Box<Pages>),
    FanOut(Box<FanOut>),
}

/// The pages of one collection (or the one object of an object endpoint).
struct Pages {
    /// The next page to read by following links, one at a time.
    next: Option<Url>,
    /// Pages already fetched by link, so a `next` that points back is caught.
    visited: BTreeSet<String>,
    /// Once the first page says how many there are: the pages still to
    /// read, which can be fetched side by side.
    numbered: Option<PageRange>,
    /// For `DateFilter::Cutoff`: the earliest instant wanted.
    cutoff: Option<crate::catalog::DateBound>,
    /// What the rounds in flight asked of this walk, oldest first.
    asked: VecDeque<Asked>,
}

/// The requests one round holds for one walk.
struct Asked {
    round: u64,
    count: usize,
    /// Whether the last of them is the last planned page of the range.
    ends_range: bool,
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
                let v = if k == "page" {
                    page.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        let mut url = self.template.clone();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        url
    }
}

/// A report run once per row of its parent report.
struct FanOut {
    /// `(parameter, index of the parent column)` pairs.
    binds: Vec<(&'static str, usize)>,
    parent: Walker,
    /// The rounds in flight that asked something of the parent.
    parent_asked: VecDeque<u64>,
    /// Parameters of children not started yet, in the parent's order.
    pending: VecDeque<Params>,
    /// Children being walked, in the parent's order.
    children: Vec<Walker>,
    endpoint: Url,
    now: i64,
}

impl Walker {
    fn new(
        report: &'static Report,
        params: Params,
        endpoint: &Url,
        now: i64,
        dated: bool,
    ) -> Result<Walker> {
        if let Some(fan) = report.fan_out.filter(|f| !params.contains_key(f.param)) {
            // The parent gets the parameters it accepts (workspace, dates, ...).
            let given: Vec<(String, String)> = params
                .iter()
                .filter(|(name, _)| fan.parent.params.iter().any(|p| p.name == **name))
                .filter(|(name, _)| {
                    fan.dates_narrow_parent || !crate::catalog::DATE_PARAMS.contains(name)
                })
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            let parent_params = fan.parent.resolve_params(&given)?;
            let column = |name: &str| {
                fan.parent
                    .columns
                    .iter()
                    .position(|c| c.name == name)
                    .expect("fan-out column exists")
            };
            let binds = fan
                .binds
                .iter()
                .map(|(param, name)| (*param, column(name)))
                .collect();
            let parent = Walker::new(
                fan.parent,
                parent_params,
                endpoint,
                now,
                fan.dates_narrow_parent,
            )?;
            let walk = Walk::FanOut(Box::new(FanOut {
                binds,
                parent,
                parent_asked: VecDeque::new(),
                pending: VecDeque::new(),
                children: Vec::new(),
                endpoint: endpoint.clone(),
                now,
            }));
            return Ok(Walker {
                report,
                params,
                walk,
                dated,
            });
        }
        let cutoff = match report.date_filter {
            DateFilter::Cutoff(_) => report.date_bound(&params, now),
            _ => None,
        };
        let first = report.first_url(endpoint, &params, now)?;
        Ok(Walker {
            report,
            params,
            dated,
            walk: Walk::Pages(Box::new(Pages {
                next: Some(first),
                visited: BTreeSet::new(),
                numbered: None,
                cutoff,
                asked: VecDeque::new(),
            })),
        })
    }

    /// Whether nothing is left to ask for (answers may still be on their way).
    fn done(&self) -> bool {
        match &self.walk {
            Walk::Pages(pages) => {
                pages.next.is_none() && pages.numbered.as_ref().is_none_or(|r| r.next > r.last)
            }
            Walk::FanOut(fan) => {
                fan.parent.done() && fan.pending.is_empty() && fan.children.is_empty()
            }
        }
    }

    /// Whether a round in flight holds requests for this walk.
    fn awaits_answers(&self) -> bool {
        match &self.walk {
            Walk::Pages(pages) => !pages.asked.is_empty(),
            Walk::FanOut(fan) => {
                !fan.parent_asked.is_empty() || fan.children.iter().any(Walker::awaits_answers)
            }
        }
    }

    /// Adds the requests this walker needs in `round`, at most
    /// `room - urls.len()`. May be called for the next round before the
    /// answers of this one are fed: a walk that needs them to know what
    /// comes next (a `next` link) then asks for nothing.
    fn wants(&mut self, room: usize, urls: &mut Vec<Url>, round: u64) -> Result<()> {
        match &mut self.walk {
            Walk::Pages(pages) => {
                let free = room.saturating_sub(urls.len()) as u64;
                if free == 0 {
                    return Ok(());
                }
                let before = urls.len();
                let mut ends_range = false;
                if let Some(range) = pages.numbered.as_mut().filter(|r| r.next <= r.last) {
                    let last = range.last.min(range.next + free - 1);
                    for page in range.next..=last {
                        urls.push(range.url(page));
                    }
                    range.next = last + 1;
                    ends_range = last == range.last;
                } else if let Some(url) = pages.next.take() {
                    if !pages.visited.insert(url.to_string()) {
                        return Err(Error::invalid_response(format!(
                            "pagination loop: the `next` link points back to a page already read ({})",
                            url.path()
                        )));
                    }
                    urls.push(url);
                }
                let count = urls.len() - before;
                if count > 0 {
                    pages.asked.push_back(Asked {
                        round,
                        count,
                        ends_range,
                    });
                }
                Ok(())
            }
            Walk::FanOut(fan) => {
                for child in &mut fan.children {
                    child.wants(room, urls, round)?;
                }
                // Up to two rounds' worth of children: those whose answers
                // are still to be fed, and those starting now.
                while urls.len() < room && fan.children.len() < 2 * room {
                    let Some(params) = fan.pending.pop_front() else {
                        break;
                    };
                    let mut child = Walker::new(self.report, params, &fan.endpoint, fan.now, true)?;
                    child.wants(room, urls, round)?;
                    fan.children.push(child);
                }
                // More parents only when the children queued run low, so
                // the queue stays within a round's worth of parent pages.
                let before = urls.len();
                if fan.pending.len() < room && !fan.parent.done() {
                    fan.parent.wants(room, urls, round)?;
                }
                if urls.len() > before {
                    fan.parent_asked.push_back(round);
                }
                Ok(())
            }
        }
    }

    /// Takes the answers to what `wants` asked for in `round` and maps
    /// them to rows.
    fn feed(
        &mut self,
        bodies: &mut Bodies,
        round: u64,
        high_water: &mut HighWater,
    ) -> Result<Vec<Row>> {
        match &mut self.walk {
            Walk::Pages(pages) => {
                let mut rows = Vec::new();
                let Some(asked) = pages.asked.front().filter(|a| a.round == round) else {
                    return Ok(rows);
                };
                let (count, ends_range) = (asked.count, asked.ends_range);
                pages.asked.pop_front();
                for k in 1..=count {
                    let body = bodies.next().expect("an answer for every request")?;
                    let objects = match self.report.shape {
                        Shape::Object => vec![crate::client::parse_object(&body)?],
                        Shape::List => pages
                            .take_page(crate::client::parse_page(&body)?, ends_range && k == count),
                    };
                    drop(body);
                    let dated = self.report.date_field().filter(|_| self.dated);
                    for object in &objects {
                        if pages.before_cutoff(self.report, object) {
                            break;
                        }
                        rows.extend(self.report.rows(object, &self.params)?);
                        if let Some(when) = dated.and_then(|f| lookup(object, f)?.as_str()) {
                            high_water.see(when);
                        }
                    }
                }
                Ok(rows)
            }
            Walk::FanOut(fan) => {
                let mut rows = Vec::new();
                for child in &mut fan.children {
                    rows.extend(child.feed(bodies, round, high_water)?);
                }
                fan.children
                    .retain(|child| !child.done() || child.awaits_answers());
                if fan.parent_asked.front() == Some(&round) {
                    fan.parent_asked.pop_front();
                    for row in fan.parent.feed(bodies, round, high_water)? {
                        let mut params = self.params.clone();
                        for (param, i) in &fan.binds {
                            params.insert(param, bound_value(self.report, param, &row[*i])?);
                        }
                        fan.pending.push_back(params);
                    }
                }
                Ok(rows)
            }
        }
    }
}

impl Pages {
    /// Takes one page's links: follows `next`, or, once a numbered page
    /// says how many pages there are, plans the rest for side-by-side
    /// fetching. `ends_range`: this is the last planned page. Returns the
    /// page's objects.
    fn take_page(&mut self, page: crate::client::Page, ends_range: bool) -> Vec<serde_json::Value> {
        if self.numbered.is_some() && !ends_range {
            // A planned page: its own links add nothing.
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
            let follows = next
                .query_pairs()
                .any(|(k, v)| k == "page" && v.parse() == Ok(position.page + 1));
            if follows && position.last_page() > position.page {
                self.numbered = Some(PageRange {
                    template: next.clone(),
                    next: position.page + 1,
                    last: position.last_page(),
                });
                self.next = None;
            }
        }
        page.values
    }

    /// Whether `object` is older than the cutoff; if so, nothing after it
    /// is wanted (newest first) and paging stops.
    fn before_cutoff(&mut self, report: &Report, object: &serde_json::Value) -> bool {
        let (Some(cutoff), DateFilter::Cutoff(field)) = (&self.cutoff, report.date_filter) else {
            return false;
        };
        let when = lookup(object, field)
            .and_then(|v| v.as_str())
            .and_then(crate::time::parse_precise);
        let older = when.is_some_and(|t| cutoff.excludes(t));
        if older {
            self.next = None;
        }
        older
    }
}

/// A parent row's value as a parameter of the child, validated like a
/// parameter the user gave: it lands in a URL path.
fn bound_value(report: &Report, param: &str, cell: &Cell) -> Result<String> {
    let value = match cell {
        Cell::Integer(n) => n.to_string(),
        Cell::Text(s) => s.clone(),
        _ => {
            return Err(Error::invalid_response(format!(
                "`{param}` for report `{}` is missing in the API response",
                report.id
            )))
        }
    };
    report.validate_value(param, &value).map_err(|e| {
        Error::invalid_response(format!(
            "the API returned an unusable {param} ({})",
            e.message
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::RawResponse;

    /// Serves pages from a list keyed by URL; counts requests and rounds.
    struct Served {
        pages: Vec<(&'static str, String)>,
        requests: usize,
        /// The URLs of each round sent side by side.
        rounds: Vec<Vec<String>>,
    }

    impl Served {
        fn new(pages: Vec<(&'static str, String)>) -> Served {
            Served {
                pages,
                requests: 0,
                rounds: Vec::new(),
            }
        }
    }

    impl Transport for &mut Served {
        type Pending = Url;
        fn send(&mut self, url: &Url, _: &[(&str, &str)]) -> Url {
            url.clone()
        }
        fn receive(&mut self, urls: Vec<Url>) -> Vec<Result<RawResponse>> {
            self.rounds
                .push(urls.iter().map(|u| u.to_string()).collect());
            urls.iter()
                .map(|url| {
                    self.requests += 1;
                    // Pages are keyed by their URL without `fields`.
                    let mut key = (*url).clone();
                    let pairs: Vec<_> = url.query_pairs().filter(|(k, _)| k != "fields").collect();
                    key.query_pairs_mut().clear().extend_pairs(pairs);
                    let body = self
                        .pages
                        .iter()
                        .find(|(u, _)| *u == key.as_str())
                        .map(|(_, b)| b.clone());
                    let body = body.unwrap_or_else(|| panic!("unexpected URL {url}"));
                    Ok(RawResponse {
                        status: 200,
                        content_type: None,
                        retry_after: None,
                        rate_limit_reset: None,
                        body: body.into_bytes(),
                    })
                })
                .collect()
        }
        fn post(&mut self, _: &Url, _: &[(&str, &str)], _: &[u8]) -> Result<RawResponse> {
            unreachable!("no OAuth in these tests")
        }
        fn now(&self) -> std::time::Duration {
            std::time::Duration::ZERO
        }
        fn sleep(&mut self, _: std::time::Duration) {
            unreachable!("no retries in these tests")
        }
    }

    fn config() -> Config {
        Config::parse(
            r#"{"endpoint":"http://localhost:1/2.0","auth":{"type":"bearer","token":"t"}}"#,
        )
        .unwrap()
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const FIRST: &str = "http://localhost:1/2.0/repositories/acme?pagelen=100";

    fn repo(slug: &str) -> String {
        format!(
            r#"{{"uuid":"{{{slug}}}","full_name":"acme/{slug}","slug":"{slug}","name":"{slug}","is_private":true,"created_on":"2026-01-01T00:00:00+00:00"}}"#
        )
    }

    fn commit(hash: &str, date: &str) -> String {
        format!(
            r#"{{"hash":"{hash}","date":"{date}","message":"m","repository":{{"full_name":"acme/x"}}}}"#
        )
    }

    fn report(id: &str) -> &'static Report {
        crate::reports::find(id).unwrap()
    }

    fn drain(run: &mut Run<impl Transport>) -> Vec<Row> {
        let mut rows = Vec::new();
        while let Some(batch) = run.next_batch().unwrap() {
            rows.extend(batch);
        }
        rows
    }

    #[test]
    fn follows_next_one_request_per_batch_and_stops() {
        let mut pages = Served::new(vec![
            (
                FIRST,
                format!(
                    r#"{{"values":[{}],"next":"http://localhost:1/2.0/repositories/acme?page=2"}}"#,
                    repo("a")
                ),
            ),
            (
                "http://localhost:1/2.0/repositories/acme?page=2",
                r#"{"values":[],"next":"http://localhost:1/2.0/repositories/acme?page=3"}"#.into(),
            ),
            (
                "http://localhost:1/2.0/repositories/acme?page=3",
                format!(r#"{{"values":[{},{}]}}"#, repo("b"), repo("c")),
            ),
        ]);
        let mut run = Run::start(
            report("repositories"),
            &params(&[("workspace", "acme")]),
            &config(),
            &mut pages,
        )
        .unwrap();
        assert_eq!(run.next_batch().unwrap().unwrap().len(), 1);
        // An empty page is an empty batch: one request per call.
        assert_eq!(run.next_batch().unwrap().unwrap().len(), 0);
        assert_eq!(run.next_batch().unwrap().unwrap().len(), 2);
        assert!(run.next_batch().unwrap().is_none());
        assert!(run.next_batch().unwrap().is_none());
        drop(run);
        assert_eq!(pages.requests, 3);
    }

    #[test]
    fn a_next_that_loops_back_is_an_error_not_a_hang() {
        const SECOND: &str = "http://localhost:1/2.0/repositories/acme?page=2";
        let mut pages = Served::new(vec![
            (
                FIRST,
                format!(r#"{{"values":[{}],"next":"{SECOND}"}}"#, repo("a")),
            ),
            (
                SECOND,
                format!(r#"{{"values":[{}],"next":"{SECOND}"}}"#, repo("b")),
            ),
        ]);
        let mut run = Run::start(
            report("repositories"),
            &params(&[("workspace", "acme")]),
            &config(),
            &mut pages,
        )
        .unwrap();
        assert!(run.next_batch().unwrap().is_some());
        assert!(run.next_batch().unwrap().is_some());
        assert_eq!(
            run.next_batch().unwrap_err().code,
            ErrorCode::InvalidResponse
        );
        assert!(run.next_batch().unwrap().is_none());
    }

    fn config_with(concurrency: usize) -> Config {
        Config::parse(&format!(
            r#"{{"endpoint":"http://localhost:1/2.0","auth":{{"type":"bearer","token":"t"}},"concurrency":{concurrency}}}"#
        ))
        .unwrap()
    }

    /// A numbered page of repositories `first..first+count` out of `size`,
    /// 2 per page.
    fn numbered_page(page: u64, size: u64, next: bool) -> String {
        let repos: Vec<String> = (2 * page - 1..=(2 * page).min(size))
            .map(|i| repo(&format!("r{i}")))
            .collect();
        let next = if next {
            format!(
                r#","next":"http://localhost:1/2.0/repositories/acme?pagelen=2&page={}""#,
                page + 1
            )
        } else {
            String::new()
        };
        format!(
            r#"{{"size":{size},"page":{page},"pagelen":2,"values":[{}]{next}}}"#,
            repos.join(",")
        )
    }

    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    fn page_url(page: u64) -> &'static str {
        leak(format!(
            "http://localhost:1/2.0/repositories/acme?pagelen=2&page={page}"
        ))
    }

    fn slugs(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|row| match &row[3] {
                Cell::Text(slug) => slug.clone(),
                other => panic!("slug column holds {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_numbered_collection_is_fetched_side_by_side_in_order_with_no_extra_request() {
        // 11 repositories, 2 a page: 6 pages; concurrency 3.
        let mut served = vec![(FIRST, numbered_page(1, 11, true))];
        served.extend((2..=6).map(|p| (page_url(p), numbered_page(p, 11, p < 6))));
        let mut pages = Served::new(served);
        let mut run = Run::start(
            report("repositories"),
            &params(&[("workspace", "acme")]),
            &config_with(3),
            &mut pages,
        )
        .unwrap();
        let rows = drain(&mut run);
        drop(run);
        let expected: Vec<String> = (1..=11).map(|i| format!("r{i}")).collect();
        assert_eq!(slugs(&rows), expected, "the collection's order");
        assert_eq!(pages.requests, 6, "one request per page");
        let sizes: Vec<usize> = pages.rounds.iter().map(Vec::len).collect();
        assert_eq!(
            sizes,
            [1, 3, 2],
            "the first page, then the rest 3 at a time"
        );
    }

    #[test]
    fn concurrency_one_reads_page_after_page() {
        let mut served = vec![(FIRST, numbered_page(1, 5, true))];
        served.extend((2..=3).map(|p| (page_url(p), numbered_page(p, 5, p < 3))));
        let mut pages = Served::new(served);
        let mut run = Run::start(
            report("repositories"),
            &params(&[("workspace", "acme")]),
            &config_with(1),
            &mut pages,
        )
        .unwrap();
        assert_eq!(slugs(&drain(&mut run)), ["r1", "r2", "r3", "r4", "r5"]);
        drop(run);
        assert!(
            pages.rounds.iter().all(|r| r.len() == 1),
            "{:?}",
            pages.rounds
        );
        assert_eq!(pages.requests, 3);
    }

    #[test]
    fn a_collection_that_grew_during_the_run_is_followed_to_its_end() {
        // The first page says 4 repositories; by the time page 2 is read
        // there are 5, and page 2 links to a third.
        let mut pages = Served::new(vec![
            (FIRST, numbered_page(1, 4, true)),
            (page_url(2), numbered_page(2, 5, true)),
            (page_url(3), numbered_page(3, 5, false)),
        ]);
        let mut run = Run::start(
            report("repositories"),
            &params(&[("workspace", "acme")]),
            &config_with(8),
            &mut pages,
        )
        .unwrap();
        assert_eq!(slugs(&drain(&mut run)), ["r1", "r2", "r3", "r4", "r5"]);
    }

    #[test]
    fn fan_out_walks_children_side_by_side() {
        let c = |r: &str| {
            leak(format!(
                "http://localhost:1/2.0/repositories/acme/{r}/commits?pagelen=100"
            ))
        };
        let commits = |hashes: &[&str], next: Option<&str>| {
            let values: Vec<String> = hashes
                .iter()
                .map(|h| commit(h, "2026-01-02T00:00:00+00:00"))
                .collect();
            let next = next.map_or(String::new(), |n| format!(r#","next":"{n}""#));
            format!(r#"{{"values":[{}]{next}}}"#, values.join(","))
        };
        let a2 = "http://localhost:1/2.0/repositories/acme/a/commits?page=x2";
        let mut pages = Served::new(vec![
            (
                FIRST,
                format!(
                    r#"{{"values":[{},{},{}]}}"#,
                    repo("a"),
                    repo("b"),
                    repo("c")
                ),
            ),
            (c("a"), commits(&["a1"], Some(a2))),
            (a2, commits(&["a2"], None)),
            (c("b"), commits(&["b1"], None)),
            (c("c"), commits(&["c1"], None)),
        ]);
        let mut run = Run::start(
            report("commits"),
            &params(&[("workspace", "acme")]),
            &config_with(2),
            &mut pages,
        )
        .unwrap();
        let hash = report("commits")
            .columns
            .iter()
            .position(|c| c.name == "hash")
            .unwrap();
        let hashes: Vec<String> = drain(&mut run)
            .iter()
            .map(|row| match &row[hash] {
                Cell::Text(hash) => hash.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        drop(run);
        // Repositories a and b together; c is sent before a and b's
        // answers are worked through (its first page is known), and a's
        // second page once a's first has said where it is.
        assert_eq!(hashes, ["a1", "b1", "c1", "a2"]);
        // Each request as its path and `page`.
        let rounds: Vec<Vec<String>> = pages
            .rounds
            .iter()
            .map(|round| {
                round
                    .iter()
                    .map(|u| {
                        let url = Url::parse(u).unwrap();
                        let page = url.query_pairs().find(|(k, _)| k == "page");
                        let page = page.map_or(String::new(), |(_, v)| format!("?page={v}"));
                        format!(
                            "{}{page}",
                            url.path().trim_start_matches("/2.0/repositories/")
                        )
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            rounds,
            [
                vec!["acme"],
                vec!["acme/a/commits", "acme/b/commits"],
                vec!["acme/c/commits"],
                vec!["acme/a/commits?page=x2"],
            ]
        );
        assert_eq!(pages.requests, 5, "no request twice");
    }

    #[test]
    fn omitting_the_repository_covers_every_repository_of_the_workspace() {
        let c =
            |r: &str| format!("http://localhost:1/2.0/repositories/acme/{r}/commits?pagelen=100");
        let (a, b) = (c("a"), c("b"));
        let a: &'static str = Box::leak(a.into_boxed_str());
        let b: &'static str = Box::leak(b.into_boxed_str());
        let mut pages = Served::new(vec![
            (
                FIRST,
                format!(r#"{{"values":[{},{}]}}"#, repo("a"), repo("b")),
            ),
            (
                a,
                format!(
                    r#"{{"values":[{}]}}"#,
                    commit("1", "2026-01-02T00:00:00+00:00")
                ),
            ),
            (
                b,
                format!(
                    r#"{{"values":[{},{}]}}"#,
                    commit("2", "2026-01-02T00:00:00+00:00"),
                    commit("3", "2026-01-01T00:00:00+00:00")
                ),
            ),
        ]);
        let mut run = Run::start(
            report("commits"),
            &params(&[("workspace", "acme")]),
            &config(),
            &mut pages,
        )
        .unwrap();
        assert_eq!(drain(&mut run).len(), 3);
        drop(run);
        assert_eq!(pages.requests, 3);
    }

    #[test]
    fn a_cutoff_stops_paging_at_the_first_older_object() {
        let url = "http://localhost:1/2.0/repositories/acme/x/commits?pagelen=100";
        let mut pages = Served::new(vec![(
            url,
            format!(
                r#"{{"values":[{},{}],"next":"http://localhost:1/2.0/never"}}"#,
                commit("new", "2026-05-02T00:00:00+00:00"),
                commit("old", "2026-04-30T00:00:00+00:00")
            ),
        )]);
        let p = params(&[
            ("workspace", "acme"),
            ("repository", "x"),
            ("since", "2026-05-01"),
        ]);
        let mut run = Run::start(report("commits"), &p, &config(), &mut pages).unwrap();
        assert_eq!(drain(&mut run).len(), 1);
        drop(run);
        assert_eq!(pages.requests, 1, "the next page was not fetched");
    }

    #[test]
    fn the_checkpoint_is_the_greatest_date_read_once_the_run_is_complete() {
        let dated = |slug: &str, updated: &str| {
            repo(slug).replace(
                r#""is_private""#,
                &format!(r#""updated_on":"{updated}","is_private""#),
            )
        };
        const SECOND: &str = "http://localhost:1/2.0/repositories/acme?page=2";
        let mut pages = Served::new(vec![
            (
                FIRST,
                format!(
                    r#"{{"values":[{},{}],"next":"{SECOND}"}}"#,
                    dated("a", "2026-03-01T10:00:00.250000+00:00"),
                    dated("b", "2026-03-01T10:00:00.5+00:00")
                ),
            ),
            (
                SECOND,
                format!(
                    r#"{{"values":[{}]}}"#,
                    dated("c", "2026-03-01T09:59:59.9+00:00")
                ),
            ),
        ]);
        let mut run = Run::start(
            report("repositories"),
            &params(&[("workspace", "acme")]),
            &config(),
            &mut pages,
        )
        .unwrap();
        run.next_batch().unwrap();
        assert_eq!(run.checkpoint(), None, "not before the end");
        drain(&mut run);
        assert_eq!(
            run.checkpoint().as_deref(),
            Some("2026-03-01T10:00:00.5+00:00"),
            "the greatest, to the fraction of a second, as written"
        );
    }

    #[test]
    fn changed_after_excludes_the_checkpoint_itself() {
        let url = "http://localhost:1/2.0/repositories/acme/x/commits?pagelen=100";
        let mut pages = Served::new(vec![(
            url,
            format!(
                r#"{{"values":[{},{},{}],"next":"http://localhost:1/2.0/never"}}"#,
                commit("newer", "2026-05-01T00:00:00.75+00:00"),
                commit("same", "2026-05-01T00:00:00.5+00:00"),
                commit("older", "2026-04-30T00:00:00+00:00")
            ),
        )]);
        let p = params(&[
            ("workspace", "acme"),
            ("repository", "x"),
            ("changed-after", "2026-05-01T00:00:00.5+00:00"),
        ]);
        let mut run = Run::start(report("commits"), &p, &config(), &mut pages).unwrap();
        assert_eq!(drain(&mut run).len(), 1, "only what is strictly newer");
        assert_eq!(
            run.checkpoint().as_deref(),
            Some("2026-05-01T00:00:00.75+00:00")
        );
        let both = params(&[
            ("workspace", "acme"),
            ("repository", "x"),
            ("since", "2026-05-01"),
            ("changed-after", "2026-05-01T00:00:00+00:00"),
        ]);
        let e = Run::start(report("commits"), &both, &config(), &mut pages)
            .err()
            .unwrap();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
    }

    #[test]
    fn a_date_that_would_change_nothing_is_refused() {
        let p = params(&[
            ("workspace", "acme"),
            ("repository", "x"),
            ("pull-request", "3"),
            ("since", "2026-01-01"),
        ]);
        let mut pages = Served::new(vec![]);
        let e = Run::start(report("pull-request-commits"), &p, &config(), &mut pages)
            .err()
            .unwrap();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
        assert!(e.message.contains("`pull-request`"), "{}", e.message);
        let p = params(&[
            ("workspace", "acme"),
            ("repository", "x"),
            ("since", "2026-01-01"),
        ]);
        assert!(
            Run::start(report("pull-request-commits"), &p, &config(), &mut pages).is_ok(),
            "narrows the pull requests"
        );
        assert!(
            Run::start(report("deployments"), &p, &config(), &mut pages).is_err(),
            "deployments take no date"
        );
    }
}
