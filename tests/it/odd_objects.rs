//! Real-world objects that neither break a run nor vanish from it: a
//! timestamp without an offset is read as UTC, and a collection that ends
//! before its `size` said it would is an error, not a short report.

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
        "the collection /2.0/repositories/acme/web-app/pullrequests ended early: its `size` said 120 objects, paging ended after 70, and page 2 came back empty. Bitbucket lost track of the collection during the run; run again, and if it persists, report it with this message."
    );
    assert_eq!(rows, 50, "page 1's rows reached the host; page 3's came with the error instead");
    let mut pages: Vec<String> = requests_to(&fake, "/pullrequests").iter().map(|r| r.query_values("page").join(",")).collect();
    pages.sort(); // Pages 2 and 3 go out side by side.
    assert_eq!(pages, ["", "2", "3"], "each page once: not retried");
}

#[test]
fn the_same_run_without_the_empty_page_completes() {
    // The fault on a page the collection does not have: every row.
    let fake = with_empty_page(9);
    let rows = run(&config(&fake), "pull-requests", &[("workspace", "acme"), ("repository", "web-app")]).unwrap();
    assert_eq!(rows.len(), 120);
}
