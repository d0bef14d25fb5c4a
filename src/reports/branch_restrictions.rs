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
        col(
            "kind",
            Text,
            "kind",
            "push, force, delete, require_approvals_to_merge, ... (Data Center: read-only, no-deletes, fast-forward-only, pull-request-only, no-creates)."
        ),
        opt("branch_match_kind", Text, "branch_match_kind", "glob or branching_model."),
        opt("pattern", Text, "pattern", "Branch glob, for glob matches."),
        opt("branch_type", Text, "branch_type", "Branch type, for branching-model matches."),
        opt("value", Integer, "value", "The number, for numeric checks (e.g. approvals required)."),
        opt("users", Json, "users", "Exempt users (Data Center: its user objects)."),
        opt("groups", Json, "groups", "Exempt groups (Data Center: their names)."),
    ],
    primary_key: &["repository", "id"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/branch-restrictions", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: branch permissions (the `branch-permissions` API),
/// their matcher told in Cloud's words. Needs repository admin.
pub const DATA_CENTER: Report = Report {
    id: "branch-restrictions",
    params: &[PROJECT, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("id", Integer, "id", ""),
        col("kind", Text, "type", ""),
        derived("branch_match_kind", Text, |item| item.word("matcher.type.id", MATCH_KINDS, Unlisted::Null)),
        derived("pattern", Text, |item| match item.text("matcher.type.id")? {
            "BRANCH" | "PATTERN" => item.value("matcher.displayId"),
            "ANY_REF" => Some(serde_json::Value::String("*".into())),
            _ => None,
        }),
        derived("branch_type", Text, |item| match item.text("matcher.type.id")? {
            "MODEL_CATEGORY" | "MODEL_BRANCH" => Some(serde_json::Value::String(item.text("matcher.id")?.to_ascii_lowercase())),
            _ => None,
        }),
        absent("value", Integer),
        dc("users", Json, "users"),
        dc("groups", Json, "groups"),
    ],
    primary_key: &["repository", "id"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY_DC),
    api: Api { endpoint: "/branch-permissions/latest/projects/{project}/repos/{repository}/restrictions", ..Api::DATA_CENTER },
    ..LIST
};

/// Data Center's matcher types in Cloud's words.
const MATCH_KINDS: &[(&str, &str)] = &[
    ("BRANCH", "glob"),
    ("PATTERN", "glob"),
    ("ANY_REF", "glob"),
    ("MODEL_CATEGORY", "branching_model"),
    ("MODEL_BRANCH", "branching_model"),
];
