use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "repository-group-permissions",
    title: "Group permissions of a repository",
    aliases: &["List Group Privileges on a Repository"],
    summary: "Permissions granted to groups on a repository (see `repository-group-permission` for one group). \
Needs repository admin.",
    params: &[WORKSPACE, REPOSITORY],
    columns: COLUMNS,
    primary_key: &["repository", "group_slug"],
    api: Api { endpoint: "/repositories/{workspace}/{repository}/permissions-config/groups", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center, where a group is known by its name alone.
pub const DATA_CENTER: Report = Report {
    id: "repository-group-permissions",
    params: &[PROJECT, REPOSITORY],
    columns: columns![REPOSITORY_SLUG, ..*DC_GRANT,],
    primary_key: &["repository", "group_slug"],
    api: Api { endpoint: "/api/latest/projects/{project}/repos/{repository}/permissions/groups", ..Api::DATA_CENTER },
    ..LIST
};

pub const COLUMNS: &[Column] = &[
    REPOSITORY_SLUG,
    col("group_slug", Text, "group.slug", "Group slug (on Data Center: its name)."),
    opt("group_name", Text, "group.name", "Group name."),
    opt("permission", Text, "permission", "admin, write or read."),
];

/// A group's grant on Data Center, shared with `project-group-permissions`:
/// the same objects, where a group is known by its name.
pub const DC_GRANT: &[Column] = &[
    col("group_slug", Text, "group.name", ""),
    dc("group_name", Text, "group.name"),
    derived("permission", Text, dc_permission),
];
