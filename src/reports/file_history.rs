use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "file-history",
    title: "History of a file",
    aliases: &[],
    summary: "The commits that changed a file, newest first, from a commit or branch back (following renames: \
`path` is the file's name at each commit).",
    params: &[
        WORKSPACE,
        REPOSITORY,
        Param { text: TextRule::RefName, ..slug_param("commit", true, "Commit hash or branch name to start from.") },
        Param { text: TextRule::RepoPath, ..slug_param("path", true, "File within the repository.") },
    ],
    columns: columns![
        REPOSITORY_SLUG,
        col("commit_hash", Text, "commit.hash", "A commit that changed the file."),
        col("path", Text, "path", "Path of the file at that commit."),
        col("type", Text, "type", "commit_file."),
        opt("size", Integer, "size", "File size in bytes after that commit."),
        opt("commit_date", Timestamp, "commit.date", "Date of the commit."),
        ..git_author!(brief "author", "commit.author"),
        opt("commit_message", Text, "commit.message", "Message of the commit."),
    ],
    primary_key: &["repository", "commit_hash", "path"],
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/filehistory/{commit}/{path}",
        date_filter: DateFilter::Bbql("commit.date"),
        ..Api::LIST
    },
    ..LIST
};
