use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pipeline-caches",
    title: "Pipeline caches of a repository",
    aliases: &[],
    summary: "The dependency caches Pipelines keeps for a repository or for every repository of the workspace: \
one row per cache version, with the step that saved it and its size.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("uuid", Text, "uuid", "Cache UUID."),
        opt("name", Text, "name", "Cache name (e.g. node, pip, or a custom one)."),
        opt("path", Text, "path", "Directory the cache holds."),
        opt("key_hash", Text, "key_hash", "Hash of the cache key of this version."),
        opt("file_size_bytes", Integer, "file_size_bytes", "Size of the cache archive in bytes."),
        opt("pipeline_uuid", Text, "pipeline_uuid", "Pipeline that saved it."),
        opt("step_uuid", Text, "step_uuid", "Step that saved it."),
        opt("created_on", Timestamp, "created_on", "When it was saved."),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/pipelines-config/caches", ..Api::LIST },
    ..LIST
};
