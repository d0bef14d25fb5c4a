use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "forks",
    title: "Forks of a repository",
    aliases: &["List Forks on a Repository for Owner"],
    summary: "Forks of a repository (or of every repository of the workspace).",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![
        param_col("repository", "repository", "Slug of the repository that was forked."),
        col("uuid", Text, "uuid", "UUID of the fork."),
        opt("full_name", Text, "full_name", "workspace/slug of the fork."),
        opt("name", Text, "name", "Display name of the fork."),
        opt("is_private", Boolean, "is_private", "Whether the fork is private."),
        ..user!(brief "owner", "owner", "the fork's owner"),
        opt("created_on", Timestamp, "created_on", "When the fork was made."),
        opt("updated_on", Timestamp, "updated_on", "When the fork was last updated."),
        opt("html_url", Text, "links.html.href", "Web page of the fork."),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/forks",
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: the direct forks the credentials can read.
pub const DATA_CENTER: Report = Report {
    id: "forks",
    params: &[PROJECT, REPOSITORY_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        id_text("uuid", "id"),
        derived("full_name", Text, dc_full_name),
        dc("name", Text, "name"),
        derived("is_private", Boolean, dc_is_private),
        ..dc_user!(brief "owner", "project.owner"),
        absent("created_on", Timestamp),
        absent("updated_on", Timestamp),
        dc("html_url", Text, "links.self.0.href"),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY_DC),
    api: Api { endpoint: "/api/latest/projects/{project}/repos/{repository}/forks", ..Api::DATA_CENTER },
    ..LIST
};
