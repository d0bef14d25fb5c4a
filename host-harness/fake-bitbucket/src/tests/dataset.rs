//! The dataset itself: determinism and the cost of large repositories.

use super::*;

#[test]
fn dataset_is_deterministic() {
    let spec = DatasetSpec {
        seed: 7,
        workspaces: vec!["one".into(), "two".into()],
        repos_per_workspace: 12,
        pull_requests_per_repo: 20,
        commits_per_repo: 30,
        ..DatasetSpec::demo()
    };
    let a = Dataset::generate(spec.clone());
    let b = Dataset::generate(spec.clone());
    assert_eq!(a.workspaces(), ["one", "two"]);
    for ws in ["one", "two"] {
        assert_eq!(a.repositories(ws), b.repositories(ws));
        assert_eq!(a.repositories(ws).len(), 12);
        for r in a.repositories(ws) {
            let slug = r["slug"].as_str().unwrap();
            assert_eq!(a.pull_requests(ws, slug), b.pull_requests(ws, slug));
            assert_eq!(a.commits(ws, slug), b.commits(ws, slug));
        }
    }
    let slugs: BTreeSet<String> = a.repositories("one").iter().map(|r| r["slug"].as_str().unwrap().to_string()).collect();
    assert_eq!(slugs.len(), 12, "unique slugs");
    let c = Dataset::generate(DatasetSpec { seed: 8, ..spec });
    assert_ne!(a.commits("one", "web-app"), c.commits("one", "web-app"));
    assert_ne!(a.repositories("one")[0]["uuid"], a.repositories("two")[0]["uuid"]);
    assert!(a.repositories("three").is_empty());
    assert!(a.commits("one", "nope").is_empty());
}

#[test]
fn large_repositories_are_cheap() {
    let t = Instant::now();
    let ds = Dataset::generate(DatasetSpec {
        seed: 1,
        workspaces: vec!["big".into()],
        repos_per_workspace: 1,
        pull_requests_per_repo: 100_000,
        commits_per_repo: 100_000,
        ..DatasetSpec::demo()
    });
    assert!(t.elapsed() < Duration::from_secs(1), "generate took {:?}", t.elapsed());
    assert_eq!(ds.pull_request_count("big", "web-app"), 100_000);
    assert_eq!(ds.commit_count("big", "web-app"), 100_000);
    let states = ds.pull_request_states("big", "web-app");
    let open = states.iter().filter(|s| **s == PrState::Open).count();
    assert!(open > 20_000 && open < 30_000, "{open}");
    let last_pr = ds.pull_request("big", "web-app", 100_000).unwrap();
    let last_commit = ds.commit("big", "web-app", 99_999).unwrap();
    assert!(ds.pull_request("big", "web-app", 100_001).is_none() && ds.commit("big", "web-app", 100_000).is_none());

    // Deep pages are served without materialising the whole list.
    let fake = FakeBitbucket::start(FakeOptions { dataset: ds, ..FakeOptions::default() }).unwrap();
    let ds = fake.dataset();
    // The served dataset is the same one with API links rebased on the server.
    let rebased =
        |v: &Value| -> Value { v.to_string().replace("https://api.bitbucket.org/2.0", &fake.base_url()).parse().unwrap() };
    let (last_pr, last_commit) = (rebased(&last_pr), rebased(&last_commit));
    let t = Instant::now();
    let url = format!(
        "{}/repositories/big/web-app/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50&page=2000",
        fake.base_url()
    );
    let page = get_ok(&url);
    let values = page["values"].as_array().unwrap();
    let expected: Vec<Value> = (99_951..=100_000).map(|id| ds.pull_request("big", "web-app", id).unwrap()).collect();
    assert_eq!(values, &expected);
    assert_eq!(values[49], last_pr);
    assert!(page.get("next").is_none());

    let token = paging::encode_token(99_900);
    let tail = get_ok(&format!("{}/repositories/big/web-app/commits?pagelen=100&page={token}", fake.base_url()));
    let expected: Vec<Value> = (99_900..100_000).map(|i| ds.commit("big", "web-app", i).unwrap()).collect();
    assert_eq!(tail["values"].as_array().unwrap(), &expected);
    assert_eq!(tail["values"][99], last_commit);
    assert!(tail.get("next").is_none());

    let open_page = get_ok(&format!("{}/repositories/big/web-app/pullrequests?page=100", fake.base_url()));
    assert_eq!(open_page["size"], open);
    assert!(open_page["values"].as_array().unwrap().iter().all(|p| p["state"] == "OPEN"));
    assert!(t.elapsed() < Duration::from_secs(3), "deep pages took {:?}", t.elapsed());

    // Materialising objects stays cheap enough for expectations on mid-size repos.
    let t = Instant::now();
    let mid = Dataset::generate(DatasetSpec {
        seed: 2,
        workspaces: vec!["mid".into()],
        repos_per_workspace: 1,
        pull_requests_per_repo: 5_000,
        commits_per_repo: 5_000,
        ..DatasetSpec::demo()
    });
    let prs = mid.pull_requests("mid", "web-app");
    let commits = mid.commits("mid", "web-app");
    assert_eq!((prs.len(), commits.len()), (5_000, 5_000));
    assert!(prs.windows(2).all(|w| w[0]["created_on"].as_str() < w[1]["created_on"].as_str()));
    assert!(commits.windows(2).all(|w| w[0]["date"].as_str() > w[1]["date"].as_str()));
    eprintln!("materialising 2 x 5,000 objects took {:?}", t.elapsed());
}
