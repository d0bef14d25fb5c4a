//! A fake Bitbucket Data Center (self-hosted) REST API, on the paths of
//! Atlassian's DC 9.4 OpenAPI document (`tests/data/bitbucket-dc-openapi.json`,
//! checked by [`OpenApi::data_center`](crate::openapi::OpenApi::data_center)).
//!
//! ```no_run
//! use fake_bitbucket::{DcOptions, FakeDataCenter};
//! let fake = FakeDataCenter::start(DcOptions::default()).unwrap();
//! // GET {base_url}/rest/api/latest/projects  with  Authorization: Bearer dc-personal-token
//! println!("{}", fake.base_url()); // http://127.0.0.1:PORT/bitbucket
//! ```
//!
//! Endpoints (all `GET`, under `{context_path}/rest`; `R` =
//! `/api/latest/projects/{projectKey}/repos/{repositorySlug}`). "Paged" =
//! `{size, limit, isLastPage, values, start, nextPageStart?}` with `start`
//! (default 0) and `limit` (default 25, at most 1000, activities at most
//! 500: a larger `limit` is answered with the cap, echoed in `limit`; 0
//! counts as 1); `size` counts this page's values; `nextPageStart` =
//! `start + limit`, present only when `isLastPage` is false; a `start` past
//! the end is an empty last page. A `limit`/`start` that is not a
//! non-negative integer is a 400. Project keys are case-insensitive.
//!
//! * `/api/latest/application-properties` (no authentication).
//! * `/api/latest/projects` (paged, by name; NORMAL projects the caller
//!   may see; `name` filters by substring); `/api/latest/projects/{projectKey}`.
//! * `/api/latest/projects/{projectKey}/repos` (paged, by slug),
//!   `…/permissions/users` and `…/permissions/groups` (paged, by name,
//!   `filter` by substring).
//! * `R`; `R/pull-requests` (paged; `state` OPEN (default), MERGED,
//!   DECLINED or ALL; `order` NEWEST (default) = by `updatedDate`
//!   descending, the peers' reading of the document, or OLDEST = ascending;
//!   ties by id; other values 400); `R/pull-requests/{pullRequestId}`;
//!   `…/activities` (paged, newest first, cap 500); `…/commits` (paged,
//!   newest first); `…/participants` (paged: author, reviewers, participants).
//! * `R/commits` (paged, newest first), `R/branches` (paged; `orderBy`
//!   ALPHABETICAL (default) or MODIFICATION = latest commit's time
//!   descending), `R/tags` (same), `R/forks` (paged), `R/permissions/users`
//!   and `R/permissions/groups` (paged, `filter`).
//! * `/api/latest/users` (paged, by name; `filter` by substring of name,
//!   display name or email); `/api/latest/users/{userSlug}`.
//! * `/api/latest/admin/permissions/users` (paged, by name; `filter`; the
//!   users' global permissions, for an ADMIN or SYS_ADMIN only, others a
//!   401 `AuthorisationException`).
//! * `/api/latest/repos` (paged: every repository the caller may see, by
//!   project name then slug; `projectkey`, `name` (substring) and
//!   `visibility` (`public`/`private`) filter).
//!
//! Other query parameters are ignored, as on Data Center. Anything else is
//! a 404; every error has the `{"errors":[{context, message,
//! exceptionName}]}` envelope: 404 `NoSuchProjectException` /
//! `NoSuchRepositoryException` / `NoSuchPullRequestException` /
//! `NoSuchUserException`, 400 for a bad parameter (`context` names it).
//! Answers are `application/json;charset=UTF-8`.
//!
//! Authentication ([`DcCredentials`]): `Basic base64(username:password)`,
//! `Basic base64(username:personal_token)`, `Bearer personal_token` (all
//! act as the user), or `Bearer project_token`, which reaches only its
//! project's URLs (`/api/latest/projects/{KEY}/…`; elsewhere a 401
//! `AuthorisationException`). A missing or wrong `Authorization` is a 401
//! `IncorrectPasswordAuthenticationException`; the [`HIDDEN_PROJECT`] (and
//! any other project for a project token) is a 401 `AuthorisationException`,
//! as Data Center answers a resource one may not see. Every authenticated
//! answer carries `X-AUSERNAME` and `X-AUSERID` (for a project token:
//! [`PROJECT_TOKEN_USER`] and 0; what real Data Center sends then is unverified).
//!
//! Faults ([`DcFaultRule`]): after authentication and before routing, the
//! first rule whose `path_contains` is in the path (relative to
//! `{context}/rest`) and whose attempts for this exact target (path and
//! query) are not used up replaces or edits the answer; see [`DcFault`].
//!
//! Changes while it runs: [`FakeDataCenter::update_pull_request`]; with
//! [`DcOptions::control`], also `POST /_fake/dc/pull-requests/{projectKey}/{repositorySlug}/{id}`
//! (optional body `{"title": "..."}`, at the current time), answered
//! `{"updatedDate": ms}`, unauthenticated and not in the request log.
//!
//! Modules: `data` (the seeded [`DcDataset`]), `api` (authentication,
//! routing, paging, errors, faults); its tests are `tests/dc.rs`.

mod api;
mod data;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::{oneshot, Semaphore};

use crate::background::Background;
use crate::faults::FaultInjector;
use crate::wire::WireBody;
use crate::RecordedRequest;

pub use data::{DcDataset, DIRECTORY_FILES, GENERATED_BEFORE_MS, HIDDEN_PROJECT};

/// What `X-AUSERNAME` says for a project token.
pub const PROJECT_TOKEN_USER: &str = "project-token";

/// How to start a [`FakeDataCenter`].
#[derive(Clone, Debug)]
pub struct DcOptions {
    /// The instance's context path, `"/bitbucket"` by default (`""` for none).
    pub context_path: String,
    pub credentials: DcCredentials,
    /// Fault injection; the first matching rule with attempts left applies.
    pub faults: Vec<DcFaultRule>,
    /// Serve the control endpoint (see the module doc); off by default.
    pub control: bool,
    /// The port on 127.0.0.1 to listen on; 0 (the default) is any free port.
    pub port: u16,
}

impl Default for DcOptions {
    fn default() -> Self {
        DcOptions {
            context_path: "/bitbucket".to_string(),
            credentials: DcCredentials::default(),
            faults: Vec::new(),
            control: false,
            port: 0,
        }
    }
}

/// The accepted credentials. `username` must be a user of the dataset (its
/// `name`); the default is `jsmith`, who sees every project but [`HIDDEN_PROJECT`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcCredentials {
    pub username: String,
    pub password: String,
    pub personal_token: String,
    /// `(project key, token)`: a project HTTP access token.
    pub project_token: (String, String),
}

impl Default for DcCredentials {
    fn default() -> Self {
        DcCredentials {
            username: "jsmith".to_string(),
            password: "jsmith-password".to_string(),
            personal_token: "dc-personal-token".to_string(),
            project_token: ("OPS".to_string(), "dc-project-token".to_string()),
        }
    }
}

impl DcCredentials {
    /// `Basic base64(username:password)`.
    pub fn basic_header(&self) -> String {
        basic(&self.username, &self.password)
    }

    /// `Basic base64(username:personal_token)`.
    pub fn basic_token_header(&self) -> String {
        basic(&self.username, &self.personal_token)
    }

    /// `Bearer personal_token`.
    pub fn bearer_header(&self) -> String {
        format!("Bearer {}", self.personal_token)
    }

    /// `Bearer project_token`.
    pub fn project_bearer_header(&self) -> String {
        format!("Bearer {}", self.project_token.1)
    }
}

fn basic(user: &str, secret: &str) -> String {
    format!("Basic {}", crate::util::base64_encode(format!("{user}:{secret}").as_bytes()))
}

/// One rule of [`DcOptions::faults`].
#[derive(Clone, Debug)]
pub struct DcFaultRule {
    pub fault: DcFault,
    /// Only requests whose path (relative to `{context}/rest`, e.g.
    /// `/api/latest/projects`) contains this; `None` = all.
    pub path_contains: Option<String>,
    /// For each distinct target (path + query), the first `attempts`
    /// requests get the fault; `usize::MAX` = always.
    pub attempts: usize,
}

impl crate::faults::Rule for DcFaultRule {
    type Fault = DcFault;
    fn path_contains(&self) -> Option<&str> {
        self.path_contains.as_deref()
    }
    fn attempts(&self) -> usize {
        self.attempts
    }
    fn fault(&self) -> &DcFault {
        &self.fault
    }
}

/// What goes wrong. The page edits leave an answer that is not a 200 page unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DcFault {
    /// 429 with `Retry-After: retry_after` (seconds) and the error envelope
    /// (`com.atlassian.bitbucket.ratelimit.RateLimitedException`; the
    /// exception's name is not in the document, unverified).
    RateLimited { retry_after: u32 },
    /// That status with `com.atlassian.bitbucket.scm.CommandFailedException`.
    ServerError(u16),
    /// 404 `com.atlassian.bitbucket.commit.NoSuchCommitException`, as Data
    /// Center answers a pull request whose commits are gone.
    NoSuchCommit,
    /// The page says `isLastPage: false` and has no `nextPageStart`.
    MissingNextPageStart,
    /// The page says `isLastPage: false` and `nextPageStart` = its own `start`.
    RepeatPage,
    /// 404 with an HTML page (a proxy or a wrong base URL).
    HtmlNotFound,
    /// The normal answer's head with its full `Content-Length`, half its body, then the connection closes.
    Truncated,
    /// The connection closes without an answer.
    Disconnect,
}

impl DcFault {
    /// Short name, recorded in [`RecordedRequest::fault`].
    pub fn name(&self) -> &'static str {
        match self {
            DcFault::RateLimited { .. } => "rate-limited",
            DcFault::ServerError(_) => "server-error",
            DcFault::NoSuchCommit => "no-such-commit",
            DcFault::MissingNextPageStart => "missing-next-page-start",
            DcFault::RepeatPage => "repeat-page",
            DcFault::HtmlNotFound => "html-not-found",
            DcFault::Truncated => "truncated",
            DcFault::Disconnect => "disconnect",
        }
    }
}

/// State shared by every connection.
struct Shared {
    dataset: DcDataset,
    credentials: DcCredentials,
    /// Normalised: "" or "/bitbucket".
    context: String,
    faults: FaultInjector<DcFaultRule>,
    control: bool,
    log: Mutex<Vec<RecordedRequest>>,
    connections: AtomicU64,
    workers: Arc<Semaphore>,
}

const NAME: &str = "fake-bitbucket-dc";

/// A running fake Bitbucket Data Center. Dropping it stops the server.
pub struct FakeDataCenter {
    shared: Arc<Shared>,
    origin: String,
    _background: Background,
}

impl FakeDataCenter {
    /// Binds `127.0.0.1` ([`DcOptions::port`]) and serves from background threads.
    pub fn start(options: DcOptions) -> anyhow::Result<FakeDataCenter> {
        if !data::USERS.iter().any(|u| u.0 == options.credentials.username) {
            anyhow::bail!(
                "DcCredentials::username {:?} is no user of the Data Center fake's dataset (e.g. \"jsmith\")",
                options.credentials.username
            );
        }
        let (listener, address) = Background::bind(NAME, options.port)?;
        let origin = format!("http://{address}");
        let trimmed = options.context_path.trim().trim_matches('/');
        let context = if trimmed.is_empty() { String::new() } else { format!("/{trimmed}") };
        let shared = Arc::new(Shared {
            dataset: DcDataset::generate(&format!("{origin}{context}")),
            credentials: options.credentials,
            context,
            faults: FaultInjector::new(options.faults),
            control: options.control,
            log: Mutex::new(Vec::new()),
            connections: AtomicU64::new(0),
            workers: Arc::new(Semaphore::new(16)),
        });
        let serving = shared.clone();
        let background = Background::serve(NAME, listener, move |listener, stopped| serve(listener, serving, stopped))?;
        Ok(FakeDataCenter { shared, origin, _background: background })
    }

    /// The instance base URL a user configures, `http://127.0.0.1:PORT{context_path}`;
    /// the API is under `{base_url}/rest`.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.origin, self.shared.context)
    }

    /// The accepted credentials.
    pub fn credentials(&self) -> &DcCredentials {
        &self.shared.credentials
    }

    /// The dataset being served (links under [`base_url`](Self::base_url)).
    pub fn dataset(&self) -> &DcDataset {
        &self.shared.dataset
    }

    /// See [`DcDataset::update_pull_request`].
    pub fn update_pull_request(&self, project: &str, repo: &str, id: u64, updated_ms: i64, title: &str) -> anyhow::Result<()> {
        self.shared.dataset.update_pull_request(project, repo, id, updated_ms, title)
    }

    /// Every request received so far, in arrival order; `path` is relative
    /// to `{context}/rest` (e.g. `/api/latest/projects`), or as received
    /// for a request outside it.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Clears the request log.
    pub fn clear_requests(&self) {
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    while let Some(stream) = crate::server::next_connection(&listener, &mut stopped).await {
        let connection = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(shared.clone(), connection, request));
            let mut builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            builder.http1().title_case_headers(true);
            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

async fn handle(shared: Arc<Shared>, connection: u64, request: Request<Incoming>) -> io::Result<Response<WireBody>> {
    let permit = shared.workers.clone().acquire_owned().await.map_err(io::Error::other)?;
    let method = request.method().as_str().to_string();
    let url = request.uri().path_and_query().map_or_else(|| request.uri().to_string(), |pq| pq.as_str().to_string());
    let authorization = request.headers().get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let http2 = request.version() == hyper::Version::HTTP_2;
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let body = String::from_utf8_lossy(&body).into_owned();
    let computing = shared.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let received = api::Received { method, url, authorization, body, connection, http2 };
        api::answer(&computing, received)
    })
    .await
    .map_err(io::Error::other)?;
    crate::server::response(answer, permit)
}
