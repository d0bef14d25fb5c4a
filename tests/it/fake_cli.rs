//! `connector-harness fake`: the fake Bitbucket (Cloud, or with
//! `--product data-center` Data Center) served on its own, as another
//! process drives it: its one JSON line, a report run against it, the
//! control endpoint, and its end when its stdin closes.

use host_harness::component;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A minimal HTTP/1.1 request over a TCP stream: status and body.
fn raw_request(origin: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let url = url::Url::parse(origin).unwrap();
    let mut stream = std::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// The pull requests of `acme/web-app` (and `extra` arguments) as JSON lines.
fn run_jsonl(config: &std::path::Path, extra: &[&str]) -> Vec<Value> {
    run_report(config, &[&["--param", "workspace=acme", "--param", "repository=web-app"], extra].concat())
}

/// `run pull-requests` with these arguments, as JSON lines.
fn run_report(config: &std::path::Path, args: &[&str]) -> Vec<Value> {
    let component = component::build().expect("the component builds");
    let out = Command::new(env!("CARGO_BIN_EXE_connector-harness"))
        .arg("--component")
        .arg(component)
        .args(["run", "pull-requests", "--config", config.to_str().unwrap(), "--quiet"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Waits for the child to end, at most `within`.
fn wait_for(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > within {
            let _ = child.kill();
            panic!("the fake did not stop within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `connector-harness fake` with `args` (stdin piped, unless `--no-stdin`),
/// and its stdout once its first line was read: that line.
fn start_fake(args: &[&str]) -> (Child, BufReader<std::process::ChildStdout>, String) {
    let stdin = if args.contains(&"--no-stdin") { Stdio::null() } else { Stdio::piped() };
    let mut child = Command::new(env!("CARGO_BIN_EXE_connector-harness"))
        .arg("fake")
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the harness starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    (child, stdout, line)
}

#[test]
fn a_standalone_fake_serves_reports_takes_changes_and_stops_when_stdin_closes() {
    let (mut child, mut stdout, line) = start_fake(&["--port", "0"]);
    let announced: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let base_url = announced["base_url"].as_str().unwrap();
    let origin = base_url.strip_suffix("/2.0").expect("the API under /2.0");
    assert!(origin.starts_with("http://127.0.0.1:"), "{origin}");
    assert_eq!(announced["config"]["endpoint"], base_url);
    assert_eq!(announced["config"]["auth"]["type"], "api-token");
    assert_eq!(announced.as_object().unwrap().len(), 2, "{announced}");

    let dir = std::env::temp_dir().join(format!("fake-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(&config, announced["config"].to_string()).unwrap();

    // The demo's data.
    let rows = run_jsonl(&config, &[]);
    assert_eq!(rows.len(), 60);
    let newest = rows.iter().filter_map(|r| r["updated_on"].as_str()).max().unwrap().to_string();
    let after = format!("changed-after={newest}");
    assert!(run_jsonl(&config, &["--param", &after]).is_empty(), "nothing changed yet");

    // The control endpoint: outside the API, no credentials needed.
    let (status, body) = raw_request(origin, "POST", "/_fake/pull-requests/acme/web-app/7", r#"{"title": "Touched"}"#);
    assert_eq!(status, 200, "{body}");
    let when = serde_json::from_str::<Value>(&body).unwrap()["updated_on"].as_str().unwrap().to_string();
    assert!(when.ends_with("+00:00") && when > newest, "{when} after {newest}");
    let (status, body) = raw_request(origin, "POST", "/_fake/pull-requests/acme/web-app/9", "");
    assert_eq!(status, 200, "no body: the title stays; {body}");
    for (method, path, body, expected) in [
        ("POST", "/_fake/pull-requests/acme/web-app/999", "", 404),
        ("POST", "/_fake/pull-requests/acme/nope/1", "", 404),
        ("POST", "/_fake/pull-requests/acme/web-app/1", "[1]", 400),
        ("POST", "/_fake/pull-requests/acme/web-app/1", r#"{"title": 5}"#, 400),
        ("GET", "/_fake/pull-requests/acme/web-app/1", "", 405),
        ("POST", "/_fake/commits/acme/web-app/1", "", 404),
        // Not under the API prefix.
        ("POST", "/2.0/_fake/pull-requests/acme/web-app/1", "", 401),
    ] {
        assert_eq!(raw_request(origin, method, path, body).0, expected, "{method} {path} {body}");
    }

    // The changes, in a changed-after run.
    let changed = run_jsonl(&config, &["--param", &after]);
    let ids: Vec<i64> = changed.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [7, 9]);
    assert_eq!(changed[0]["title"], "Touched");
    assert_eq!(changed[0]["updated_on"], when.as_str());
    let before = rows.iter().find(|r| r["id"] == 9).unwrap();
    assert_eq!(changed[1]["title"], before["title"]);

    // Closing stdin stops it.
    drop(child.stdin.take());
    let status = wait_for(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.is_empty(), "one line only on stdout; then {rest:?}");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("fake Bitbucket at http://127.0.0.1:"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_standalone_fake_data_center_serves_reports_and_takes_changes() {
    let (mut child, _stdout, line) = start_fake(&["--port", "0", "--product", "data-center"]);
    let announced: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let base_url = announced["base_url"].as_str().unwrap();
    let origin = base_url.strip_suffix("/bitbucket").expect("under the context path /bitbucket");
    assert_eq!(announced["config"]["product"], "data-center");
    assert_eq!(announced["config"]["endpoint"], base_url);
    assert_eq!(announced["config"]["auth"]["type"], "bearer");

    let dir = std::env::temp_dir().join(format!("fake-cli-dc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(&config, announced["config"].to_string()).unwrap();
    let repo = ["--param", "project=PRJ", "--param", "repository=web-app"];
    let rows = run_report(&config, &repo);
    assert!(rows.len() > 3, "{rows:?}");
    let newest = rows.iter().filter_map(|r| r["updated_on"].as_str()).max().unwrap().to_string();
    let after = format!("changed-after={newest}");
    assert!(run_report(&config, &[&repo[..], &["--param", &after]].concat()).is_empty(), "nothing changed yet");

    let (status, body) = raw_request(origin, "POST", "/_fake/dc/pull-requests/PRJ/web-app/3", r#"{"title": "Touched"}"#);
    assert_eq!(status, 200, "{body}");
    assert!(serde_json::from_str::<Value>(&body).unwrap()["updatedDate"].is_i64(), "{body}");
    let changed = run_report(&config, &[&repo[..], &["--param", &after]].concat());
    let got: Vec<(&Value, &Value)> = changed.iter().map(|r| (&r["id"], &r["title"])).collect();
    assert_eq!(got, [(&serde_json::json!(3), &serde_json::json!("Touched"))]);

    drop(child.stdin.take());
    assert!(wait_for(&mut child, Duration::from_secs(10)).success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_fake_stops_on_sigterm() {
    let (mut child, _stdout, line) = start_fake(&["--no-stdin"]);
    assert!(line.starts_with("{\"base_url\""), "{line}");
    // A null stdin has ended already: it is still serving.
    std::thread::sleep(Duration::from_millis(200));
    assert!(child.try_wait().unwrap().is_none(), "--no-stdin ignores stdin");
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = wait_for(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status}");
}

#[test]
fn control_requests_stay_out_of_the_request_log() {
    let fake = fake_bitbucket::FakeBitbucket::start(fake_bitbucket::FakeOptions { control: true, ..Default::default() }).unwrap();
    let (status, _) = raw_request(&fake.origin(), "POST", "/_fake/pull-requests/acme/infra/3", r#"{"title": "x"}"#);
    assert_eq!(status, 200);
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    assert_eq!(fake.dataset().pull_request("acme", "infra", 3).unwrap()["title"], "x");
    // Without the option there is no control endpoint.
    let plain = fake_bitbucket::FakeBitbucket::start(fake_bitbucket::FakeOptions::default()).unwrap();
    let (status, _) = raw_request(&plain.origin(), "POST", "/_fake/pull-requests/acme/infra/3", "");
    assert_ne!(status, 200);
}
