use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "snippet-commits",
    title: "Revisions of snippets",
    aliases: &[],
    summary: "The commits (revisions) of a snippet, newest first, or of every snippet of the workspace.",
    params: &[WORKSPACE, SNIPPET_OR_ALL],
    columns: columns![
        param_col("snippet", "snippet", "Id of the snippet."),
        col("hash", Text, "hash", "Commit hash."),
        opt("date", Timestamp, "date", "Commit date."),
        opt("message", Text, "message", "Commit message."),
        ..git_author!(brief "author", "author"),
    ],
    primary_key: &["snippet", "hash"],
    fan_out: Some(super::snippets::EVERY_SNIPPET),
    api: Api { endpoint: "/snippets/{workspace}/{snippet}/commits", ..Api::LIST },
    ..LIST
};
