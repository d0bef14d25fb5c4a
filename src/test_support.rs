//! What the unit tests share: one scripted transport that answers from a
//! queue or by URL, in simulated ticks (some requests slower than others),
//! and records what was sent and answered when, and a small report to test
//! the catalog's mechanics with.

use crate::catalog::*;
use crate::cells::ColumnType;
use crate::client::{RawResponse, Transport};
use crate::error::Result;
use crate::url::Url;
use std::collections::VecDeque;
use std::time::Duration;

/// Answers from a script and records what was asked. By URL (without
/// `fields`): a request in `faults` gets that answer (once), then one in
/// `pages` that body with status 200; the others get the next of
/// `responses`, in the order they are answered. Requests take simulated
/// ticks to answer: one, or what `slow` says for their URL; the ticks pass
/// only while a caller waits, and every request due by then is answered
/// together. Time (the clock) passes only by sleeping.
#[derive(Default)]
pub struct Script {
    pub responses: VecDeque<RawResponse>,
    pub pages: Vec<(&'static str, String)>,
    /// `(URL, answer)`: answered once, before `pages`.
    pub faults: Vec<(&'static str, RawResponse)>,
    /// `(URL, ticks)`: how long requests to that URL take.
    pub slow: Vec<(&'static str, u64)>,
    /// `(URL, authorization header)` of every request, in the order sent.
    pub sent: Vec<(String, String)>,
    /// Every GET sent and answered, in order.
    pub events: Vec<Event>,
    /// GETs sent and not yet taken, and the most there were at once.
    pub in_flight: usize,
    pub max_in_flight: usize,
    pub ticks: u64,
    pub slept: Vec<Duration>,
    pub clock: Duration,
    /// The bodies of POSTs (token requests).
    pub posted: Vec<String>,
}

/// A GET as the script saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Sent(String),
    Answered(String),
}

/// A GET on its way: its URL and the tick it is answered at.
pub struct Sent {
    url: Url,
    due: u64,
}

impl Script {
    /// Answers these responses, in order.
    pub fn new(responses: Vec<RawResponse>) -> Script {
        Script { responses: responses.into(), ..Script::default() }
    }

    /// Serves these bodies by URL.
    pub fn serving(pages: Vec<(&'static str, String)>) -> Script {
        Script { pages, ..Script::default() }
    }

    fn answer(&mut self, url: &Url) -> Result<RawResponse> {
        let key = key(url);
        if let Some(i) = self.faults.iter().position(|(u, _)| *u == key) {
            return Ok(self.faults.remove(i).1);
        }
        if let Some((_, body)) = self.pages.iter().find(|(u, _)| *u == key) {
            return Ok(json(200, body));
        }
        Ok(self.responses.pop_front().unwrap_or_else(|| panic!("unexpected URL {url}")))
    }
}

/// A URL without its `fields` parameter.
fn key(url: &Url) -> String {
    let mut key = url.clone();
    let pairs: Vec<_> = url.query_pairs().filter(|(k, _)| k != "fields").collect();
    key.query_pairs_mut().clear().extend_pairs(pairs);
    key.to_string()
}

fn authorization(headers: &[(&str, &str)]) -> String {
    headers.iter().find(|(k, _)| *k == "authorization").map(|(_, v)| v.to_string()).unwrap_or_default()
}

impl Transport for &mut Script {
    type Pending = Sent;

    fn send(&mut self, url: &Url, headers: &[(&str, &str)]) -> Self::Pending {
        self.sent.push((url.to_string(), authorization(headers)));
        self.events.push(Event::Sent(url.to_string()));
        self.in_flight += 1;
        self.max_in_flight = self.max_in_flight.max(self.in_flight);
        let key = key(url);
        let ticks = self.slow.iter().find(|(u, _)| *u == key).map_or(1, |(_, t)| *t);
        Sent { url: url.clone(), due: self.ticks + ticks }
    }

    fn wait_any(&mut self, pending: &[&Self::Pending]) -> Vec<usize> {
        let next = pending.iter().map(|p| p.due).min().expect("something to wait for");
        self.ticks = self.ticks.max(next);
        (0..pending.len()).filter(|i| pending[*i].due <= self.ticks).collect()
    }

    fn take(&mut self, pending: Self::Pending) -> Result<RawResponse> {
        assert!(pending.due <= self.ticks, "taken before it was answered: {}", pending.url);
        self.in_flight -= 1;
        self.events.push(Event::Answered(pending.url.to_string()));
        self.answer(&pending.url)
    }

    fn post(&mut self, url: &Url, headers: &[(&str, &str)], body: &[u8]) -> Result<RawResponse> {
        self.sent.push((url.to_string(), authorization(headers)));
        self.posted.push(String::from_utf8_lossy(body).into_owned());
        self.answer(url)
    }

    fn now(&self) -> Duration {
        self.clock
    }

    fn sleep(&mut self, duration: Duration) {
        self.slept.push(duration);
        self.clock += duration;
    }
}

/// A JSON answer.
pub fn json(status: u16, body: &str) -> RawResponse {
    RawResponse {
        status,
        content_type: Some("application/json".into()),
        retry_after: None,
        rate_limit_reset: None,
        location: None,
        login: None,
        body: body.as_bytes().to_vec(),
    }
}

/// `(name, value)` pairs as a run receives them.
pub fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

const COUNT: Param = Param { kind: ParamKind::Integer, default: Some("5"), ..slug_param("count", false, "n") };

/// A report that uses most of the DSL.
pub const TEST_REPORT: Report = Report {
    id: "test-report",
    params: &[WORKSPACE, REPOSITORY, COUNT],
    columns: &[
        col("id", ColumnType::Integer, "id", ""),
        opt("who", ColumnType::Text, "author.display_name", ""),
        param_col("repository", "repository", ""),
    ],
    primary_key: &["id"],
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/things",
        query: &[("state", "A"), ("state", "B")],
        page_len: 50,
        filter: Some("kind = \"x\""),
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    ..LIST
};
