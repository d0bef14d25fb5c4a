use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "workspace",
    title: "Workspace details",
    aliases: &["List Team Details"],
    summary: "One workspace (formerly a team).",
    params: &[WORKSPACE],
    columns: &[
        col("uuid", Text, "uuid", "Workspace UUID."),
        opt("slug", Text, "slug", "Workspace slug."),
        opt("name", Text, "name", "Display name."),
        opt("is_private", Boolean, "is_private", "Whether the workspace is private."),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("html_url", Text, "links.html.href", "Web page of the workspace."),
    ],
    primary_key: &["uuid"],
    api: Api { endpoint: "/workspaces/{workspace}", shape: Shape::Object, ..Api::LIST },
    ..LIST
};
