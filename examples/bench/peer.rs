//! The peer: `atlassian-python-api` (PyPI) at its best (the largest page
//! sizes, one keep-alive session), doing the benchmark's jobs against the
//! same server through the same network (`peer_atlassian.py` says how).
//! Installed on first use into a virtual environment under `target/`.

use anyhow::Context as _;
use fake_bitbucket::FakeBitbucket;
use host_harness::component::workspace_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The version the benchmark installs (pinned, so figures are comparable).
pub const VERSION: &str = "5.0.5";

/// Runs `job` (a report id the script knows) and returns its rows; the
/// caller times it and counts its requests and connections. `ca_file` is
/// the CA the fake's certificate comes from.
pub fn run(fake: &FakeBitbucket, ca_file: &Path, workspace: &str, repo: &str, job: &str) -> anyhow::Result<u64> {
    let python = venv()?;
    let script = workspace_dir().join("examples/bench/peer_atlassian.py");
    let c = fake.credentials();
    let output = Command::new(&python)
        .arg(&script)
        .args([&fake.base_url(), &c.email, &c.api_token, workspace, repo, job])
        .env("REQUESTS_CA_BUNDLE", ca_file)
        .output()
        .context("running the peer script")?;
    anyhow::ensure!(output.status.success(), "the peer failed: {}", String::from_utf8_lossy(&output.stderr));
    let line: serde_json::Value = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("the peer printed {}", String::from_utf8_lossy(&output.stdout)))?;
    line["rows"].as_u64().context("the peer printed no row count")
}

/// The virtual environment's python, created and filled on first use.
fn venv() -> anyhow::Result<PathBuf> {
    let dir = workspace_dir().join("target/bench-venv");
    let python = dir.join("bin/python");
    let marker = dir.join(format!("atlassian-python-api-{VERSION}"));
    if marker.exists() {
        return Ok(python);
    }
    let status =
        Command::new("python3").args(["-m", "venv"]).arg(&dir).status().context("python3 is needed for the peer benchmark")?;
    anyhow::ensure!(status.success(), "python3 -m venv failed");
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("atlassian-python-api=={VERSION}"))
        .status()
        .context("running pip")?;
    anyhow::ensure!(status.success(), "pip could not install atlassian-python-api");
    std::fs::write(&marker, "")?;
    Ok(python)
}
