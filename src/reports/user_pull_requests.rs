use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "user-pull-requests",
    title: "Pull requests a user authored in a workspace",
    aliases: &[],
    summary: "Every pull request a user authored (the authenticated user when `user` is omitted) across the \
repositories of a workspace, in every state (OPEN, MERGED, DECLINED, SUPERSEDED); the same columns as \
`pull-requests`, the repository named by its full name.",
    params: &[WORKSPACE, USER_OR_ME],
    columns: &COLUMNS,
    primary_key: &["repository_full_name", "id"],
    fan_out: Some(super::current_user::CURRENT_USER),
    api: Api {
        endpoint: "/workspaces/{workspace}/pullrequests/{user}",
        query: super::pull_requests::ALL_STATES,
        page_len: 50,
        ..Api::LIST
    },
    ..LIST
};

/// The repository (no `repository` parameter here), then the columns of
/// `pull-requests` after its own `repository`.
const PARTS: &[&[Column]] = &[
    &[col("repository_full_name", Text, "destination.repository.full_name", "workspace/slug of the repository.")],
    match super::pull_requests::REPORT.columns {
        [_, rest @ ..] => rest,
        [] => &[],
    },
];

const COLUMNS: [Column; total_len(PARTS)] = concat(PARTS);
