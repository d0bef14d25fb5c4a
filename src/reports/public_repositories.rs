use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "public-repositories",
    title: "Public repositories of a workspace",
    aliases: &["List All Public Repositories"],
    description: "The public repositories of a workspace: GET /repositories/{workspace} with \
q=is_private=false. The global GET /repositories listing was removed by Atlassian (CHANGE-2770, \
410 Gone since 2026), so this is per workspace. `since`/`days-back` filter server side on \
updated_on (BBQL).",
    params: &[WORKSPACE, SINCE, DAYS_BACK, CHANGED_AFTER],
    columns: super::repositories::COLUMNS,
    primary_key: &["uuid"],
    cloud: Cloud {
        endpoint: "/repositories/{workspace}",
        filter: Some("is_private = false"),
        date_filter: DateFilter::Bbql("updated_on"),
        ..Cloud::LIST
    },
    ..LIST
};
