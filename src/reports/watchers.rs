use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "watchers",
    title: "Watchers of a repository",
    aliases: &["List Watchers on a Repository for Owner"],
    summary: "Accounts watching a repository (or every repository of the workspace).",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("uuid", Text, "uuid", "UUID of the account."),
        opt("account_id", Text, "account_id", "Atlassian account id."),
        opt("display_name", Text, "display_name", "Display name."),
        opt("nickname", Text, "nickname", "Nickname."),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/watchers", ..Api::LIST },
    ..LIST
};
