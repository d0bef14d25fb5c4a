use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "tags",
    title: "Tags of a repository",
    aliases: &[],
    description:
        "Tags and the commits they point at, of a repository or of every repository of the \
workspace, from GET /repositories/{workspace}/{repo_slug}/refs/tags. `since`/`days-back` filter \
server side on the tagged commit's date (BBQL target.date).",
    params: &[
        WORKSPACE,
        REPOSITORY_OR_ALL,
        SINCE,
        DAYS_BACK,
        CHANGED_AFTER,
    ],
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
