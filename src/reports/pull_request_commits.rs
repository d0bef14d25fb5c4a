use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-request-commits",
    title: "Commits of pull requests",
    aliases: &[],
    summary: "The commits of a pull request, or of every pull request (of a repository or of the whole workspace).",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: &[
        param_col("repository", "repository", "Slug of the repository."),
        Column { ty: Integer, ..param_col("pull_request_id", "pull-request", "The pull request.") },
        col("hash", Text, "hash", "Full commit hash."),
        col("date", Timestamp, "date", "Author date."),
        col("message", Text, "message", "Full commit message."),
        opt("author_raw", Text, "author.raw", "Author as recorded in git."),
        opt("author_uuid", Text, "author.user.uuid", "UUID of the author's account, when known."),
        opt("author_display_name", Text, "author.user.display_name", "Display name of the author's account, when known."),
    ],
    primary_key: &["repository", "pull_request_id", "hash"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST),
    cloud: Cloud { endpoint: "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/commits", ..Cloud::LIST },
    ..LIST
};
