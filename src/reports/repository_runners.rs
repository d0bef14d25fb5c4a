use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "repository-runners",
    title: "Pipelines runners of a repository",
    aliases: &[],
    summary: "Self-hosted Pipelines runners registered on a repository (or on every repository of the workspace), \
with their labels and state; never their OAuth client.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![REPOSITORY_SLUG, ..RUNNER],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/pipelines-config/runners", ..Api::LIST },
    ..LIST
};

/// A runner (shared with `workspace-runners`); its `oauth_client` is never read.
pub const RUNNER: [Column; 8] = {
    use crate::cells::ColumnType::*;
    [
        col("uuid", Text, "uuid", "Runner UUID."),
        opt("name", Text, "name", "Name."),
        opt("labels", Json, "labels", "Labels steps select the runner by, as a JSON list."),
        opt("status", Text, "state.status", "ONLINE, OFFLINE, UNREGISTERED, DISABLED, ENABLED or UNHEALTHY."),
        opt("version", Text, "state.version.version", "Runner version installed."),
        opt("cordoned", Boolean, "state.cordoned", "Whether it is kept from taking new steps."),
        opt("created_on", Timestamp, "created_on", "When it was registered."),
        opt("updated_on", Timestamp, "updated_on", "When it last changed."),
    ]
};
