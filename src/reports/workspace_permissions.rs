use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "workspace-permissions",
    title: "Workspace permissions",
    aliases: &[],
    summary: "Each member's role in a workspace (owner, member, collaborator). On Data Center: each user's global \
permission on the instance (needs ADMIN; `forbidden` otherwise).",
    params: &[WORKSPACE],
    columns: columns![
        WORKSPACE_SLUG,
        ..user!(key "user", "user", "the member"),
        opt(
            "permission",
            Text,
            "permission",
            "owner, member or collaborator (Data Center, its global permission: sys_admin, admin, project_create or licensed_user)."
        ),
        opt("added_on", Timestamp, "added_on", "When they joined (absent for workspaces administered in admin.atlassian.com)."),
        opt("last_accessed", Timestamp, "last_accessed", "When they last used the workspace (same caveat)."),
    ],
    primary_key: &["workspace", "user_uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/permissions", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: the users' global permissions (needs ADMIN), in lower
/// case (`sys_admin`, `admin`, `project_create`, `licensed_user`).
pub const DATA_CENTER: Report = Report {
    id: "workspace-permissions",
    columns: columns![
        param_col("workspace", INSTANCE, ""),
        ..dc_user!(key "user", "user"),
        derived("permission", Text, |item| item.word("permission", &[], Unlisted::Lowercase)),
        absent("added_on", Timestamp),
        absent("last_accessed", Timestamp),
    ],
    primary_key: &["workspace", "user_uuid"],
    api: Api { endpoint: "/api/latest/admin/permissions/users", ..Api::DATA_CENTER },
    ..LIST
};
