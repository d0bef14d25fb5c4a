//! Hostile guests against the sandbox's limits: each attack of
//! `tests/hostile-guest` that targets time, endless batches, connections,
//! host memory or the origin wall runs in a child process of its own (so
//! its peak RSS and descriptors are its own), beside a well-behaved tenant
//! that must keep being served. Each attack must end with a typed error
//! within its bound; the figures are printed as a table.

use crate::common::*;
use fake_bitbucket::FakeOptions;
use host_harness::{component, Host, HostError, Limits};
use std::time::{Duration, Instant};

/// The attack a child process runs (unset in the parent).
const ATTACK: &str = "CONNECTOR_HOSTILE_ATTACK";

/// The bounds every attack runs under: tight, so the suite stays quick.
fn tight_limits() -> Limits {
    Limits {
        call_deadline: Duration::from_secs(2),
        run_deadline: Duration::from_secs(4),
        max_empty_batches: 1_000,
        memory_bytes: 32 << 20,
        ..Limits::default()
    }
}

/// What an attack must end with, and within how long.
struct Expect {
    attack: &'static str,
    /// How it may end: a prefix of the error's text (`host-limit: ...`,
    /// `guest-trap: ...`), or `rows` when the wall refuses the attack and
    /// the run ends normally (origin tricks).
    ends: &'static [&'static str],
    /// The longest it may take (its deadline plus a little slack).
    within: Duration,
}

const SLACK: Duration = Duration::from_millis(1500);

/// The host's resource table is full: the guest's next resource traps.
const TABLE_FULL: &str = "resource table has no free keys";
/// A header set past the host's size limit traps.
const FIELDS_FULL: &str = "total size of fields exceeds limit";

fn expectations() -> Vec<Expect> {
    let call = tight_limits().call_deadline + SLACK;
    let e = |attack, ends, within| Expect { attack, ends, within };
    vec![
        e("sleep-forever", &["host-limit: call-deadline exceeded"], call),
        e("hang-request", &["host-limit: call-deadline exceeded"], call),
        e("spin", &["host-limit: call-deadline exceeded"], call),
        e("endless-empty", &["host-limit: max-empty-batches exceeded"], call),
        // 10,000 requests need more host resources than a session may hold.
        e("flood", &[TABLE_FULL, "host-limit: call-deadline exceeded"], call),
        e("leak-headers", &[FIELDS_FULL, TABLE_FULL, "host-limit: call-deadline exceeded"], call),
        e("leak-bodies", &[TABLE_FULL, "host-limit: call-deadline exceeded"], call),
        e("origin-tricks", &["rows"], call),
    ]
}

#[test]
fn every_hostile_guest_ends_within_its_bound_and_the_host_keeps_serving() {
    if std::env::var_os(ATTACK).is_some() {
        return;
    }
    let mut table = vec![
        "| attack | outcome | bound | observed | host peak RSS | peak fds |".to_string(),
        "|---|---|---|---|---|---|".into(),
    ];
    for expect in expectations() {
        // Built here, once, so the child does not race other builds.
        component::build_hostile(expect.attack).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "hostile_sandbox::one_attack_in_this_process", "--ignored", "--nocapture", "--test-threads", "1"])
            .env(ATTACK, expect.attack)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: {stdout}\n{}", expect.attack, String::from_utf8_lossy(&out.stderr));
        let line = stdout
            .lines()
            .find_map(|l| Some(l.split_once("ATTACK ")?.1))
            .unwrap_or_else(|| panic!("{}: no figures in\n{stdout}", expect.attack));
        table.push(line.to_string());
    }
    println!("{}", table.join("\n"));
}

/// The child's half: runs the attack named by `ATTACK` beside a
/// well-behaved tenant, checks the outcome and prints one table row.
#[test]
#[ignore = "run in a child process by every_hostile_guest_ends_within_its_bound_..."]
fn one_attack_in_this_process() {
    let attack = std::env::var(ATTACK).expect("run by every_hostile_guest_...");
    let expect = expectations().into_iter().find(|e| e.attack == attack).unwrap();
    let fake = start(FakeOptions::default());
    let hostile = Host::load(&component::build_hostile(&attack).unwrap(), tight_limits()).unwrap();
    let fds_before = open_fds();
    let peak_fds = std::sync::atomic::AtomicUsize::new(fds_before);
    let done = std::sync::atomic::AtomicBool::new(false);
    let (outcome, took, served) = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak_fds.fetch_max(open_fds(), std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        // Another tenant, in the same process, served throughout.
        let neighbour = scope.spawn(|| {
            let mut served = 0;
            let until = Instant::now() + tight_limits().call_deadline;
            while Instant::now() < until || served == 0 {
                let rows = run(&config(&fake), "repositories", &[("workspace", "acme")]).expect("the neighbour is served");
                assert_eq!(rows.len(), 3);
                served += 1;
            }
            served
        });
        let started = Instant::now();
        let outcome = hostile.session(&config(&fake)).and_then(|mut session| {
            let mut rows = Vec::new();
            session
                .run("ok", &[], |cells| {
                    rows.push(format!("{cells:?}"));
                    Ok(())
                })
                .map(|_| rows)
        });
        let took = started.elapsed();
        let served = neighbour.join().unwrap();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (outcome, took, served)
    });
    let described = match &outcome {
        Err(e) => {
            let text = e.to_string();
            let matched = expect
                .ends
                .iter()
                .find(|end| text.starts_with(**end) || ([TABLE_FULL, FIELDS_FULL].contains(*end) && text.contains(**end)));
            let Some(matched) = matched else {
                panic!("{attack}: ended with {text:?}, expected one of {:?}", expect.ends);
            };
            assert!(matches!(e, HostError::Limit { .. } | HostError::Trap(_)), "{e:?}");
            matched.to_string()
        }
        Ok(rows) => {
            assert_eq!(expect.ends, ["rows"], "{attack} ended normally");
            // Every trick was refused by the wall: none got a response.
            assert_eq!(rows.len(), 8, "{rows:?}");
            for row in rows {
                assert!(row.contains("refused") && !row.contains("response"), "{row}");
            }
            "all 8 refused".to_string()
        }
    };
    assert!(took <= expect.within, "{attack} took {took:?}, bound {:?}", expect.within);
    assert!(served >= 1, "{attack}: the neighbour was served {served} times");
    let rss_mib = peak_rss_kib() / 1024;
    let fds = peak_fds.load(std::sync::atomic::Ordering::Relaxed);
    // The host's own memory stays bounded outside the guest's 32 MiB cap.
    assert!(rss_mib < 400, "{attack}: peak RSS {rss_mib} MiB");
    // The flood holds at most concurrency + 2 connections (and their ends
    // in the fake); the rest never connect.
    assert!(fds < fds_before + 64, "{attack}: {fds} fds, {fds_before} before");
    println!(
        "ATTACK | {attack} | {described} | {:.1} s | {:.2} s | {rss_mib} MiB | {fds} |",
        expect.within.as_secs_f64(),
        took.as_secs_f64()
    );
}
