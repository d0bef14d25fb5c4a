use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-request-comments",
    title: "Comments on pull requests",
    aliases: &[],
    summary: "Global and inline comments and replies on a pull request, or on every pull request (of a repository \
or of the whole workspace). A date narrows the pull requests visited too.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        PULL_REQUEST_ID,
        ..*COMMENT,
        absent_on_cloud("severity", Text, "Data Center only: NORMAL, or BLOCKER for a task."),
        absent_on_cloud("comment_state", Text, "Data Center only: OPEN or RESOLVED."),
        absent_on_cloud("thread_resolved", Boolean, "Data Center only: whether the thread is resolved."),
    ],
    primary_key: &["repository", "pull_request_id", "id"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/comments",
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: from each pull request's activities (its comment
/// listing needs a file path), every thread with its replies flattened,
/// the inline anchor kept; a comment's newest activity says what it is now
/// (DELETED: `deleted`). A date narrows the pull requests visited.
pub const DATA_CENTER: Report = Report {
    id: "pull-request-comments",
    params: &[PROJECT, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        PULL_REQUEST_ID,
        col("id", Integer, "id", ""),
        derived("parent_id", Integer, |item| item.replied_to?.get("id").cloned()),
        dc("content", Text, "text"),
        ..dc_user!(brief "user", "author"),
        parent_opt("inline_path", Text, "commentAnchor.path", ""),
        derived("inline_from", Integer, |item| anchored_line(item, "FROM")),
        derived("inline_to", Integer, |item| anchored_line(item, "TO")),
        derived("deleted", Boolean, |item| Some(serde_json::Value::Bool(item.parent.get("commentAction")? == "DELETED"))),
        millis("created_on", "createdDate"),
        millis("updated_on", "updatedDate"),
        dc("severity", Text, "severity"),
        dc("comment_state", Text, "state"),
        dc("thread_resolved", Boolean, "threadResolved"),
    ],
    primary_key: &["repository", "pull_request_id", "id"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST_DC),
    api: Api {
        each: Some(Each::Thread { root: "comment", replies: "comments" }),
        ..super::pull_request_activity::DATA_CENTER.api
    },
    ..LIST
};

/// An inline comment's line on one side of the diff: Data Center's anchor
/// names one line, of the old file (`FROM`) or of the new (`TO`).
fn anchored_line(item: Item, side: &str) -> Option<serde_json::Value> {
    let anchor = item.parent.get("commentAnchor")?;
    (anchor.get("fileType")? == side).then(|| anchor.get("line").cloned()).flatten()
}

/// A comment's own columns, shared with `commit-comments`: the same objects.
pub const COMMENT: &[Column] = columns![
    col("id", Integer, "id", "Comment id."),
    opt("parent_id", Integer, "parent.id", "The comment this one replies to."),
    opt("content", Text, "content.raw", "Text of the comment (Markdown)."),
    ..user!(brief "user", "user", "the author"),
    opt("inline_path", Text, "inline.path", "File an inline comment is on."),
    opt("inline_from", Integer, "inline.from", "Old line number of an inline comment."),
    opt("inline_to", Integer, "inline.to", "New line number of an inline comment."),
    opt("deleted", Boolean, "deleted", "Whether the comment was deleted."),
    opt("created_on", Timestamp, "created_on", "When it was written."),
    opt("updated_on", Timestamp, "updated_on", "When it was last edited."),
];
