//! End-to-end tests: start the server and talk raw HTTP/1.1 to it.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::*;

// ---------------------------------------------------------------- raw HTTP client

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "invalid JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// One request on a fresh connection (`Connection: close`). `url` is absolute.
fn request(method: &str, url: &str, auth: Option<&str>) -> Resp {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let target = if target.is_empty() { "/" } else { target };
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(a) = auth {
        head.push_str(&format!("Authorization: {a}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();

    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut resp = Resp {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if resp
        .header("Transfer-Encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        resp.body = dechunk(&resp.body);
    } else {
        let len: usize = resp
            .header("Content-Length")
            .expect("Content-Length")
            .parse()
            .unwrap();
        assert_eq!(len, resp.body.len(), "Content-Length matches the body");
    }
    resp
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 4 + size..];
    }
}

fn get(url: &str, auth: Option<&str>) -> Resp {
    request("GET", url, auth)
}

fn basic() -> String {
    Credentials::default().basic_header()
}

/// GET with valid credentials; asserts 200 and JSON content type.
fn get_ok(url: &str) -> Value {
    let r = get(url, Some(&basic()));
    assert_eq!(r.status, 200, "{url}: {}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    r.json()
}

fn assert_error(r: &Resp, status: u16, message: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({"type": "error", "error": {"message": message}})
    );
}

/// Follows `next` links from `url`, returning every value and every page.
fn collect_all(url: &str) -> (Vec<Value>, Vec<Value>) {
    let mut values = Vec::new();
    let mut pages = Vec::new();
    let mut next = Some(url.to_string());
    while let Some(u) = next {
        let page = get_ok(&u);
        values.extend(page["values"].as_array().unwrap().iter().cloned());
        next = page.get("next").and_then(Value::as_str).map(str::to_string);
        pages.push(page);
        assert!(pages.len() < 10_000, "runaway pagination");
    }
    (values, pages)
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn start() -> FakeBitbucket {
    FakeBitbucket::start(FakeOptions::default()).unwrap()
}

fn states(values: &[Value]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| v["state"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- tests

#[test]
fn base_url_and_origin() {
    let fake = start();
    assert!(fake.origin().starts_with("http://127.0.0.1:"));
    assert_eq!(fake.base_url(), format!("{}/2.0", fake.origin()));
}

#[test]
fn repositories_list_envelope_and_paging() {
    let fake = start();
    let expected = fake.dataset().repositories("acme");
    assert_eq!(expected.len(), 3);

    let first = get_ok(&format!("{}/repositories/acme?pagelen=2", fake.base_url()));
    assert_eq!(first["size"], 3);
    assert_eq!(first["page"], 1);
    assert_eq!(first["pagelen"], 2);
    assert!(first.get("previous").is_none());
    assert_eq!(first["values"].as_array().unwrap(), &expected[..2]);
    let next = first["next"].as_str().unwrap();
    assert_eq!(
        next,
        format!("{}/repositories/acme?pagelen=2&page=2", fake.base_url())
    );

    let second = get_ok(next);
    assert_eq!(second["page"], 2);
    assert_eq!(second["values"].as_array().unwrap(), &expected[2..]);
    assert!(second.get("next").is_none());
    assert_eq!(
        second["previous"],
        format!("{}/repositories/acme?pagelen=2&page=1", fake.base_url())
    );

    // Default pagelen 10: everything on one page, no next.
    let all = get_ok(&format!("{}/repositories/acme", fake.base_url()));
    assert_eq!(all["pagelen"], 10);
    assert_eq!(all["values"].as_array().unwrap(), &expected);
    assert!(all.get("next").is_none());

    // Shape of a repository object.
    let repo = &expected[0];
    for key in [
        "type",
        "uuid",
        "full_name",
        "name",
        "slug",
        "description",
        "is_private",
        "fork_policy",
        "language",
        "size",
        "has_issues",
        "has_wiki",
        "created_on",
        "updated_on",
        "mainbranch",
        "owner",
        "workspace",
        "project",
        "links",
    ] {
        assert!(repo.get(key).is_some(), "repository.{key}");
    }
    assert_eq!(repo["type"], "repository");
    assert_eq!(repo["full_name"], "acme/web-app");
    assert_eq!(repo["mainbranch"]["type"], "branch");
    assert_eq!(repo["workspace"]["slug"], "acme");
    assert_eq!(repo["project"]["type"], "project");
    assert!(repo["links"]["clone"].as_array().unwrap().len() == 2);
    let slugs: Vec<&str> = expected
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["web-app", "api-service", "infra"]);

    // Single repository.
    assert_eq!(
        get_ok(&format!("{}/repositories/acme/infra", fake.base_url())),
        expected[2]
    );
}

#[test]
fn pull_requests_default_to_open_and_filter_by_repeated_state() {
    let fake = start();
    let all = fake.dataset().pull_requests("acme", "web-app");
    assert_eq!(all.len(), 60);
    assert_eq!(states(&all).len(), 4, "demo has all four states");

    let open: Vec<Value> = all
        .iter()
        .filter(|p| p["state"] == "OPEN")
        .cloned()
        .collect();
    let (values, pages) = collect_all(&format!(
        "{}/repositories/acme/web-app/pullrequests",
        fake.base_url()
    ));
    assert_eq!(values, open);
    assert_eq!(pages[0]["size"], open.len());
    assert_eq!(pages[0]["pagelen"], 10);

    let url = format!(
        "{}/repositories/acme/web-app/pullrequests?state=MERGED&state=DECLINED&pagelen=7",
        fake.base_url()
    );
    let wanted: Vec<Value> = all
        .iter()
        .filter(|p| p["state"] == "MERGED" || p["state"] == "DECLINED")
        .cloned()
        .collect();
    let (values, pages) = collect_all(&url);
    assert_eq!(values, wanted);
    let ids: Vec<u64> = values.iter().map(|v| v["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending id");
    assert!(pages.len() > 1);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p["page"], i + 1);
        assert_eq!(p["size"], wanted.len());
    }

    let every = format!(
        "{}/repositories/acme/web-app/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50",
        fake.base_url()
    );
    assert_eq!(collect_all(&every).0, all);

    // Single pull request (any state).
    assert_eq!(
        get_ok(&format!(
            "{}/repositories/acme/web-app/pullrequests/3",
            fake.base_url()
        )),
        all[2]
    );
}

#[test]
fn pull_request_parameter_errors() {
    let fake = start();
    let base = format!(
        "{}/repositories/acme/api-service/pullrequests",
        fake.base_url()
    );
    let auth = basic();
    for q in [
        "pagelen=51",
        "pagelen=100",
        "pagelen=0",
        "pagelen=abc",
        "pagelen=-1",
        "pagelen=",
    ] {
        assert_error(
            &get(&format!("{base}?{q}"), Some(&auth)),
            400,
            "Invalid pagelen",
        );
    }
    for q in ["page=abc", "page=0", "page=-2", "page=1.5"] {
        assert_error(
            &get(&format!("{base}?{q}"), Some(&auth)),
            400,
            "Invalid page",
        );
    }
    for s in ["open", "ALL", "MERGED,DECLINED", ""] {
        let r = get(&format!("{base}?state={s}"), Some(&auth));
        assert_eq!(r.status, 400, "state={s}");
        assert_eq!(r.json()["type"], "error");
    }
    assert_eq!(get_ok(&format!("{base}?pagelen=50"))["pagelen"], 50);

    // Past the end: empty values, not an error.
    let past = get_ok(&format!("{base}?page=999&state=MERGED"));
    assert_eq!(past["values"], json!([]));
    assert_eq!(past["page"], 999);
    assert!(past.get("next").is_none());

    // sort is tolerated; with q, the default OPEN-only filter is off.
    let (values, _) = collect_all(&format!(
        "{base}?fields=%2Bvalues.participants&q=updated_on%3E%3D2020-01-01&sort=-updated_on&pagelen=50"
    ));
    assert_eq!(values.len(), 60);
    assert_eq!(states(&values).len(), 4);
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
    assert!(next.starts_with(&format!(
        "{}/repositories/acme/web-app/pullrequests?",
        fake.base_url()
    )));
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
    assert_eq!(
        query_pairs(prev).last().unwrap(),
        &("page".to_string(), "1".to_string())
    );
    assert_eq!(get_ok(prev), page);
}

#[test]
fn commits_use_iterator_pagination() {
    let fake = start();
    let expected = fake.dataset().commits("acme", "web-app");
    assert_eq!(expected.len(), 150);
    let base = format!("{}/repositories/acme/web-app/commits", fake.base_url());

    let first = get_ok(&base);
    let keys: BTreeSet<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, BTreeSet::from(["pagelen", "values", "next"]));
    assert_eq!(first["pagelen"], 30);
    assert_eq!(first["values"].as_array().unwrap(), &expected[..30]);
    let token = query_pairs(first["next"].as_str().unwrap())
        .into_iter()
        .find(|(k, _)| k == "page")
        .unwrap()
        .1;
    assert_eq!(token.len(), 16);
    assert!(
        token.parse::<u64>().is_err(),
        "token {token} must not look like a number"
    );

    let (values, pages) = collect_all(&format!("{base}?pagelen=100"));
    assert_eq!(values, expected);
    assert_eq!(pages.len(), 2);
    for p in &pages {
        assert!(p.get("size").is_none() && p.get("page").is_none() && p.get("previous").is_none());
    }
    let next = pages[0]["next"].as_str().unwrap();
    assert_eq!(
        query_pairs(next)[0],
        ("pagelen".to_string(), "100".to_string())
    );

    let auth = basic();
    assert_error(
        &get(&format!("{base}?pagelen=101"), Some(&auth)),
        400,
        "Invalid pagelen",
    );
    assert_error(
        &get(&format!("{base}?page=2"), Some(&auth)),
        400,
        "Invalid page",
    );
    assert_eq!(
        get_ok(&format!("{base}?pagelen=100&include=main&exclude=develop"))["values"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
}

#[test]
fn authentication_is_required_and_checked() {
    let fake = start();
    let url = format!("{}/repositories/acme", fake.base_url());
    assert_error(&get(&url, None), 401, "Authentication required");
    let invalid = "Token is invalid, expired, or not supported for this endpoint.";
    assert_error(&get(&url, Some("Bearer demo-api-token")), 401, invalid);
    assert_error(&get(&url, Some("Bearer nope")), 401, invalid);
    let wrong = Credentials {
        api_token: "wrong".into(),
        ..Credentials::default()
    }
    .basic_header();
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
    assert_eq!(
        get(&url, Some(&custom.credentials().basic_header())).status,
        200
    );
    assert_eq!(get(&url, Some("Bearer b")).status, 200);
    assert_eq!(get(&url, Some(&basic())).status, 401);
}

#[test]
fn unknown_things_are_json_404s() {
    let fake = start();
    let b = fake.base_url();
    let auth = basic();
    assert_error(
        &get(&format!("{b}/repositories/nobody"), Some(&auth)),
        404,
        "No workspace with identifier 'nobody'.",
    );
    assert_error(
        &get(
            &format!("{b}/repositories/nobody/web-app/commits"),
            Some(&auth),
        ),
        404,
        "No workspace with identifier 'nobody'.",
    );
    assert_error(
        &get(
            &format!("{b}/repositories/acme/nope/pullrequests"),
            Some(&auth),
        ),
        404,
        "Repository acme/nope not found",
    );
    assert_error(
        &get(&format!("{b}/repositories/acme/nope"), Some(&auth)),
        404,
        "Repository acme/nope not found",
    );
    assert_error(
        &get(
            &format!("{b}/repositories/acme/web-app/pullrequests/61"),
            Some(&auth),
        ),
        404,
        "Pull request 61 not found",
    );
    for path in [
        "/repositories/acme/web-app/nope",
        "/repositories/acme/web-app/refs",
        "/whatever",
        "",
    ] {
        assert_error(
            &get(&format!("{b}{path}"), Some(&auth)),
            404,
            "Resource not found",
        );
    }
    // Outside the prefix.
    assert_error(
        &get(&format!("{}/repositories/acme", fake.origin()), Some(&auth)),
        404,
        "Resource not found",
    );
    assert_error(
        &get(
            &format!("{}/2.0x/repositories/acme", fake.origin()),
            Some(&auth),
        ),
        404,
        "Resource not found",
    );
    assert_eq!(
        request("POST", &format!("{b}/repositories/acme"), Some(&auth)).status,
        405
    );
}

#[test]
fn requests_are_recorded_in_order() {
    let fake = start();
    let b = fake.base_url();
    get(&format!("{b}/repositories/acme"), None);
    fake.clear_requests();
    assert!(fake.requests().is_empty());

    get(&format!("{b}/repositories/acme/web-app/pullrequests?state=OPEN&state=MERGED&q=title%20~%20%22a%2Bb%22&fields=%2Bvalues.reviewers"), Some(&basic()));
    get(
        &format!("{b}/repositories/acme/web-app/commits"),
        Some("Bearer bad"),
    );
    get(
        &format!("{b}/repositories/acme/missing/commits"),
        Some("Bearer demo-access-token"),
    );

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
    assert_eq!(
        (log[1].status, log[1].authorization.as_deref()),
        (401, Some("Bearer bad"))
    );
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
    assert_eq!(
        page["next"],
        "http://127.0.0.1:9/repositories/acme?pagelen=1&page=2"
    );
    let commits = get_ok(&format!(
        "{}/repositories/acme/infra/commits",
        fake.base_url()
    ));
    assert!(commits["next"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:9/repositories/acme/infra/commits?page="));
    assert_eq!(
        get(
            &format!("{}/2.0/repositories/acme", fake.origin()),
            Some(&basic())
        )
        .status,
        404
    );
}

/// Every `href` under a `links` key, recursively (clone URLs included).
fn link_hrefs(v: &Value, under_links: bool, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| link_hrefs(i, under_links, out)),
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(s) if under_links && k == "href" => out.push(s.clone()),
                    _ => link_hrefs(child, under_links || k == "links", out),
                }
            }
        }
        _ => {}
    }
}

#[test]
fn api_links_point_at_the_server() {
    for prefix in ["/2.0", ""] {
        let fake = FakeBitbucket::start(FakeOptions {
            path_prefix: prefix.into(),
            ..FakeOptions::default()
        })
        .unwrap();
        let b = fake.base_url();
        assert_eq!(fake.dataset().api_root(), b);
        let repo = get_ok(&format!("{b}/repositories/acme/web-app"));
        assert_eq!(
            repo["links"]["self"]["href"],
            format!("{b}/repositories/acme/web-app")
        );
        assert_eq!(
            repo["links"]["pullrequests"]["href"],
            format!("{b}/repositories/acme/web-app/pullrequests")
        );
        assert_eq!(
            repo["links"]["html"]["href"],
            "https://bitbucket.org/acme/web-app"
        );
        let ws = get_ok(&format!("{b}/workspaces/acme"));
        assert_eq!(
            ws["links"]["repositories"]["href"],
            format!("{b}/repositories/acme")
        );
        // A client that follows the links stays on the fake.
        let prs = get_ok(&format!(
            "{}?state=MERGED",
            repo["links"]["pullrequests"]["href"].as_str().unwrap()
        ));
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
    assert_eq!(
        ds.repositories("acme")[0]["links"]["self"]["href"],
        "https://api.bitbucket.org/2.0/repositories/acme/web-app"
    );
}

#[test]
fn workspace_and_repo_accept_uuids() {
    let fake = start();
    let repo = &fake.dataset().repositories("acme")[1];
    let enc = |s: &str| s.replace('{', "%7B").replace('}', "%7D");
    let ws_uuid = repo["workspace"]["uuid"].as_str().unwrap();
    let repo_uuid = repo["uuid"].as_str().unwrap();
    let url = format!(
        "{}/repositories/{}/{}",
        fake.base_url(),
        enc(ws_uuid),
        enc(repo_uuid)
    );
    assert_eq!(&get_ok(&url), repo);
    assert_eq!(fake.dataset().pull_requests(ws_uuid, repo_uuid).len(), 60);
}

#[test]
fn concurrent_clients() {
    let fake = start();
    let base = fake.base_url();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let url = format!(
                "{base}/repositories/acme/web-app/commits?pagelen={}",
                10 + i
            );
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

// ---------------------------------------------------------------- dataset

fn is_rfc3339(s: &str, micros: bool) -> bool {
    let b = s.as_bytes();
    let len = if micros { 32 } else { 25 };
    b.len() == len
        && s.ends_with("+00:00")
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && (!micros || b[19] == b'.')
}

#[test]
fn dataset_is_deterministic() {
    let spec = DatasetSpec {
        seed: 7,
        workspaces: vec!["one".into(), "two".into()],
        repos_per_workspace: 12,
        pull_requests_per_repo: 20,
        commits_per_repo: 30,
        ..DatasetSpec::demo()
    };
    let a = Dataset::generate(spec.clone());
    let b = Dataset::generate(spec.clone());
    assert_eq!(a.workspaces(), ["one", "two"]);
    for ws in ["one", "two"] {
        assert_eq!(a.repositories(ws), b.repositories(ws));
        assert_eq!(a.repositories(ws).len(), 12);
        for r in a.repositories(ws) {
            let slug = r["slug"].as_str().unwrap();
            assert_eq!(a.pull_requests(ws, slug), b.pull_requests(ws, slug));
            assert_eq!(a.commits(ws, slug), b.commits(ws, slug));
        }
    }
    let slugs: BTreeSet<String> = a
        .repositories("one")
        .iter()
        .map(|r| r["slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(slugs.len(), 12, "unique slugs");
    let c = Dataset::generate(DatasetSpec { seed: 8, ..spec });
    assert_ne!(a.commits("one", "web-app"), c.commits("one", "web-app"));
    assert_ne!(
        a.repositories("one")[0]["uuid"],
        a.repositories("two")[0]["uuid"]
    );
    assert!(a.repositories("three").is_empty());
    assert!(a.commits("one", "nope").is_empty());
}

#[test]
fn demo_pull_requests_look_like_bitbucket() {
    let ds = Dataset::demo();
    let mut awkward_title = false;
    let mut null_description = false;
    let mut empty_description = false;
    let mut non_ascii_name = false;
    for repo in ["web-app", "api-service", "infra"] {
        let prs = ds.pull_requests("acme", repo);
        assert_eq!(prs.len(), 60);
        assert_eq!(states(&prs).len(), 4);
        let created: Vec<&str> = prs
            .iter()
            .map(|p| p["created_on"].as_str().unwrap())
            .collect();
        assert!(
            created.windows(2).all(|w| w[0] < w[1]),
            "created_on increases with id"
        );
        for (i, p) in prs.iter().enumerate() {
            assert_eq!(p["type"], "pullrequest");
            assert_eq!(p["id"], i + 1);
            assert!(is_rfc3339(p["created_on"].as_str().unwrap(), true));
            assert!(p["updated_on"].as_str().unwrap() >= p["created_on"].as_str().unwrap());
            assert_eq!(
                p["source"]["repository"]["full_name"],
                format!("acme/{repo}")
            );
            assert_eq!(p["source"]["commit"]["hash"].as_str().unwrap().len(), 40);
            assert!(p["destination"]["branch"]["name"].is_string());
            let merged = p["state"] == "MERGED";
            assert_eq!(p["merge_commit"].is_object(), merged);
            if p["state"] == "OPEN" || p["state"] == "SUPERSEDED" {
                assert!(p["closed_by"].is_null());
            } else {
                assert_eq!(p["closed_by"]["type"], "user");
            }
            let author = &p["author"];
            for key in ["display_name", "uuid", "account_id", "nickname"] {
                assert!(author[key].is_string(), "author.{key}");
            }
            assert!(author["links"]["avatar"]["href"].is_string());
            let title = p["title"].as_str().unwrap();
            awkward_title |= title.contains(',') && title.contains('"') && title.contains('\n');
            null_description |= p["description"].is_null();
            empty_description |= p["description"] == "";
            non_ascii_name |= !author["display_name"].as_str().unwrap().is_ascii();
        }
        // The awkward title is on an OPEN PR, so the default listing has it too.
        assert_eq!(prs[3]["state"], "OPEN");
    }
    assert!(awkward_title && null_description && empty_description && non_ascii_name);
    assert_eq!(ds.users().len(), 8);
    assert_eq!(
        ds.pull_request("acme", "infra", 60).unwrap(),
        ds.pull_requests("acme", "infra")[59]
    );
    assert!(ds.pull_request("acme", "infra", 61).is_none());
}

#[test]
fn demo_commits_look_like_bitbucket() {
    let ds = Dataset::demo();
    let commits = ds.commits("acme", "api-service");
    assert_eq!(commits.len(), 150);
    let hashes: BTreeSet<&str> = commits
        .iter()
        .map(|c| c["hash"].as_str().unwrap())
        .collect();
    assert_eq!(hashes.len(), 150);
    let dates: Vec<&str> = commits
        .iter()
        .map(|c| c["date"].as_str().unwrap())
        .collect();
    assert!(
        dates.windows(2).all(|w| w[0] > w[1]),
        "newest first, strictly"
    );
    let mut no_user = 0;
    let mut multi_line = 0;
    let mut merges = 0;
    for (i, c) in commits.iter().enumerate() {
        let hash = c["hash"].as_str().unwrap();
        assert!(
            hash.len() == 40
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert!(is_rfc3339(c["date"].as_str().unwrap(), false));
        assert_eq!(c["type"], "commit");
        assert_eq!(c["author"]["type"], "author");
        assert!(c["author"]["raw"].as_str().unwrap().contains('<'));
        if c["author"].get("user").is_none() {
            no_user += 1;
        }
        let msg = c["message"].as_str().unwrap();
        assert_eq!(c["summary"]["raw"], msg);
        if msg.trim_end().contains('\n') {
            multi_line += 1;
        }
        let parents = c["parents"].as_array().unwrap();
        if i + 1 < commits.len() {
            assert_eq!(parents[0]["hash"], commits[i + 1]["hash"]);
        } else {
            assert!(parents.is_empty());
        }
        merges += usize::from(parents.len() == 2);
        assert_eq!(c["repository"]["full_name"], "acme/api-service");
        assert!(c["links"]["html"]["href"].as_str().unwrap().ends_with(hash));
    }
    assert!(no_user > 0 && multi_line > 0 && merges > 0);
}

#[test]
fn large_repositories_are_cheap() {
    let t = Instant::now();
    let ds = Dataset::generate(DatasetSpec {
        seed: 1,
        workspaces: vec!["big".into()],
        repos_per_workspace: 1,
        pull_requests_per_repo: 100_000,
        commits_per_repo: 100_000,
        ..DatasetSpec::demo()
    });
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "generate took {:?}",
        t.elapsed()
    );
    assert_eq!(ds.pull_request_count("big", "web-app"), 100_000);
    assert_eq!(ds.commit_count("big", "web-app"), 100_000);
    let states = ds.pull_request_states("big", "web-app");
    let open = states.iter().filter(|s| **s == PrState::Open).count();
    assert!(open > 20_000 && open < 30_000, "{open}");
    let last_pr = ds.pull_request("big", "web-app", 100_000).unwrap();
    let last_commit = ds.commit("big", "web-app", 99_999).unwrap();
    assert!(
        ds.pull_request("big", "web-app", 100_001).is_none()
            && ds.commit("big", "web-app", 100_000).is_none()
    );

    // Deep pages are served without materialising the whole list.
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: ds,
        ..FakeOptions::default()
    })
    .unwrap();
    let ds = fake.dataset();
    // The served dataset is the same one with API links rebased on the server.
    let rebased = |v: &Value| -> Value {
        v.to_string()
            .replace("https://api.bitbucket.org/2.0", &fake.base_url())
            .parse()
            .unwrap()
    };
    let (last_pr, last_commit) = (rebased(&last_pr), rebased(&last_commit));
    let t = Instant::now();
    let url = format!(
        "{}/repositories/big/web-app/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50&page=2000",
        fake.base_url()
    );
    let page = get_ok(&url);
    let values = page["values"].as_array().unwrap();
    let expected: Vec<Value> = (99_951..=100_000)
        .map(|id| ds.pull_request("big", "web-app", id).unwrap())
        .collect();
    assert_eq!(values, &expected);
    assert_eq!(values[49], last_pr);
    assert!(page.get("next").is_none());

    let token = paging::encode_token(99_900);
    let tail = get_ok(&format!(
        "{}/repositories/big/web-app/commits?pagelen=100&page={token}",
        fake.base_url()
    ));
    let expected: Vec<Value> = (99_900..100_000)
        .map(|i| ds.commit("big", "web-app", i).unwrap())
        .collect();
    assert_eq!(tail["values"].as_array().unwrap(), &expected);
    assert_eq!(tail["values"][99], last_commit);
    assert!(tail.get("next").is_none());

    let open_page = get_ok(&format!(
        "{}/repositories/big/web-app/pullrequests?page=100",
        fake.base_url()
    ));
    assert_eq!(open_page["size"], open);
    assert!(open_page["values"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["state"] == "OPEN"));
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "deep pages took {:?}",
        t.elapsed()
    );

    // Materialising objects stays cheap enough for expectations on mid-size repos.
    let t = Instant::now();
    let mid = Dataset::generate(DatasetSpec {
        seed: 2,
        workspaces: vec!["mid".into()],
        repos_per_workspace: 1,
        pull_requests_per_repo: 5_000,
        commits_per_repo: 5_000,
        ..DatasetSpec::demo()
    });
    let prs = mid.pull_requests("mid", "web-app");
    let commits = mid.commits("mid", "web-app");
    assert_eq!((prs.len(), commits.len()), (5_000, 5_000));
    assert!(prs
        .windows(2)
        .all(|w| w[0]["created_on"].as_str() < w[1]["created_on"].as_str()));
    assert!(commits
        .windows(2)
        .all(|w| w[0]["date"].as_str() > w[1]["date"].as_str()));
    eprintln!("materialising 2 x 5,000 objects took {:?}", t.elapsed());
}

#[test]
fn keep_alive_connections_serve_several_requests() {
    let fake = start();
    let host = fake.origin().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let paths = [
        "/2.0/repositories/acme",
        "/2.0/repositories/acme/infra/commits?pagelen=3",
        "/2.0/nope",
    ];
    // Then the same pull request page again and again: with TCP_NODELAY each
    // answer takes a few ms (Nagle and delayed ACKs made it about 40 ms).
    let repeated = ["/2.0/repositories/acme/web-app/pullrequests/4"; 12];
    let mut t = Instant::now();
    for (i, path) in paths.into_iter().chain(repeated).enumerate() {
        if i == paths.len() {
            t = Instant::now();
        }
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\n\r\n",
            basic()
        );
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
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap();
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body).unwrap();
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert!(value.is_object(), "{path}");
    }
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[..3], [200, 200, 404]);
    assert_eq!(statuses.len(), 15);
}

// ---------------------------------------------------------------- more endpoint families

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Asserts a numbered-page envelope and returns its values.
fn numbered(page: &Value, size: usize) -> Vec<Value> {
    assert_eq!(page["size"], size, "{page}");
    assert_eq!(page["page"], 1);
    assert!(page["pagelen"].as_u64().unwrap() >= 1);
    page["values"].as_array().unwrap().clone()
}

fn assert_error_json(r: &Resp, status: u16, body: Value) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.json(), body);
}

fn small_spec(workspaces: &[&str]) -> DatasetSpec {
    DatasetSpec {
        workspaces: workspaces.iter().map(|s| s.to_string()).collect(),
        repos_per_workspace: 2,
        pull_requests_per_repo: 12,
        commits_per_repo: 40,
        ..DatasetSpec::demo()
    }
}

#[test]
fn user_emails_and_workspaces() {
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: Dataset::generate(small_spec(&["zeta", "acme", "mid"])),
        ..FakeOptions::default()
    })
    .unwrap();
    let ds = fake.dataset();
    let b = fake.base_url();

    let me = get_ok(&format!("{b}/user"));
    assert_eq!(me, ds.current_user());
    for key in [
        "account_id",
        "uuid",
        "display_name",
        "nickname",
        "created_on",
        "links",
    ] {
        assert!(me.get(key).is_some(), "user.{key}");
    }
    let emails = get_ok(&format!("{b}/user/emails"));
    assert_eq!(numbered(&emails, ds.emails().len()), ds.emails());
    assert_eq!(emails["values"][0]["type"], "email");
    assert_eq!(emails["values"][0]["is_primary"], true);

    let (all, pages) = collect_all(&format!("{b}/user/workspaces?pagelen=2"));
    assert_eq!(all, ds.user_workspaces());
    assert_eq!(pages[0]["size"], 3);
    assert_eq!(all[0]["type"], "workspace_access");
    assert_eq!(all[0]["workspace"]["slug"], "zeta");
    let slugs = |url: String| -> Vec<String> {
        collect_all(&url)
            .0
            .iter()
            .map(|v| v["workspace"]["slug"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        slugs(format!("{b}/user/workspaces?sort=slug")),
        ["acme", "mid", "zeta"]
    );
    assert_eq!(
        slugs(format!("{b}/user/workspaces?sort=-slug")),
        ["zeta", "mid", "acme"]
    );
    let admins: Vec<String> = all
        .iter()
        .filter(|v| v["administrator"] == true)
        .map(|v| v["workspace"]["slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        slugs(format!("{b}/user/workspaces?administrator=true")),
        admins
    );
    assert_eq!(
        get(&format!("{b}/user/workspaces?sort=name"), Some(&basic())).status,
        400
    );
}

#[test]
fn workspace_members_permissions_and_projects() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();

    let ws = get_ok(&format!("{b}/workspaces/acme"));
    assert_eq!(Some(&ws), ds.workspace("acme").as_ref());
    for key in ["uuid", "slug", "name", "is_private", "created_on", "links"] {
        assert!(ws.get(key).is_some(), "workspace.{key}");
    }
    let uuid_url = format!("{b}/workspaces/{}", enc(ws["uuid"].as_str().unwrap()));
    assert_eq!(get_ok(&uuid_url), ws);

    let n = ds.member_count("acme");
    assert!((5..=8).contains(&n));
    let (members, pages) = collect_all(&format!("{b}/workspaces/acme/members?pagelen=2"));
    assert_eq!(members, ds.members("acme"));
    assert_eq!(pages[0]["size"], n);
    assert_eq!(members[0]["type"], "workspace_membership");
    assert_eq!(members[0]["workspace"]["slug"], "acme");
    assert!(members[0].get("permission").is_none());
    let nick = members[1]["user"]["nickname"].as_str().unwrap();
    let one = get_ok(&format!(
        "{b}/workspaces/acme/members?q={}",
        enc(&format!("user.nickname = \"{nick}\""))
    ));
    assert_eq!(numbered(&one, 1), vec![members[1].clone()]);

    let perms = ds.workspace_permissions("acme");
    let page = get_ok(&format!("{b}/workspaces/acme/permissions?pagelen=100"));
    assert_eq!(numbered(&page, n), perms);
    assert_eq!(perms[0]["permission"], "owner");
    for p in &perms {
        assert!(["owner", "member", "collaborator"].contains(&p["permission"].as_str().unwrap()));
        assert!(p["last_accessed"].is_string() && p["added_on"].is_string());
    }
    let owners = perms.iter().filter(|p| p["permission"] == "owner").count();
    let page = get_ok(&format!(
        "{b}/workspaces/acme/permissions?q=permission%3D%22owner%22"
    ));
    assert_eq!(page["size"], owners);

    let projects = get_ok(&format!("{b}/workspaces/acme/projects"));
    assert_eq!(numbered(&projects, 2), ds.projects("acme"));
    for key in [
        "key",
        "uuid",
        "name",
        "description",
        "is_private",
        "created_on",
        "updated_on",
        "owner",
        "links",
    ] {
        assert!(projects["values"][0].get(key).is_some(), "project.{key}");
    }

    let rp = get_ok(&format!(
        "{b}/workspaces/acme/permissions/repositories/infra?pagelen=100"
    ));
    assert_eq!(numbered(&rp, n), ds.repository_permissions("acme", "infra"));
    assert_eq!(rp["values"][0]["repository"]["full_name"], "acme/infra");
    assert_eq!(rp["values"][0]["permission"], "admin");

    assert_error(
        &get(&format!("{b}/workspaces/nobody/members"), Some(&basic())),
        404,
        "No workspace with identifier 'nobody'.",
    );
}

#[test]
fn branches_and_tags_with_date_filters() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/refs");

    let (branches, pages) = collect_all(&format!("{base}/branches?pagelen=5"));
    assert_eq!(branches, ds.branches("acme", "web-app"));
    assert_eq!(branches.len(), ds.branch_count("acme", "web-app"));
    assert_eq!(branches.len(), 12);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[2]["size"], 12);
    let names: Vec<&str> = branches
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"main") && names.windows(2).all(|w| w[0] < w[1]));
    let main = &branches[names.iter().position(|n| *n == "main").unwrap()];
    assert_eq!(main["type"], "branch");
    assert_eq!(main["target"], ds.commit("acme", "web-app", 0).unwrap());

    let since = "2026-09-01T00:00:00+00:00";
    let expected = ds.branches_with_target_date_since("acme", "web-app", since);
    assert!(expected > 0 && expected < 12, "{expected}");
    for q in [
        format!("target.date >= {since}"),
        format!("target.date>={since}"),
    ] {
        let (values, pages) = collect_all(&format!("{base}/branches?pagelen=2&q={}", enc(&q)));
        assert_eq!(values.len(), expected, "{q}");
        assert_eq!(pages[0]["size"], expected);
        assert!(values
            .iter()
            .all(|v| v["target"]["date"].as_str().unwrap() >= "2026-09-01"));
    }
    let one = get_ok(&format!("{base}/branches?q={}", enc("name = \"main\"")));
    assert_eq!(numbered(&one, 1)[0]["name"], "main");

    let tags = get_ok(&format!("{base}/tags?pagelen=100"));
    let values = numbered(&tags, ds.tag_count("acme", "web-app"));
    assert_eq!(values, ds.tags("acme", "web-app"));
    assert_eq!(values.len(), 8);
    assert_eq!(values[0]["type"], "tag");
    assert!(values.iter().any(|t| t.get("tagger").is_some()));
    assert!(values.iter().any(|t| t.get("tagger").is_none()));
    let since = values[4]["target"]["date"].as_str().unwrap();
    let expected = ds.tags_with_target_date_since("acme", "web-app", since);
    assert_eq!(expected, 4);
    let page = get_ok(&format!(
        "{base}/tags?q={}",
        enc(&format!("target.date >= {since}"))
    ));
    assert_eq!(page["size"], expected);

    assert_error(
        &get(
            &format!("{base}/branches?q={}", enc("foo = 1")),
            Some(&basic()),
        ),
        400,
        "Invalid field name: foo",
    );
}

#[test]
fn forks_watchers_restrictions_and_permissions() {
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: Dataset::generate(small_spec(&["acme", "other"])),
        ..FakeOptions::default()
    })
    .unwrap();
    let ds = fake.dataset();
    let b = fake.base_url();
    let mut fork_total = 0;
    for ws in ["acme", "other"] {
        for repo in ["web-app", "api-service"] {
            let base = format!("{b}/repositories/{ws}/{repo}");
            let forks = get_ok(&format!("{base}/forks"));
            let n = ds.fork_count(ws, repo);
            assert!(n <= 2);
            fork_total += n;
            assert_eq!(numbered(&forks, n), ds.forks(ws, repo));
            for f in forks["values"].as_array().unwrap() {
                assert_eq!(f["type"], "repository");
                assert_eq!(f["parent"]["full_name"], format!("{ws}/{repo}"));
            }
            let none = get_ok(&format!(
                "{base}/forks?q={}",
                enc("created_on < 2000-01-01")
            ));
            assert_eq!(numbered(&none, 0), Vec::<Value>::new());

            let watchers = get_ok(&format!("{base}/watchers"));
            assert_eq!(
                numbered(&watchers, ds.watcher_count(ws, repo)),
                ds.watchers(ws, repo)
            );
            assert_eq!(watchers["values"][0]["type"], "user");

            let br = get_ok(&format!("{base}/branch-restrictions"));
            assert_eq!(
                numbered(&br, ds.branch_restriction_count(ws, repo)),
                ds.branch_restrictions(ws, repo)
            );
            let push = get_ok(&format!("{base}/branch-restrictions?kind=push"));
            assert_eq!(numbered(&push, 1)[0]["kind"], "push");

            let users = get_ok(&format!("{base}/permissions-config/users"));
            assert_eq!(
                numbered(&users, ds.user_permission_count(ws, repo)),
                ds.user_permissions(ws, repo)
            );
            let groups = get_ok(&format!("{base}/permissions-config/groups"));
            let gv = numbered(&groups, ds.group_permission_count(ws, repo));
            assert_eq!(gv, ds.group_permissions(ws, repo));
            assert_eq!(gv[0]["type"], "repository_group_permission");
            assert_eq!(gv[0]["group"]["type"], "group");
            assert_eq!(gv[0]["group"]["full_slug"], format!("{ws}:administrators"));
            assert_eq!(
                get_ok(&format!("{base}/permissions-config/groups/developers")),
                gv[1]
            );
            assert_error(
                &get(
                    &format!("{base}/permissions-config/groups/nope"),
                    Some(&basic()),
                ),
                404,
                "Group nope not found",
            );
        }
    }
    assert!(fork_total > 0);
    let forks = ds.forks("acme", "web-app");
    let b_forks = ds.forks("acme", "api-service");
    assert!(forks
        .iter()
        .chain(&b_forks)
        .any(|f| f["workspace"]["slug"] == "other"));
}

#[test]
fn pipelines_steps_deployments_and_environments() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/api-service");

    let expected = ds.pipelines("acme", "api-service");
    assert_eq!(expected.len(), ds.pipeline_count("acme", "api-service"));
    assert_eq!(expected.len(), 40);
    let (values, pages) = collect_all(&format!("{base}/pipelines?pagelen=15"));
    assert_eq!(values, expected);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["size"], 40);
    let created: Vec<&str> = values
        .iter()
        .map(|p| p["created_on"].as_str().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] < w[1]), "oldest first");
    assert_eq!(values[0]["build_number"], 1);
    let (same, _) = collect_all(&format!(
        "{base}/pipelines?pagelen=100&sort=created_on&q=garbage%20%3D%3D"
    ));
    assert_eq!(same, expected, "q is ignored");
    let (newest, _) = collect_all(&format!("{base}/pipelines?pagelen=100&sort=-created_on"));
    assert_eq!(newest, expected.iter().rev().cloned().collect::<Vec<_>>());
    let r = get(
        &format!("{base}/pipelines?sort=build_number"),
        Some(&basic()),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["type"], "error");

    let since = "2026-05-01";
    let n_since = ds.pipelines_created_since("acme", "api-service", since);
    assert!(n_since > 0 && n_since < 40, "{n_since}");
    assert_eq!(created.iter().filter(|c| **c >= since).count(), n_since);

    for p in &values[..3] {
        for key in [
            "uuid",
            "build_number",
            "creator",
            "target",
            "trigger",
            "state",
            "created_on",
        ] {
            assert!(p.get(key).is_some(), "pipeline.{key}");
        }
        assert_eq!(p["target"]["type"], "pipeline_ref_target");
    }
    let p = &values[2];
    let uuid = p["uuid"].as_str().unwrap();
    let build = p["build_number"].as_u64().unwrap() as usize;
    let steps = ds.pipeline_steps("acme", "api-service", build);
    assert_eq!(
        steps.len(),
        ds.pipeline_step_count("acme", "api-service", build)
    );
    assert!((2..=4).contains(&steps.len()));
    for key in [
        uuid.to_string(),
        enc(uuid),
        uuid.trim_matches(|c| c == '{' || c == '}').to_string(),
    ] {
        let page = get_ok(&format!("{base}/pipelines/{key}/steps?pagelen=1&page=2"));
        assert_eq!(page["values"].as_array().unwrap(), &steps, "{key}");
        assert_eq!(page["size"], steps.len());
        assert!(page.get("next").is_none());
        assert_eq!(&get_ok(&format!("{base}/pipelines/{key}")), p);
    }
    assert_eq!(steps[0]["type"], "pipeline_step");
    assert_eq!(steps[0]["pipeline"]["uuid"], uuid);
    let r = get(
        &format!("{base}/pipelines/%7B00000000-0000-4000-8000-000000000000%7D/steps"),
        Some(&basic()),
    );
    assert_eq!(r.status, 404);

    let deployments = get_ok(&format!("{base}/deployments?pagelen=100"));
    let dv = numbered(&deployments, ds.deployment_count("acme", "api-service"));
    assert_eq!(dv, ds.deployments("acme", "api-service"));
    assert_eq!(dv.len(), 20);
    let envs = get_ok(&format!("{base}/environments"));
    let ev = numbered(&envs, ds.environment_count("acme", "api-service"));
    assert_eq!(ev, ds.environments("acme", "api-service"));
    let env_names: Vec<&str> = ev.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(env_names, ["Test", "Staging", "Production"]);
    let env_uuids: BTreeSet<&str> = ev.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    for d in &dv {
        assert_eq!(d["type"], "deployment");
        assert!(env_uuids.contains(d["environment"]["uuid"].as_str().unwrap()));
        assert!(["COMPLETED", "IN_PROGRESS", "UNDEPLOYED"]
            .contains(&d["state"]["name"].as_str().unwrap()));
        assert_eq!(d["release"]["commit"]["hash"].as_str().unwrap().len(), 40);
    }
}

#[test]
fn pull_request_comments_commits_and_activity() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/pullrequests");

    let mut some_inline = false;
    let mut some_reply = false;
    for id in 1..=8u64 {
        let comments = ds.pull_request_comments("acme", "web-app", id);
        assert_eq!(
            comments.len(),
            ds.pull_request_comment_count("acme", "web-app", id)
        );
        assert!(comments.len() <= 5);
        let page = get_ok(&format!("{base}/{id}/comments?pagelen=100"));
        assert_eq!(numbered(&page, comments.len()), comments);
        some_inline |= comments.iter().any(|c| c.get("inline").is_some());
        some_reply |= comments.iter().any(|c| c.get("parent").is_some());
        let pr = ds.pull_request("acme", "web-app", id).unwrap();
        assert_eq!(pr["comment_count"], comments.len());

        let commits = get_ok(&format!("{base}/{id}/commits"));
        let cv = numbered(
            &commits,
            ds.pull_request_commit_count("acme", "web-app", id),
        );
        assert_eq!(cv, ds.pull_request_commits("acme", "web-app", id));
        assert!((1..=4).contains(&cv.len()));

        let expected = ds.pull_request_activity("acme", "web-app", id);
        assert_eq!(
            expected.len(),
            ds.pull_request_activity_count("acme", "web-app", id)
        );
        let (values, pages) = collect_all(&format!("{base}/{id}/activity?pagelen=2"));
        assert_eq!(values, expected);
        assert!(pages.iter().all(|p| p.get("size").is_none()));
        let dates: Vec<String> = values
            .iter()
            .map(|a| {
                let (k, v) = a
                    .as_object()
                    .unwrap()
                    .iter()
                    .find(|(k, _)| *k != "pull_request")
                    .unwrap();
                let d = if k == "comment" {
                    &v["created_on"]
                } else {
                    &v["date"]
                };
                d.as_str().unwrap().to_string()
            })
            .collect();
        assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
        assert_eq!(values.last().unwrap()["update"]["state"], "OPEN");
        assert!(values.iter().all(|a| a["pull_request"]["id"] == id));
    }
    assert!(some_inline && some_reply);

    // Comment filtering on dates.
    let id = (1..=60u64)
        .find(|&i| ds.pull_request_comment_count("acme", "web-app", i) >= 3)
        .unwrap();
    let comments = ds.pull_request_comments("acme", "web-app", id);
    let cut = comments[1]["created_on"].as_str().unwrap();
    let page = get_ok(&format!(
        "{base}/{id}/comments?q={}",
        enc(&format!("created_on >= {cut}"))
    ));
    assert_eq!(numbered(&page, comments.len() - 1), comments[1..]);

    // Whole-repository activity: PRs newest first.
    let total = ds.repository_activity_count("acme", "web-app");
    let (values, pages) = collect_all(&format!(
        "{b}/repositories/acme/web-app/pullrequests/activity?pagelen=100"
    ));
    assert_eq!(values.len(), total);
    assert_eq!(pages.len(), total.div_ceil(100));
    let last = ds.pull_request_activity("acme", "web-app", 60);
    assert_eq!(values[..last.len()], last[..]);
    let one = ds.pull_request_activity("acme", "web-app", 1);
    assert_eq!(values[total - one.len()..], one[..]);
}

#[test]
fn pull_request_expansion_and_bbql() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/pullrequests");
    let every = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50";

    let (plain, _) = collect_all(&format!("{base}?{every}"));
    assert!(plain
        .iter()
        .all(|p| p.get("participants").is_none() && p.get("reviewers").is_none()));
    let (both, _) = collect_all(&format!(
        "{base}?{every}&fields=%2Bvalues.participants,%2Bvalues.reviewers"
    ));
    let (only_rev, _) = collect_all(&format!("{base}?{every}&fields=%2Bvalues.reviewers"));
    let mut some_participants = false;
    for (i, p) in both.iter().enumerate() {
        let id = p["id"].as_u64().unwrap();
        let parts = ds.pull_request_participants("acme", "web-app", id);
        assert_eq!(
            parts.len(),
            ds.pull_request_participant_count("acme", "web-app", id)
        );
        assert_eq!(p["participants"].as_array().unwrap(), &parts);
        some_participants |= !parts.is_empty();
        let reviewers: Vec<Value> = parts
            .iter()
            .filter(|x| x["role"] == "REVIEWER")
            .map(|x| x["user"].clone())
            .collect();
        assert_eq!(p["reviewers"].as_array().unwrap(), &reviewers);
        assert!(only_rev[i].get("participants").is_none());
        assert_eq!(only_rev[i]["reviewers"], p["reviewers"]);
        let mut stripped = p.clone();
        stripped.as_object_mut().unwrap().remove("participants");
        stripped.as_object_mut().unwrap().remove("reviewers");
        assert_eq!(stripped, plain[i]);
        for x in &parts {
            assert_eq!(x["type"], "participant");
            assert!(
                [json!(null), json!("approved"), json!("changes_requested")].contains(&x["state"])
            );
        }
    }
    assert!(some_participants);

    // Date filter: every state, `state` ignored, paging over the filtered list.
    let since = "2026-05-01T00:00:00+00:00";
    let expected = ds.pull_requests_updated_since("acme", "web-app", since);
    assert!(expected > 10 && expected < 60, "{expected}");
    let wanted: Vec<Value> = ds
        .pull_requests("acme", "web-app")
        .into_iter()
        .filter(|p| p["updated_on"].as_str().unwrap() >= "2026-05-01")
        .collect();
    assert_eq!(wanted.len(), expected);
    let q = enc(&format!("updated_on >= {since}"));
    let (values, pages) = collect_all(&format!("{base}?state=OPEN&pagelen=7&q={q}"));
    assert_eq!(values, wanted);
    assert!(pages.iter().all(|p| p["size"] == expected));
    assert_eq!(pages.len(), expected.div_ceil(7));
    // An unencoded `+` (decoded to a space) is tolerated.
    let raw_plus = format!("{base}?q=updated_on%20%3E%3D%202026-05-01T00:00:00+00:00");
    assert_eq!(get_ok(&raw_plus)["size"], expected);

    let open = wanted.iter().filter(|p| p["state"] == "OPEN").count();
    let q = enc(&format!("state = \"OPEN\" AND updated_on >= {since}"));
    assert_eq!(get_ok(&format!("{base}?q={q}"))["size"], open);
    let open_merged = wanted
        .iter()
        .filter(|p| p["state"] == "OPEN" || p["state"] == "MERGED")
        .count();
    let q = enc(&format!(
        "(state = \"OPEN\" OR state = \"MERGED\") AND updated_on >= {since}"
    ));
    assert_eq!(get_ok(&format!("{base}?q={q}"))["size"], open_merged);
    let q = enc("reviewers.nickname = \"alice\"");
    let alice = both
        .iter()
        .filter(|p| {
            p["reviewers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["nickname"] == "alice")
        })
        .count();
    assert_eq!(get_ok(&format!("{base}?q={q}"))["size"], alice);

    assert_error(
        &get(
            &format!("{base}?q={}", enc("bogus >= 2026-01-01")),
            Some(&basic()),
        ),
        400,
        "Invalid field name: bogus",
    );
    assert_eq!(
        get(&format!("{base}?q={}", enc("state = ")), Some(&basic())).status,
        400
    );
}

#[test]
fn fields_partial_responses() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let every = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50";
    let prs_url = format!("{b}/repositories/acme/web-app/pullrequests?{every}");
    let all = ds.pull_requests("acme", "web-app");
    // `next` carries the request's own `fields`; compare pages without it.
    let no_next = |mut page: Value| {
        page.as_object_mut().unwrap().shift_remove("next");
        page
    };
    let full = no_next(get_ok(&prs_url));

    // Restrict: only the listed paths, everything below each; the envelope
    // only when listed.
    let page = get_ok(&format!("{prs_url}&fields=values.id,values.author"));
    assert_eq!(
        page.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["values"]
    );
    for (p, want) in page["values"].as_array().unwrap().iter().zip(&all) {
        assert_eq!(p, &json!({"id": want["id"], "author": want["author"]}));
    }
    let page = get_ok(&format!(
        "{prs_url}&fields=next,size,page,pagelen&fields=values.id"
    ));
    assert_eq!(
        page.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["size", "page", "pagelen", "next", "values"],
        "key order is the answer's, not the request's"
    );
    let next = query_pairs(page["next"].as_str().unwrap());
    assert!(next.contains(&("fields".into(), "values.id".into())));
    assert!(next.contains(&("page".into(), "2".into())));
    assert_eq!(page["values"].as_array().unwrap().len(), 50);

    // Nested through arrays: every element of `values`, key order kept.
    let page = get_ok(&format!(
        "{prs_url}&fields=values.author.uuid,values.source.branch.name,values.id"
    ));
    for (p, want) in page["values"].as_array().unwrap().iter().zip(&all) {
        assert_eq!(
            serde_json::to_string(p).unwrap(),
            serde_json::to_string(&json!({
                "id": want["id"],
                "author": {"uuid": want["author"]["uuid"]},
                "source": {"branch": {"name": want["source"]["branch"]["name"]}}
            }))
            .unwrap()
        );
    }
    // Arrays inside elements too: a commit's `parents[].hash`.
    let commits = get_ok(&format!(
        "{b}/repositories/acme/web-app/commits?fields=values.parents.hash"
    ));
    let expected = ds.commits("acme", "web-app");
    for (c, want) in commits["values"].as_array().unwrap().iter().zip(&expected) {
        let hashes: Vec<Value> = want["parents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!({"hash": p["hash"]}))
            .collect();
        assert_eq!(c, &json!({"parents": hashes}));
    }

    // `+` adds an expansion and keeps it when restricting.
    let page = get_ok(&format!(
        "{prs_url}&fields=values.id,%2Bvalues.participants"
    ));
    for p in page["values"].as_array().unwrap() {
        let id = p["id"].as_u64().unwrap();
        let parts = ds.pull_request_participants("acme", "web-app", id);
        assert_eq!(p, &json!({"id": id, "participants": parts}));
    }
    // An unencoded `+` (decoded to a space) counts as `+`.
    let page = get_ok(&format!("{prs_url}&fields=values.id,+values.reviewers"));
    assert!(page["values"][0].get("reviewers").is_some());
    // `+` alone changes nothing else.
    let page = no_next(get_ok(&format!("{prs_url}&fields=%2Bvalues.reviewers")));
    let mut stripped = page.clone();
    for p in stripped["values"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().shift_remove("reviewers");
    }
    assert!(stripped == full);
    let one = get_ok(&format!(
        "{b}/repositories/acme/web-app/pullrequests/7?fields=id,%2Breviewers,%2Bparticipants"
    ));
    assert_eq!(
        one.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "reviewers", "participants"]
    );

    // `-` removes, alone or after restricting, through arrays.
    let page = no_next(get_ok(&format!(
        "{prs_url}&fields=-values.links,-values.summary"
    )));
    let mut want = full.clone();
    for p in want["values"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().shift_remove("links");
        p.as_object_mut().unwrap().shift_remove("summary");
    }
    assert!(page == want);
    let page = get_ok(&format!(
        "{prs_url}&fields=values.author,-values.author.links,next"
    ));
    assert!(page["next"].as_str().unwrap().contains("page=2"));
    for (p, want) in page["values"].as_array().unwrap().iter().zip(&all) {
        let mut author = want["author"].clone();
        author.as_object_mut().unwrap().shift_remove("links");
        assert_eq!(p, &json!({"author": author}));
    }

    // `*` matches every key at its level.
    let repo = get_ok(&format!(
        "{b}/repositories/acme/web-app?fields=links.*.href"
    ));
    let links = repo["links"].as_object().unwrap();
    let full_repo = get_ok(&format!("{b}/repositories/acme/web-app"));
    assert_eq!(links.len(), full_repo["links"].as_object().unwrap().len());
    assert_eq!(
        repo["links"]["self"]["href"],
        full_repo["links"]["self"]["href"]
    );
    assert_eq!(
        repo["links"]["clone"],
        json!(full_repo["links"]["clone"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!({"href": c["href"]}))
            .collect::<Vec<_>>())
    );
    let repo = get_ok(&format!(
        "{b}/repositories/acme/web-app?fields=-links.*,uuid"
    ));
    assert_eq!(repo, json!({"uuid": full_repo["uuid"]}));
    let repo = get_ok(&format!("{b}/repositories/acme/web-app?fields=*"));
    assert!(repo == full_repo);
    let repo = get_ok(&format!("{b}/repositories/acme/web-app?fields=-links.*"));
    assert_eq!(repo["links"], json!({}));

    // A path that names nothing contributes nothing; it is not an error.
    let page = get_ok(&format!("{prs_url}&fields=values.id,values.nope,bogus.x"));
    assert_eq!(page["values"][0], json!({"id": 1}));
    assert_eq!(get_ok(&format!("{prs_url}&fields=nope")), json!({}));
    assert!(no_next(get_ok(&format!("{prs_url}&fields=-nope,-values.nope"))) == full);
    // Elements that keep nothing stay in place as `{}`.
    let page = get_ok(&format!("{prs_url}&fields=values.merge_commit.hash"));
    for (p, want) in page["values"].as_array().unwrap().iter().zip(&all) {
        if want["state"] == "MERGED" {
            assert_eq!(p["merge_commit"]["hash"], want["merge_commit"]["hash"]);
        } else {
            assert_eq!(p, &json!({}));
        }
    }

    // Error bodies are left alone.
    assert_error(
        &get(
            &format!("{b}/repositories/acme/nope/pullrequests?fields=values.id"),
            Some(&basic()),
        ),
        404,
        "Repository acme/nope not found",
    );
    assert_error(
        &get(
            &format!("{b}/repositories/acme/web-app/pullrequests?state=bogus&fields=type"),
            Some(&basic()),
        ),
        400,
        "Invalid state 'bogus': expected one of OPEN, MERGED, DECLINED, SUPERSEDED",
    );
    assert_error(
        &get(&format!("{b}/user?fields=type"), None),
        401,
        "Authentication required",
    );
}

#[test]
fn repositories_bbql() {
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec {
            repos_per_workspace: 9,
            ..small_spec(&["acme"])
        }),
        ..FakeOptions::default()
    })
    .unwrap();
    let ds = fake.dataset();
    let b = fake.base_url();
    let public: Vec<Value> = ds
        .repositories("acme")
        .into_iter()
        .filter(|r| r["is_private"] == false)
        .collect();
    assert!(!public.is_empty() && public.len() < 9);
    for q in [
        "is_private = false",
        "is_private=false",
        "is_private != true",
    ] {
        let (values, pages) = collect_all(&format!("{b}/repositories/acme?pagelen=1&q={}", enc(q)));
        assert_eq!(values, public, "{q}");
        assert_eq!(pages[0]["size"], public.len());
    }
    let q = enc("project.key = \"PLAT\" AND name ~ \"app\"");
    let expected = ds
        .repositories("acme")
        .iter()
        .filter(|r| r["project"]["key"] == "PLAT" && r["name"].as_str().unwrap().contains("app"))
        .count();
    assert_eq!(
        get_ok(&format!("{b}/repositories/acme?q={q}"))["size"],
        expected
    );
}

#[test]
fn src_directory_listings() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/infra/src");
    let head = ds.commit("acme", "infra", 0).unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let root = ds.src_listing("acme", "infra", "");
    assert_eq!(root.len(), ds.src_root_count("acme", "infra"));
    assert_eq!(root.len(), 6);

    for url in [
        format!("{base}/{head}/"),
        format!("{base}/{head}"),
        format!("{base}/main/"),
        format!("{base}/{}/", &head[..12]),
    ] {
        let page = get_ok(&format!("{url}?pagelen=100"));
        assert_eq!(numbered(&page, 6), root, "{url}");
    }
    let paths: Vec<&str> = root.iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            ".gitignore",
            "README.md",
            "bitbucket-pipelines.yml",
            "docs",
            "scripts",
            "src"
        ]
    );
    assert_eq!(root[1]["type"], "commit_file");
    assert_eq!(root[1]["commit"]["hash"], head);
    assert_eq!(root[1]["attributes"], json!([]));
    assert_eq!(root[5]["type"], "commit_directory");

    let src = get_ok(&format!("{base}/{head}/src/"));
    assert_eq!(numbered(&src, 2), ds.src_listing("acme", "infra", "src"));
    assert_eq!(src["values"][0]["path"], "src/lib");
    let deep = get_ok(&format!("{base}/{head}/src?max_depth=2"));
    assert_eq!(deep["size"], 4);
    let dirs = get_ok(&format!(
        "{base}/{head}/?q={}",
        enc("type = \"commit_directory\"")
    ));
    assert_eq!(dirs["size"], 3);
    let meta = get_ok(&format!("{base}/{head}/docs?format=meta"));
    assert_eq!(
        (meta["type"].as_str(), meta["path"].as_str()),
        (Some("commit_directory"), Some("docs"))
    );
    let file = get_ok(&format!("{base}/{head}/README.md"));
    assert_eq!(file, root[1]);

    // Another commit, and a branch whose name contains a slash.
    let older = ds.commit("acme", "infra", 7).unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let page = get_ok(&format!("{base}/{older}/"));
    assert_eq!(page["values"][0]["commit"]["hash"], older);
    let feature = ds
        .branches("acme", "infra")
        .into_iter()
        .find(|br| br["name"].as_str().unwrap().contains('/'))
        .unwrap();
    let page = get_ok(&format!(
        "{base}/{}/docs/",
        feature["name"].as_str().unwrap()
    ));
    assert_eq!(page["size"], 3);
    assert_eq!(
        page["values"][0]["commit"]["hash"],
        feature["target"]["hash"]
    );

    let auth = basic();
    assert_error(
        &get(&format!("{base}/{head}/nope/"), Some(&auth)),
        404,
        "No such file or directory: nope",
    );
    assert_eq!(
        get(&format!("{base}/{}/", "0".repeat(40)), Some(&auth)).status,
        404
    );
    assert_eq!(
        get(&format!("{base}/no-such-branch/"), Some(&auth)).status,
        404
    );
}

#[test]
fn removed_endpoints_answer_like_bitbucket() {
    let fake = start();
    let b = fake.base_url();
    let auth = basic();
    let gone = json!({"type": "error", "error": {
        "message": "CHANGE-2770 - Functionality has been deprecated",
        "detail": "Please read the changelog entry for more details.",
        "data": {"announcement_url": "https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"}}});
    for path in [
        "/repositories",
        "/repositories/",
        "/workspaces",
        "/user/permissions/repositories",
        "/user/permissions/workspaces",
        "/user/permissions/teams",
    ] {
        assert_error_json(
            &get(&format!("{b}{path}?pagelen=10"), Some(&auth)),
            410,
            gone.clone(),
        );
    }
    for path in [
        "/repositories/acme/web-app/issues",
        "/repositories/acme/web-app/issues/1/comments",
        "/repositories/acme/web-app/components",
        "/repositories/acme/web-app/versions",
        "/repositories/acme/web-app/milestones",
    ] {
        assert_error(
            &get(&format!("{b}{path}"), Some(&auth)),
            404,
            "Repository has no issue tracker.",
        );
    }
    for path in [
        "/teams/acme",
        "/teams/acme/members",
        "/users/alice/followers",
        "/users/alice/following",
    ] {
        assert_error(
            &get(&format!("{b}{path}"), Some(&auth)),
            404,
            "Resource not found",
        );
    }
    // Removed endpoints still need credentials.
    assert_eq!(get(&format!("{b}/workspaces"), None).status, 401);
}

// ---------------------------------------------------------------- fault injection

fn faulty(faults: Vec<FaultRule>) -> FakeBitbucket {
    FakeBitbucket::start(FakeOptions {
        faults,
        ..FakeOptions::default()
    })
    .unwrap()
}

fn rule(fault: Fault, attempts: usize) -> FaultRule {
    FaultRule {
        fault,
        path_contains: None,
        attempts,
    }
}

/// A keep-alive GET (no `Connection: close`) read until the server closes the
/// connection; panics if it stays open for 5 s.
fn get_until_closed(url: &str) -> Vec<u8> {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\n\r\n",
        basic()
    );
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
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    (
        String::from_utf8(raw[..split].to_vec()).unwrap(),
        &raw[split + 4..],
    )
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
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
        String::from_utf8(r.body)
            .unwrap()
            .replace(&fake.origin(), "ORIGIN")
    };
    let scope = "read:repository:bitbucket".to_string();
    let faults = [
        Fault::RateLimited {
            retry_after: Some(2),
            reset: Some(7),
        },
        Fault::RateLimited {
            retry_after: None,
            reset: None,
        },
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
        Fault::HugeBody(100_000),
        Fault::HugeBody(3),
        Fault::Forbidden {
            scope: scope.clone(),
        },
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
                assert!(
                    again.body == normal.as_bytes(),
                    "{fault:?}: second answer differs"
                );
                let log = fake.requests();
                let summary: Vec<(u16, Option<&str>)> =
                    log.iter().map(|r| (r.status, r.fault.as_deref())).collect();
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
            assert!(
                String::from_utf8_lossy(&r.body).contains(&auth),
                "the credential is echoed"
            );
            400
        }
        Fault::RateLimited { retry_after, reset } => {
            let r = get(url, Some(&auth));
            assert_error_json(
                &r,
                429,
                json!({"type": "error", "error": {"message": "Rate limit for this resource has been exceeded"}}),
            );
            assert_eq!(
                r.header("Retry-After"),
                retry_after.map(|n| n.to_string()).as_deref()
            );
            assert_eq!(
                r.header("X-RateLimit-Reset"),
                reset.map(|n| n.to_string()).as_deref()
            );
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
            assert!(
                body == &normal_text.as_bytes()[..full / 2],
                "the first half"
            );
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
            let status = if matches!(fault, Fault::HtmlOk) {
                200
            } else {
                404
            };
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
    let fake = faulty(vec![
        rule(
            Fault::RateLimited {
                retry_after: Some(1),
                reset: None,
            },
            1,
        ),
        rule(Fault::ServerError(500), 2),
    ]);
    let a = format!("{}/repositories/acme", fake.base_url());
    let b = format!("{a}?page=2");
    let statuses = |url: &str, n: usize| -> Vec<u16> {
        (0..n).map(|_| get(url, Some(&basic())).status).collect()
    };
    assert_eq!(statuses(&a, 5), [429, 500, 500, 200, 200]);
    assert_eq!(statuses(&b, 2), [429, 500], "a new query is a new target");
    assert_eq!(fake.requests_with_fault(), 5);
    let names: Vec<Option<String>> = fake.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        names[..4],
        [
            Some("rate-limited".to_string()),
            Some("server-error".to_string()),
            Some("server-error".to_string()),
            None,
        ]
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
        assert_eq!(
            get(
                &format!("{base}/repositories/acme/web-app/commits"),
                Some(&basic())
            )
            .status,
            502
        );
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
    let fake = FakeBitbucket::start(FakeOptions {
        latency: Duration::from_millis(120),
        ..FakeOptions::default()
    })
    .unwrap();
    let t = Instant::now();
    get_ok(&format!("{}/repositories/acme", fake.base_url()));
    assert!(
        t.elapsed() >= Duration::from_millis(120),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    assert_eq!(get(&format!("{}/user", fake.base_url()), None).status, 401);
    assert!(
        t.elapsed() >= Duration::from_millis(120),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn workers_answer_concurrently_through_latency() {
    // 8 clients at once, 150 ms latency: the default 16 workers overlap them
    // (about 150 ms); 3 workers take 3 rounds, 1 worker 8.
    let run = |workers: Option<usize>| {
        let mut options = FakeOptions {
            latency: Duration::from_millis(150),
            ..FakeOptions::default()
        };
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

// ---------------------------------------------------------------- changes while the fake runs

/// Ids of the `values` of a JSON page.
fn ids(values: &[Value]) -> Vec<u64> {
    values.iter().map(|v| v["id"].as_u64().unwrap()).collect()
}

/// `v` without the keys in `drop` (top level).
fn without(v: &Value, drop: &[&str]) -> Value {
    let mut v = v.clone();
    for k in drop {
        v.as_object_mut().unwrap().remove(*k);
    }
    v
}

#[test]
fn updated_pull_requests_show_everywhere_and_caches_follow() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/pullrequests");
    let every = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50";
    // After every generated timestamp (2026-10-01), as a connector's checkpoint.
    let cut = "2026-10-02T00:00:00+00:00";
    let after_cut = format!(
        "{base}?pagelen=50&q={}",
        enc(&format!("updated_on > {cut}"))
    );
    let renamed = format!("{base}?q={}", enc("title ~ \"renamed\""));

    // Before: nothing after the cut (these results are now cached), and the
    // activity totals are cached too.
    assert_eq!(ids(&numbered(&get_ok(&after_cut), 0)), Vec::<u64>::new());
    assert_eq!(get_ok(&renamed)["size"], 0);
    let (list_before, _) = collect_all(&format!("{base}?{every}"));
    let pr7_before = get_ok(&format!("{base}/7"));
    let comments_before = ds.pull_request_comments("acme", "web-app", 7);
    let activity_before = ds.pull_request_activity("acme", "web-app", 7);
    let total_before = ds.repository_activity_count("acme", "web-app");
    assert_eq!(ds.pull_requests_updated_since("acme", "web-app", cut), 0);
    let state7 = pr7_before["state"].as_str().unwrap().to_string();

    fake.update_pull_request(
        "acme",
        "web-app",
        7,
        "2026-10-05T12:00:00+00:00",
        "Renamed: retry policy",
    );
    fake.update_pull_request("acme", "web-app", 12, "2026-10-03T08:00:00Z", "RENAMED too");

    // BBQL sees the new values, ascending id; the same `q` is not served stale.
    let page = get_ok(&after_cut);
    assert_eq!(ids(&numbered(&page, 2)), [7, 12]);
    assert_eq!(ids(&numbered(&get_ok(&renamed), 2)), [7, 12]);
    // An unencoded `+` (decoded to a space) works the same.
    let raw_plus = format!("{base}?q=updated_on%20%3E%20{cut}");
    assert_eq!(ids(&numbered(&get_ok(&raw_plus), 2)), [7, 12]);
    let q = |q: &str| {
        ids(&get_ok(&format!("{base}?q={}", enc(q)))["values"]
            .as_array()
            .unwrap()
            .clone())
    };
    assert_eq!(q("updated_on >= 2026-10-05T12:00:00+00:00"), [7]);
    assert_eq!(
        q("updated_on > 2026-10-05T12:00:00+00:00"),
        Vec::<u64>::new()
    );
    // The checkpoint a connector keeps: the newest updated_on it saw, exclusive.
    assert_eq!(
        q("updated_on > 2026-10-05T12:00:00.000000+00:00"),
        Vec::<u64>::new()
    );
    assert_eq!(q("updated_on > 2026-10-05T11:59:59.999999+00:00"), [7]);
    assert_eq!(q("updated_on > 2026-10-03T08:00:00+00:00"), [7]);
    assert_eq!(
        q(&format!("state = \"{state7}\" AND updated_on > {cut}")),
        [7]
    );
    assert_eq!(
        q(&format!(
            "(title = \"RENAMED too\" OR id = 3) AND updated_on >= {cut}"
        )),
        [12]
    );
    // Another repository is untouched.
    let other = format!(
        "{b}/repositories/acme/api-service/pullrequests?q={}",
        enc(&format!("updated_on > {cut}"))
    );
    assert_eq!(get_ok(&other)["size"], 0);

    // The single pull request: new title and updated_on, nothing else moved.
    let pr7 = get_ok(&format!("{base}/7"));
    assert_eq!(pr7["title"], "Renamed: retry policy");
    assert_eq!(pr7["rendered"]["title"]["raw"], "Renamed: retry policy");
    assert_eq!(pr7["updated_on"], "2026-10-05T12:00:00.000000+00:00");
    assert_eq!(pr7, page["values"][0]);
    assert_eq!(Some(&pr7), ds.pull_request("acme", "web-app", 7).as_ref());
    let moved = ["title", "rendered", "updated_on"];
    assert_eq!(without(&pr7, &moved), without(&pr7_before, &moved));
    assert_eq!(
        get_ok(&format!("{base}/12"))["updated_on"],
        "2026-10-03T08:00:00.000000+00:00"
    );

    // The list without `q`: same order, the changed ones in place.
    let (list_after, _) = collect_all(&format!("{base}?{every}"));
    assert_eq!(ids(&list_after), ids(&list_before));
    assert_eq!(list_after, ds.pull_requests("acme", "web-app"));
    for (a, b) in list_after.iter().zip(&list_before) {
        if a["id"] == 7 || a["id"] == 12 {
            assert_ne!(a["title"], b["title"]);
        } else {
            assert_eq!(a, b);
        }
    }
    assert_eq!(ds.pull_requests_updated_since("acme", "web-app", cut), 2);
    assert_eq!(
        ds.pull_request_ids_updated_after("acme", "web-app", cut),
        [7, 12]
    );

    // Comments and activity embed the new title; their dates did not move.
    let comments = get_ok(&format!("{base}/7/comments?pagelen=100"));
    let comments = numbered(&comments, comments_before.len());
    assert_eq!(comments, ds.pull_request_comments("acme", "web-app", 7));
    for (a, b) in comments.iter().zip(&comments_before) {
        assert_eq!(a["pullrequest"]["title"], "Renamed: retry policy");
        assert_eq!(without(a, &["pullrequest"]), without(b, &["pullrequest"]));
    }
    let (activity, _) = collect_all(&format!("{base}/7/activity?pagelen=3"));
    assert_eq!(activity, ds.pull_request_activity("acme", "web-app", 7));
    assert_eq!(activity.len(), activity_before.len() + 1);
    let update = &activity[0]["update"];
    assert_eq!(update["title"], "Renamed: retry policy");
    assert_eq!(update["date"], "2026-10-05T12:00:00.000000+00:00");
    assert_eq!(update["state"], state7.as_str());
    assert!(activity
        .iter()
        .all(|a| a["pull_request"]["title"] == "Renamed: retry policy"));
    // Older updates keep the title they had.
    let opened = &activity.last().unwrap()["update"];
    assert_eq!(opened["title"], pr7_before["title"]);

    // Repository activity: totals recomputed (cache dropped), items follow.
    let total = ds.repository_activity_count("acme", "web-app");
    assert_eq!(total, total_before + 2);
    let (all, _) = collect_all(&format!("{base}/activity?pagelen=100"));
    assert_eq!(all.len(), total);

    // Later updates win; an update earlier than the latest change keeps updated_on.
    fake.update_pull_request(
        "acme",
        "web-app",
        7,
        "2026-10-04T00:00:00+00:00",
        "Older rename",
    );
    let pr7 = ds.pull_request("acme", "web-app", 7).unwrap();
    assert_eq!(pr7["title"], "Renamed: retry policy");
    assert_eq!(pr7["updated_on"], "2026-10-05T12:00:00.000000+00:00");
    fake.update_pull_request(
        "acme",
        "web-app",
        7,
        "2026-10-07T00:00:00+00:00",
        "Latest rename",
    );
    assert_eq!(get_ok(&format!("{base}/7"))["title"], "Latest rename");
    assert_eq!(ids(&numbered(&get_ok(&renamed), 1)), [12]);
    assert_eq!(q("title = \"Latest rename\""), [7]);
}

#[test]
fn added_comments_show_everywhere() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/pullrequests");
    let cut = "2026-10-02T00:00:00+00:00";
    let id = (1..=60u64)
        .find(|&i| ds.pull_request_comment_count("acme", "web-app", i) >= 2)
        .unwrap();
    let before = ds.pull_request_comments("acme", "web-app", id);
    let pr_before = ds.pull_request("acme", "web-app", id).unwrap();
    let comments_after_cut = format!(
        "{base}/{id}/comments?q={}",
        enc(&format!("created_on > {cut}"))
    );
    let prs_after_cut = format!("{base}?q={}", enc(&format!("updated_on > {cut}")));
    assert_eq!(get_ok(&comments_after_cut)["size"], 0);
    assert_eq!(get_ok(&prs_after_cut)["size"], 0);
    let activity_before = ds.pull_request_activity_count("acme", "web-app", id);
    let total_before = ds.repository_activity_count("acme", "web-app");

    let c1 = fake.add_pull_request_comment(
        "acme",
        "web-app",
        id,
        "2026-10-06T09:30:00+00:00",
        "New <comment> & more\n\nSecond paragraph",
    );
    let c2 = fake.add_pull_request_comment(
        "acme",
        "web-app",
        id,
        "2026-10-06T10:00:00+00:00",
        "Another",
    );
    assert!(c2 > c1);
    assert!(before.iter().all(|c| c["id"].as_u64().unwrap() < c1));

    // The comments list: generated ones unchanged, then the new ones.
    let page = get_ok(&format!("{base}/{id}/comments?pagelen=100"));
    let comments = numbered(&page, before.len() + 2);
    assert_eq!(comments, ds.pull_request_comments("acme", "web-app", id));
    assert_eq!(comments[..before.len()], before[..]);
    let new = &comments[before.len()];
    assert_eq!(new["id"], c1);
    assert_eq!(
        new["content"]["raw"],
        "New <comment> & more\n\nSecond paragraph"
    );
    assert_eq!(
        new["content"]["html"],
        "<p>New &lt;comment&gt; &amp; more</p>\n<p>Second paragraph</p>"
    );
    assert_eq!(new["created_on"], "2026-10-06T09:30:00.000000+00:00");
    assert_eq!(new["updated_on"], new["created_on"]);
    assert_eq!(new["user"], pr_before["author"]);
    assert_eq!(new["deleted"], false);
    assert_eq!(new["pullrequest"]["id"], id);
    assert_eq!(ids(&numbered(&get_ok(&comments_after_cut), 2)), [c1, c2]);
    let q = enc("updated_on >= 2026-10-06T10:00:00+00:00");
    assert_eq!(
        ids(&numbered(
            &get_ok(&format!("{base}/{id}/comments?q={q}")),
            1
        )),
        [c2]
    );

    // The pull request: comment_count and updated_on moved, BBQL sees it.
    let pr = get_ok(&format!("{base}/{id}"));
    assert_eq!(pr["comment_count"], before.len() + 2);
    assert_eq!(pr["updated_on"], "2026-10-06T10:00:00.000000+00:00");
    assert_eq!(pr["title"], pr_before["title"]);
    assert_eq!(
        ds.pull_request_comment_count("acme", "web-app", id),
        before.len() + 2
    );
    assert_eq!(ids(&numbered(&get_ok(&prs_after_cut), 1)), [id]);
    let q = enc(&format!("comment_count = {}", before.len() + 2));
    let matching = get_ok(&format!("{base}?pagelen=50&q={q}"));
    assert!(ids(matching["values"].as_array().unwrap()).contains(&id));

    // Activity: one comment item each, newest first.
    let activity = ds.pull_request_activity("acme", "web-app", id);
    assert_eq!(activity.len(), activity_before + 2);
    assert_eq!(activity[0]["comment"]["id"], c2);
    assert_eq!(activity[1]["comment"]["id"], c1);
    let (served, _) = collect_all(&format!("{base}/{id}/activity"));
    assert_eq!(served, activity);
    assert_eq!(
        ds.repository_activity_count("acme", "web-app"),
        total_before + 2
    );

    // A title update earlier than the comments leaves updated_on at the latest.
    fake.update_pull_request(
        "acme",
        "web-app",
        id,
        "2026-10-05T00:00:00+00:00",
        "Retitled",
    );
    let pr = get_ok(&format!("{base}/{id}"));
    assert_eq!(
        (pr["title"].as_str(), pr["updated_on"].as_str()),
        (Some("Retitled"), Some("2026-10-06T10:00:00.000000+00:00"))
    );
    let activity = ds.pull_request_activity("acme", "web-app", id);
    assert_eq!(activity[2]["update"]["title"], "Retitled");
}

#[test]
fn changes_survive_clone_and_are_checked() {
    let ds = Dataset::demo();
    ds.update_pull_request("acme", "infra", 3, "2026-10-05T12:00:00+00:00", "X");
    ds.add_pull_request_comment("acme", "infra", 4, "2026-10-05T12:00:00+00:00", "Y");
    let copy = ds.clone();
    assert_eq!(copy.pull_request("acme", "infra", 3).unwrap()["title"], "X");
    assert_eq!(
        copy.pull_request_comments("acme", "infra", 4)
            .last()
            .unwrap()["content"]["raw"],
        "Y"
    );
    // Served by a fake (links rebased), the changes are still there.
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: copy,
        ..FakeOptions::default()
    })
    .unwrap();
    let pr = get_ok(&format!(
        "{}/repositories/acme/infra/pullrequests/3",
        fake.base_url()
    ));
    assert_eq!(pr["title"], "X");
    assert!(pr["links"]["self"]["href"]
        .as_str()
        .unwrap()
        .starts_with(&fake.base_url()));

    // Panics (messages show in the output): too early, not an instant,
    // unknown pull request, unknown repository.
    for (repo, id, when) in [
        ("infra", 3, "2026-09-30T23:59:59Z"),
        ("infra", 3, "yesterday"),
        ("infra", 61, "2026-10-05T12:00:00Z"),
        ("nope", 1, "2026-10-05T12:00:00Z"),
    ] {
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ds.update_pull_request("acme", repo, id, when, "t")
        }));
        assert!(res.is_err(), "{repo} {id} {when}");
    }
}
