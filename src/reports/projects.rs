use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "projects",
    title: "Projects of a workspace",
    aliases: &[],
    summary: "Projects of a workspace.",
    params: &[WORKSPACE],
    columns: &[
        WORKSPACE_SLUG,
        col("uuid", Text, "uuid", "Project UUID."),
        opt("key", Text, "key", "Project key."),
        opt("name", Text, "name", "Name."),
        opt("description", Text, "description", "Description."),
        opt("is_private", Boolean, "is_private", "Whether the project is private."),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("updated_on", Timestamp, "updated_on", "When it was last updated."),
        opt("html_url", Text, "links.html.href", "Web page of the project."),
    ],
    primary_key: &["workspace", "uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/projects", ..Api::LIST },
    ..LIST
};

/// Per-project reports cover every project of the workspace when `project`
/// is omitted.
pub const EVERY_PROJECT: FanOut =
    FanOut { param: "project", parent: &REPORT, binds: &[("project", &["key"])], dates_narrow_parent: false };
