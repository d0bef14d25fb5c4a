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
    cloud: Cloud {
        endpoint: "/repositories/{workspace}/{repository}/refs/branches",
        date_filter: DateFilter::Bbql("target.date"),
        ..Cloud::LIST
    },
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
