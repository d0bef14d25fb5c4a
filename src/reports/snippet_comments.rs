use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "snippet-comments",
    title: "Comments on snippets",
    aliases: &[],
    summary: "Comments on a snippet, or on every snippet of the workspace.",
    params: &[WORKSPACE, SNIPPET_OR_ALL],
    columns: columns![
        param_col("snippet", "snippet", "Id of the snippet."),
        col("id", Integer, "id", "Comment id."),
        opt("content", Text, "content.raw", "Text of the comment (Markdown)."),
        ..user!(brief "user", "user", "the author"),
        opt("created_on", Timestamp, "created_on", "When it was written."),
        opt("updated_on", Timestamp, "updated_on", "When it was last edited."),
    ],
    primary_key: &["snippet", "id"],
    fan_out: Some(super::snippets::EVERY_SNIPPET),
    api: Api { endpoint: "/snippets/{workspace}/{snippet}/comments", ..Api::LIST },
    ..LIST
};
