//! Partitions (`list-partitions`): a report split into slices that any
//! worker can run, covering it exactly once, found with only the requests
//! that enumerate them.

use crate::common::*;
use fake_bitbucket::{FakeBitbucket, FakeOptions};
use host_harness::Partition;
use serde_json::Value;

fn partitions(fake: &FakeBitbucket, report: &str, pairs: &[(&str, &str)]) -> Vec<Partition> {
    let mut session = host().session(&config(fake)).unwrap();
    session.list_partitions(report, &params(pairs)).unwrap_or_else(|e| panic!("{report}: {e}"))
}

/// The rows of every partition's run, and of one run with `pairs`, each
/// sorted by the report's primary key.
fn union_and_whole(fake: &FakeBitbucket, report_id: &str, pairs: &[(&str, &str)]) -> (Vec<Value>, Vec<Value>) {
    let config = config(fake);
    let key = report(report_id).primary_key;
    let sorted = |mut rows: Vec<Value>| {
        rows.sort_by_key(|r| key.iter().map(|k| r[k].to_string()).collect::<Vec<_>>());
        rows
    };
    let mut union = Vec::new();
    for partition in partitions(fake, report_id, pairs) {
        let pairs: Vec<(&str, &str)> = partition.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        union.extend(run(&config, report_id, &pairs).unwrap());
    }
    (sorted(union), sorted(run(&config, report_id, pairs).unwrap()))
}

#[test]
fn a_workspace_wide_report_is_one_partition_per_repository_listed_in_one_request() {
    let fake = start(FakeOptions::default());
    let got = partitions(&fake, "pull-requests", &[("workspace", "acme"), ("since", "2026-06-01")]);
    let repos: Vec<String> =
        fake.dataset().repositories("acme").iter().map(|r| r["slug"].as_str().unwrap().to_string()).collect();
    let ids: Vec<&str> = got.iter().map(|p| p.id.as_str()).collect();
    let expected: Vec<String> = repos.iter().map(|r| format!("acme/{r}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(
        got[0].params,
        params(&[("workspace", "acme"), ("repository", &repos[0]), ("since", "2026-06-01")]),
        "the parameters given, the repository bound, in the report's order"
    );
    assert!(got.iter().all(|p| p.estimated_rows.is_none()));
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "one page of the repository listing");
    assert_eq!(requests[0].path, "/2.0/repositories/acme");
}

#[test]
fn the_partitions_of_a_report_cover_it_exactly_once() {
    let fake = start(FakeOptions::default());
    for (report_id, pairs) in [
        ("pull-requests", vec![("workspace", "acme")]),
        ("commits", vec![("workspace", "acme"), ("since", "2026-06-01")]),
        ("pull-request-comments", vec![("workspace", "acme")]),
        ("pull-request-comments", vec![("workspace", "acme"), ("repository", "web-app"), ("since", "2026-07-01")]),
        ("pipeline-steps", vec![("workspace", "acme"), ("repository", "api-service")]),
        ("workspace-members", vec![("workspace", "acme")]),
    ] {
        let (union, whole) = union_and_whole(&fake, report_id, &pairs);
        assert!(!whole.is_empty(), "{report_id} {pairs:?}");
        assert_eq!(union, whole, "{report_id} {pairs:?}: every row once");
    }
}

#[test]
fn with_the_repository_given_a_per_pull_request_report_is_one_partition_per_pull_request() {
    let fake = start(FakeOptions::default());
    let got = partitions(&fake, "pull-request-comments", &[("workspace", "acme"), ("repository", "web-app")]);
    let prs = fake.dataset().pull_requests("acme", "web-app");
    assert_eq!(got.len(), prs.len());
    assert_eq!(got[0].id, format!("acme/web-app/{}", prs[0]["id"]));
    assert_eq!(fake.requests().len(), prs.len().div_ceil(50), "the pull request listing's pages");
}

#[test]
fn a_report_without_a_fan_out_is_one_partition_and_sends_nothing() {
    let fake = start(FakeOptions::default());
    let got = partitions(&fake, "pull-requests", &[("workspace", "acme"), ("repository", "web-app")]);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, "acme/web-app");
    assert_eq!(got[0].params, params(&[("workspace", "acme"), ("repository", "web-app")]));
    assert!(fake.requests().is_empty());
}

#[test]
fn bad_parameters_and_retired_reports_fail_before_any_request() {
    let fake = start(FakeOptions::default());
    let mut session = host().session(&config(&fake)).unwrap();
    let error = connector_error(session.list_partitions("pull-requests", &params(&[("workspace", "a/../b")])));
    assert_eq!(error.code, host_harness::ErrorCode::InvalidParameter);
    let error = connector_error(session.list_partitions("issues", &params(&[("workspace", "acme")])));
    assert_eq!(error.code, host_harness::ErrorCode::RetiredUpstream);
    assert!(fake.requests().is_empty());
}
