use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "project-default-reviewers",
    title: "Default reviewers of a project",
    aliases: &[],
    summary: "The default reviewers set on a project, which its repositories inherit, of one project or of \
every project of the workspace. Needs project admin.",
    params: &[WORKSPACE, PROJECT_OR_ALL],
    columns: columns![
        PROJECT_KEY,
        ..user!(key "user", "user", "the reviewer"),
        opt("reviewer_type", Text, "reviewer_type", "project."),
    ],
    primary_key: &["project", "user_uuid"],
    fan_out: Some(super::projects::EVERY_PROJECT),
    api: Api { endpoint: "/workspaces/{workspace}/projects/{project}/default-reviewers", ..Api::LIST },
    ..LIST
};
