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
    cloud: Cloud {
        endpoint: "/repositories/{workspace}/{repository}/commits",
        date_filter: DateFilter::Cutoff("date"),
        ..Cloud::LIST
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
