use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "snippets",
    title: "Snippets of a workspace",
    aliases: &[],
    summary: "The snippets of a workspace that the credentials can see (titles and owners; not their files).",
    params: &[WORKSPACE],
    columns: columns![
        WORKSPACE_SLUG,
        col("id", Text, "id", "Snippet id, as in its URL (e.g. `kypj9`)."),
        opt("title", Text, "title", "Title."),
        opt("scm", Text, "scm", "git."),
        opt("is_private", Boolean, "is_private", "Whether the snippet is private."),
        ..user!(brief "owner", "owner", "the owning account"),
        ..user!(brief "creator", "creator", "who created it"),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("updated_on", Timestamp, "updated_on", "When it was last updated."),
        opt("html_url", Text, "links.html.href", "Web page of the snippet."),
    ],
    primary_key: &["workspace", "id"],
    api: Api { endpoint: "/snippets/{workspace}", ..Api::LIST },
    ..LIST
};

/// Per-snippet reports cover every snippet of the workspace when `snippet`
/// is omitted.
pub const EVERY_SNIPPET: FanOut =
    FanOut { param: "snippet", parent: &REPORT, binds: &[("snippet", &["id"])], dates_narrow_parent: false };
