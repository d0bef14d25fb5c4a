//! Tenant isolation: many tenants in one harness process at once, each with
//! its own credentials and its own Bitbucket, and no cross-talk.

use crate::common::*;
use fake_bitbucket::{Credentials, FakeOptions};
use std::collections::BTreeSet;

#[test]
fn sixty_four_tenants_in_one_process_stay_apart_within_bounded_memory_and_fds() {
    // Run alone in a child process: peak RSS is process-wide.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "isolation::concurrent_tenants_reach_only_their_own_server_with_their_own_credentials",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let figures = stdout.lines().find_map(|l| Some(l.split_once("TENANTS ")?.1)).expect("the child printed its figures");
    println!("64 tenants: {figures}");
    let numbers: Vec<u64> = figures.split_whitespace().filter_map(|w| w.split('=').nth(1)?.parse().ok()).collect();
    let (peak_rss_mib, peak_fds) = (numbers[0], numbers[1]);
    // 64 sessions (a 64 MiB cap each) and 64 fake servers in one process:
    // about 150 MiB on the development machine.
    assert!(peak_rss_mib < 512, "peak RSS {peak_rss_mib} MiB");
    // Each session holds at most concurrency + 2 = 10 connections, each
    // with its accepted end in the fake, and each fake its listener.
    assert!(peak_fds < 64 * (2 * 10 + 1) + 64, "peak fds {peak_fds}");
}

#[test]
#[ignore = "run alone in a child process by sixty_four_tenants_in_one_process_..."]
fn concurrent_tenants_reach_only_their_own_server_with_their_own_credentials() {
    const TENANTS: usize = 64;
    let peak_fds = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicBool::new(false);
    let fakes: Vec<_> = (0..TENANTS)
        .map(|i| {
            let credentials = Credentials {
                email: format!("tenant{i}@example.com"),
                api_token: format!("TENANT-{i}-SECRET"),
                bearer_tokens: vec![format!("TENANT-{i}-BEARER")],
            };
            start(FakeOptions { credentials, ..FakeOptions::default() })
        })
        .collect();

    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak_fds.fetch_max(open_fds(), std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
        let tenants: Vec<_> = fakes.iter().enumerate().map(|(i, fake)| {
            scope.spawn(move || {
                // Half the tenants use API tokens, half bearer tokens.
                let auth = if i % 2 == 0 {
                    serde_json::json!({"type": "api-token", "email": fake.credentials().email, "token": fake.credentials().api_token})
                } else {
                    serde_json::json!({"type": "bearer", "token": fake.credentials().bearer_tokens[0]})
                };
                let config = serde_json::json!({"endpoint": fake.base_url(), "auth": auth}).to_string();
                for report in ["commits", "pull-requests"] {
                    let rows = run(&config, report, &[("workspace", "acme"), ("repository", "web-app")]).unwrap();
                    assert!(!rows.is_empty());
                }
            })
        }).collect();
        for tenant in tenants {
            tenant.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let rss_kib = peak_rss_kib();
    println!("TENANTS peak_rss_mib={} peak_fds={}", rss_kib / 1024, peak_fds.load(std::sync::atomic::Ordering::Relaxed));

    for (i, fake) in fakes.iter().enumerate() {
        let requests = fake.requests();
        assert!(!requests.is_empty(), "tenant {i} was served");
        let expected = if i % 2 == 0 { fake.credentials().basic_header() } else { format!("Bearer TENANT-{i}-BEARER") };
        let seen: BTreeSet<_> = requests.iter().map(|r| r.authorization.clone().unwrap_or_default()).collect();
        assert_eq!(seen, BTreeSet::from([expected]), "tenant {i} saw only its own credentials");
        assert!(requests.iter().all(|r| r.status == 200), "no request was rejected, so none went to the wrong server");
    }
}

#[test]
fn a_tenant_that_traps_does_not_disturb_the_others() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    // A tenant whose guest runs out of memory reading a 6 MiB page, in the same process.
    let huge =
        fake_bitbucket::FaultRule { fault: fake_bitbucket::Fault::HugeBody(6 << 20), path_contains: None, attempts: usize::MAX };
    let hungry_fake = start(FakeOptions { faults: vec![huge], ..FakeOptions::default() });
    let hungry_config = crate::common::config(&hungry_fake);
    let small = host_with(host_harness::Limits { memory_bytes: 4 << 20, ..Default::default() });
    std::thread::scope(|scope| {
        let failing = scope.spawn(|| {
            small.session(&hungry_config).and_then(|mut s| s.run("commits", &params(&[("workspace", "acme")]), |_| Ok(())))
        });
        let healthy = scope.spawn(|| run(&config, "commits", &[("workspace", "acme"), ("repository", "infra")]));
        assert!(matches!(failing.join().unwrap(), Err(host_harness::HostError::Trap(_))));
        assert!(!healthy.join().unwrap().unwrap().is_empty());
    });
}

#[test]
fn a_call_past_its_deadline_is_stopped_and_the_host_goes_on() {
    // Each answer takes 3 s; a call into the guest may take 200 ms. The
    // deadline is real time: it stops the call while the guest waits in
    // the host for the answer, long before the answer comes.
    let slow = start(FakeOptions { latency: std::time::Duration::from_secs(3), ..FakeOptions::default() });
    let strict = host_with(host_harness::Limits { call_deadline: std::time::Duration::from_millis(200), ..Default::default() });
    // Configuring sends nothing, so it finishes well inside the deadline.
    let mut session = strict.session(&config(&slow)).expect("configure is quick");
    let started = std::time::Instant::now();
    let outcome = session.run("repositories", &params(&[("workspace", "acme")]), |_| Ok(()));
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(200) && took < std::time::Duration::from_millis(1500),
        "stopped at the deadline, not at the answer: {took:?}"
    );
    match outcome {
        Err(host_harness::HostError::Limit { limit, message }) => {
            assert_eq!(limit, host_harness::HostLimit::CallDeadline);
            assert!(message.contains("took longer than 0.2 s"), "{message}")
        }
        other => panic!("expected the deadline to stop the call, got {other:?}"),
    }
    // The stopped session refuses further calls instead of re-entering a
    // store whose call was cut short.
    assert!(matches!(session.configure(&config(&slow)), Err(host_harness::HostError::Trap(m)) if m.contains("stopped earlier")));
    // The same process serves the next tenant normally.
    let fake = start(FakeOptions::default());
    assert!(!run(&config(&fake), "repositories", &[("workspace", "acme")]).unwrap().is_empty());
}
