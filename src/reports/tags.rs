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
    cloud: Cloud {
        endpoint: "/repositories/{workspace}/{repository}/refs/tags",
        date_filter: DateFilter::Bbql("target.date"),
        ..Cloud::LIST
    },
    ..LIST
};
