//! The router: method and path (prefix stripped, decoded segments) to the
//! handler of the object family that serves it, in `families/`. It only
//! routes: each handler resolves its own path parameters.
//!
//! Adding an endpoint = one line here plus one handler in its family's
//! module, which resolves the path parameters against the
//! [`Dataset`](crate::Dataset) and, for lists, calls `api::list` (BBQL `q`)
//! or `paging::paginate` with the family's `Paging` rules.

use crate::api::{ApiError, ApiRequest, ApiResult};
use crate::families::{
    accounts, commits, deployments, diffstat, hooks, keys, permissions, pipeline_config, pipelines, pr_activity, pr_comments,
    pull_requests, refs, repositories, retired, reviewers, reviews, snippets, source, statuses, workspaces,
};

/// Routes a request by method and decoded path segments (prefix stripped,
/// empty segments dropped, so a trailing slash is tolerated).
pub fn dispatch(req: &ApiRequest, method: &str, segments: &[&str]) -> ApiResult {
    if method != "GET" {
        return Err(ApiError::new(405, format!("Method {method} not allowed")));
    }
    match segments {
        // Removed: CHANGE-2770 cross-workspace APIs (410), teams, followers (404).
        ["repositories"] | ["workspaces"] => Err(retired::gone()),
        ["user", "permissions", "repositories" | "workspaces" | "teams"] => Err(retired::gone()),
        ["teams", ..] | ["users", _, "followers" | "following"] => Err(ApiError::not_found("Resource not found")),

        ["user"] => accounts::get_user(req),
        ["user", "emails"] => accounts::list_emails(req),
        ["user", "workspaces"] => accounts::list_user_workspaces(req),
        ["users", user] => accounts::get_any_user(req, user),
        ["users", user, "ssh-keys"] => keys::list_ssh_keys(req, user),
        ["users", user, "gpg-keys"] => keys::list_gpg_keys(req, user),
        ["user", "workspaces", ws, "permissions", "repositories"] => permissions::list_my_repo_permissions(req, ws),

        ["workspaces", ws] => workspaces::get_workspace(req, ws),
        ["workspaces", ws, "members"] => workspaces::list_members(req, ws, false),
        ["workspaces", ws, "permissions"] => workspaces::list_members(req, ws, true),
        ["workspaces", ws, "permissions", "repositories"] => permissions::list_all_workspace_repo_permissions(req, ws),
        ["workspaces", ws, "permissions", "repositories", repo] => permissions::list_workspace_repo_permissions(req, ws, repo),
        ["workspaces", ws, "projects"] => workspaces::list_projects(req, ws),
        ["workspaces", ws, "pipelines-config", "variables"] => pipeline_config::list_workspace_variables(req, ws),
        ["workspaces", ws, "pipelines-config", "runners"] => pipeline_config::list_workspace_runners(req, ws),
        ["workspaces", ws, "projects", key, "default-reviewers"] => reviewers::list_project_default_reviewers(req, ws, key),
        ["workspaces", ws, "projects", key, "deploy-keys"] => keys::list_project_deploy_keys(req, ws, key),
        ["workspaces", ws, "projects", key, "permissions-config", "users"] => {
            permissions::list_project_user_permissions(req, ws, key)
        }
        ["workspaces", ws, "projects", key, "permissions-config", "groups"] => {
            permissions::list_project_group_permissions(req, ws, key)
        }
        ["workspaces", ws, "pullrequests", user] => pull_requests::list_user_pull_requests(req, ws, user),
        ["workspaces", ws, "hooks"] => hooks::list_workspace_hooks(req, ws),

        ["snippets", ws] => snippets::list_snippets(req, ws),
        ["snippets", ws, id, "comments"] => snippets::list_snippet_comments(req, ws, id),
        ["snippets", ws, id, "commits"] => snippets::list_snippet_commits(req, ws, id),

        ["repositories", ws] => repositories::list_repositories(req, ws),
        ["repositories", ws, repo] => repositories::get_repository(req, ws, repo),
        ["repositories", ws, repo, "pullrequests"] => pull_requests::list_pull_requests(req, ws, repo),
        ["repositories", ws, repo, "pullrequests", "activity"] => pr_activity::list_repo_activity(req, ws, repo),
        ["repositories", ws, repo, "pullrequests", id] => pull_requests::get_pull_request(req, ws, repo, id),
        ["repositories", ws, repo, "pullrequests", id, "activity"] => pr_activity::list_pr_activity(req, ws, repo, id),
        ["repositories", ws, repo, "pullrequests", id, "comments"] => pr_comments::list_pr_comments(req, ws, repo, id),
        ["repositories", ws, repo, "pullrequests", id, "commits"] => commits::list_pr_commits(req, ws, repo, id),
        ["repositories", ws, repo, "pullrequests", id, "statuses"] => statuses::list_pr_statuses(req, ws, repo, id),
        ["repositories", ws, repo, "pullrequests", id, "tasks"] => reviews::list_pr_tasks(req, ws, repo, id),
        ["repositories", ws, repo, "pullrequests", id, "diffstat"] => diffstat::redirect_pr_diffstat(req, ws, repo, id),
        ["repositories", ws, repo, "commits"] => commits::list_commits(req, ws, repo),
        ["repositories", ws, repo, "commit", c, "statuses"] => statuses::list_commit_statuses(req, ws, repo, c),
        ["repositories", ws, repo, "commit", c, "comments"] => reviews::list_commit_comments(req, ws, repo, c),
        ["repositories", ws, repo, "commit", c, "reports"] => statuses::list_insights_reports(req, ws, repo, c),
        ["repositories", ws, repo, "commit", c, "reports", id, "annotations"] => statuses::list_annotations(req, ws, repo, c, id),
        ["repositories", ws, repo, "diffstat", spec] => diffstat::get_diffstat(req, ws, repo, spec),
        ["repositories", ws, repo, "refs"] => refs::list_refs(req, ws, repo),
        ["repositories", ws, repo, "diffstat", spec_ws, spec] => diffstat::get_revspec_diffstat(req, ws, repo, spec_ws, spec),
        ["repositories", ws, repo, "refs", "branches"] => refs::list_branches(req, ws, repo),
        ["repositories", ws, repo, "refs", "tags"] => refs::list_tags(req, ws, repo),
        ["repositories", ws, repo, "forks"] => repositories::list_forks(req, ws, repo),
        ["repositories", ws, repo, "watchers"] => repositories::list_watchers(req, ws, repo),
        ["repositories", ws, repo, "branch-restrictions"] => permissions::list_branch_restrictions(req, ws, repo),
        ["repositories", ws, repo, "permissions-config", "users"] => permissions::list_user_permissions(req, ws, repo),
        ["repositories", ws, repo, "permissions-config", "groups"] => permissions::list_group_permissions(req, ws, repo),
        ["repositories", ws, repo, "permissions-config", "groups", group] => {
            permissions::get_group_permission(req, ws, repo, group)
        }
        ["repositories", ws, repo, "default-reviewers"] => reviewers::list_default_reviewers(req, ws, repo),
        ["repositories", ws, repo, "effective-default-reviewers"] => reviewers::list_effective_default_reviewers(req, ws, repo),
        ["repositories", ws, repo, "deploy-keys"] => keys::list_deploy_keys(req, ws, repo),
        ["repositories", ws, repo, "hooks"] => hooks::list_repo_hooks(req, ws, repo),
        ["repositories", ws, repo, "pipelines"] => pipelines::list_pipelines(req, ws, repo),
        ["repositories", ws, repo, "pipelines", id] => pipelines::get_pipeline(req, ws, repo, id),
        ["repositories", ws, repo, "pipelines", id, "steps"] => pipelines::list_steps(req, ws, repo, id),
        ["repositories", ws, repo, "pipelines-config", "caches"] => pipeline_config::list_caches(req, ws, repo),
        ["repositories", ws, repo, "pipelines-config", "runners"] => pipeline_config::list_repo_runners(req, ws, repo),
        ["repositories", ws, repo, "pipelines_config", "schedules"] => pipeline_config::list_schedules(req, ws, repo),
        ["repositories", ws, repo, "pipelines_config", "ssh", "known_hosts"] => pipeline_config::list_known_hosts(req, ws, repo),
        ["repositories", ws, repo, "pipelines_config", "variables"] => pipeline_config::list_repo_variables(req, ws, repo),
        ["repositories", ws, repo, "deployments_config", "environments", env, "variables"] => {
            pipeline_config::list_deployment_variables(req, ws, repo, env)
        }
        ["repositories", ws, repo, "deployments"] => deployments::list_deployments(req, ws, repo),
        ["repositories", ws, repo, "environments"] => deployments::list_environments(req, ws, repo),
        ["repositories", ws, repo, "src", rest @ ..] => source::get_src(req, ws, repo, rest),
        ["repositories", ws, repo, "filehistory", rest @ ..] => source::get_file_history(req, ws, repo, rest),
        ["repositories", ws, repo, "issues" | "components" | "versions" | "milestones", ..] => {
            retired::no_issue_tracker(req, ws, repo)
        }
        _ => Err(ApiError::not_found("Resource not found")),
    }
}
