//! Requests, connections and wall time over a network with real round
//! trips: the fake serves HTTPS (a test CA the host trusts through
//! `ca_file`, HTTP/2 offered) behind a delaying TCP proxy that holds every
//! chunk half a round trip each way and a new connection's first bytes one
//! more, so connection set-up and TLS handshakes cost what they cost. The
//! component at concurrency 1 and at the default, and the peer
//! (`atlassian-python-api`, largest page sizes, keep-alive) on the same
//! network. The fake computes each answer once (a warm-up run) and sends
//! the same bytes after, so what is measured is the network and the
//! clients, not the fake. One run of each: compare ratios.

use crate::{config, peer, ratio, secs, spec};
use bitbucket_connector::config::DEFAULT_CONCURRENCY;
use fake_bitbucket::delay_proxy::DelayProxy;
use fake_bitbucket::{Dataset, DatasetSpec, FakeBitbucket, FakeOptions, TestCa};
use host_harness::component::workspace_dir;
use host_harness::{Host, Limits, Trust};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The round trips measured.
const ROUND_TRIPS: [Duration; 2] = [Duration::from_millis(25), Duration::from_millis(100)];

/// The fake behind the proxy; its links point at the proxy.
struct Network {
    proxy: DelayProxy,
    fake: FakeBitbucket,
}

impl Network {
    fn start(spec: DatasetSpec, round_trip: Duration, ca: &TestCa) -> anyhow::Result<Network> {
        let proxy = DelayProxy::start(round_trip)?;
        let fake = FakeBitbucket::start(FakeOptions {
            dataset: Dataset::generate(spec),
            tls: Some(ca.clone()),
            public_origin: Some(format!("https://{}", proxy.address())),
            // The fake's own time out of the measurement: the network is.
            cache_answers: true,
            ..FakeOptions::default()
        })?;
        proxy.forward_to(fake.address());
        Ok(Network { proxy, fake })
    }

    /// Runs `job`, counting the requests and connections it made.
    fn measure(&self, job: impl FnOnce() -> anyhow::Result<u64>) -> anyhow::Result<Measured> {
        self.fake.clear_requests();
        let connections = self.proxy.connections();
        let started = Instant::now();
        let rows = job()?;
        let wall = started.elapsed();
        Ok(Measured { rows, requests: self.fake.requests().len(), connections: self.proxy.connections() - connections, wall })
    }
}

struct Measured {
    rows: u64,
    requests: usize,
    connections: u64,
    wall: Duration,
}

struct Job {
    title: &'static str,
    spec: DatasetSpec,
    report: &'static str,
    /// Whether the report is run for one repository (the first) or the workspace.
    one_repository: bool,
}

pub fn report(wasm: &Path) -> anyhow::Result<()> {
    let ca = TestCa::new()?;
    let ca_file = ca.write_ca_file(&bench_dir()?)?;
    let mut host = Host::load(wasm, Limits::default())?;
    host.set_trust(Trust::with_ca_file(&ca_file)?);
    let jobs = [
        Job {
            title: "pull-requests, 5,000 in one repository",
            spec: spec(1, 5_000, 10),
            report: "pull-requests",
            one_repository: true,
        },
        Job {
            title: "pull-request-comments, every pull request of a 200-PR repository",
            spec: spec(8, 200, 400),
            report: "pull-request-comments",
            one_repository: true,
        },
        Job { title: "commits, 8 repositories x 400", spec: spec(8, 200, 400), report: "commits", one_repository: false },
    ];
    let mut checks = Vec::new();
    for round_trip in ROUND_TRIPS {
        println!("\n### {} ms round trip, HTTPS (HTTP/2 offered)\n", round_trip.as_millis());
        println!(
            "| job | rows | requests | connections c=1 / default | concurrency 1 | default ({DEFAULT_CONCURRENCY}) | speed-up | peer: requests, connections | peer | default vs peer |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for job in &jobs {
            let network = Network::start(job.spec.clone(), round_trip, &ca)?;
            let fake = &network.fake;
            let repo = crate::first_repo(fake);
            let mut params = vec![("workspace".to_string(), "acme".to_string())];
            if job.one_repository {
                params.push(("repository".to_string(), repo.clone()));
            }
            let component = |concurrency: usize| {
                let config = config(fake, concurrency);
                network.measure(|| Ok(host.session(&config)?.run(job.report, &params, |_| Ok(()))?.rows))
            };
            component(DEFAULT_CONCURRENCY)?; // warm-up: every answer computed once
            let one = component(1)?;
            let default = component(DEFAULT_CONCURRENCY)?;
            anyhow::ensure!(one.rows == default.rows, "{}: the same rows at either concurrency", job.title);
            // The peer asks for other URLs: it gets a warm-up run of its own.
            let peer_job = || peer::run(fake, &ca_file, "acme", &repo, job.report);
            let peer = match peer_job().and_then(|_| network.measure(peer_job)) {
                Ok(peer) => {
                    let same = if peer.rows == default.rows { "" } else { " (rows differ!)" };
                    format!(
                        "{}, {} | {}{same} | {:.1}x faster |",
                        peer.requests,
                        peer.connections,
                        secs(peer.wall),
                        ratio(peer.wall, default.wall)
                    )
                }
                Err(e) => format!("skipped: {e:#} | | |"),
            };
            println!(
                "| {} | {} | {} | {} / {} | {} | {} | {:.1}x | {peer}",
                job.title,
                default.rows,
                default.requests,
                one.connections,
                default.connections,
                secs(one.wall),
                secs(default.wall),
                ratio(one.wall, default.wall),
            );
            checks.push((round_trip, job.report, one.connections, default.connections, default.requests));
        }
    }
    println!("\nConnections opened never exceed the concurrency: HTTP/2 multiplexes every request of a run on one.");
    for (round_trip, report, one, default, requests) in checks {
        anyhow::ensure!(
            one <= 1 && default <= DEFAULT_CONCURRENCY as u64,
            "{report} at {round_trip:?}: {one} / {default} connections for {requests} requests"
        );
    }
    Ok(())
}

fn bench_dir() -> anyhow::Result<PathBuf> {
    let dir = workspace_dir().join("target/bench-tls");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
