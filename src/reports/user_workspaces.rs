use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "user-workspaces",
    title: "Workspaces of the authenticated user",
    aliases: &[],
    summary: "The workspaces the credentials can access (the replacement for the removed GET /workspaces listing).",
    columns: &[
        col("workspace_uuid", Text, "workspace.uuid", "Workspace UUID."),
        opt("workspace_slug", Text, "workspace.slug", "Workspace slug."),
        opt("workspace_name", Text, "workspace.name", "Display name."),
        opt("administrator", Boolean, "administrator", "Whether the user administers it."),
    ],
    primary_key: &["workspace_uuid"],
    api: Api { endpoint: "/user/workspaces", ..Api::LIST },
    ..LIST
};
