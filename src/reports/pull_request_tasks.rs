use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-request-tasks",
    title: "Tasks of pull requests",
    aliases: &[],
    summary: "Tasks (to-do items, on their own or on a comment) of a pull request, or of every pull request (of a \
repository or of the whole workspace). A date narrows the pull requests visited too.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        PULL_REQUEST_ID,
        col("id", Integer, "id", "Task id."),
        col("state", Text, "state", "UNRESOLVED or RESOLVED."),
        opt("content", Text, "content.raw", "Text of the task (Markdown)."),
        ..user!(brief "creator", "creator", "who created it"),
        opt("comment_id", Integer, "comment.id", "The comment the task is on, if any."),
        opt("pending", Boolean, "pending", "Whether the task is a draft, not yet published."),
        col("created_on", Timestamp, "created_on", "When it was created."),
        col("updated_on", Timestamp, "updated_on", "When it last changed."),
        opt("resolved_on", Timestamp, "resolved_on", "When it was resolved."),
        ..user!(brief "resolved_by", "resolved_by", "who resolved it"),
    ],
    primary_key: &["repository", "pull_request_id", "id"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/tasks",
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    ..LIST
};
