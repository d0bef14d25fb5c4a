//! One Data Center request in, one answer out: authentication, faults,
//! routing, paging and the error envelope (the rules are in the `dc`
//! module doc).

use serde_json::{json, Value};

use super::{DcFault, Shared, PROJECT_TOKEN_USER};
use crate::faults::{html_not_found, Answer, Reply};
use crate::util::{base64_decode, percent_decode};
use crate::RecordedRequest;

const JSON: &str = "application/json;charset=UTF-8";
const CONTROL_PREFIX: &str = "/_fake/dc/pull-requests/";

/// A request as it arrived.
pub(super) struct Received {
    pub method: String,
    /// Path and query as sent.
    pub url: String,
    pub authorization: Option<String>,
    pub body: String,
    pub connection: u64,
    pub http2: bool,
}

/// An error answer: `{"errors":[{context, message, exceptionName}]}`.
#[derive(Debug)]
pub(super) struct DcError {
    pub status: u16,
    pub context: Option<&'static str>,
    pub message: String,
    pub exception: Option<&'static str>,
}

impl DcError {
    fn new(status: u16, message: impl Into<String>, exception: &'static str) -> DcError {
        DcError { status, context: None, message: message.into(), exception: Some(exception) }
    }

    /// An error without an exception name (the fake's own, or a bare 404).
    fn plain(status: u16, message: impl Into<String>) -> DcError {
        DcError { status, context: None, message: message.into(), exception: None }
    }

    /// A 400 about query parameter `context`.
    fn bad_parameter(context: &'static str, message: impl Into<String>) -> DcError {
        DcError { status: 400, context: Some(context), message: message.into(), exception: None }
    }

    fn authentication() -> DcError {
        DcError::new(
            401,
            "Authentication failed. Please check your credentials and try again.",
            "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
        )
    }

    fn not_permitted() -> DcError {
        DcError::new(401, "You are not permitted to access this resource", "com.atlassian.bitbucket.AuthorisationException")
    }

    fn reply(&self) -> Reply {
        let body = json!({"errors": [{"context": self.context, "message": self.message, "exceptionName": self.exception}]});
        Reply::with_type(self.status, JSON, body.to_string())
    }
}

type DcResult = Result<Value, DcError>;

/// Who a request acts as.
enum Identity {
    /// The configured user (password or personal token).
    User,
    /// The project token: only this project's URLs.
    Project(String),
}

fn authenticate(shared: &Shared, header: Option<&str>) -> Result<Identity, DcError> {
    let credentials = &shared.credentials;
    let header = header.map(str::trim).unwrap_or("");
    let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
    let value = value.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let pair = base64_decode(value).and_then(|raw| String::from_utf8(raw).ok()).unwrap_or_default();
        let ok = pair.split_once(':').is_some_and(|(user, secret)| {
            user == credentials.username && (secret == credentials.password || secret == credentials.personal_token)
        });
        if ok {
            return Ok(Identity::User);
        }
    } else if scheme.eq_ignore_ascii_case("bearer") {
        if value == credentials.personal_token {
            return Ok(Identity::User);
        }
        if value == credentials.project_token.1 {
            return Ok(Identity::Project(credentials.project_token.0.clone()));
        }
    }
    Err(DcError::authentication())
}

/// Answers and logs one request.
pub(super) fn answer(shared: &Shared, received: Received) -> Answer {
    let Received { method, url, authorization, body, connection, http2 } = received;
    let (path, query_string) = url.split_once('?').unwrap_or((url.as_str(), ""));
    if shared.control && path.starts_with(CONTROL_PREFIX) {
        return Answer::Reply(control(shared, &method, path, &body));
    }
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(query_string.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let rest = path.strip_prefix(&format!("{}/rest", shared.context)).filter(|r| r.starts_with('/'));
    let (answer, fault) = match rest {
        None => (Answer::Reply(not_found(path).reply()), None),
        Some(rest) => respond(shared, &method, rest, query_string, &query, authorization.as_deref()),
    };
    let status = match &answer {
        Answer::Reply(reply) | Answer::Slow(reply, _) => reply.status,
        Answer::Drop | Answer::Truncated(_) => 0,
    };
    let mut log = shared.log.lock().unwrap_or_else(|e| e.into_inner());
    let answered_after = log.len() + 1;
    log.push(RecordedRequest {
        method,
        path: rest.unwrap_or(path).to_string(),
        query,
        authorization,
        status,
        fault: fault.map(|f: DcFault| f.name().to_string()),
        connection,
        http2,
        answered_after,
    });
    answer
}

/// The answer to a request under `/rest` (`rest` is the path below it).
fn respond(
    shared: &Shared,
    method: &str,
    rest: &str,
    query_string: &str,
    query: &[(String, String)],
    authorization: Option<&str>,
) -> (Answer, Option<DcFault>) {
    if rest == "/api/latest/application-properties" && method == "GET" {
        return (Answer::Reply(Reply::with_type(200, JSON, shared.dataset.application_properties().to_string())), None);
    }
    let identity = match authenticate(shared, authorization) {
        Ok(identity) => identity,
        Err(e) => return (Answer::Reply(e.reply()), None),
    };
    let (user, user_id) = match &identity {
        Identity::User => {
            let user = shared.dataset.users().into_iter().find(|u| u["name"] == shared.credentials.username.as_str());
            (shared.credentials.username.clone(), user.map_or(0, |u| u["id"].as_u64().unwrap_or(0)))
        }
        Identity::Project(_) => (PROJECT_TOKEN_USER.to_string(), 0),
    };
    let target = if query_string.is_empty() { rest.to_string() } else { format!("{rest}?{query_string}") };
    let fault = shared.faults.decide(rest, &target);
    let normal = || {
        let result = if method == "GET" { route(shared, &identity, rest, query) } else { Err(not_found(rest)) };
        let mut reply = match result {
            Ok(body) => Reply::with_type(200, JSON, body.to_string()),
            Err(e) => e.reply(),
        };
        reply.headers.push(("X-AUSERNAME", user.clone()));
        reply.headers.push(("X-AUSERID", user_id.to_string()));
        reply
    };
    let answer = match &fault {
        None => Answer::Reply(normal()),
        Some(fault) => faulty(fault, normal),
    };
    (answer, fault)
}

fn faulty(fault: &DcFault, normal: impl FnOnce() -> Reply) -> Answer {
    let reply = match fault {
        DcFault::RateLimited { retry_after } => {
            let mut reply = DcError::new(
                429,
                "You have exceeded the rate limit for this resource. Try again later.",
                "com.atlassian.bitbucket.ratelimit.RateLimitedException",
            )
            .reply();
            reply.headers.push(("Retry-After", retry_after.to_string()));
            reply
        }
        DcFault::ServerError(status) => DcError::new(
            *status,
            "An error occurred while executing an external process: process timed out",
            "com.atlassian.bitbucket.scm.CommandFailedException",
        )
        .reply(),
        DcFault::NoSuchCommit => DcError::new(
            404,
            "A commit this request needs does not exist in the repository.",
            "com.atlassian.bitbucket.commit.NoSuchCommitException",
        )
        .reply(),
        DcFault::MissingNextPageStart => edit_page(normal(), |page| {
            page.insert("isLastPage".to_string(), json!(false));
            page.remove("nextPageStart");
        }),
        DcFault::RepeatPage => edit_page(normal(), |page| {
            let start = page.get("start").cloned().unwrap_or(json!(0));
            page.insert("isLastPage".to_string(), json!(false));
            page.insert("nextPageStart".to_string(), start);
        }),
        DcFault::HtmlNotFound => Reply::with_type(404, "text/html", html_not_found()),
        DcFault::Truncated => return Answer::Truncated(normal()),
        DcFault::Disconnect => return Answer::Drop,
    };
    Answer::Reply(reply)
}

/// `reply` with its page edited; unchanged unless it is a 200 page.
fn edit_page(reply: Reply, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Reply {
    let crate::faults::Body::Bytes(bytes) = &reply.body else { return reply };
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(mut page)) if reply.status == 200 && page.contains_key("isLastPage") => {
            edit(&mut page);
            Reply { body: crate::faults::Body::Bytes(Value::Object(page).to_string().into_bytes()), ..reply }
        }
        _ => reply,
    }
}

fn not_found(path: &str) -> DcError {
    DcError::plain(404, format!("No resource was found at {path}."))
}

/// The default `limit`, and the caps.
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 1000;
const MAX_ACTIVITIES: usize = 500;

fn param<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The page of `values` that `start`/`limit` ask for, `cap` the largest `limit`.
pub(super) fn page(values: Vec<Value>, query: &[(String, String)], cap: usize) -> DcResult {
    let number = |key: &'static str, default: usize| -> Result<usize, DcError> {
        match param(query, key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| DcError::bad_parameter(key, format!("{key} must be a non-negative integer; {v:?} is not one"))),
        }
    };
    let start = number("start", 0)?;
    let limit = number("limit", DEFAULT_LIMIT)?.clamp(1, cap);
    let total = values.len();
    let values: Vec<Value> = values.into_iter().skip(start).take(limit).collect();
    let last = start.saturating_add(limit) >= total;
    let mut page = json!({"size": values.len(), "limit": limit, "isLastPage": last, "values": values, "start": start});
    if !last {
        page["nextPageStart"] = json!(start + limit);
    }
    Ok(page)
}

fn contains(haystack: &Value, needle: &str) -> bool {
    haystack.as_str().is_some_and(|h| h.to_lowercase().contains(&needle.to_lowercase()))
}

/// Keeps the values whose `field(value)` contains `filter` (case-insensitive), if given.
fn filtered(values: Vec<Value>, filter: Option<&str>, fields: impl Fn(&Value) -> Vec<&Value>) -> Vec<Value> {
    match filter {
        None => values,
        Some(f) => values.into_iter().filter(|v| fields(v).into_iter().any(|h| contains(h, f))).collect(),
    }
}

/// The answer of a GET of `rest` (the path below `/rest`).
fn route(shared: &Shared, identity: &Identity, rest: &str, query: &[(String, String)]) -> DcResult {
    let data = &shared.dataset;
    let decoded: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    if let ["branch-permissions", "latest", "projects", key, "repos", slug, "restrictions"] = segments.as_slice() {
        // Another module's root, with the repository's permission checks.
        return project_route(shared, identity, rest, key, &["repos", slug, BRANCH_RESTRICTIONS], query);
    }
    let Some(["api", "latest", tail @ ..]) = Some(segments.as_slice()) else { return Err(not_found(rest)) };
    if let ["projects", key, more @ ..] = tail {
        return project_route(shared, identity, rest, key, more, query);
    }
    if matches!(identity, Identity::Project(_)) {
        return Err(DcError::not_permitted());
    }
    let visible = |repo: &Value| !same_key(repo["project"]["key"].as_str().unwrap_or(""), super::HIDDEN_PROJECT);
    match tail {
        ["projects"] => {
            let projects =
                data.projects().into_iter().filter(|p| p["type"] == "NORMAL" && p["key"] != super::HIDDEN_PROJECT).collect();
            page(filtered(projects, param(query, "name"), |p| vec![&p["name"]]), query, MAX_LIMIT)
        }
        ["users"] => {
            let users =
                filtered(data.users(), param(query, "filter"), |u| vec![&u["name"], &u["displayName"], &u["emailAddress"]]);
            page(users, query, MAX_LIMIT)
        }
        ["admin", "permissions", "users"] => {
            // Global permissions: for administrators only.
            let permissions = data.global_permissions();
            let caller = permissions.iter().find(|p| p["user"]["name"] == shared.credentials.username.as_str());
            if !caller.is_some_and(|p| p["permission"] == "ADMIN" || p["permission"] == "SYS_ADMIN") {
                return Err(DcError::not_permitted());
            }
            page(filtered(permissions, param(query, "filter"), |p| vec![&p["user"]["name"]]), query, MAX_LIMIT)
        }
        ["users", slug] => data.user(slug).ok_or_else(|| {
            DcError::new(404, format!("User {slug} does not exist."), "com.atlassian.bitbucket.user.NoSuchUserException")
        }),
        ["repos"] => {
            let mut repos: Vec<Value> = data.all_repositories().into_iter().filter(visible).collect();
            if let Some(key) = param(query, "projectkey") {
                repos.retain(|r| same_key(r["project"]["key"].as_str().unwrap_or(""), key));
            }
            match param(query, "visibility") {
                None => {}
                Some("public") => repos.retain(|r| r["public"] == true),
                Some("private") => repos.retain(|r| r["public"] == false),
                Some(other) => {
                    return Err(DcError::bad_parameter(
                        "visibility",
                        format!("visibility must be public or private, not {other:?}"),
                    ))
                }
            }
            page(filtered(repos, param(query, "name"), |r| vec![&r["name"]]), query, MAX_LIMIT)
        }
        _ => Err(not_found(rest)),
    }
}

/// `browse` of a directory at `at` (a branch or commit; the tree is the
/// same at each): its entries as the page nested under `children`, at most
/// 500 a page, and, as BSERV-12725 reports, no `nextPageStart` on a page
/// that is not the last.
fn browse(data: &super::DcDataset, key: &str, slug: &str, path: &str, query: &[(String, String)]) -> DcResult {
    if let Some(at) = param(query, "at") {
        let known = |refs: Vec<Value>| refs.iter().any(|r| r["displayId"] == at || r["id"] == at || r["latestCommit"] == at);
        if !known(data.branches(key, slug)) && !data.commits(key, slug).iter().any(|c| c["id"] == at) {
            return Err(DcError::new(
                404,
                format!("Commit '{at}' does not exist in repository '{slug}'."),
                "com.atlassian.bitbucket.commit.NoSuchCommitException",
            ));
        }
    }
    let Some(entries) = data.directory(path) else {
        return Err(DcError::new(
            404,
            format!("The path \"{path}\" does not exist at revision \"{}\"", param(query, "at").unwrap_or("main")),
            "com.atlassian.bitbucket.content.NoSuchPathException",
        ));
    };
    let mut children = page(entries, query, MAX_BROWSE)?;
    if let Value::Object(page) = &mut children {
        page.remove("nextPageStart");
    }
    let components: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    Ok(json!({
        "path": {"components": components, "name": components.last().copied().unwrap_or(""), "toString": path},
        "revision": param(query, "at").unwrap_or("refs/heads/main"),
        "children": children,
    }))
}

/// The most entries a `browse` page holds.
const MAX_BROWSE: usize = 500;

/// The tail `/branch-permissions/latest/projects/{key}/repos/{slug}/restrictions`
/// is routed by, below its repository (no path of the core API has it).
const BRANCH_RESTRICTIONS: &str = "(branch-permissions restrictions)";

fn same_key(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Below `/api/latest/projects/{key}`.
fn project_route(
    shared: &Shared,
    identity: &Identity,
    rest: &str,
    key: &str,
    tail: &[&str],
    query: &[(String, String)],
) -> DcResult {
    let data = &shared.dataset;
    let project = data.project(key).ok_or_else(|| {
        DcError::new(404, format!("Project {key} does not exist."), "com.atlassian.bitbucket.project.NoSuchProjectException")
    })?;
    let key = project["key"].as_str().unwrap_or(key).to_string();
    let permitted = match identity {
        Identity::User => key != super::HIDDEN_PROJECT,
        Identity::Project(token_key) => same_key(token_key, &key),
    };
    if !permitted {
        return Err(DcError::not_permitted());
    }
    let by_name = |values: Vec<Value>, pointer: &'static str| {
        filtered(values, param(query, "filter"), move |v| v.pointer(pointer).into_iter().collect())
    };
    match tail {
        [] => Ok(project),
        ["repos"] => page(data.repositories(&key), query, MAX_LIMIT),
        ["permissions", "users"] => page(by_name(data.project_user_permissions(&key), "/user/name"), query, MAX_LIMIT),
        ["permissions", "groups"] => page(by_name(data.project_group_permissions(&key), "/group/name"), query, MAX_LIMIT),
        ["repos", slug, more @ ..] => {
            let repo = data.repository(&key, slug).ok_or_else(|| {
                DcError::new(
                    404,
                    format!("Repository {key}/{slug} does not exist."),
                    "com.atlassian.bitbucket.repository.NoSuchRepositoryException",
                )
            })?;
            repository_route(shared, rest, &key, slug, repo, more, query)
        }
        _ => Err(not_found(rest)),
    }
}

/// Below `/api/latest/projects/{key}/repos/{slug}`.
fn repository_route(
    shared: &Shared,
    rest: &str,
    key: &str,
    slug: &str,
    repo: Value,
    tail: &[&str],
    query: &[(String, String)],
) -> DcResult {
    let data = &shared.dataset;
    let by_name = |values: Vec<Value>, pointer: &'static str| {
        filtered(values, param(query, "filter"), move |v| v.pointer(pointer).into_iter().collect())
    };
    match tail {
        [] => Ok(repo),
        ["pull-requests"] => page(pull_requests(data.pull_requests(key, slug), query)?, query, MAX_LIMIT),
        ["pull-requests", id, more @ ..] => {
            let pr = id.parse::<u64>().ok().and_then(|id| data.pull_request(key, slug, id)).ok_or_else(|| {
                DcError::new(
                    404,
                    format!("Pull request {id} does not exist in {key}/{slug}."),
                    "com.atlassian.bitbucket.pull.NoSuchPullRequestException",
                )
            })?;
            let id = pr["id"].as_u64().unwrap_or(0);
            match more {
                [] => Ok(pr),
                ["activities"] => page(data.activities(key, slug, id), query, MAX_ACTIVITIES),
                ["commits"] => page(data.pull_request_commits(key, slug, id), query, MAX_LIMIT),
                ["participants"] => page(data.participants(key, slug, id), query, MAX_LIMIT),
                _ => Err(not_found(rest)),
            }
        }
        ["commits"] => page(data.commits(key, slug), query, MAX_LIMIT),
        ["branches"] => page(refs(data.branches(key, slug), data.commits(key, slug), query)?, query, MAX_LIMIT),
        ["tags"] => page(refs(data.tags(key, slug), data.commits(key, slug), query)?, query, MAX_LIMIT),
        ["forks"] => page(data.forks(key, slug), query, MAX_LIMIT),
        [BRANCH_RESTRICTIONS] => page(data.branch_restrictions(key, slug), query, MAX_LIMIT),
        ["browse", path @ ..] => browse(data, key, slug, &path.join("/"), query),
        ["permissions", "users"] => page(by_name(data.repository_user_permissions(key, slug), "/user/name"), query, MAX_LIMIT),
        ["permissions", "groups"] => page(by_name(data.repository_group_permissions(key, slug), "/group/name"), query, MAX_LIMIT),
        _ => Err(not_found(rest)),
    }
}

/// `state` and `order` applied to a repository's pull requests.
fn pull_requests(all: Vec<Value>, query: &[(String, String)]) -> Result<Vec<Value>, DcError> {
    let state = param(query, "state").unwrap_or("OPEN").to_ascii_uppercase();
    if !["OPEN", "MERGED", "DECLINED", "ALL"].contains(&state.as_str()) {
        return Err(DcError::bad_parameter(
            "state",
            format!("state must be one of OPEN, MERGED, DECLINED or ALL, not {state:?}"),
        ));
    }
    let order = param(query, "order").unwrap_or("NEWEST").to_ascii_uppercase();
    if !["NEWEST", "OLDEST"].contains(&order.as_str()) {
        return Err(DcError::bad_parameter("order", format!("order must be NEWEST or OLDEST, not {order:?}")));
    }
    let mut prs: Vec<Value> = all.into_iter().filter(|p| state == "ALL" || p["state"] == state.as_str()).collect();
    prs.sort_by_key(|p| (p["updatedDate"].as_i64().unwrap_or(0), p["id"].as_u64().unwrap_or(0)));
    if order == "NEWEST" {
        prs.reverse();
    }
    Ok(prs)
}

/// `orderBy` applied to branches or tags (by name already).
fn refs(mut refs: Vec<Value>, commits: Vec<Value>, query: &[(String, String)]) -> Result<Vec<Value>, DcError> {
    match param(query, "orderBy").map(str::to_ascii_uppercase).as_deref() {
        None | Some("ALPHABETICAL") => Ok(refs),
        Some("MODIFICATION") => {
            let time = |r: &Value| {
                commits.iter().find(|c| c["id"] == r["latestCommit"]).and_then(|c| c["committerTimestamp"].as_i64()).unwrap_or(0)
            };
            refs.sort_by_key(|r| std::cmp::Reverse(time(r)));
            Ok(refs)
        }
        Some(other) => {
            Err(DcError::bad_parameter("orderBy", format!("orderBy must be ALPHABETICAL or MODIFICATION, not {other:?}")))
        }
    }
}

/// `POST /_fake/dc/pull-requests/{project}/{repo}/{id}`.
fn control(shared: &Shared, method: &str, path: &str, body: &str) -> Reply {
    let result = (|| {
        if method != "POST" {
            return Err(DcError::plain(405, "the control endpoint takes POST"));
        }
        let rest = path.strip_prefix(CONTROL_PREFIX).unwrap_or("");
        let parts: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
        let bad = || DcError::plain(404, format!("use POST {CONTROL_PREFIX}{{projectKey}}/{{repositorySlug}}/{{id}}"));
        let [key, slug, id] = parts.as_slice() else { return Err(bad()) };
        let id: u64 = id.parse().map_err(|_| bad())?;
        let pr = shared.dataset.pull_request(key, slug, id).ok_or_else(bad)?;
        let title = match body.trim() {
            "" => pr["title"].as_str().unwrap_or("").to_string(),
            text => serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| v.get("title").and_then(Value::as_str).map(str::to_string))
                .ok_or_else(|| DcError::plain(400, "the body must be {\"title\": \"...\"} or empty"))?,
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let when = now.max(pr["updatedDate"].as_i64().unwrap_or(0) + 1);
        shared.dataset.update_pull_request(key, slug, id, when, &title).map_err(|e| DcError::plain(400, e.to_string()))?;
        Ok(json!({"updatedDate": when}))
    })();
    match result {
        Ok(body) => Reply::with_type(200, JSON, body.to_string()),
        Err(e) => e.reply(),
    }
}
