//! The wire: GETs over the host's `wasi:http/outgoing-handler`, several in
//! flight at once (one pollable each, all polled together: whichever is
//! answered first is taken first). The host decides what may be reached;
//! this module only sends, waits and reads each body up to a cap.

use crate::client::{RawResponse, Transport, MAX_BODY_BYTES};
use crate::config::Timeouts;
use crate::error::{Error, ErrorCode, Result};
use crate::url::Url;
use std::time::Duration;
use wasi::clocks::monotonic_clock;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    http_error_code, ErrorCode as HttpErrorCode, Fields, FutureIncomingResponse, IncomingResponse, Method, OutgoingRequest,
    Scheme,
};
use wasi::http::types::{OutgoingBody, RequestOptions};
use wasi::io::poll::{poll, Pollable};
use wasi::io::streams::StreamError;

/// Sends requests through the host's wasi:http implementation, with the
/// configured timeouts as request options.
pub struct WasiHttp {
    timeouts: Timeouts,
}

impl WasiHttp {
    pub fn new(timeouts: Timeouts) -> Self {
        WasiHttp { timeouts }
    }

    fn options(&self) -> RequestOptions {
        let options = RequestOptions::new();
        let nanos = |d: Duration| d.as_nanos().min(u64::MAX.into()) as u64;
        // A host may not support a timeout; it then applies its own.
        let _ = options.set_connect_timeout(Some(nanos(self.timeouts.connect)));
        let _ = options.set_first_byte_timeout(Some(nanos(self.timeouts.first_byte)));
        let _ = options.set_between_bytes_timeout(Some(nanos(self.timeouts.between_bytes)));
        options
    }
}

impl Transport for WasiHttp {
    /// The request's authority (for messages) and its future response, or
    /// why it could not be sent.
    type Pending = Result<(String, FutureIncomingResponse)>;

    fn now(&self) -> Duration {
        Duration::from_nanos(monotonic_clock::now())
    }

    fn sleep(&mut self, duration: Duration) {
        monotonic_clock::subscribe_duration(duration.as_nanos().min(u64::MAX.into()) as u64).block();
    }

    fn send(&mut self, url: &Url, headers: &[(&str, &str)]) -> Self::Pending {
        self.start(Method::Get, url, headers, None)
    }

    fn wait_any(&mut self, pending: &[&Self::Pending]) -> Vec<usize> {
        // One pollable per request still on its way; a request that could
        // not be sent is answered already.
        let mut waiting: Vec<(usize, Pollable)> = Vec::new();
        for (i, request) in pending.iter().enumerate() {
            match request {
                Err(_) => return vec![i],
                Ok((_, future)) => waiting.push((i, future.subscribe())),
            }
        }
        let ready = poll(&waiting.iter().map(|(_, p)| p).collect::<Vec<_>>());
        ready.into_iter().map(|k| waiting[k as usize].0).collect()
    }

    fn take(&mut self, pending: Self::Pending) -> Result<RawResponse> {
        // The body is read at once, in full: a server blocked on an unread
        // body must not hold up the answers still awaited.
        let (authority, future) = pending?;
        let result = match future.get() {
            Some(result) => result,
            None => {
                future.subscribe().block();
                future.get().expect("the pollable said it is ready")
            }
        };
        head(&authority, result).and_then(read_response)
    }

    fn post(&mut self, url: &Url, headers: &[(&str, &str)], body: &[u8]) -> Result<RawResponse> {
        let pending = self.start(Method::Post, url, headers, Some(body));
        self.take(pending)
    }
}

/// A response head from a resolved future.
fn head(
    authority: &str,
    result: std::result::Result<std::result::Result<IncomingResponse, HttpErrorCode>, ()>,
) -> Result<IncomingResponse> {
    match result {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(e)) => Err(transport_error(authority, &e)),
        Err(()) => Err(Error::new(ErrorCode::Transport, "the response was already taken")),
    }
}

impl WasiHttp {
    /// Sends one request (and its body, if any) and returns the future of
    /// its response, with the authority for error messages.
    fn start(
        &mut self,
        method: Method,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<(String, FutureIncomingResponse)> {
        let fields: Vec<(String, Vec<u8>)> = headers.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
        let fields = Fields::from_list(&fields)
            .map_err(|e| Error::new(ErrorCode::Transport, format!("the host refused a request header ({e:?})")))?;
        let request = OutgoingRequest::new(fields);
        let scheme = if url.scheme() == "https" { Scheme::Https } else { Scheme::Http };
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let path_with_query = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let built = request.set_method(&method).is_ok()
            && request.set_scheme(Some(&scheme)).is_ok()
            && request.set_authority(Some(&authority)).is_ok()
            && request.set_path_with_query(Some(&path_with_query)).is_ok();
        if !built {
            return Err(Error::new(ErrorCode::Transport, format!("cannot build a request for {authority}")));
        }

        let outgoing = request.body().map_err(|()| Error::new(ErrorCode::Transport, "the request body was already taken"))?;
        let pending = outgoing_handler::handle(request, Some(self.options())).map_err(|e| transport_error(&authority, &e))?;
        if let Some(body) = body {
            let stream =
                outgoing.write().map_err(|()| Error::new(ErrorCode::Transport, "the request body stream was already taken"))?;
            // Small bodies only (a token request): one blocking write and flush.
            stream
                .blocking_write_and_flush(body)
                .map_err(|e| Error::new(ErrorCode::Transport, format!("sending the request body failed ({e:?})")).retryable())?;
            drop(stream);
        }
        OutgoingBody::finish(outgoing, None).map_err(|e| transport_error(&authority, &e))?;
        Ok((authority, pending))
    }
}

fn read_response(response: IncomingResponse) -> Result<RawResponse> {
    let status = response.status();
    let headers = response.headers();
    let header = |name: &str| headers.get(name).into_iter().next().map(|v| String::from_utf8_lossy(&v).into_owned());
    let content_type = header("content-type");
    let retry_after = header("retry-after");
    let rate_limit_reset = header("x-ratelimit-reset");
    let login = header("x-ausername");
    let location = header("location");
    drop(headers);

    let body = response.consume().map_err(|()| Error::new(ErrorCode::Transport, "the response body was already taken"))?;
    let mut bytes = Vec::new();
    {
        let stream =
            body.stream().map_err(|()| Error::new(ErrorCode::Transport, "the response body stream was already taken"))?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                        return Err(Error::new(
                            ErrorCode::LimitExceeded,
                            format!("a response body exceeded the {MAX_BODY_BYTES}-byte cap; this is not a Bitbucket API page"),
                        )
                        .with_status(status));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    // wasmtime 48 does not expose a body error's code through
                    // `http-error-code`, so its text is checked as well.
                    let over_cap = matches!(http_error_code(&e), Some(HttpErrorCode::HttpResponseBodySize(_)))
                        || e.to_debug_string().contains("body size");
                    if over_cap {
                        return Err(Error::new(
                            ErrorCode::LimitExceeded,
                            "the host cut off a response body larger than its cap; this is not a Bitbucket API page",
                        )
                        .with_status(status));
                    }
                    return Err(Error::new(
                        ErrorCode::Transport,
                        format!("the connection failed while reading the response body ({})", e.to_debug_string()),
                    )
                    .with_status(status)
                    .retryable());
                }
            }
        }
    }
    drop(body);
    Ok(RawResponse { status, content_type, retry_after, rate_limit_reset, location, login, body: bytes })
}

fn transport_error(authority: &str, error: &HttpErrorCode) -> Error {
    if let HttpErrorCode::HttpResponseBodySize(size) = error {
        let size = size.map(|s| format!(" of {s} bytes")).unwrap_or_default();
        return Error::new(
            ErrorCode::LimitExceeded,
            format!("the host refused a response body{size} from {authority}: larger than its cap"),
        );
    }
    let (what, transient) = match error {
        HttpErrorCode::HttpRequestDenied => ("the host does not allow this connector to reach it".to_string(), false),
        HttpErrorCode::ConnectionRefused => ("the connection was refused".to_string(), true),
        HttpErrorCode::DnsError(_) => ("the host name did not resolve".to_string(), false),
        HttpErrorCode::TlsCertificateError => ("the server's TLS certificate was refused".to_string(), false),
        HttpErrorCode::TlsProtocolError | HttpErrorCode::TlsAlertReceived(_) => ("the TLS handshake failed".to_string(), false),
        HttpErrorCode::ConnectionTimeout | HttpErrorCode::HttpResponseTimeout | HttpErrorCode::ConnectionReadTimeout => {
            ("it timed out (see `timeouts` in the configuration)".to_string(), true)
        }
        HttpErrorCode::ConnectionTerminated | HttpErrorCode::HttpResponseIncomplete | HttpErrorCode::HttpProtocolError => {
            (format!("the connection dropped ({error:?})"), true)
        }
        other => (format!("{other:?}"), false),
    };
    let error = Error::new(ErrorCode::Transport, format!("request to {authority} failed: {what}"));
    if transient {
        error.retryable()
    } else {
        error
    }
}
