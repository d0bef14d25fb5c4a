//! A fake Bitbucket Cloud REST API 2.0 server for tests, the demo and benchmarks,
//! and a fake Bitbucket Data Center ([`FakeDataCenter`], `dc/`: its own
//! seeded dataset, endpoints, auth schemes, paging and faults; see that
//! module's doc).
//!
//! ```no_run
//! use fake_bitbucket::{FakeBitbucket, FakeOptions};
//! let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
//! // GET {base_url}/repositories/acme  with  Authorization: Basic base64(demo@example.com:demo-api-token)
//! println!("{}", fake.base_url());
//! ```
//!
//! Endpoints (all `GET`, relative to the prefix, default `/2.0`). "Numbered"
//! = `{size, page, pagelen, next, previous, values}`, pagelen 1-100, default 10,
//! unless said; "iterator" = `{pagelen, values, next}` with an opaque `page` token.
//! "BBQL" = `q` is filtered (see below); elsewhere `q` is ignored.
//!
//! * `/user`; `/user/emails` (numbered, primary first); `/user/workspaces`
//!   (numbered, spec order, `sort=slug|-slug`, `administrator=true|false`);
//!   `/users/{uuid or account_id}`.
//! * `/workspaces/{workspace}`; `…/members` and `…/permissions` (numbered, BBQL,
//!   pool order; the first member is an owner); `…/projects` (numbered, by key);
//!   `…/permissions/repositories/{repo_slug}` (numbered, BBQL, member order).
//! * `/repositories/{workspace}`: numbered, dataset order, BBQL (`is_private = false`).
//! * `/repositories/{workspace}/{repo_slug}`: one repository.
//! * `…/pullrequests`: numbered (pagelen 1-50), ascending id (also after
//!   changes, see below: an updated pull request stays in place). Without `q`:
//!   OPEN only unless `state` is given (repeatable; OPEN, MERGED, DECLINED,
//!   SUPERSEDED; anything else is a 400). With BBQL `q`, `state` is ignored and
//!   every state is eligible, as on Bitbucket. `fields=+values.participants`
//!   and/or `+values.reviewers` add those arrays (absent otherwise).
//! * `…/pullrequests/{id}`: one pull request (`fields=+participants,+reviewers`).
//! * `…/pullrequests/{id}/comments`: numbered, oldest first, BBQL.
//! * `…/pullrequests/{id}/commits`: numbered, newest first (1-4 repo commits).
//! * `…/pullrequests/{id}/activity`: iterator (pagelen 1-100, default 50),
//!   newest first; `…/pullrequests/activity`: PRs newest first, each PR's
//!   items newest first.
//! * `…/commits`: newest first, iterator (pagelen 1-100, default 30).
//! * `…/refs/branches` (numbered, by name, BBQL), `…/refs/tags` (numbered,
//!   oldest = lowest version first, BBQL); `target` is the full commit.
//! * `…/forks` (numbered, BBQL), `…/watchers` (numbered).
//! * `…/branch-restrictions` (numbered, `kind`/`pattern` filters),
//!   `…/permissions-config/users`, `…/permissions-config/groups` (numbered),
//!   `…/permissions-config/groups/{group_slug}`.
//! * `…/pipelines`: numbered, oldest first; `sort=created_on|-created_on`
//!   (other values 400); `q` ignored as on Bitbucket. `…/pipelines/{uuid}`
//!   (braces optional, or the build number); `…/pipelines/{uuid}/steps`: all
//!   steps on one page, `pagelen`/`page` ignored.
//! * `…/deployments` (numbered, oldest first), `…/environments` (numbered, rank order).
//! * `…/src/{commit}/{path}`: `{commit}` = a commit hash (7+ digits), branch
//!   or tag name, or `HEAD`; a directory (root = empty path) lists
//!   `commit_file` / `commit_directory` objects in path order (numbered,
//!   BBQL, `max_depth` breadth first, `format=meta` for the directory
//!   itself); a file gives its `commit_file` object.
//! * Removed: `/repositories`, `/workspaces`, `/user/permissions/{repositories,
//!   workspaces,teams}` answer 410 with the CHANGE-2770 body; the issue tracker
//!   (`…/issues`, `components`, `versions`, `milestones`) answers 404
//!   "Repository has no issue tracker."; `/teams/…` and
//!   `/users/{x}/followers|following` answer 404.
//!
//! BBQL (`bbql.rs`): `field OP value` clauses with `AND`/`OR`/parentheses and
//! `[NOT] IN (…)`; OP in `= != ~ !~ > >= < <=`; values are quoted strings,
//! `true`/`false`/`null`, numbers, or unquoted ISO dates/datetimes (date alone =
//! midnight UTC), compared as instants. An unknown top-level field is a 400
//! `Invalid field name: X`. Filtered lists page normally and `size` counts
//! the matches.
//!
//! Partial responses (`fields.rs`), on every successful JSON answer, as on
//! Bitbucket: `fields` is a comma-separated list of dotted paths (the
//! parameter may repeat). Plain paths restrict: with at least one, only the
//! listed paths (and everything below each) are kept, envelope keys
//! included, so `next`, `page`, `pagelen`, `size` must be listed to be kept.
//! `+path` adds a field omitted by default (the expansions above) and is kept
//! when restricting; `-path` removes. Paths cross arrays transparently
//! (`values.author.user.uuid`), `*` matches every key at its level, and a
//! path that names nothing contributes nothing (not an error). Error bodies
//! are never pruned.
//!
//! `{workspace}` and `{repo_slug}` also accept the `{uuid}`. `sort` is
//! accepted and ignored except where said. Every request needs
//! `Authorization` (Basic email:api_token, or Bearer access token), otherwise
//! 401. Errors use the `{"type":"error","error":{"message":…}}` envelope;
//! everything is `Content-Type: application/json`.
//!
//! Faults (`FakeOptions::faults`, `faults.rs`): after authentication (a bad
//! `Authorization` still gets its 401) and before routing, the first rule whose
//! `path_contains` matches and whose attempt budget for this exact target
//! (path + query) is not used up replaces the answer: 429 / 5xx / 403 bodies,
//! HTML pages, malformed JSON pages, huge bodies, or raw-socket misbehaviour
//! (dropped connection, truncated or slow body; these close the connection).
//! `FakeOptions::latency` delays every answer (`FakeOptions::slow_pages`:
//! every n-th numbered page by longer); `FakeOptions::workers` (16)
//! requests are handled at once, so that many can wait out the latency together.
//! Accepted connections have TCP_NODELAY, so keep-alive clients get each
//! answer at once (no Nagle / delayed-ACK stall).
//!
//! Changes while the fake runs (`changes.rs`), for incremental-sync tests:
//! [`FakeBitbucket::update_pull_request`]`(workspace, repo, id, when, title)`
//! gives a pull request a new title and moves its `updated_on` to `when`;
//! [`FakeBitbucket::add_pull_request_comment`]`(workspace, repo, pr_id, when,
//! text)` adds a comment (by the PR's author, created and updated at `when`)
//! and moves the PR's `comment_count` and `updated_on`. Both are also
//! [`Dataset`] methods (`&self`; a clone keeps the changes). `when` is RFC
//! 3339 and must be after every generated timestamp (all are before
//! 2026-10-01T00:00:00Z), e.g. `2026-10-05T12:00:00+00:00`; the PR's
//! `updated_on` is the latest change. From then on every endpoint and
//! [`FakeBitbucket::dataset`] accessor reflects them: the PR lists (order
//! unchanged), BBQL `q` on any field (`updated_on > 2026-10-02T00:00:00+00:00`
//! selects exactly the changed PRs), the single PR, `…/comments` (added
//! comments last, BBQL on their dates), the PR embedded in comments and
//! activity (current title), and the activity (a new `update` item with the
//! new title per update, older updates keep the title they had; a `comment`
//! item per added comment). Everything else (generated comments,
//! participants, merge commit, states) is unchanged. Each change drops its
//! repository's cached BBQL results and activity totals; the per-state id
//! lists stay valid (states never change).
//!
//! Object links: API links (`links.self`, `links.pullrequests`, …) point at
//! the server's own base URL, so SDKs that follow them stay on the fake;
//! web links (`links.html`, avatars, clone URLs) point at `bitbucket.org`.
//!
//! Module layout: `families/` (one module per object family, mirroring the
//! guest's `src/reports/`: its seeded data, handlers and accessors),
//! `dataset` (the [`Dataset`], its spec and caches), `seeds` (the one
//! seed-key table), `changes` (changes while running), `routes` (the router),
//! `api` (request and error types, path resolution, BBQL lists), `bbql`
//! (the `q` parser), `fields` (partial responses), `paging` (envelopes),
//! `json` (streaming JSON writer), `server` (hyper on tokio: workers,
//! latency, request log), `wire` (the socket adapter and response bodies,
//! raw faults included), `auth`, `oauth`, `faults`, `util` (PRNG, base64,
//! time), `openapi` (the OpenAPI conformance checker, Cloud's document and
//! Data Center's), and `dc` (the Data Center fake: `dc/data` its dataset,
//! `dc/api` its requests).

#![forbid(unsafe_code)]

mod api;
mod auth;
mod background;
mod bbql;
mod changes;
mod control;
mod dataset;
mod dc;
pub mod delay_proxy;
mod families;
mod faults;
mod fields;
mod json;
mod oauth;
mod paging;
mod routes;
mod seeds;
mod server;
pub mod tls;
mod util;
mod wire;

pub mod openapi;

#[cfg(test)]
mod tests;

pub use dataset::{Dataset, DatasetSpec};
pub use dc::{
    DcCredentials, DcDataset, DcFault, DcFaultRule, DcOptions, FakeDataCenter, DIRECTORY_FILES as DC_DIRECTORY_FILES,
    GENERATED_BEFORE_MS as DC_GENERATED_BEFORE_MS, HIDDEN_PROJECT as DC_HIDDEN_PROJECT,
    PROJECT_TOKEN_USER as DC_PROJECT_TOKEN_USER,
};
pub use families::pull_requests::PrState;
pub use faults::{Fault, FaultRule, SlowPages};
pub use oauth::OAuthClient;
pub use server::FakeBitbucket;
pub use tls::{Leaf, TestCa};

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
    /// How long after its request every answer goes out (401s and faults
    /// included); the time the fake takes to compute it counts towards it.
    pub latency: std::time::Duration,
    /// Uneven latency: every `every`-th numbered page is answered after
    /// its own, longer latency (see [`SlowPages`]); `None` by default.
    pub slow_pages: Option<SlowPages>,
    /// Fault injection (see [`FaultRule`]); the first matching rule with
    /// attempts left for the request's target applies.
    pub faults: Vec<FaultRule>,
    /// An OAuth consumer for the token endpoint (`POST /site/oauth2/access_token`).
    pub oauth: Option<OAuthClient>,
    /// How many requests are handled at once (default 16; 0 counts as 1).
    /// Each one waits out [`latency`](Self::latency) on its own, so this is
    /// how many requests can be in flight at once: a client that sends more
    /// concurrent requests than this has the surplus wait in line.
    pub workers: usize,
    /// Serve HTTPS with this test CA's server certificate (the origin is
    /// then `https://127.0.0.1:PORT`); plain HTTP when `None`.
    pub tls: Option<TestCa>,
    /// Offer only HTTP/1.1 (no `h2` in ALPN, no HTTP/2 prior knowledge).
    pub http1_only: bool,
    /// The origin clients reach the fake through (e.g. a
    /// [`delay_proxy::DelayProxy`] in front of it): every link it writes
    /// (`next`, `links.self`, ...) uses it. Its own origin when `None`.
    pub public_origin: Option<String>,
    /// Benchmarks only: compute each GET's successful answer once per URL
    /// and send the same bytes again after, so the fake's own time stays
    /// out of what is measured. The dataset must not change meanwhile.
    pub cache_answers: bool,
    /// Real Bitbucket at its sparest: every object in an answer carries
    /// only the fields its OpenAPI schema requires (almost none: `type`),
    /// as a response valid by the document may.
    pub minimal_objects: bool,
    /// Serve the control endpoint `POST /_fake/pull-requests/{workspace}/{repository}/{id}`
    /// (optional body `{"title": "..."}`): [`Dataset::update_pull_request`]
    /// at the current time, answered `{"updated_on": "..."}`. Outside the
    /// API prefix, unauthenticated, and not in [`FakeBitbucket::requests`];
    /// for `connector-harness fake`. Off by default.
    pub control: bool,
    /// The port on 127.0.0.1 to listen on; 0 (the default) is any free port.
    pub port: u16,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            dataset: Dataset::demo(),
            path_prefix: "/2.0".to_string(),
            credentials: Credentials::default(),
            next_origin_override: None,
            latency: std::time::Duration::ZERO,
            slow_pages: None,
            oauth: None,
            faults: Vec::new(),
            workers: 16,
            tls: None,
            http1_only: false,
            public_origin: None,
            cache_answers: false,
            minimal_objects: false,
            control: false,
            port: 0,
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
        format!("Basic {}", util::base64_encode(format!("{}:{}", self.email, self.api_token).as_bytes()))
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
    /// Status code of the response sent; 0 when no complete response went
    /// out (faults `DropConnection` and `TruncatedBody`).
    pub status: u16,
    /// The injected fault's [`Fault::name`], e.g. `"rate-limited"`.
    pub fault: Option<String>,
    /// Which connection it came on: 1 for the server's first, and so on.
    pub connection: u64,
    /// `true` for HTTP/2, `false` for HTTP/1.x.
    pub http2: bool,
    /// How many requests the log held (this one included) when this one's
    /// answer went out; 0 until then. Requests logged after this one but
    /// within this count arrived while it was being answered.
    pub answered_after: usize,
}

impl RecordedRequest {
    /// Every value of query parameter `key`, in order.
    pub fn query_values(&self, key: &str) -> Vec<&str> {
        self.query.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }
}
