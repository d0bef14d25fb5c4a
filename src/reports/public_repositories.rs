use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "public-repositories",
    title: "Public repositories of a workspace",
    aliases: &["List All Public Repositories"],
    summary: "The public repositories of a workspace (q=is_private=false). The global GET /repositories listing \
was removed by Atlassian (CHANGE-2770, 410 Gone since 2026), so this is per workspace.",
    params: &[WORKSPACE],
    columns: super::repositories::COLUMNS,
    primary_key: &["uuid"],
    api: Api {
        endpoint: "/repositories/{workspace}",
        filter: Some("is_private = false"),
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: the public repositories of the whole instance.
pub const DATA_CENTER: Report = Report {
    id: "public-repositories",
    columns: super::repositories::DATA_CENTER.columns,
    primary_key: &["uuid"],
    api: Api { endpoint: "/api/latest/repos", query: &[("visibility", "public")], ..Api::DATA_CENTER },
    ..LIST
};
