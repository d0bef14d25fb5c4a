use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "workspace-repository-permissions",
    title: "Effective repository permissions of a whole workspace",
    aliases: &[],
    summary: "Each user's effective permission on each repository of a workspace (direct, via groups or the \
workspace), in one collection; `repository-permissions` reads one repository. Needs admin.",
    params: &[WORKSPACE],
    columns: columns![
        col("repository_uuid", Text, "repository.uuid", "UUID of the repository."),
        opt("repository_full_name", Text, "repository.full_name", "workspace/slug of the repository."),
        ..user!(key "user", "user", "the user"),
        opt("permission", Text, "permission", "admin, write, read or none."),
    ],
    primary_key: &["repository_uuid", "user_uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/permissions/repositories", ..Api::LIST },
    ..LIST
};
