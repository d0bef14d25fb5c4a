//! Shared set-up for the end-to-end tests: the real component (built once
//! per test binary), the real wasmtime host, and a real fake Bitbucket on
//! 127.0.0.1.
#![allow(dead_code)]

use fake_bitbucket::{FakeBitbucket, FakeOptions, RecordedRequest};
use host_harness::output::row_to_json;
use host_harness::{component, Host, HostError, Limits, ReportInfo};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The host with the release component, compiled once per test binary.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| host_with(Limits::default()))
}

/// A separate host with other limits (its own engine).
pub fn host_with(limits: Limits) -> Host {
    let path = component::build().expect("the component builds");
    Host::load(&path, limits).expect("the component loads")
}

pub fn start(options: FakeOptions) -> FakeBitbucket {
    FakeBitbucket::start(options).expect("the fake Bitbucket starts")
}

/// An API-token config for the fake's default credentials.
pub fn config(fake: &FakeBitbucket) -> String {
    let c = fake.credentials();
    json!({"endpoint": fake.base_url(), "auth": {"type": "api-token", "email": c.email, "token": c.api_token}}).to_string()
}

pub fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub fn report(id: &str) -> ReportInfo {
    host().list_reports().unwrap().into_iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no report {id}"))
}

/// Runs a report to completion; rows as JSON objects keyed by column name.
pub fn run(config: &str, report_id: &str, pairs: &[(&str, &str)]) -> Result<Vec<Value>, HostError> {
    let columns = host().list_reports().unwrap().into_iter().find(|r| r.id == report_id).map(|r| r.columns).unwrap_or_default();
    let mut session = host().session(config)?;
    let mut rows = Vec::new();
    session.run(report_id, &params(pairs), |cells| {
        assert_eq!(cells.len(), columns.len(), "a row has one cell per declared column");
        rows.push(row_to_json(&columns, cells));
        Ok(())
    })?;
    Ok(rows)
}

/// The connector error of a failed call (panics on success or a trap).
pub fn connector_error(result: Result<impl std::fmt::Debug, HostError>) -> host_harness::ConnectorError {
    match result {
        Err(HostError::Connector(e)) => e,
        Err(other) => panic!("expected a connector error, got {other}"),
        Ok(value) => {
            let shown = format!("{value:?}");
            panic!("expected a connector error, got Ok({}…)", shown.chars().take(300).collect::<String>())
        }
    }
}

/// Requests that reached the fake with a given path suffix.
pub fn requests_to(fake: &FakeBitbucket, path_suffix: &str) -> Vec<RecordedRequest> {
    fake.requests().into_iter().filter(|r| r.path.ends_with(path_suffix)).collect()
}

/// This process's peak resident memory (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// This process's open file descriptors now.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

/// Runs a setup command (an installer, a tool); panics with its output
/// when it fails. Its stdout.
pub fn run_checked(command: &mut std::process::Command, what: &str) -> String {
    let output =
        command.stdin(std::process::Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: could not start it: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The python of a virtual environment `target/<name>` holding these
/// pinned `requirements` from PyPI: made when missing, remade when its
/// stamp names other requirements, kept otherwise. Says on stderr how long
/// an install took.
pub fn python_venv(name: &str, requirements: &[&str]) -> std::path::PathBuf {
    use std::process::Command;
    let venv = component::workspace_dir().join("target").join(name);
    let python = venv.join("bin/python");
    let stamp = venv.join(".installed-from");
    let wanted = requirements.join(" ");
    if python.is_file() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return python;
    }
    let started = std::time::Instant::now();
    run_checked(
        Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv),
        &format!("python3 -m venv target/{name} (install python3 and python3-venv)"),
    );
    run_checked(
        Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]).args(requirements),
        &format!("pip install {wanted}"),
    );
    std::fs::write(&stamp, &wanted).expect("writing the venv stamp");
    eprintln!("{name}: installing {wanted} took {:.1?}", started.elapsed());
    python
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm):
/// the tests' own calendar, apart from the component's.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// `YYYY-MM-DD` of a day since 1970-01-01.
pub fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
