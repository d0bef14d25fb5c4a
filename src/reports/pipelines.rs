use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pipelines",
    title: "Pipelines of a repository",
    aliases: &[],
    summary: "Pipeline runs, newest first (sort=-created_on), of a repository or of every repository of the \
workspace. Bitbucket ignores BBQL here.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        col("uuid", Text, "uuid", "Pipeline UUID."),
        opt("build_number", Integer, "build_number", "Build number within the repository."),
        opt("state", Text, "state.name", "PENDING, IN_PROGRESS, COMPLETED, ..."),
        opt("result", Text, "state.result.name", "SUCCESSFUL, FAILED, STOPPED, ... once completed."),
        opt("trigger", Text, "trigger.name", "PUSH, MANUAL, SCHEDULE, ..."),
        opt("ref_type", Text, "target.ref_type", "branch, tag, ..."),
        opt("ref_name", Text, "target.ref_name", "Branch or tag name."),
        opt("commit", Text, "target.commit.hash", "Commit built."),
        ..user!(brief "creator", "creator", "who started it"),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("completed_on", Timestamp, "completed_on", "When it completed."),
        opt("duration_seconds", Integer, "duration_in_seconds", "Wall time."),
        opt("build_seconds_used", Integer, "build_seconds_used", "Build minutes charged, in seconds."),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pipelines",
        query: &[("sort", "-created_on")],
        date_filter: DateFilter::Cutoff("created_on"),
        ..Api::LIST
    },
    ..LIST
};

/// Per-pipeline reports cover every pipeline when `pipeline` is omitted.
pub const EVERY_PIPELINE: FanOut = FanOut {
    param: "pipeline",
    parent: &REPORT,
    binds: &[("repository", &["repository"]), ("pipeline", &["uuid"])],
    dates_narrow_parent: true,
};
