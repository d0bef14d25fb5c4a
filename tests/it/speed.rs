//! Speed as behaviour, not timing: pages fetched side by side (the fake
//! sees several requests in flight at once), a slow page holding up no
//! other request, the fewest requests, rows in the collection's order,
//! `fields` trimming, and the precompiled artefact.

use crate::common::*;
use fake_bitbucket::{Dataset, DatasetSpec, FakeBitbucket, FakeOptions, SlowPages};
use host_harness::{component, Host, Limits, LoadOptions};
use serde_json::{json, Value};
use std::time::Duration;

fn fake(pull_requests: usize, commits: usize) -> FakeBitbucket {
    start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec {
            repos_per_workspace: 2,
            pull_requests_per_repo: pull_requests,
            commits_per_repo: commits,
            ..DatasetSpec::demo()
        }),
        // Enough for requests sent together to be seen together.
        latency: Duration::from_millis(20),
        ..FakeOptions::default()
    })
}

fn with_concurrency(fake: &FakeBitbucket, concurrency: usize) -> String {
    let mut config: Value = serde_json::from_str(&config(fake)).unwrap();
    config["concurrency"] = json!(concurrency);
    config.to_string()
}

const REPO: [(&str, &str); 2] = [("workspace", "acme"), ("repository", "web-app")];

#[test]
fn pull_request_pages_go_out_side_by_side_with_the_fewest_requests_in_order() {
    let fake = fake(1_000, 10);
    let expected: Vec<Value> = fake.dataset().pull_requests("acme", "web-app").iter().map(|pr| pr["id"].clone()).collect();
    for concurrency in [1, 4] {
        fake.clear_requests();
        let rows = run(&with_concurrency(&fake, concurrency), "pull-requests", &REPO).unwrap();
        let ids: Vec<Value> = rows.iter().map(|r| r["id"].clone()).collect();
        assert!(ids == expected, "concurrency {concurrency}: every pull request once, in order");
        let requests = fake.requests();
        assert_eq!(requests.len(), 1_000 / 50, "one request per page of 50");
        let in_flight = fake.max_in_flight();
        if concurrency == 1 {
            assert_eq!(in_flight, 1, "one at a time");
        } else {
            assert!((2..=concurrency).contains(&in_flight), "{in_flight} in flight at once");
        }
        for request in &requests {
            let fields = request.query_values("fields").join(",");
            assert!(
                fields.contains("values.id") && fields.contains("next") && fields.contains("size"),
                "every request trims the objects: {fields}"
            );
            assert!(!fields.contains("values.links.diff"), "no unused parts: {fields}");
        }
    }
}

#[test]
fn a_slow_page_holds_up_no_other_request_and_rows_stay_in_order() {
    // 20 pages of 50 pull requests; pages 8 and 16 take 1 s, the others 20 ms.
    let fake = start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { repos_per_workspace: 1, pull_requests_per_repo: 1_000, ..DatasetSpec::demo() }),
        latency: Duration::from_millis(20),
        slow_pages: Some(SlowPages { every: 8, latency: Duration::from_secs(1) }),
        ..FakeOptions::default()
    });
    let expected: Vec<Value> = fake.dataset().pull_requests("acme", "web-app").iter().map(|pr| pr["id"].clone()).collect();
    let rows = run(&with_concurrency(&fake, 4), "pull-requests", &REPO).unwrap();
    let ids: Vec<Value> = rows.iter().map(|r| r["id"].clone()).collect();
    assert!(ids.len() == 1_000 && ids == expected, "every pull request once, in order");
    let requests = fake.requests();
    let page = |r: &fake_bitbucket::RecordedRequest| r.query_values("page").first().map_or(1, |p| p.parse::<u64>().unwrap());
    let mut pages: Vec<u64> = requests.iter().map(page).collect();
    pages.sort_unstable();
    assert_eq!(pages, (1..=20).collect::<Vec<_>>(), "each page once");
    assert_eq!(fake.max_in_flight(), 4, "never more than the concurrency in flight");
    // While page 8 was awaited, the requests after it went on: by the time
    // it was answered, pages up to 15 had arrived (rounds of 4 would have
    // stopped at 9, the end of its round), and none beyond: the window
    // holds twice the concurrency, from the oldest page not handed back.
    let slow = requests.iter().find(|r| page(r) == 8).unwrap();
    let mut arrived: Vec<u64> = requests[..slow.answered_after].iter().map(page).collect();
    arrived.sort_unstable();
    assert_eq!(arrived, (1..=15).collect::<Vec<_>>(), "the pages that had arrived when page 8 was answered");
}

#[test]
fn children_of_a_fan_out_are_fetched_side_by_side_with_the_fewest_requests() {
    let fake = fake(30, 10);
    let data = fake.dataset();
    let comment_pages: usize =
        (1..=30).map(|id| data.pull_request_comment_count("acme", "web-app", id).div_ceil(100).max(1)).sum();
    let mut by_concurrency = Vec::new();
    for concurrency in [1, 8] {
        fake.clear_requests();
        let mut rows = run(&with_concurrency(&fake, concurrency), "pull-request-comments", &REPO).unwrap();
        assert_eq!(fake.requests().len(), 1 + comment_pages, "the PR page, then each PR's comments");
        let in_flight = fake.max_in_flight();
        assert!(
            (concurrency == 1) == (in_flight == 1) && in_flight <= concurrency,
            "concurrency {concurrency}: {in_flight} in flight"
        );
        // Pull requests interleave by page; each one's comments keep their order.
        rows.sort_by_key(|r| (r["pull_request_id"].as_i64(), r["id"].as_i64()));
        by_concurrency.push(rows);
    }
    assert!(!by_concurrency[0].is_empty());
    assert!(by_concurrency[0] == by_concurrency[1], "the same rows either way");
}

#[test]
fn commits_follow_next_links_one_page_at_a_time() {
    let fake = fake(5, 450);
    let rows = run(&with_concurrency(&fake, 8), "commits", &REPO).unwrap();
    assert_eq!(rows.len(), 450);
    assert_eq!(fake.requests().len(), 5, "pages of 100");
    assert_eq!(fake.max_in_flight(), 1, "a `next` link is known only once its page is in");
}

#[test]
fn the_precompiled_artefact_is_reused_and_pooling_hosts_run_reports() {
    let dir = std::env::temp_dir().join(format!("bbc-precompiled-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = dir.join("connector.wasm");
    // The cache is keyed by the component's bytes and shared by every host
    // of this user: a custom section of our own makes these bytes new.
    let mut bytes = std::fs::read(component::build().unwrap()).unwrap();
    let nonce = format!("{}-{:?}", std::process::id(), std::time::SystemTime::now());
    let name = b"test-nonce";
    let payload_len = 1 + name.len() + nonce.len();
    assert!(payload_len < 128, "one-byte LEB128 length");
    bytes.extend([0u8, payload_len as u8, name.len() as u8]);
    bytes.extend(name);
    bytes.extend(nonce.as_bytes());
    std::fs::write(&wasm, bytes).unwrap();
    let first = Host::load(&wasm, Limits::default()).unwrap();
    assert!(!first.from_precompiled(), "nothing to reuse the first time");
    let artefacts = || {
        std::fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".cwasm")).count()
    };
    // The artefact lives in the host's own cache folder (see
    // `tests/it/hostile.rs` for planting), never next to the component.
    assert_eq!(artefacts(), 0, "nothing written next to the .wasm");
    let second = Host::load(&wasm, Limits::default()).unwrap();
    assert!(second.from_precompiled(), "reused the second time");

    // A changed .wasm is compiled afresh (its artefact has another name).
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.extend_from_slice(b"\x00\x05\x04note"); // an empty custom section, "note"
    std::fs::write(&wasm, &bytes).unwrap();
    let changed = Host::load(&wasm, Limits::default()).unwrap();
    assert!(!changed.from_precompiled());
    assert_eq!(artefacts(), 0, "still nothing next to the .wasm");
    assert!(Host::load(&wasm, Limits::default()).unwrap().from_precompiled());

    let pooled = Host::load_with(&wasm, Limits::default(), LoadOptions { precompiled: true, pooling: true }).unwrap();
    let fake = start(FakeOptions::default());
    let mut session = pooled.session(&config(&fake)).unwrap();
    let summary = session.run("repositories", &params(&[("workspace", "acme")]), |_| Ok(())).unwrap();
    assert_eq!(summary.rows, 3);
    std::fs::remove_dir_all(&dir).unwrap();
}
