use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "workspace-members",
    title: "Members of a workspace",
    aliases: &["List Users for Account", "List Team Members", "List Users"],
    summary: "Every member of a workspace (formerly team members).",
    params: &[WORKSPACE],
    columns: columns![
        WORKSPACE_SLUG,
        ..user!(key "user", "user", "the member"),
        opt("user_nickname", Text, "user.nickname", "Nickname."),
    ],
    primary_key: &["workspace", "user_uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/members", ..Api::LIST },
    ..LIST
};
