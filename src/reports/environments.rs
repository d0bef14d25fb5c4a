use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "environments",
    title: "Deployment environments of a repository",
    aliases: &[],
    summary: "Deployment environments (Test, Staging, Production, ...) of a repository or of every repository of \
the workspace.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("uuid", Text, "uuid", "Environment UUID."),
        opt("name", Text, "name", "Name."),
        opt("slug", Text, "slug", "Slug."),
        opt("environment_type", Text, "environment_type.name", "Test, Staging or Production."),
        opt("rank", Integer, "rank", "Order of the environment."),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/environments", ..Api::LIST },
    ..LIST
};

/// Per-environment reports (deployment variables) cover every environment
/// (of the repository, or of every repository) when `environment` is omitted.
pub const EVERY_ENVIRONMENT: FanOut = FanOut {
    param: "environment",
    parent: &REPORT,
    binds: &[("repository", &["repository"]), ("environment", &["uuid"])],
    dates_narrow_parent: false,
};
