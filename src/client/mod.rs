//! The Bitbucket client: authenticated GETs to one configured endpoint,
//! sent side by side and answered in order, behind the origin wall (no
//! credential goes to another origin), paced to the request budget,
//! retried by the one retry loop (`crate::retry`) and scrubbed of secrets.
//! The wire is `transport`, the envelopes `envelope`, tokens `oauth`.

mod envelope;
mod oauth;
#[cfg(test)]
mod tests;
mod transport;

pub use envelope::{parse_object, parse_page, Numbered, Page, PAGE_FIELDS};
pub use transport::{RawResponse, Transport, MAX_BODY_BYTES};

use crate::config::{Auth, Config};
use crate::error::{Error, ErrorCode, Result};
use crate::retry::{with_retries, Pacer, Retrier, RetryPolicy};
use crate::url::Url;
use serde_json::Value;
use std::time::Duration;

/// What a run's requests did, for progress and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub retries: u64,
    /// Successful answers: pages or objects received.
    pub pages: u64,
    pub waited: Duration,
}

/// Requests sent by [`Client::send`], to be waited for by [`Client::receive`].
pub struct InFlight<P> {
    urls: Vec<Url>,
    /// Answers known without sending (refused URLs, a failed token request).
    done: Vec<Option<Result<Vec<u8>>>>,
    /// The indexes of the URLs sent, and their requests.
    todo: Vec<usize>,
    pending: Vec<P>,
    /// Whether the OAuth access token was renewed for this batch already.
    refreshed: bool,
}

/// Authenticated access to one configured endpoint.
pub struct Client<T> {
    transport: T,
    origin: crate::url::Origin,
    auth: Auth,
    /// OAuth tokens replaced during this run: still scrubbed from output.
    retired_secrets: Vec<String>,
    retry: RetryPolicy,
    pacer: Option<Pacer>,
    pub stats: Stats,
}

impl<T: Transport> Client<T> {
    pub fn new(config: &Config, transport: T) -> Self {
        Client {
            transport,
            origin: config.endpoint.origin(),
            auth: config.auth.clone(),
            retired_secrets: Vec::new(),
            retry: config.retry,
            pacer: config.max_requests_per_hour.map(Pacer::new),
            stats: Stats::default(),
        }
    }

    /// Fetches one page of a paginated collection.
    pub fn get_page(&mut self, url: &Url) -> Result<Page> {
        parse_page(&self.fetch_one(url)?)
    }

    /// Fetches one JSON object (an endpoint that is not a list).
    pub fn get_object(&mut self, url: &Url) -> Result<Value> {
        parse_object(&self.fetch_one(url)?)
    }

    fn fetch_one(&mut self, url: &Url) -> Result<Vec<u8>> {
        let mut bodies = self.fetch(std::slice::from_ref(url));
        bodies.pop().expect("one answer per URL")
    }

    /// Sends one GET per URL, all in flight at once, and returns the body
    /// of each 2xx answer, in order.
    pub fn fetch(&mut self, urls: &[Url]) -> Vec<Result<Vec<u8>>> {
        let flight = self.send(urls.to_vec());
        self.receive(flight)
    }

    /// Sends one GET per URL without waiting for the answers ([`receive`]
    /// waits). Refuses, before sending anything, a URL outside the
    /// configured endpoint's origin: credentials go nowhere else.
    ///
    /// [`receive`]: Client::receive
    pub fn send(&mut self, urls: Vec<Url>) -> InFlight<T::Pending> {
        let mut done: Vec<Option<Result<Vec<u8>>>> =
            urls.iter().map(|url| (url.origin() != self.origin).then(|| Err(self.foreign(url)))).collect();
        let mut refreshed = false;
        if done.iter().any(Option::is_none) && self.oauth().is_some_and(|o| o.tokens.borrow().access_token.is_none()) {
            refreshed = true;
            if let Err(e) = self.refresh_oauth() {
                done.iter_mut().filter(|d| d.is_none()).for_each(|d| *d = Some(Err(e.clone())));
            }
        }
        let todo: Vec<usize> = (0..urls.len()).filter(|i| done[*i].is_none()).collect();
        let pending = self.send_each(&urls, &todo);
        InFlight { urls, done, todo, pending, refreshed }
    }

    /// Waits for the answers of `flight`, retrying what failed and may
    /// succeed, and returns the body of each 2xx answer, in order.
    pub fn receive(&mut self, flight: InFlight<T::Pending>) -> Vec<Result<Vec<u8>>> {
        let InFlight { urls, mut done, mut todo, pending, mut refreshed } = flight;
        let mut first = Some(pending);
        while !todo.is_empty() {
            let answers = with_retries(self, todo.len(), |client, indexes| {
                let pending = match first.take() {
                    Some(pending) => pending,
                    None => {
                        let again: Vec<usize> = indexes.iter().map(|i| todo[*i]).collect();
                        client.send_each(&urls, &again)
                    }
                };
                client
                    .transport
                    .receive(pending)
                    .into_iter()
                    .map(|r| r.map_err(|e| client.scrub(e)).and_then(|r| client.classify(r)))
                    .collect()
            });
            // An expired OAuth access token: renew it once, send those again.
            let mut again = Vec::new();
            let renew = !refreshed && self.oauth().is_some();
            for (i, answer) in todo.iter().zip(answers) {
                self.stats.pages += u64::from(answer.is_ok());
                match answer {
                    Err(e) if renew && e.code == ErrorCode::Unauthorized => again.push(*i),
                    answer => done[*i] = Some(answer),
                }
            }
            if !again.is_empty() {
                refreshed = true;
                if let Err(e) = self.refresh_oauth() {
                    again.iter().for_each(|i| done[*i] = Some(Err(e.clone())));
                    again.clear();
                }
                first = Some(self.send_each(&urls, &again));
            }
            todo = again;
        }
        done.into_iter().map(|r| r.expect("every URL answered")).collect()
    }

    /// Paces and sends `urls[i]` for each `i` of `which`.
    fn send_each(&mut self, urls: &[Url], which: &[usize]) -> Vec<T::Pending> {
        self.pace(which.len());
        let authorization = self.auth.header_value().unwrap_or_default();
        let headers = [("authorization", authorization.as_str()), ("accept", "application/json")];
        which.iter().map(|i| self.transport.send(&urls[*i], &headers)).collect()
    }

    /// Waits as the request budget requires before sending `count`
    /// requests, and counts them.
    fn pace(&mut self, count: usize) {
        if let Some(pacer) = &mut self.pacer {
            for _ in 0..count {
                let pause = pacer.acquire(self.transport.now());
                if !pause.is_zero() {
                    self.transport.sleep(pause);
                    self.stats.waited += pause;
                }
            }
        }
        self.stats.requests += count as u64;
    }

    fn foreign(&self, url: &Url) -> Error {
        Error::new(
            ErrorCode::Transport,
            format!(
                "refused to follow a link to {} outside the configured endpoint's origin {}; nothing was sent there",
                url.origin().ascii_serialization(),
                self.origin.ascii_serialization()
            ),
        )
    }

    fn scrub(&self, mut error: Error) -> Error {
        error.message = self.scrub_text(&error.message);
        error
    }

    /// Removes any credential a server might echo back.
    fn scrub_text(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self.auth.secrets().iter().chain(&self.retired_secrets) {
            if !secret.is_empty() {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text
    }
}

impl<T: Transport> Retrier for Client<T> {
    fn policy(&self) -> &RetryPolicy {
        &self.retry
    }

    fn now(&self) -> Duration {
        self.transport.now()
    }

    fn wait_to_retry(&mut self, delay: Duration, count: usize) {
        self.transport.sleep(delay);
        self.stats.waited += delay;
        self.stats.retries += count as u64;
    }
}
