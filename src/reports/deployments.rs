use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "deployments",
    title: "Deployments of a repository",
    aliases: &[],
    summary: "Deployments of a repository or of every repository of the workspace.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("uuid", Text, "uuid", "Deployment UUID."),
        opt("state", Text, "state.name", "UNDEPLOYED, IN_PROGRESS, COMPLETED."),
        opt("status", Text, "state.status.name", "SUCCESSFUL, FAILED, STOPPED once completed."),
        opt("environment_uuid", Text, "environment.uuid", "Environment deployed to (see the environments report)."),
        opt("release_name", Text, "release.name", "Release name."),
        opt("commit", Text, "release.commit.hash", "Commit deployed."),
        opt("started_on", Timestamp, "state.started_on", "When it started."),
        opt("completed_on", Timestamp, "state.completed_on", "When it completed."),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/deployments", ..Api::LIST },
    ..LIST
};
