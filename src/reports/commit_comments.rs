use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "commit-comments",
    title: "Comments on commits",
    aliases: &[],
    summary: "Global and inline comments and replies on a commit, or on every commit (of a repository or of the \
whole workspace). A date narrows the commits visited too.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, COMMIT_OR_ALL],
    columns: columns![REPOSITORY_SLUG, super::commit_statuses::COMMIT, ..*super::pull_request_comments::COMMENT,],
    primary_key: &["repository", "commit", "id"],
    fan_out: Some(super::commits::EVERY_COMMIT),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/commit/{commit}/comments",
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    ..LIST
};
