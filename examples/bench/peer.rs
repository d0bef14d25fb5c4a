//! The peer: `atlassian-python-api` (PyPI), doing the same job (every pull
//! request of one repository, all states) against the same fake server.
//! Installed on first use into a virtual environment under `target/`.
//!
//! The script's `paged` mode is the peer at its best: its high-level
//! `pullrequests.each()` also fetches every pull request again, one request
//! each (5,501 requests for 5,000 pull requests instead of 501).

use anyhow::Context as _;
use fake_bitbucket::FakeBitbucket;
use host_harness::component::workspace_dir;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The version the benchmark installs (pinned, so figures are comparable).
pub const VERSION: &str = "5.0.5";

pub struct Peer {
    pub rows: u64,
    pub wall: Duration,
    /// How the peer was asked to do the job.
    pub how: &'static str,
}

pub fn run(fake: &FakeBitbucket, workspace: &str, repo: &str) -> anyhow::Result<Peer> {
    let python = venv()?;
    let script = workspace_dir().join("examples/bench/peer_atlassian.py");
    let c = fake.credentials();
    let output = Command::new(&python)
        .arg(&script)
        .args([&fake.base_url(), &c.email, &c.api_token, workspace, repo])
        .args(["--mode", "paged"])
        .output()
        .context("running the peer script")?;
    anyhow::ensure!(output.status.success(), "the peer failed: {}", String::from_utf8_lossy(&output.stderr));
    let line: serde_json::Value = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("the peer printed {}", String::from_utf8_lossy(&output.stdout)))?;
    Ok(Peer {
        rows: line["rows"].as_u64().unwrap_or(0),
        wall: Duration::from_secs_f64(line["seconds"].as_f64().unwrap_or(0.0)),
        how: "its paged GET of the pull requests, all four states, its default page size",
    })
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
