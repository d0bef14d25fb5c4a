//! Fault injection on the wire, attempts and path scoping, latency and worker concurrency.

use super::*;

fn faulty(faults: Vec<FaultRule>) -> FakeBitbucket {
    FakeBitbucket::start(FakeOptions { faults, ..FakeOptions::default() }).unwrap()
}

fn rule(fault: Fault, attempts: usize) -> FaultRule {
    FaultRule { fault, path_contains: None, attempts }
}

/// A keep-alive GET (no `Connection: close`) read until the server closes the
/// connection; panics if it stays open for 5 s.
fn get_until_closed(url: &str) -> Vec<u8> {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let head = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\n\r\n", basic());
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return raw,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return raw,
            Err(e) => panic!("{url}: connection not closed ({e})"),
        }
    }
}

fn split_head(raw: &[u8]) -> (String, &[u8]) {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    (String::from_utf8(raw[..split].to_vec()).unwrap(), &raw[split + 4..])
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .expect("Content-Length")
}

#[test]
fn every_fault_hits_the_first_attempt_only() {
    const PAGE: &str = "/2.0/repositories/acme/web-app/commits?pagelen=3";
    // The normal body, with its origin (in `next`) as a placeholder.
    let normal_text = {
        let fake = start();
        let r = get(&format!("{}{PAGE}", fake.origin()), Some(&basic()));
        assert_eq!(r.status, 200);
        String::from_utf8(r.body).unwrap().replace(&fake.origin(), "ORIGIN")
    };
    let scope = "read:repository:bitbucket".to_string();
    let faults = [
        Fault::RateLimited { retry_after: Some(2), reset: Some(7) },
        Fault::RateLimited { retry_after: None, reset: None },
        Fault::ServerError(503),
        Fault::ServerError(555),
        Fault::DropConnection,
        Fault::TruncatedBody,
        Fault::SlowBody(Duration::from_millis(15)),
        Fault::HtmlOk,
        Fault::HtmlNotFound,
        Fault::NoValues,
        Fault::WrongTypes,
        Fault::LoopNext,
        Fault::EmptyPage { page: 1 },
        Fault::HugeBody(100_000),
        Fault::HugeBody(3),
        Fault::Forbidden { scope: scope.clone() },
        Fault::EchoAuthorization,
    ];
    std::thread::scope(|s| {
        for fault in faults {
            let (normal_text, scope) = (&normal_text, &scope);
            s.spawn(move || {
                let fake = faulty(vec![rule(fault.clone(), 1)]);
                let url = format!("{}{PAGE}", fake.origin());
                let normal = normal_text.replace("ORIGIN", &fake.origin());
                let status = check_fault(&fault, &url, &normal, scope);
                assert_eq!(fake.requests_with_fault(), 1, "{fault:?}");
                // The same target again: answered normally.
                let again = get(&url, Some(&basic()));
                assert_eq!(again.status, 200, "{fault:?}");
                assert!(again.body == normal.as_bytes(), "{fault:?}: second answer differs");
                let log = fake.requests();
                let summary: Vec<(u16, Option<&str>)> = log.iter().map(|r| (r.status, r.fault.as_deref())).collect();
                assert_eq!(summary, [(status, Some(fault.name())), (200, None)]);
            });
        }
    });
}

/// Requests `url` (whose rule faults it now) and checks the fault; returns the logged status.
fn check_fault(fault: &Fault, url: &str, normal_text: &str, scope: &str) -> u16 {
    let auth = basic();
    let normal: Value = serde_json::from_str(normal_text).unwrap();
    match fault {
        Fault::EchoAuthorization => {
            let r = get(url, Some(&auth));
            assert_eq!(r.status, 400);
            assert!(String::from_utf8_lossy(&r.body).contains(&auth), "the credential is echoed");
            400
        }
        Fault::RateLimited { retry_after, reset } => {
            let r = get(url, Some(&auth));
            assert_error_json(
                &r,
                429,
                json!({"type": "error", "error": {"message": "Rate limit for this resource has been exceeded"}}),
            );
            assert_eq!(r.header("Retry-After"), retry_after.map(|n| n.to_string()).as_deref());
            assert_eq!(r.header("X-RateLimit-Reset"), reset.map(|n| n.to_string()).as_deref());
            429
        }
        Fault::ServerError(status) => {
            let r = get(url, Some(&auth));
            assert_eq!(r.status, *status);
            assert_eq!(r.json()["type"], "error");
            assert!(r.json()["error"]["message"].is_string());
            *status
        }
        Fault::DropConnection => {
            assert_eq!(get_until_closed(url), b"", "nothing written");
            0
        }
        Fault::TruncatedBody => {
            let raw = get_until_closed(url);
            let (head, body) = split_head(&raw);
            assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
            let full = normal_text.len();
            assert_eq!(content_length(&head), full);
            assert!(body == &normal_text.as_bytes()[..full / 2], "the first half");
            0
        }
        Fault::SlowBody(delay) => {
            let t = Instant::now();
            let raw = get_until_closed(url);
            assert!(t.elapsed() >= *delay * 8, "{:?}", t.elapsed());
            let (head, body) = split_head(&raw);
            assert_eq!(content_length(&head), body.len());
            assert!(body == normal_text.as_bytes(), "the whole body");
            200
        }
        Fault::HtmlOk | Fault::HtmlNotFound => {
            let r = get(url, Some(&auth));
            let status = if matches!(fault, Fault::HtmlOk) { 200 } else { 404 };
            assert_eq!(r.status, status);
            assert_eq!(r.header("Content-Type"), Some("text/html"));
            assert!(r.body.starts_with(b"<!DOCTYPE html>"));
            if status == 404 {
                assert!((20_000..32_768).contains(&r.body.len()), "{}", r.body.len());
            }
            status
        }
        Fault::NoValues => {
            let page = get_ok(url);
            assert!(page.is_object() && page.get("values").is_none(), "{page}");
            200
        }
        Fault::WrongTypes => {
            let page = get_ok(url);
            let values = page["values"].as_array().unwrap();
            assert_eq!(values.len(), 3);
            for (v, n) in values.iter().zip(normal["values"].as_array().unwrap()) {
                assert_eq!(v["hash"], json!({"unexpected": true}));
                assert_eq!(v["parents"][0]["hash"], json!({"unexpected": true}));
                assert_eq!(v["date"], n["date"], "other fields are kept");
            }
            200
        }
        Fault::LoopNext => {
            let page = get_ok(url);
            assert_eq!(page["next"], url);
            assert_eq!(page["values"], normal["values"]);
            200
        }
        Fault::EmptyPage { .. } => {
            let mut page = get_ok(url);
            assert_eq!(page["values"], json!([]));
            page["values"] = normal["values"].clone();
            assert_eq!(page, normal, "all else as usual");
            200
        }
        Fault::HugeBody(n) => {
            let page = get_ok(url);
            assert_eq!(page["values"], json!([]));
            let len = serde_json::to_vec(&page).unwrap().len();
            assert_eq!(len, (*n).max(26));
            assert_eq!(page.as_object().unwrap().len(), 2, "values and padding");
            200
        }
        Fault::Forbidden { .. } => {
            let r = get(url, Some(&auth));
            assert_error_json(
                &r,
                403,
                json!({"type": "error", "error": {
                    "message": "Your credentials lack one or more required privilege scopes.",
                    "detail": {"required": [scope], "granted": ["account"]},
                }}),
            );
            403
        }
    }
}

#[test]
fn attempts_count_per_target_and_rules_apply_in_order() {
    let fake = faulty(vec![rule(Fault::RateLimited { retry_after: Some(1), reset: None }, 1), rule(Fault::ServerError(500), 2)]);
    let a = format!("{}/repositories/acme", fake.base_url());
    let b = format!("{a}?page=2");
    let statuses = |url: &str, n: usize| -> Vec<u16> { (0..n).map(|_| get(url, Some(&basic())).status).collect() };
    assert_eq!(statuses(&a, 5), [429, 500, 500, 200, 200]);
    assert_eq!(statuses(&b, 2), [429, 500], "a new query is a new target");
    assert_eq!(fake.requests_with_fault(), 5);
    let names: Vec<Option<String>> = fake.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        names[..4],
        [Some("rate-limited".to_string()), Some("server-error".to_string()), Some("server-error".to_string()), None,]
    );
}

#[test]
fn path_contains_scopes_a_rule() {
    let fake = faulty(vec![FaultRule {
        fault: Fault::ServerError(502),
        path_contains: Some("/commits".to_string()),
        attempts: usize::MAX,
    }]);
    let base = fake.base_url();
    for _ in 0..3 {
        assert_eq!(get(&format!("{base}/repositories/acme/web-app/commits"), Some(&basic())).status, 502);
    }
    get_ok(&format!("{base}/repositories/acme/web-app"));
    get_ok(&format!(
        // `"` percent-encoded: hyper (rightly) rejects a raw `"` in a target.
        "{base}/repositories/acme/web-app/refs/branches?q=name~%22commits%22"
    ));
    assert_eq!(fake.requests_with_fault(), 3);
}

#[test]
fn unauthorised_requests_get_401_not_faults() {
    let fake = faulty(vec![rule(Fault::ServerError(500), 1)]);
    let url = format!("{}/repositories/acme", fake.base_url());
    assert_eq!(get(&url, None).status, 401);
    assert_eq!(get(&url, Some("Bearer nope")).status, 401);
    assert_eq!(fake.requests_with_fault(), 0);
    assert!(fake.requests().iter().all(|r| r.fault.is_none()));
    // The attempt was not used up by the 401s.
    assert_eq!(get(&url, Some(&basic())).status, 500);
    get_ok(&url);
}

#[test]
fn latency_delays_every_answer() {
    let fake = FakeBitbucket::start(FakeOptions { latency: Duration::from_millis(120), ..FakeOptions::default() }).unwrap();
    let t = Instant::now();
    get_ok(&format!("{}/repositories/acme", fake.base_url()));
    assert!(t.elapsed() >= Duration::from_millis(120), "{:?}", t.elapsed());
    let t = Instant::now();
    assert_eq!(get(&format!("{}/user", fake.base_url()), None).status, 401);
    assert!(t.elapsed() >= Duration::from_millis(120), "{:?}", t.elapsed());
}

#[test]
fn workers_answer_concurrently_through_latency() {
    // 8 clients at once, 150 ms latency: the default 16 workers overlap them
    // (about 150 ms); 3 workers take 3 rounds, 1 worker 8.
    let run = |workers: Option<usize>| {
        let mut options = FakeOptions { latency: Duration::from_millis(150), ..FakeOptions::default() };
        if let Some(n) = workers {
            options.workers = n;
        }
        let fake = FakeBitbucket::start(options).unwrap();
        let url = format!("{}/user", fake.base_url());
        let t = Instant::now();
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || get_ok(&url))
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        t.elapsed()
    };
    assert_eq!(FakeOptions::default().workers, 16);
    let wide = run(None);
    assert!(wide < Duration::from_millis(450), "{wide:?}");
    let narrow = run(Some(3));
    assert!(narrow >= Duration::from_millis(450), "{narrow:?}");
    let one = run(Some(0)); // 0 counts as 1
    assert!(one >= Duration::from_millis(1_200), "{one:?}");
}

#[test]
fn slow_pages_are_answered_late_while_others_go_on() {
    let slow = SlowPages { every: 3, latency: Duration::from_millis(400) };
    let fake = FakeBitbucket::start(FakeOptions {
        latency: Duration::from_millis(20),
        slow_pages: Some(slow),
        ..FakeOptions::default()
    })
    .unwrap();
    let page = |n: u64| format!("{}/repositories/acme?pagelen=1&page={n}", fake.base_url());
    let slow_url = page(3);
    let t = Instant::now();
    let waiting = std::thread::spawn(move || get_ok(&slow_url));
    while fake.requests().is_empty() {
        std::thread::sleep(Duration::from_millis(1));
    }
    // Pages 1 and 2 come and go while page 3 is waited for.
    assert_eq!(get_ok(&page(1))["page"], 1);
    assert_eq!(get_ok(&page(2))["page"], 2);
    assert_eq!(waiting.join().unwrap()["page"], 3);
    assert!(t.elapsed() >= Duration::from_millis(400), "{:?}", t.elapsed());
    let requests = fake.requests();
    let seen: Vec<(String, usize)> = requests.iter().map(|r| (r.query_values("page").join(","), r.answered_after)).collect();
    let expected = [("3", 3), ("1", 2), ("2", 3)].map(|(p, n)| (p.to_string(), n));
    assert_eq!(seen, expected, "page 3 was answered after pages 1 and 2 had arrived");

    // Only numbered pages that are a multiple of `every` are slow.
    let normal = Duration::from_millis(20);
    for (target, latency) in [
        ("/2.0/repositories/acme?page=6", slow.latency),
        ("/2.0/repositories/acme?pagelen=10&page=3", slow.latency),
        ("/2.0/repositories/acme?page=4", normal),
        ("/2.0/repositories/acme", normal),
        ("/2.0/repositories/acme/x/commits?page=abc3", normal),
    ] {
        assert_eq!(SlowPages::latency(Some(slow), target, normal), latency, "{target}");
    }
    assert_eq!(SlowPages::latency(None, "/2.0/repositories/acme?page=3", normal), normal);
}

#[test]
fn an_empty_page_fault_empties_only_that_page_keeping_size_and_next() {
    let fake = faulty(vec![rule(Fault::EmptyPage { page: 2 }, usize::MAX)]);
    let normal = start();
    let list = "/2.0/repositories/acme/web-app/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=10";
    for page in [1, 2, 3] {
        let target = format!("{list}&page={page}");
        let got = get_ok(&format!("{}{target}", fake.origin()));
        let mut want = get_ok(&format!("{}{target}", normal.origin()));
        let text = want.to_string().replace(&normal.origin(), &fake.origin());
        want = serde_json::from_str(&text).unwrap();
        if page == 2 {
            assert_eq!(got["values"], json!([]));
            assert_eq!((&got["size"], &got["page"], &got["pagelen"]), (&json!(60), &json!(2), &json!(10)));
            assert_eq!(got["next"], want["next"]);
            assert_eq!(want["values"].as_array().unwrap().len(), 10);
        } else {
            assert_eq!(got, want, "page {page} as usual");
        }
    }
}
