//! The benchmark suite: `cargo run -p host-harness --example bench` (see the README).
//!
//! Not a test: it prints figures, measured in one run on this machine, so
//! the ratios between them mean more than any one wall time. Every scenario
//! runs the release component in the real wasmtime host against the fake
//! Bitbucket on 127.0.0.1, with injected latency where round trips matter.
//!
//! Sections: requests and wall time per list report (concurrency 1 versus
//! the default), the same job done by a peer (`atlassian-python-api`),
//! instantiation, memory for a small and a large report (each in a child
//! process, so host RSS is that run's alone), rows per second through the
//! component versus the same code compiled natively, and the component's size.
//!
//! `bench -- rows [COMPONENT.wasm ...]` measures only the rows per second,
//! of the components given (default: the one this repository builds), in
//! alternating rounds (best and median of 7), so two builds can be
//! compared in one run.

mod memory;
mod native;
mod peer;

use bitbucket_connector::config::DEFAULT_CONCURRENCY;
use fake_bitbucket::{DatasetSpec, FakeBitbucket, FakeOptions};
use host_harness::{component, Host, Limits, LoadOptions};
use serde_json::json;
use std::time::{Duration, Instant};

/// Round-trip latency the fake adds to every request.
const LATENCY: Duration = Duration::from_millis(50);

fn main() -> anyhow::Result<()> {
    if let Some(code) = memory::child_main()? {
        std::process::exit(code);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("rows") {
        // Only the rows per second, for one or more components side by side.
        return native::compare(&args[1..]);
    }
    let wasm = component::build()?;
    let host = Host::load(&wasm, Limits::default())?;
    println!("# bitbucket-connector benchmarks\n");
    println!(
        "Latency {} ms per request; default concurrency {DEFAULT_CONCURRENCY}. Wall times are medians of 3 runs, all in this one run of the benchmark: compare ratios.\n",
        LATENCY.as_millis()
    );

    let big = fake(spec(1, 5_000, 10), LATENCY)?;
    let wide = fake(spec(8, 200, 400), LATENCY)?;
    let (big_repo, wide_repo) = (first_repo(&big), first_repo(&wide));
    let scenarios = [
        Scenario {
            title: "pull-requests, one repository, 5,000 pull requests (all states)",
            fake: &big,
            report: "pull-requests",
            params: vec![("workspace", "acme".into()), ("repository", big_repo.clone())],
            minimum: big.dataset().pull_request_count("acme", &big_repo).div_ceil(50),
        },
        Scenario {
            title: "pull-request-comments, every pull request of a 200-PR repository",
            fake: &wide,
            report: "pull-request-comments",
            params: vec![("workspace", "acme".into()), ("repository", wide_repo.clone())],
            minimum: comment_requests(&wide, &wide_repo),
        },
        Scenario {
            title: "commits, every repository of a workspace (8 x 400 commits)",
            fake: &wide,
            report: "commits",
            params: vec![("workspace", "acme".into())],
            minimum: 1 + wide
                .dataset()
                .repositories("acme")
                .iter()
                .map(|r| wide.dataset().commit_count("acme", &slug(r)).div_ceil(100))
                .sum::<usize>(),
        },
    ];
    println!("## Requests and wall time\n");
    println!("| scenario | rows | requests | minimum | concurrency 1 | default | speed-up |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut pr_default = Duration::ZERO;
    for s in &scenarios {
        let one = s.run(&host, 1)?;
        let default = s.run(&host, DEFAULT_CONCURRENCY)?;
        assert_eq!(one.rows, default.rows, "{}: same rows either way", s.title);
        assert_eq!(one.requests, default.requests, "{}: same requests", s.title);
        if s.report == "pull-requests" {
            pr_default = default.wall;
        }
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.1}x |",
            s.title,
            default.rows,
            default.requests,
            s.minimum,
            secs(one.wall),
            secs(default.wall),
            ratio(one.wall, default.wall)
        );
    }

    println!("\n## The same job by a peer\n");
    big.clear_requests();
    match peer::run(&big, "acme", &big_repo) {
        Ok(peer) => {
            println!("| client | rows | requests | wall | vs this connector |");
            println!("|---|---:|---:|---:|---:|");
            println!(
                "| atlassian-python-api {} (`{}`) | {} | {} | {} | {:.1}x slower |",
                peer::VERSION,
                peer.how,
                peer.rows,
                big.requests().len(),
                secs(peer.wall),
                ratio(peer.wall, pr_default)
            );
        }
        Err(e) => println!("peer skipped: {e:#}"),
    }
    drop((big, wide));

    println!("\n## Instantiation\n");
    instantiation(&wasm)?;

    println!("\n## Memory (each run in its own process, no latency)\n");
    memory::report()?;

    println!("\n## Rows per second (no latency, concurrency 1)\n");
    native::report(&host)?;

    let size = std::fs::metadata(&wasm)?.len();
    println!("\n## Size\n\nRelease component: {size} bytes ({:.0} KiB).", size as f64 / 1024.0);
    Ok(())
}

/// One list report run against a fake.
struct Scenario<'a> {
    title: &'static str,
    fake: &'a FakeBitbucket,
    report: &'static str,
    params: Vec<(&'static str, String)>,
    /// Pages at the largest page size: the fewest requests that can do it.
    minimum: usize,
}

struct Measured {
    rows: u64,
    requests: usize,
    wall: Duration,
}

impl Scenario<'_> {
    /// Runs the report three times; the median wall time.
    fn run(&self, host: &Host, concurrency: usize) -> anyhow::Result<Measured> {
        let mut runs = (0..3).map(|_| self.run_once(host, concurrency)).collect::<anyhow::Result<Vec<_>>>()?;
        runs.sort_by_key(|m| m.wall);
        Ok(runs.swap_remove(1))
    }

    fn run_once(&self, host: &Host, concurrency: usize) -> anyhow::Result<Measured> {
        self.fake.clear_requests();
        let mut session = host.session(&config(self.fake, concurrency))?;
        let params: Vec<(String, String)> = self.params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let started = Instant::now();
        let summary = session.run(self.report, &params, |_| Ok(()))?;
        Ok(Measured { rows: summary.rows, requests: self.fake.requests().len(), wall: started.elapsed() })
    }
}

/// The fewest requests for every pull request's comments: the pull request
/// pages, then at least one page per pull request.
fn comment_requests(fake: &FakeBitbucket, repo: &str) -> usize {
    let data = fake.dataset();
    let prs = data.pull_request_count("acme", repo);
    let pages: usize = (1..=prs as u64).map(|id| data.pull_request_comment_count("acme", repo, id).div_ceil(100).max(1)).sum();
    prs.div_ceil(50) + pages
}

fn instantiation(wasm: &std::path::Path) -> anyhow::Result<()> {
    const SESSIONS: u32 = 200;
    let fake = fake(DatasetSpec::demo(), Duration::ZERO)?;
    let config = config(&fake, DEFAULT_CONCURRENCY);
    let limits = Limits::default();
    // From the .wasm every time: compile, link, instantiate, configure.
    let from_wasm = average(3, || {
        let host = Host::load_with(wasm, limits.clone(), LoadOptions { precompiled: false, pooling: false })?;
        host.session(&config)?;
        Ok(())
    })?;
    let load_cached = average(5, || {
        Host::load_with(wasm, limits.clone(), LoadOptions::default())?;
        Ok(())
    })?;
    let host = Host::load_with(wasm, limits.clone(), LoadOptions::default())?;
    let per_session = average(SESSIONS, || {
        host.session(&config)?;
        Ok(())
    })?;
    let pooled = Host::load_with(wasm, limits, LoadOptions { precompiled: true, pooling: true })?;
    let per_pooled = average(SESSIONS, || {
        pooled.session(&config)?;
        Ok(())
    })?;
    println!("| how | per run |");
    println!("|---|---:|");
    println!("| compile the .wasm, link, instantiate, configure | {} |", millis(from_wasm));
    println!("| load the precompiled artefact (once per process) | {} |", millis(load_cached));
    println!("| instantiate from `InstancePre` + configure (on-demand allocator) | {} |", millis(per_session));
    println!("| instantiate from `InstancePre` + configure (pooling allocator) | {} |", millis(per_pooled));
    println!(
        "\nA session from the precompiled `InstancePre` costs 1/{:.0} of compiling each time; pooling: {:.2}x the on-demand allocator's time.",
        ratio(from_wasm, per_session),
        per_pooled.as_secs_f64() / per_session.as_secs_f64()
    );
    Ok(())
}

fn average(n: u32, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    f()?; // warm-up
    let started = Instant::now();
    for _ in 0..n {
        f()?;
    }
    Ok(started.elapsed() / n)
}

pub fn spec(repos: usize, pull_requests: usize, commits: usize) -> DatasetSpec {
    DatasetSpec {
        repos_per_workspace: repos,
        pull_requests_per_repo: pull_requests,
        commits_per_repo: commits,
        ..DatasetSpec::demo()
    }
}

pub fn fake(spec: DatasetSpec, latency: Duration) -> anyhow::Result<FakeBitbucket> {
    FakeBitbucket::start(FakeOptions { dataset: fake_bitbucket::Dataset::generate(spec), latency, ..FakeOptions::default() })
}

pub fn config(fake: &FakeBitbucket, concurrency: usize) -> String {
    let c = fake.credentials();
    json!({
        "endpoint": fake.base_url(),
        "auth": {"type": "api-token", "email": c.email, "token": c.api_token},
        "concurrency": concurrency,
    })
    .to_string()
}

fn slug(repo: &serde_json::Value) -> String {
    repo["slug"].as_str().expect("repositories have slugs").to_string()
}

pub fn first_repo(fake: &FakeBitbucket) -> String {
    slug(&fake.dataset().repositories("acme")[0])
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub fn ratio(slow: Duration, fast: Duration) -> f64 {
    slow.as_secs_f64() / fast.as_secs_f64().max(1e-9)
}
