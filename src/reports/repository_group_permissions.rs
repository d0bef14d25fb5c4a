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
    ..LIST
};

pub const COLUMNS: &[Column] = &[
    REPOSITORY_SLUG,
    col("group_slug", Text, "group.slug", "Group slug."),
    opt("group_name", Text, "group.name", "Group name."),
    opt("permission", Text, "permission", "admin, write or read."),
];
