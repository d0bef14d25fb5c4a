use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "commit-comments",
    title: "Comments on commits",
    aliases: &[],
    summary: "Global and inline comments and replies on a commit, or on every commit (of a repository or of the \
whole workspace). A date narrows the commits visited too.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, COMMIT_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        super::commit_statuses::COMMIT,
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
    ],
    primary_key: &["repository", "commit", "id"],
    fan_out: Some(super::commits::EVERY_COMMIT),
    cloud: Cloud {
        endpoint: "/repositories/{workspace}/{repository}/commit/{commit}/comments",
        date_filter: DateFilter::Bbql("updated_on"),
        ..Cloud::LIST
    },
    ..LIST
};
