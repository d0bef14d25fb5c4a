use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "user-repository-permissions",
    title: "The authenticated user's repository permissions",
    aliases: &[],
    summary: "The authenticated user's own permission on each repository of a workspace it can see (the \
replacement for the removed `/user/permissions/repositories`).",
    params: &[WORKSPACE],
    columns: &[
        WORKSPACE_SLUG,
        col("repository_uuid", Text, "repository.uuid", "UUID of the repository."),
        opt("repository_full_name", Text, "repository.full_name", "workspace/slug of the repository."),
        opt("repository_name", Text, "repository.name", "Display name of the repository."),
        opt("permission", Text, "permission", "admin, write or read."),
    ],
    primary_key: &["workspace", "repository_uuid"],
    api: Api { endpoint: "/user/workspaces/{workspace}/permissions/repositories", ..Api::LIST },
    ..LIST
};
