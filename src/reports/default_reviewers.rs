use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "default-reviewers",
    title: "Default reviewers of a repository",
    aliases: &[],
    summary: "The users added as reviewers to every new pull request of a repository (set on the repository \
itself; see `effective-default-reviewers` for those inherited from its project too), or of every repository \
of the workspace. Needs repository admin.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("user_uuid", Text, "uuid", "UUID of the reviewer."),
        opt("user_account_id", Text, "account_id", "Atlassian account id of the reviewer."),
        opt("user_display_name", Text, "display_name", "Display name of the reviewer."),
        opt("user_nickname", Text, "nickname", "Nickname of the reviewer."),
    ],
    primary_key: &["repository", "user_uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/default-reviewers", ..Api::LIST },
    ..LIST
};
