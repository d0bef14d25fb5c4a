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
            ..opt("kind", Text, "", "update, approval, comment or changes_requested (on Data Center also its other actions, in lower case: unapproved, ...).")
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
        absent_on_cloud(
            "action",
            Text,
            "Data Center only: its action (OPENED, UPDATED, RESCOPED, APPROVED, UNAPPROVED, REVIEWED, COMMENTED, MERGED, DECLINED, REOPENED, ...)."
        ),
    ],
    primary_key: &["repository", "pull_request_id", "kind", "occurred_on", "user_uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests/activity",
        narrowed_by: Some(("pull-request", "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/activity")),
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: each pull request's activities (at most 500 a page),
/// the action told in Cloud's kinds where one fits.
pub const DATA_CENTER: Report = Report {
    id: "pull-request-activity",
    params: &[PROJECT, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        PULL_REQUEST_ID,
        Column { nullable: false, ..derived("kind", Text, dc_kind) },
        Column { nullable: false, ..millis("occurred_on", "createdDate") },
        id_text("user_uuid", "user.id"),
        dc("user_display_name", Text, "user.displayName"),
        derived("update_state", Text, |item| {
            let states = [("OPENED", "OPEN"), ("REOPENED", "OPEN"), ("MERGED", "MERGED"), ("DECLINED", "DECLINED")];
            item.word("action", &states, Unlisted::Null)
        }),
        dc("comment_id", Integer, "comment.id"),
        dc("comment_content", Text, "comment.text"),
        dc("action", Text, "action"),
    ],
    primary_key: &["repository", "pull_request_id", "kind", "occurred_on", "user_uuid"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST_DC),
    api: Api {
        endpoint: "/api/latest/projects/{project}/repos/{repository}/pull-requests/{pull-request}/activities",
        page_len: 500,
        ..Api::DATA_CENTER
    },
    ..LIST
};

/// A Data Center action as Cloud's kind: approval, comment,
/// changes_requested (REVIEWED: "needs work"), update (the pull request
/// itself changed); others (UNAPPROVED, REVIEW_FINISHED, ...) in lower case.
fn dc_kind(item: Item) -> Option<serde_json::Value> {
    const KINDS: &[(&str, &str)] = &[
        ("APPROVED", "approval"),
        ("COMMENTED", "comment"),
        ("REVIEWED", "changes_requested"),
        ("OPENED", "update"),
        ("UPDATED", "update"),
        ("RESCOPED", "update"),
        ("MERGED", "update"),
        ("DECLINED", "update"),
        ("REOPENED", "update"),
    ];
    item.word("action", KINDS, Unlisted::Lowercase)
}

const KINDS: &[&str] = &["update", "approval", "comment", "changes_requested"];

const PULL_REQUEST: Param = Param {
    description: "Pull request id; omit it for the activity of every pull request of the repository.",
    ..PULL_REQUEST_OR_ALL
};
