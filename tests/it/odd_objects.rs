//! Real-world objects that neither break a run nor vanish from it: a
//! timestamp without an offset is read as UTC; a page that comes back short
//! is asked for again, and a collection that stays short of its `size` is an
//! error, not a short report; an object that cannot be read fails the run
//! naming it, or, under `"on_invalid_object": "skip"`, is left out and
//! counted; and every report survives objects that carry only what
//! Atlassian's schemas require.

use crate::common::*;
use fake_bitbucket::{Dataset, DatasetSpec, FakeOptions, Fault, FaultRule};
use host_harness::ErrorCode;
use serde_json::Value;

#[test]
fn an_added_on_without_an_offset_is_a_utc_timestamp_cell() {
    let fake = start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { offsetless_added_on: true, ..DatasetSpec::demo() }),
        ..FakeOptions::default()
    });
    let members = fake.dataset().workspace_permissions("acme");
    let written = members[0]["added_on"].as_str().unwrap().to_string();
    assert_eq!(written, "2023-11-30T00:00:00.701", "the fake writes it as Bitbucket did");
    let rows = run(&config(&fake), "workspace-permissions", &[("workspace", "acme")]).expect("the run completes");
    assert_eq!(rows.len(), members.len(), "every member");
    let owner = rows.iter().find(|r| r["user_uuid"] == members[0]["user"]["uuid"]).expect("the first member's row");
    assert_eq!(owner["added_on"], Value::from("2023-11-30T00:00:00.701+00:00"));
    // The others, as the API wrote them (with an offset).
    for (row, member) in rows.iter().zip(&members).skip(1) {
        assert_eq!(row["added_on"], member["added_on"]);
    }
}

fn with_empty_page(page: u64) -> fake_bitbucket::FakeBitbucket {
    start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { pull_requests_per_repo: 120, ..DatasetSpec::demo() }),
        faults: vec![FaultRule {
            fault: Fault::EmptyPage { page },
            path_contains: Some("/pullrequests".into()),
            attempts: usize::MAX,
        }],
        ..FakeOptions::default()
    })
}

#[test]
fn a_page_that_comes_back_empty_in_the_middle_fails_the_run_instead_of_shortening_it() {
    // 120 pull requests, 50 a page: page 2 of 3 comes back empty, `size` 120.
    let fake = with_empty_page(2);
    let mut rows = 0;
    let mut session = host().session(&config(&fake)).unwrap();
    let result = session.run("pull-requests", &params(&[("workspace", "acme"), ("repository", "web-app")]), |_| {
        rows += 1;
        Ok(())
    });
    let error = connector_error(result);
    assert_eq!(error.code, ErrorCode::InvalidResponse);
    assert_eq!(
        error.message,
        "the collection /2.0/repositories/acme/web-app/pullrequests ended early: its `size` said 120 objects, paging ended after 70, and page 2 came back empty, also when asked again. Bitbucket lost track of the collection during the run; run again, and if it persists, report it with this message. To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration."
    );
    assert_eq!(rows, 70, "every row read reached the host before the error: the count it gives");
    let mut pages: Vec<String> = requests_to(&fake, "/pullrequests").iter().map(|r| r.query_values("page").join(",")).collect();
    pages.sort(); // Pages 2 and 3 go out side by side.
    assert_eq!(pages, ["", "2", "2", "3"], "the empty page asked for once more");
}

#[test]
fn the_same_run_without_the_empty_page_completes() {
    // The fault on a page the collection does not have: every row.
    let fake = with_empty_page(9);
    let rows = run(&config(&fake), "pull-requests", &[("workspace", "acme"), ("repository", "web-app")]).unwrap();
    assert_eq!(rows.len(), 120);
}

fn skipping(fake: &fake_bitbucket::FakeBitbucket) -> String {
    let mut config: Value = serde_json::from_str(&config(fake)).unwrap();
    config["on_invalid_object"] = Value::from("skip");
    config.to_string()
}

#[test]
fn a_page_that_comes_back_empty_once_is_asked_for_again_and_nothing_is_lost() {
    // The fault's attempt is per page: page 2 comes back empty once.
    let fake = start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { pull_requests_per_repo: 120, ..DatasetSpec::demo() }),
        faults: vec![FaultRule { fault: Fault::EmptyPage { page: 2 }, path_contains: Some("/pullrequests".into()), attempts: 1 }],
        ..FakeOptions::default()
    });
    let mut config: Value = serde_json::from_str(&config(&fake)).unwrap();
    config["concurrency"] = Value::from(1);
    let rows = run(&config.to_string(), "pull-requests", &[("workspace", "acme"), ("repository", "web-app")]).unwrap();
    let mut ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, (1..=120).collect::<Vec<_>>(), "every pull request, once");
    let pages: Vec<String> = requests_to(&fake, "/pullrequests").iter().map(|r| r.query_values("page").join(",")).collect();
    assert_eq!(pages, ["", "2", "3", "2"]);
}

#[test]
fn under_the_skip_policy_a_page_that_stays_empty_is_counted_and_the_run_completes() {
    let fake = with_empty_page(2);
    let mut session = host().session(&skipping(&fake)).unwrap();
    let mut rows = 0;
    let summary = session
        .run("pull-requests", &params(&[("workspace", "acme"), ("repository", "web-app")]), |_| {
            rows += 1;
            Ok(())
        })
        .expect("the run completes");
    assert_eq!((rows, summary.skipped), (70, 50), "70 read and 50 counted: the 120 the collection said");
}

#[test]
fn an_object_that_cannot_be_read_fails_the_run_by_default_and_is_counted_under_skip() {
    // Each page's first answer has objects for ids: every pull request unreadable.
    let fake = start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { pull_requests_per_repo: 120, ..DatasetSpec::demo() }),
        faults: vec![FaultRule { fault: Fault::WrongTypes, path_contains: Some("/pullrequests".into()), attempts: 1 }],
        ..FakeOptions::default()
    });
    let pairs = [("workspace", "acme"), ("repository", "web-app")];
    let error = connector_error(run(&config(&fake), "pull-requests", &pairs));
    assert_eq!(error.code, ErrorCode::InvalidResponse);
    assert_eq!(
        error.message,
        "report `pull-requests`: the object without an id cannot be read: column `id`: expected Integer in the API response, got an object. To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration."
    );
    fake.clear_requests();
    let fake2 = start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { pull_requests_per_repo: 120, ..DatasetSpec::demo() }),
        faults: vec![FaultRule { fault: Fault::WrongTypes, path_contains: Some("/pullrequests".into()), attempts: 1 }],
        ..FakeOptions::default()
    });
    let mut session = host().session(&skipping(&fake2)).unwrap();
    let mut ids = Vec::new();
    let summary = session
        .run("pull-requests", &params(&pairs), |cells| {
            ids.push(cells[1].clone());
            Ok(())
        })
        .expect("the run completes");
    assert_eq!((ids.len(), summary.skipped), (0, 120), "none lost without a count");
}

/// Every available report, against answers whose objects carry only what
/// their OpenAPI schemas require, under the skip policy: none fails, and
/// every object it was sent is a row or counted as skipped.
#[test]
fn every_report_survives_objects_with_only_the_fields_their_schemas_require() {
    let bare = start(FakeOptions { minimal_objects: true, ..FakeOptions::default() });
    let full = start(FakeOptions::default());
    let mut skipped_in_all = 0;
    for report in host().list_reports().unwrap() {
        if !matches!(report.status, host_harness::ReportStatus::Available) {
            continue;
        }
        // Parameters from the full data: the bare listings could not give them.
        let pairs = crate::coverage::demo_params(&report, &full);
        let mut session = host().session(&skipping(&bare)).unwrap();
        let mut rows = 0u64;
        let summary = session
            .run(&report.id, &pairs, |_| {
                rows += 1;
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", report.id));
        let full_rows = run(&config(&full), &report.id, &pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>())
            .unwrap()
            .len() as u64;
        // Nothing read and nothing counted only where rows are the elements
        // of an array the bare objects do not carry.
        let elements = report.description.contains("one row per element");
        assert!(rows + summary.skipped > 0 || elements, "{}: nothing read and nothing counted", report.id);
        // Without a fan-out (whose bare parents cannot be visited), each
        // object the full run made a row of is a row or counted here.
        let fans_out = report
            .params
            .iter()
            .any(|p| !pairs.iter().any(|(name, _)| name == &p.name) && report.description.contains(&format!("{{{}}}", p.name)));
        if !fans_out && !elements {
            assert_eq!(rows + summary.skipped, full_rows, "{}: rows and skipped objects", report.id);
        }
        skipped_in_all += summary.skipped;
    }
    assert!(skipped_in_all > 0);
}
