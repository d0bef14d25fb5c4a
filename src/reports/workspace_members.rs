use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "workspace-members",
    title: "Members of a workspace",
    aliases: &["List Users for Account", "List Team Members", "List Users"],
    summary: "Every member of a workspace (formerly team members). On Data Center: every user of the instance.",
    params: &[WORKSPACE],
    columns: columns![
        WORKSPACE_SLUG,
        ..user!(key "user", "user", "the member"),
        opt("user_nickname", Text, "user.nickname", "Nickname (on Data Center: the login)."),
        absent_on_cloud("user_email", Text, "Data Center only: the email address, where the instance shows it."),
        absent_on_cloud("user_active", Boolean, "Data Center only: whether the account is active."),
    ],
    primary_key: &["workspace", "user_uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/members", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: the users of the instance (any signed-in user may list
/// them), `workspace` the instance as `workspace` names it.
pub const DATA_CENTER: Report = Report {
    id: "workspace-members",
    columns: &[
        param_col("workspace", INSTANCE, ""),
        id_text("user_uuid", "id"),
        absent("user_account_id", Text),
        dc("user_display_name", Text, "displayName"),
        dc("user_nickname", Text, "name"),
        dc("user_email", Text, "emailAddress"),
        dc("user_active", Boolean, "active"),
    ],
    primary_key: &["workspace", "user_uuid"],
    api: Api { endpoint: "/api/latest/users", ..Api::DATA_CENTER },
    ..LIST
};
