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
pub const COLUMNS: &[Column] = &[
    param_col("repository", "repository", "Slug of the repository."),
    col("hash", Text, "hash", "Full commit hash."),
    col("date", Timestamp, "date", "Author date."),
    col("message", Text, "message", "Full commit message."),
    opt("author_raw", Text, "author.raw", "Author as recorded in git: `Name <email>`."),
    opt("author_uuid", Text, "author.user.uuid", "UUID of the Bitbucket account, when the author has one."),
    opt("author_account_id", Text, "author.user.account_id", "Atlassian account id of the author, when known."),
    opt("author_display_name", Text, "author.user.display_name", "Display name of the author's account, when known."),
    opt("parents", Json, "parents", "Parent commits, as a JSON list of {hash}."),
    opt("html_url", Text, "links.html.href", "Web page of the commit."),
];
