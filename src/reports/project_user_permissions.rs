use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "project-user-permissions",
    title: "Explicit user permissions of a project",
    aliases: &[],
    summary: "Permissions granted to users directly on a project, of one project or of every project of the \
workspace. Needs project admin.",
    params: &[WORKSPACE, PROJECT_OR_ALL],
    columns: columns![
        PROJECT_KEY,
        ..user!(key "user", "user", "the user"),
        opt("permission", Text, "permission", "admin, create-repo, write, read or none (Data Center: PROJECT_ADMIN is admin)."),
    ],
    primary_key: &["project", "user_uuid"],
    fan_out: Some(super::projects::EVERY_PROJECT),
    api: Api { endpoint: "/workspaces/{workspace}/projects/{project}/permissions-config/users", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: of one project, or of every project of the instance.
pub const DATA_CENTER: Report = Report {
    id: "project-user-permissions",
    params: &[PROJECT_OR_ALL],
    columns: columns![PROJECT_KEY, ..dc_user!(key "user", "user"), derived("permission", Text, dc_permission),],
    primary_key: &["project", "user_uuid"],
    fan_out: Some(super::projects::EVERY_PROJECT_DC),
    api: Api { endpoint: "/api/latest/projects/{project}/permissions/users", ..Api::DATA_CENTER },
    ..LIST
};
