//! Handlers for the account, workspace and repository sub-resource endpoints
//! (one per endpoint family), the removed endpoints, and the BBQL plumbing
//! shared by the filterable lists. Routed from [`super::routes::dispatch`].

use std::sync::Arc;

use serde_json::Value;

use super::bbql::{self, Expr, Val};
use super::data::{parse, Dataset, PROJECTS};
use super::paging::{paginate, Paging, ACTIVITY, LIST, PIPELINES, STEPS};
use super::routes::{resolve_repo, resolve_workspace, ApiError, ApiRequest, ApiResult};

// ---------------------------------------------------------------- BBQL field sets

/// Top-level fields `q` may use, per family (nested paths below them are free).
pub const REPOSITORY_FIELDS: &[&str] = &[
    "type",
    "uuid",
    "full_name",
    "name",
    "slug",
    "description",
    "scm",
    "is_private",
    "fork_policy",
    "language",
    "size",
    "has_issues",
    "has_wiki",
    "created_on",
    "updated_on",
    "mainbranch",
    "owner",
    "workspace",
    "project",
    "parent",
    "links",
    "override_settings",
];
pub const PULL_REQUEST_FIELDS: &[&str] = &[
    "type",
    "id",
    "title",
    "description",
    "summary",
    "rendered",
    "state",
    "author",
    "source",
    "destination",
    "merge_commit",
    "closed_by",
    "close_source_branch",
    "reason",
    "comment_count",
    "task_count",
    "draft",
    "queued",
    "created_on",
    "updated_on",
    "links",
    "participants",
    "reviewers",
];
const REF_FIELDS: &[&str] = &[
    "type",
    "name",
    "target",
    "links",
    "merge_strategies",
    "default_merge_strategy",
    "message",
    "date",
    "tagger",
];
const COMMENT_FIELDS: &[&str] = &[
    "type",
    "id",
    "created_on",
    "updated_on",
    "content",
    "user",
    "deleted",
    "pending",
    "parent",
    "inline",
    "links",
    "pullrequest",
];
const MEMBERSHIP_FIELDS: &[&str] = &[
    "type",
    "user",
    "workspace",
    "links",
    "permission",
    "last_accessed",
    "added_on",
];
const REPO_PERMISSION_FIELDS: &[&str] = &["type", "permission", "user", "repository"];
const SRC_FIELDS: &[&str] = &[
    "type",
    "path",
    "escaped_path",
    "size",
    "mimetype",
    "attributes",
    "commit",
    "links",
];

/// The request's non-blank `q`.
fn query(req: &ApiRequest) -> Option<String> {
    req.param("q")
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string)
}

/// A list of `total` objects written by `gen`; with `allowed` field names the
/// family supports BBQL, and a `q` keeps only the matching objects (`size`
/// and paging follow the filtered list). Without `allowed`, `q` is ignored.
fn list(
    req: &ApiRequest,
    paging: Paging,
    allowed: Option<&[&str]>,
    total: usize,
    gen: impl Fn(usize) -> String,
) -> ApiResult {
    match (allowed, query(req)) {
        (Some(allowed), Some(q)) => {
            let expr = bbql::parse(&q, allowed)?;
            let kept: Vec<String> = (0..total)
                .map(&gen)
                .filter(|j| expr.matches_json(&parse(j)))
                .collect();
            paginate(req, paging, kept.len(), |range| kept[range].to_vec())
        }
        _ => paginate(req, paging, total, |range| range.map(gen).collect()),
    }
}

// ---------------------------------------------------------------- removed endpoints

/// 410 for the cross-workspace APIs removed by CHANGE-2770.
pub fn gone() -> ApiError {
    ApiError {
        detail: Some("Please read the changelog entry for more details.".to_string()),
        data: Some(
            r#"{"announcement_url":"https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"}"#
                .to_string(),
        ),
        ..ApiError::new(410, "CHANGE-2770 - Functionality has been deprecated")
    }
}

/// The issue tracker (issues, components, versions, milestones) is gone: 404.
pub fn no_issue_tracker(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    resolve_repo(req, ws, repo)?;
    Err(ApiError::not_found("Repository has no issue tracker."))
}

// ---------------------------------------------------------------- the authenticated user

/// `GET /user`.
pub fn get_user(req: &ApiRequest) -> ApiResult {
    Ok(req.dataset.me_json())
}

/// `GET /users/{selected_user}`: a pool user (or the caller) by `{uuid}` or account id.
pub fn get_any_user(req: &ApiRequest, key: &str) -> ApiResult {
    let ds = req.dataset;
    std::iter::once(ds.me_json())
        .chain(ds.users.iter().map(|u| u.json.clone()))
        .find(|j| {
            let v = parse(j);
            v["uuid"] == key || v["account_id"] == key
        })
        .ok_or_else(|| ApiError::not_found(format!("User {key} not found")))
}

/// `GET /user/emails`: numbered pages (pagelen 1-100), primary first.
pub fn list_emails(req: &ApiRequest) -> ApiResult {
    let ds = req.dataset;
    list(req, LIST, None, ds.n_emails(), |i| ds.email_json(i))
}

/// `GET /user/workspaces`: spec order, or `sort=slug` / `sort=-slug`;
/// `administrator=true|false` filters. Other `sort` values are a 400.
pub fn list_user_workspaces(req: &ApiRequest) -> ApiResult {
    let ds = req.dataset;
    let mut order: Vec<usize> = (0..ds.workspaces.len()).collect();
    match req.param("sort") {
        None | Some("") => {}
        Some("slug") => order.sort_by(|&a, &b| ds.workspaces[a].slug.cmp(&ds.workspaces[b].slug)),
        Some("-slug") => order.sort_by(|&a, &b| ds.workspaces[b].slug.cmp(&ds.workspaces[a].slug)),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid sort field: {other}"
            )))
        }
    }
    match req.param("administrator") {
        None => {}
        Some(v @ ("true" | "false")) => {
            order.retain(|&w| ds.is_workspace_admin(w) == (v == "true"))
        }
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "Invalid administrator value: {v}"
            )))
        }
    }
    list(req, LIST, None, order.len(), |i| {
        ds.workspace_access_json(order[i])
    })
}

// ---------------------------------------------------------------- workspaces

/// `GET /workspaces/{workspace}`.
pub fn get_workspace(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    Ok(req.dataset.workspace_full_json(w))
}

/// `GET /workspaces/{workspace}/members` (`permissions == false`) and
/// `GET /workspaces/{workspace}/permissions`: pool order, BBQL `q`.
pub fn list_members(req: &ApiRequest, ws: &str, permissions: bool) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    let members = ds.members_of(w);
    list(req, LIST, Some(MEMBERSHIP_FIELDS), members.len(), |i| {
        ds.membership_json(w, members[i], permissions)
    })
}

/// `GET /workspaces/{workspace}/projects`: by key.
pub fn list_projects(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    list(req, LIST, None, PROJECTS.len(), |p| {
        ds.project_full_json(w, p)
    })
}

/// `GET /workspaces/{workspace}/permissions/repositories/{repo_slug}`: member order, BBQL `q`.
pub fn list_workspace_repo_permissions(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let members = ds.members_of(w);
    list(
        req,
        LIST,
        Some(REPO_PERMISSION_FIELDS),
        members.len(),
        |i| ds.repo_permission_json(w, r, members[i]),
    )
}

// ---------------------------------------------------------------- repositories (BBQL)

/// `GET /repositories/{workspace}`: dataset order, BBQL `q` (e.g. `is_private = false`).
pub fn list_repositories(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    list(req, LIST, Some(REPOSITORY_FIELDS), ds.n_repos(w), |r| {
        ds.repository_json(w, r)
    })
}

// ---------------------------------------------------------------- refs, forks, watchers

/// `…/refs/branches`: by name, BBQL `q` (e.g. `target.date >= 2026-05-01`).
pub fn list_branches(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let branches = ds.branches_meta(w, r);
    list(req, LIST, Some(REF_FIELDS), branches.len(), |i| {
        ds.branch_json(w, r, &branches[i].0, branches[i].1)
    })
}

/// `…/refs/tags`: oldest (lowest version) first, BBQL `q`.
pub fn list_tags(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let tags = ds.tags_meta(w, r);
    list(req, LIST, Some(REF_FIELDS), tags.len(), |i| {
        ds.tag_json(w, r, &tags[i])
    })
}

/// `…/forks`: BBQL `q`.
pub fn list_forks(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, Some(REPOSITORY_FIELDS), ds.n_forks(w, r), |k| {
        ds.fork_json(w, r, k)
    })
}

/// `…/watchers`: accounts, pool order.
pub fn list_watchers(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let users = ds.watchers_of(w, r);
    list(req, LIST, None, users.len(), |i| {
        ds.users[users[i]].json.clone()
    })
}

// ---------------------------------------------------------------- restrictions, permissions

/// `…/branch-restrictions`: id order; `kind` and `pattern` filter exactly.
pub fn list_branch_restrictions(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let mut items: Vec<String> = (0..ds.n_branch_restrictions(w, r))
        .map(|k| ds.branch_restriction_json(w, r, k))
        .collect();
    for key in ["kind", "pattern"] {
        if let Some(want) = req.param(key) {
            items.retain(|j| parse(j)[key] == want);
        }
    }
    list(req, LIST, None, items.len(), |i| items[i].clone())
}

/// `…/permissions-config/users` (no BBQL).
pub fn list_user_permissions(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let perms = ds.user_permissions_of(w, r);
    list(req, LIST, None, perms.len(), |i| {
        ds.user_permission_json(w, r, perms[i])
    })
}

/// `…/permissions-config/groups` (no BBQL).
pub fn list_group_permissions(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let perms = ds.group_permissions_of(w, r);
    list(req, LIST, None, perms.len(), |i| {
        ds.group_permission_json(w, r, perms[i])
    })
}

/// `…/permissions-config/groups/{group_slug}`.
pub fn get_group_permission(req: &ApiRequest, ws: &str, repo: &str, slug: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    ds.group_permissions_of(w, r)
        .into_iter()
        .find(|(g, _)| ds.group_slug(*g) == slug)
        .map(|p| ds.group_permission_json(w, r, p))
        .ok_or_else(|| ApiError::not_found(format!("Group {slug} not found")))
}

// ---------------------------------------------------------------- pipelines, deployments

/// `…/pipelines`: oldest first; `sort=created_on` (same) or `sort=-created_on`
/// (newest first), any other `sort` is a 400. `q` is ignored, as on Bitbucket.
pub fn list_pipelines(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let n = ds.n_pipelines(w, r);
    let newest_first = match req.param("sort") {
        None | Some("" | "created_on") => false,
        Some("-created_on") => true,
        Some(other) => {
            return Err(ApiError {
                detail: Some(format!(
                    "Invalid sort field '{other}': use created_on or -created_on"
                )),
                ..ApiError::bad_request("Bad request")
            })
        }
    };
    list(req, PIPELINES, None, n, |i| {
        ds.pipeline_json(w, r, if newest_first { n - i } else { i + 1 })
    })
}

fn resolve_pipeline(req: &ApiRequest, w: usize, r: usize, key: &str) -> Result<usize, ApiError> {
    req.dataset
        .pipeline_by_uuid(w, r, key)
        .ok_or_else(|| ApiError {
            detail: Some(format!("Pipeline {key} not found")),
            ..ApiError::not_found("Not found")
        })
}

/// `…/pipelines/{pipeline_uuid}` (UUID with or without braces, or build number).
pub fn get_pipeline(req: &ApiRequest, ws: &str, repo: &str, key: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let b = resolve_pipeline(req, w, r, key)?;
    Ok(req.dataset.pipeline_json(w, r, b))
}

/// `…/pipelines/{pipeline_uuid}/steps`: all steps on one page.
pub fn list_steps(req: &ApiRequest, ws: &str, repo: &str, key: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let b = resolve_pipeline(req, w, r, key)?;
    let ds = req.dataset;
    let m = ds.pipeline_meta(w, r, b);
    list(req, STEPS, None, m.steps, |j| ds.step_json(w, r, &m, j))
}

/// `…/deployments`: oldest first.
pub fn list_deployments(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_deployments(w, r), |k| {
        ds.deployment_json(w, r, k)
    })
}

/// `…/environments`: rank order.
pub fn list_environments(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_environments(), |e| {
        ds.environment_json(w, r, e)
    })
}

// ---------------------------------------------------------------- pull request sub-resources

fn resolve_pr(
    req: &ApiRequest,
    ws: &str,
    repo: &str,
    id: &str,
) -> Result<(usize, usize, u32), ApiError> {
    let (w, r) = resolve_repo(req, ws, repo)?;
    match id.parse::<u32>() {
        Ok(n) if n >= 1 && (n as usize) <= req.dataset.n_pull_requests(w, r) => Ok((w, r, n)),
        _ => Err(ApiError::not_found(format!("Pull request {id} not found"))),
    }
}

/// `…/pullrequests/{id}/comments`: oldest first, BBQL `q`.
pub fn list_pr_comments(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let items = req.dataset.pr_comments_json(w, r, id);
    list(req, LIST, Some(COMMENT_FIELDS), items.len(), |i| {
        items[i].clone()
    })
}

/// `…/pullrequests/{id}/commits`: newest first.
pub fn list_pr_commits(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let ds = req.dataset;
    let idx = ds.pr_commit_indexes(w, r, id);
    list(req, LIST, None, idx.len(), |i| ds.commit_json(w, r, idx[i]))
}

/// `…/pullrequests/{id}/activity`: newest first, iterator pagination.
pub fn list_pr_activity(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let items = req.dataset.pr_activity_json(w, r, id);
    list(req, ACTIVITY, None, items.len(), |i| items[i].clone())
}

/// `…/pullrequests/activity`: PRs newest first, each PR's items newest first,
/// iterator pagination.
pub fn list_repo_activity(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let total = *ds.repo_activity_totals(w, r).last().unwrap_or(&0);
    paginate(req, ACTIVITY, total, |range| {
        ds.repo_activity_json(w, r, range)
    })
}

/// Ascending ids of the pull requests (any state) matching BBQL `q`, cached.
/// `state`, `id`, `title`, `created_on`, `updated_on` and the branch names
/// are read without writing the object; other fields from the full object
/// (participants and reviewers included). Changes made while the fake runs
/// (`changes.rs`) are seen: they drop the repository's cached results, and a
/// result computed across a change is not cached.
pub fn pull_requests_matching(
    ds: &Dataset,
    w: usize,
    r: usize,
    q: &str,
) -> Result<Arc<Vec<u32>>, ApiError> {
    let key = (w, r, q.to_string());
    if let Some(ids) = ds
        .query_cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return Ok(ids.clone());
    }
    let generation = ds.cache_generation();
    let expr: Expr = bbql::parse(q, PULL_REQUEST_FIELDS)?;
    let ids: Vec<u32> = (1..=ds.n_pull_requests(w, r) as u32)
        .filter(|&id| {
            let core = ds.pr_core(w, r, id);
            let mut full: Option<Value> = None;
            expr.eval(&mut |field| match field {
                "id" => vec![Val::Num(f64::from(id))],
                "state" => vec![Val::Str(core.state.as_str().to_string())],
                "title" => vec![Val::Str(core.title.clone())],
                "created_on" => vec![Val::Time(core.created)],
                "updated_on" => vec![Val::Time(core.updated_on)],
                "source.branch.name" => vec![Val::Str(core.source_branch.clone())],
                "destination.branch.name" => vec![Val::Str(core.destination_branch.to_string())],
                _ => {
                    let v = full.get_or_insert_with(|| {
                        parse(&ds.pull_request_json_with(w, r, id, true, true))
                    });
                    bbql::json_values(v, field)
                }
            })
        })
        .collect();
    let ids = Arc::new(ids);
    let mut cache = ds.query_cache.lock().unwrap_or_else(|e| e.into_inner());
    if ds.cache_generation() != generation {
        return Ok(ids); // a change came in meanwhile: maybe stale, don't keep it
    }
    if cache.len() >= 256 {
        cache.clear();
    }
    cache.insert(key, ids.clone());
    Ok(ids)
}

// ---------------------------------------------------------------- src

/// `…/src/{commit}/{path}`: `{commit}` is a hash (7+ hex digits) of one of the
/// repository's commits, a branch or tag name (may contain `/`) or `HEAD`. A
/// directory (root: empty path) lists its entries in path order, breadth first
/// down to `max_depth` levels (default 1), with BBQL `q`; `format=meta` gives
/// the directory object itself. A file gives its `commit_file` object (the
/// fake serves no raw content). Unknown commit or path: 404.
pub fn get_src(req: &ApiRequest, ws: &str, repo: &str, rest: &[&str]) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let (commit, path_segments) = if rest.is_empty() {
        (ds.resolve_commit(w, r, "HEAD"), &rest[..0])
    } else {
        (1..=rest.len())
            .find_map(|k| {
                ds.resolve_commit(w, r, &rest[..k].join("/"))
                    .map(|c| (Some(c), &rest[k..]))
            })
            .unwrap_or((None, &rest[..0]))
    };
    let commit = commit.ok_or_else(|| {
        ApiError::not_found(format!("Commit not found: {}", rest.first().unwrap_or(&"")))
    })?;
    let path = path_segments.join("/");
    let entry = Dataset::src_lookup(&path)
        .map_err(|()| ApiError::not_found(format!("No such file or directory: {path}")))?;
    if !Dataset::src_is_dir(entry) || req.param("format") == Some("meta") {
        return Ok(ds.src_entry_json(w, r, commit, entry));
    }
    let depth = match req.param("max_depth") {
        None => 1,
        Some(s) => match s.trim().parse::<usize>() {
            Ok(d) if d >= 1 => d,
            _ => return Err(ApiError::bad_request("Invalid max_depth")),
        },
    };
    let children = Dataset::src_children(entry, depth);
    list(req, LIST, Some(SRC_FIELDS), children.len(), |i| {
        ds.src_entry_json(w, r, commit, Some(children[i]))
    })
}
