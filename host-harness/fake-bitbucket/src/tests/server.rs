//! HTTP behaviour: origin and prefix, authentication, 404s, the request log, links, keep-alive, concurrency, shutdown.

use super::*;

#[test]
fn base_url_and_origin() {
    let fake = start();
    assert!(fake.origin().starts_with("http://127.0.0.1:"));
    assert_eq!(fake.base_url(), format!("{}/2.0", fake.origin()));
}

#[test]
fn next_links_keep_every_query_parameter() {
    let fake = start();
    let url = format!(
        "{}/repositories/acme/web-app/pullrequests?state=MERGED&fields=%2Bvalues.participants,-links&q=updated_on%3E%3D2020-01-01T00%3A00%3A00Z%20AND%20title!~%22a%20b%22&state=OPEN&sort=created_on&pagelen=5",
        fake.base_url()
    );
    let page = get_ok(&url);
    let next = page["next"].as_str().unwrap();
    assert!(next.starts_with(&format!("{}/repositories/acme/web-app/pullrequests?", fake.base_url())));
    let mut expected = query_pairs(&url);
    expected.push(("page".into(), "2".into()));
    assert_eq!(query_pairs(next), expected);

    // `page` is replaced in place.
    let page2 = get_ok(next);
    let next2 = page2["next"].as_str().unwrap();
    let mut expected3 = query_pairs(&url);
    expected3.push(("page".into(), "3".into()));
    assert_eq!(query_pairs(next2), expected3);
    let prev = page2["previous"].as_str().unwrap();
    assert_eq!(query_pairs(prev).last().unwrap(), &("page".to_string(), "1".to_string()));
    assert_eq!(get_ok(prev), page);
}

#[test]
fn authentication_is_required_and_checked() {
    let fake = start();
    let url = format!("{}/repositories/acme", fake.base_url());
    assert_error(&get(&url, None), 401, "Authentication required");
    let invalid = "Token is invalid, expired, or not supported for this endpoint.";
    assert_error(&get(&url, Some("Bearer demo-api-token")), 401, invalid);
    assert_error(&get(&url, Some("Bearer nope")), 401, invalid);
    let wrong = Credentials { api_token: "wrong".into(), ..Credentials::default() }.basic_header();
    assert_error(&get(&url, Some(&wrong)), 401, invalid);
    assert_eq!(get(&url, Some("Bearer demo-access-token")).status, 200);
    assert_eq!(get(&url, Some(&basic())).status, 200);
    // 401 comes before routing.
    assert_eq!(get(&format!("{}/nope", fake.base_url()), None).status, 401);

    let custom = FakeBitbucket::start(FakeOptions {
        credentials: Credentials {
            email: "me@corp.example".into(),
            api_token: "tok:with:colons".into(),
            bearer_tokens: vec!["a".into(), "b".into()],
        },
        ..FakeOptions::default()
    })
    .unwrap();
    let url = format!("{}/repositories/acme", custom.base_url());
    assert_eq!(get(&url, Some(&custom.credentials().basic_header())).status, 200);
    assert_eq!(get(&url, Some("Bearer b")).status, 200);
    assert_eq!(get(&url, Some(&basic())).status, 401);
}

#[test]
fn unknown_things_are_json_404s() {
    let fake = start();
    let b = fake.base_url();
    let auth = basic();
    assert_error(&get(&format!("{b}/repositories/nobody"), Some(&auth)), 404, "No workspace with identifier 'nobody'.");
    assert_error(
        &get(&format!("{b}/repositories/nobody/web-app/commits"), Some(&auth)),
        404,
        "No workspace with identifier 'nobody'.",
    );
    assert_error(&get(&format!("{b}/repositories/acme/nope/pullrequests"), Some(&auth)), 404, "Repository acme/nope not found");
    assert_error(&get(&format!("{b}/repositories/acme/nope"), Some(&auth)), 404, "Repository acme/nope not found");
    assert_error(&get(&format!("{b}/repositories/acme/web-app/pullrequests/61"), Some(&auth)), 404, "Pull request 61 not found");
    for path in ["/repositories/acme/web-app/nope", "/repositories/acme/web-app/refs/nope", "/whatever", ""] {
        assert_error(&get(&format!("{b}{path}"), Some(&auth)), 404, "Resource not found");
    }
    // Outside the prefix.
    assert_error(&get(&format!("{}/repositories/acme", fake.origin()), Some(&auth)), 404, "Resource not found");
    assert_error(&get(&format!("{}/2.0x/repositories/acme", fake.origin()), Some(&auth)), 404, "Resource not found");
    assert_eq!(request("POST", &format!("{b}/repositories/acme"), Some(&auth)).status, 405);
}

#[test]
fn requests_are_recorded_in_order() {
    let fake = start();
    let b = fake.base_url();
    get(&format!("{b}/repositories/acme"), None);
    fake.clear_requests();
    assert!(fake.requests().is_empty());

    get(&format!("{b}/repositories/acme/web-app/pullrequests?state=OPEN&state=MERGED&q=title%20~%20%22a%2Bb%22&fields=%2Bvalues.reviewers"), Some(&basic()));
    get(&format!("{b}/repositories/acme/web-app/commits"), Some("Bearer bad"));
    get(&format!("{b}/repositories/acme/missing/commits"), Some("Bearer demo-access-token"));

    let log = fake.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/2.0/repositories/acme/web-app/pullrequests");
    assert_eq!(
        log[0].query,
        vec![
            ("state".to_string(), "OPEN".to_string()),
            ("state".to_string(), "MERGED".to_string()),
            ("q".to_string(), "title ~ \"a+b\"".to_string()),
            ("fields".to_string(), "+values.reviewers".to_string()),
        ]
    );
    assert_eq!(log[0].query_values("state"), ["OPEN", "MERGED"]);
    assert_eq!(log[0].authorization.as_deref(), Some(basic().as_str()));
    assert_eq!(log[0].status, 200);
    assert_eq!((log[1].status, log[1].authorization.as_deref()), (401, Some("Bearer bad")));
    assert_eq!(log[2].status, 404);
    assert!(log[2].query.is_empty());
}

#[test]
fn empty_prefix_and_next_origin_override() {
    let fake = FakeBitbucket::start(FakeOptions {
        path_prefix: String::new(),
        next_origin_override: Some("http://127.0.0.1:9".into()),
        ..FakeOptions::default()
    })
    .unwrap();
    assert_eq!(fake.base_url(), fake.origin());
    let page = get_ok(&format!("{}/repositories/acme?pagelen=1", fake.base_url()));
    assert_eq!(page["next"], "http://127.0.0.1:9/repositories/acme?pagelen=1&page=2");
    let commits = get_ok(&format!("{}/repositories/acme/infra/commits", fake.base_url()));
    assert!(commits["next"].as_str().unwrap().starts_with("http://127.0.0.1:9/repositories/acme/infra/commits?page="));
    assert_eq!(get(&format!("{}/2.0/repositories/acme", fake.origin()), Some(&basic())).status, 404);
}

#[test]
fn api_links_point_at_the_server() {
    for prefix in ["/2.0", ""] {
        let fake = FakeBitbucket::start(FakeOptions { path_prefix: prefix.into(), ..FakeOptions::default() }).unwrap();
        let b = fake.base_url();
        assert_eq!(fake.dataset().api_root(), b);
        let repo = get_ok(&format!("{b}/repositories/acme/web-app"));
        assert_eq!(repo["links"]["self"]["href"], format!("{b}/repositories/acme/web-app"));
        assert_eq!(repo["links"]["pullrequests"]["href"], format!("{b}/repositories/acme/web-app/pullrequests"));
        assert_eq!(repo["links"]["html"]["href"], "https://bitbucket.org/acme/web-app");
        let ws = get_ok(&format!("{b}/workspaces/acme"));
        assert_eq!(ws["links"]["repositories"]["href"], format!("{b}/repositories/acme"));
        // A client that follows the links stays on the fake.
        let prs = get_ok(&format!("{}?state=MERGED", repo["links"]["pullrequests"]["href"].as_str().unwrap()));
        let pr = get_ok(prs["values"][0]["links"]["self"]["href"].as_str().unwrap());
        assert_eq!(pr, prs["values"][0]);
        get_ok(pr["links"]["commits"]["href"].as_str().unwrap());
        get_ok(pr["author"]["links"]["self"]["href"].as_str().unwrap());

        let mut hrefs = Vec::new();
        for url in [
            format!("{b}/repositories/acme"),
            format!("{b}/repositories/acme/web-app/pullrequests?state=MERGED&fields=%2Bvalues.participants"),
            format!("{b}/repositories/acme/web-app/commits"),
            format!("{b}/workspaces/acme"),
            format!("{b}/workspaces/acme/members"),
            format!("{b}/workspaces/acme/projects"),
            format!("{b}/user"),
            format!("{b}/repositories/acme/web-app/refs/branches"),
            format!("{b}/repositories/acme/web-app/pipelines"),
            format!("{b}/repositories/acme/web-app/src/HEAD/"),
        ] {
            link_hrefs(&get_ok(&url), false, &mut hrefs);
        }
        assert!(hrefs.len() > 100);
        for h in &hrefs {
            assert!(
                h.starts_with(&format!("{b}/"))
                    || h.starts_with("https://bitbucket.org/")
                    || h.starts_with("https://avatar-management--avatars.")
                    || h.starts_with("https://acme@bitbucket.org/")
                    || h.starts_with("git@bitbucket.org:"),
                "{h}"
            );
        }
        assert!(hrefs.iter().all(|h| !h.contains("api.bitbucket.org")));
    }
    // A dataset on its own keeps Bitbucket's host.
    let ds = Dataset::demo();
    assert_eq!(ds.api_root(), "https://api.bitbucket.org/2.0");
    assert_eq!(ds.repositories("acme")[0]["links"]["self"]["href"], "https://api.bitbucket.org/2.0/repositories/acme/web-app");
}

#[test]
fn concurrent_clients() {
    let fake = start();
    let base = fake.base_url();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let url = format!("{base}/repositories/acme/web-app/commits?pagelen={}", 10 + i);
            std::thread::spawn(move || get_ok(&url)["values"].as_array().unwrap().len())
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), 10 + i);
    }
    assert_eq!(fake.requests().len(), 8);
}

#[test]
fn drop_stops_the_server() {
    let fake = start();
    let origin = fake.origin();
    get_ok(&format!("{}/repositories/acme", fake.base_url()));
    let t = Instant::now();
    drop(fake);
    assert!(t.elapsed() < Duration::from_secs(5));
    let addr = origin.trim_start_matches("http://").to_string();
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(&addr).is_err() {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(refused, "listener closed after drop");
}

#[test]
fn keep_alive_connections_serve_several_requests() {
    let fake = start();
    let host = fake.origin().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let paths = ["/2.0/repositories/acme", "/2.0/repositories/acme/infra/commits?pagelen=3", "/2.0/nope"];
    // Then the same pull request page again and again: with TCP_NODELAY each
    // answer takes a few ms (Nagle and delayed ACKs made it about 40 ms).
    let repeated = ["/2.0/repositories/acme/web-app/pullrequests/4"; 12];
    let mut t = Instant::now();
    for (i, path) in paths.into_iter().chain(repeated).enumerate() {
        if i == paths.len() {
            t = Instant::now();
        }
        let head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\n\r\n", basic());
        stream.write_all(head.as_bytes()).unwrap();
        // Read the head, then exactly Content-Length bytes.
        let mut raw = Vec::new();
        let mut byte = [0u8; 1];
        while !raw.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            raw.push(byte[0]);
        }
        let head = String::from_utf8(raw).unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
            .unwrap();
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body).unwrap();
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert!(value.is_object(), "{path}");
    }
    assert!(t.elapsed() < Duration::from_millis(300), "{:?}", t.elapsed());
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[..3], [200, 200, 404]);
    assert_eq!(statuses.len(), 15);
}

#[test]
fn the_delay_proxy_passes_bytes_unchanged_after_its_round_trips() {
    use crate::delay_proxy::DelayProxy;
    let round_trip = Duration::from_millis(40);
    let proxy = DelayProxy::start(round_trip).unwrap();
    let fake = FakeBitbucket::start(FakeOptions {
        public_origin: Some(format!("http://{}", proxy.address())),
        cache_answers: true,
        ..FakeOptions::default()
    })
    .unwrap();
    proxy.forward_to(fake.address());
    assert_eq!(fake.base_url(), format!("http://{}/2.0", proxy.address()));

    let url = format!("{}/repositories/acme?pagelen=2", fake.base_url());
    let started = Instant::now();
    let through = get(&url, Some(&basic()));
    let took = started.elapsed();
    // The TCP handshake's round trip, then the request's.
    assert!(took >= round_trip * 2, "{took:?}");
    let direct = get(&format!("http://{}/2.0/repositories/acme?pagelen=2", fake.address()), Some(&basic()));
    assert_eq!(through.status, 200);
    // The second answer comes from the cache: the same bytes, not rebuilt.
    assert_eq!(through.body, direct.body);
    assert_eq!(through.json()["next"], format!("{url}&page=2"), "links point at the proxy");
    assert_eq!((proxy.connections(), fake.connections()), (1, 2));
}
