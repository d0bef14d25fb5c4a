use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "branch-restrictions",
    title: "Branch restrictions of a repository",
    aliases: &["List Branch Restriction"],
    summary: "Branch permissions and merge checks. Needs repository admin (scope admin:repository:bitbucket); 403 \
otherwise.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("id", Integer, "id", "Restriction id."),
        col("kind", Text, "kind", "push, force, delete, require_approvals_to_merge, ..."),
        opt("branch_match_kind", Text, "branch_match_kind", "glob or branching_model."),
        opt("pattern", Text, "pattern", "Branch glob, for glob matches."),
        opt("branch_type", Text, "branch_type", "Branch type, for branching-model matches."),
        opt("value", Integer, "value", "The number, for numeric checks (e.g. approvals required)."),
        opt("users", Json, "users", "Exempt users."),
        opt("groups", Json, "groups", "Exempt groups."),
    ],
    primary_key: &["repository", "id"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/branch-restrictions", ..Api::LIST },
    ..LIST
};
