use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "refs",
    title: "Branches and tags of a repository",
    aliases: &[],
    summary: "Branches and tags together (`type` tells them apart) and the commits they point at, of a \
repository or of every repository of the workspace, in `git show-ref` order; their date is the commit's \
(target.date).",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &COLUMNS,
    primary_key: &["repository", "type", "name"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/refs",
        date_filter: DateFilter::Bbql("target.date"),
        ..Api::LIST
    },
    ..LIST
};

/// The repository and the kind of ref, then the columns of `branches` and
/// `tags` after their `repository`.
const PARTS: &[&[Column]] = &[
    &[REPOSITORY_SLUG, col("type", Text, "type", "branch or tag.")],
    match super::branches::REF_COLUMNS {
        [_, rest @ ..] => rest,
        [] => &[],
    },
];

const COLUMNS: [Column; total_len(PARTS)] = concat(PARTS);
