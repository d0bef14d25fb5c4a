//! A report's partitions (`list-partitions` in the WIT): the rows of its
//! outermost fan-out's parent, each bound into the parameters given, so
//! that running every partition returns what one run with the parameters
//! given would, each row once. Only the parent is read.

use super::fan_out::{parent_params, Binding};
use super::walker::Walker;
use super::Run;
use crate::catalog::{ensure_available, ensure_dates_apply, FanOut, Params, Report, DATE_PARAMS};
use crate::client::Transport;
use crate::config::Config;
use crate::error::Result;

/// One slice of a report run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// The values of its parameters other than the dates, joined by `/`,
    /// in the report's parameter order (the report's id when it has none).
    pub id: String,
    /// The parameters given, plus those the partition binds.
    pub params: Vec<(String, String)>,
    pub estimated_rows: Option<u64>,
}

impl Partition {
    fn of(report: &Report, params: Params) -> Partition {
        let values: Vec<&str> = report
            .accepts()
            .filter(|p| !DATE_PARAMS.contains(&p.name))
            .filter_map(|p| params.get(p.name).map(String::as_str))
            .collect();
        let id = if values.is_empty() { report.id.to_string() } else { values.join("/") };
        let params = report.accepts().filter_map(|p| Some((p.name.to_string(), params.get(p.name)?.clone()))).collect();
        Partition { id, params, estimated_rows: None }
    }
}

/// The partitions of `report` run with `given`: one per row of the
/// outermost fan-out that applies (e.g. per repository when `repository`
/// is left out), or the run itself when none does.
pub fn list<T: Transport>(
    report: &'static Report,
    given: &[(String, String)],
    config: &Config,
    transport: T,
) -> Result<Vec<Partition>> {
    ensure_available(report)?;
    let params = report.resolve_params(given)?;
    ensure_dates_apply(report, &params)?;
    let Some((fan, parent_params)) = outermost(report, &params)? else {
        return Ok(vec![Partition::of(report, params)]);
    };
    let walker = Walker::new(fan.parent, parent_params, &config.endpoint, crate::time::now(), fan.dates_narrow_parent)?;
    let mut run = Run::walk(walker, config, transport);
    let binding = Binding::new(fan);
    let mut partitions = Vec::new();
    while let Some(rows) = run.next_batch()? {
        for row in rows {
            if let Some(bound) = binding.child(report, &params, &row, &mut run.ledger)? {
                partitions.push(Partition::of(report, bound));
            }
        }
    }
    Ok(partitions)
}

/// The fan-out whose parent enumerates the partitions, and its parent's
/// parameters: following fan-outs up while each parent fans out too.
fn outermost(report: &'static Report, params: &Params) -> Result<Option<(FanOut, Params)>> {
    let mut level = (report, params.clone());
    let mut outer = None;
    while let Some(fan) = level.0.fan_out.filter(|f| !level.1.contains_key(f.param)) {
        let parent = parent_params(fan, &level.1)?;
        outer = Some((fan, parent.clone()));
        level = (fan.parent, parent);
    }
    Ok(outer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Script;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn config() -> Config {
        Config::parse(r#"{"endpoint":"http://localhost:1/2.0","auth":{"type":"bearer","token":"t"}}"#).unwrap()
    }

    fn repo(slug: &str) -> String {
        format!(r#"{{"uuid":"{{{slug}}}","slug":"{slug}"}}"#)
    }

    const REPOS: &str = "http://localhost:1/2.0/repositories/acme?pagelen=100";

    #[test]
    fn a_report_without_a_fan_out_is_one_partition_and_sends_nothing() {
        let mut script = Script::serving(vec![]);
        let report = crate::reports::find("pull-requests").unwrap();
        let got = list(
            report,
            &params(&[("workspace", "acme"), ("repository", "web"), ("since", "2026-01-01")]),
            &config(),
            &mut script,
        )
        .unwrap();
        assert_eq!(
            got,
            [Partition {
                id: "acme/web".into(),
                params: params(&[("workspace", "acme"), ("repository", "web"), ("since", "2026-01-01")]),
                estimated_rows: None
            }]
        );
        assert!(script.sent.is_empty());
    }

    #[test]
    fn a_workspace_wide_report_is_one_partition_per_repository_from_one_listing() {
        // Two pages of repositories; the second without a slug (its uuid stands in).
        let mut script = Script::serving(vec![
            (
                REPOS,
                format!(r#"{{"values":[{},{}],"next":"http://localhost:1/2.0/repositories/acme?page=2"}}"#, repo("a"), repo("b")),
            ),
            ("http://localhost:1/2.0/repositories/acme?page=2", r#"{"values":[{"uuid":"{c}"}]}"#.to_string()),
        ]);
        // Pull-request comments fan out over pull requests, which fan out over repositories.
        let report = crate::reports::find("pull-request-comments").unwrap();
        let got = list(report, &params(&[("workspace", "acme"), ("since", "2026-05-01")]), &config(), &mut script).unwrap();
        let ids: Vec<&str> = got.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["acme/a", "acme/b", "acme/{c}"]);
        assert_eq!(got[0].params, params(&[("workspace", "acme"), ("repository", "a"), ("since", "2026-05-01")]));
        assert_eq!(script.sent.len(), 2, "the listing's pages, nothing else");
        assert!(!script.sent[0].0.contains("q="), "dates do not narrow the repositories: {}", script.sent[0].0);
    }

    #[test]
    fn with_the_repository_given_a_per_pull_request_report_is_one_partition_per_pull_request() {
        let prs = "http://localhost:1/2.0/repositories/acme/web/pullrequests?pagelen=50&state=OPEN&state=MERGED&state=DECLINED\
                   &state=SUPERSEDED&q=%28state+%3D+%22OPEN%22+OR+state+%3D+%22MERGED%22+OR+state+%3D+%22DECLINED%22+OR+state+%3D+\
                   %22SUPERSEDED%22%29";
        let page =
            r#"{"values":[{"id":7,"updated_on":"2026-05-02T00:00:00+00:00"},{"id":9,"updated_on":"2026-05-03T00:00:00+00:00"}]}"#;
        let mut script = Script::serving(vec![(prs, page.to_string())]);
        let report = crate::reports::find("pull-request-comments").unwrap();
        let given = params(&[("workspace", "acme"), ("repository", "web")]);
        let got = list(report, &given, &config(), &mut script).unwrap();
        let ids: Vec<&str> = got.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["acme/web/7", "acme/web/9"]);
        assert_eq!(got[1].params, params(&[("workspace", "acme"), ("repository", "web"), ("pull-request", "9")]));
    }

    #[test]
    fn parameters_are_checked_before_any_request() {
        let mut script = Script::serving(vec![]);
        let report = crate::reports::find("commits").unwrap();
        let error = list(report, &params(&[("workspace", "a/../b")]), &config(), &mut script).unwrap_err();
        assert_eq!(error.code, crate::error::ErrorCode::InvalidParameter);
        assert!(script.sent.is_empty());
    }
}
