//! The Spark data source (`integrations/spark`) end to end: `tests/spark/e2e.py`
//! on a `local-cluster[2,1,1024]` (two executor JVMs) against the fake
//! Bitbucket: a batch read (row count, unique keys, more than one worker
//! process), the same on the fake Data Center (project `PRJ`, its
//! repositories as partitions), and three streaming runs on one checkpoint
//! folder (everything, nothing, the one pull request touched in between).
//!
//! It installs what it needs itself: a virtual environment in
//! `target/spark-venv` with [`REQUIREMENTS`] from PyPI (reused while its
//! stamp matches; about 3 to 4 minutes the first time, pyspark is a 456 MB
//! sdist), and Debian's `openjdk-17-jre-headless` when `java` is missing
//! (as root, as CI runs). Its figures (install time, run time, rows per
//! worker) go to stderr; the README quotes them. The script starts the fake
//! itself (`connector-harness fake`, and `fake --product data-center`) and
//! changes it through its control endpoint.

use crate::common::{python_venv, run_checked};
use host_harness::component;
use std::process::{Command, Stdio};
use std::time::Instant;

/// What the virtual environment holds, pinned.
const REQUIREMENTS: &[&str] = &["pyspark==4.3.0", "pyarrow==26.0.1"];

const HARNESS: &str = env!("CARGO_BIN_EXE_connector-harness");

/// A Java runtime for Spark: Debian's when none is on PATH.
fn ensure_java() {
    let has_java = Command::new("java").arg("-version").stdin(Stdio::null()).output().is_ok_and(|o| o.status.success());
    if has_java {
        return;
    }
    let started = Instant::now();
    run_checked(Command::new("apt-get").arg("update"), "apt-get update");
    run_checked(
        Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "openjdk-17-jre-headless"]),
        "apt-get install openjdk-17-jre-headless (Spark needs a JRE; the test installs it as root)",
    );
    eprintln!("spark: installing openjdk-17-jre-headless took {:.1?}", started.elapsed());
}

#[test]
fn spark_reads_a_report_on_two_workers_and_streams_its_changes() {
    ensure_java();
    let python = python_venv("spark-venv", REQUIREMENTS);
    let wasm = component::build().expect("the component builds");
    let script = component::workspace_dir().join("tests/spark/e2e.py");

    let mut command = Command::new(&python);
    command
        .arg(&script)
        .env("CONNECTOR_HARNESS", HARNESS)
        .env("BITBUCKET_COMPONENT", &wasm)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null());
    let started = Instant::now();
    let status = command.status().expect("the Spark script runs");
    eprintln!("spark: the script took {:.1?}", started.elapsed());
    assert!(status.success(), "tests/spark/e2e.py failed ({status}); its output is above");
}
