use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "workspace-permissions",
    title: "Workspace permissions",
    aliases: &[],
    summary: "Each member's role in a workspace (owner, member, collaborator).",
    params: &[WORKSPACE],
    columns: columns![
        WORKSPACE_SLUG,
        ..user!(key "user", "user", "the member"),
        opt("permission", Text, "permission", "owner, member or collaborator."),
        opt("added_on", Timestamp, "added_on", "When they joined (absent for workspaces administered in admin.atlassian.com)."),
        opt("last_accessed", Timestamp, "last_accessed", "When they last used the workspace (same caveat)."),
    ],
    primary_key: &["workspace", "user_uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/permissions", ..Api::LIST },
    ..LIST
};
