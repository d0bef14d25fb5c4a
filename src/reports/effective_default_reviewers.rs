use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "effective-default-reviewers",
    title: "Effective default reviewers of a repository",
    aliases: &[],
    summary: "The default reviewers that apply to a repository's new pull requests, whether set on the \
repository or inherited from its project, of one repository or of every repository of the workspace. Needs \
repository admin.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        ..user!(key "user", "user", "the reviewer"),
        opt("reviewer_type", Text, "reviewer_type", "repository or project: where the reviewer is set."),
    ],
    primary_key: &["repository", "user_uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/effective-default-reviewers", ..Api::LIST },
    ..LIST
};
