//! `connector-harness fake`: the fake Bitbucket on its own, for tools in
//! other processes (engine adapters and their tests). It serves the demo
//! dataset (`Dataset::demo()`: workspace `acme`, repositories `web-app`,
//! `api-service` and `infra`) on 127.0.0.1, prints one JSON line saying
//! where it is and how to reach it, and stops when its standard input ends
//! (so a parent stops it by closing the pipe) or on SIGTERM or SIGINT.
//!
//! The control endpoint, `POST {origin}/_fake/pull-requests/{workspace}/{repository}/{id}`
//! with an optional body `{"title": "..."}`, moves that pull request's
//! `updated_on` to now (and sets its title) and answers
//! `{"updated_on": "..."}`; see `FakeOptions::control`.
//!
//! With `--product data-center` it serves the fake Data Center instead
//! (`FakeDataCenter`: projects `PRJ`, `OPS` and `~JSMITH`, under
//! `/bitbucket/rest`), its control endpoint `POST
//! {origin}/_fake/dc/pull-requests/{projectKey}/{repositorySlug}/{id}`
//! (see `DcOptions::control`).

use fake_bitbucket::{DcOptions, FakeBitbucket, FakeDataCenter, FakeOptions};
use serde_json::{json, Value};
use std::io::Write;

/// When the fake stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// Standard input reaches its end, or SIGTERM or SIGINT.
    StdinEndsOrSignal,
    /// SIGTERM or SIGINT only (standard input is ignored).
    Signal,
}

/// The one line printed on stdout: `{"base_url": …, "config": {"endpoint":
/// …, "auth": {"type": "api-token", "email": …, "token": …}}}`.
pub fn announcement(fake: &FakeBitbucket) -> Value {
    let c = fake.credentials();
    json!({
        "base_url": fake.base_url(),
        "config": {
            "endpoint": fake.base_url(),
            "auth": {"type": "api-token", "email": c.email, "token": c.api_token},
        },
    })
}

/// The line for a fake Data Center: `{"base_url": …, "config":
/// {"product": "data-center", "endpoint": …, "auth": {"type": "bearer",
/// "token": …}}}` (the user's personal access token).
pub fn dc_announcement(fake: &FakeDataCenter) -> Value {
    json!({
        "base_url": fake.base_url(),
        "config": {
            "product": "data-center",
            "endpoint": fake.base_url(),
            "auth": {"type": "bearer", "token": fake.credentials().personal_token},
        },
    })
}

/// Which fake `fake` serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Product {
    /// Bitbucket Cloud, with the demo's data.
    Cloud,
    /// Bitbucket Data Center, with its seeded projects.
    DataCenter,
}

/// Serves `product` on `port` (0: any free port) until told to stop.
pub fn serve(port: u16, until: Until, product: Product) -> anyhow::Result<()> {
    match product {
        Product::Cloud => {
            let fake = FakeBitbucket::start(FakeOptions { port, control: true, ..FakeOptions::default() })?;
            let control =
                format!("workspace `acme`; control: POST {}/_fake/pull-requests/WORKSPACE/REPOSITORY/ID", fake.origin());
            announce_and_wait(&announcement(&fake), &control, until)
        }
        Product::DataCenter => {
            let fake = FakeDataCenter::start(DcOptions { port, control: true, ..DcOptions::default() })?;
            let base_url = fake.base_url();
            let origin = base_url.strip_suffix(&DcOptions::default().context_path).unwrap_or(&base_url);
            let control =
                format!("projects `PRJ` and `OPS`; control: POST {origin}/_fake/dc/pull-requests/PROJECT/REPOSITORY/ID");
            announce_and_wait(&dc_announcement(&fake), &control, until)
        }
    }
}

/// Prints the announcement and a line for people, then waits (the fake
/// serving meanwhile).
fn announce_and_wait(announcement: &Value, about: &str, until: Until) -> anyhow::Result<()> {
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{announcement}")?;
        out.flush()?;
    }
    let stop = match until {
        Until::StdinEndsOrSignal => "at the end of stdin, SIGTERM or SIGINT",
        Until::Signal => "on SIGTERM or SIGINT",
    };
    eprintln!("fake Bitbucket at {} ({about}); stops {stop}", announcement["base_url"].as_str().unwrap_or_default());
    let why = wait(until)?;
    eprintln!("fake Bitbucket: stopping ({why})");
    Ok(())
}

/// Waits for the end of stdin (unless `until` says not to) or a signal;
/// says which came.
fn wait(until: Until) -> anyhow::Result<&'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let stdin_ended = match until {
            Until::StdinEndsOrSignal => {
                let (ended, stdin_ended) = tokio::sync::oneshot::channel::<()>();
                // A blocking read on its own thread; left behind if a
                // signal comes first (the process ends anyway).
                std::thread::Builder::new().name("fake-stdin".into()).spawn(move || {
                    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
                    let _ = ended.send(());
                })?;
                Some(stdin_ended)
            }
            Until::Signal => None,
        };
        let stdin_ended = async move {
            match stdin_ended {
                Some(ended) => {
                    let _ = ended.await;
                }
                None => std::future::pending().await,
            }
        };
        Ok(tokio::select! {
            _ = stdin_ended => "stdin ended",
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        })
    })
}
