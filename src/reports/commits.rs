use crate::catalog::{col, opt, Report, Status, REPOSITORY, WORKSPACE};
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "commits",
    title: "Commits of a repository",
    aliases: &["List Commits on a Repository for Owner"],
    description: "Commits reachable from any branch, newest first, from \
GET /repositories/{workspace}/{repo_slug}/commits, 100 per page. Bitbucket pages commits with an \
opaque `next` link, so pages are fetched one after another.",
    endpoint: "/repositories/{workspace}/{repository}/commits",
    params: &[WORKSPACE, REPOSITORY],
    query: &[],
    page_len: 100,
    columns: &[
        col(
            "repository",
            Text,
            "repository.full_name",
            "workspace/slug of the repository.",
        ),
        col("hash", Text, "hash", "Full commit hash."),
        col("date", Timestamp, "date", "Author date."),
        col("message", Text, "message", "Full commit message."),
        opt(
            "author_raw",
            Text,
            "author.raw",
            "Author as recorded in git: `Name <email>`.",
        ),
        opt(
            "author_uuid",
            Text,
            "author.user.uuid",
            "UUID of the Bitbucket account, when the author has one.",
        ),
        opt(
            "author_account_id",
            Text,
            "author.user.account_id",
            "Atlassian account id of the author, when known.",
        ),
        opt(
            "author_display_name",
            Text,
            "author.user.display_name",
            "Display name of the author's account, when known.",
        ),
        opt(
            "parents",
            Json,
            "parents",
            "Parent commits, as a JSON list of {hash}.",
        ),
        opt(
            "html_url",
            Text,
            "links.html.href",
            "Web page of the commit.",
        ),
    ],
    primary_key: &["repository", "hash"],
    status: Status::Available,
};
