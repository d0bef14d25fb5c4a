use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "pipeline-variables",
    title: "Pipeline variables of a repository",
    aliases: &[],
    summary: "Repository variables of Pipelines, for a repository or for every repository of the workspace: \
names and whether each is secured, never their values.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![REPOSITORY_SLUG, ..VARIABLE],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/pipelines_config/variables", ..Api::LIST },
    ..LIST
};

/// A pipeline or deployment variable without its value (shared with
/// `workspace-pipeline-variables` and `deployment-variables`): the value is
/// never read, secured or not.
pub const VARIABLE: [Column; 3] = [
    col("uuid", crate::cells::ColumnType::Text, "uuid", "Variable UUID."),
    opt("key", crate::cells::ColumnType::Text, "key", "Name of the variable."),
    opt("secured", crate::cells::ColumnType::Boolean, "secured", "Whether the value is secured (hidden in logs and the UI)."),
];
