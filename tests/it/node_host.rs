//! A second, independent host: the same component transpiled by jco and run
//! under Node.js, with wasi:http (and the rest of WASI) from
//! `@bytecodealliance/preview2-shim`, against the fake Bitbucket. Its rows
//! must equal the wasmtime host's (on Bitbucket Data Center too), and typed
//! errors must surface as codes.
//! The Node side is `tests/node/run-report.mjs`, which says what it prints.
//!
//! Needs `node` (20 or later) and `npm` on PATH: without them these tests
//! fail (they do not skip). The npm packages are installed in `tests/node`
//! only when `node_modules` is missing or `package.json`/`package-lock.json`
//! changed (`npm ci`, or `npm install --no-save` of the same locked versions
//! when `npm ci` refuses the lock, see below), and `jco transpile` runs only
//! when the component, the lock file or the flags changed; its output goes
//! to `target/jco/`.
//!
//! `NODE_HOST_NO_SHIM_FIXES=1` runs the Node host without its fix for a
//! preview2-shim bug (see `run-report.mjs`):
//! `a_truncated_body_is_retried_under_node` then fails with the trap.

use crate::common::*;
use fake_bitbucket::{Dataset, DatasetSpec, FakeBitbucket, FakeOptions, Fault, FaultRule, OAuthClient, RecordedRequest};
use host_harness::output::row_to_json;

use host_harness::{component, Cell};
use serde_json::{json, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `jco transpile` flags. `--instantiation async` makes the output a
/// self-contained module exporting `instantiate(getCoreModule, imports)`,
/// so it can live under `target/` (it imports no npm package itself) and
/// `run-report.mjs` hands it the WASI imports from preview2-shim's
/// `WASIShim`, sandboxed like the wasmtime host (no environment, no args).
const JCO_FLAGS: &[&str] = &["--instantiation", "async", "--no-typescript", "--quiet"];

/// The transpiled component's entry module.
const TRANSPILED_JS: &str = "bitbucket_connector.js";

fn node_dir() -> PathBuf {
    component::workspace_dir().join("tests/node")
}

fn jco_out_dir() -> PathBuf {
    component::workspace_dir().join("target/jco")
}

/// FNV-1a over several byte strings: a cache key, not a security boundary.
fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// `tool --version`, or a failure that says what to install.
fn tool_version(tool: &str) -> String {
    let output = Command::new(tool).arg("--version").stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!(
            "`{tool}` is not available ({e}): the Node.js host test needs Node.js 20 or later \
                 and npm on PATH (CI has them); install them, e.g. `apt-get install nodejs npm`"
        )
    });
    assert!(output.status.success(), "`{tool} --version` failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Installs the npm packages (when needed) and transpiles the component
/// (when needed), once per test binary. Returns the transpiled entry module.
fn transpiled() -> &'static Path {
    static MODULE: OnceLock<PathBuf> = OnceLock::new();
    MODULE.get_or_init(|| {
        let node = tool_version("node");
        let major: u32 = node.trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
        assert!(major >= 20, "Node.js {node} is too old: the Node.js host test needs 20 or later");
        tool_version("npm");

        let dir = node_dir();
        let lock = read(&dir.join("package-lock.json"));
        let packages = fingerprint(&[&read(&dir.join("package.json")), &lock]);
        let stamp = dir.join("node_modules/.installed-from");
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(packages.as_str()) {
            let started = Instant::now();
            let ci = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("`npm ci` could not start: {e}"));
            if !ci.status.success() {
                // `npm ci` refuses a lock file that lacks an optional
                // dependency the registry cannot resolve (here: rolldown's
                // and jco's native bindings for other platforms, absent
                // from the registry mirror, so `npm install` could not
                // record them). `npm install --no-save` installs the same
                // locked versions, checked against the lock's integrity
                // hashes, and leaves the lock file untouched.
                eprintln!(
                    "node host: `npm ci` failed, installing the locked versions with \
                     `npm install --no-save`:\n{}",
                    String::from_utf8_lossy(&ci.stderr)
                        .lines()
                        .filter(|l| l.contains("Missing:") || l.contains("code "))
                        .take(3)
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                run_checked(
                    Command::new("npm")
                        .args(["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error"])
                        .current_dir(&dir),
                    "`npm install --no-save` in tests/node",
                );
            }
            std::fs::write(&stamp, &packages).expect("writing the npm stamp");
            eprintln!("node host: installing the npm packages took {:.1?}", started.elapsed());
        }

        let wasm = component::build().expect("the component builds");
        let flags = JCO_FLAGS.join(" ");
        let key = fingerprint(&[&read(&wasm), &lock, flags.as_bytes()]);
        let out = jco_out_dir();
        let stamp = out.join(".transpiled-from");
        let module = out.join(TRANSPILED_JS);
        if !module.is_file() || std::fs::read_to_string(&stamp).ok().as_deref() != Some(&key) {
            let started = Instant::now();
            let _ = std::fs::remove_dir_all(&out);
            let mut jco = Command::new("npx");
            jco.args(["--no", "jco", "transpile"]).arg(&wasm).arg("-o").arg(&out).args(JCO_FLAGS).current_dir(&dir);
            run_checked(&mut jco, "`npx jco transpile`");
            std::fs::write(&stamp, &key).expect("writing the transpile stamp");
            eprintln!("node host: jco transpile took {:.1?}", started.elapsed());
        }
        assert!(module.is_file(), "jco wrote no {}", module.display());
        module
    })
}

/// What `run-report.mjs` printed.
#[derive(Debug)]
struct NodeRun {
    /// The size of the catalog `list-reports` returned.
    reports: usize,
    /// The report's column names, from the catalog under Node.
    columns: Vec<String>,
    /// Rows as JSON objects keyed by column name, like `crate::common::run`.
    rows: Vec<Value>,
    batches: usize,
    /// `rotated-refresh-token()` after the run.
    rotated_refresh_token: Option<String>,
    /// The most requests the fake had in flight at once during the Node run
    /// (set by `same_under_both_hosts`; 0 without latency).
    in_flight: usize,
}

/// A connector error as the Node host reported it.
#[derive(Debug)]
struct NodeError {
    code: String,
    http_status: Option<u64>,
    /// The last stderr line, `<code>: <message>`.
    line: String,
}

fn run_node(config: &str, report_id: &str, pairs: &[(&str, &str)]) -> Output {
    let module = transpiled();
    let mut command = Command::new("node");
    command
        .arg(node_dir().join("run-report.mjs"))
        .arg(module)
        .arg(report_id)
        .args(pairs.iter().map(|(k, v)| format!("{k}={v}")))
        .current_dir(node_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("node starts");
    child.stdin.take().unwrap().write_all(config.as_bytes()).expect("the config goes to node's stdin");
    child.wait_with_output().expect("node runs")
}

fn show(output: &Output) -> String {
    format!(
        "exit {}\nstderr:\n{}\nstdout (start):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout).chars().take(2_000).collect::<String>()
    )
}

fn cell(value: &Value) -> Cell {
    let text = || value["val"].as_str().expect("a text cell").to_string();
    match value["tag"].as_str().expect("a cell has a tag") {
        "null" => Cell::Null,
        "boolean" => Cell::Boolean(value["val"].as_bool().expect("a boolean cell")),
        "integer" => Cell::Integer(text().parse().expect("an s64 cell")),
        "float" => Cell::Float(value["val"].as_f64().unwrap_or(f64::NAN)),
        "text" => Cell::Text(text()),
        "timestamp" => Cell::Timestamp(text()),
        "json" => Cell::Json(text()),
        other => panic!("unknown cell tag {other}"),
    }
}

/// Runs a report under Node: its rows, or the connector error it reported.
fn node(config: &str, report_id: &str, pairs: &[(&str, &str)]) -> Result<NodeRun, NodeError> {
    let output = run_node(config, report_id, pairs);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(1) => {
            let lines: Vec<&str> = stderr.lines().collect();
            let line = lines.last().copied().unwrap_or_default().to_string();
            let details: Value = lines
                .len()
                .checked_sub(2)
                .and_then(|i| serde_json::from_str(lines[i]).ok())
                .unwrap_or_else(|| panic!("no error details from node:\n{}", show(&output)));
            return Err(NodeError {
                code: details["code"].as_str().unwrap().to_string(),
                http_status: details["httpStatus"].as_u64(),
                line,
            });
        }
        _ => panic!("the Node host failed:\n{}", show(&output)),
    }
    let columns_info = report(report_id).columns;
    let mut run =
        NodeRun { reports: 0, columns: Vec::new(), rows: Vec::new(), batches: 0, rotated_refresh_token: None, in_flight: 0 };
    let mut done = false;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let value: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("node printed a line that is not JSON ({e}): {line}"));
        if let Some(cells) = value.get("row") {
            let cells: Vec<Cell> = cells.as_array().unwrap().iter().map(cell).collect();
            run.rows.push(row_to_json(&columns_info, &cells));
        } else if let Some(summary) = value.get("done") {
            assert_eq!(summary["rows"].as_u64(), Some(run.rows.len() as u64));
            run.batches = summary["batches"].as_u64().unwrap() as usize;
            run.rotated_refresh_token = summary["rotatedRefreshToken"].as_str().map(str::to_string);
            done = true;
        } else {
            run.reports = value["reports"].as_u64().unwrap() as usize;
            run.columns = serde_json::from_value(value["columns"].clone()).unwrap();
        }
    }
    assert!(done, "node did not finish the run:\n{}", show(&output));
    Ok(run)
}

fn run_wasmtime(config: &str, report_id: &str, pairs: &[(&str, &str)]) -> Vec<Value> {
    run(config, report_id, pairs).expect("the wasmtime host runs it")
}

/// The requests a run made, in a comparable order: method, path, query.
fn targets(requests: &[RecordedRequest]) -> Vec<String> {
    let mut targets: Vec<String> =
        requests.iter().map(|r| format!("{} {} {:?} -> {}", r.method, r.path, r.query, r.status)).collect();
    targets.sort();
    targets
}

/// Runs the report under Node, then under wasmtime against the same fake,
/// and checks both hosts got the same rows from the same requests.
fn same_under_both_hosts(fake: &FakeBitbucket, config: &str, report_id: &str, pairs: &[(&str, &str)]) -> NodeRun {
    fake.clear_requests();
    let started = Instant::now();
    let mut node_run = node(config, report_id, pairs).unwrap_or_else(|e| panic!("{report_id} under Node: {}", e.line));
    let node_time = started.elapsed();
    let node_requests = fake.requests();
    node_run.in_flight = fake.max_in_flight();

    fake.clear_requests();
    let started = Instant::now();
    let wasmtime_rows = run_wasmtime(config, report_id, pairs);
    let wasmtime_time = started.elapsed();
    let wasmtime_requests = fake.requests();
    eprintln!(
        "{report_id}: node {node_time:.1?} ({} requests, {} in flight at most, \
         {} batches), wasmtime {wasmtime_time:.1?} ({} requests, {} in flight at most)",
        node_requests.len(),
        node_run.in_flight,
        node_run.batches,
        wasmtime_requests.len(),
        fake.max_in_flight()
    );

    let catalog = host().list_reports().unwrap();
    assert_eq!(node_run.reports, catalog.len(), "the same catalog under Node");
    let columns: Vec<String> = report(report_id).columns.into_iter().map(|c| c.name).collect();
    assert_eq!(node_run.columns, columns, "the same columns under Node");
    assert!(!node_run.rows.is_empty(), "{report_id} has rows");
    assert_eq!(node_run.rows.len(), wasmtime_rows.len(), "as many rows under both hosts");
    for (i, (a, b)) in node_run.rows.iter().zip(&wasmtime_rows).enumerate() {
        assert_eq!(a, b, "row {i} of {report_id}: Node (left) and wasmtime (right) differ");
    }

    assert!(!node_requests.is_empty(), "the fake saw Node's requests");
    let expected_auth = fake.credentials().basic_header();
    for request in &node_requests {
        assert_eq!(request.method, "GET");
        assert_eq!(request.status, 200, "{request:?}");
        assert_eq!(request.authorization.as_deref(), Some(expected_auth.as_str()), "Node sent the credentials");
    }
    assert_eq!(targets(&node_requests), targets(&wasmtime_requests), "both hosts made the same requests");
    node_run
}

#[test]
fn repositories_are_the_same_under_node_and_wasmtime() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let run = same_under_both_hosts(&fake, &config, "repositories", &[("workspace", "acme")]);
    assert_eq!(run.rows.len(), fake.dataset().repositories("acme").len());
    for request in fake.requests() {
        assert!(request.path.ends_with("/repositories/acme"), "{request:?}");
    }
}

#[test]
fn pull_requests_are_the_same_under_node_and_wasmtime() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let params = [("workspace", "acme"), ("repository", "web-app")];
    let run = same_under_both_hosts(&fake, &config, "pull-requests", &params);
    let ids: Vec<i64> = run.rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in ascending id order: {ids:?}");
    for request in fake.requests() {
        assert!(request.path.ends_with("/repositories/acme/web-app/pullrequests"), "{request:?}");
    }
}

/// Pages fetched side by side: the component sends up to `concurrency`
/// requests through wasi:http `outgoing-handler.handle` and waits on all
/// their pollables with one `wasi:io/poll.poll`; preview2-shim runs them
/// concurrently on its I/O worker, so the fake sees them overlap.
#[test]
fn pages_fetched_side_by_side_overlap_under_node() {
    let fake = start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { repos_per_workspace: 1, pull_requests_per_repo: 400, ..DatasetSpec::demo() }),
        // Long enough that requests sent one after the other in a round are
        // seen together, whatever the shim's per-call overhead.
        latency: Duration::from_millis(100),
        ..FakeOptions::default()
    });
    let mut config: Value = serde_json::from_str(&config(&fake)).unwrap();
    config["concurrency"] = json!(4);
    let config = config.to_string();
    let params = [("workspace", "acme"), ("repository", "web-app")];
    let run = same_under_both_hosts(&fake, &config, "pull-requests", &params);
    assert!(run.rows.len() > 50, "more than one page: {}", run.rows.len());
    assert!((2..=4).contains(&run.in_flight), "{} requests in flight at once under Node", run.in_flight);
}

/// A body cut off mid-way is retried under Node as under wasmtime. Without
/// `run-report.mjs`'s fix for preview2-shim's `http-error-code`, this run
/// traps instead (see there).
#[test]
fn a_truncated_body_is_retried_under_node() {
    let fake = start(FakeOptions {
        faults: vec![FaultRule { fault: Fault::TruncatedBody, path_contains: None, attempts: 1 }],
        ..FakeOptions::default()
    });
    let params = [("workspace", "acme")];
    let run = node(&config(&fake), "repositories", &params).unwrap_or_else(|e| panic!("under Node: {}", e.line));
    let statuses: Vec<(u16, Option<String>)> = fake.requests().into_iter().map(|r| (r.status, r.fault)).collect();
    assert_eq!(statuses, [(0, Some("truncated-body".to_string())), (200, None)], "one truncated answer, then a retry");
    let healthy = start(FakeOptions::default());
    let expected = run_wasmtime(&config(&healthy), "repositories", &params);
    assert_eq!(run.rows, expected);
}

/// OAuth under Node: a POST with a form body to the token endpoint (the
/// refresh-token grant after a 401), then the new bearer token, and the
/// rotated refresh token handed back.
#[test]
fn oauth_refresh_works_under_node() {
    let fake = start(FakeOptions {
        oauth: Some(OAuthClient {
            client_id: "consumer-key".into(),
            client_secret: "consumer-secret".into(),
            refresh_token: "refresh-0".into(),
        }),
        ..FakeOptions::default()
    });
    let config = json!({
        "endpoint": fake.base_url(),
        "auth": {
            "type": "oauth",
            "client_id": "consumer-key",
            "client_secret": "consumer-secret",
            "token_url": format!("{}/site/oauth2/access_token", fake.origin()),
            "access_token": "expired",
            "refresh_token": "refresh-0",
        },
    })
    .to_string();
    let params = [("workspace", "acme"), ("repository", "web-app")];
    let run = node(&config, "commits", &params).unwrap_or_else(|e| panic!("under Node: {}", e.line));
    assert_eq!(run.rows.len(), fake.dataset().commits("acme", "web-app").len());
    assert_eq!(run.rotated_refresh_token.as_deref(), Some("oauth-refresh-1"));
    let requests = fake.requests();
    assert_eq!((requests[0].status, requests[0].authorization.as_deref()), (401, Some("Bearer expired")));
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str(), requests[1].status),
        ("POST", "/site/oauth2/access_token", 200)
    );
    assert!(requests[2..].iter().all(|r| r.authorization.as_deref() == Some("Bearer oauth-access-1") && r.status == 200));
}

#[test]
fn an_unknown_report_is_unknown_report_under_node() {
    let fake = start(FakeOptions::default());
    let error = node(&config(&fake), "no-such-report", &[]).expect_err("no such report");
    let expected = connector_error(run(&config(&fake), "no-such-report", &[]));
    assert_eq!(error.code, "unknown-report", "{}", error.line);
    assert_eq!(error.code, expected.code.name());
    assert!(error.line.starts_with("unknown-report: "), "{}", error.line);
    assert!(fake.requests().is_empty(), "no request for an unknown report");
}

#[test]
fn bad_credentials_are_unauthorized_under_node() {
    let fake = start(FakeOptions::default());
    let config = json!({
        "endpoint": fake.base_url(),
        "auth": {"type": "api-token", "email": fake.credentials().email, "token": "not-the-token"},
    })
    .to_string();
    let error = node(&config, "repositories", &[("workspace", "acme")]).expect_err("a 401");
    assert_eq!(error.code, "unauthorized", "{}", error.line);
    assert_eq!(error.http_status, Some(401));
    assert!(!error.line.contains("not-the-token"), "no secret in the error: {}", error.line);
    let requests = fake.requests();
    assert!(!requests.is_empty(), "the fake saw the request");
    assert!(requests.iter().all(|r| r.status == 401), "{requests:?}");
}

#[test]
fn a_data_center_report_is_the_same_under_node_and_wasmtime() {
    let fake = fake_bitbucket::FakeDataCenter::start(fake_bitbucket::DcOptions::default()).expect("the fake Data Center starts");
    let c = fake.credentials();
    let auth = json!({"type": "basic", "username": c.username, "password": c.password});
    let config = json!({"product": "data-center", "endpoint": fake.base_url(), "auth": auth}).to_string();
    let pairs = [("project", "PRJ"), ("repository", "web-app")];
    let node_run =
        node(&config, "pull-requests", &pairs).unwrap_or_else(|e| panic!("pull-requests on Data Center under Node: {}", e.line));
    let node_requests = fake.requests().len();
    assert_eq!(node_run.rows.len(), fake.dataset().pull_requests("PRJ", "web-app").len());
    assert_eq!(node_run.rows, run_wasmtime(&config, "pull-requests", &pairs), "Node (left) and wasmtime (right) differ");
    assert_eq!(fake.requests().len(), 2 * node_requests, "both hosts made as many requests");
    assert!(fake.requests().iter().all(|r| r.status == 200 && r.path.ends_with("/repos/web-app/pull-requests")));
}
