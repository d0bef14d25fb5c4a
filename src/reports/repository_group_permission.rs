use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "repository-group-permission",
    title: "One group's permission on a repository",
    aliases: &["List Group Privileges on a Repository"],
    summary: "The permission of one group on a repository (the replacement for the 1.0 group-privileges endpoint). \
Needs repository admin.",
    params: &[WORKSPACE, REPOSITORY, slug_param("group", true, "Group slug.")],
    columns: super::repository_group_permissions::COLUMNS,
    primary_key: &["repository", "group_slug"],
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/permissions-config/groups/{group}",
        shape: Shape::Object,
        ..Api::LIST
    },
    ..LIST
};
