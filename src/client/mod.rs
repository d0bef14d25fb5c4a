//! The Bitbucket client: authenticated GETs to one configured endpoint,
//! many in flight at once and handed back as they are answered (by the
//! caller's tag: [`Flights`]), behind the origin wall (no
//! credential goes to another origin), paced to the request budget,
//! retried by the one retry loop (`crate::retry`) and scrubbed of secrets.
//! The wire is `transport`, the envelopes `envelope`, tokens `oauth`.

mod envelope;
mod oauth;
#[cfg(test)]
mod tests;
mod transport;

pub use envelope::{parse_dc_page, parse_object, parse_page, Numbered, Page, PAGE_FIELDS};
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

/// Requests sent by [`Client::send`], each with the caller's tag, whose
/// answers [`Client::wait`] hands back as they come, in any order.
pub struct Flights<P> {
    list: Vec<Flight<P>>,
}

struct Flight<P> {
    tag: u64,
    url: Url,
    /// The request on its way, or `None` once its answer is known.
    pending: Option<P>,
    /// An answer known without sending (a refused URL, a failed token request).
    known: Option<Result<Vec<u8>>>,
    /// How many times the access token had been renewed when it was sent.
    renewals: u64,
    /// Whether its access token is a renewed one already: a 401 then
    /// renews it no more.
    renewed: bool,
    /// How many redirects it followed to reach `url`.
    hops: u8,
}

impl<P> Flights<P> {
    pub fn new() -> Self {
        Flights { list: Vec::new() }
    }

    /// How many requests are still to be answered.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl<P> Default for Flights<P> {
    fn default() -> Self {
        Self::new()
    }
}

/// The longest login taken from `X-AUSERNAME`: Data Center's usernames
/// are at most 255 characters, up to 4 bytes each.
const MAX_LOGIN_BYTES: usize = 1024;

/// How many redirects one request follows before giving up.
pub const MAX_REDIRECTS: u8 = 3;

/// Authenticated access to one configured endpoint.
pub struct Client<T> {
    transport: T,
    /// Which Bitbucket answers (its errors and advice differ).
    product: crate::config::Product,
    origin: crate::url::Origin,
    auth: Auth,
    /// OAuth tokens replaced during this run: still scrubbed from output.
    retired_secrets: Vec<String>,
    retry: RetryPolicy,
    pacer: Option<Pacer>,
    /// How many times the OAuth access token was renewed: a request sent
    /// before the last renewal that gets a 401 is sent again with the new
    /// token rather than renewing it again.
    renewals: u64,
    /// The login the newest answer that said one (Data Center's
    /// `X-AUSERNAME`) gave for the credentials.
    login: Option<String>,
    pub stats: Stats,
}

impl<T: Transport> Client<T> {
    pub fn new(config: &Config, transport: T) -> Self {
        Client {
            transport,
            product: config.product,
            origin: config.endpoint.origin(),
            auth: config.auth.clone(),
            retired_secrets: Vec::new(),
            retry: config.retry,
            pacer: config.max_requests_per_hour.map(Pacer::new),
            renewals: 0,
            login: None,
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

    /// The login the credentials belong to, from the `X-AUSERNAME` header
    /// of Data Center's answer to `url` (which must succeed).
    pub fn login(&mut self, url: &Url) -> Result<String> {
        self.login = None;
        self.fetch_one(url)?;
        match self.login.take() {
            Some(login) if !login.is_empty() && login.len() <= MAX_LOGIN_BYTES => Ok(login),
            Some(_) => Err(Error::invalid_response(format!(
                "Data Center's X-AUSERNAME header is empty or over {MAX_LOGIN_BYTES} bytes; it should be the login of the credentials"
            ))),
            None => Err(Error::invalid_response(
                "Data Center did not say whose credentials these are (its answer had no X-AUSERNAME header). Project and \
repository tokens belong to no user: use a personal access token, or a username with a password",
            )),
        }
    }

    fn fetch_one(&mut self, url: &Url) -> Result<Vec<u8>> {
        let mut bodies = self.fetch(std::slice::from_ref(url));
        bodies.pop().expect("one answer per URL")
    }

    /// Sends one GET per URL, all in flight at once, and returns the body
    /// of each 2xx answer, in order.
    pub fn fetch(&mut self, urls: &[Url]) -> Vec<Result<Vec<u8>>> {
        let mut flights = Flights::new();
        for (tag, url) in urls.iter().enumerate() {
            self.send(&mut flights, tag as u64, url.clone());
        }
        let mut answers: Vec<Option<Result<Vec<u8>>>> = (0..urls.len()).map(|_| None).collect();
        while !flights.is_empty() {
            for (tag, answer) in self.wait(&mut flights) {
                answers[tag as usize] = Some(answer);
            }
        }
        answers.into_iter().map(|a| a.expect("every URL answered")).collect()
    }

    /// Sends one GET for `url`, tagged `tag`, without waiting for the
    /// answer ([`wait`] hands it back). Refuses, before sending anything, a
    /// URL outside the configured endpoint's origin: credentials go nowhere
    /// else. Paced to the request budget.
    ///
    /// [`wait`]: Client::wait
    pub fn send(&mut self, flights: &mut Flights<T::Pending>, tag: u64, url: Url) {
        let mut flight = Flight { tag, url, pending: None, known: None, renewals: self.renewals, renewed: false, hops: 0 };
        if flight.url.origin() != self.origin {
            flight.known = Some(Err(self.foreign(&flight.url)));
        } else if self.oauth().is_some_and(|o| o.tokens.borrow().access_token.is_none()) {
            // The first request of an OAuth run gets a token first.
            flight.renewed = true;
            match self.refresh_oauth() {
                Ok(()) => flight.renewals = self.renewals,
                Err(e) => flight.known = Some(Err(e)),
            }
        }
        if flight.known.is_none() {
            flight.pending = self.send_each(std::slice::from_ref(&flight.url), &[0]).pop();
        }
        flights.list.push(flight);
    }

    /// Waits until some of `flights` are answered for good and hands those
    /// back, by tag: the body of a 2xx answer, or why there is none. A
    /// redirect (301, 302, 303, 307, 308) to the endpoint's origin is
    /// followed, as a request of its own, up to [`MAX_REDIRECTS`] hops; one
    /// to another origin is refused (credentials go nowhere else). When
    /// an answer failed and may succeed, every request still in flight is
    /// waited for first, as in a round, and what failed is retried together
    /// by the one retry loop, after one shared wait. A 401 under OAuth
    /// renews the access token once (for every request sent with the old
    /// one) and the request goes back on its way. Returns at least one
    /// answer while `flights` is not empty.
    pub fn wait(&mut self, flights: &mut Flights<T::Pending>) -> Vec<(u64, Result<Vec<u8>>)> {
        let mut done = Vec::new();
        while done.is_empty() && !flights.is_empty() {
            if flights.list.iter().any(|f| f.known.is_some()) {
                let (known, waiting): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut flights.list).into_iter().partition(|f| f.known.is_some());
                flights.list = waiting;
                return known.into_iter().map(|f| (f.tag, f.known.expect("known"))).collect();
            }
            let ready = {
                let mut waiting: Vec<&mut Option<T::Pending>> = flights.list.iter_mut().map(|f| &mut f.pending).collect();
                self.take_ready(&mut waiting)
            };
            let mut answers: Vec<Option<Result<Vec<u8>>>> = (0..flights.list.len()).map(|_| None).collect();
            let mut retryable = false;
            for (i, answer) in ready {
                let answer = self.classified(answer);
                retryable |= answer.as_ref().is_err_and(|e| e.retryable);
                answers[i] = Some(answer);
            }
            if retryable {
                let rest: Vec<usize> = (0..answers.len()).filter(|i| answers[*i].is_none()).collect();
                let pending = rest.iter().map(|i| flights.list[*i].pending.take().expect("on its way")).collect();
                for (i, answer) in rest.into_iter().zip(self.receive(pending)) {
                    answers[i] = Some(self.classified(answer));
                }
            }
            // The answered off the list, in the order they were sent.
            let (mut answered, mut first) = (Vec::new(), Vec::new());
            for (flight, answer) in std::mem::take(&mut flights.list).into_iter().zip(answers) {
                match answer {
                    Some(answer) => {
                        answered.push(flight);
                        first.push(answer);
                    }
                    None => flights.list.push(flight),
                }
            }
            let urls: Vec<Url> = answered.iter().map(|f| f.url.clone()).collect();
            let answers = self.retried(&urls, first);
            for (mut flight, answer) in answered.into_iter().zip(answers) {
                self.stats.pages += u64::from(answer.is_ok());
                match answer {
                    // An expired OAuth access token: renewed once, by the
                    // first request to see it, and the request sent again.
                    Err(e) if e.code == ErrorCode::Unauthorized && !flight.renewed && self.oauth().is_some() => {
                        flight.renewed = true;
                        let renewed = if flight.renewals == self.renewals { self.refresh_oauth() } else { Ok(()) };
                        match renewed {
                            Ok(()) => {
                                flight.renewals = self.renewals;
                                flight.pending = self.send_each(std::slice::from_ref(&flight.url), &[0]).pop();
                            }
                            Err(e) => flight.known = Some(Err(e)),
                        }
                        flights.list.push(flight);
                    }
                    // A redirect: the same request, sent to where it points.
                    Err(e) if e.redirect.is_some() => match self.redirect_target(&flight, &e) {
                        Ok(url) => {
                            flight.url = url;
                            flight.hops += 1;
                            flight.pending = self.send_each(std::slice::from_ref(&flight.url), &[0]).pop();
                            flights.list.push(flight);
                        }
                        Err(e) => done.push((flight.tag, Err(e))),
                    },
                    answer => done.push((flight.tag, answer)),
                }
            }
        }
        done
    }

    /// A 2xx answer's body, or the typed error (scrubbed of secrets).
    fn classified(&self, answer: Result<RawResponse>) -> Result<Vec<u8>> {
        answer.map_err(|e| self.scrub(e)).and_then(|r| self.classify(r))
    }

    /// The answers to `urls`, whose first attempt was answered `first`:
    /// what failed and may succeed retried (all of those together) by the
    /// one retry loop.
    fn retried(&mut self, urls: &[Url], first: Vec<Result<Vec<u8>>>) -> Vec<Result<Vec<u8>>> {
        let mut first = Some(first);
        with_retries(self, urls.len(), |client, indexes| match first.take() {
            Some(answers) => answers,
            None => {
                let again = client.send_each(urls, indexes);
                client.receive(again).into_iter().map(|r| client.classified(r)).collect()
            }
        })
    }

    /// Waits for every one of `pending` and returns their answers, in order.
    fn receive(&mut self, pending: Vec<T::Pending>) -> Vec<Result<RawResponse>> {
        let mut slots: Vec<Option<T::Pending>> = pending.into_iter().map(Some).collect();
        let mut answers: Vec<Option<Result<RawResponse>>> = (0..slots.len()).map(|_| None).collect();
        loop {
            let (indexes, mut waiting): (Vec<usize>, Vec<&mut Option<T::Pending>>) =
                slots.iter_mut().enumerate().filter(|(_, s)| s.is_some()).unzip();
            if waiting.is_empty() {
                break;
            }
            for (i, answer) in self.take_ready(&mut waiting) {
                answers[indexes[i]] = Some(answer);
            }
        }
        answers.into_iter().map(|a| a.expect("every request answered")).collect()
    }

    /// Waits until some of `waiting` (each `Some`) are answered, takes
    /// those (leaving `None`) and returns their answers by index.
    fn take_ready(&mut self, waiting: &mut [&mut Option<T::Pending>]) -> Vec<(usize, Result<RawResponse>)> {
        let ready = {
            let pending: Vec<&T::Pending> = waiting.iter().map(|s| s.as_ref().expect("on its way")).collect();
            self.transport.wait_any(&pending)
        };
        ready
            .into_iter()
            .map(|i| {
                let pending = waiting[i].take().expect("answered once");
                let answer = self.transport.take(pending);
                if let Some(login) = answer.as_ref().ok().and_then(|r| r.login.as_ref()) {
                    self.login = Some(login.clone());
                }
                (i, answer)
            })
            .collect()
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

    /// Where a redirect of `flight` leads: its `Location` resolved against
    /// the URL it answered, on the endpoint's origin, within
    /// [`MAX_REDIRECTS`] hops.
    fn redirect_target(&self, flight: &Flight<T::Pending>, redirect: &Error) -> Result<Url> {
        let location = redirect.redirect.as_deref().unwrap_or_default();
        let status = redirect.http_status.unwrap_or(302);
        if flight.hops >= MAX_REDIRECTS {
            return Err(Error::new(
                ErrorCode::Upstream,
                format!("Bitbucket redirected more than {MAX_REDIRECTS} times in a row (last HTTP {status}); gave up"),
            )
            .with_status(status));
        }
        let url = flight.url.resolve(location).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidResponse,
                format!("Bitbucket redirected (HTTP {status}) to `{}`, which is not a URL", self.scrub_text(location)),
            )
            .with_status(status)
        })?;
        if url.origin() != self.origin {
            return Err(self.foreign(&url).with_status(status));
        }
        Ok(url)
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
