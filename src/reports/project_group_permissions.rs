use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "project-group-permissions",
    title: "Group permissions of a project",
    aliases: &[],
    summary: "Permissions granted to groups on a project, of one project or of every project of the \
workspace. Needs project admin.",
    params: &[WORKSPACE, PROJECT_OR_ALL],
    columns: &[
        PROJECT_KEY,
        col("group_slug", Text, "group.slug", "Group slug (on Data Center: its name)."),
        opt("group_name", Text, "group.name", "Group name."),
        opt("permission", Text, "permission", "admin, create-repo, write, read or none (Data Center: PROJECT_ADMIN is admin)."),
    ],
    primary_key: &["project", "group_slug"],
    fan_out: Some(super::projects::EVERY_PROJECT),
    api: Api { endpoint: "/workspaces/{workspace}/projects/{project}/permissions-config/groups", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center, where a group is known by its name alone.
pub const DATA_CENTER: Report = Report {
    id: "project-group-permissions",
    params: &[PROJECT_OR_ALL],
    columns: columns![PROJECT_KEY, ..*super::repository_group_permissions::DC_GRANT,],
    primary_key: &["project", "group_slug"],
    fan_out: Some(super::projects::EVERY_PROJECT_DC),
    api: Api { endpoint: "/api/latest/projects/{project}/permissions/groups", ..Api::DATA_CENTER },
    ..LIST
};
