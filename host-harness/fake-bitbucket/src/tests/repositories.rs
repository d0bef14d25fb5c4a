//! Repositories (envelope, paging, BBQL, uuids), forks, watchers, branch restrictions and permissions.

use super::*;

#[test]
fn repositories_list_envelope_and_paging() {
    let fake = start();
    let expected = fake.dataset().repositories("acme");
    assert_eq!(expected.len(), 3);

    let first = get_ok(&format!("{}/repositories/acme?pagelen=2", fake.base_url()));
    assert_eq!(first["size"], 3);
    assert_eq!(first["page"], 1);
    assert_eq!(first["pagelen"], 2);
    assert!(first.get("previous").is_none());
    assert_eq!(first["values"].as_array().unwrap(), &expected[..2]);
    let next = first["next"].as_str().unwrap();
    assert_eq!(next, format!("{}/repositories/acme?pagelen=2&page=2", fake.base_url()));

    let second = get_ok(next);
    assert_eq!(second["page"], 2);
    assert_eq!(second["values"].as_array().unwrap(), &expected[2..]);
    assert!(second.get("next").is_none());
    assert_eq!(second["previous"], format!("{}/repositories/acme?pagelen=2&page=1", fake.base_url()));

    // Default pagelen 10: everything on one page, no next.
    let all = get_ok(&format!("{}/repositories/acme", fake.base_url()));
    assert_eq!(all["pagelen"], 10);
    assert_eq!(all["values"].as_array().unwrap(), &expected);
    assert!(all.get("next").is_none());

    // Shape of a repository object.
    let repo = &expected[0];
    for key in [
        "type",
        "uuid",
        "full_name",
        "name",
        "slug",
        "description",
        "is_private",
        "fork_policy",
        "language",
        "size",
        "has_issues",
        "has_wiki",
        "created_on",
        "updated_on",
        "mainbranch",
        "owner",
        "workspace",
        "project",
        "links",
    ] {
        assert!(repo.get(key).is_some(), "repository.{key}");
    }
    assert_eq!(repo["type"], "repository");
    assert_eq!(repo["full_name"], "acme/web-app");
    assert_eq!(repo["mainbranch"]["type"], "branch");
    assert_eq!(repo["workspace"]["slug"], "acme");
    assert_eq!(repo["project"]["type"], "project");
    assert!(repo["links"]["clone"].as_array().unwrap().len() == 2);
    let slugs: Vec<&str> = expected.iter().map(|r| r["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["web-app", "api-service", "infra"]);

    // Single repository.
    assert_eq!(get_ok(&format!("{}/repositories/acme/infra", fake.base_url())), expected[2]);
}

#[test]
fn workspace_and_repo_accept_uuids() {
    let fake = start();
    let repo = &fake.dataset().repositories("acme")[1];
    let enc = |s: &str| s.replace('{', "%7B").replace('}', "%7D");
    let ws_uuid = repo["workspace"]["uuid"].as_str().unwrap();
    let repo_uuid = repo["uuid"].as_str().unwrap();
    let url = format!("{}/repositories/{}/{}", fake.base_url(), enc(ws_uuid), enc(repo_uuid));
    assert_eq!(&get_ok(&url), repo);
    assert_eq!(fake.dataset().pull_requests(ws_uuid, repo_uuid).len(), 60);
}

#[test]
fn forks_watchers_restrictions_and_permissions() {
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: Dataset::generate(small_spec(&["acme", "other"])),
        ..FakeOptions::default()
    })
    .unwrap();
    let ds = fake.dataset();
    let b = fake.base_url();
    let mut fork_total = 0;
    for ws in ["acme", "other"] {
        for repo in ["web-app", "api-service"] {
            let base = format!("{b}/repositories/{ws}/{repo}");
            let forks = get_ok(&format!("{base}/forks"));
            let n = ds.fork_count(ws, repo);
            assert!(n <= 2);
            fork_total += n;
            assert_eq!(numbered(&forks, n), ds.forks(ws, repo));
            for f in forks["values"].as_array().unwrap() {
                assert_eq!(f["type"], "repository");
                assert_eq!(f["parent"]["full_name"], format!("{ws}/{repo}"));
            }
            let none = get_ok(&format!("{base}/forks?q={}", enc("created_on < 2000-01-01")));
            assert_eq!(numbered(&none, 0), Vec::<Value>::new());

            let watchers = get_ok(&format!("{base}/watchers"));
            assert_eq!(numbered(&watchers, ds.watcher_count(ws, repo)), ds.watchers(ws, repo));
            assert_eq!(watchers["values"][0]["type"], "user");

            let br = get_ok(&format!("{base}/branch-restrictions"));
            assert_eq!(numbered(&br, ds.branch_restriction_count(ws, repo)), ds.branch_restrictions(ws, repo));
            let push = get_ok(&format!("{base}/branch-restrictions?kind=push"));
            assert_eq!(numbered(&push, 1)[0]["kind"], "push");

            let users = get_ok(&format!("{base}/permissions-config/users"));
            assert_eq!(numbered(&users, ds.user_permission_count(ws, repo)), ds.user_permissions(ws, repo));
            let groups = get_ok(&format!("{base}/permissions-config/groups"));
            let gv = numbered(&groups, ds.group_permission_count(ws, repo));
            assert_eq!(gv, ds.group_permissions(ws, repo));
            assert_eq!(gv[0]["type"], "repository_group_permission");
            assert_eq!(gv[0]["group"]["type"], "group");
            assert_eq!(gv[0]["group"]["full_slug"], format!("{ws}:administrators"));
            assert_eq!(get_ok(&format!("{base}/permissions-config/groups/developers")), gv[1]);
            assert_error(&get(&format!("{base}/permissions-config/groups/nope"), Some(&basic())), 404, "Group nope not found");
        }
    }
    assert!(fork_total > 0);
    let forks = ds.forks("acme", "web-app");
    let b_forks = ds.forks("acme", "api-service");
    assert!(forks.iter().chain(&b_forks).any(|f| f["workspace"]["slug"] == "other"));
}

#[test]
fn repositories_bbql() {
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { repos_per_workspace: 9, ..small_spec(&["acme"]) }),
        ..FakeOptions::default()
    })
    .unwrap();
    let ds = fake.dataset();
    let b = fake.base_url();
    let public: Vec<Value> = ds.repositories("acme").into_iter().filter(|r| r["is_private"] == false).collect();
    assert!(!public.is_empty() && public.len() < 9);
    for q in ["is_private = false", "is_private=false", "is_private != true"] {
        let (values, pages) = collect_all(&format!("{b}/repositories/acme?pagelen=1&q={}", enc(q)));
        assert_eq!(values, public, "{q}");
        assert_eq!(pages[0]["size"], public.len());
    }
    let q = enc("project.key = \"PLAT\" AND name ~ \"app\"");
    let expected = ds
        .repositories("acme")
        .iter()
        .filter(|r| r["project"]["key"] == "PLAT" && r["name"].as_str().unwrap().contains("app"))
        .count();
    assert_eq!(get_ok(&format!("{b}/repositories/acme?q={q}"))["size"], expected);
}
