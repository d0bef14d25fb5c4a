//! What the unit tests share: one scripted transport that answers from a
//! queue or by URL and records what was asked, and a small report to test
//! the catalog's mechanics with.

use crate::catalog::*;
use crate::cells::ColumnType;
use crate::client::{RawResponse, Transport};
use crate::error::Result;
use crate::url::Url;
use std::collections::VecDeque;
use std::time::Duration;

/// Answers from a script and records what was asked: requests whose URL
/// (without `fields`) is in `pages` get that body with status 200, the
/// others the next of `responses`. Time passes only by sleeping.
#[derive(Default)]
pub struct Script {
    pub responses: VecDeque<RawResponse>,
    pub pages: Vec<(&'static str, String)>,
    /// `(URL, authorization header)` of every request, in order.
    pub sent: Vec<(String, String)>,
    /// The URLs of each round of GETs sent side by side.
    pub rounds: Vec<Vec<String>>,
    pub slept: Vec<Duration>,
    pub clock: Duration,
    /// The bodies of POSTs (token requests).
    pub posted: Vec<String>,
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

    fn answer(&mut self, url: &Url, authorization: String) -> Result<RawResponse> {
        self.sent.push((url.to_string(), authorization));
        let mut key = url.clone();
        let pairs: Vec<_> = url.query_pairs().filter(|(k, _)| k != "fields").collect();
        key.query_pairs_mut().clear().extend_pairs(pairs);
        if let Some((_, body)) = self.pages.iter().find(|(u, _)| *u == key.as_str()) {
            return Ok(json(200, body));
        }
        Ok(self.responses.pop_front().unwrap_or_else(|| panic!("unexpected URL {url}")))
    }
}

fn authorization(headers: &[(&str, &str)]) -> String {
    headers.iter().find(|(k, _)| *k == "authorization").map(|(_, v)| v.to_string()).unwrap_or_default()
}

impl Transport for &mut Script {
    type Pending = (Url, String);

    fn send(&mut self, url: &Url, headers: &[(&str, &str)]) -> Self::Pending {
        (url.clone(), authorization(headers))
    }

    fn receive(&mut self, pending: Vec<Self::Pending>) -> Vec<Result<RawResponse>> {
        self.rounds.push(pending.iter().map(|(url, _)| url.to_string()).collect());
        pending.into_iter().map(|(url, auth)| self.answer(&url, auth)).collect()
    }

    fn post(&mut self, url: &Url, headers: &[(&str, &str)], body: &[u8]) -> Result<RawResponse> {
        self.posted.push(String::from_utf8_lossy(body).into_owned());
        self.answer(url, authorization(headers))
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
    cloud: Cloud {
        endpoint: "/repositories/{workspace}/{repository}/things",
        query: &[("state", "A"), ("state", "B")],
        page_len: 50,
        filter: Some("kind = \"x\""),
        date_filter: DateFilter::Bbql("updated_on"),
        ..Cloud::LIST
    },
    ..LIST
};
