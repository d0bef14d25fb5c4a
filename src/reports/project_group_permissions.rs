use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "project-group-permissions",
    title: "Group permissions of a project",
    aliases: &[],
    summary: "Permissions granted to groups on a project, of one project or of every project of the \
workspace. Needs project admin.",
    params: &[WORKSPACE, PROJECT_OR_ALL],
    columns: &[
        PROJECT_KEY,
        col("group_slug", Text, "group.slug", "Group slug."),
        opt("group_name", Text, "group.name", "Group name."),
        opt("permission", Text, "permission", "admin, create-repo, write, read or none."),
    ],
    primary_key: &["project", "group_slug"],
    fan_out: Some(super::projects::EVERY_PROJECT),
    api: Api { endpoint: "/workspaces/{workspace}/projects/{project}/permissions-config/groups", ..Api::LIST },
    ..LIST
};
