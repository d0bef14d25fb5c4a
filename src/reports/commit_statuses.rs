use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "commit-statuses",
    title: "Build statuses of commits",
    aliases: &[],
    summary: "Build statuses (results that CI and other tools report against a commit) of a commit, or of every \
commit (of a repository or of the whole workspace). A date narrows the commits visited too.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, COMMIT_OR_ALL],
    columns: columns![REPOSITORY_SLUG, COMMIT, ..STATUS],
    primary_key: &["repository", "commit", "key"],
    fan_out: Some(super::commits::EVERY_COMMIT),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/commit/{commit}/statuses",
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    ..LIST
};

/// The commit the report ran on (shared by the per-commit reports).
pub const COMMIT: Column = param_col("commit", "commit", "The commit.");

/// A commit status object; shared with `pull-request-statuses`.
pub const STATUS: [Column; 8] = [
    col("key", Text, "key", "Identifier of the status, unique per commit (e.g. the build plan)."),
    col("state", Text, "state", "SUCCESSFUL, FAILED, INPROGRESS or STOPPED."),
    opt("name", Text, "name", "Name of the build, e.g. BB-DEPLOY-1."),
    opt("description", Text, "description", "Description of the build."),
    opt("url", Text, "url", "Link to the build in the tool that reported it."),
    opt("refname", Text, "refname", "Branch or tag that pointed at the commit when the status was reported."),
    opt("created_on", Timestamp, "created_on", "When it was first reported."),
    opt("updated_on", Timestamp, "updated_on", "When it last changed."),
];
