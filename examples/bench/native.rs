//! Rows per second through the component versus the same report code
//! (`bitbucket_connector::run`) compiled natively. Both read the same fake
//! over loopback HTTP, one request at a time, with no latency, so the
//! difference is what WebAssembly, wasi:http and the component boundary cost.

use crate::{config, fake, first_repo, ratio, spec};
use bitbucket_connector::client::{RawResponse, Transport};
use bitbucket_connector::error::{Error, ErrorCode, Result};
use bitbucket_connector::url::Url;
use bitbucket_connector::{config::Config, reports, run::Run};
use host_harness::Host;
use std::time::{Duration, Instant};

pub fn report(host: &Host) -> anyhow::Result<()> {
    let fake = fake(spec(1, 5_000, 20_000), Duration::ZERO)?;
    let repo = first_repo(&fake);
    let config = config(&fake, 1);
    println!("| report | rows | component | native | component / native |");
    println!("|---|---:|---:|---:|---:|");
    for report in ["pull-requests", "commits"] {
        let params = vec![("workspace".to_string(), "acme".to_string()), ("repository".to_string(), repo.clone())];
        let mut session = host.session(&config)?;
        let started = Instant::now();
        let rows = session.run(report, &params, |_| Ok(()))?.rows;
        let component = started.elapsed();

        let definition = reports::find(report).expect("the report exists");
        let parsed = Config::parse(&config).map_err(|e| anyhow::anyhow!(e.message))?;
        let started = Instant::now();
        let mut run = Run::start(definition, &params, &parsed, Ureq::new()).map_err(|e| anyhow::anyhow!(e.message))?;
        let mut native_rows = 0;
        while let Some(batch) = run.next_batch().map_err(|e| anyhow::anyhow!(e.message))? {
            native_rows += batch.len() as u64;
        }
        let native = started.elapsed();
        anyhow::ensure!(rows == native_rows, "{report}: the same rows either way");
        let per_second = |d: Duration| rows as f64 / d.as_secs_f64();
        println!(
            "| {report} | {rows} | {:.0} rows/s | {:.0} rows/s | {:.2} |",
            per_second(component),
            per_second(native),
            ratio(native, component)
        );
    }
    Ok(())
}

/// Rows per second of each component at `paths` (the repository's own when
/// none is given), measured in alternating rounds against one fake: the
/// best round (the machine's other load only ever slows a round down) and
/// the median, each relative to the first component's.
pub fn compare(paths: &[String]) -> anyhow::Result<()> {
    const ROUNDS: usize = 7;
    let paths: Vec<std::path::PathBuf> = match paths {
        [] => vec![host_harness::component::build()?],
        paths => paths.iter().map(Into::into).collect(),
    };
    let hosts = paths.iter().map(|p| Host::load(p, host_harness::Limits::default())).collect::<anyhow::Result<Vec<_>>>()?;
    let fake = fake(spec(1, 5_000, 20_000), Duration::ZERO)?;
    let repo = first_repo(&fake);
    let config = config(&fake, 1);
    let params = vec![("workspace".to_string(), "acme".to_string()), ("repository".to_string(), repo)];
    let reports = ["pull-requests", "commits"];
    // walls[report][component]: one wall time per round.
    let mut walls = vec![vec![Vec::new(); hosts.len()]; reports.len()];
    let mut rows = vec![0; reports.len()];
    for _ in 0..ROUNDS {
        for (r, report) in reports.iter().enumerate() {
            for (h, host) in hosts.iter().enumerate() {
                let mut session = host.session(&config)?;
                let started = Instant::now();
                rows[r] = session.run(report, &params, |_| Ok(()))?.rows;
                walls[r][h].push(started.elapsed());
            }
        }
    }
    println!("| report | component | bytes | rows | rows/s, best of {ROUNDS} | vs the first | rows/s, median | vs the first |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (r, report) in reports.iter().enumerate() {
        for w in walls[r].iter_mut() {
            w.sort();
        }
        let (best, median) = (|h: usize| walls[r][h][0], |h: usize| walls[r][h][ROUNDS / 2]);
        for (h, path) in paths.iter().enumerate() {
            let per_second = |d: Duration| rows[r] as f64 / d.as_secs_f64();
            println!(
                "| {report} | {} | {} | {} | {:.0} | {:.3} | {:.0} | {:.3} |",
                path.display(),
                std::fs::metadata(path)?.len(),
                rows[r],
                per_second(best(h)),
                ratio(best(0), best(h)),
                per_second(median(h)),
                ratio(median(0), median(h))
            );
        }
    }
    Ok(())
}

/// A native transport over `ureq`, one request at a time.
struct Ureq {
    agent: ureq::Agent,
    started: Instant,
}

impl Ureq {
    fn new() -> Ureq {
        Ureq { agent: ureq::AgentBuilder::new().build(), started: Instant::now() }
    }

    fn get(&self, url: &Url, headers: &[(&str, &str)]) -> Result<RawResponse> {
        let mut request = self.agent.get(url.as_str());
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let response = match request.call() {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => return Err(Error::new(ErrorCode::Transport, e.to_string()).retryable()),
        };
        let header = |name: &str| response.header(name).map(str::to_string);
        let (status, content_type) = (response.status(), header("content-type"));
        let (retry_after, rate_limit_reset) = (header("retry-after"), header("x-ratelimit-reset"));
        let (location, login) = (header("location"), header("x-ausername"));
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut body)
            .map_err(|e| Error::new(ErrorCode::Transport, e.to_string()).retryable())?;
        Ok(RawResponse { status, content_type, retry_after, rate_limit_reset, location, login, body })
    }
}

impl Transport for Ureq {
    // One request at a time: sent when asked, answered when waited for.
    type Pending = Result<RawResponse>;

    fn send(&mut self, url: &Url, headers: &[(&str, &str)]) -> Self::Pending {
        self.get(url, headers)
    }

    fn wait_any(&mut self, pending: &[&Self::Pending]) -> Vec<usize> {
        (0..pending.len()).collect()
    }

    fn take(&mut self, pending: Self::Pending) -> Result<RawResponse> {
        pending
    }

    fn post(&mut self, _: &Url, _: &[(&str, &str)], _: &[u8]) -> Result<RawResponse> {
        Err(Error::new(ErrorCode::Transport, "no OAuth in the benchmark"))
    }

    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
