use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-request-comments",
    title: "Comments on pull requests",
    aliases: &[],
    summary: "Global and inline comments and replies on a pull request, or on every pull request (of a repository \
or of the whole workspace). A date narrows the pull requests visited too.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: columns![REPOSITORY_SLUG, PULL_REQUEST_ID, ..*COMMENT,],
    primary_key: &["repository", "pull_request_id", "id"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/comments",
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    ..LIST
};

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
