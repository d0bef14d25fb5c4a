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
        opt("role", Text, "role", "REVIEWER or PARTICIPANT (Data Center: AUTHOR too)."),
        opt("approved", Boolean, "approved", "Whether they approved."),
        opt("state", Text, "state", "approved, changes_requested, or null."),
        opt("participated_on", Timestamp, "participated_on", "When they last took part."),
        parent_opt(
            "pull_request_updated_on",
            Timestamp,
            "updated_on",
            "When the pull request last changed (what the date parameters compare with)."
        ),
        absent_on_cloud(
            "review_status",
            Text,
            "Data Center only: UNAPPROVED, NEEDS_WORK or APPROVED (`state` says it in Cloud's words)."
        ),
    ],
    primary_key: &["repository", "pull_request_id", "user_uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/pullrequests",
        expand: &["+values.participants"],
        query: &[("state", "OPEN"), ("state", "MERGED"), ("state", "DECLINED"), ("state", "SUPERSEDED")],
        page_len: 50,
        each: Some(Each::Items(&["participants"])),
        filter: Some(super::pull_requests::STATES_BBQL),
        date_filter: DateFilter::Bbql("updated_on"),
        ..Api::LIST
    },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: the author, reviewers and participants every pull
/// request carries, from the pull request list (as on Cloud, not one
/// request per pull request).
pub const DATA_CENTER: Report = Report {
    id: "pull-request-participants",
    params: &[PROJECT, REPOSITORY_OR_ALL],
    columns: columns![
        REPOSITORY_SLUG,
        parent_col("pull_request_id", Integer, "id", ""),
        parent_opt("pull_request_state", Text, "state", ""),
        ..dc_user!(key "user", "user"),
        dc("role", Text, "role"),
        dc("approved", Boolean, "approved"),
        derived("state", Text, |item| {
            item.word("status", &[("APPROVED", "approved"), ("NEEDS_WORK", "changes_requested")], Unlisted::Null)
        }),
        absent("participated_on", Timestamp),
        derived("pull_request_updated_on", Timestamp, |item| millis_at(item.parent, "updatedDate")),
        dc("review_status", Text, "status"),
    ],
    primary_key: &["repository", "pull_request_id", "user_uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY_DC),
    api: Api {
        each: Some(Each::Items(&["author", "reviewers", "participants"])),
        date_filter: DateFilter::Cutoff("updatedDate"),
        ..super::pull_requests::DATA_CENTER.api
    },
    ..LIST
};
