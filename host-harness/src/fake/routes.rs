//! Router and endpoint handlers. All paths are relative to the API prefix.
//!
//! Adding an endpoint = one line in [`dispatch`] plus one handler function that
//! resolves its path parameters against the [`Dataset`] and, for lists, calls
//! [`paginate`] with the family's [`Paging`] rules.

use super::data::{Dataset, PrState};
use super::json::object;
use super::paging::{paginate, COMMITS, LIST, PULL_REQUESTS};

/// What a handler sees of the request.
pub struct ApiRequest<'a> {
    pub dataset: &'a Dataset,
    /// The request path exactly as received (prefix included, no query).
    pub raw_path: &'a str,
    /// Decoded query pairs, in order, repeated keys kept.
    pub query: &'a [(String, String)],
    /// Origin used for absolute `next`/`previous` links, e.g. `http://127.0.0.1:41234`.
    pub link_origin: &'a str,
}

impl ApiRequest<'_> {
    /// Last value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a (repeatable) query parameter, in order.
    pub fn params(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Absolute URL of this request with `page` set to `page` (replacing the
    /// first `page` parameter in place, dropping any others, or appending it).
    pub fn url_with_page(&self, page: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(self.query.len() + 1);
        let mut placed = false;
        for (k, v) in self.query {
            if k == "page" {
                if !placed {
                    pairs.push(("page", page));
                    placed = true;
                }
            } else {
                pairs.push((k, v));
            }
        }
        if !placed {
            pairs.push(("page", page));
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{}{}?{}", self.link_origin, self.raw_path, query)
    }
}

/// An API error, rendered as Bitbucket's `{"type":"error","error":{"message":…}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, message)
    }
    /// The serialised error envelope.
    pub fn body(&self) -> String {
        object(|o| {
            o.str("type", "error").obj("error", |e| {
                e.str("message", &self.message);
            });
        })
    }
}

/// A handler's answer: a serialised JSON body (status 200) or an error.
pub type ApiResult = Result<String, ApiError>;

/// Routes a request by method and decoded path segments (prefix stripped,
/// empty segments dropped, so a trailing slash is tolerated).
pub fn dispatch(req: &ApiRequest, method: &str, segments: &[&str]) -> ApiResult {
    if method != "GET" {
        return Err(ApiError::new(405, format!("Method {method} not allowed")));
    }
    match segments {
        ["repositories", ws] => list_repositories(req, ws),
        ["repositories", ws, repo] => get_repository(req, ws, repo),
        ["repositories", ws, repo, "pullrequests"] => list_pull_requests(req, ws, repo),
        ["repositories", ws, repo, "pullrequests", id] => get_pull_request(req, ws, repo, id),
        ["repositories", ws, repo, "commits"] => list_commits(req, ws, repo),
        _ => Err(ApiError::not_found("Resource not found")),
    }
}

// ---------------------------------------------------------------- path resolution

fn resolve_workspace(req: &ApiRequest, ws: &str) -> Result<usize, ApiError> {
    req.dataset
        .find_workspace(ws)
        .ok_or_else(|| ApiError::not_found(format!("No workspace with identifier '{ws}'.")))
}

fn resolve_repo(req: &ApiRequest, ws: &str, repo: &str) -> Result<(usize, usize), ApiError> {
    resolve_workspace(req, ws)?;
    req.dataset
        .find_repo(ws, repo)
        .ok_or_else(|| ApiError::not_found(format!("Repository {ws}/{repo} not found")))
}

// ---------------------------------------------------------------- repositories

/// `GET /repositories/{workspace}`: numbered pages, in dataset order.
/// `q`, `sort`, `role`, `fields` are accepted and ignored.
fn list_repositories(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    paginate(req, LIST, req.dataset.n_repos(w), |range| {
        range.map(|r| req.dataset.repository_json(w, r)).collect()
    })
}

/// `GET /repositories/{workspace}/{repo_slug}`.
fn get_repository(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    Ok(req.dataset.repository_json(w, r))
}

// ---------------------------------------------------------------- pull requests

/// `GET /repositories/{workspace}/{repo_slug}/pullrequests`: numbered pages of
/// at most 50, **ascending id**. Without `state` only OPEN pull requests are
/// listed; `state` may be repeated (OPEN, MERGED, DECLINED, SUPERSEDED, exact
/// upper case), anything else is a 400. `q`, `sort`, `fields` are ignored
/// (unlike Bitbucket, `q` does not switch off the `state` filter).
fn list_pull_requests(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let mut mask = 0u8;
    for s in req.params("state") {
        let state = PrState::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid state '{s}': expected one of OPEN, MERGED, DECLINED, SUPERSEDED"
            ))
        })?;
        mask |= state.bit();
    }
    if mask == 0 {
        mask = PrState::Open.bit();
    }
    let ids = req.dataset.pull_request_ids(w, r, mask);
    paginate(req, PULL_REQUESTS, ids.len(), |range| {
        ids[range]
            .iter()
            .map(|&id| req.dataset.pull_request_json(w, r, id))
            .collect()
    })
}

/// `GET /repositories/{workspace}/{repo_slug}/pullrequests/{id}` (any state).
fn get_pull_request(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    match id.parse::<u32>() {
        Ok(n) if n >= 1 && (n as usize) <= req.dataset.n_pull_requests(w, r) => {
            Ok(req.dataset.pull_request_json(w, r, n))
        }
        _ => Err(ApiError::not_found(format!("Pull request {id} not found"))),
    }
}

// ---------------------------------------------------------------- commits

/// `GET /repositories/{workspace}/{repo_slug}/commits`: newest first, iterator
/// pagination (opaque `page` token in `next`; a numeric `page` is a 400).
/// `include`, `exclude`, `path`, `fields` are accepted and ignored.
fn list_commits(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    paginate(req, COMMITS, req.dataset.n_commits(w, r), |range| {
        range.map(|i| req.dataset.commit_json(w, r, i)).collect()
    })
}
