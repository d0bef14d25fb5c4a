use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "repository-permissions",
    title: "Effective repository permissions",
    aliases: &[],
    summary: "Each user's effective permission on a repository (direct, via groups or the workspace). Needs admin.",
    params: &[WORKSPACE, REPOSITORY],
    columns: super::repository_user_permissions::COLUMNS,
    primary_key: &["repository", "user_uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/permissions/repositories/{repository}", ..Api::LIST },
    ..LIST
};
