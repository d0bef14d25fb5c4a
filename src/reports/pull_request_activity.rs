use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-request-activity",
    title: "Pull request activity",
    aliases: &["List Pullrequest Activity"],
    summary: "Updates, approvals, comments and change requests on pull requests: for one pull request, for a whole \
repository in one stream, or for every repository of the workspace.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PULL_REQUEST],
    columns: &[
        REPOSITORY_SLUG,
        col("pull_request_id", Integer, "pull_request.id", "The pull request."),
        Column {
            nullable: false,
            source: Source::KeyOf(KINDS),
            ..opt("kind", Text, "", "update, approval, comment or changes_requested.")
        },
        Column {
            nullable: false,
            source: Source::FirstOf(&["update.date", "approval.date", "comment.created_on", "changes_requested.date"]),
            ..opt("occurred_on", Timestamp, "", "When it happened.")
        },
        Column {
            nullable: false,
            source: Source::FirstOf(&[
                "update.author.uuid",
                "approval.user.uuid",
                "comment.user.uuid",
                "changes_requested.user.uuid",
            ]),
            ..opt("user_uuid", Text, "", "UUID of who did it.")
        },
        Column {
            source: Source::FirstOf(&[
                "update.author.display_name",
                "approval.user.display_name",
                "comment.user.display_name",
                "changes_requested.user.display_name",
            ]),
            ..opt("user_display_name", Text, "", "Display name of who did it.")
        },
        opt("update_state", Text, "update.state", "For updates: the pull request's state after it."),
        opt("comment_id", Integer, "comment.id", "For comments: the comment id."),
        opt("comment_content", Text, "comment.content.raw", "For comments: the text."),
    ],
    primary_key: &["repository", "pull_request_id", "kind", "occurred_on", "user_uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests/activity",
        narrowed_by: Some(("pull-request", "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/activity")),
        ..Api::LIST
    },
    ..LIST
};

const KINDS: &[&str] = &["update", "approval", "comment", "changes_requested"];

const PULL_REQUEST: Param = Param {
    description: "Pull request id; omit it for the activity of every pull request of the repository.",
    ..PULL_REQUEST_OR_ALL
};
