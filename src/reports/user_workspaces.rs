use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "user-workspaces",
    title: "Workspaces of the authenticated user",
    aliases: &[],
    summary: "The workspaces the credentials can access (the replacement for the removed GET /workspaces listing). On \
Data Center: one row, the instance (see `workspace`).",
    columns: &[
        col("workspace_uuid", Text, "workspace.uuid", "Workspace UUID."),
        opt("workspace_slug", Text, "workspace.slug", "Workspace slug."),
        opt("workspace_name", Text, "workspace.name", "Display name."),
        opt("administrator", Boolean, "administrator", "Whether the user administers it."),
    ],
    primary_key: &["workspace_uuid"],
    api: Api { endpoint: "/user/workspaces", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: the one instance, as `workspace` names it.
pub const DATA_CENTER: Report = Report {
    id: "user-workspaces",
    columns: &[
        param_col("workspace_uuid", INSTANCE, ""),
        Column { nullable: true, ..param_col("workspace_slug", INSTANCE, "") },
        dc("workspace_name", Text, "displayName"),
        absent("administrator", Boolean),
    ],
    primary_key: &["workspace_uuid"],
    api: super::workspace::DATA_CENTER.api,
    ..LIST
};
