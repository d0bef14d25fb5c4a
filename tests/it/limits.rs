//! The sandbox's budgets with the real component: a run's wall time, its
//! requests and the requests it has in flight are bounded by the host,
//! whatever the component asks for. (Hostile components of our own try
//! the same and worse in `hostile`.)

use crate::common::*;
use fake_bitbucket::{Dataset, DatasetSpec, FakeOptions};
use host_harness::{HostError, HostLimit, Limits};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn many_repositories(latency: Duration) -> FakeOptions {
    FakeOptions {
        dataset: Dataset::generate(DatasetSpec {
            repos_per_workspace: 30,
            pull_requests_per_repo: 3,
            commits_per_repo: 5,
            ..DatasetSpec::demo()
        }),
        latency,
        ..FakeOptions::default()
    }
}

fn limit_of(outcome: Result<impl std::fmt::Debug, HostError>) -> (HostLimit, String) {
    match outcome {
        Err(HostError::Limit { limit, message }) => (limit, message),
        other => panic!("expected a host limit, got {other:?}"),
    }
}

#[test]
fn a_run_past_its_run_deadline_is_stopped_although_every_call_is_quick() {
    // Each answer takes 300 ms, well inside the call deadline; the run as a
    // whole (31 requests, at most 8 in flight) needs at least 1.2 s.
    let fake = start(many_repositories(Duration::from_millis(300)));
    let host = host_with(Limits { run_deadline: Duration::from_millis(700), ..Limits::default() });
    let mut session = host.session(&config(&fake)).unwrap();
    let started = Instant::now();
    let outcome = session.run("pull-requests", &params(&[("workspace", "acme")]), |_| Ok(()));
    let took = started.elapsed();
    let (limit, message) = limit_of(outcome);
    assert_eq!(limit, HostLimit::RunDeadline);
    assert!(message.contains("the run took longer than 0.7 s"), "{message}");
    assert!(took >= Duration::from_millis(700) && took < Duration::from_millis(2000), "{took:?}");
    assert!(HostError::Limit { limit, message }.to_string().starts_with("host-limit: run-deadline exceeded: "));
}

#[test]
fn a_run_past_its_request_budget_is_stopped_and_sends_no_more() {
    let fake = start(many_repositories(Duration::ZERO));
    let host = host_with(Limits { max_requests_per_run: 5, ..Limits::default() });
    let mut session = host.session(&config(&fake)).unwrap();
    let outcome = session.run("pull-requests", &params(&[("workspace", "acme")]), |_| Ok(()));
    let (limit, message) = limit_of(outcome);
    assert_eq!(limit, HostLimit::Requests);
    assert_eq!(message, "the run tried to send more requests than its budget of 5; the session was stopped");
    let sent = fake.requests().len();
    assert!((1..=5).contains(&sent), "the wall let at most the budget through: {sent}");
    // The budget is per run: a fresh session runs a one-page report fully.
    let mut again = host.session(&config(&fake)).unwrap();
    let mut rows = 0;
    again
        .run("branches", &params(&[("workspace", "acme"), ("repository", "web-app")]), |_| {
            rows += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(rows, fake.dataset().branches("acme", "web-app").len());
}

#[test]
fn requests_in_flight_stay_within_the_sessions_concurrency_plus_slack() {
    // The connector at concurrency 8 over 30 repositories keeps 8 requests
    // in flight; a host cap of 3 holds it to 3 (the rest wait their turn),
    // and the run still completes with every row.
    let fake = start(many_repositories(Duration::from_millis(30)));
    let all = run(&config(&fake), "pull-requests", &[("workspace", "acme")]).unwrap();
    let fake = start(many_repositories(Duration::from_millis(30)));
    let host = host_with(Limits { max_in_flight: 3, ..Limits::default() });
    let mut session = host.session(&config(&fake)).unwrap();
    let mut rows = 0;
    session
        .run("pull-requests", &params(&[("workspace", "acme")]), |_| {
            rows += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(rows, all.len());
    assert_eq!(fake.max_in_flight(), 3, "held to the host's cap, and using all of it");

    // Without the host cap, the session's own cap is concurrency + 2: a
    // config asking for 2 never has more than 4 in flight.
    let fake = start(many_repositories(Duration::from_millis(30)));
    let c = fake.credentials();
    let config = json!({"endpoint": fake.base_url(), "concurrency": 2,
        "auth": {"type": "api-token", "email": c.email, "token": c.api_token}})
    .to_string();
    let mut session = host_with(Limits::default()).session(&config).unwrap();
    session.run("commits", &params(&[("workspace", "acme")]), |_| Ok(())).unwrap();
    assert!(fake.max_in_flight() <= 2 + host_harness::sandbox::IN_FLIGHT_SLACK, "{}", fake.max_in_flight());
    assert!(fake.max_in_flight() >= 2, "the connector did overlap its requests");
}

#[test]
fn the_cli_takes_every_limit_as_a_flag_and_names_it_in_the_error() {
    let fake = start(many_repositories(Duration::ZERO));
    let path = std::env::temp_dir().join(format!("limits-{}.json", std::process::id()));
    std::fs::write(&path, config(&fake)).unwrap();
    let component = host_harness::component::build().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_connector-harness"))
        .arg("--component")
        .arg(&component)
        .args(["run", "pull-requests", "--param", "workspace=acme", "--max-requests", "2", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let mut lines = stderr.lines();
    assert_eq!(
        lines.next(),
        Some("host-limit: max-requests exceeded: the run tried to send more requests than its budget of 2; the session was stopped")
    );
    assert!(lines.next().unwrap().contains("raise it with --max-requests"), "{stderr}");
    let rows: Vec<Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.len() <= 100, "at most the rows of the pages it was allowed");
}

#[test]
fn a_session_frees_what_each_request_held_so_its_runs_never_fill_the_resource_table() {
    // A small table: 40 resources at once is plenty for one request at a
    // time, but not if each request left one behind (as wasmtime-wasi-http's
    // `handle` did with its request options).
    let host = host_with(Limits { max_resources: 40, ..Limits::default() });
    let fake = start(FakeOptions::default());
    let mut session = host.session(&config(&fake)).unwrap();
    for run in 0..120 {
        let mut rows = 0;
        let summary = session
            .run("repositories", &params(&[("workspace", "acme")]), |_| {
                rows += 1;
                Ok(())
            })
            .unwrap_or_else(|e| panic!("run {run}: {e}"));
        assert_eq!((summary.requests, rows), (1, fake.dataset().repositories("acme").len()), "run {run}");
    }
}
