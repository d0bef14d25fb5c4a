use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "workspace-pipeline-variables",
    title: "Pipeline variables of a workspace",
    aliases: &[],
    summary: "Workspace variables of Pipelines, shared by every repository of the workspace: names and whether \
each is secured, never their values.",
    params: &[WORKSPACE],
    columns: columns![WORKSPACE_SLUG, ..super::pipeline_variables::VARIABLE],
    primary_key: &["workspace", "uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/pipelines-config/variables", ..Api::LIST },
    ..LIST
};
