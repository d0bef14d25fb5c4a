//! End to end: the real component in the real wasmtime host against the
//! fake Bitbucket, for the contract's success and failure paths.

use crate::common::*;
use fake_bitbucket::{Dataset, DatasetSpec, FakeOptions};
use host_harness::{ColumnType, ErrorCode, HostError, Limits, ReportStatus};
use serde_json::Value;

fn pages(items: usize, page_len: usize) -> usize {
    items.div_ceil(page_len).max(1)
}

#[test]
fn catalog_lists_the_first_reports_with_schemas() {
    let reports = host().list_reports().unwrap();
    for id in ["repositories", "pull-requests", "commits"] {
        let r = reports.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("{id} missing"));
        assert!(matches!(r.status, ReportStatus::Available));
        assert!(!r.columns.is_empty() && !r.primary_key.is_empty() && !r.description.is_empty());
        assert!(r.params.iter().any(|p| p.name == "workspace" && p.required));
        for key in &r.primary_key {
            assert!(r.columns.iter().any(|c| &c.name == key), "{id}: key {key} is a column");
        }
    }
}

#[test]
fn the_component_imports_only_what_it_needs() {
    let mut imports: Vec<String> = host().imports().into_iter().map(|i| i.split('@').next().unwrap().to_string()).collect();
    imports.sort();
    // The README's import list. Anything new widens what a sandboxed host
    // must provide: update the README when this changes, and say why.
    let expected = [
        "bitbucket:connector/types",
        "wasi:cli/environment",
        "wasi:cli/exit",
        "wasi:cli/stderr",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/terminal-input",
        "wasi:cli/terminal-output",
        "wasi:cli/terminal-stderr",
        "wasi:cli/terminal-stdin",
        "wasi:cli/terminal-stdout",
        "wasi:clocks/monotonic-clock",
        "wasi:clocks/wall-clock",
        "wasi:http/outgoing-handler",
        "wasi:http/types",
        "wasi:io/error",
        "wasi:io/poll",
        "wasi:io/streams",
    ];
    assert_eq!(imports, expected);
}

#[test]
fn repositories_report_returns_every_repository_in_the_fewest_pages() {
    let fake = start(FakeOptions::default());
    let rows = run(&config(&fake), "repositories", &[("workspace", "acme")]).unwrap();
    let expected = fake.dataset().repositories("acme");
    assert_eq!(rows.len(), expected.len());
    for (row, repo) in rows.iter().zip(&expected) {
        assert_eq!(row["uuid"], repo["uuid"]);
        assert_eq!(row["full_name"], repo["full_name"]);
        assert_eq!(row["is_private"], repo["is_private"]);
        assert_eq!(row["created_on"], repo["created_on"]);
        assert_eq!(row["main_branch"], repo["mainbranch"].get("name").cloned().unwrap_or(Value::Null));
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), pages(expected.len(), 100));
    for r in &requests {
        assert_eq!(r.path, "/2.0/repositories/acme");
        assert_eq!(r.query_values("pagelen"), ["100"]);
        assert_eq!(r.authorization.as_deref(), Some(fake.credentials().basic_header().as_str()));
    }
}

fn big_dataset() -> Dataset {
    Dataset::generate(DatasetSpec { pull_requests_per_repo: 237, commits_per_repo: 321, ..DatasetSpec::demo() })
}

#[test]
fn pull_requests_report_covers_every_state_at_50_per_page() {
    let fake = start(FakeOptions { dataset: big_dataset(), ..FakeOptions::default() });
    let rows = run(&config(&fake), "pull-requests", &[("workspace", "acme"), ("repository", "web-app")]).unwrap();
    let expected = fake.dataset().pull_requests("acme", "web-app");
    assert_eq!(rows.len(), 237);
    let states: std::collections::BTreeSet<_> = rows.iter().map(|r| r["state"].as_str().unwrap().to_string()).collect();
    assert_eq!(states.into_iter().collect::<Vec<_>>(), ["DECLINED", "MERGED", "OPEN", "SUPERSEDED"]);
    for (row, pr) in rows.iter().zip(&expected) {
        assert_eq!(row["id"], pr["id"]);
        assert_eq!(row["title"], pr["title"], "titles survive commas, quotes and newlines");
        assert_eq!(row["description"], pr["description"]);
        assert_eq!(row["author_display_name"], pr["author"]["display_name"]);
        assert_eq!(row["source_branch"], pr["source"]["branch"]["name"]);
        assert_eq!(row["updated_on"], pr["updated_on"]);
        assert_eq!(row["repository"], "web-app");
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), pages(237, 50));
    for r in &requests {
        assert_eq!(r.query_values("pagelen"), ["50"]);
        assert_eq!(r.query_values("state"), ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]);
    }
}

#[test]
fn commits_report_follows_opaque_next_links_newest_first() {
    let fake = start(FakeOptions { dataset: big_dataset(), ..FakeOptions::default() });
    let rows = run(&config(&fake), "commits", &[("workspace", "acme"), ("repository", "api-service")]).unwrap();
    let expected = fake.dataset().commits("acme", "api-service");
    assert_eq!(rows.len(), 321);
    for (row, commit) in rows.iter().zip(&expected) {
        assert_eq!(row["hash"], commit["hash"]);
        assert_eq!(row["date"], commit["date"]);
        assert_eq!(row["message"], commit["message"]);
        let uuid = commit["author"].get("user").map(|u| u["uuid"].clone()).unwrap_or(Value::Null);
        assert_eq!(row["author_uuid"], uuid, "authors without an account give null");
    }
    assert!(rows.iter().any(|r| r["author_uuid"].is_null()));
    assert_eq!(fake.requests().len(), pages(321, 100));
}

#[test]
fn cells_carry_the_declared_types() {
    let fake = start(FakeOptions::default());
    let info = report("pull-requests");
    let mut session = host().session(&config(&fake)).unwrap();
    let mut seen = 0;
    session
        .run("pull-requests", &params(&[("workspace", "acme"), ("repository", "infra")]), |cells| {
            for (cell, column) in cells.iter().zip(&info.columns) {
                use host_harness::Cell::*;
                let ok = match (cell, column.type_) {
                    (Null, _) => column.nullable,
                    (Boolean(_), ColumnType::Boolean) | (Integer(_), ColumnType::Integer) => true,
                    (Text(_), ColumnType::Text) | (Timestamp(_), ColumnType::Timestamp) | (Json(_), ColumnType::Json) => true,
                    _ => false,
                };
                assert!(ok, "column {} got {cell:?}", column.name);
            }
            seen += 1;
            Ok(())
        })
        .unwrap();
    assert!(seen > 0);
}

#[test]
fn endpoint_without_path_prefix_and_bearer_tokens_work() {
    let fake = start(FakeOptions { path_prefix: String::new(), ..FakeOptions::default() });
    let token = fake.credentials().bearer_tokens[0].clone();
    let config = serde_json::json!({"endpoint": fake.base_url(), "auth": {"type": "bearer", "token": token}}).to_string();
    let rows = run(&config, "repositories", &[("workspace", "acme")]).unwrap();
    assert_eq!(rows.len(), fake.dataset().repositories("acme").len());
    let requests = fake.requests();
    assert_eq!(requests[0].path, "/repositories/acme");
    assert_eq!(requests[0].authorization.as_deref(), Some(format!("Bearer {token}").as_str()));
}

#[test]
fn bad_configs_are_typed_errors_naming_the_field_and_send_nothing() {
    let fake = start(FakeOptions::default());
    let cases = [
        (r#"{"endpoint": "ENDPOINT"}"#.to_string(), "`auth`"),
        (r#"{"endpoint": "http//no-scheme", "auth": {"type": "bearer", "token": "t"}}"#.to_string(), "`endpoint`"),
        (
            r#"{"endpoint": "ENDPOINT", "auth": {"type": "app-password", "username": "u", "app_password": "pw"}}"#.to_string(),
            "2026-07-28",
        ),
        (r#"{"endpoint": "ENDPOINT", "auth": {"type": "api-token", "token": "t"}}"#.to_string(), "`auth.email`"),
        ("not json".to_string(), "JSON"),
    ];
    for (config, needle) in cases {
        let config = config.replace("ENDPOINT", &fake.base_url());
        let e = connector_error(host().session(&config).map(|_| ()));
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{config}");
        assert!(e.message.contains(needle), "{config}: {}", e.message);
    }
    assert!(fake.requests().is_empty());
}

#[test]
fn unknown_reports_and_bad_parameters_fail_before_any_request() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let e = connector_error(run(&config, "no-such-report", &[]));
    assert_eq!(e.code, ErrorCode::UnknownReport);
    let e = connector_error(run(&config, "repository-user-permissions", &[("workspace", "acme")]));
    assert_eq!(e.code, ErrorCode::InvalidParameter);
    assert!(e.message.contains("`repository`"), "{}", e.message);
    for (pairs, needle) in [
        (&[][..], "`workspace`"),
        (&[("workspace", "acme"), ("since", "soon")][..], "`since`"),
        (&[("workspace", "acme/../x"), ("repository", "web-app")][..], "`workspace`"),
        (&[("workspace", "acme"), ("repository", "web-app"), ("colour", "red")][..], "`colour`"),
    ] {
        let e = connector_error(run(&config, "pull-requests", pairs));
        assert_eq!(e.code, ErrorCode::InvalidParameter, "{pairs:?}");
        assert!(e.message.contains(needle), "{pairs:?}: {}", e.message);
    }
    assert!(fake.requests().is_empty());
}

#[test]
fn a_rejected_reconfiguration_leaves_the_instance_unconfigured() {
    let fake = start(FakeOptions::default());
    let mut session = host().session(&config(&fake)).unwrap();
    let e = connector_error(session.configure(r#"{"auth": {"type": "app-password"}}"#));
    assert_eq!(e.code, ErrorCode::InvalidConfig);
    let e = connector_error(session.run("repositories", &params(&[("workspace", "acme")]), |_| Ok(())));
    assert_eq!(e.code, ErrorCode::NotConfigured);
    assert!(fake.requests().is_empty(), "the old credentials were not used");
}

#[test]
fn running_before_configure_is_not_configured() {
    let mut session = host().unconfigured_session(None).unwrap();
    let e = connector_error(session.run("repositories", &params(&[("workspace", "acme")]), |_| Ok(())));
    assert_eq!(e.code, ErrorCode::NotConfigured);
}

#[test]
fn wrong_credentials_are_unauthorized_without_echoing_the_secret() {
    let fake = start(FakeOptions::default());
    let config = serde_json::json!({"endpoint": fake.base_url(), "auth": {"type": "api-token", "email": "demo@example.com", "token": "WRONG-SECRET-123"}}).to_string();
    let e = connector_error(run(&config, "repositories", &[("workspace", "acme")]));
    assert_eq!((e.code, e.http_status), (ErrorCode::Unauthorized, Some(401)));
    assert!(e.message.contains("api-token"), "the message says what to check: {}", e.message);
    assert!(!e.message.contains("WRONG-SECRET-123"));
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn missing_repository_is_not_found() {
    let fake = start(FakeOptions::default());
    let e = connector_error(run(&config(&fake), "commits", &[("workspace", "acme"), ("repository", "nope")]));
    assert_eq!((e.code, e.http_status), (ErrorCode::NotFound, Some(404)));
}

#[test]
fn a_next_link_to_another_origin_is_refused_and_nothing_is_sent_there() {
    let elsewhere = start(FakeOptions::default());
    let fake = start(FakeOptions { next_origin_override: Some(elsewhere.origin()), ..FakeOptions::default() });
    let e = connector_error(run(&config(&fake), "commits", &[("workspace", "acme"), ("repository", "web-app")]));
    assert_eq!(e.code, ErrorCode::Transport);
    assert!(e.message.contains(&elsewhere.origin()), "{}", e.message);
    assert_eq!(fake.requests().len(), 1, "the first page was read");
    assert!(elsewhere.requests().is_empty(), "no request, and no credentials, went to the other origin");
}

#[test]
fn the_host_refuses_origins_outside_its_allowlist_as_a_second_wall() {
    let fake = start(FakeOptions::default());
    // The component would allow this endpoint; the host allows another origin only.
    let mut session = host().unconfigured_session(Some("https://api.bitbucket.org")).unwrap();
    session.configure(&config(&fake)).unwrap();
    let e = connector_error(session.run("repositories", &params(&[("workspace", "acme")]), |_| Ok(())));
    assert_eq!(e.code, ErrorCode::Transport);
    assert!(e.message.contains("does not allow"), "{}", e.message);
    assert!(fake.requests().is_empty());
}

#[test]
fn response_bodies_over_the_host_cap_are_limit_exceeded() {
    let fake = start(FakeOptions::default());
    let host = host_with(Limits { max_response_bytes: 16 * 1024, ..Limits::default() });
    let mut session = host.session(&config(&fake)).unwrap();
    let result = session.run("pull-requests", &params(&[("workspace", "acme"), ("repository", "web-app")]), |_| Ok(()));
    let e = connector_error(result);
    assert_eq!(e.code, ErrorCode::LimitExceeded, "{}", e.message);
}

#[test]
fn a_guest_over_its_memory_cap_ends_cleanly_and_the_host_goes_on() {
    // A 6 MiB page: under the guest's 8 MiB body cap, over a 4 MiB memory cap.
    let huge =
        fake_bitbucket::FaultRule { fault: fake_bitbucket::Fault::HugeBody(6 << 20), path_contains: None, attempts: usize::MAX };
    let fake = start(FakeOptions { faults: vec![huge], ..FakeOptions::default() });
    let small = host_with(Limits { memory_bytes: 4 << 20, ..Limits::default() });
    let mut session = small.session(&config(&fake)).expect("the guest starts and configures under the cap");
    let outcome = session.run("commits", &params(&[("workspace", "acme"), ("repository", "web-app")]), |_| Ok(()));
    assert!(matches!(outcome, Err(HostError::Trap(_))), "{outcome:?}");
    assert_eq!(fake.requests().len(), 1, "the guest ran and read the page before it ran out");
    // The same process keeps serving other sessions.
    let healthy = start(FakeOptions::default());
    let rows = run(&config(&healthy), "repositories", &[("workspace", "acme")]).unwrap();
    assert!(!rows.is_empty());
}

fn oauth_fake() -> fake_bitbucket::FakeBitbucket {
    let oauth = fake_bitbucket::OAuthClient {
        client_id: "consumer-key".into(),
        client_secret: "consumer-secret".into(),
        refresh_token: "refresh-0".into(),
    };
    start(FakeOptions { oauth: Some(oauth), ..FakeOptions::default() })
}

fn oauth_config(fake: &fake_bitbucket::FakeBitbucket, tokens: serde_json::Value) -> String {
    let mut auth = serde_json::json!({
        "type": "oauth",
        "client_id": "consumer-key",
        "client_secret": "consumer-secret",
        "token_url": format!("{}/site/oauth2/access_token", fake.origin()),
    });
    for (k, v) in tokens.as_object().unwrap() {
        auth[k] = v.clone();
    }
    serde_json::json!({"endpoint": fake.base_url(), "auth": auth}).to_string()
}

#[test]
fn oauth_refreshes_an_expired_token_and_hands_back_the_rotated_refresh_token() {
    let fake = oauth_fake();
    let config = oauth_config(&fake, serde_json::json!({"access_token": "expired", "refresh_token": "refresh-0"}));
    let mut session = host().session(&config).unwrap();
    let mut rows = 0;
    session
        .run("commits", &params(&[("workspace", "acme"), ("repository", "web-app")]), |_| {
            rows += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(rows, fake.dataset().commits("acme", "web-app").len());
    let requests = fake.requests();
    assert_eq!((requests[0].status, requests[0].authorization.as_deref()), (401, Some("Bearer expired")));
    assert_eq!((requests[1].method.as_str(), requests[1].path.as_str()), ("POST", "/site/oauth2/access_token"));
    assert!(requests[2..].iter().all(|r| r.authorization.as_deref() == Some("Bearer oauth-access-1") && r.status == 200));
    assert_eq!(session.rotated_refresh_token().unwrap().as_deref(), Some("oauth-refresh-1"));

    // The old refresh token no longer works: the error says what to check.
    let stale = oauth_config(&fake, serde_json::json!({"access_token": "expired", "refresh_token": "refresh-0"}));
    let e = connector_error(run(&stale, "commits", &[("workspace", "acme"), ("repository", "web-app")]));
    assert_eq!(e.code, ErrorCode::Unauthorized);
    assert!(e.message.contains("refresh"), "{}", e.message);
    assert!(!e.message.contains("consumer-secret"));
}

#[test]
fn oauth_client_credentials_fetch_a_token_before_the_first_request() {
    let fake = oauth_fake();
    let config = oauth_config(&fake, serde_json::json!({}));
    let rows = run(&config, "repositories", &[("workspace", "acme")]).unwrap();
    assert_eq!(rows.len(), fake.dataset().repositories("acme").len());
    let requests = fake.requests();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[1].authorization.as_deref(), Some("Bearer oauth-access-1"));
    let mut session = host().session(&config).unwrap();
    assert_eq!(session.rotated_refresh_token().unwrap(), None);
}
