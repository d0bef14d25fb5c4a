use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pull-request-participants",
    title: "Pull request reviewers and approvals",
    aliases: &[],
    summary: "One row per participant of each pull request: reviewers and commenters, their role, whether they \
approved or requested changes, from the pull request list: one request per 50 pull requests, not one \
per pull request.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        parent_col("pull_request_id", Integer, "id", "The pull request."),
        parent_opt("pull_request_state", Text, "state", "State of the pull request."),
        ..user!(key "user", "user", "the participant"),
        opt("role", Text, "role", "REVIEWER or PARTICIPANT."),
        opt("approved", Boolean, "approved", "Whether they approved."),
        opt("state", Text, "state", "approved, changes_requested, or null."),
        opt("participated_on", Timestamp, "participated_on", "When they last took part."),
        parent_opt(
            "pull_request_updated_on",
            Timestamp,
            "updated_on",
            "When the pull request last changed (what the date parameters compare with)."
        ),
    ],
    primary_key: &["repository", "pull_request_id", "user_uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests",
        expand: &["+values.participants"],
        query: &[("state", "OPEN"), ("state", "MERGED"), ("state", "DECLINED"), ("state", "SUPERSEDED")],
        page_len: 50,
        each: Some("participants"),
        filter: Some(super::pull_requests::STATES_BBQL),
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    ..LIST
};
