//! The host's wall around the guest's outgoing HTTP: which origins a
//! session may reach (the whole authority compared, userinfo refused,
//! http and https only), how many requests it may have in flight and send
//! per run, the timeouts it may ask for, and the cap on each response body.
//! What passes goes out through the session's [`Pool`].

use super::limits::{Limits, IN_FLIGHT_SLACK};
use super::network::{Pool, Trust};
use connector_vocabulary::{auth, DEFAULT_CONCURRENCY, DEFAULT_ENDPOINT, DEFAULT_TOKEN_URL};
use http_body_util::{BodyExt, Limited};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// What one session's configuration lets it reach, read by the host itself.
pub(crate) struct Reach {
    /// `scheme://host[:port]` of the endpoint and, for OAuth, the token URL.
    pub(crate) origins: Vec<String>,
    /// The configured `concurrency` (the connector's default when absent).
    pub(crate) concurrency: usize,
}

impl Reach {
    /// No origin at all (the catalog, an unconfigured session).
    pub(crate) fn nowhere() -> Reach {
        Reach { origins: Vec::new(), concurrency: DEFAULT_CONCURRENCY }
    }
}

/// The origins a config may reach: its endpoint's (Bitbucket Cloud by
/// default) and, for OAuth, its token URL's; and its concurrency. A config
/// the host cannot read allows nothing; the component rejects it with a
/// precise message anyway.
pub(crate) fn reach(config_json: &str) -> Reach {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(config_json) else {
        return Reach::nowhere();
    };
    let text = |v: Option<&serde_json::Value>, default: &'static str| match v {
        None | Some(serde_json::Value::Null) => Some(default.to_string()),
        Some(v) => v.as_str().map(str::to_string),
    };
    let mut urls = vec![text(value.get("endpoint"), DEFAULT_ENDPOINT)];
    let auth_object = value.get(auth::KEY);
    if auth_object.and_then(|a| a.get(auth::TYPE)).and_then(|t| t.as_str()) == Some(auth::OAUTH) {
        let token_url = auth_object.and_then(|a| a.get("token_url"));
        urls.push(text(token_url, DEFAULT_TOKEN_URL));
    }
    let origins = urls
        .into_iter()
        .flatten()
        .filter_map(|u| url::Url::parse(u.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.origin().ascii_serialization())
        .collect();
    let concurrency = value.get("concurrency").and_then(serde_json::Value::as_u64).map_or(DEFAULT_CONCURRENCY, |n| n as usize);
    Reach { origins, concurrency }
}

/// The counters a session reads after each call into the guest.
#[derive(Default)]
pub(crate) struct WallCounters {
    /// Requests sent in the current run (reset when a run starts).
    pub(crate) requests: AtomicU64,
    /// Set when a request was refused for going past the run's budget.
    pub(crate) over_budget: AtomicBool,
    /// The last TLS failure, for a person: which host, which problem.
    pub(crate) tls_failure: Mutex<Option<String>>,
}

/// The host's wall around outgoing HTTP, one per session.
pub(crate) struct HttpWall {
    allowed_origins: Vec<String>,
    max_response_bytes: usize,
    max_requests_per_run: u64,
    max_outgoing_body_chunk: usize,
    max_timeout: Duration,
    default_timeout: Duration,
    /// Permits for requests in flight: a request holds one from before it
    /// connects until its connection is done.
    in_flight: Arc<Semaphore>,
    pool: Arc<Pool>,
    pub(crate) counters: Arc<WallCounters>,
}

impl HttpWall {
    pub(crate) fn new(reach: Reach, limits: &Limits, trust: &Trust) -> HttpWall {
        let in_flight = (reach.concurrency + IN_FLIGHT_SLACK).min(limits.max_in_flight).max(1);
        let counters = Arc::<WallCounters>::default();
        let pool = Pool::new(trust, in_flight, limits.max_request_timeout, counters.clone());
        HttpWall {
            allowed_origins: reach.origins,
            max_response_bytes: limits.max_response_bytes,
            max_requests_per_run: limits.max_requests_per_run,
            max_outgoing_body_chunk: limits.max_outgoing_body_chunk,
            max_timeout: limits.max_request_timeout,
            default_timeout: limits.default_request_timeout,
            in_flight: Arc::new(Semaphore::new(in_flight)),
            pool: Arc::new(pool),
            counters,
        }
    }

    /// The guest's timeouts within the host's maximum, the host's default
    /// where it set none.
    fn clamp(&self, options: Option<RequestOptions>) -> RequestOptions {
        let options = options.unwrap_or_default();
        let clamp = |t: Option<Duration>| Some(t.unwrap_or(self.default_timeout).min(self.max_timeout));
        RequestOptions {
            connect_timeout: clamp(options.connect_timeout),
            first_byte_timeout: clamp(options.first_byte_timeout),
            between_bytes_timeout: clamp(options.between_bytes_timeout),
        }
    }
}

type BoxedFuture<T> = Box<dyn Future<Output = T> + Send>;

impl WasiHttpHooks for HttpWall {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: BoxedFuture<Result<(), HttpError>>,
    ) -> BoxedFuture<wasmtime_wasi_http::Result<(http::Response<WasiBody>, BoxedFuture<Result<(), HttpError>>)>> {
        let _ = fut;
        let allowed = request_origin(request.uri()).is_some_and(|o| self.allowed_origins.contains(&o));
        let sent = self.counters.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let over_budget = sent > self.max_requests_per_run;
        if over_budget {
            self.counters.over_budget.store(true, Ordering::Relaxed);
        }
        let cap = self.max_response_bytes;
        let options = self.clamp(options);
        let (in_flight, pool) = (self.in_flight.clone(), self.pool.clone());
        Box::new(async move {
            if !allowed || over_budget {
                return Err(HttpError::HttpRequestDenied);
            }
            // The permit goes with the response body: a request is in
            // flight until its body is done or dropped.
            let permit = in_flight.acquire_owned().await.map_err(|_| HttpError::HttpRequestDenied)?;
            let response = pool.send(request, options, permit).await?;
            // Refuse a declared oversize body up front (the guest sees a
            // typed body-size error); an undeclared one is cut off below.
            let declared = response.headers().get(http::header::CONTENT_LENGTH);
            if let Some(length) = declared.and_then(|v| v.to_str().ok()?.parse::<u64>().ok()) {
                if length > cap as u64 {
                    return Err(HttpError::HttpResponseBodySize(Some(length)));
                }
            }
            let response = response.map(|body| {
                Limited::new(body, cap)
                    .map_err(move |e| match e.downcast::<HttpError>() {
                        Ok(inner) => *inner,
                        Err(_) => HttpError::HttpResponseBodySize(Some(cap as u64)),
                    })
                    .boxed_unsync()
            });
            // The pool drives its connections itself.
            Ok((response, Box::new(async { Ok(()) }) as BoxedFuture<_>))
        })
    }

    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        self.max_outgoing_body_chunk
    }
}

/// `scheme://host[:port]` of a request, or `None` for anything the wall
/// refuses outright: another scheme, no host, or userinfo in the authority
/// (`http://a@b/` connects to `b` while it reads as `a`).
fn request_origin(uri: &http::Uri) -> Option<String> {
    let scheme = uri.scheme_str().filter(|s| matches!(*s, "http" | "https"))?;
    let authority = uri.authority()?;
    if authority.as_str().contains('@') {
        return None;
    }
    let host = authority.host();
    let port = authority.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
    let default = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    Some(if default { format!("{scheme}://{host}") } else { format!("{scheme}://{host}:{port}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(uri: &str) -> Option<String> {
        request_origin(&uri.parse().unwrap())
    }

    #[test]
    fn the_whole_authority_is_compared_and_userinfo_refused() {
        assert_eq!(origin("http://127.0.0.1:8080/2.0/user").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin("https://api.bitbucket.org:443/2.0").as_deref(), Some("https://api.bitbucket.org"));
        assert_eq!(origin("http://127.0.0.1:1@127.0.0.1:8080/"), None);
        assert_eq!(origin("http://user@127.0.0.1:8080/"), None);
        assert_eq!(origin("ftp://127.0.0.1:8080/"), None);
    }

    #[test]
    fn reach_reads_origins_and_concurrency() {
        let r = reach(
            r#"{"endpoint":"http://127.0.0.1:9/2.0","auth":{"type":"oauth","token_url":"http://127.0.0.1:10/t"},"concurrency":3}"#,
        );
        assert_eq!(r.origins, ["http://127.0.0.1:9", "http://127.0.0.1:10"]);
        assert_eq!(r.concurrency, 3);
        let r = reach(r#"{"auth":{"type":"bearer"}}"#);
        assert_eq!(r.origins, ["https://api.bitbucket.org"]);
        assert_eq!(r.concurrency, DEFAULT_CONCURRENCY);
        assert!(reach("not json").origins.is_empty());
        assert!(reach(r#"{"endpoint":"file:///etc/passwd"}"#).origins.is_empty());
    }

    #[test]
    fn timeouts_are_clamped_and_defaulted() {
        let limits = Limits::default();
        let wall = HttpWall::new(reach("{}"), &limits, &Trust::system().unwrap());
        let huge = Some(Duration::from_secs(10 * 365 * 86_400));
        let o = wall.clamp(Some(RequestOptions {
            connect_timeout: huge,
            first_byte_timeout: None,
            between_bytes_timeout: Some(Duration::from_secs(2)),
        }));
        assert_eq!(o.connect_timeout, Some(limits.max_request_timeout));
        assert_eq!(o.first_byte_timeout, Some(limits.default_request_timeout));
        assert_eq!(o.between_bytes_timeout, Some(Duration::from_secs(2)));
    }
}
