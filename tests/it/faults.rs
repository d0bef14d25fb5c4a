//! The fault matrix: each fault the fake Bitbucket can inject, the outcome
//! the connector must reach, and for runs that recover, every row exactly
//! once. Also: no failure path ever shows a secret.

use crate::common::*;
use fake_bitbucket::{FakeBitbucket, FakeOptions, Fault, FaultRule};
use host_harness::{ErrorCode, HostError};
use serde_json::{json, Value};
use std::time::Duration;

const REPORT: &str = "commits";
const PARAMS: [(&str, &str); 2] = [("workspace", "acme"), ("repository", "web-app")];

fn rule(fault: Fault, attempts: usize) -> FaultRule {
    FaultRule { fault, path_contains: None, attempts }
}

fn faulty(faults: Vec<FaultRule>) -> FakeBitbucket {
    start(FakeOptions { faults, ..FakeOptions::default() })
}

/// A config for `fake` with extra top-level keys (retries, timeouts).
fn config_with(fake: &FakeBitbucket, extra: Value) -> String {
    let mut config: Value = serde_json::from_str(&config(fake)).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    config.to_string()
}

/// The rows of the report without faults.
fn baseline() -> Vec<Value> {
    let fake = start(FakeOptions::default());
    server_neutral(&fake, run(&config(&fake), REPORT, &PARAMS)).unwrap()
}

/// Rows with the server's own origin (in API links) replaced, so runs
/// against two servers compare equal.
fn server_neutral<E>(fake: &FakeBitbucket, rows: Result<Vec<Value>, E>) -> Result<Vec<Value>, E> {
    let origin = fake.origin();
    rows.map(|rows| rows.iter().map(|row| serde_json::from_str(&row.to_string().replace(&origin, "ORIGIN")).unwrap()).collect())
}

enum Outcome {
    /// Completes with exactly the baseline rows.
    Recovers,
    /// Fails with this code.
    Fails(ErrorCode),
}

#[test]
fn fault_matrix() {
    use Outcome::*;
    let expected_rows = baseline();
    let one = |f| vec![rule(f, 1)];
    let matrix: Vec<(&str, Vec<FaultRule>, Value, Outcome)> = vec![
        (
            "429 with Retry-After, twice per page",
            vec![rule(Fault::RateLimited { retry_after: Some(1), reset: None }, 2)],
            json!({}),
            Recovers,
        ),
        ("429 with X-RateLimit-Reset", one(Fault::RateLimited { retry_after: None, reset: Some(1) }), json!({}), Recovers),
        ("429 without a hint (backoff)", one(Fault::RateLimited { retry_after: None, reset: None }), json!({}), Recovers),
        (
            "429 storm past the attempts",
            vec![rule(Fault::RateLimited { retry_after: Some(1), reset: None }, usize::MAX)],
            json!({"retries": {"max_attempts": 3}}),
            Fails(ErrorCode::RateLimited),
        ),
        ("503 burst", vec![rule(Fault::ServerError(503), 2)], json!({}), Recovers),
        ("555 timeout", one(Fault::ServerError(555)), json!({}), Recovers),
        (
            "500 that never ends",
            vec![rule(Fault::ServerError(500), usize::MAX)],
            json!({"retries": {"max_attempts": 2}}),
            Fails(ErrorCode::Upstream),
        ),
        ("dropped connection", one(Fault::DropConnection), json!({}), Recovers),
        ("truncated body", one(Fault::TruncatedBody), json!({}), Recovers),
        ("slow body", one(Fault::SlowBody(Duration::from_millis(20))), json!({}), Recovers),
        (
            "body stalls past the between-bytes timeout",
            one(Fault::SlowBody(Duration::from_millis(1500))),
            json!({"timeouts": {"between_bytes_seconds": 1}}),
            Recovers,
        ),
        ("HTML page with 200", one(Fault::HtmlOk), json!({}), Fails(ErrorCode::InvalidResponse)),
        ("HTML page with 404", one(Fault::HtmlNotFound), json!({}), Fails(ErrorCode::NotFound)),
        ("page without values", one(Fault::NoValues), json!({}), Fails(ErrorCode::InvalidResponse)),
        ("wrong types in mapped fields", one(Fault::WrongTypes), json!({}), Fails(ErrorCode::InvalidResponse)),
        ("next loops back", one(Fault::LoopNext), json!({}), Fails(ErrorCode::InvalidResponse)),
        ("body over the cap", one(Fault::HugeBody(20 << 20)), json!({}), Fails(ErrorCode::LimitExceeded)),
        (
            "403 naming the scope",
            one(Fault::Forbidden { scope: "read:repository:bitbucket".into() }),
            json!({}),
            Fails(ErrorCode::Forbidden),
        ),
    ];

    let mut table = vec![];
    std::thread::scope(|scope| {
        let handles: Vec<_> = matrix
            .into_iter()
            .map(|(name, faults, extra, outcome)| {
                let expected_rows = &expected_rows;
                scope.spawn(move || {
                    let fake = faulty(faults);
                    let result = server_neutral(&fake, run(&config_with(&fake, extra), REPORT, &PARAMS));
                    assert!(fake.requests_with_fault() > 0, "{name}: the fault was injected");
                    match (&outcome, &result) {
                        (Recovers, Ok(rows)) => assert!(rows == expected_rows, "{name}: rows lost, duplicated or changed"),
                        (Fails(code), Err(HostError::Connector(e))) => {
                            assert_eq!(e.code, *code, "{name}: {}", e.message)
                        }
                        (_, other) => panic!("{name}: unexpected outcome {:?}", other.as_ref().map(|r| r.len())),
                    }
                    let shown = match result {
                        Ok(rows) => format!("completes, {} rows once each", rows.len()),
                        Err(e) => e.to_string().chars().take(110).collect(),
                    };
                    (name, shown)
                })
            })
            .collect();
        for h in handles {
            table.push(h.join().unwrap());
        }
    });
    for (name, outcome) in table {
        println!("| {name} | {outcome} |");
    }
}

#[test]
fn a_403_names_the_missing_scope_and_a_429_storm_gives_the_servers_hint() {
    let fake = faulty(vec![rule(Fault::Forbidden { scope: "read:pipeline:bitbucket".into() }, 1)]);
    let e = connector_error(run(&config(&fake), REPORT, &PARAMS));
    assert!(e.message.contains("read:pipeline:bitbucket"), "{}", e.message);

    let fake = faulty(vec![rule(Fault::RateLimited { retry_after: Some(1), reset: None }, usize::MAX)]);
    let e = connector_error(run(&config_with(&fake, json!({"retries": {"max_attempts": 2}})), REPORT, &PARAMS));
    assert_eq!((e.code, e.http_status, e.retry_after_seconds), (ErrorCode::RateLimited, Some(429), Some(1)));
    assert_eq!(fake.requests().len(), 2, "bounded attempts");
}

#[test]
fn a_run_in_a_429_storm_completes_with_every_row_once_within_its_budget() {
    let expected = baseline();
    let pages = expected.len().div_ceil(100);
    // Every page is refused twice before it is served.
    let fake = faulty(vec![rule(Fault::RateLimited { retry_after: Some(1), reset: None }, 2)]);
    let config = config_with(&fake, json!({"retries": {"max_attempts": 3, "max_wait_seconds": 5}}));
    let rows = server_neutral(&fake, run(&config, REPORT, &PARAMS)).unwrap();
    assert!(rows == expected, "every row once, in order");
    assert_eq!(fake.requests().len(), pages * 3, "two retries per page, no more");
}

#[test]
fn client_errors_are_not_retried() {
    let fake = faulty(vec![rule(Fault::HtmlNotFound, usize::MAX)]);
    let e = connector_error(run(&config(&fake), REPORT, &PARAMS));
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(fake.requests().len(), 1);
}

/// Every failure path, with a recognisable secret as the credential: no
/// error message, row or CLI output contains it.
#[test]
fn secrets_never_appear_in_any_output() {
    const SECRET: &str = "SeCrEt-tOkEn-7f3a9c";
    let b64 = fake_bitbucket::Credentials { email: "demo@example.com".into(), api_token: SECRET.into(), bearer_tokens: vec![] }
        .basic_header();
    let mut outputs: Vec<String> = Vec::new();
    let creds = || fake_bitbucket::Credentials {
        email: "demo@example.com".into(),
        api_token: SECRET.into(),
        bearer_tokens: vec![SECRET.into()],
    };
    let secret_config = |fake: &FakeBitbucket, extra: Value| {
        let mut c =
            json!({"endpoint": fake.base_url(), "auth": {"type": "api-token", "email": "demo@example.com", "token": SECRET}});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c.to_string()
    };
    let faults = [
        Fault::RateLimited { retry_after: Some(1), reset: None },
        Fault::ServerError(500),
        Fault::DropConnection,
        Fault::TruncatedBody,
        Fault::HtmlOk,
        Fault::HtmlNotFound,
        Fault::NoValues,
        Fault::WrongTypes,
        Fault::LoopNext,
        Fault::HugeBody(20 << 20),
        Fault::Forbidden { scope: "read:repository:bitbucket".into() },
        // A server that echoes the credentials back in its error message.
        Fault::EchoAuthorization,
    ];
    for fault in faults {
        let fake = start(FakeOptions { credentials: creds(), faults: vec![rule(fault, usize::MAX)], ..FakeOptions::default() });
        let result = run(&secret_config(&fake, json!({"retries": {"max_attempts": 2}})), REPORT, &PARAMS);
        outputs.push(format!("{result:?}"));
        if let Err(e) = result {
            outputs.push(e.to_string());
        }
    }
    // Wrong credentials, a successful run, an origin refused, the host's wall.
    let fake = start(FakeOptions::default());
    outputs.push(format!("{:?}", run(&secret_config(&fake, json!({})), REPORT, &PARAMS)));
    let good = start(FakeOptions { credentials: creds(), ..FakeOptions::default() });
    outputs.push(format!("{:?}", run(&secret_config(&good, json!({})), "pull-requests", &PARAMS)));
    let elsewhere = start(FakeOptions::default());
    let hostile =
        start(FakeOptions { credentials: creds(), next_origin_override: Some(elsewhere.origin()), ..FakeOptions::default() });
    outputs.push(format!("{:?}", run(&secret_config(&hostile, json!({})), REPORT, &PARAMS)));
    let mut walled = host().unconfigured_session(Some("https://api.bitbucket.org")).unwrap();
    walled.configure(&secret_config(&good, json!({}))).unwrap();
    outputs.push(format!("{:?}", walled.run(REPORT, &params(&PARAMS), |_| Ok(()))));
    // OAuth: a wrong client secret, and a refresh that works and rotates.
    for client_secret in [SECRET, "right"] {
        let oauth =
            fake_bitbucket::OAuthClient { client_id: "key".into(), client_secret: "right".into(), refresh_token: SECRET.into() };
        let fake = start(FakeOptions { oauth: Some(oauth), ..FakeOptions::default() });
        let config = json!({"endpoint": fake.base_url(), "auth": {
            "type": "oauth", "client_id": "key", "client_secret": client_secret, "refresh_token": SECRET,
            "token_url": format!("{}/site/oauth2/access_token", fake.origin()),
        }});
        outputs.push(format!("{:?}", run(&config.to_string(), REPORT, &PARAMS)));
    }
    // Bad configurations that carry the secret.
    for config in [
        json!({"auth": {"type": "app-password", "username": "u", "app_password": SECRET}}),
        json!({"auth": {"username": "u", "password": SECRET}}),
        json!({"auth": {"type": "api-token", "email": "nope", "token": SECRET}}),
        json!({"auth": {"type": "bearer", "token": SECRET, "extra": SECRET}}),
        json!({"endpoint": format!("https://user:{SECRET}@example.com"), "auth": {"type": "bearer", "token": SECRET}}),
        json!({"endpoint": format!("https//user:{SECRET}@example.com"), "auth": {"type": "bearer", "token": SECRET}}),
    ] {
        outputs.push(format!("{:?}", host().session(&config.to_string()).map(|_| ())));
    }
    assert!(outputs.len() > 15);
    for output in &outputs {
        assert!(!output.contains(SECRET), "the secret leaked: {output}");
        assert!(!output.contains(b64.trim_start_matches("Basic ")), "the Basic credential leaked: {output}");
    }
}
