//! `connector-harness run --format arrow`, read back by pyarrow: the
//! stream's schema (types, nullability, metadata), its row count and some
//! cells, checked in Python against what the fake's dataset holds.
//!
//! pyarrow comes from PyPI into a virtual environment of the test's own
//! (`target/arrow-venv`, made once and kept while its pin is the same).

use crate::common::{python_venv, run_checked};
use fake_bitbucket::{FakeBitbucket, FakeOptions};
use host_harness::component;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The pyarrow the test reads with.
const PYARROW: &str = "pyarrow==26.0.1";

/// The venv's python, with pyarrow installed (once per test binary).
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| python_venv("arrow-venv", &[PYARROW]))
}

fn harness(args: &[&str]) -> std::process::Output {
    let component = component::build().expect("the component builds");
    Command::new(env!("CARGO_BIN_EXE_connector-harness"))
        .arg("--component")
        .arg(component)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the harness runs")
}

fn config_file(fake: &FakeBitbucket, dir: &Path) -> PathBuf {
    let path = dir.join("config.json");
    std::fs::write(&path, crate::common::config(fake)).unwrap();
    path
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("arrow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn pull_requests_as_an_arrow_stream_read_back_by_pyarrow() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let dir = temp_dir("pull-requests");
    let config = config_file(&fake, &dir);
    let stream = dir.join("prs.arrows");
    let out = harness(&[
        "run",
        "pull-requests",
        "--config",
        config.to_str().unwrap(),
        "--param",
        "workspace=acme",
        "--format",
        "arrow",
        "--output",
        stream.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Expectations from the dataset, not from the connector.
    let dataset = fake.dataset();
    let repos: Vec<String> = dataset.repositories("acme").iter().map(|r| r["slug"].as_str().unwrap().to_string()).collect();
    let mut rows = 0;
    let mut cells = Vec::new();
    for repo in &repos {
        let prs = dataset.pull_requests("acme", repo);
        rows += prs.len();
        for pr in prs.iter().filter(|pr| [1, 4, 6].contains(&pr["id"].as_i64().unwrap())) {
            let key = json!({"repository": repo, "id": pr["id"]});
            let cell = |column: &str, value: &Value| json!({"key": key, "column": column, "value": value});
            cells.push(cell("id", &pr["id"]));
            cells.push(cell("title", &pr["title"]));
            cells.push(cell("description", &pr["description"]));
            cells.push(cell("state", &pr["state"]));
            cells.push(cell("close_source_branch", &pr["close_source_branch"]));
            cells.push(cell("comment_count", &pr["comment_count"]));
            let mut updated = cell("updated_on", &pr["updated_on"]);
            updated["timestamp"] = json!(true);
            cells.push(updated);
        }
    }
    assert_eq!(rows, 180, "the demo dataset");
    let info = crate::common::report("pull-requests");
    let nullable: serde_json::Map<String, Value> = info.columns.iter().map(|c| (c.name.clone(), json!(c.nullable))).collect();
    let expected = json!({
        "report": "pull-requests",
        "rows": rows,
        "key": ["repository", "id"],
        "types": {
            "repository": "string",
            "id": "int64",
            "title": "string",
            "close_source_branch": "bool",
            "comment_count": "int64",
            "created_on": "timestamp[us, tz=UTC]",
            "updated_on": "timestamp[us, tz=UTC]",
        },
        "nullable": nullable,
        "cells": cells,
    });
    let expected_path = dir.join("expected.json");
    std::fs::write(&expected_path, expected.to_string()).unwrap();
    let script = component::workspace_dir().join("tests/arrow/check_stream.py");
    let summary = run_checked(Command::new(python()).arg(script).arg(&stream).arg(&expected_path), "tests/arrow/check_stream.py");
    let summary: Value = serde_json::from_str(summary.trim()).unwrap();
    assert_eq!(summary["rows"], 180);
    eprintln!("arrow: {summary}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_empty_run_is_a_schema_and_the_end_of_the_stream() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let dir = temp_dir("empty");
    let config = config_file(&fake, &dir);
    // Nothing changed after the newest pull request: no rows.
    let newest =
        fake.dataset().pull_requests("acme", "web-app").iter().filter_map(|p| p["updated_on"].as_str().map(String::from)).max();
    let after = format!("changed-after={}", newest.unwrap());
    let out = harness(&[
        "run",
        "pull-requests",
        "--config",
        config.to_str().unwrap(),
        "--param",
        "workspace=acme",
        "--param",
        "repository=web-app",
        "--param",
        &after,
        "--format",
        "arrow",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stream = dir.join("empty.arrows");
    std::fs::write(&stream, &out.stdout).unwrap();
    let check = "import sys, pyarrow.ipc as ipc\n\
                 r = ipc.open_stream(open(sys.argv[1], 'rb'))\n\
                 t = r.read_all()\n\
                 assert t.num_rows == 0, t.num_rows\n\
                 assert str(t.schema.field('updated_on').type) == 'timestamp[us, tz=UTC]'\n\
                 print(len(t.schema))";
    let fields = run_checked(Command::new(python()).arg("-c").arg(check).arg(&stream), "reading the empty stream");
    assert_eq!(fields.trim().parse::<usize>().unwrap(), crate::common::report("pull-requests").columns.len());
    let _ = std::fs::remove_dir_all(&dir);
}
