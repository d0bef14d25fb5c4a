use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pipeline-schedules",
    title: "Pipeline schedules of a repository",
    aliases: &[],
    summary: "Scheduled pipelines (a cron pattern and the branch and pipeline it runs) of a repository or of every \
repository of the workspace.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("uuid", Text, "uuid", "Schedule UUID."),
        opt("enabled", Boolean, "enabled", "Whether the schedule runs."),
        opt("cron_pattern", Text, "cron_pattern", "Cron expression with seconds (7 fields), in UTC."),
        opt("ref_type", Text, "target.ref_type", "branch, tag, ..."),
        opt("ref_name", Text, "target.ref_name", "Branch the pipeline runs on."),
        opt("selector_type", Text, "target.selector.type", "Which pipeline of the configuration: branches, custom, ..."),
        opt("selector_pattern", Text, "target.selector.pattern", "Its name or pattern in bitbucket-pipelines.yml."),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("updated_on", Timestamp, "updated_on", "When it was last changed."),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/pipelines_config/schedules", ..Api::LIST },
    ..LIST
};
