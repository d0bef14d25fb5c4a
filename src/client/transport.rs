//! The wire as the client sees it: a response as it came off the wire, and
//! the `Transport` trait (wasi:http and the WASI clock in the component,
//! `http.rs`; a script in unit tests; plain HTTP in the benchmark):
//! requests sent one by one, answers taken in whatever order they come.

use crate::error::Result;
use crate::url::Url;
use std::time::Duration;

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
    /// `Location`, where a redirect points (absolute or relative).
    pub location: Option<String>,
    /// `X-AUSERNAME`: the login Data Center says the credentials belong to.
    pub login: Option<String>,
    pub body: Vec<u8>,
}

/// The wire and the clock. Implemented over wasi:http and the WASI
/// monotonic clock in the component.
pub trait Transport {
    /// A request on its way.
    type Pending;
    /// Sends one GET without waiting for its answer.
    fn send(&mut self, url: &Url, headers: &[(&str, &str)]) -> Self::Pending;
    /// Waits until at least one of `pending` (all in flight at once) is
    /// answered, without waiting if one already is, and returns the
    /// indexes of those answered, each to be [`take`](Transport::take)n.
    fn wait_any(&mut self, pending: &[&Self::Pending]) -> Vec<usize>;
    /// The answer to a request [`wait_any`](Transport::wait_any) said is
    /// answered, its body read in full.
    fn take(&mut self, pending: Self::Pending) -> Result<RawResponse>;
    /// Sends one POST with a body (the OAuth token request).
    fn post(&mut self, url: &Url, headers: &[(&str, &str)], body: &[u8]) -> Result<RawResponse>;
    /// Monotonic time since some fixed point.
    fn now(&self) -> Duration;
    /// Blocks for `duration` (without spinning).
    fn sleep(&mut self, duration: Duration);
}
