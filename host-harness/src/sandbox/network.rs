//! The real network under the wall: which certificate authorities a host
//! trusts ([`Trust`]), and one pooled HTTP client per session ([`Pool`]):
//! keep-alive, HTTP/2 by ALPN where the server offers it and HTTP/1.1
//! otherwise, a bounded number of idle connections that close after
//! [`IDLE_TIMEOUT`]. Tenants never share a pool, so never a connection.
//!
//! Certificate checks cannot be turned off: a private CA is added to what
//! is trusted (`ca_file`), nothing is ever trusted blindly. A failed TLS
//! handshake is told to the guest as the wasi:http error code, and to the
//! person through the session, with the host and the certificate problem.

use super::http_wall::WallCounters;
use http_body_util::BodyExt;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody};

/// How long an idle pooled connection stays open.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The certificate authorities a host's sessions trust: the system's store
/// (Mozilla's roots if the system has none), plus the `ca_file`'s.
#[derive(Clone)]
pub struct Trust {
    config: Arc<rustls::ClientConfig>,
    /// The private CA file, for error messages.
    ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust").field("ca_file", &self.ca_file).finish_non_exhaustive()
    }
}

impl Trust {
    /// The system's trust store (read once per process).
    pub fn system() -> anyhow::Result<Trust> {
        static SYSTEM: OnceLock<Result<Trust, String>> = OnceLock::new();
        SYSTEM.get_or_init(|| Trust::build(None).map_err(|e| format!("{e:#}"))).clone().map_err(anyhow::Error::msg)
    }

    /// The system's trust store plus every certificate in the PEM file
    /// `ca_file` (a private CA, e.g. a Data Center instance's).
    pub fn with_ca_file(ca_file: &Path) -> anyhow::Result<Trust> {
        Trust::build(Some(ca_file))
    }

    fn build(ca_file: Option<&Path>) -> anyhow::Result<Trust> {
        let mut roots = rustls::RootCertStore::empty();
        // Unreadable entries of the system store are skipped, as curl does.
        let system = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(system.certs);
        if added == 0 {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if let Some(path) = ca_file {
            let shown = path.display();
            let certificates = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| anyhow::anyhow!("the CA file {shown} cannot be read as PEM certificates: {e}"))?;
            if certificates.is_empty() {
                anyhow::bail!("the CA file {shown} holds no certificate (expected PEM `BEGIN CERTIFICATE` blocks)");
            }
            for certificate in certificates {
                roots
                    .add(certificate)
                    .map_err(|e| anyhow::anyhow!("the CA file {shown} holds a certificate that is not a usable CA: {e}"))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Trust { config: Arc::new(config), ca_file: ca_file.map(Path::to_path_buf) })
    }
}

type HttpsConnector = hyper_rustls::HttpsConnector<HttpConnector>;

/// One session's connections.
pub(crate) struct Pool {
    client: Client<HttpsConnector, WasiBody>,
    trust: Trust,
    /// Where a TLS failure is described for the session.
    counters: Arc<WallCounters>,
}

impl Pool {
    /// A pool keeping at most `max_idle` idle connections per origin.
    pub(crate) fn new(trust: &Trust, max_idle: usize, connect_timeout: Duration, counters: Arc<WallCounters>) -> Pool {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(connect_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(trust.config.as_ref().clone())
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(IDLE_TIMEOUT)
            .pool_max_idle_per_host(max_idle)
            .timer(TokioTimer::new())
            .build(https);
        Pool { client, trust: trust.clone(), counters }
    }

    /// Sends `request` on a pooled connection (opening one if none is
    /// idle). Connecting and the response's head must come within the
    /// connect and first-byte timeouts, each chunk of the body within the
    /// between-bytes timeout; `permit` is held until the body is done.
    pub(crate) async fn send(
        &self,
        request: http::Request<WasiBody>,
        options: RequestOptions,
        permit: OwnedSemaphorePermit,
    ) -> Result<http::Response<WasiBody>, HttpError> {
        let authority = request.uri().authority().map_or_else(String::new, |a| a.to_string());
        let head_timeout = options.connect_timeout.unwrap_or_default() + options.first_byte_timeout.unwrap_or_default();
        let between_bytes = options.between_bytes_timeout.unwrap_or_default().max(Duration::from_millis(1));
        let response = match tokio::time::timeout(head_timeout, self.client.request(request)).await {
            Err(_elapsed) => return Err(HttpError::ConnectionReadTimeout),
            Ok(Err(e)) => return Err(self.request_error(&authority, &e)),
            Ok(Ok(response)) => response,
        };
        Ok(response.map(|incoming| TimedBody::new(incoming, between_bytes, permit).boxed_unsync()))
    }

    /// The wasi:http error code for a failed request; a TLS failure is
    /// also described for a person in [`WallCounters::tls_failure`].
    fn request_error(&self, authority: &str, error: &hyper_util::client::legacy::Error) -> HttpError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = source {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                let (code, what) = tls_problem(tls);
                let advice = match &self.trust.ca_file {
                    Some(path) => format!("the host trusts the system's authorities and {}", path.display()),
                    None => "if the server uses a private CA, give its certificate with `ca_file` or `--ca-file`".to_string(),
                };
                *self.counters.tls_failure.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(format!("TLS with {authority} failed: {what} ({advice})"));
                return code;
            }
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => return HttpError::ConnectionRefused,
                    std::io::ErrorKind::TimedOut => return HttpError::ConnectionTimeout,
                    _ => {}
                }
            }
            if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
                return hyper_error(hyper);
            }
            source = inner(e);
        }
        if error.to_string().contains("dns error") || format!("{error:?}").contains("dns error") {
            return HttpError::DnsError { rcode: Some("the host name did not resolve".to_string()), info_code: None };
        }
        if error.is_connect() {
            return HttpError::ConnectionRefused;
        }
        HttpError::HttpProtocolError
    }
}

/// The error `e` carries: an I/O error's own (which its `source` skips),
/// otherwise its source.
fn inner<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a (dyn std::error::Error + 'static)> {
    match e.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
        Some(carried) => Some(carried as &(dyn std::error::Error + 'static)),
        None => e.source(),
    }
}

/// The wasi:http code of a TLS failure, and what went wrong in words.
fn tls_problem(error: &rustls::Error) -> (HttpError, String) {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(problem) => {
            let what = match problem {
                C::UnknownIssuer => "its certificate was issued by an authority this host does not trust".to_string(),
                C::Expired | C::ExpiredContext { .. } => format!("its certificate has expired ({problem})"),
                C::NotValidYet | C::NotValidYetContext { .. } => format!("its certificate is not valid yet ({problem})"),
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    format!("its certificate is for another name ({problem})")
                }
                C::Revoked => "its certificate was revoked".to_string(),
                other => format!("its certificate was refused ({other})"),
            };
            (HttpError::TlsCertificateError, what)
        }
        rustls::Error::AlertReceived(alert) => (
            HttpError::TlsAlertReceived { alert_id: Some(u8::from(*alert)), alert_message: Some(format!("{alert:?}")) },
            format!("the server sent the TLS alert {alert:?}"),
        ),
        other => (HttpError::TlsProtocolError, format!("the handshake failed ({other})")),
    }
}

/// The wasi:http code of a hyper failure.
fn hyper_error(e: &hyper::Error) -> HttpError {
    if e.is_timeout() {
        HttpError::HttpResponseTimeout
    } else if e.is_incomplete_message() {
        HttpError::HttpResponseIncomplete
    } else if e.is_closed() || e.is_canceled() {
        HttpError::ConnectionTerminated
    } else {
        HttpError::HttpProtocolError
    }
}

/// A response body with a between-bytes timeout, holding the request's
/// in-flight permit until it ends or is dropped.
struct TimedBody {
    incoming: hyper::body::Incoming,
    between_bytes: Duration,
    idle: Pin<Box<tokio::time::Sleep>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl TimedBody {
    fn new(incoming: hyper::body::Incoming, between_bytes: Duration, permit: OwnedSemaphorePermit) -> TimedBody {
        TimedBody { incoming, between_bytes, idle: Box::pin(tokio::time::sleep(between_bytes)), permit: Some(permit) }
    }
}

impl http_body::Body for TimedBody {
    type Data = bytes::Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(None) => {
                this.permit = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.permit = None;
                Poll::Ready(Some(Err(hyper_error(&e))))
            }
            Poll::Ready(Some(Ok(frame))) => {
                let next = tokio::time::Instant::now() + this.between_bytes;
                this.idle.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => match this.idle.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.permit = None;
                    Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.incoming.size_hint()
    }
}
