//! Reports whose endpoints Atlassian removed. They stay in the catalog so
//! users migrating from other connectors find them, with what to use instead;
//! running one fails with `retired-upstream` and sends nothing.

use crate::catalog::*;

const fn retired(
    id: &'static str,
    title: &'static str,
    endpoint: &'static str,
    since: &'static str,
    reason: &'static str,
    replacement: Option<&'static str>,
) -> Report {
    Report {
        id,
        title,
        aliases: &[],
        summary: reason,
        status: Status::RetiredUpstream { since, reason, replacement },
        api: Api { endpoint, ..Api::LIST },
        ..LIST
    }
}

const USERNAMES_GONE: &str = "Bitbucket removed follower listings with the GDPR username removal and \
the /2.0/users and /2.0/teams endpoints (removed by 2020-10-14); there is no replacement";
const TEAMS_GONE: &str = "Bitbucket removed /2.0/teams (teams are workspaces now) on 2020-10-14, \
and workspaces have no followers";
const EVENTS_GONE: &str = "Bitbucket removed API 1.0 and its events endpoints on 2019-04-29; \
webhooks replace them for push delivery, and pull request activity, commits and pipelines for polling";
const ISSUES_GONE: &str = "Atlassian removed Bitbucket Issues and Wikis, with their API, on \
2026-08-20; Atlassian points users to Jira";

pub const FOLLOWERS: Report = retired(
    "followers",
    "List Followers for Username",
    "/users/{username}/followers",
    "2020-10-14",
    USERNAMES_GONE,
    Some("watchers"),
);
pub const FOLLOWINGS: Report = retired(
    "followings",
    "List Followings for Username",
    "/users/{username}/following",
    "2020-10-14",
    USERNAMES_GONE,
    Some("watchers"),
);
pub const TEAM_FOLLOWERS: Report = retired(
    "team-followers",
    "List Team Followers",
    "/teams/{username}/followers",
    "2020-10-14",
    TEAMS_GONE,
    Some("workspace-members"),
);
pub const TEAM_FOLLOWING: Report = retired(
    "team-following",
    "List Team Following",
    "/teams/{username}/following",
    "2020-10-14",
    TEAMS_GONE,
    Some("workspace-members"),
);
pub const REPOSITORY_EVENTS: Report = retired(
    "repository-events",
    "List Events for Repository",
    "/1.0/repositories/{owner}/{repo}/events",
    "2019-04-29",
    EVENTS_GONE,
    Some("pull-request-activity"),
);
pub const ACCOUNT_EVENTS: Report = retired(
    "account-events",
    "List Account Events",
    "/1.0/users/{account}/events",
    "2019-04-29",
    EVENTS_GONE,
    Some("pull-request-activity"),
);
pub const ISSUE_COMPONENTS: Report = retired(
    "issue-components",
    "List Issue Component for Repository",
    "/repositories/{workspace}/{repo_slug}/components",
    "2026-08-20",
    ISSUES_GONE,
    None,
);
pub const ISSUE_VERSIONS: Report = retired(
    "issue-versions",
    "List Issue Versions for Repository",
    "/repositories/{workspace}/{repo_slug}/versions",
    "2026-08-20",
    ISSUES_GONE,
    None,
);
pub const ISSUE_MILESTONES: Report = retired(
    "issue-milestones",
    "List Issue Milestone for Repository",
    "/repositories/{workspace}/{repo_slug}/milestones",
    "2026-08-20",
    ISSUES_GONE,
    None,
);
pub const ISSUES: Report =
    retired("issues", "Issues of a repository", "/repositories/{workspace}/{repo_slug}/issues", "2026-08-20", ISSUES_GONE, None);
pub const ISSUE_COMMENTS: Report = retired(
    "issue-comments",
    "Comments on issues",
    "/repositories/{workspace}/{repo_slug}/issues/{issue_id}/comments",
    "2026-08-20",
    ISSUES_GONE,
    None,
);
