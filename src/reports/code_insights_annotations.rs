use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "code-insights-annotations",
    title: "Code Insights annotations",
    aliases: &[],
    summary: "Annotations (findings on a file and line: vulnerabilities, code smells, bugs) of a Code Insights \
report, or of every report of a commit (or of every commit).",
    params: &[
        WORKSPACE,
        REPOSITORY_OR_ALL,
        COMMIT_OR_ALL,
        slug_param("insights-report", false, "Code Insights report {UUID} or external id; omit it to cover every report."),
    ],
    columns: &[
        REPOSITORY_SLUG,
        super::commit_statuses::COMMIT,
        param_col("report_id", "insights-report", "The report: its {UUID}, or the external id asked for."),
        col("uuid", Text, "uuid", "Annotation UUID."),
        opt("external_id", Text, "external_id", "Id the reporting tool gave the annotation."),
        opt("annotation_type", Text, "annotation_type", "VULNERABILITY, CODE_SMELL or BUG."),
        opt("path", Text, "path", "File the annotation is on, from the repository root."),
        opt("line", Integer, "line", "Line the annotation is on."),
        opt("summary", Text, "summary", "The message shown."),
        opt("details", Text, "details", "Details shown on request."),
        opt("result", Text, "result", "PASSED, FAILED, SKIPPED or IGNORED."),
        opt("severity", Text, "severity", "CRITICAL, HIGH, MEDIUM or LOW."),
        opt("link", Text, "link", "Link to the finding in the reporting tool."),
        opt("created_on", Timestamp, "created_on", "When it was created."),
        opt("updated_on", Timestamp, "updated_on", "When it was last updated."),
    ],
    primary_key: &["repository", "commit", "report_id", "uuid"],
    fan_out: Some(super::code_insights_reports::EVERY_CODE_INSIGHTS_REPORT),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/commit/{commit}/reports/{insights-report}/annotations",
        ..Api::LIST
    },
    ..LIST
};
