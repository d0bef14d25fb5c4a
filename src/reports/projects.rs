use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "projects",
    title: "Projects of a workspace",
    aliases: &[],
    summary: "Projects of a workspace.",
    params: &[WORKSPACE],
    columns: &[
        Column { nullable: true, description: "Workspace slug (null on Data Center, which has none).", ..WORKSPACE_SLUG },
        col("uuid", Text, "uuid", "Project UUID (on Data Center: its numeric id)."),
        opt("key", Text, "key", "Project key."),
        opt("name", Text, "name", "Name."),
        opt("description", Text, "description", "Description."),
        opt("is_private", Boolean, "is_private", "Whether the project is private."),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("updated_on", Timestamp, "updated_on", "When it was last updated."),
        opt("html_url", Text, "links.html.href", "Web page of the project."),
    ],
    primary_key: &["uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/projects", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: every project the credentials can see, on the whole
/// instance (personal projects `~user` are not listed there).
pub const DATA_CENTER: Report = Report {
    id: "projects",
    columns: &[
        absent("workspace", Text),
        id_text("uuid", "id"),
        dc("key", Text, "key"),
        dc("name", Text, "name"),
        dc("description", Text, "description"),
        derived("is_private", Boolean, dc_is_private),
        absent("created_on", Timestamp),
        absent("updated_on", Timestamp),
        dc("html_url", Text, "links.self.0.href"),
    ],
    primary_key: &["uuid"],
    api: Api { endpoint: "/api/latest/projects", ..Api::DATA_CENTER },
    ..LIST
};

/// [`EVERY_PROJECT`] on Data Center: every project of the instance.
pub const EVERY_PROJECT_DC: FanOut = FanOut { parent: &DATA_CENTER, ..EVERY_PROJECT };

/// Per-project reports cover every project of the workspace when `project`
/// is omitted.
pub const EVERY_PROJECT: FanOut =
    FanOut { param: "project", parent: &REPORT, binds: &[("project", &["key"])], dates_narrow_parent: false };
