use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "directory-contents",
    title: "Directory contents at a commit",
    aliases: &["Get Directory Contents"],
    summary: "Files and directories in one directory of a repository at a commit or branch (the root when `path` \
is omitted).",
    params: &[
        WORKSPACE,
        REPOSITORY,
        Param { text: TextRule::RefName, ..slug_param("commit", true, "Commit hash or branch name.") },
        Param { text: TextRule::RepoPath, ..slug_param("path", false, "Directory within the repository; omit for the root.") },
    ],
    columns: &[
        REPOSITORY_SLUG,
        param_col("commit", "commit", "The commit or branch asked for."),
        col("path", Text, "path", "Path from the repository root."),
        col("type", Text, "type", "commit_file or commit_directory."),
        opt("size", Integer, "size", "File size in bytes."),
        opt("mimetype", Text, "mimetype", "File MIME type, when known."),
        opt("commit_hash", Text, "commit.hash", "Commit the listing was read at."),
    ],
    primary_key: &["repository", "commit", "path"],
    api: Api { endpoint: "/repositories/{workspace}/{repository}/src/{commit}/{path}", ..Api::LIST },
    ..LIST
};
