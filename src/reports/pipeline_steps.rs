use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pipeline-steps",
    title: "Steps of pipelines",
    aliases: &[],
    summary: "The steps of a pipeline, or of every pipeline (of a repository or of the whole workspace).",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PIPELINE],
    columns: &[
        REPOSITORY_SLUG,
        param_col("pipeline_uuid", "pipeline", "The pipeline."),
        col("uuid", Text, "uuid", "Step UUID."),
        opt("name", Text, "name", "Step name."),
        opt("state", Text, "state.name", "PENDING, IN_PROGRESS, COMPLETED, ..."),
        opt("result", Text, "state.result.name", "SUCCESSFUL, FAILED, ... once completed."),
        opt("image", Text, "image.name", "Build image."),
        opt("started_on", Timestamp, "started_on", "When it started."),
        opt("completed_on", Timestamp, "completed_on", "When it completed."),
        opt("duration_seconds", Integer, "duration_in_seconds", "Wall time."),
    ],
    primary_key: &["repository", "pipeline_uuid", "uuid"],
    fan_out: Some(super::pipelines::EVERY_PIPELINE),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/pipelines/{pipeline}/steps", ..Api::LIST },
    ..LIST
};

const PIPELINE: Param = slug_param("pipeline", false, "Pipeline {UUID}; omit it to cover every pipeline.");
