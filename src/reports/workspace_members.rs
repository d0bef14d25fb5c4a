use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "workspace-members",
    title: "Members of a workspace",
    aliases: &["List Users for Account", "List Team Members", "List Users"],
    summary: "Every member of a workspace (formerly team members).",
    params: &[WORKSPACE],
    columns: &[
        param_col("workspace", "workspace", "Workspace slug."),
        col("user_uuid", Text, "user.uuid", "UUID of the member."),
        opt("user_account_id", Text, "user.account_id", "Atlassian account id."),
        opt("user_display_name", Text, "user.display_name", "Display name."),
        opt("user_nickname", Text, "user.nickname", "Nickname."),
    ],
    primary_key: &["workspace", "user_uuid"],
    cloud: Cloud { endpoint: "/workspaces/{workspace}/members", ..Cloud::LIST },
    ..LIST
};
