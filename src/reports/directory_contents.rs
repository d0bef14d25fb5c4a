use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "directory-contents",
    title: "Directory contents at a commit",
    aliases: &["Get Directory Contents"],
    description: "Files and directories in one directory of a repository at a commit or branch, \
from GET /repositories/{workspace}/{repo_slug}/src/{commit}/{path} (the root when `path` is omitted).",
    endpoint: "/repositories/{workspace}/{repository}/src/{commit}/{path}",
    params: &[
        WORKSPACE,
        REPOSITORY,
        Param { name: "commit", kind: ParamKind::Text, required: true, default: None, description: "Commit hash or branch name." },
        Param { name: "path", kind: ParamKind::Text, required: false, default: None, description: "Directory within the repository; omit for the root." },
    ],
    columns: &[
        param_col("repository", "repository", "Slug of the repository."),
        param_col("commit", "commit", "The commit or branch asked for."),
        col("path", Text, "path", "Path from the repository root."),
        col("type", Text, "type", "commit_file or commit_directory."),
        opt("size", Integer, "size", "File size in bytes."),
        opt("mimetype", Text, "mimetype", "File MIME type, when known."),
        opt("commit_hash", Text, "commit.hash", "Commit the listing was read at."),
    ],
    primary_key: &["repository", "commit", "path"],
    ..LIST
};
