//! The HTTP side: tiny_http server (TCP_NODELAY), worker threads,
//! authentication, request log, fault injection, `fields` pruning, and
//! [`send`], which puts every answer on the wire.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::data::Dataset;
use super::faults::{self, Answer, FaultInjector, Reply};
use super::fields;
use super::oauth::{OAuthClient, TokenState, TOKEN_PATH};
use super::routes::{dispatch, ApiError, ApiRequest, ApiResult};
use super::util::{base64_decode, percent_decode};
use super::{Credentials, FakeOptions, RecordedRequest};
use anyhow::{anyhow, Context};

/// State shared by the worker threads.
struct Shared {
    dataset: Dataset,
    credentials: Credentials,
    /// Normalised: "" or "/2.0" (leading slash, no trailing slash).
    prefix: String,
    /// Origin written into `next`/`previous` links.
    link_origin: String,
    /// The listening address, e.g. `127.0.0.1:41234`, and as an origin.
    addr: SocketAddr,
    origin: String,
    latency: Duration,
    faults: FaultInjector,
    oauth: Option<OAuthClient>,
    tokens: TokenState,
    log: Mutex<Vec<RecordedRequest>>,
    /// Requests being handled right now, and the most there have been.
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// A running fake Bitbucket Cloud API. Dropping it stops and joins the worker
/// threads and closes the listening socket.
pub struct FakeBitbucket {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    shutdown: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    origin: String,
}

impl FakeBitbucket {
    /// Binds `127.0.0.1:0` and serves on [`FakeOptions::workers`] threads.
    pub fn start(options: FakeOptions) -> anyhow::Result<FakeBitbucket> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .context("fake Bitbucket: cannot bind 127.0.0.1:0")?;
        set_nodelay_for_accepted(&listener);
        let server = tiny_http::Server::from_listener(listener, None)
            .map_err(|e| anyhow!("fake Bitbucket: cannot serve on 127.0.0.1:0: {e}"))?;
        let addr = server
            .server_addr()
            .to_ip()
            .context("fake Bitbucket: listener has no IP address")?;
        let origin = format!("http://{addr}");
        let link_origin = options
            .next_origin_override
            .map(|o| o.trim_end_matches('/').to_string())
            .unwrap_or_else(|| origin.clone());

        let prefix = normalise_prefix(&options.path_prefix);
        let shared = Arc::new(Shared {
            dataset: options.dataset.with_api_root(&format!("{origin}{prefix}")),
            credentials: options.credentials,
            prefix,
            link_origin,
            addr,
            origin: origin.clone(),
            latency: options.latency,
            faults: FaultInjector::new(options.faults),
            tokens: TokenState::new(options.oauth.as_ref()),
            oauth: options.oauth,
            log: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let server = Arc::new(server);
        let shutdown = Arc::new(AtomicBool::new(false));
        let workers = (0..options.workers.max(1))
            .map(|i| {
                let (shared, server, shutdown) = (shared.clone(), server.clone(), shutdown.clone());
                std::thread::Builder::new()
                    .name(format!("fake-bitbucket-{i}"))
                    .spawn(move || worker(&shared, &server, &shutdown))
                    .context("fake Bitbucket: cannot spawn worker thread")
            })
            .collect::<anyhow::Result<Vec<_>>>()?;

        Ok(FakeBitbucket {
            shared,
            server,
            shutdown,
            workers,
            origin,
        })
    }

    /// Origin plus API prefix, e.g. `http://127.0.0.1:41234/2.0`.
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
    pub fn update_pull_request(
        &self,
        workspace: &str,
        repo: &str,
        id: u64,
        when: &str,
        title: &str,
    ) {
        self.shared
            .dataset
            .update_pull_request(workspace, repo, id, when, title);
    }

    /// Adds a comment (by the pull request's author, created and updated at
    /// `when`, as for [`update_pull_request`](Self::update_pull_request)) to
    /// pull request `pr_id`; `…/comments` (BBQL `created_on` / `updated_on`
    /// filters included) and the activity show it, and the pull request's
    /// `comment_count` grows and its `updated_on` moves to `when`. Returns the
    /// comment's id. See [`Dataset::add_pull_request_comment`].
    pub fn add_pull_request_comment(
        &self,
        workspace: &str,
        repo: &str,
        pr_id: u64,
        when: &str,
        text: &str,
    ) -> u64 {
        self.shared
            .dataset
            .add_pull_request_comment(workspace, repo, pr_id, when, text)
    }

    /// The accepted credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.shared.credentials
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
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

    /// Clears the request log and the in-flight high-water mark.
    pub fn clear_requests(&self) {
        self.shared.max_in_flight.store(0, Ordering::SeqCst);
        self.shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

impl Drop for FakeBitbucket {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        // Each unblock() wakes exactly one recv().
        for _ in 0..self.workers.len() {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
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

fn worker(shared: &Shared, server: &tiny_http::Server, shutdown: &AtomicBool) {
    loop {
        match server.recv() {
            Ok(request) => handle(shared, request),
            Err(_) if shutdown.load(Ordering::SeqCst) => return,
            Err(_) => continue, // an accept error: keep serving
        }
    }
}

fn handle(shared: &Shared, mut request: tiny_http::Request) {
    let method = request.method().as_str().to_string();
    let url = request.url().to_string();
    let (path, query_string) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let query: Vec<(String, String)> = url::form_urlencoded::parse(query_string.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let authorization = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());

    // The answer goes out `latency` after the request arrived, however long
    // it took to compute (as over a network, where the server's own time is
    // part of the round trip). In flight = from arrival until then: a
    // client that waits for each answer before sending the next request is
    // never counted twice.
    let arrived = std::time::Instant::now();
    let delayed = !shared.latency.is_zero();
    if delayed {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    }
    let authenticated = authenticate(&shared.credentials, authorization.as_deref()).or_else(|e| {
        // Access tokens the OAuth endpoint issued are accepted too.
        let bearer = authorization
            .as_deref()
            .and_then(|h| h.strip_prefix("Bearer "));
        if bearer.is_some_and(|t| shared.tokens.accepts(t.trim())) {
            Ok(())
        } else {
            Err(e)
        }
    });
    let (answer, fault) = match authenticated {
        _ if method == "POST" && path == TOKEN_PATH => {
            let mut body = String::new();
            let _ = std::io::Read::read_to_string(&mut request.as_reader(), &mut body);
            let reply = shared
                .tokens
                .grant(shared.oauth.as_ref(), authorization.as_deref(), &body);
            (Answer::Reply(reply), None)
        }
        Err(e) => (Answer::Reply(api_reply(Err(e))), None),
        Ok(()) => {
            let normal = || api_reply(route(shared, &method, path, &query));
            match shared.faults.decide(path, &url) {
                None => (Answer::Reply(normal()), None),
                Some(fault) => {
                    let absolute_url = format!("{}{url}", shared.origin);
                    let answer =
                        faults::answer(&fault, normal, &absolute_url, authorization.as_deref());
                    (answer, Some(fault.name().to_string()))
                }
            }
        }
    };

    shared
        .log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(RecordedRequest {
            method,
            path: path.to_string(),
            query,
            authorization,
            status: answer.logged_status(),
            fault,
        });

    if delayed {
        std::thread::sleep(shared.latency.saturating_sub(arrived.elapsed()));
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    send(shared, request, answer);
}

/// The JSON reply for a handler's result (401s carry `WWW-Authenticate`).
fn api_reply(result: ApiResult) -> Reply {
    match result {
        Ok(body) => Reply::json(200, body),
        Err(e) => {
            let mut reply = Reply::json(e.status, e.body());
            if e.status == 401 {
                reply.headers.push((
                    "WWW-Authenticate",
                    "Basic realm=\"Bitbucket.org HTTP\"".to_string(),
                ));
            }
            reply
        }
    }
}

/// Puts an answer on the wire. A [`Reply`] goes through tiny_http; the raw
/// answers write their own head and body through the request's raw writer
/// and then close the connection.
fn send(shared: &Shared, request: tiny_http::Request, answer: Answer) {
    let peer = request.remote_addr().copied();
    match answer {
        Answer::Reply(reply) => {
            let headers = reply
                .headers
                .iter()
                .map(|(name, value)| header(name, value))
                .collect();
            let length = reply.body.len();
            let response = tiny_http::Response::new(
                tiny_http::StatusCode(reply.status),
                headers,
                reply.body.into_reader(),
                Some(length),
                None,
            );
            let _ = request.respond(response);
            return;
        }
        Answer::Drop => drop(request.into_writer()),
        Answer::Truncated(reply) => {
            let mut out = request.into_writer();
            let _ = write_raw(&mut out, reply, |out, body| {
                out.write_all(&body[..body.len() / 2])
            });
        }
        Answer::Slow(reply, delay) => {
            let mut out = request.into_writer();
            let _ = write_raw(&mut out, reply, |out, body| {
                for i in 0..8 {
                    std::thread::sleep(delay);
                    out.write_all(&body[i * body.len() / 8..(i + 1) * body.len() / 8])?;
                    out.flush()?;
                }
                Ok(())
            });
        }
    }
    if let Some(peer) = peer {
        close_connection(shared.addr, peer);
    }
}

/// Writes the head of `reply` (with the full Content-Length and
/// `Connection: close`), lets `body` write (some of) the body, and flushes.
fn write_raw(
    out: &mut dyn Write,
    reply: Reply,
    body: impl FnOnce(&mut dyn Write, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let bytes = reply.body.into_bytes();
    let reason = tiny_http::StatusCode(reply.status).default_reason_phrase();
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        bytes.len()
    ));
    out.write_all(head.as_bytes())?;
    out.flush()?;
    body(out, &bytes)?;
    out.flush()
}

/// Closes the server side of the connection from `peer`, after what was
/// written so far. tiny_http keeps a keep-alive connection open after a raw
/// writer is dropped (waiting for the next request) and has no API to close
/// it, so this finds its socket among the process's descriptors by its two
/// addresses and shuts it down both ways: the client sees EOF, and tiny_http's
/// reader sees EOF and drops the connection.
#[cfg(unix)]
fn close_connection(local: SocketAddr, peer: SocketAddr) {
    use std::mem::ManuallyDrop;
    use std::net::{Shutdown, TcpStream};
    use std::os::fd::{FromRawFd, RawFd};

    let Ok(dir) = std::fs::read_dir("/proc/self/fd").or_else(|_| std::fs::read_dir("/dev/fd"))
    else {
        return;
    };
    let fds: Vec<RawFd> = dir
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    for fd in fds {
        // SAFETY: the descriptor is only borrowed, for getsockname, getpeername
        // and shutdown, and never closed (ManuallyDrop). On a descriptor that is
        // not a TCP socket (or was closed meanwhile) these calls just fail.
        let socket = ManuallyDrop::new(unsafe { TcpStream::from_raw_fd(fd) });
        if socket.local_addr().ok() == Some(local) && socket.peer_addr().ok() == Some(peer) {
            let _ = socket.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Turns Nagle's algorithm off for the connections `listener` accepts (they
/// inherit TCP_NODELAY from the listening socket). tiny_http has no option for
/// it, and with Nagle on, every answer on a keep-alive connection waited about
/// 40 ms: tiny_http writes the head and the body separately, and the body's
/// last segment was held back until the client's delayed ACK of the head.
#[cfg(unix)]
fn set_nodelay_for_accepted(listener: &std::net::TcpListener) {
    use std::mem::ManuallyDrop;
    use std::net::TcpStream;
    use std::os::fd::{AsRawFd, FromRawFd};

    // SAFETY: the descriptor is only borrowed for one setsockopt and never
    // closed (ManuallyDrop); the listener keeps owning it.
    let socket = ManuallyDrop::new(unsafe { TcpStream::from_raw_fd(listener.as_raw_fd()) });
    let _ = socket.set_nodelay(true);
}

#[cfg(not(unix))]
fn set_nodelay_for_accepted(_listener: &std::net::TcpListener) {}

/// Elsewhere the connection stays open until the client closes it.
#[cfg(not(unix))]
fn close_connection(_local: SocketAddr, _peer: SocketAddr) {}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header is valid")
}

/// Strips the prefix, splits and decodes the path, dispatches, and applies
/// `fields` to a successful answer.
fn route(shared: &Shared, method: &str, path: &str, query: &[(String, String)]) -> ApiResult {
    let rest = if shared.prefix.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(shared.prefix.as_str())
            .filter(|r| r.is_empty() || r.starts_with('/'))
    };
    let Some(rest) = rest else {
        return Err(ApiError::not_found("Resource not found"));
    };
    let decoded: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let req = ApiRequest {
        dataset: &shared.dataset,
        raw_path: path,
        query,
        link_origin: &shared.link_origin,
    };
    let body = dispatch(&req, method, &segments)?;
    Ok(fields::apply(
        body,
        query
            .iter()
            .filter(|(k, _)| k == "fields")
            .map(|(_, v)| v.as_str()),
    ))
}

const INVALID_TOKEN: &str = "Token is invalid, expired, or not supported for this endpoint.";

/// `Basic base64(email:api_token)` or `Bearer <access token>`; scheme names are
/// case-insensitive. An API token sent as Bearer is rejected, as on Bitbucket.
fn authenticate(credentials: &Credentials, header: Option<&str>) -> Result<(), ApiError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty());
    let Some(header) = header else {
        return Err(ApiError::new(401, "Authentication required"));
    };
    let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
    let value = value.trim();
    let ok = if scheme.eq_ignore_ascii_case("basic") {
        base64_decode(value)
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| {
                pair.split_once(':').map(|(user, password)| {
                    user == credentials.email && password == credentials.api_token
                })
            })
            .unwrap_or(false)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        credentials.bearer_tokens.iter().any(|t| t == value)
    } else {
        false
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(401, INVALID_TOKEN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::util::base64_encode;

    #[test]
    fn authentication_rules() {
        let c = Credentials::default();
        let basic = format!(
            "Basic {}",
            base64_encode(b"demo@example.com:demo-api-token")
        );
        assert!(authenticate(&c, Some(&basic)).is_ok());
        assert!(authenticate(&c, Some("bearer demo-access-token")).is_ok());
        assert_eq!(
            authenticate(&c, None).unwrap_err().message,
            "Authentication required"
        );
        for bad in [
            "Bearer demo-api-token".to_string(),
            "Bearer".to_string(),
            format!("Basic {}", base64_encode(b"demo@example.com:wrong")),
            format!(
                "Basic {}",
                base64_encode(b"other@example.com:demo-api-token")
            ),
            "Basic !!!".to_string(),
            "Token demo-access-token".to_string(),
        ] {
            let e = authenticate(&c, Some(&bad)).unwrap_err();
            assert_eq!(
                (e.status, e.message.as_str()),
                (401, INVALID_TOKEN),
                "{bad}"
            );
        }
    }

    #[test]
    fn prefix_normalisation() {
        assert_eq!(normalise_prefix("/2.0"), "/2.0");
        assert_eq!(normalise_prefix("2.0/"), "/2.0");
        assert_eq!(normalise_prefix(""), "");
        assert_eq!(normalise_prefix("/"), "");
    }
}
