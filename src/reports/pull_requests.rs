use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-requests",
    title: "Pull requests of a repository",
    aliases: &["List Pullrequest"],
    summary: "Every pull request in every state (OPEN, MERGED, DECLINED, SUPERSEDED; Bitbucket returns only OPEN \
unless asked), of a repository or of every repository of the workspace; with BBQL \
the states are in the query too.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        col("id", Integer, "id", "Pull request number within the repository."),
        opt("title", Text, "title", "Title."),
        opt("description", Text, "description", "Description (Markdown)."),
        opt("state", Text, "state", "OPEN, MERGED, DECLINED or SUPERSEDED."),
        ..user!("author", "author", "the author"),
        opt("source_branch", Text, "source.branch.name", "Branch the changes come from."),
        opt("source_commit", Text, "source.commit.hash", "Head commit of the source branch."),
        opt("source_repository", Text, "source.repository.full_name", "Repository the changes come from (differs for forks)."),
        opt("destination_branch", Text, "destination.branch.name", "Branch the changes go into."),
        opt("destination_commit", Text, "destination.commit.hash", "Commit of the destination branch."),
        opt("merge_commit", Text, "merge_commit.hash", "The merge commit, once merged."),
        opt("close_source_branch", Boolean, "close_source_branch", "Whether the source branch closes on merge."),
        ..user!(brief "closed_by", "closed_by", "who merged or declined it"),
        opt("reason", Text, "reason", "Reason given when declined."),
        opt("comment_count", Integer, "comment_count", "Number of comments."),
        opt("task_count", Integer, "task_count", "Number of open tasks."),
        opt("created_on", Timestamp, "created_on", "When it was opened."),
        opt("updated_on", Timestamp, "updated_on", "When it last changed."),
        opt("html_url", Text, "links.html.href", "Web page of the pull request."),
    ],
    primary_key: &["repository", "id"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests",
        query: ALL_STATES,
        page_len: 50,
        filter: Some(STATES_BBQL),
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: every state, most recently updated first (`NEWEST`),
/// so the date parameters stop paging at the first older one.
pub const DATA_CENTER: Report = Report {
    id: "pull-requests",
    params: &[PROJECT, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("id", Integer, "id", ""),
        dc("title", Text, "title"),
        dc("description", Text, "description"),
        dc("state", Text, "state"),
        absent("author_uuid", Text),
        absent("author_account_id", Text),
        dc("author_display_name", Text, "author.user.displayName"),
        dc("source_branch", Text, "fromRef.displayId"),
        dc("source_commit", Text, "fromRef.latestCommit"),
        absent("source_repository", Text),
        dc("destination_branch", Text, "toRef.displayId"),
        dc("destination_commit", Text, "toRef.latestCommit"),
        absent("merge_commit", Text),
        absent("close_source_branch", Boolean),
        absent("closed_by_uuid", Text),
        absent("closed_by_display_name", Text),
        absent("reason", Text),
        absent("comment_count", Integer),
        absent("task_count", Integer),
        millis("created_on", "createdDate"),
        millis("updated_on", "updatedDate"),
        absent("html_url", Text),
    ],
    primary_key: &["repository", "id"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY_DC),
    api: Api {
        endpoint: "/api/latest/projects/{project}/repos/{repository}/pull-requests",
        query: &[("state", "ALL"), ("order", "NEWEST")],
        date_filter: DateFilter::Cutoff("updatedDate"),
        ..Api::DATA_CENTER
    },
    ..LIST
};

/// Bitbucket lists only OPEN pull requests unless each state is asked for.
pub const ALL_STATES: &[(&str, &str)] = &[("state", "OPEN"), ("state", "MERGED"), ("state", "DECLINED"), ("state", "SUPERSEDED")];

/// With `q`, Bitbucket ignores `state`: the states go into the query too.
pub const STATES_BBQL: &str = r#"(state = "OPEN" OR state = "MERGED" OR state = "DECLINED" OR state = "SUPERSEDED")"#;

/// Per-pull-request reports cover every pull request (of the repository,
/// or of every repository) when `pull-request` is omitted.
pub const EVERY_PULL_REQUEST: FanOut = FanOut {
    param: "pull-request",
    parent: &REPORT,
    binds: &[("repository", &["repository"]), ("pull-request", &["id"])],
    dates_narrow_parent: true,
};

/// [`EVERY_PULL_REQUEST`] on Data Center.
pub const EVERY_PULL_REQUEST_DC: FanOut = FanOut { parent: &DATA_CENTER, ..EVERY_PULL_REQUEST };
