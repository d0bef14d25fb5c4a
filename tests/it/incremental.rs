//! Incremental runs: a complete run's checkpoint, given back as
//! `changed-after`, fetches only what changed since, through the contract
//! and through `connector-harness run --state`.

use crate::common::*;
use fake_bitbucket::{Dataset, DatasetSpec, FakeBitbucket, FakeOptions};
use host_harness::output::row_to_json;
use host_harness::sandbox::RunSummary;
use serde_json::Value;

fn fake() -> FakeBitbucket {
    start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { pull_requests_per_repo: 120, ..DatasetSpec::demo() }),
        ..FakeOptions::default()
    })
}

/// Runs a report; its rows (as JSON) and summary.
fn run_report(fake: &FakeBitbucket, report_id: &str, pairs: &[(&str, &str)]) -> (Vec<Value>, RunSummary) {
    let columns = report(report_id).columns;
    let mut session = host().session(&config(fake)).unwrap();
    let mut rows = Vec::new();
    let summary = session
        .run(report_id, &params(pairs), |cells| {
            rows.push(row_to_json(&columns, cells));
            Ok(())
        })
        .unwrap();
    (rows, summary)
}

const REPO: [(&str, &str); 2] = [("workspace", "acme"), ("repository", "web-app")];

#[test]
fn after_a_change_only_the_changed_pull_requests_are_fetched() {
    let fake = fake();
    let (all, first) = run_report(&fake, "pull-requests", &REPO);
    assert_eq!(all.len(), 120);
    let checkpoint = first.checkpoint.expect("a complete run has a checkpoint");
    let newest = all.iter().filter_map(|r| r["updated_on"].as_str()).max().unwrap();
    assert_eq!(checkpoint, newest, "the greatest updated_on read");

    // Nothing changed: one request, no rows, the same checkpoint back.
    fake.clear_requests();
    let incremental = [REPO[0], REPO[1], ("changed-after", checkpoint.as_str())];
    let (rows, unchanged) = run_report(&fake, "pull-requests", &incremental);
    assert!(rows.is_empty());
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(unchanged.checkpoint, None, "no rows: the host keeps its checkpoint");

    fake.update_pull_request("acme", "web-app", 7, "2026-10-05T12:00:00+00:00", "Renamed seven");
    fake.update_pull_request("acme", "web-app", 93, "2026-10-06T08:30:00+00:00", "Renamed ninety-three");
    fake.clear_requests();
    let (rows, next) = run_report(&fake, "pull-requests", &incremental);
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [7, 93], "only the changed pull requests");
    assert_eq!(rows[0]["title"], "Renamed seven");
    assert_eq!(fake.requests().len(), 1, "one page");
    let q = fake.requests()[0].query_values("q").join(" ");
    assert!(q.contains(&format!("updated_on > {checkpoint}")), "{q}");
    let moved = next.checkpoint.unwrap();
    assert!(moved.starts_with("2026-10-06T08:30:00"), "{moved}");
}

#[test]
fn a_new_comment_fetches_that_pull_requests_comments_only() {
    let fake = fake();
    let (_, first) = run_report(&fake, "pull-request-comments", &REPO);
    let checkpoint = first.checkpoint.unwrap();
    fake.add_pull_request_comment("acme", "web-app", 42, "2026-10-07T09:00:00+00:00", "A new comment");
    fake.clear_requests();
    let pairs = [REPO[0], REPO[1], ("changed-after", checkpoint.as_str())];
    let (rows, _) = run_report(&fake, "pull-request-comments", &pairs);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["pull_request_id"], 42);
    assert_eq!(fake.requests().len(), 2, "the changed pull requests, then that one's new comments");
}

/// Consecutive closed windows, each starting after the previous window's
/// checkpoint and ending before a fixed instant: together they give a full
/// run's rows, each once, and each window read again gives the same rows.
fn windows_cover_a_full_run(report_id: &str, date: &str, key: &str, bounds: &[&str]) {
    let fake = fake();
    let (all, _) = run_report(&fake, report_id, &REPO);
    let mut union: Vec<Value> = Vec::new();
    let mut after: Option<String> = None;
    for before in bounds.iter().map(|b| Some(b.to_string())).chain([None]) {
        let mut pairs: Vec<(&str, &str)> = REPO.to_vec();
        if let Some(after) = &after {
            pairs.push(("changed-after", after));
        }
        if let Some(before) = &before {
            pairs.push(("changed-before", before));
        }
        let (rows, summary) = run_report(&fake, report_id, &pairs);
        let (again, _) = run_report(&fake, report_id, &pairs);
        assert_eq!(again, rows, "{report_id}: a window read again gives the same rows");
        for row in &rows {
            let when = row[date].as_str().unwrap();
            assert!(before.as_deref().is_none_or(|b| when < b), "{report_id}: {when} is not before {before:?}");
        }
        union.extend(rows);
        after = summary.checkpoint.or(after);
    }
    assert!(union.len() > bounds.len(), "{report_id}: the windows hold rows");
    let key_of = |r: &Value| r[key].to_string();
    let mut seen = std::collections::BTreeSet::new();
    assert!(union.iter().all(|r| seen.insert(key_of(r))), "{report_id}: no row in two windows");
    let mut expected: Vec<String> = all.iter().map(key_of).collect();
    let mut got: Vec<String> = union.iter().map(key_of).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "{report_id}: the windows together are the full run");
}

#[test]
fn closed_windows_of_pull_requests_add_up_to_a_full_run() {
    // Server side: `updated_on > after AND updated_on < before` (BBQL).
    windows_cover_a_full_run("pull-requests", "updated_on", "id", &["2026-04-01T00:00:00+00:00", "2026-07-15T12:00:00+00:00"]);
}

#[test]
fn closed_windows_of_commits_add_up_to_a_full_run() {
    // Client side: newest first, those at or after `before` passed over.
    windows_cover_a_full_run("commits", "date", "hash", &["2026-04-01T00:00:00+00:00", "2026-07-15T12:00:00+00:00"]);
}

#[test]
fn changed_before_must_come_after_changed_after() {
    let fake = fake();
    let pairs =
        [REPO[0], REPO[1], ("changed-after", "2026-05-01T00:00:00+00:00"), ("changed-before", "2026-05-01T00:00:00+00:00")];
    let error = connector_error(run(&config(&fake), "pull-requests", &pairs));
    assert_eq!(error.message, "parameter `changed-before`: must be later than `changed-after`: the window is empty");
    assert!(fake.requests().is_empty());
}
