use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "repository-user-permissions",
    title: "Explicit user permissions of a repository",
    aliases: &["List Repository Privileges"],
    summary: "Permissions granted to users directly on a repository (the replacement for the 1.0 privileges \
endpoint). Needs repository admin.",
    params: &[WORKSPACE, REPOSITORY],
    columns: COLUMNS,
    primary_key: &["repository", "user_uuid"],
    api: Api { endpoint: "/repositories/{workspace}/{repository}/permissions-config/users", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: the explicit grants (`REPO_ADMIN`: admin).
pub const DATA_CENTER: Report = Report {
    id: "repository-user-permissions",
    params: &[PROJECT, REPOSITORY],
    columns: &[
        REPOSITORY_SLUG,
        id_text("user_uuid", "user.id"),
        dc("user_display_name", Text, "user.displayName"),
        absent("user_account_id", Text),
        derived("permission", Text, dc_permission),
    ],
    primary_key: &["repository", "user_uuid"],
    api: Api { endpoint: "/api/latest/projects/{project}/repos/{repository}/permissions/users", ..Api::DATA_CENTER },
    ..LIST
};

/// Shared with `repository-permissions`: the same permission objects.
pub const COLUMNS: &[Column] = &[
    REPOSITORY_SLUG,
    col("user_uuid", Text, "user.uuid", "UUID of the user."),
    opt("user_display_name", Text, "user.display_name", "Display name."),
    opt("user_account_id", Text, "user.account_id", "Atlassian account id."),
    opt("permission", Text, "permission", "admin, write or read (Data Center: REPO_ADMIN is admin)."),
];
