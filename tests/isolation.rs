//! Tenant isolation: many tenants in one harness process at once, each with
//! its own credentials and its own Bitbucket, and no cross-talk.

mod common;

use common::*;
use fake_bitbucket::{Credentials, FakeOptions};
use std::collections::BTreeSet;

#[test]
fn concurrent_tenants_reach_only_their_own_server_with_their_own_credentials() {
    const TENANTS: usize = 6;
    let fakes: Vec<_> = (0..TENANTS)
        .map(|i| {
            let credentials = Credentials {
                email: format!("tenant{i}@example.com"),
                api_token: format!("TENANT-{i}-SECRET"),
                bearer_tokens: vec![format!("TENANT-{i}-BEARER")],
            };
            start(FakeOptions {
                credentials,
                ..FakeOptions::default()
            })
        })
        .collect();

    std::thread::scope(|scope| {
        for (i, fake) in fakes.iter().enumerate() {
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
            });
        }
    });

    for (i, fake) in fakes.iter().enumerate() {
        let requests = fake.requests();
        assert!(!requests.is_empty(), "tenant {i} was served");
        let expected = if i % 2 == 0 {
            fake.credentials().basic_header()
        } else {
            format!("Bearer TENANT-{i}-BEARER")
        };
        let seen: BTreeSet<_> = requests
            .iter()
            .map(|r| r.authorization.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            seen,
            BTreeSet::from([expected]),
            "tenant {i} saw only its own credentials"
        );
        assert!(
            requests.iter().all(|r| r.status == 200),
            "no request was rejected, so none went to the wrong server"
        );
    }
}

#[test]
fn a_tenant_that_traps_does_not_disturb_the_others() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    // A tenant whose guest runs out of memory reading a 6 MiB page, in the same process.
    let huge = fake_bitbucket::FaultRule {
        fault: fake_bitbucket::Fault::HugeBody(6 << 20),
        path_contains: None,
        attempts: usize::MAX,
    };
    let hungry_fake = start(FakeOptions {
        faults: vec![huge],
        ..FakeOptions::default()
    });
    let hungry_config = common::config(&hungry_fake);
    let small = host_with(host_harness::Limits {
        memory_bytes: 4 << 20,
        ..Default::default()
    });
    std::thread::scope(|scope| {
        let failing = scope.spawn(|| {
            small
                .session(&hungry_config)
                .and_then(|mut s| s.run("commits", &params(&[("workspace", "acme")]), |_| Ok(())))
        });
        let healthy = scope.spawn(|| {
            run(
                &config,
                "commits",
                &[("workspace", "acme"), ("repository", "infra")],
            )
        });
        assert!(matches!(
            failing.join().unwrap(),
            Err(host_harness::HostError::Trap(_))
        ));
        assert!(!healthy.join().unwrap().unwrap().is_empty());
    });
}

#[test]
fn a_call_past_its_deadline_is_stopped_and_the_host_goes_on() {
    // Each answer takes 600 ms; a call into the guest may take 200 ms.
    let slow = start(FakeOptions {
        latency: std::time::Duration::from_millis(600),
        ..FakeOptions::default()
    });
    let strict = host_with(host_harness::Limits {
        call_deadline: std::time::Duration::from_millis(200),
        ..Default::default()
    });
    // Configuring sends nothing, so it finishes well inside the deadline.
    let mut session = strict.session(&config(&slow)).expect("configure is quick");
    let started = std::time::Instant::now();
    let outcome = session.run(
        "repositories",
        &params(&[("workspace", "acme")]),
        |_| Ok(()),
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(600),
        "the call was stopped after the slow answer, not before"
    );
    match outcome {
        Err(host_harness::HostError::Trap(message)) => {
            assert!(message.contains("time budget"), "{message}")
        }
        other => panic!("expected the deadline to stop the call, got {other:?}"),
    }
    // The same process serves the next tenant normally.
    let fake = start(FakeOptions::default());
    assert!(
        !run(&config(&fake), "repositories", &[("workspace", "acme")])
            .unwrap()
            .is_empty()
    );
}
