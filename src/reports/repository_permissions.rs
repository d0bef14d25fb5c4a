use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "repository-permissions",
    title: "Effective repository permissions",
    aliases: &[],
    description: "Each user's effective permission on a repository (direct, via groups or the \
workspace), from GET /workspaces/{workspace}/permissions/repositories/{repo_slug}. Needs admin.",
    endpoint: "/workspaces/{workspace}/permissions/repositories/{repository}",
    params: &[WORKSPACE, REPOSITORY],
    columns: &[
        param_col("repository", "repository", "Slug of the repository."),
        col("user_uuid", Text, "user.uuid", "UUID of the user."),
        opt(
            "user_display_name",
            Text,
            "user.display_name",
            "Display name.",
        ),
        opt(
            "user_account_id",
            Text,
            "user.account_id",
            "Atlassian account id.",
        ),
        col("permission", Text, "permission", "admin, write or read."),
    ],
    primary_key: &["repository", "user_uuid"],
    ..LIST
};
