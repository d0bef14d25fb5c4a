use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "pull-request-statuses",
    title: "Build statuses of pull requests",
    aliases: &[],
    summary: "Build statuses reported against the commits of a pull request, or of every pull request (of a \
repository or of the whole workspace). A date narrows the pull requests visited too.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: columns![REPOSITORY_SLUG, PULL_REQUEST_ID, ..super::commit_statuses::STATUS],
    primary_key: &["repository", "pull_request_id", "key"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/statuses",
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    ..LIST
};
