//! The HTTP side: a hyper 1 server (HTTP/1.1 and HTTP/2; HTTPS with a test
//! CA's certificate when [`FakeOptions::tls`] is set) on its own tokio
//! runtime (TCP_NODELAY on every connection), [`FakeOptions::workers`] permits for
//! the requests handled at once, authentication, the request log, latency,
//! fault injection and `fields` pruning. What goes on the wire is in `wire.rs`.

use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::{oneshot, Semaphore};

use crate::api::{ApiError, ApiRequest, ApiResult};
use crate::auth::authenticate;
use crate::background::Background;
use crate::dataset::Dataset;
use crate::faults::{self, Answer, FaultInjector, Reply, SlowPages};
use crate::fields;
use crate::oauth::{OAuthClient, TokenState, TOKEN_PATH};
use crate::routes::dispatch;
use crate::util::percent_decode;
use crate::wire::{Step, WireBody};
use crate::{Credentials, FakeOptions, RecordedRequest};

/// State shared by every connection.
struct Shared {
    dataset: Dataset,
    credentials: Credentials,
    /// Normalised: "" or "/2.0" (leading slash, no trailing slash).
    prefix: String,
    /// Origin written into `next`/`previous` links.
    link_origin: String,
    /// The listening address as an origin, e.g. `http://127.0.0.1:41234`.
    origin: String,
    latency: Duration,
    slow_pages: Option<SlowPages>,
    faults: FaultInjector,
    oauth: Option<OAuthClient>,
    tokens: TokenState,
    log: Mutex<Vec<RecordedRequest>>,
    /// One permit per worker: a request holds one from when it is taken up
    /// until its answer is sent.
    workers: Arc<Semaphore>,
    /// Requests being handled right now, and the most there have been.
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Connections accepted so far.
    connections: AtomicU64,
    /// [`FakeOptions::cache_answers`]: successful GET answers by URL.
    cache: Option<Mutex<std::collections::HashMap<String, Reply>>>,
    /// [`FakeOptions::minimal_objects`]: the document whose schemas say
    /// what each object keeps.
    minimal: Option<crate::openapi::OpenApi>,
    /// [`FakeOptions::control`]: `/_fake/…` is the control endpoint.
    control: bool,
}

/// The name of its threads and of its start-up errors.
const NAME: &str = "fake-bitbucket";

/// A running fake Bitbucket Cloud API. Dropping it stops the server (its
/// runtime and every connection) and closes the listening socket.
pub struct FakeBitbucket {
    shared: Arc<Shared>,
    /// Where clients reach it: [`FakeOptions::public_origin`] or its own.
    origin: String,
    /// Stops the server when dropped.
    background: Background,
}

impl FakeBitbucket {
    /// Binds `127.0.0.1` ([`FakeOptions::port`], by default any free port)
    /// and serves from background threads, answering
    /// [`FakeOptions::workers`] requests at once.
    pub fn start(options: FakeOptions) -> anyhow::Result<FakeBitbucket> {
        let (listener, addr) = Background::bind(NAME, options.port)?;
        let scheme = if options.tls.is_some() { "https" } else { "http" };
        let origin = format!("{scheme}://{addr}");
        let tls = match &options.tls {
            Some(ca) => Some(tokio_rustls::TlsAcceptor::from(ca.server_config(!options.http1_only)?)),
            None => None,
        };
        let http1_only = options.http1_only;
        let public_origin = options.public_origin.map(|o| o.trim_end_matches('/').to_string()).unwrap_or_else(|| origin.clone());
        let link_origin =
            options.next_origin_override.map(|o| o.trim_end_matches('/').to_string()).unwrap_or_else(|| public_origin.clone());

        let prefix = normalise_prefix(&options.path_prefix);
        let shared = Arc::new(Shared {
            dataset: options.dataset.with_api_root(&format!("{public_origin}{prefix}")),
            credentials: options.credentials,
            prefix,
            link_origin,
            origin: origin.clone(),
            latency: options.latency,
            slow_pages: options.slow_pages,
            faults: FaultInjector::new(options.faults),
            tokens: TokenState::new(options.oauth.as_ref()),
            oauth: options.oauth,
            log: Mutex::new(Vec::new()),
            workers: Arc::new(Semaphore::new(options.workers.max(1))),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            connections: AtomicU64::new(0),
            cache: options.cache_answers.then(Mutex::default),
            minimal: match options.minimal_objects {
                true => Some(crate::openapi::OpenApi::shared()?),
                false => None,
            },
            control: options.control,
        });

        let serving = shared.clone();
        let listening = Listening { tls, http1_only };
        let background =
            Background::serve(NAME, listener, move |listener, stopped| serve(listener, listening, serving, stopped))?;
        Ok(FakeBitbucket { shared, origin: public_origin, background })
    }

    /// The address it listens on (behind a proxy, what the proxy forwards to).
    pub fn address(&self) -> std::net::SocketAddr {
        self.background.address()
    }

    /// Origin plus API prefix, e.g. `http://127.0.0.1:41234/2.0` (the
    /// [`FakeOptions::public_origin`] when set).
    pub fn base_url(&self) -> String {
        format!("{}{}", self.origin, self.shared.prefix)
    }

    /// `http://127.0.0.1:41234`.
    pub fn origin(&self) -> String {
        self.origin.clone()
    }

    /// The dataset being served, its API links under [`base_url`](Self::base_url).
    pub fn dataset(&self) -> &Dataset {
        &self.shared.dataset
    }

    /// Marks pull request `id` of `workspace/repo` as updated at `when`
    /// (RFC 3339, later than every generated timestamp, e.g.
    /// `"2026-10-05T12:00:00+00:00"`) with a new `title`; every endpoint (the
    /// list, which stays in ascending id order, BBQL `q` on `updated_on` /
    /// `title`, the single pull request, the pull request embedded in its
    /// comments and activity, plus a new `update` activity item) and
    /// [`dataset`](Self::dataset)'s accessors reflect it from then on. See
    /// [`Dataset::update_pull_request`]; panics on an unknown pull request or
    /// a bad `when`.
    pub fn update_pull_request(&self, workspace: &str, repo: &str, id: u64, when: &str, title: &str) {
        self.shared.dataset.update_pull_request(workspace, repo, id, when, title);
    }

    /// Adds a comment (by the pull request's author, created and updated at
    /// `when`, as for [`update_pull_request`](Self::update_pull_request)) to
    /// pull request `pr_id`; `…/comments` (BBQL `created_on` / `updated_on`
    /// filters included) and the activity show it, and the pull request's
    /// `comment_count` grows and its `updated_on` moves to `when`. Returns the
    /// comment's id. See [`Dataset::add_pull_request_comment`].
    pub fn add_pull_request_comment(&self, workspace: &str, repo: &str, pr_id: u64, when: &str, text: &str) -> u64 {
        self.shared.dataset.add_pull_request_comment(workspace, repo, pr_id, when, text)
    }

    /// The accepted credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.shared.credentials
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many requests got a fault so far (not reset by [`clear_requests`](Self::clear_requests)).
    pub fn requests_with_fault(&self) -> usize {
        self.shared.faults.injected()
    }

    /// The most requests that were waiting out [`FakeOptions::latency`] at
    /// one time: how many a client had in flight at once (0 without latency).
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// How many connections clients opened so far (not reset by
    /// [`clear_requests`](Self::clear_requests); each request records its own
    /// in [`RecordedRequest::connection`]).
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Clears the request log and the in-flight high-water mark.
    pub fn clear_requests(&self) {
        self.shared.max_in_flight.store(0, Ordering::SeqCst);
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn normalise_prefix(prefix: &str) -> String {
    let p = prefix.trim().trim_matches('/');
    if p.is_empty() {
        String::new()
    } else {
        format!("/{p}")
    }
}

/// How connections are taken up: TLS or not, HTTP/2 or not.
struct Listening {
    tls: Option<tokio_rustls::TlsAcceptor>,
    http1_only: bool,
}

/// Accepts connections until `stopped`, each served by hyper on its own
/// task: HTTP/1.1, or HTTP/2 when the client negotiates it (ALPN over TLS,
/// prior knowledge over plain TCP) unless [`FakeOptions::http1_only`].
/// The next connection `listener` accepts, or `None` once `stopped`
/// fires; an accept error (e.g. out of descriptors) is waited out. Each
/// answer goes out at once on it (no Nagle / delayed-ACK stall of about
/// 40 ms on a keep-alive connection). Shared with the fake Data Center.
pub(crate) async fn next_connection(
    listener: &tokio::net::TcpListener,
    stopped: &mut oneshot::Receiver<()>,
) -> Option<tokio::net::TcpStream> {
    loop {
        let accepted = tokio::select! {
            _ = &mut *stopped => return None,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                let _ = stream.set_nodelay(true);
                return Some(stream);
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

async fn serve(listener: tokio::net::TcpListener, listening: Listening, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    let listening = Arc::new(listening);
    while let Some(stream) = next_connection(&listener, &mut stopped).await {
        let connection = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let (shared, listening) = (shared.clone(), listening.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(shared.clone(), connection, request));
            let mut builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            builder.http1().title_case_headers(true);
            if listening.http1_only {
                builder = builder.http1_only();
            }
            // A connection error (a failed handshake, a client that went
            // away, a fault that drops the connection) just ends it.
            match &listening.tls {
                None => {
                    let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                }
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
            }
        });
    }
}

/// Takes up a request once a worker is free: computes its answer (on a
/// blocking thread), logs it, waits out the latency, and hands the answer
/// to hyper. An `Err` makes hyper drop the connection without answering.
async fn handle(shared: Arc<Shared>, connection: u64, request: Request<Incoming>) -> io::Result<Response<WireBody>> {
    let permit = shared.workers.clone().acquire_owned().await.map_err(io::Error::other)?;
    let method = request.method().as_str().to_string();
    let url = request.uri().path_and_query().map_or_else(|| request.uri().to_string(), |pq| pq.as_str().to_string());
    let authorization = request.headers().get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let http2 = request.version() == hyper::Version::HTTP_2;

    // The control endpoint: no authentication, latency or faults, and not
    // in the request log.
    if shared.control && url.starts_with(crate::control::PREFIX) {
        let path = url.split_once('?').map_or(url.as_str(), |(p, _)| p);
        let bytes = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let reply = crate::control::answer(&shared.dataset, &method, path, &String::from_utf8_lossy(&bytes));
        return response(Answer::Reply(reply), permit);
    }

    // The answer goes out `latency` after the request was taken up, however
    // long it took to compute (as over a network, where the server's own
    // time is part of the round trip). In flight = from then until the
    // answer goes out: a client that waits for each answer before sending
    // the next request is never counted twice.
    let arrived = Instant::now();
    let latency = SlowPages::latency(shared.slow_pages, &url, shared.latency);
    let delayed = !latency.is_zero();
    if delayed {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    }
    let body = if method == "POST" {
        let bytes = request.into_body().collect().await.map(|b| b.to_bytes());
        String::from_utf8_lossy(&bytes.unwrap_or_default()).into_owned()
    } else {
        String::new()
    };
    let computing = shared.clone();
    let answer =
        tokio::task::spawn_blocking(move || answer(&computing, Received { method, url, authorization, body, connection, http2 }))
            .await
            .map_err(io::Error::other);

    if delayed {
        tokio::time::sleep(latency.saturating_sub(arrived.elapsed())).await;
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    let (answer, logged) = answer?;
    shared.answered(logged);
    response(answer, permit)
}

impl Shared {
    /// Notes in the log how many requests had arrived when the request
    /// at `index` was answered.
    fn answered(&self, index: usize) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let held = log.len();
        if let Some(entry) = log.get_mut(index) {
            entry.answered_after = held;
        }
    }
}

/// A request as it arrived, read off the wire.
struct Received {
    method: String,
    /// Path and query as sent.
    url: String,
    authorization: Option<String>,
    body: String,
    connection: u64,
    http2: bool,
}

/// Authenticates, answers (the token endpoint, a fault, or the API), and
/// logs the request; returns the answer and the request's place in the log.
fn answer(shared: &Shared, received: Received) -> (Answer, usize) {
    let Received { method, url, authorization, body, connection, http2 } = received;
    let url = url.as_str();
    let (path, query_string) = url.split_once('?').unwrap_or((url, ""));
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(query_string.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let authenticated = authenticate(&shared.credentials, authorization.as_deref()).or_else(|e| {
        // Access tokens the OAuth endpoint issued are accepted too.
        let bearer = authorization.as_deref().and_then(|h| h.strip_prefix("Bearer "));
        if bearer.is_some_and(|t| shared.tokens.accepts(t.trim())) {
            Ok(())
        } else {
            Err(e)
        }
    });
    let (answer, fault) = match authenticated {
        _ if method == "POST" && path == TOKEN_PATH => {
            let reply = shared.tokens.grant(shared.oauth.as_ref(), authorization.as_deref(), &body);
            (Answer::Reply(reply), None)
        }
        Err(e) => (Answer::Reply(api_reply(Err(e))), None),
        Ok(()) => {
            let normal = || match &shared.cache {
                Some(cache) if method == "GET" => {
                    if let Some(reply) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(url) {
                        return reply.clone();
                    }
                    let reply = api_reply(route(shared, &method, path, &query));
                    if reply.status == 200 {
                        cache.lock().unwrap_or_else(|e| e.into_inner()).insert(url.to_string(), reply.clone());
                    }
                    reply
                }
                _ => api_reply(route(shared, &method, path, &query)),
            };
            match shared.faults.decide(path, url) {
                None => (Answer::Reply(normal()), None),
                Some(fault) => {
                    let absolute_url = format!("{}{url}", shared.origin);
                    let answer = faults::answer(&fault, normal, &absolute_url, authorization.as_deref());
                    (answer, Some(fault.name().to_string()))
                }
            }
        }
    };

    let mut log = shared.log.lock().unwrap_or_else(|e| e.into_inner());
    log.push(RecordedRequest {
        method,
        path: path.to_string(),
        query,
        authorization,
        status: answer.logged_status(),
        fault,
        connection,
        http2,
        answered_after: 0,
    });
    (answer, log.len() - 1)
}

/// The JSON reply for a handler's result (401s carry `WWW-Authenticate`).
fn api_reply(result: ApiResult) -> Reply {
    match result {
        Ok(body) => Reply::json(200, body),
        Err(ApiError { status, location: Some(location), .. }) => {
            Reply { status, headers: vec![("Location", location)], body: crate::faults::Body::Bytes(Vec::new()) }
        }
        Err(e) => {
            let mut reply = Reply::json(e.status, e.body());
            if e.status == 401 {
                reply.headers.push(("WWW-Authenticate", "Basic realm=\"Bitbucket.org HTTP\"".to_string()));
            }
            reply
        }
    }
}

/// How long a cut-off body waits before the connection drops, so the half
/// that was sent leaves the socket first.
const CUT_OFF_AFTER: Duration = Duration::from_millis(25);

/// The response hyper sends for an answer. The raw answers carry the full
/// `Content-Length` and `Connection: close`: a truncated body stops half
/// way and drops the connection, a slow one comes in 8 pieces with `delay`
/// before each; [`Answer::Drop`] is an error, so nothing is written.
pub(crate) fn response(answer: Answer, permit: tokio::sync::OwnedSemaphorePermit) -> io::Result<Response<WireBody>> {
    match answer {
        Answer::Reply(reply) => {
            let len = reply.body.len();
            let steps = reply.body.into_steps();
            build(reply.status, &reply.headers, len, false, steps, permit)
        }
        Answer::Drop => Err(io::Error::other("fault: connection dropped")),
        Answer::Truncated(reply) => {
            let bytes = reply.body.into_bytes();
            let half = Step::Data(bytes[..bytes.len() / 2].to_vec().into());
            let steps = vec![half, Step::Pause(CUT_OFF_AFTER), Step::Fail];
            build(reply.status, &reply.headers, bytes.len(), true, steps, permit)
        }
        Answer::Slow(reply, delay) => {
            let bytes = reply.body.into_bytes();
            let len = bytes.len();
            let steps = (0..8)
                .flat_map(|i| {
                    let piece = bytes[i * len / 8..(i + 1) * len / 8].to_vec();
                    [Step::Pause(delay), Step::Data(piece.into())]
                })
                .collect();
            build(reply.status, &reply.headers, len, true, steps, permit)
        }
    }
}

/// A response with this status and headers, `Content-Length: len`,
/// `Connection: close` if `close`, and `steps` as its body.
fn build(
    status: u16,
    reply_headers: &[(&'static str, String)],
    len: usize,
    close: bool,
    steps: Vec<Step>,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> io::Result<Response<WireBody>> {
    let mut response = Response::new(WireBody::new(steps, Some(permit)));
    *response.status_mut() = StatusCode::from_u16(status).map_err(io::Error::other)?;
    let headers = response.headers_mut();
    for (name, value) in reply_headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(io::Error::other)?;
        let value = HeaderValue::from_str(value).map_err(io::Error::other)?;
        headers.append(name, value);
    }
    headers.insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(len));
    if close {
        headers.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}

/// Strips the prefix, splits and decodes the path, dispatches, and applies
/// `fields` to a successful answer.
fn route(shared: &Shared, method: &str, path: &str, query: &[(String, String)]) -> ApiResult {
    let rest = if shared.prefix.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(shared.prefix.as_str()).filter(|r| r.is_empty() || r.starts_with('/'))
    };
    let Some(rest) = rest else {
        return Err(ApiError::not_found("Resource not found"));
    };
    let decoded: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let req = ApiRequest { dataset: &shared.dataset, raw_path: path, query, link_origin: &shared.link_origin };
    let mut body = dispatch(&req, method, &segments)?;
    if let Some(api) = &shared.minimal {
        let full: serde_json::Value = serde_json::from_str(&body).map_err(|e| ApiError::new(500, e.to_string()))?;
        body = api.minimal(rest, &full).to_string();
    }
    Ok(fields::apply(body, query.iter().filter(|(k, _)| k == "fields").map(|(_, v)| v.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_normalisation() {
        assert_eq!(normalise_prefix("/2.0"), "/2.0");
        assert_eq!(normalise_prefix("2.0/"), "/2.0");
        assert_eq!(normalise_prefix(""), "");
        assert_eq!(normalise_prefix("/"), "");
    }
}
