//! The benchmark suite: `cargo run -p host-harness --example bench` (see the README).
//!
//! Not a test: it prints figures, measured in one run on this machine, so
//! the ratios between them mean more than any one wall time. Every scenario
//! runs the release component in the real wasmtime host against the fake
//! Bitbucket on 127.0.0.1; where round trips matter, over HTTPS through a
//! delaying proxy (`network`).
//!
//! Sections: requests, connections and wall time per list report at 25 and
//! 100 ms round trips (concurrency 1 versus the default, and the same jobs
//! done by a peer, `atlassian-python-api`), uneven latency (one page in
//! eight much slower; `uneven`), instantiation, memory for a small and a large report (each in a child
//! process, so host RSS is that run's alone), Arrow output's memory at 1,000 and 100,000
//! rows (`arrow`), rows per second through the
//! component versus the same code compiled natively, and the component's size.
//!
//! `bench -- rows [COMPONENT.wasm ...]` measures only the rows per second,
//! of the components given (default: the one this repository builds), in
//! alternating rounds (best and median of 7), so two builds can be
//! compared in one run.

mod arrow;
mod memory;
mod native;
mod network;
mod peer;
mod uneven;

use bitbucket_connector::config::DEFAULT_CONCURRENCY;
use fake_bitbucket::{DatasetSpec, FakeBitbucket, FakeOptions};
use host_harness::{component, Host, Limits, LoadOptions};
use serde_json::json;
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    if let Some(code) = memory::child_main()? {
        std::process::exit(code);
    }
    if let Some(code) = arrow::child_main()? {
        std::process::exit(code);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("rows") {
        // Only the rows per second, for one or more components side by side.
        return native::compare(&args[1..]);
    }
    let wasm = component::build()?;
    let host = Host::load(&wasm, Limits::default())?;
    // `BENCH_ONLY=network`, `uneven` or `arrow` runs that section alone.
    match std::env::var("BENCH_ONLY").as_deref() {
        Ok("uneven") => return uneven::report(&host),
        Ok("arrow") => return arrow::report(),
        Ok("network") => return network::report(&wasm),
        _ => {}
    }
    println!("# bitbucket-connector benchmarks\n");
    println!("Default concurrency {DEFAULT_CONCURRENCY}. All figures come from this one run of the benchmark: compare ratios.\n");

    println!("## Requests, connections and wall time over a network");
    network::report(&wasm)?;

    println!("\n## Uneven latency\n");
    uneven::report(&host)?;

    println!("\n## Instantiation\n");
    instantiation(&wasm)?;

    println!("\n## Memory (each run in its own process, no latency)\n");
    memory::report()?;

    println!("\n## Arrow output's memory (each run in its own process, to /dev/null)\n");
    arrow::report()?;

    println!("\n## Rows per second (no latency, concurrency 1)\n");
    native::report(&host)?;

    let size = std::fs::metadata(&wasm)?.len();
    println!("\n## Size\n\nRelease component: {size} bytes ({:.0} KiB).", size as f64 / 1024.0);
    Ok(())
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
