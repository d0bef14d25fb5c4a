use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "workspace-runners",
    title: "Pipelines runners of a workspace",
    aliases: &[],
    summary: "Self-hosted Pipelines runners registered on a workspace (available to all its repositories), with \
their labels and state; never their OAuth client.",
    params: &[WORKSPACE],
    columns: columns![WORKSPACE_SLUG, ..super::repository_runners::RUNNER],
    primary_key: &["workspace", "uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/pipelines-config/runners", ..Api::LIST },
    ..LIST
};
