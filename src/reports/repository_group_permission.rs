use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "repository-group-permission",
    title: "One group's permission on a repository",
    aliases: &["List Group Privileges on a Repository"],
    summary: "The permission of one group on a repository (the replacement for the 1.0 group-privileges endpoint). \
Needs repository admin.",
    params: &[WORKSPACE, REPOSITORY, GROUP],
    columns: super::repository_group_permissions::COLUMNS,
    primary_key: &["repository", "group_slug"],
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/permissions-config/groups/{group}",
        shape: Shape::Object,
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center, which has no single-group endpoint: the repository's
/// group grants filtered by the name (a substring match), only that group
/// kept; no row when it has no grant there.
pub const DATA_CENTER: Report = Report {
    id: "repository-group-permission",
    params: &[PROJECT, REPOSITORY, GROUP],
    api: Api {
        query: &[("filter", "{group}")],
        only: Some(|item| item.matches("group.name", "group")),
        ..super::repository_group_permissions::DATA_CENTER.api
    },
    ..super::repository_group_permissions::DATA_CENTER
};

const GROUP: Param = slug_param("group", true, "Group slug (on Data Center: its name).");
