use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "pull-request-diffstat",
    title: "Files changed by pull requests",
    aliases: &[],
    summary: "Files a pull request changes (against the merge base with its destination), with lines added and \
removed, for a pull request or for every pull request (of a repository or of the whole workspace). Bitbucket \
answers with a redirect to the repository diffstat of the pull request's commits, which is followed. A date narrows \
the pull requests visited.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, PULL_REQUEST_OR_ALL],
    columns: columns![REPOSITORY_SLUG, PULL_REQUEST_ID, ..super::commit_diffstat::DIFFSTAT],
    primary_key: &["repository", "pull_request_id", "path", "status"],
    fan_out: Some(super::pull_requests::EVERY_PULL_REQUEST),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/pullrequests/{pull-request}/diffstat", ..Api::LIST },
    ..LIST
};
