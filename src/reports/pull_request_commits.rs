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
    api: Api { endpoint: "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/commits", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center.
pub const DATA_CENTER: Report = Report {
    id: "pull-request-commits",
    params: &[PROJECT, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        PULL_REQUEST_ID,
        col("hash", Text, "id", ""),
        millis("date", "authorTimestamp"),
        dc("message", Text, "message"),
        absent("author_raw", Text),
        absent("author_uuid", Text),
        dc("author_display_name", Text, "author.displayName"),
    ],
    primary_key: &["repository", "pull_request_id", "hash"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST_DC),
    api: Api {
        endpoint: "/api/latest/projects/{project}/repos/{repository}/pull-requests/{pull-request}/commits",
        ..Api::DATA_CENTER
    },
    ..LIST
};
