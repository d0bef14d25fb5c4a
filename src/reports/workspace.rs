use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "workspace",
    title: "Workspace details",
    aliases: &["List Team Details"],
    summary: "One workspace (formerly a team). On Data Center, which has no workspaces: the instance, its `uuid` and \
`slug` the base URL's host and path (`git.example.com/bitbucket`).",
    params: &[WORKSPACE],
    columns: &[
        col("uuid", Text, "uuid", "Workspace UUID."),
        opt("slug", Text, "slug", "Workspace slug."),
        opt("name", Text, "name", "Display name."),
        opt("is_private", Boolean, "is_private", "Whether the workspace is private."),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("html_url", Text, "links.html.href", "Web page of the workspace."),
        absent_on_cloud("version", Text, "Data Center only: the instance's version (`9.4.3`)."),
    ],
    primary_key: &["uuid"],
    api: Api { endpoint: "/workspaces/{workspace}", shape: Shape::Object, ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center, which has no workspaces: the instance, named by its
/// base URL (`git.example.com/bitbucket`), from its application
/// properties (which Data Center serves without authentication).
pub const DATA_CENTER: Report = Report {
    id: "workspace",
    columns: &[
        param_col("uuid", INSTANCE, ""),
        Column { nullable: true, ..param_col("slug", INSTANCE, "") },
        dc("name", Text, "displayName"),
        absent("is_private", Boolean),
        absent("created_on", Timestamp),
        absent("html_url", Text),
        dc("version", Text, "version"),
    ],
    primary_key: &["uuid"],
    api: Api { endpoint: "/api/latest/application-properties", shape: Shape::Object, ..Api::DATA_CENTER },
    ..LIST
};
