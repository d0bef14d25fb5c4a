//! The Singer tap `tap-bitbucket` with real Singer tools from PyPI, against
//! the fake Bitbucket: discovery, target-jsonl and meltanolabs-target-csv
//! loading the tap's output, bookmarks, a failing partition, and a
//! `meltano run` of `tests/meltano` with the tap as a custom extractor,
//! run three times (everything, nothing, the one pull request changed).
//!
//! The tools are installed by the tests into virtual environments under
//! `target/` ([`TARGET_JSONL`], [`TARGET_CSV`], [`MELTANO`]; about 25 s
//! each the first time, reused while their stamps match). `meltano install`
//! installs the project's target-jsonl from PyPI into the project copy.

use crate::common::{host, python_venv, run_checked, start};
use fake_bitbucket::{FakeBitbucket, FakeOptions, Fault, FaultRule};
use host_harness::component;
use host_harness::output::table_name;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const TAP: &str = env!("CARGO_BIN_EXE_tap-bitbucket");
const TARGET_JSONL: &[&str] = &["target-jsonl==0.1.4"];
const TARGET_CSV: &[&str] = &["meltanolabs-target-csv==0.5.0"];
const MELTANO: &[&str] = &["meltano==4.4.1"];

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tap-bitbucket-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The tap's config for `fake`: the connector's configuration plus the
/// tap's `workspace` and `component`, and `extra` keys.
fn tap_config(fake: &FakeBitbucket, dir: &Path, extra: Value) -> PathBuf {
    let c = fake.credentials();
    let mut config = json!({
        "endpoint": fake.base_url(),
        "auth": {"type": "api-token", "email": c.email, "token": c.api_token},
        "workspace": "acme",
        "component": component::build().expect("the component builds"),
    });
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    let path = dir.join("tap.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

fn tap(args: &[&str]) -> Output {
    Command::new(TAP).args(args).stdin(Stdio::null()).output().expect("the tap runs")
}

/// A sync of the streams `catalog` selects, resumed from `state` if given.
fn sync(config: &Path, catalog: &Path, state: Option<&Path>) -> Output {
    let mut args = vec!["--config", config.to_str().unwrap(), "--catalog", catalog.to_str().unwrap()];
    if let Some(state) = state {
        args.extend(["--state", state.to_str().unwrap()]);
    }
    tap(&args)
}

fn discover(config: &Path) -> Value {
    let out = tap(&["--config", config.to_str().unwrap(), "--discover"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `catalog` with these streams selected (and these of their properties
/// deselected), written next to the config.
fn select(catalog: &Value, streams: &[&str], deselected: &[(&str, &str)], dir: &Path) -> PathBuf {
    let mut catalog = catalog.clone();
    for stream in catalog["streams"].as_array_mut().unwrap() {
        let name = stream["tap_stream_id"].as_str().unwrap().to_string();
        for entry in stream["metadata"].as_array_mut().unwrap() {
            let crumb: Vec<&str> = entry["breadcrumb"].as_array().unwrap().iter().map(|b| b.as_str().unwrap()).collect();
            match crumb[..] {
                [] if streams.contains(&name.as_str()) => entry["metadata"]["selected"] = json!(true),
                ["properties", p] if deselected.contains(&(name.as_str(), p)) => entry["metadata"]["selected"] = json!(false),
                _ => {}
            }
        }
    }
    let path = dir.join("catalog.json");
    std::fs::write(&path, catalog.to_string()).unwrap();
    path
}

/// The Singer messages of a tap run.
fn messages(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout).lines().map(|l| serde_json::from_str(l).expect("one JSON message a line")).collect()
}

fn records<'m>(messages: &'m [Value], stream: &str) -> Vec<&'m Value> {
    messages.iter().filter(|m| m["type"] == "RECORD" && m["stream"] == stream).map(|m| &m["record"]).collect()
}

fn last_state(messages: &[Value]) -> Value {
    messages.iter().rev().find(|m| m["type"] == "STATE").expect("a STATE message")["value"].clone()
}

/// Pull requests and commits of every repository of `acme`, from the
/// fake's dataset.
fn dataset_rows(fake: &FakeBitbucket) -> (BTreeMap<String, Vec<Value>>, BTreeMap<String, Vec<Value>>) {
    let ds = fake.dataset();
    let slugs: Vec<String> = ds.repositories("acme").iter().map(|r| r["slug"].as_str().unwrap().to_string()).collect();
    let prs = slugs.iter().map(|s| (s.clone(), ds.pull_requests("acme", s))).collect();
    let commits = slugs.iter().map(|s| (s.clone(), ds.commits("acme", s))).collect();
    (prs, commits)
}

/// The newest `field` of `objects`: the checkpoint a complete run leaves.
fn newest(objects: &[Value], field: &str) -> String {
    objects.iter().filter_map(|o| o[field].as_str()).max().expect("dated objects").to_string()
}

#[test]
fn discovery_gives_each_runnable_report_with_its_keys_replication_and_json_schema() {
    let fake = start(FakeOptions::default());
    let dir = scratch("discover");
    let catalog = discover(&tap_config(&fake, &dir, json!({})));
    let streams = catalog["streams"].as_array().unwrap();
    // Every available report that needs no parameter but `workspace`.
    let expected: Vec<String> = host()
        .list_reports()
        .unwrap()
        .iter()
        .filter(|r| matches!(r.status, host_harness::ReportStatus::Available))
        .filter(|r| {
            let on_cloud = r.params.iter().filter(|p| p.products.contains(&host_harness::Product::Cloud));
            on_cloud.into_iter().all(|p| !p.required || p.name == "workspace")
        })
        .map(|r| table_name(&r.id))
        .collect();
    let names: Vec<&str> = streams.iter().map(|s| s["tap_stream_id"].as_str().unwrap()).collect();
    assert_eq!(names, expected);
    assert!(names.len() > 50, "{names:?}");

    let stream = |name: &str| streams.iter().find(|s| s["stream"] == name).unwrap_or_else(|| panic!("no stream {name}"));
    let prs = stream("pull_requests");
    assert_eq!(prs["key_properties"], json!(["repository", "id"]));
    assert_eq!(prs["replication_method"], "INCREMENTAL");
    assert_eq!(prs["replication_key"], "updated_on");
    assert_eq!(
        prs["metadata"][0],
        json!({"breadcrumb": [], "metadata": {"inclusion": "available", "table-key-properties": ["repository", "id"],
            "forced-replication-method": "INCREMENTAL", "valid-replication-keys": ["updated_on"]}})
    );
    let inclusion = |s: &Value, p: &str| {
        let m = s["metadata"].as_array().unwrap().iter().find(|m| m["breadcrumb"] == json!(["properties", p])).unwrap();
        m["metadata"]["inclusion"].as_str().unwrap().to_string()
    };
    assert_eq!(inclusion(prs, "id"), "automatic");
    assert_eq!(inclusion(prs, "updated_on"), "automatic");
    assert_eq!(inclusion(prs, "title"), "available");
    let props = &prs["schema"]["properties"];
    assert_eq!(props["id"]["type"], json!(["integer"]));
    assert_eq!(props["title"]["type"], json!(["string", "null"]));
    assert_eq!(props["close_source_branch"]["type"], json!(["boolean", "null"]));
    assert_eq!(props["updated_on"]["type"], json!(["string", "null"]));
    assert_eq!(props["updated_on"]["format"], "date-time");
    assert_eq!(stream("commits")["schema"]["properties"]["parents"]["type"], json!(["array", "object", "null"]));
    let keys = stream("deploy_keys");
    assert_eq!(keys["replication_method"], "FULL_TABLE");
    assert!(keys.get("replication_key").is_none(), "{keys}");

    // No workspace: a clear error, and nothing on stdout.
    let bare = dir.join("bare.json");
    std::fs::write(&bare, json!({"endpoint": fake.base_url(), "auth": {"type": "bearer", "token": "t"}}).to_string()).unwrap();
    let out = tap(&["--config", bare.to_str().unwrap(), "--discover"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "harness-error: the tap's config needs `workspace`: the workspace whose data the streams read (on Data Center: `project`, a project key)\n"
    );
}

#[test]
fn target_jsonl_and_target_csv_load_every_selected_row_and_a_resumed_sync_sends_none() {
    let fake = start(FakeOptions::default());
    let dir = scratch("targets");
    let config = tap_config(&fake, &dir, json!({}));
    let catalog = select(&discover(&config), &["pull_requests", "commits"], &[("pull_requests", "description")], &dir);
    let out = sync(&config, &catalog, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sent = messages(&out.stdout);
    let (prs, commits) = dataset_rows(&fake);
    let pr_count: usize = prs.values().map(Vec::len).sum();
    let commit_count: usize = commits.values().map(Vec::len).sum();
    assert_eq!(records(&sent, "pull_requests").len(), pr_count);
    assert_eq!(records(&sent, "commits").len(), commit_count);
    let first = records(&sent, "pull_requests")[0];
    let expected = &prs["web-app"][0];
    assert_eq!((&first["repository"], &first["id"], &first["title"]), (&json!("web-app"), &expected["id"], &expected["title"]));
    assert!(first.get("description").is_none(), "deselected: {first}");
    // One STATE per partition (repository) of each stream, after its rows;
    // the bookmarks are each repository's newest change.
    let bookmarks = |objects: &BTreeMap<String, Vec<Value>>, field| {
        objects.iter().map(|(slug, o)| (format!("acme/{slug}"), json!(newest(o, field)))).collect::<serde_json::Map<_, _>>()
    };
    let state = last_state(&sent);
    assert_eq!(
        state,
        json!({"bookmarks": {"pull_requests": bookmarks(&prs, "updated_on"), "commits": bookmarks(&commits, "date")}})
    );
    assert_eq!(sent.iter().filter(|m| m["type"] == "STATE").count(), prs.len() + commits.len());

    // target-jsonl: one file per stream, every record.
    let jsonl = python_venv("singer-jsonl-venv", TARGET_JSONL);
    let folder = dir.join("jsonl");
    std::fs::create_dir_all(&folder).unwrap();
    let target_config = dir.join("target-jsonl.json");
    std::fs::write(&target_config, json!({"destination_path": folder, "do_timestamp_file": false}).to_string()).unwrap();
    let emitted = pipe(&out.stdout, Command::new(jsonl.with_file_name("target-jsonl")).arg("--config").arg(&target_config));
    assert_eq!(serde_json::from_str::<Value>(emitted.lines().last().unwrap()).unwrap(), state, "the target echoes the state");
    let loaded = |stream: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(folder.join(format!("{stream}.jsonl"))).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    assert_eq!(loaded("pull_requests").len(), pr_count);
    assert_eq!(loaded("commits").len(), commit_count);
    let hashes = |parents: &Value| parents.as_array().unwrap().iter().map(|p| p["hash"].clone()).collect::<Vec<_>>();
    assert_eq!(hashes(&loaded("commits")[0]["parents"]), hashes(&commits["web-app"][0]["parents"]));

    // meltanolabs-target-csv: a CSV per stream with the selected columns.
    let csv = python_venv("singer-csv-venv", TARGET_CSV);
    let folder = dir.join("csv");
    std::fs::create_dir_all(&folder).unwrap();
    let target_config = dir.join("target-csv.json");
    std::fs::write(&target_config, json!({"output_path": folder}).to_string()).unwrap();
    pipe(&out.stdout, Command::new(csv.with_file_name("target-csv")).arg("--config").arg(&target_config));
    let count = run_checked(
        Command::new(&csv).arg("-c").arg(
            "import csv, sys, json\n\
             rows = {s: list(csv.DictReader(open(f'{sys.argv[1]}/{s}.csv', newline=''))) for s in ('pull_requests', 'commits')}\n\
             print(json.dumps({s: [len(r), list(r[0].keys()), r[0]['title'] if s == 'pull_requests' else r[0]['hash']] for s, r in rows.items()}))",
        ).arg(&folder),
        "reading the CSV files back",
    );
    let pr_columns: Vec<String> =
        crate::common::report("pull-requests").columns.into_iter().map(|c| c.name).filter(|c| c != "description").collect();
    let commit_columns: Vec<String> = crate::common::report("commits").columns.into_iter().map(|c| c.name).collect();
    assert_eq!(
        serde_json::from_str::<Value>(&count).unwrap(),
        json!({"pull_requests": [pr_count, pr_columns, expected["title"]], "commits": [commit_count, commit_columns, commits["web-app"][0]["hash"]]})
    );

    // Resumed from that state, nothing changed: no record, the same state.
    let state_file = dir.join("state.json");
    std::fs::write(&state_file, state.to_string()).unwrap();
    let again = sync(&config, &catalog, Some(&state_file));
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let resent = messages(&again.stdout);
    assert_eq!(resent.iter().filter(|m| m["type"] == "RECORD").count(), 0);
    assert_eq!(last_state(&resent), state);
}

/// Runs `target` with `input` on stdin; its stdout (the states it echoes).
fn pipe(input: &[u8], target: &mut Command) -> String {
    use std::io::Write;
    let mut child =
        target.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the target starts");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_failing_partition_keeps_its_bookmark_and_the_others_move() {
    let fake = start(FakeOptions {
        faults: vec![FaultRule {
            fault: Fault::HtmlNotFound,
            path_contains: Some("/acme/infra/pullrequests".into()),
            attempts: usize::MAX,
        }],
        ..FakeOptions::default()
    });
    let dir = scratch("failing");
    let config = tap_config(&fake, &dir, json!({}));
    let catalog = select(&discover(&config), &["pull_requests"], &[], &dir);
    let state_file = dir.join("state.json");
    let old = json!({"bookmarks": {"pull_requests": {"acme/infra": "2020-01-01T00:00:00+00:00"}}});
    std::fs::write(&state_file, old.to_string()).unwrap();
    let out = sync(&config, &catalog, Some(&state_file));
    assert_eq!(out.status.code(), Some(1));
    let (prs, _) = dataset_rows(&fake);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    for (line, slug) in lines.iter().zip(["web-app", "api-service"]) {
        // 50 pull requests a page.
        let expected = format!(
            "tap-bitbucket: pull_requests acme/{slug}: {} rows from {} requests",
            prs[slug].len(),
            prs[slug].len().div_ceil(50)
        );
        assert_eq!(*line, expected);
    }
    assert!(lines[2].starts_with("not-found: "), "{stderr}");
    assert!(lines[3].starts_with("what to do: Check the workspace (or Data Center project) and repository slugs"), "{stderr}");
    let sent = messages(&out.stdout);
    assert_eq!(records(&sent, "pull_requests").len(), prs["web-app"].len() + prs["api-service"].len());
    assert_eq!(
        last_state(&sent),
        json!({"bookmarks": {"pull_requests": {
            "acme/infra": "2020-01-01T00:00:00+00:00",
            "acme/web-app": newest(&prs["web-app"], "updated_on"),
            "acme/api-service": newest(&prs["api-service"], "updated_on"),
        }}})
    );
}

#[test]
fn meltano_runs_the_tap_everything_then_nothing_then_exactly_the_change() {
    let python = python_venv("meltano-venv", MELTANO);
    let meltano = python.with_file_name("meltano");
    let fake = start(FakeOptions::default());
    let project = scratch("meltano");
    std::fs::copy(component::workspace_dir().join("tests/meltano/meltano.yml"), project.join("meltano.yml")).unwrap();
    let c = fake.credentials();
    let path = format!("{}:{}", Path::new(TAP).parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let wasm = component::build().expect("the component builds");
    let auth = json!({"type": "api-token", "email": c.email, "token": c.api_token}).to_string();
    let meltano_in = |args: &[&str], output: &str| {
        let mut command = Command::new(&meltano);
        command
            .args(args)
            .current_dir(&project)
            .env("PATH", &path)
            .env("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
            .env("TAP_BITBUCKET_ENDPOINT", fake.base_url())
            .env("TAP_BITBUCKET_AUTH", &auth)
            .env("TAP_BITBUCKET_WORKSPACE", "acme")
            .env("TAP_BITBUCKET_COMPONENT", &wasm)
            .env("TARGET_JSONL_DESTINATION_PATH", project.join(output))
            .stdin(Stdio::null());
        std::fs::create_dir_all(project.join(output)).unwrap();
        run_checked(&mut command, &format!("meltano {}", args.join(" ")));
    };
    let loaded = |output: &str, stream: &str| -> Vec<Value> {
        match std::fs::read_to_string(project.join(output).join(format!("{stream}.jsonl"))) {
            Ok(text) => text.lines().map(|l| serde_json::from_str(l).unwrap()).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("{e}"),
        }
    };
    meltano_in(&["install"], "install");
    let (prs, commits) = dataset_rows(&fake);

    meltano_in(&["run", "tap-bitbucket", "target-jsonl"], "run1");
    assert_eq!(loaded("run1", "pull_requests").len(), prs.values().map(Vec::len).sum::<usize>());
    assert_eq!(loaded("run1", "commits").len(), commits.values().map(Vec::len).sum::<usize>());

    meltano_in(&["run", "tap-bitbucket", "target-jsonl"], "run2");
    assert_eq!((loaded("run2", "pull_requests").len(), loaded("run2", "commits").len()), (0, 0));

    fake.update_pull_request("acme", "api-service", 7, "2026-11-30T12:00:00+00:00", "Renamed by the Meltano test");
    meltano_in(&["run", "tap-bitbucket", "target-jsonl"], "run3");
    let changed = loaded("run3", "pull_requests");
    let summary: Vec<(&Value, &Value, &Value)> = changed.iter().map(|r| (&r["repository"], &r["id"], &r["title"])).collect();
    assert_eq!(summary, [(&json!("api-service"), &json!(7), &json!("Renamed by the Meltano test"))]);
    assert_eq!(loaded("run3", "commits").len(), 0);
}

#[test]
fn every_stream_syncs_in_one_run_of_the_tap() {
    // Over 4,000 requests in one session: more than its resource table
    // holds at once, so nothing a request held may stay behind.
    let fake = start(FakeOptions::default());
    let dir = scratch("every-stream");
    let config = tap_config(&fake, &dir, json!({}));
    let catalog = discover(&config);
    let names: Vec<&str> = catalog["streams"].as_array().unwrap().iter().map(|s| s["stream"].as_str().unwrap()).collect();
    let selected = select(&catalog, &names, &[], &dir);
    let out = sync(&config, &selected, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sent = messages(&out.stdout);
    let schemas: Vec<&str> = sent.iter().filter(|m| m["type"] == "SCHEMA").map(|m| m["stream"].as_str().unwrap()).collect();
    assert_eq!(schemas, names);
    let (prs, commits) = dataset_rows(&fake);
    assert_eq!(records(&sent, "pull_requests").len(), prs.values().map(Vec::len).sum::<usize>());
    assert_eq!(records(&sent, "commits").len(), commits.values().map(Vec::len).sum::<usize>());
    assert!(fake.requests().len() > 2_048, "{} requests", fake.requests().len());
}
