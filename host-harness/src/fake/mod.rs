//! A fake Bitbucket Cloud REST API 2.0 server for tests, the demo and benchmarks.
//!
//! ```no_run
//! use host_harness::fake::{FakeBitbucket, FakeOptions};
//! let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
//! // GET {base_url}/repositories/acme  with  Authorization: Basic base64(demo@example.com:demo-api-token)
//! println!("{}", fake.base_url());
//! ```
//!
//! Endpoints (all `GET`, relative to the prefix, default `/2.0`):
//! * `/repositories/{workspace}`: numbered pages (pagelen 1-100, default 10).
//! * `/repositories/{workspace}/{repo_slug}`: one repository.
//! * `/repositories/{workspace}/{repo_slug}/pullrequests`: numbered pages
//!   (pagelen 1-50, default 10), ascending id, OPEN only unless `state` is given
//!   (repeatable; OPEN, MERGED, DECLINED, SUPERSEDED; anything else is a 400).
//! * `/repositories/{workspace}/{repo_slug}/pullrequests/{id}`: one pull request.
//! * `/repositories/{workspace}/{repo_slug}/commits`: newest first, iterator
//!   pagination (pagelen 1-100, default 30, opaque `page` token, envelope
//!   `{pagelen, values, next}` only).
//!
//! `{workspace}` and `{repo_slug}` also accept the `{uuid}`. `fields`, `q` and
//! `sort` are accepted and ignored. Every request needs `Authorization`
//! (Basic email:api_token, or Bearer access token), otherwise 401. Errors use
//! the `{"type":"error","error":{"message":…}}` envelope; everything is
//! `Content-Type: application/json`.
//!
//! Module layout: `data` (seeded dataset), `json` (streaming JSON writer),
//! `paging` (envelopes), `routes` (router + one handler per endpoint),
//! `server` (HTTP, auth, request log), `util` (PRNG, base64, time).

mod data;
mod json;
mod paging;
mod routes;
mod server;
mod util;

#[cfg(test)]
mod tests;

pub use data::{Dataset, DatasetSpec, PrState};
pub use server::FakeBitbucket;

/// How to start a [`FakeBitbucket`].
#[derive(Debug)]
pub struct FakeOptions {
    pub dataset: Dataset,
    /// `"/2.0"` (default) or `""`: the API lives under this prefix.
    pub path_prefix: String,
    pub credentials: Credentials,
    /// Test hook: if set (e.g. `Some("http://127.0.0.1:9")`), every `next` /
    /// `previous` link uses this origin instead of the server's own.
    pub next_origin_override: Option<String>,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            dataset: Dataset::demo(),
            path_prefix: "/2.0".to_string(),
            credentials: Credentials::default(),
            next_origin_override: None,
        }
    }
}

/// Accepted credentials: `Basic base64(email:api_token)` or `Bearer <token>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub email: String,
    pub api_token: String,
    pub bearer_tokens: Vec<String>,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            email: "demo@example.com".to_string(),
            api_token: "demo-api-token".to_string(),
            bearer_tokens: vec!["demo-access-token".to_string()],
        }
    }
}

impl Credentials {
    /// The `Authorization` header value for the email/API-token pair.
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            util::base64_encode(format!("{}:{}", self.email, self.api_token).as_bytes())
        )
    }

    /// The `Authorization` header value for the first bearer token, if any.
    pub fn bearer_header(&self) -> Option<String> {
        self.bearer_tokens.first().map(|t| format!("Bearer {t}"))
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as received (percent-encoding kept), prefix included, no query.
    pub path: String,
    /// Decoded query pairs, in order, repeated keys kept.
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    /// Status code of the response sent.
    pub status: u16,
}

impl RecordedRequest {
    /// Every value of query parameter `key`, in order.
    pub fn query_values(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}
