use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "branches",
    title: "Branches of a repository",
    aliases: &[],
    summary: "Branches and their head commits, of a repository or of every repository of the workspace; their date \
is the head commit's (target.date).",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: REF_COLUMNS,
    primary_key: &["repository", "name"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/refs/branches",
        date_filter: DateFilter::Bbql("target.date"),
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: no dates (a branch there carries no commit date).
pub const DATA_CENTER: Report = Report {
    id: "branches",
    params: &[PROJECT, REPOSITORY_OR_ALL],
    columns: DC_REF_COLUMNS,
    primary_key: &["repository", "name"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY_DC),
    api: Api { endpoint: "/api/latest/projects/{project}/repos/{repository}/branches", ..Api::DATA_CENTER },
    ..LIST
};

/// Shared with `tags`: both are refs.
pub const REF_COLUMNS: &[Column] = &[
    REPOSITORY_SLUG,
    col("name", Text, "name", "Ref name."),
    opt("target_hash", Text, "target.hash", "Commit the ref points at."),
    opt("target_date", Timestamp, "target.date", "Date of that commit."),
    opt("target_author_raw", Text, "target.author.raw", "Author of that commit, as recorded in git."),
    opt("target_author_uuid", Text, "target.author.user.uuid", "UUID of that author's account, when known."),
    opt("target_message", Text, "target.message", "Message of that commit."),
];

/// [`REF_COLUMNS`] on Data Center, where a ref names only its commit.
pub const DC_REF_COLUMNS: &[Column] = &[
    REPOSITORY_SLUG,
    col("name", Text, "displayId", ""),
    dc("target_hash", Text, "latestCommit"),
    absent("target_date", Timestamp),
    absent("target_author_raw", Text),
    absent("target_author_uuid", Text),
    absent("target_message", Text),
];
