use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "commit-diffstat",
    title: "Files changed by commits",
    aliases: &[],
    summary: "Files a commit changed against its first parent, with lines added and removed, for a commit or for \
every commit (of a repository or of the whole workspace). A date narrows the commits visited.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, COMMIT_OR_ALL],
    columns: columns![REPOSITORY_SLUG, super::commit_statuses::COMMIT, ..DIFFSTAT],
    primary_key: &["repository", "commit", "path", "status"],
    fan_out: Some(super::commits::EVERY_COMMIT),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/diffstat/{commit}", ..Api::LIST },
    ..LIST
};

/// One file of a diffstat (shared with `pull-request-diffstat`).
pub const DIFFSTAT: [Column; 6] = [
    Column {
        source: Source::FirstOf(&["new.path", "old.path"]),
        ..col("path", Text, "", "Path of the file: its new path, or its old one if it was removed.")
    },
    col("status", Text, "status", "added, removed, modified or renamed."),
    opt("old_path", Text, "old.path", "Path before the change (absent for an added file)."),
    opt("new_path", Text, "new.path", "Path after the change (absent for a removed file)."),
    opt("lines_added", Integer, "lines_added", "Lines added."),
    opt("lines_removed", Integer, "lines_removed", "Lines removed."),
];
