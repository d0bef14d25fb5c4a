use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "directory-contents",
    title: "Directory contents at a commit",
    aliases: &["Get Directory Contents"],
    summary: "Files and directories in one directory of a repository at a commit or branch (the root when `path` \
is omitted).",
    params: &[WORKSPACE, REPOSITORY, COMMIT, PATH],
    columns: &[
        REPOSITORY_SLUG,
        param_col("commit", "commit", "The commit or branch asked for."),
        col("path", Text, "path", "Path from the repository root."),
        col("type", Text, "type", "commit_file or commit_directory (Data Center: also submodule)."),
        opt("size", Integer, "size", "File size in bytes."),
        opt("mimetype", Text, "mimetype", "File MIME type, when known."),
        opt("commit_hash", Text, "commit.hash", "Commit the listing was read at."),
    ],
    primary_key: &["repository", "commit", "path"],
    api: Api { endpoint: "/repositories/{workspace}/{repository}/src/{commit}/{path}", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: `browse`, whose entries are named relative to the
/// directory (here joined to it, as on Cloud).
pub const DATA_CENTER: Report = Report {
    id: "directory-contents",
    params: &[PROJECT, REPOSITORY, COMMIT, PATH],
    columns: &[
        REPOSITORY_SLUG,
        param_col("commit", "commit", ""),
        Column {
            nullable: false,
            ..derived("path", Text, |item| {
                let name = item.text("path.toString")?;
                let path = match item.params.get("path").map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
                    Some(directory) => format!("{directory}/{name}"),
                    None => name.to_string(),
                };
                Some(serde_json::Value::String(path))
            })
        },
        Column {
            nullable: false,
            ..derived("type", Text, |item| {
                let types = [("FILE", "commit_file"), ("DIRECTORY", "commit_directory")];
                item.word("type", &types, Unlisted::Lowercase)
            })
        },
        dc("size", Integer, "size"),
        absent("mimetype", Text),
        absent("commit_hash", Text),
    ],
    primary_key: &["repository", "commit", "path"],
    api: Api {
        endpoint: "/api/latest/projects/{project}/repos/{repository}/browse",
        narrowed_by: Some(("path", "/api/latest/projects/{project}/repos/{repository}/browse/{path}")),
        query: &[("at", "{commit}")],
        paging: Paging::Browse,
        ..Api::DATA_CENTER
    },
    ..LIST
};

const COMMIT: Param = Param { text: TextRule::RefName, ..slug_param("commit", true, "Commit hash or branch name.") };
const PATH: Param =
    Param { text: TextRule::RepoPath, ..slug_param("path", false, "Directory within the repository; omit for the root.") };
