//! Uneven latency: one page in eight answered 8x slower than the rest
//! (`FakeOptions::slow_pages`), the same 5,000 pull requests read with and
//! without it. `BENCH_BASELINE=path/to/other.wasm` runs the same scenario
//! with that component too (e.g. one built from an older commit), so the
//! two are compared in one run; `BENCH_ONLY=uneven` runs only this section.

use crate::{config, first_repo, secs, spec};
use bitbucket_connector::config::DEFAULT_CONCURRENCY;
use fake_bitbucket::{Dataset, FakeBitbucket, FakeOptions, SlowPages};
use host_harness::{Host, Limits};
use std::time::{Duration, Instant};

/// The latency the fake adds to every other answer.
const LATENCY: Duration = Duration::from_millis(50);

/// Every eighth numbered page is this many times slower.
const EVERY: u64 = 8;
const FACTOR: u32 = 8;

pub fn report(host: &Host) -> anyhow::Result<()> {
    let baseline = match std::env::var_os("BENCH_BASELINE") {
        Some(path) => Some((path.to_string_lossy().into_owned(), Host::load(path.as_ref(), Limits::default())?)),
        None => None,
    };
    let even = start(None)?;
    let uneven = start(Some(SlowPages { every: EVERY, latency: LATENCY * FACTOR }))?;
    let repo = first_repo(&even);
    let params = vec![("workspace".to_string(), "acme".to_string()), ("repository".to_string(), repo)];
    println!(
        "pull-requests, 5,000 pull requests (100 pages of 50), concurrency {DEFAULT_CONCURRENCY}; uneven: pages {EVERY}, {}, {}, ... take {} ms instead of {} ms.\n",
        2 * EVERY,
        3 * EVERY,
        (LATENCY * FACTOR).as_millis(),
        LATENCY.as_millis()
    );
    println!("| component | rows | requests | even latency | uneven latency | uneven / even | guest memory (peak) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut walls = Vec::new();
    let mut hosts = vec![("this build".to_string(), host)];
    if let Some((path, baseline)) = &baseline {
        hosts.push((format!("baseline (`{path}`)"), baseline));
    }
    for (name, host) in hosts {
        let flat = run(host, &even, &params)?;
        let slow = run(host, &uneven, &params)?;
        anyhow::ensure!(flat.rows == slow.rows && flat.requests == slow.requests, "the same rows and requests either way");
        println!(
            "| {name} | {} | {} | {} | {} | {:.2} | {:.1} MiB |",
            slow.rows,
            slow.requests,
            secs(flat.wall),
            secs(slow.wall),
            crate::ratio(slow.wall, flat.wall),
            slow.guest_memory as f64 / (1 << 20) as f64
        );
        walls.push(slow.wall);
    }
    if let [this, baseline] = walls[..] {
        println!("\nAt uneven latency the baseline takes {:.2}x this build's time.", crate::ratio(baseline, this));
    }
    Ok(())
}

struct Measured {
    rows: u64,
    requests: usize,
    wall: Duration,
    /// The guest's peak linear memory.
    guest_memory: usize,
}

/// The median of three runs of pull requests at the default concurrency.
fn run(host: &Host, fake: &FakeBitbucket, params: &[(String, String)]) -> anyhow::Result<Measured> {
    let mut runs = Vec::new();
    for _ in 0..3 {
        fake.clear_requests();
        let mut session = host.session(&config(fake, DEFAULT_CONCURRENCY))?;
        let started = Instant::now();
        let rows = session.run("pull-requests", params, |_| Ok(()))?.rows;
        let wall = started.elapsed();
        runs.push(Measured { rows, requests: fake.requests().len(), wall, guest_memory: session.guest_memory_peak() });
    }
    runs.sort_by_key(|m| m.wall);
    Ok(runs.swap_remove(1))
}

fn start(slow_pages: Option<SlowPages>) -> anyhow::Result<FakeBitbucket> {
    FakeBitbucket::start(FakeOptions {
        dataset: Dataset::generate(spec(1, 5_000, 10)),
        latency: LATENCY,
        slow_pages,
        ..FakeOptions::default()
    })
}
