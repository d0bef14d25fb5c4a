use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "code-insights-reports",
    title: "Code Insights reports of commits",
    aliases: &[],
    summary: "Code Insights reports (security scans, coverage, test and bug reports that tools attach to a commit) \
of a commit, or of every commit (of a repository or of the whole workspace). A date narrows the commits visited.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL, COMMIT_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        super::commit_statuses::COMMIT,
        col("uuid", Text, "uuid", "Report UUID."),
        opt("external_id", Text, "external_id", "Id the reporting tool gave the report."),
        opt("title", Text, "title", "Title."),
        opt("details", Text, "details", "What the report is for."),
        opt("reporter", Text, "reporter", "Tool or company that created it."),
        opt("report_type", Text, "report_type", "SECURITY, COVERAGE, TEST or BUG."),
        opt("result", Text, "result", "PASSED, FAILED or PENDING."),
        opt("link", Text, "link", "Link to the results in the reporting tool."),
        opt("data", Json, "data", "The report's data fields, as a JSON list of {title, type, value}."),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("updated_on", Timestamp, "updated_on", "When it was last updated."),
    ],
    primary_key: &["repository", "commit", "uuid"],
    fan_out: Some(super::commits::EVERY_COMMIT),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/commit/{commit}/reports", ..Api::LIST },
    ..LIST
};

/// Per-report reports (annotations) cover every report of the commit (or
/// of every commit) when `insights-report` is omitted.
pub const EVERY_CODE_INSIGHTS_REPORT: FanOut = FanOut {
    param: "insights-report",
    parent: &REPORT,
    binds: &[("repository", &["repository"]), ("commit", &["commit"]), ("insights-report", &["uuid"])],
    dates_narrow_parent: true,
};
