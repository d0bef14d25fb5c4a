//! The real network under the wall: pooled connections (keep-alive, HTTP/2
//! by ALPN, one pool per session), HTTPS to the fake with a test CA the
//! host trusts only through `ca_file`, and certificate problems that name
//! the host and the problem.

use crate::common::*;
use fake_bitbucket::{Dataset, DatasetSpec, FakeBitbucket, FakeOptions, Leaf, TestCa};
use host_harness::{Host, Limits, Trust};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Four repositories of 400 pull requests: 8 pages each at `pagelen=50`.
fn many_pages() -> Dataset {
    Dataset::generate(DatasetSpec { repos_per_workspace: 4, pull_requests_per_repo: 400, ..DatasetSpec::demo() })
}

fn tls_fake(ca: &TestCa, http1_only: bool) -> FakeBitbucket {
    start(FakeOptions { dataset: many_pages(), tls: Some(ca.clone()), http1_only, ..FakeOptions::default() })
}

/// A host (its own engine) trusting the system's authorities and `ca`.
fn host_trusting(ca: &TestCa) -> Host {
    let dir = tempdir();
    let mut host = host_with(Limits::default());
    host.set_trust(Trust::with_ca_file(&ca.write_ca_file(&dir).unwrap()).unwrap());
    host
}

fn tempdir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("network-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config_with_concurrency(fake: &FakeBitbucket, concurrency: u64) -> String {
    let mut config: serde_json::Value = serde_json::from_str(&config(fake)).unwrap();
    config["concurrency"] = json!(concurrency);
    config.to_string()
}

/// Runs pull requests for the whole workspace in one session of `host`.
fn run_all_pull_requests(host: &Host, config: &str) -> u64 {
    let mut session = host.session(config).unwrap();
    session.run("pull-requests", &params(&[("workspace", "acme")]), |_| Ok(())).unwrap().rows
}

fn shared_ca() -> &'static TestCa {
    static CA: OnceLock<TestCa> = OnceLock::new();
    CA.get_or_init(|| TestCa::new().unwrap())
}

#[test]
fn over_http1_a_run_of_many_pages_uses_no_more_connections_than_its_concurrency() {
    let ca = shared_ca();
    let fake = tls_fake(ca, true);
    let host = host_trusting(ca);
    assert!(fake.base_url().starts_with("https://127.0.0.1:"), "{}", fake.base_url());

    let rows = run_all_pull_requests(&host, &config_with_concurrency(&fake, 3));
    assert_eq!(rows, 1600);
    let requests = fake.requests();
    assert_eq!(requests.len(), 1 + 4 * 8, "the repository listing, then 8 pages of each repository");
    assert!(requests.iter().all(|r| !r.http2 && r.status == 200));
    let connections: BTreeSet<u64> = requests.iter().map(|r| r.connection).collect();
    assert!(fake.connections() <= 3, "{} connections for concurrency 3", fake.connections());
    assert_eq!(connections.len() as u64, fake.connections());
}

#[test]
fn over_http2_every_request_of_a_run_shares_one_connection() {
    let ca = shared_ca();
    let fake = tls_fake(ca, false);
    let host = host_trusting(ca);

    let rows = run_all_pull_requests(&host, &config_with_concurrency(&fake, 8));
    assert_eq!(rows, 1600);
    let requests = fake.requests();
    assert_eq!(requests.len(), 33);
    assert!(requests.iter().all(|r| r.http2), "ALPN chose HTTP/2 for every request");
    assert_eq!(fake.connections(), 1, "HTTP/2 multiplexes the 8 requests in flight on one connection");
}

#[test]
fn sessions_never_share_a_connection() {
    let ca = shared_ca();
    let fake = tls_fake(ca, false);
    let host = host_trusting(ca);
    let config = config_with_concurrency(&fake, 2);

    run_all_pull_requests(&host, &config);
    run_all_pull_requests(&host, &config);
    let by_connection: Vec<u64> = fake.requests().iter().map(|r| r.connection).collect();
    assert_eq!(fake.connections(), 2, "each session opened its own connection");
    assert!(by_connection[..33].iter().all(|&c| c == 1));
    assert!(by_connection[33..].iter().all(|&c| c == 2));
}

#[test]
fn a_private_ca_is_trusted_only_through_ca_file() {
    let ca = shared_ca();
    let fake = tls_fake(ca, false);
    // The shared host trusts the system's authorities only.
    let error = connector_error(run(&config(&fake), "repositories", &[("workspace", "acme")]));
    let authority = fake.origin().trim_start_matches("https://").to_string();
    assert_eq!(error.code.name(), "transport");
    assert_eq!(
        error.message,
        format!(
            "request to {authority} failed: the server's TLS certificate was refused; TLS with {authority} failed: its \
             certificate was issued by an authority this host does not trust (if the server uses a private CA, give its \
             certificate with `ca_file` or `--ca-file`)"
        )
    );
    assert_eq!(fake.requests().len(), 0, "no request got through");
}

#[test]
fn a_wrong_certificate_fails_with_the_host_and_the_problem() {
    for (leaf, problem) in
        [(Leaf::WrongName, "its certificate is for another name"), (Leaf::Expired, "its certificate has expired")]
    {
        let ca = TestCa::with_leaf(leaf).unwrap();
        let fake = tls_fake(&ca, false);
        let host = host_trusting(&ca);
        let error = connector_error(
            host.session(&config(&fake)).and_then(|mut s| s.run("repositories", &params(&[("workspace", "acme")]), |_| Ok(()))),
        );
        let authority = fake.origin().trim_start_matches("https://").to_string();
        let expected = format!("TLS with {authority} failed: {problem} (");
        assert!(error.message.contains(&expected), "{leaf:?}: {}", error.message);
        assert!(error.message.contains("the host trusts the system's authorities and "), "{}", error.message);
        assert_eq!(fake.requests().len(), 0);
    }
}

#[test]
fn a_ca_file_that_is_not_a_certificate_is_refused_with_its_name() {
    let dir = tempdir();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let error = Trust::with_ca_file(&empty).unwrap_err().to_string();
    assert_eq!(error, format!("the CA file {} holds no certificate (expected PEM `BEGIN CERTIFICATE` blocks)", empty.display()));
    let missing = dir.join("missing.pem");
    let error = Trust::with_ca_file(&missing).unwrap_err().to_string();
    assert!(error.starts_with(&format!("the CA file {} cannot be read as PEM certificates: ", missing.display())), "{error}");
}

#[test]
fn the_cli_trusts_a_ca_file_from_the_flag_or_the_config_file() {
    let ca = shared_ca();
    let fake = tls_fake(ca, false);
    let dir = tempdir();
    let ca_file = ca.write_ca_file(&dir).unwrap();
    let plain = dir.join("plain.json");
    std::fs::write(&plain, config(&fake)).unwrap();
    let mut with_ca: serde_json::Value = serde_json::from_str(&config(&fake)).unwrap();
    with_ca["ca_file"] = json!("fake-bitbucket-ca.pem");
    let with_ca_path = dir.join("with-ca.json");
    std::fs::write(&with_ca_path, with_ca.to_string()).unwrap();

    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_connector-harness"))
            .args(["--component", component_path().to_str().unwrap()])
            .args(args)
            .output()
            .unwrap()
    };
    let run_args = |config: &std::path::Path| {
        vec![
            "run".to_string(),
            "repositories".into(),
            "--config".into(),
            config.display().to_string(),
            "--param".into(),
            "workspace=acme".into(),
        ]
    };
    for extra in [vec!["--ca-file".to_string(), ca_file.display().to_string()], vec![]] {
        let config = if extra.is_empty() { &with_ca_path } else { &plain };
        let mut args = run_args(config);
        args.extend(extra);
        let out = cli(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4, "the four repositories");
    }
    let out = cli(&run_args(&plain).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("its certificate was issued by an authority this host does not trust"), "{stderr}");
}

fn component_path() -> std::path::PathBuf {
    host_harness::component::build().unwrap()
}
