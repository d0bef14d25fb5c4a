use crate::catalog::{col, opt, Report, Status, REPOSITORY, WORKSPACE};
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-requests",
    title: "Pull requests of a repository",
    aliases: &["List Pullrequest"],
    description: "Every pull request of a repository in every state (OPEN, MERGED, DECLINED, \
SUPERSEDED; Bitbucket returns only OPEN unless asked), from \
GET /repositories/{workspace}/{repo_slug}/pullrequests, 50 per page (the endpoint's maximum).",
    endpoint: "/repositories/{workspace}/{repository}/pullrequests",
    params: &[WORKSPACE, REPOSITORY],
    query: &[
        ("state", "OPEN"),
        ("state", "MERGED"),
        ("state", "DECLINED"),
        ("state", "SUPERSEDED"),
    ],
    page_len: 50,
    columns: &[
        col(
            "repository",
            Text,
            "destination.repository.full_name",
            "workspace/slug of the target repository.",
        ),
        col(
            "id",
            Integer,
            "id",
            "Pull request number within the repository.",
        ),
        col("title", Text, "title", "Title."),
        opt(
            "description",
            Text,
            "description",
            "Description (Markdown).",
        ),
        col(
            "state",
            Text,
            "state",
            "OPEN, MERGED, DECLINED or SUPERSEDED.",
        ),
        opt("author_uuid", Text, "author.uuid", "UUID of the author."),
        opt(
            "author_account_id",
            Text,
            "author.account_id",
            "Atlassian account id of the author.",
        ),
        opt(
            "author_display_name",
            Text,
            "author.display_name",
            "Display name of the author.",
        ),
        opt(
            "source_branch",
            Text,
            "source.branch.name",
            "Branch the changes come from.",
        ),
        opt(
            "source_commit",
            Text,
            "source.commit.hash",
            "Head commit of the source branch.",
        ),
        opt(
            "source_repository",
            Text,
            "source.repository.full_name",
            "Repository the changes come from (differs for forks).",
        ),
        opt(
            "destination_branch",
            Text,
            "destination.branch.name",
            "Branch the changes go into.",
        ),
        opt(
            "destination_commit",
            Text,
            "destination.commit.hash",
            "Commit of the destination branch.",
        ),
        opt(
            "merge_commit",
            Text,
            "merge_commit.hash",
            "The merge commit, once merged.",
        ),
        opt(
            "close_source_branch",
            Boolean,
            "close_source_branch",
            "Whether the source branch closes on merge.",
        ),
        opt(
            "closed_by_uuid",
            Text,
            "closed_by.uuid",
            "UUID of who merged or declined it.",
        ),
        opt(
            "closed_by_display_name",
            Text,
            "closed_by.display_name",
            "Display name of who merged or declined it.",
        ),
        opt("reason", Text, "reason", "Reason given when declined."),
        opt(
            "comment_count",
            Integer,
            "comment_count",
            "Number of comments.",
        ),
        opt("task_count", Integer, "task_count", "Number of open tasks."),
        col("created_on", Timestamp, "created_on", "When it was opened."),
        col(
            "updated_on",
            Timestamp,
            "updated_on",
            "When it last changed.",
        ),
        opt(
            "html_url",
            Text,
            "links.html.href",
            "Web page of the pull request.",
        ),
    ],
    primary_key: &["repository", "id"],
    status: Status::Available,
};
