use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-request-commits",
    title: "Commits of pull requests",
    aliases: &[],
    summary: "The commits of a pull request, or of every pull request (of a repository or of the whole workspace).",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        PULL_REQUEST_ID,
        col("hash", Text, "hash", "Full commit hash."),
        opt("date", Timestamp, "date", "Author date."),
        opt("message", Text, "message", "Full commit message."),
        ..git_author!(brief "author", "author"),
    ],
    primary_key: &["repository", "pull_request_id", "hash"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST),
    cloud: Cloud { endpoint: "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/commits", ..Cloud::LIST },
    ..LIST
};
