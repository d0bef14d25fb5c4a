//! End-to-end tests: start the server and talk raw HTTP/1.1 to it, one
//! module per object family (as in `families/`) or mechanism; the raw HTTP
//! client and the shared helpers are here.

use super::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod accounts;
mod changes;
mod commits;
mod dataset;
mod dc;
mod delivery;
mod faults;
mod fields;
mod keys;
mod pipelines;
mod pull_requests;
mod refs;
mod repositories;
mod retired;
mod server;
mod settings;
mod snippets;
mod source;
mod workspaces;

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One request on a fresh connection (`Connection: close`). `url` is absolute.
fn request(method: &str, url: &str, auth: Option<&str>) -> Resp {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let target = if target.is_empty() { "/" } else { target };
    let mut stream = TcpStream::connect(host).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(a) = auth {
        head.push_str(&format!("Authorization: {a}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();

    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut resp = Resp { status, headers, body: raw[split + 4..].to_vec() };
    if resp.header("Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        resp.body = dechunk(&resp.body);
    } else {
        let len: usize = resp.header("Content-Length").expect("Content-Length").parse().unwrap();
        assert_eq!(len, resp.body.len(), "Content-Length matches the body");
    }
    resp
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16).unwrap();
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
    assert_eq!(r.json(), json!({"type": "error", "error": {"message": message}}));
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
    url::Url::parse(url).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn start() -> FakeBitbucket {
    FakeBitbucket::start(FakeOptions::default()).unwrap()
}

fn states(values: &[Value]) -> BTreeSet<String> {
    values.iter().map(|v| v["state"].as_str().unwrap().to_string()).collect()
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
