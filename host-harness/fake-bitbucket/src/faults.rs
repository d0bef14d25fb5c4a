//! Fault injection: make the fake misbehave the ways a real Bitbucket (or the
//! network in front of it) does — rate limits, 5xx, dropped or truncated
//! connections, slow or huge bodies, HTML where JSON was expected, malformed
//! pages, missing scopes.
//!
//! [`FaultInjector::decide`] picks the fault for an authenticated request (the
//! first rule that matches its path and still has attempts left for its exact
//! target); [`answer`] turns that fault into an [`Answer`], which
//! `server::send` puts on the wire.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

use crate::api::ApiError;
use crate::wire::Step;

/// One rule of [`FakeOptions::faults`](super::FakeOptions::faults).
#[derive(Clone, Debug)]
pub struct FaultRule {
    pub fault: Fault,
    /// Only requests whose path (as received, prefix included) contains this; None = all.
    pub path_contains: Option<String>,
    /// For each distinct request target (path + query), the first `attempts` requests get the fault;
    /// later repeats of the same target are answered normally. usize::MAX = always.
    pub attempts: usize,
}

/// What goes wrong. Faults that edit "the normal response" leave it unchanged
/// when it is not a 200 JSON body (e.g. a 404 for an unknown path).
#[derive(Clone, Debug)]
pub enum Fault {
    /// 429 with Bitbucket's body `{"type":"error","error":{"message":"Rate limit for this resource has been exceeded"}}`
    /// and, when Some, a `Retry-After: N` header and/or `X-RateLimit-Reset: N` header.
    RateLimited { retry_after: Option<u32>, reset: Option<u32> },
    /// That status (e.g. 500, 502, 503, 555) with an error envelope.
    ServerError(u16),
    /// Accept the request, then close the socket without writing any response.
    DropConnection,
    /// Compute the normal response, send headers with the full Content-Length but only the first half of the body, then close.
    TruncatedBody,
    /// Send the normal body in 8 chunks with this delay before each (Content-Length set;
    /// total delay = 8 * delay), then close the connection.
    SlowBody(Duration),
    /// 200 with `Content-Type: text/html` and an HTML page body.
    HtmlOk,
    /// 404 with an HTML body (~25 KB, like Bitbucket's real HTML 404 page).
    HtmlNotFound,
    /// 200 with a JSON object that has no `values`: `{"size":3,"page":1}`.
    NoValues,
    /// Normal response, but every `id`/`uuid`/`hash` field (at any depth, so in
    /// every object of `values`) is replaced by the object `{"unexpected": true}`.
    WrongTypes,
    /// Normal page whose `next` link points back to the same request URL (absolute).
    LoopNext,
    /// Numbered page `page` (its `page` query parameter; 1 without one)
    /// with `values` emptied and all else (`size`, `page`, `pagelen`,
    /// `next`) kept: a page that comes back empty in the middle of a
    /// collection. Requests for other pages are answered normally (but
    /// still use up the rule's attempts and are recorded as faulted).
    EmptyPage { page: u64 },
    /// 200 `application/json` whose body is N bytes, `{"values":[],"padding":"xxxx..."}`
    /// (at least 26 bytes, the empty padding), generated while it is sent.
    HugeBody(usize),
    /// 403 with Bitbucket's body naming the missing scope:
    /// `{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["<scope>"],"granted":["account"]}}}`
    /// (`detail` is an object here, as Bitbucket sends for scope errors).
    Forbidden { scope: String },
    /// A hostile or buggy server: 400 whose error message echoes the
    /// request's `Authorization` header back.
    EchoAuthorization,
}

impl Fault {
    /// Short name, recorded in [`RecordedRequest::fault`](super::RecordedRequest::fault).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::RateLimited { .. } => "rate-limited",
            Fault::ServerError(_) => "server-error",
            Fault::DropConnection => "drop-connection",
            Fault::TruncatedBody => "truncated-body",
            Fault::SlowBody(_) => "slow-body",
            Fault::HtmlOk => "html-ok",
            Fault::HtmlNotFound => "html-not-found",
            Fault::NoValues => "no-values",
            Fault::WrongTypes => "wrong-types",
            Fault::LoopNext => "loop-next",
            Fault::EmptyPage { .. } => "empty-page",
            Fault::HugeBody(_) => "huge-body",
            Fault::Forbidden { .. } => "forbidden",
            Fault::EchoAuthorization => "echo-authorization",
        }
    }
}

// ---------------------------------------------------------------- uneven latency

/// [`FakeOptions::slow_pages`](super::FakeOptions::slow_pages): uneven
/// latency. A request whose `page` query parameter is a multiple of
/// `every` (pages 8, 16, 24, … for `every: 8`) is answered `latency` after
/// it was taken up, instead of [`FakeOptions::latency`](super::FakeOptions::latency).
/// First pages (no `page`) and iterator tokens are never slow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlowPages {
    pub every: u64,
    pub latency: Duration,
}

impl SlowPages {
    /// The latency for a request to `target` (path and query as received).
    pub(crate) fn latency(slow: Option<SlowPages>, target: &str, normal: Duration) -> Duration {
        let Some(slow) = slow.filter(|s| s.every > 0) else {
            return normal;
        };
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let page =
            url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "page").and_then(|(_, v)| v.parse::<u64>().ok());
        match page {
            Some(page) if page % slow.every == 0 => slow.latency,
            _ => normal,
        }
    }
}

// ---------------------------------------------------------------- decision

/// A rule the [`FaultInjector`] applies: [`FaultRule`] here, and the Data
/// Center fake's `DcFaultRule`.
pub(crate) trait Rule {
    type Fault: Clone;
    /// Only requests whose path contains this; `None` = all.
    fn path_contains(&self) -> Option<&str>;
    /// How many requests per distinct target get the fault.
    fn attempts(&self) -> usize;
    fn fault(&self) -> &Self::Fault;
}

impl Rule for FaultRule {
    type Fault = Fault;
    fn path_contains(&self) -> Option<&str> {
        self.path_contains.as_deref()
    }
    fn attempts(&self) -> usize {
        self.attempts
    }
    fn fault(&self) -> &Fault {
        &self.fault
    }
}

/// The rules plus their attempt counters, shared by the worker threads.
#[derive(Debug)]
pub(crate) struct FaultInjector<R = FaultRule> {
    rules: Vec<R>,
    /// Faulted requests so far, per (rule index, request target).
    attempts: Mutex<HashMap<(usize, String), usize>>,
    injected: AtomicUsize,
}

impl<R: Rule> FaultInjector<R> {
    pub fn new(rules: Vec<R>) -> FaultInjector<R> {
        FaultInjector { rules, attempts: Mutex::new(HashMap::new()), injected: AtomicUsize::new(0) }
    }

    /// The fault for a request with this `path` (no query) and `target` (path
    /// and query as received), if any; uses up one attempt of that rule.
    pub fn decide(&self, path: &str, target: &str) -> Option<R::Fault> {
        if self.rules.is_empty() {
            return None;
        }
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.path_contains().is_some_and(|part| !path.contains(part)) {
                continue;
            }
            let used = attempts.entry((index, target.to_string())).or_insert(0);
            if *used < rule.attempts() {
                *used += 1;
                self.injected.fetch_add(1, Ordering::Relaxed);
                return Some(rule.fault().clone());
            }
        }
        None
    }

    /// How many requests got a fault so far.
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::Relaxed)
    }
}

// ---------------------------------------------------------------- answers

/// A complete HTTP response.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub status: u16,
    /// `Content-Type` first, then any others.
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

#[derive(Clone, Debug)]
pub(crate) enum Body {
    Bytes(Vec<u8>),
    /// [`Fault::HugeBody`]'s `{"values":[],"padding":"xx…"}` of this many
    /// bytes, generated while it is read.
    Padding(usize),
}

const PADDING_HEAD: &str = r#"{"values":[],"padding":""#;
const PADDING_TAIL: &str = r#""}"#;

impl Body {
    pub fn len(&self) -> usize {
        match self {
            Body::Bytes(bytes) => bytes.len(),
            Body::Padding(n) => (*n).max(PADDING_HEAD.len() + PADDING_TAIL.len()),
        }
    }

    /// The body as the pieces [`WireBody`](crate::wire::WireBody) sends
    /// (the padding is generated while it is sent).
    pub fn into_steps(self) -> Vec<Step> {
        match self {
            Body::Bytes(bytes) => vec![Step::Data(bytes.into())],
            Body::Padding(_) => {
                let pad = self.len() - PADDING_HEAD.len() - PADDING_TAIL.len();
                vec![
                    Step::Data(PADDING_HEAD.as_bytes().to_vec().into()),
                    Step::Padding(pad),
                    Step::Data(PADDING_TAIL.as_bytes().to_vec().into()),
                ]
            }
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Body::Bytes(bytes) => bytes,
            Body::Padding(_) => {
                let pad = self.len() - PADDING_HEAD.len() - PADDING_TAIL.len();
                let mut bytes = Vec::with_capacity(self.len());
                bytes.extend_from_slice(PADDING_HEAD.as_bytes());
                bytes.resize(bytes.len() + pad, b'x');
                bytes.extend_from_slice(PADDING_TAIL.as_bytes());
                bytes
            }
        }
    }
}

impl Reply {
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::with_type(status, "application/json", body)
    }

    pub(crate) fn with_type(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply { status, headers: vec![("Content-Type", content_type.to_string())], body: Body::Bytes(body.into()) }
    }

    /// This reply with its JSON body edited; unchanged unless it is a 200 JSON object.
    fn edit_json(self, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Reply {
        let parsed = match &self.body {
            Body::Bytes(bytes) if self.status == 200 => serde_json::from_slice::<Value>(bytes),
            _ => return self,
        };
        match parsed {
            Ok(Value::Object(mut map)) => {
                edit(&mut map);
                Reply::json(200, Value::Object(map).to_string())
            }
            _ => self,
        }
    }
}

/// What the server does with a request.
#[derive(Debug)]
pub(crate) enum Answer {
    /// Send this response.
    Reply(Reply),
    /// Close the connection without writing anything.
    Drop,
    /// Send the head with the full Content-Length and half the body, then close.
    Truncated(Reply),
    /// Send the response with the body in 8 pieces, `delay` before each, then close.
    Slow(Reply, Duration),
}

impl Answer {
    /// The status for the request log: 0 when no complete response goes out.
    pub fn logged_status(&self) -> u16 {
        match self {
            Answer::Reply(reply) | Answer::Slow(reply, _) => reply.status,
            Answer::Drop | Answer::Truncated(_) => 0,
        }
    }
}

/// The answer to a request that drew `fault`. `normal` computes the response
/// it would get otherwise; `url` is its absolute URL (origin, path, query).
pub(crate) fn answer(fault: &Fault, normal: impl FnOnce() -> Reply, url: &str, authorization: Option<&str>) -> Answer {
    let reply = match fault {
        Fault::EchoAuthorization => {
            let echoed = format!("Bad request; you sent Authorization: {}", authorization.unwrap_or(""));
            error_reply(400, &echoed)
        }
        Fault::RateLimited { retry_after, reset } => {
            let mut reply = error_reply(429, "Rate limit for this resource has been exceeded");
            if let Some(n) = retry_after {
                reply.headers.push(("Retry-After", n.to_string()));
            }
            if let Some(n) = reset {
                reply.headers.push(("X-RateLimit-Reset", n.to_string()));
            }
            reply
        }
        Fault::ServerError(status) => error_reply(*status, server_error_message(*status)),
        Fault::DropConnection => return Answer::Drop,
        Fault::TruncatedBody => return Answer::Truncated(normal()),
        Fault::SlowBody(delay) => return Answer::Slow(normal(), *delay),
        Fault::HtmlOk => Reply::with_type(200, "text/html", HTML_OK),
        Fault::HtmlNotFound => Reply::with_type(404, "text/html", html_not_found()),
        Fault::NoValues => Reply::json(200, r#"{"size":3,"page":1}"#),
        Fault::WrongTypes => normal().edit_json(|map| {
            map.values_mut().for_each(break_ids);
        }),
        Fault::LoopNext => normal().edit_json(|map| {
            map.insert("next".to_string(), Value::String(url.to_string()));
        }),
        Fault::EmptyPage { page } if page_of(url) == *page => normal().edit_json(|map| {
            map.insert("values".to_string(), Value::Array(Vec::new()));
        }),
        Fault::EmptyPage { .. } => normal(),
        Fault::HugeBody(n) => {
            Reply { status: 200, headers: vec![("Content-Type", "application/json".to_string())], body: Body::Padding(*n) }
        }
        Fault::Forbidden { scope } => Reply::json(
            403,
            json!({
                "type": "error",
                "error": {
                    "message": "Your credentials lack one or more required privilege scopes.",
                    "detail": {"required": [scope], "granted": ["account"]},
                },
            })
            .to_string(),
        ),
    };
    Answer::Reply(reply)
}

/// The `page` query parameter of `url`; 1 without one.
fn page_of(url: &str) -> u64 {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok()).unwrap_or(1)
}

fn error_reply(status: u16, message: &str) -> Reply {
    Reply::json(status, ApiError::new(status, message).body())
}

fn server_error_message(status: u16) -> &'static str {
    match status {
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Something went wrong",
    }
}

/// Replaces every `id`, `uuid` and `hash` field inside `value` with `{"unexpected": true}`.
fn break_ids(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if matches!(key.as_str(), "id" | "uuid" | "hash") {
                    *field = json!({"unexpected": true});
                } else {
                    break_ids(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(break_ids),
        _ => {}
    }
}

const HTML_OK: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>Log in with your Atlassian account</title>\n</head>\n<body>\n\
<div id=\"root\"><h1>Log in to continue</h1>\
<form method=\"post\" action=\"/account/signin/\"><input type=\"email\" name=\"username\">\
<button type=\"submit\">Continue</button></form></div>\n</body>\n</html>\n";

/// An HTML 404 page of about 25 KB, mostly inline style as on Bitbucket.
pub(crate) fn html_not_found() -> String {
    let mut page = String::with_capacity(26_000);
    page.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Bitbucket | Page not found</title>\n<style>\n",
    );
    let mut i = 0;
    while page.len() < 24_500 {
        page.push_str(&format!(".aui-page-panel-{i} {{ margin: 0 auto; padding: 20px; color: #172b4d; }}\n"));
        i += 1;
    }
    page.push_str(
        "</style>\n</head>\n<body>\n<div id=\"error-page\">\n<h1>That link has no power here</h1>\n\
         <p>Return to the previous page or go back to your dashboard.</p>\n</div>\n</body>\n</html>\n",
    );
    page
}
