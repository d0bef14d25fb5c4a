//! Router and endpoint handlers. All paths are relative to the API prefix.
//!
//! Adding an endpoint = one line in [`dispatch`] plus one handler function
//! (here or in `handlers.rs`) that resolves its path parameters against the
//! [`Dataset`] and, for lists, calls [`paginate`] with the family's `Paging`
//! rules (through `handlers::list` for families that support BBQL `q`).

use super::data::{Dataset, PrState};
use super::handlers as h;
use super::json::object;
use super::paging::{paginate, COMMITS, PULL_REQUESTS};

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
    /// Optional `error.detail`.
    pub detail: Option<String>,
    /// Optional `error.data`, already serialised.
    pub data: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            detail: None,
            data: None,
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
                if let Some(d) = &self.detail {
                    e.str("detail", d);
                }
                if let Some(d) = &self.data {
                    e.raw("data", d);
                }
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
        // Removed: CHANGE-2770 cross-workspace APIs (410), teams, followers (404).
        ["repositories"] | ["workspaces"] => Err(h::gone()),
        ["user", "permissions", "repositories" | "workspaces" | "teams"] => Err(h::gone()),
        ["teams", ..] | ["users", _, "followers" | "following"] => {
            Err(ApiError::not_found("Resource not found"))
        }

        ["user"] => h::get_user(req),
        ["user", "emails"] => h::list_emails(req),
        ["user", "workspaces"] => h::list_user_workspaces(req),
        ["users", user] => h::get_any_user(req, user),

        ["workspaces", ws] => h::get_workspace(req, ws),
        ["workspaces", ws, "members"] => h::list_members(req, ws, false),
        ["workspaces", ws, "permissions"] => h::list_members(req, ws, true),
        ["workspaces", ws, "permissions", "repositories", repo] => {
            h::list_workspace_repo_permissions(req, ws, repo)
        }
        ["workspaces", ws, "projects"] => h::list_projects(req, ws),

        ["repositories", ws] => h::list_repositories(req, ws),
        ["repositories", ws, repo] => get_repository(req, ws, repo),
        ["repositories", ws, repo, "pullrequests"] => list_pull_requests(req, ws, repo),
        ["repositories", ws, repo, "pullrequests", "activity"] => {
            h::list_repo_activity(req, ws, repo)
        }
        ["repositories", ws, repo, "pullrequests", id] => get_pull_request(req, ws, repo, id),
        ["repositories", ws, repo, "pullrequests", id, "activity"] => {
            h::list_pr_activity(req, ws, repo, id)
        }
        ["repositories", ws, repo, "pullrequests", id, "comments"] => {
            h::list_pr_comments(req, ws, repo, id)
        }
        ["repositories", ws, repo, "pullrequests", id, "commits"] => {
            h::list_pr_commits(req, ws, repo, id)
        }
        ["repositories", ws, repo, "commits"] => list_commits(req, ws, repo),
        ["repositories", ws, repo, "refs", "branches"] => h::list_branches(req, ws, repo),
        ["repositories", ws, repo, "refs", "tags"] => h::list_tags(req, ws, repo),
        ["repositories", ws, repo, "forks"] => h::list_forks(req, ws, repo),
        ["repositories", ws, repo, "watchers"] => h::list_watchers(req, ws, repo),
        ["repositories", ws, repo, "branch-restrictions"] => {
            h::list_branch_restrictions(req, ws, repo)
        }
        ["repositories", ws, repo, "permissions-config", "users"] => {
            h::list_user_permissions(req, ws, repo)
        }
        ["repositories", ws, repo, "permissions-config", "groups"] => {
            h::list_group_permissions(req, ws, repo)
        }
        ["repositories", ws, repo, "permissions-config", "groups", group] => {
            h::get_group_permission(req, ws, repo, group)
        }
        ["repositories", ws, repo, "pipelines"] => h::list_pipelines(req, ws, repo),
        ["repositories", ws, repo, "pipelines", id] => h::get_pipeline(req, ws, repo, id),
        ["repositories", ws, repo, "pipelines", id, "steps"] => h::list_steps(req, ws, repo, id),
        ["repositories", ws, repo, "deployments"] => h::list_deployments(req, ws, repo),
        ["repositories", ws, repo, "environments"] => h::list_environments(req, ws, repo),
        ["repositories", ws, repo, "src", rest @ ..] => h::get_src(req, ws, repo, rest),
        ["repositories", ws, repo, "issues" | "components" | "versions" | "milestones", ..] => {
            h::no_issue_tracker(req, ws, repo)
        }
        _ => Err(ApiError::not_found("Resource not found")),
    }
}

// ---------------------------------------------------------------- path resolution

pub(super) fn resolve_workspace(req: &ApiRequest, ws: &str) -> Result<usize, ApiError> {
    req.dataset
        .find_workspace(ws)
        .ok_or_else(|| ApiError::not_found(format!("No workspace with identifier '{ws}'.")))
}

pub(super) fn resolve_repo(
    req: &ApiRequest,
    ws: &str,
    repo: &str,
) -> Result<(usize, usize), ApiError> {
    resolve_workspace(req, ws)?;
    req.dataset
        .find_repo(ws, repo)
        .ok_or_else(|| ApiError::not_found(format!("Repository {ws}/{repo} not found")))
}

// ---------------------------------------------------------------- repositories

/// `GET /repositories/{workspace}/{repo_slug}`.
fn get_repository(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    Ok(req.dataset.repository_json(w, r))
}

// ---------------------------------------------------------------- pull requests

/// Whether `fields` asks for `+{prefix}participants` / `+{prefix}reviewers`
/// (the `+` may also have been decoded to a space, or be absent).
fn expansions(req: &ApiRequest, prefix: &str) -> (bool, bool) {
    let mut out = (false, false);
    for f in req.params("fields").iter().flat_map(|v| v.split(',')) {
        let f = f.trim().trim_start_matches('+');
        match f.strip_prefix(prefix) {
            Some("participants") => out.0 = true,
            Some("reviewers") => out.1 = true,
            _ => {}
        }
    }
    out
}

/// `GET /repositories/{workspace}/{repo_slug}/pullrequests`: numbered pages of
/// at most 50, **ascending id**. Without `q`: only OPEN pull requests unless
/// `state` is given (repeatable; OPEN, MERGED, DECLINED, SUPERSEDED, exact
/// upper case, anything else is a 400). With a BBQL `q`, as on Bitbucket,
/// `state` is ignored and every state is eligible (put `state = "OPEN"` in
/// the query). `fields=+values.participants,+values.reviewers` adds those
/// arrays (the generic `fields` pruning runs afterwards, in `server.rs`);
/// `sort` is ignored.
fn list_pull_requests(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let (participants, reviewers) = expansions(req, "values.");
    let write = |id: u32| {
        req.dataset
            .pull_request_json_with(w, r, id, participants, reviewers)
    };
    if let Some(q) = req.param("q").map(str::trim).filter(|q| !q.is_empty()) {
        let ids = h::pull_requests_matching(req.dataset, w, r, q)?;
        return paginate(req, PULL_REQUESTS, ids.len(), |range| {
            ids[range].iter().map(|&id| write(id)).collect()
        });
    }
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
        ids[range].iter().map(|&id| write(id)).collect()
    })
}

/// `GET /repositories/{workspace}/{repo_slug}/pullrequests/{id}` (any state),
/// shaped like a list item; `fields=+participants,+reviewers` adds those arrays.
fn get_pull_request(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let (participants, reviewers) = expansions(req, "");
    match id.parse::<u32>() {
        Ok(n) if n >= 1 && (n as usize) <= req.dataset.n_pull_requests(w, r) => Ok(req
            .dataset
            .pull_request_json_with(w, r, n, participants, reviewers)),
        _ => Err(ApiError::not_found(format!("Pull request {id} not found"))),
    }
}

// ---------------------------------------------------------------- commits

/// `GET /repositories/{workspace}/{repo_slug}/commits`: newest first, iterator
/// pagination (opaque `page` token in `next`; a numeric `page` is a 400).
/// `include`, `exclude`, `path` are accepted and ignored (`fields` is
/// applied generically, in `server.rs`).
fn list_commits(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    paginate(req, COMMITS, req.dataset.n_commits(w, r), |range| {
        range.map(|i| req.dataset.commit_json(w, r, i)).collect()
    })
}
