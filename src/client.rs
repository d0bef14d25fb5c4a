//! The Bitbucket client: authentication, the origin wall, response
//! classification and the paginated envelope. Shared by every report; the
//! wire itself is behind `Transport` (wasi:http in the component).

use crate::config::{Auth, Config, OAuth};
use crate::error::{Error, ErrorCode, Result};
use crate::retry::{Pacer, RetryPolicy};
use serde_json::Value;
use std::rc::Rc;
use std::time::Duration;
use url::Url;

/// The largest response body the connector reads (a 100-item page of rich
/// objects is well under 2 MiB; anything far beyond is not a Bitbucket page).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A response as it came off the wire.
pub struct RawResponse {
    pub status: u16,
    pub content_type: Option<String>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<String>,
    /// `X-RateLimit-Reset`, seconds until the window resets.
    pub rate_limit_reset: Option<String>,
    pub body: Vec<u8>,
}

/// The wire and the clock. Implemented over wasi:http and the WASI
/// monotonic clock in the component.
pub trait Transport {
    /// A request on its way.
    type Pending;
    /// Sends one GET without waiting for its answer.
    fn send(&mut self, url: &Url, headers: &[(&str, &str)]) -> Self::Pending;
    /// Waits for these requests (all in flight at once) and returns their
    /// answers in the same order.
    fn receive(&mut self, pending: Vec<Self::Pending>) -> Vec<Result<RawResponse>>;
    /// Sends one POST with a body (the OAuth token request).
    fn post(&mut self, url: &Url, headers: &[(&str, &str)], body: &[u8]) -> Result<RawResponse>;
    /// Monotonic time since some fixed point.
    fn now(&self) -> Duration;
    /// Blocks for `duration` (without spinning).
    fn sleep(&mut self, duration: Duration);
}

/// What a run's requests did, for progress and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub retries: u64,
    /// Successful answers: pages or objects received.
    pub pages: u64,
    pub waited: Duration,
}

/// One page of a paginated collection.
#[derive(Debug)]
pub struct Page {
    pub values: Vec<Value>,
    pub next: Option<Url>,
    /// Where the page sits in a numbered collection (`page`, `pagelen`,
    /// `size`); `None` for iterator-style collections such as commits.
    pub numbered: Option<Numbered>,
}

/// The position fields of a numbered (random-access) collection page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbered {
    pub page: u64,
    pub pagelen: u64,
    pub size: u64,
}

impl Numbered {
    /// The number of the last page.
    pub fn last_page(&self) -> u64 {
        self.size.div_ceil(self.pagelen.max(1)).max(1)
    }
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
    origin: url::Origin,
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
        let mut done: Vec<Option<Result<Vec<u8>>>> = urls
            .iter()
            .map(|url| (url.origin() != self.origin).then(|| Err(self.foreign(url))))
            .collect();
        let mut refreshed = false;
        if done.iter().any(Option::is_none)
            && self
                .oauth()
                .is_some_and(|o| o.tokens.borrow().access_token.is_none())
        {
            refreshed = true;
            if let Err(e) = self.refresh_oauth() {
                done.iter_mut()
                    .filter(|d| d.is_none())
                    .for_each(|d| *d = Some(Err(e.clone())));
            }
        }
        let todo: Vec<usize> = (0..urls.len()).filter(|i| done[*i].is_none()).collect();
        let pending = self.send_each(&urls, &todo);
        InFlight {
            urls,
            done,
            todo,
            pending,
            refreshed,
        }
    }

    /// Waits for the answers of `flight`, retrying what failed and may
    /// succeed, and returns the body of each 2xx answer, in order.
    pub fn receive(&mut self, flight: InFlight<T::Pending>) -> Vec<Result<Vec<u8>>> {
        let InFlight {
            urls,
            mut done,
            mut todo,
            pending,
            mut refreshed,
        } = flight;
        let mut first = Some(pending);
        while !todo.is_empty() {
            let answers = self.with_retries(todo.len(), |client, indexes| {
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
                    .map(|r| {
                        r.map_err(|e| client.scrub(e))
                            .and_then(|r| client.classify(r))
                    })
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
        done.into_iter()
            .map(|r| r.expect("every URL answered"))
            .collect()
    }

    /// Paces and sends `urls[i]` for each `i` of `which`.
    fn send_each(&mut self, urls: &[Url], which: &[usize]) -> Vec<T::Pending> {
        self.pace(which.len());
        let authorization = self.auth.header_value().unwrap_or_default();
        let headers = [
            ("authorization", authorization.as_str()),
            ("accept", "application/json"),
        ];
        which
            .iter()
            .map(|i| self.transport.send(&urls[*i], &headers))
            .collect()
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

    /// Runs `attempt` for `count` requests (it gets the indexes still to
    /// answer, sends them if they are not on their way already, and
    /// answers each) until each succeeds, fails for good, or the retry
    /// policy gives up. Failed requests are retried together after one
    /// shared wait.
    fn with_retries<R>(
        &mut self,
        count: usize,
        mut attempt: impl FnMut(&mut Self, &[usize]) -> Vec<Result<R>>,
    ) -> Vec<Result<R>> {
        let mut results: Vec<Option<Result<R>>> = (0..count).map(|_| None).collect();
        let mut pending: Vec<usize> = (0..count).collect();
        let mut waited = Duration::ZERO;
        let mut attempts = 1;
        while !pending.is_empty() {
            let answers = attempt(self, &pending);
            let mut retry = Vec::new();
            let mut delay = Duration::ZERO;
            for (i, answer) in pending.iter().zip(answers) {
                match answer {
                    Err(e) if e.retryable && attempts < self.retry.max_attempts => {
                        let hint = e.retry_after_seconds.map(|s| Duration::from_secs(s.into()));
                        let entropy = self.transport.now().as_nanos() as u64 ^ *i as u64;
                        delay = delay.max(self.retry.delay(attempts, hint, entropy));
                        retry.push((*i, e));
                    }
                    Err(e) if e.retryable => results[*i] = Some(Err(gave_up(e, attempts))),
                    answer => results[*i] = Some(answer),
                }
            }
            if waited + delay > self.retry.max_total_wait {
                for (i, e) in retry.drain(..) {
                    results[i] = Some(Err(gave_up(e, attempts)));
                }
            }
            pending = retry.iter().map(|(i, _)| *i).collect();
            if !pending.is_empty() {
                self.transport.sleep(delay);
                waited += delay;
                self.stats.waited += delay;
                self.stats.retries += pending.len() as u64;
                attempts += 1;
            }
        }
        results
            .into_iter()
            .map(|r| r.expect("every request answered"))
            .collect()
    }

    /// Turns a non-2xx answer into the typed error, and a 2xx into its body.
    fn classify(&self, response: RawResponse) -> Result<Vec<u8>> {
        if (200..300).contains(&response.status) {
            return Ok(response.body);
        }
        let status = response.status;
        // Scrub before cutting, so no part of a secret survives the cut.
        let upstream = error_message(&response).map(|m| truncate(&self.scrub_text(&m), 300));
        let said = |default: &str| upstream.clone().unwrap_or_else(|| default.to_string());
        let (code, message) = match status {
            401 => (
                ErrorCode::Unauthorized,
                format!("Bitbucket rejected the credentials ({}). Check `auth`: an API token is sent as HTTP Basic with your Atlassian account email (type \"api-token\"); repository, project, workspace and OAuth access tokens use type \"bearer\". Tokens expire: create a new one if needed.", said("no message")),
            ),
            403 => (
                ErrorCode::Forbidden,
                format!("the credentials lack a permission or scope for this report ({}). Grant the scope the report needs (e.g. read:repository:bitbucket, read:pullrequest:bitbucket; admin:repository:bitbucket for permissions and branch restrictions) or use an account with access.", said("no message")),
            ),
            404 => (
                ErrorCode::NotFound,
                format!("not found ({}). Check the workspace and repository slugs, and that the credentials can see them.", said("no message")),
            ),
            410 => (
                ErrorCode::RetiredUpstream,
                format!("Bitbucket removed this endpoint ({}).", said("410 Gone")),
            ),
            429 => (
                ErrorCode::RateLimited,
                format!("Bitbucket's rate limit was reached ({}). Wait and run again, or use an access token (higher limits on large workspaces).", said("no message")),
            ),
            _ => (ErrorCode::Upstream, format!("Bitbucket answered HTTP {status} ({}).", said("no message"))),
        };
        let mut error = Error::new(code, message).with_status(status);
        // Bitbucket's 555 is its timeout; like 429 and other 5xx, worth retrying.
        error.retryable = status == 429 || status >= 500;
        let seconds = |h: &Option<String>| h.as_deref().and_then(|s| s.trim().parse::<u32>().ok());
        error.retry_after_seconds =
            seconds(&response.retry_after).or(seconds(&response.rate_limit_reset));
        Err(error)
    }

    fn oauth(&self) -> Option<Rc<OAuth>> {
        match &self.auth {
            Auth::OAuth(oauth) => Some(oauth.clone()),
            _ => None,
        }
    }

    /// Gets a new OAuth access token: the refresh-token grant when there is
    /// a refresh token, else client credentials. Keeps a rotated refresh
    /// token for later requests and for the host.
    fn refresh_oauth(&mut self) -> Result<()> {
        let Some(oauth) = self.oauth() else {
            return Ok(());
        };
        let refresh_token = oauth.tokens.borrow().refresh_token.clone();
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        match &refresh_token {
            Some(token) => form
                .append_pair("grant_type", "refresh_token")
                .append_pair("refresh_token", token),
            None => form.append_pair("grant_type", "client_credentials"),
        };
        let body = form.finish();
        let client = oauth.client_authorization();
        let headers = [
            ("authorization", client.as_str()),
            ("accept", "application/json"),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let answer = self.with_retries(1, |client, _| { client.pace(1); vec![(|| {
            let response = client.transport.post(&oauth.token_url, &headers, body.as_bytes()).map_err(|e| client.scrub(e))?;
            let answer: Option<Value> = serde_json::from_slice(&response.body).ok();
            if (200..300).contains(&response.status) {
                return Ok(answer);
            }
            let said = |key: &str| answer.as_ref().and_then(|a| a.get(key)).and_then(Value::as_str).map(str::to_string);
            let said = said("error_description").or_else(|| said("error")).unwrap_or_else(|| "no reason given".into());
            let said = truncate(&client.scrub_text(&said), 200);
            let status = response.status;
            // Like the API: a rate limit or a server failure is worth another try.
            if status == 429 || status >= 500 {
                let code = if status == 429 { ErrorCode::RateLimited } else { ErrorCode::Upstream };
                let message = format!("the OAuth token endpoint answered HTTP {status} ({said})");
                return Err(Error::new(code, message).with_status(status).retryable());
            }
            let message = format!(
                "the OAuth token endpoint refused to issue an access token (HTTP {status}: {said}). Check auth.client_id and auth.client_secret, and that auth.refresh_token is the newest one: Bitbucket rotates refresh tokens."
            );
            Err(Error::new(ErrorCode::Unauthorized, message).with_status(status))
        })()] }).pop().expect("one answer")?;
        let field = |key: &str| {
            answer
                .as_ref()
                .and_then(|a| a.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let access_token = field("access_token").ok_or_else(|| {
            Error::invalid_response("the OAuth token endpoint answered without an access_token")
        })?;
        let mut tokens = oauth.tokens.borrow_mut();
        self.retired_secrets.extend(
            tokens
                .access_token
                .iter()
                .chain(&tokens.refresh_token)
                .cloned(),
        );
        tokens.access_token = Some(access_token);
        if let Some(rotated) =
            field("refresh_token").filter(|t| Some(t) != tokens.refresh_token.as_ref())
        {
            tokens.refresh_token = Some(rotated);
            tokens.rotated = true;
        }
        Ok(())
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

fn gave_up(mut error: Error, attempts: u32) -> Error {
    if attempts > 1 {
        error.message = format!("{} (gave up after {attempts} attempts)", error.message);
    }
    error
}

/// Bitbucket's error envelope `{"type":"error","error":{"message","detail"}}`
/// as one line, or a description of a body that is not one.
fn error_message(response: &RawResponse) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<Value>(&response.body) {
        let error = value.get("error")?;
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        let detail = match error.get("detail") {
            Some(Value::String(detail)) => detail.clone(),
            // Scope errors carry {"required": [...], "granted": [...]}.
            Some(Value::Object(detail)) => match detail.get("required").and_then(Value::as_array) {
                Some(required) => {
                    let scopes: Vec<&str> = required.iter().filter_map(Value::as_str).collect();
                    format!("missing scope: {}", scopes.join(", "))
                }
                None => String::new(),
            },
            _ => String::new(),
        };
        let text = match (message.is_empty(), detail.is_empty()) {
            (false, false) => format!("{message}: {detail}"),
            (false, true) => message.to_string(),
            (true, false) => detail,
            (true, true) => return None,
        };
        return Some(text);
    }
    let kind = response
        .content_type
        .as_deref()
        .unwrap_or("unknown content type");
    Some(format!(
        "a non-JSON body of {} bytes ({kind})",
        response.body.len()
    ))
}

fn truncate(text: &str, max_chars: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max_chars {
        flat
    } else {
        format!("{}…", flat.chars().take(max_chars).collect::<String>())
    }
}

/// Parses a single JSON object (an endpoint that is not a list).
pub fn parse_object(body: &[u8]) -> Result<Value> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(Value::Object(object)),
        Ok(_) => Err(Error::invalid_response("the response is not a JSON object")),
        Err(e) => Err(Error::invalid_response(format!(
            "the response is not valid JSON ({e})"
        ))),
    }
}

/// Parses the paginated envelope `{"values": [...], "next": "..."}`.
pub fn parse_page(body: &[u8]) -> Result<Page> {
    let mut envelope: Value = serde_json::from_slice(body).map_err(|e| {
        Error::invalid_response(format!(
            "the response is not valid JSON ({e}); is the endpoint a Bitbucket API root?"
        ))
    })?;
    let values = match envelope.get_mut("values").map(Value::take) {
        Some(Value::Array(values)) => values,
        Some(_) => return Err(Error::invalid_response("the page's `values` is not a list")),
        None => {
            return Err(Error::invalid_response(
                "the response is not a paginated list (no `values`)",
            ))
        }
    };
    let next = match envelope.get("next") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Url::parse(s).map_err(|e| {
            Error::invalid_response(format!("the page's `next` link is not a URL ({e})"))
        })?),
        Some(_) => {
            return Err(Error::invalid_response(
                "the page's `next` link is not a string",
            ))
        }
    };
    let number = |key: &str| envelope.get(key).and_then(Value::as_u64);
    let numbered = match (number("page"), number("pagelen"), number("size")) {
        (Some(page), Some(pagelen), Some(size)) if page >= 1 && pagelen >= 1 => Some(Numbered {
            page,
            pagelen,
            size,
        }),
        _ => None,
    };
    Ok(Page {
        values,
        next,
        numbered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers from a script and records what was asked.
    struct Script {
        responses: Vec<RawResponse>,
        sent: Vec<(String, String)>,
        slept: Vec<Duration>,
        clock: Duration,
        posted: Vec<String>,
    }

    impl Transport for &mut Script {
        type Pending = Result<RawResponse>;
        fn send(&mut self, url: &Url, headers: &[(&str, &str)]) -> Self::Pending {
            self.get(url, headers)
        }
        fn receive(&mut self, pending: Vec<Self::Pending>) -> Vec<Result<RawResponse>> {
            pending
        }
        fn post(
            &mut self,
            url: &Url,
            headers: &[(&str, &str)],
            body: &[u8],
        ) -> Result<RawResponse> {
            self.posted.push(String::from_utf8_lossy(body).into_owned());
            self.get(url, headers)
        }
        fn now(&self) -> Duration {
            self.clock
        }
        fn sleep(&mut self, duration: Duration) {
            self.slept.push(duration);
            self.clock += duration;
        }
    }

    impl Script {
        fn get(&mut self, url: &Url, headers: &[(&str, &str)]) -> Result<RawResponse> {
            let auth = headers
                .iter()
                .find(|(k, _)| *k == "authorization")
                .map(|(_, v)| v.to_string());
            self.sent.push((url.to_string(), auth.unwrap_or_default()));
            Ok(self.responses.remove(0))
        }
    }

    fn script(responses: Vec<RawResponse>) -> Script {
        Script {
            responses,
            sent: vec![],
            slept: vec![],
            clock: Duration::ZERO,
            posted: vec![],
        }
    }

    fn json(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            rate_limit_reset: None,
            body: body.as_bytes().to_vec(),
        }
    }

    fn config() -> Config {
        Config::parse(
            r#"{"endpoint":"http://127.0.0.1:8080/2.0","auth":{"type":"bearer","token":"S3CRET"},"retries":{"max_attempts":1}}"#,
        )
        .unwrap()
    }

    fn retrying() -> Config {
        Config::parse(
            r#"{"endpoint":"http://127.0.0.1:8080/2.0","auth":{"type":"bearer","token":"S3CRET"},"retries":{"max_attempts":4,"max_wait_seconds":100}}"#,
        )
        .unwrap()
    }

    const X: &str = "http://127.0.0.1:8080/2.0/x";

    #[test]
    fn retries_429_and_5xx_honouring_the_servers_hint_then_succeeds() {
        let mut limited = json(429, r#"{"type":"error","error":{"message":"Rate limit"}}"#);
        limited.retry_after = Some("7".into());
        let mut reset = json(429, "{}");
        reset.rate_limit_reset = Some("11".into());
        let mut script = script(vec![
            limited,
            json(555, "{}"),
            reset,
            json(200, r#"{"values":[{"id":1}]}"#),
        ]);
        let mut client = Client::new(&retrying(), &mut script);
        assert_eq!(
            client
                .get_page(&Url::parse(X).unwrap())
                .unwrap()
                .values
                .len(),
            1
        );
        assert_eq!((client.stats.requests, client.stats.retries), (4, 3));
        drop(client);
        assert_eq!(
            script.slept[0],
            Duration::from_secs(7),
            "Retry-After honoured"
        );
        assert!(
            script.slept[1] >= Duration::from_secs(1) && script.slept[1] <= Duration::from_secs(2),
            "backoff"
        );
        assert_eq!(
            script.slept[2],
            Duration::from_secs(11),
            "X-RateLimit-Reset honoured"
        );
    }

    #[test]
    fn gives_up_after_the_attempts_or_the_wait_budget_with_the_hint() {
        let storm = || {
            let mut r = json(429, "{}");
            r.retry_after = Some("30".into());
            r
        };
        let mut storms = script(vec![storm(), storm(), storm(), storm()]);
        let e = Client::new(&retrying(), &mut storms)
            .get_page(&Url::parse(X).unwrap())
            .unwrap_err();
        assert_eq!(
            (e.code, e.retry_after_seconds),
            (ErrorCode::RateLimited, Some(30))
        );
        assert!(
            e.message.contains("gave up after 4 attempts"),
            "{}",
            e.message
        );
        assert_eq!(
            storms.slept.iter().sum::<Duration>(),
            Duration::from_secs(90),
            "within the 100 s budget"
        );

        let mut long = json(429, "{}");
        long.retry_after = Some("3600".into());
        let mut script = script(vec![long]);
        let e = Client::new(&retrying(), &mut script)
            .get_page(&Url::parse(X).unwrap())
            .unwrap_err();
        assert_eq!(e.retry_after_seconds, Some(3600));
        assert!(
            script.slept.is_empty(),
            "a hint beyond the wait budget is not slept through"
        );
    }

    #[test]
    fn other_client_errors_are_not_retried() {
        for status in [400, 401, 403, 404, 410] {
            let mut script = script(vec![json(status, "{}")]);
            let e = Client::new(&retrying(), &mut script)
                .get_page(&Url::parse(X).unwrap())
                .unwrap_err();
            assert_eq!(e.http_status, Some(status));
            assert_eq!(script.sent.len(), 1);
        }
    }

    #[test]
    fn the_budget_paces_requests() {
        let config = Config::parse(
            r#"{"endpoint":"http://127.0.0.1:8080/2.0","auth":{"type":"bearer","token":"t"},"max_requests_per_hour":360}"#,
        )
        .unwrap();
        let pages = (0..30).map(|_| json(200, r#"{"values":[]}"#)).collect();
        let mut script = script(pages);
        let mut client = Client::new(&config, &mut script);
        for _ in 0..30 {
            client.get_page(&Url::parse(X).unwrap()).unwrap();
        }
        drop(client);
        // A burst of 18, then one every 10 s.
        assert_eq!(script.slept.len(), 12);
        assert!(
            script
                .slept
                .iter()
                .all(|d| (d.as_secs_f64() - 10.0).abs() < 0.01),
            "{:?}",
            script.slept
        );
    }

    #[test]
    fn sends_the_authorization_and_parses_the_envelope() {
        let mut script = script(vec![json(
            200,
            r#"{"values":[{"id":1}],"next":"http://127.0.0.1:8080/2.0/x?page=2"}"#,
        )]);
        let page = Client::new(&config(), &mut script)
            .get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap())
            .unwrap();
        assert_eq!(page.values.len(), 1);
        assert_eq!(
            page.next.unwrap().as_str(),
            "http://127.0.0.1:8080/2.0/x?page=2"
        );
        assert_eq!(script.sent[0].1, "Bearer S3CRET");
    }

    #[test]
    fn refuses_other_origins_without_sending() {
        let mut script = script(vec![]);
        for url in [
            "http://127.0.0.1:9090/2.0/x",
            "https://127.0.0.1:8080/2.0/x",
            "http://evil.example/2.0/x",
        ] {
            let e = Client::new(&config(), &mut script)
                .get_page(&Url::parse(url).unwrap())
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::Transport);
        }
        assert!(script.sent.is_empty());
    }

    #[test]
    fn maps_statuses_and_scrubs_echoed_secrets() {
        let cases = [
            (401, ErrorCode::Unauthorized),
            (403, ErrorCode::Forbidden),
            (404, ErrorCode::NotFound),
            (410, ErrorCode::RetiredUpstream),
            (429, ErrorCode::RateLimited),
            (400, ErrorCode::Upstream),
            (555, ErrorCode::Upstream),
        ];
        for (status, code) in cases {
            let mut response = json(
                status,
                r#"{"type":"error","error":{"message":"bad token S3CRET","detail":"more"}}"#,
            );
            response.retry_after = Some("17".into());
            let mut script = script(vec![response]);
            let e = Client::new(&config(), &mut script)
                .get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap())
                .unwrap_err();
            assert_eq!(
                (e.code, e.http_status, e.retry_after_seconds),
                (code, Some(status), Some(17))
            );
            assert!(
                e.message.contains("bad token [redacted]: more"),
                "{}",
                e.message
            );
            assert!(!e.message.contains("S3CRET"));
        }
    }

    fn oauth(extra: &str) -> Config {
        Config::parse(&format!(
            r#"{{"endpoint":"http://127.0.0.1:8080/2.0","auth":{{"type":"oauth","client_id":"cid","client_secret":"CSECRET"{extra},"token_url":"http://127.0.0.1:8080/site/oauth2/access_token"}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn oauth_refreshes_on_the_first_401_and_keeps_the_rotated_refresh_token() {
        let config = oauth(r#","access_token":"old","refresh_token":"R1""#);
        let mut script = script(vec![
            json(
                401,
                r#"{"type":"error","error":{"message":"Access token expired."}}"#,
            ),
            json(
                200,
                r#"{"access_token":"new","refresh_token":"R2","expires_in":7200}"#,
            ),
            json(200, r#"{"values":[]}"#),
        ]);
        Client::new(&config, &mut script)
            .get_page(&Url::parse(X).unwrap())
            .unwrap();
        assert_eq!(script.sent[0].1, "Bearer old");
        assert!(script.sent[1].0.ends_with("/site/oauth2/access_token"));
        assert_eq!(
            script.sent[1].1,
            format!("Basic {}", crate::config::base64_encode(b"cid:CSECRET"))
        );
        assert_eq!(script.posted, ["grant_type=refresh_token&refresh_token=R1"]);
        assert_eq!(script.sent[2].1, "Bearer new");
        let Auth::OAuth(o) = &config.auth else {
            unreachable!()
        };
        let tokens = o.tokens.borrow();
        assert_eq!(
            (tokens.refresh_token.as_deref(), tokens.rotated),
            (Some("R2"), true)
        );
    }

    #[test]
    fn oauth_client_credentials_first_and_no_second_refresh_for_a_fresh_token() {
        let mut script = script(vec![json(200, r#"{"access_token":"cc"}"#), json(401, "{}")]);
        let e = Client::new(&oauth(""), &mut script)
            .get_page(&Url::parse(X).unwrap())
            .unwrap_err();
        assert_eq!(script.posted, ["grant_type=client_credentials"]);
        assert_eq!(script.sent[1].1, "Bearer cc");
        assert_eq!(
            (e.code, e.http_status),
            (ErrorCode::Unauthorized, Some(401))
        );
    }

    #[test]
    fn a_failing_token_endpoint_is_retried_like_the_api() {
        let mut script = script(vec![
            json(503, "{}"),
            json(200, r#"{"access_token":"t2"}"#),
            json(200, r#"{"values":[]}"#),
        ]);
        Client::new(&oauth(""), &mut script)
            .get_page(&Url::parse(X).unwrap())
            .unwrap();
        assert_eq!(script.posted.len(), 2);
        assert_eq!(script.sent[2].1, "Bearer t2");
    }

    #[test]
    fn a_refused_grant_is_unauthorized_without_the_secret() {
        let mut script = script(vec![
            json(401, "{}"),
            json(
                400,
                r#"{"error":"invalid_grant","error_description":"Invalid client CSECRET"}"#,
            ),
        ]);
        let e = Client::new(&oauth(r#","access_token":"old""#), &mut script)
            .get_page(&Url::parse(X).unwrap())
            .unwrap_err();
        assert_eq!(
            (e.code, e.http_status),
            (ErrorCode::Unauthorized, Some(400))
        );
        assert!(
            e.message.contains("Invalid client [redacted]"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_403_names_the_missing_scope() {
        let body = r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["read:pipeline:bitbucket"],"granted":["account"]}}}"#;
        let mut script = script(vec![json(403, body)]);
        let e = Client::new(&config(), &mut script)
            .get_page(&Url::parse(X).unwrap())
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert!(
            e.message.contains("missing scope: read:pipeline:bitbucket"),
            "{}",
            e.message
        );
    }

    #[test]
    fn html_error_pages_are_described_not_dumped() {
        let response = RawResponse {
            status: 404,
            content_type: Some("text/html".into()),
            retry_after: None,
            rate_limit_reset: None,
            body: b"<html>big page</html>".to_vec(),
        };
        let mut script = script(vec![response]);
        let e = Client::new(&config(), &mut script)
            .get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap())
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        assert!(
            e.message.contains("non-JSON body of 21 bytes (text/html)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn malformed_pages_are_invalid_response() {
        for body in [
            "<html>",
            r#"{"values":{}}"#,
            r#"{"size":3}"#,
            r#"{"values":[],"next":7}"#,
            r#"{"values":[],"next":"not a url"}"#,
            r#"{"values":[1,"#,
        ] {
            assert_eq!(
                parse_page(body.as_bytes()).unwrap_err().code,
                ErrorCode::InvalidResponse,
                "{body}"
            );
        }
    }
}
