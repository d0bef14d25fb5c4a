//! The client against a scripted transport: retries, pacing, the origin
//! wall, status mapping, scrubbing and OAuth.

use super::*;
use crate::config::Auth;
use crate::test_support::{json, Script};

fn config() -> Config {
    Config::parse(
        r#"{"endpoint":"http://127.0.0.1:8080/2.0","auth":{"type":"bearer","token":"S3CRET"},"retries":{"max_attempts":1}}"#,
    )
    .unwrap()
}

fn retrying() -> Config {
    Config::parse(
        r#"{"endpoint":"http://127.0.0.1:8080/2.0","auth":{"type":"bearer","token":"S3CRET"},"retries":{"max_attempts":4,"max_wait_seconds":100}}"#,
    )
    .unwrap()
}

const X: &str = "http://127.0.0.1:8080/2.0/x";

#[test]
fn retries_429_and_5xx_honouring_the_servers_hint_then_succeeds() {
    let mut limited = json(429, r#"{"type":"error","error":{"message":"Rate limit"}}"#);
    limited.retry_after = Some("7".into());
    let mut reset = json(429, "{}");
    reset.rate_limit_reset = Some("11".into());
    let mut script = Script::new(vec![limited, json(555, "{}"), reset, json(200, r#"{"values":[{"id":1}]}"#)]);
    let mut client = Client::new(&retrying(), &mut script);
    assert_eq!(client.get_page(&Url::parse(X).unwrap()).unwrap().values.len(), 1);
    assert_eq!((client.stats.requests, client.stats.retries), (4, 3));
    drop(client);
    assert_eq!(script.slept[0], Duration::from_secs(7), "Retry-After honoured");
    assert!(script.slept[1] >= Duration::from_secs(1) && script.slept[1] <= Duration::from_secs(2), "backoff");
    assert_eq!(script.slept[2], Duration::from_secs(11), "X-RateLimit-Reset honoured");
}

#[test]
fn gives_up_after_the_attempts_or_the_wait_budget_with_the_hint() {
    let storm = || {
        let mut r = json(429, "{}");
        r.retry_after = Some("30".into());
        r
    };
    let mut storms = Script::new(vec![storm(), storm(), storm(), storm()]);
    let e = Client::new(&retrying(), &mut storms).get_page(&Url::parse(X).unwrap()).unwrap_err();
    assert_eq!((e.code, e.retry_after_seconds), (ErrorCode::RateLimited, Some(30)));
    assert!(e.message.contains("gave up after 4 attempts"), "{}", e.message);
    assert_eq!(storms.slept.iter().sum::<Duration>(), Duration::from_secs(90), "within the 100 s budget");

    let mut long = json(429, "{}");
    long.retry_after = Some("3600".into());
    let mut script = Script::new(vec![long]);
    let e = Client::new(&retrying(), &mut script).get_page(&Url::parse(X).unwrap()).unwrap_err();
    assert_eq!(e.retry_after_seconds, Some(3600));
    assert!(script.slept.is_empty(), "a hint beyond the wait budget is not slept through");
}

#[test]
fn other_client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 410] {
        let mut script = Script::new(vec![json(status, "{}")]);
        let e = Client::new(&retrying(), &mut script).get_page(&Url::parse(X).unwrap()).unwrap_err();
        assert_eq!(e.http_status, Some(status));
        assert_eq!(script.sent.len(), 1);
    }
}

#[test]
fn the_budget_paces_requests() {
    let config = Config::parse(
        r#"{"endpoint":"http://127.0.0.1:8080/2.0","auth":{"type":"bearer","token":"t"},"max_requests_per_hour":360}"#,
    )
    .unwrap();
    let pages = (0..30).map(|_| json(200, r#"{"values":[]}"#)).collect();
    let mut script = Script::new(pages);
    let mut client = Client::new(&config, &mut script);
    for _ in 0..30 {
        client.get_page(&Url::parse(X).unwrap()).unwrap();
    }
    drop(client);
    // A burst of 18, then one every 10 s.
    assert_eq!(script.slept.len(), 12);
    assert!(script.slept.iter().all(|d| (d.as_secs_f64() - 10.0).abs() < 0.01), "{:?}", script.slept);
}

#[test]
fn sends_the_authorization_and_parses_the_envelope() {
    let mut script = Script::new(vec![json(200, r#"{"values":[{"id":1}],"next":"http://127.0.0.1:8080/2.0/x?page=2"}"#)]);
    let page = Client::new(&config(), &mut script).get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap()).unwrap();
    assert_eq!(page.values.len(), 1);
    assert_eq!(page.next.unwrap().as_str(), "http://127.0.0.1:8080/2.0/x?page=2");
    assert_eq!(script.sent[0].1, "Bearer S3CRET");
}

#[test]
fn refuses_other_origins_without_sending() {
    let mut script = Script::new(vec![]);
    for url in ["http://127.0.0.1:9090/2.0/x", "https://127.0.0.1:8080/2.0/x", "http://evil.example/2.0/x"] {
        let e = Client::new(&config(), &mut script).get_page(&Url::parse(url).unwrap()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Transport);
    }
    assert!(script.sent.is_empty());
}

#[test]
fn maps_statuses_and_scrubs_echoed_secrets() {
    let cases = [
        (401, ErrorCode::Unauthorized),
        (403, ErrorCode::Forbidden),
        (404, ErrorCode::NotFound),
        (410, ErrorCode::RetiredUpstream),
        (429, ErrorCode::RateLimited),
        (400, ErrorCode::Upstream),
        (555, ErrorCode::Upstream),
    ];
    for (status, code) in cases {
        let mut response = json(status, r#"{"type":"error","error":{"message":"bad token S3CRET","detail":"more"}}"#);
        response.retry_after = Some("17".into());
        let mut script = Script::new(vec![response]);
        let e = Client::new(&config(), &mut script).get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap()).unwrap_err();
        assert_eq!((e.code, e.http_status, e.retry_after_seconds), (code, Some(status), Some(17)));
        assert!(e.message.contains("bad token [redacted]: more"), "{}", e.message);
        assert!(!e.message.contains("S3CRET"));
    }
}

fn oauth(extra: &str) -> Config {
    Config::parse(&format!(
        r#"{{"endpoint":"http://127.0.0.1:8080/2.0","auth":{{"type":"oauth","client_id":"cid","client_secret":"CSECRET"{extra},"token_url":"http://127.0.0.1:8080/site/oauth2/access_token"}}}}"#
    ))
    .unwrap()
}

#[test]
fn oauth_refreshes_on_the_first_401_and_keeps_the_rotated_refresh_token() {
    let config = oauth(r#","access_token":"old","refresh_token":"R1""#);
    let mut script = Script::new(vec![
        json(401, r#"{"type":"error","error":{"message":"Access token expired."}}"#),
        json(200, r#"{"access_token":"new","refresh_token":"R2","expires_in":7200}"#),
        json(200, r#"{"values":[]}"#),
    ]);
    Client::new(&config, &mut script).get_page(&Url::parse(X).unwrap()).unwrap();
    assert_eq!(script.sent[0].1, "Bearer old");
    assert!(script.sent[1].0.ends_with("/site/oauth2/access_token"));
    assert_eq!(script.sent[1].1, format!("Basic {}", crate::config::base64_encode(b"cid:CSECRET")));
    assert_eq!(script.posted, ["grant_type=refresh_token&refresh_token=R1"]);
    assert_eq!(script.sent[2].1, "Bearer new");
    let Auth::OAuth(o) = &config.auth else { unreachable!() };
    let tokens = o.tokens.borrow();
    assert_eq!((tokens.refresh_token.as_deref(), tokens.rotated), (Some("R2"), true));
}

#[test]
fn oauth_client_credentials_first_and_no_second_refresh_for_a_fresh_token() {
    let mut script = Script::new(vec![json(200, r#"{"access_token":"cc"}"#), json(401, "{}")]);
    let e = Client::new(&oauth(""), &mut script).get_page(&Url::parse(X).unwrap()).unwrap_err();
    assert_eq!(script.posted, ["grant_type=client_credentials"]);
    assert_eq!(script.sent[1].1, "Bearer cc");
    assert_eq!((e.code, e.http_status), (ErrorCode::Unauthorized, Some(401)));
}

#[test]
fn a_failing_token_endpoint_is_retried_like_the_api() {
    let mut script = Script::new(vec![json(503, "{}"), json(200, r#"{"access_token":"t2"}"#), json(200, r#"{"values":[]}"#)]);
    Client::new(&oauth(""), &mut script).get_page(&Url::parse(X).unwrap()).unwrap();
    assert_eq!(script.posted.len(), 2);
    assert_eq!(script.sent[2].1, "Bearer t2");
}

#[test]
fn a_refused_grant_is_unauthorized_without_the_secret() {
    let mut script = Script::new(vec![
        json(401, "{}"),
        json(400, r#"{"error":"invalid_grant","error_description":"Invalid client CSECRET"}"#),
    ]);
    let e = Client::new(&oauth(r#","access_token":"old""#), &mut script).get_page(&Url::parse(X).unwrap()).unwrap_err();
    assert_eq!((e.code, e.http_status), (ErrorCode::Unauthorized, Some(400)));
    assert!(e.message.contains("Invalid client [redacted]"), "{}", e.message);
}

#[test]
fn a_403_names_the_missing_scope() {
    let body = r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["read:pipeline:bitbucket"],"granted":["account"]}}}"#;
    let mut script = Script::new(vec![json(403, body)]);
    let e = Client::new(&config(), &mut script).get_page(&Url::parse(X).unwrap()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e.message.contains("missing scope: read:pipeline:bitbucket"), "{}", e.message);
}

#[test]
fn html_error_pages_are_described_not_dumped() {
    let response = RawResponse {
        status: 404,
        content_type: Some("text/html".into()),
        retry_after: None,
        rate_limit_reset: None,
        location: None,
        login: None,
        body: b"<html>big page</html>".to_vec(),
    };
    let mut script = Script::new(vec![response]);
    let e = Client::new(&config(), &mut script).get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.contains("non-JSON body of 21 bytes (text/html)"), "{}", e.message);
}

#[test]
fn oauth_renews_once_for_requests_in_flight_together() {
    let config = oauth(r#","access_token":"old","refresh_token":"R1""#);
    let (a, b) = ("http://127.0.0.1:8080/2.0/x?page=1", "http://127.0.0.1:8080/2.0/x?page=2");
    let mut script = Script::serving(vec![(a, r#"{"values":[1]}"#.into()), (b, r#"{"values":[2]}"#.into())]);
    let expired = || json(401, r#"{"type":"error","error":{"message":"Access token expired."}}"#);
    script.faults = vec![(a, expired()), (b, expired())];
    // b comes back a tick later than a, after the token was renewed.
    script.slow = vec![(b, 2)];
    script.responses = vec![json(200, r#"{"access_token":"new","refresh_token":"R2"}"#)].into();
    let mut client = Client::new(&config, &mut script);
    let bodies = client.fetch(&[Url::parse(a).unwrap(), Url::parse(b).unwrap()]);
    let bodies: Vec<String> = bodies.into_iter().map(|b| String::from_utf8(b.unwrap()).unwrap()).collect();
    assert_eq!(bodies, [r#"{"values":[1]}"#, r#"{"values":[2]}"#], "in the order asked");
    assert_eq!((client.stats.requests, client.stats.pages), (5, 2));
    drop(client);
    assert_eq!(script.posted, ["grant_type=refresh_token&refresh_token=R1"], "one renewal");
    let sent: Vec<(&str, &str)> = script.sent.iter().map(|(u, auth)| (u.as_str(), auth.as_str())).collect();
    let token = "http://127.0.0.1:8080/site/oauth2/access_token";
    let basic = format!("Basic {}", crate::config::base64_encode(b"cid:CSECRET"));
    assert_eq!(sent, [(a, "Bearer old"), (b, "Bearer old"), (token, basic.as_str()), (a, "Bearer new"), (b, "Bearer new")]);
}

fn redirect(status: u16, location: &str) -> RawResponse {
    RawResponse { location: Some(location.into()), ..json(status, "") }
}

#[test]
fn redirects_on_the_origin_are_followed_each_hop_a_request() {
    let pr = "http://127.0.0.1:8080/2.0/repositories/a/b/pullrequests/1/diffstat?pagelen=100";
    let target =
        "http://127.0.0.1:8080/2.0/repositories/a/b/diffstat/a/b:0123456789ab%0Dba9876543210?from_pullrequest_id=1&topic=true";
    for location in [
        target,
        "/2.0/repositories/a/b/diffstat/a/b:0123456789ab%0Dba9876543210?from_pullrequest_id=1&topic=true",
        "../../diffstat/a/b:0123456789ab%0Dba9876543210?from_pullrequest_id=1&topic=true",
    ] {
        for status in [301, 302, 303, 307, 308] {
            let mut script = Script::new(vec![redirect(status, location), json(200, r#"{"values":[{"id":1}]}"#)]);
            let mut client = Client::new(&config(), &mut script);
            let page = client.get_page(&Url::parse(pr).unwrap()).unwrap();
            assert_eq!(page.values.len(), 1);
            assert_eq!((client.stats.requests, client.stats.pages), (2, 1), "the hop is a request");
            drop(client);
            let sent: Vec<&str> = script.sent.iter().map(|(u, _)| u.as_str()).collect();
            assert_eq!(sent, [pr, target], "{location}");
            assert!(script.sent.iter().all(|(_, auth)| auth == "Bearer S3CRET"));
        }
    }
}

#[test]
fn a_redirect_elsewhere_or_a_fourth_hop_is_a_typed_error() {
    let x = Url::parse(X).unwrap();
    for location in ["https://evil.example/steal", "http://127.0.0.1:9999/2.0/x", "//evil.example/x"] {
        let mut script = Script::new(vec![redirect(302, location)]);
        let e = Client::new(&config(), &mut script).get_page(&x).unwrap_err();
        assert_eq!((e.code, e.http_status), (ErrorCode::Transport, Some(302)), "{location}");
        assert!(e.message.contains("outside the configured endpoint's origin"), "{}", e.message);
        assert_eq!(script.sent.len(), 1, "nothing sent to {location}");
    }

    let hops = (0..4).map(|i| redirect(302, &format!("/2.0/x{i}"))).collect();
    let mut script = Script::new(hops);
    let mut client = Client::new(&config(), &mut script);
    let e = client.get_page(&x).unwrap_err();
    assert_eq!((e.code, e.http_status), (ErrorCode::Upstream, Some(302)));
    assert!(e.message.contains("more than 3 times"), "{}", e.message);
    assert_eq!(client.stats.requests, 4, "the first request and three hops");

    let mut script = Script::new(vec![json(302, "")]);
    let e = Client::new(&config(), &mut script).get_page(&x).unwrap_err();
    assert!(e.message.contains("without a Location"), "{}", e.message);
}
