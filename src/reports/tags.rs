use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "tags",
    title: "Tags of a repository",
    aliases: &[],
    summary: "Tags and the commits they point at, of a repository or of every repository of the workspace; their \
date is the tagged commit's (target.date).",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: super::branches::REF_COLUMNS,
    primary_key: &["repository", "name"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/refs/tags",
        date_filter: DateFilter::Bbql("target.date"),
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: no dates (a tag there carries no commit date).
pub const DATA_CENTER: Report = Report {
    id: "tags",
    params: &[PROJECT, REPOSITORY_OR_ALL],
    columns: super::branches::DC_REF_COLUMNS,
    primary_key: &["repository", "name"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY_DC),
    api: Api { endpoint: "/api/latest/projects/{project}/repos/{repository}/tags", ..Api::DATA_CENTER },
    ..LIST
};
