use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "commits",
    title: "Commits of a repository",
    aliases: &["List Commits on a Repository for Owner"],
    summary: "Commits reachable from any branch, newest first, of a repository or of every repository of the \
workspace. Bitbucket pages commits with an opaque `next` link.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: COLUMNS,
    primary_key: &["repository", "hash"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/commits", date_filter: DateFilter::Cutoff("date"), ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: newest first from the default branch's tip, so the
/// date parameters stop paging at the first older author date.
pub const DATA_CENTER: Report = Report {
    id: "commits",
    params: &[PROJECT, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("hash", Text, "id", ""),
        millis("date", "authorTimestamp"),
        dc("message", Text, "message"),
        absent("author_raw", Text),
        absent("author_uuid", Text),
        absent("author_account_id", Text),
        dc("author_display_name", Text, "author.displayName"),
        dc("parents", Json, "parents"),
        absent("html_url", Text),
    ],
    primary_key: &["repository", "hash"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY_DC),
    api: Api {
        endpoint: "/api/latest/projects/{project}/repos/{repository}/commits",
        date_filter: DateFilter::Cutoff("authorTimestamp"),
        ..Api::DATA_CENTER
    },
    ..LIST
};

/// Shared with `pull-request-commits`.
pub const COLUMNS: &[Column] = columns![
    REPOSITORY_SLUG,
    col("hash", Text, "hash", "Full commit hash."),
    opt("date", Timestamp, "date", "Author date."),
    opt("message", Text, "message", "Full commit message."),
    ..git_author!("author", "author"),
    opt("parents", Json, "parents", "Parent commits, as a JSON list of {hash}."),
    opt("html_url", Text, "links.html.href", "Web page of the commit."),
];

/// Per-commit reports (statuses, comments, code insights, diffstat) cover
/// every commit (of the repository, or of every repository) when `commit`
/// is omitted; the commits come newest first, so a date narrows the
/// commits visited.
pub const EVERY_COMMIT: FanOut = FanOut {
    param: "commit",
    parent: &REPORT,
    binds: &[("repository", &["repository"]), ("commit", &["hash"])],
    dates_narrow_parent: true,
};
