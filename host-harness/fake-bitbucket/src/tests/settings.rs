//! Repository, project and workspace settings: default reviewers (own,
//! project, effective), deploy keys, webhooks, project permissions, the
//! workspace-wide and the caller's repository permissions.

use super::*;

#[test]
fn default_reviewers_deploy_keys_and_webhooks() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    for repo in ["web-app", "api-service", "infra"] {
        let base = format!("{b}/repositories/acme/{repo}");
        let own = ds.default_reviewers("acme", repo);
        assert!((1..=3).contains(&own.len()));
        assert_eq!(numbered(&get_ok(&format!("{base}/default-reviewers")), own.len()), own);
        assert!(own.iter().all(|u| u["type"] == "user"));

        // Effective: the repository's own first, then the project's not already listed.
        let (effective, _) = collect_all(&format!("{base}/effective-default-reviewers?pagelen=1"));
        assert_eq!(effective, ds.effective_default_reviewers_of("acme", repo));
        let own_uuids: Vec<&Value> = own.iter().map(|u| &u["uuid"]).collect();
        let (mine, inherited): (Vec<&Value>, Vec<&Value>) = effective.iter().partition(|e| e["reviewer_type"] == "repository");
        assert_eq!(mine.iter().map(|e| &e["user"]["uuid"]).collect::<Vec<_>>(), own_uuids);
        assert!(inherited.iter().all(|e| e["reviewer_type"] == "project" && !own_uuids.contains(&&e["user"]["uuid"])));
        let uuids: BTreeSet<String> = effective.iter().map(|e| e["user"]["uuid"].to_string()).collect();
        assert_eq!(uuids.len(), effective.len(), "no reviewer twice");

        let keys = get_ok(&format!("{base}/deploy-keys"));
        let keys = numbered(&keys, ds.deploy_keys("acme", repo).len());
        assert_eq!(keys, ds.deploy_keys("acme", repo));
        for k in &keys {
            assert_eq!(k["type"], "deploy_key");
            assert!(k["key"].as_str().unwrap().starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"), "{k}");
            assert!(is_rfc3339(k["added_on"].as_str().unwrap(), true));
        }

        let hooks = get_ok(&format!("{base}/hooks"));
        let hooks = numbered(&hooks, ds.repository_webhooks("acme", repo).len());
        assert_eq!(hooks, ds.repository_webhooks("acme", repo));
        for h in &hooks {
            assert_eq!(h["subject_type"], "repository");
            assert!(h.get("secret").is_none(), "a secret is never returned");
            assert!(h["events"].as_array().is_some_and(|e| !e.is_empty()));
        }
    }
    let hooks = numbered(&get_ok(&format!("{b}/workspaces/acme/hooks")), 2);
    assert_eq!(hooks, ds.workspace_webhooks("acme"));
    assert!(hooks.iter().all(|h| h["subject_type"] == "workspace" && h["subject"]["slug"] == "acme"));
    assert_error(&get(&format!("{b}/workspaces/nope/hooks"), Some(&basic())), 404, "No workspace with identifier 'nope'.");
}

#[test]
fn project_settings_by_key() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    assert_eq!(ds.project_keys("acme"), ["PLAT", "PROD"]);
    for key in ds.project_keys("acme") {
        let base = format!("{b}/workspaces/acme/projects/{key}");
        let reviewers = ds.project_default_reviewers_of("acme", &key);
        assert_eq!(numbered(&get_ok(&format!("{base}/default-reviewers")), reviewers.len()), reviewers);
        assert!(reviewers.iter().all(|r| r["reviewer_type"] == "project"));
        let keys = ds.project_deploy_keys("acme", &key);
        assert_eq!(numbered(&get_ok(&format!("{base}/deploy-keys")), keys.len()), keys);
        assert!(keys.iter().all(|k| k["type"] == "project_deploy_key" && k["project"]["key"] == key.as_str()));
        let users = ds.project_user_permissions("acme", &key);
        assert!((2..=4).contains(&users.len()));
        assert_eq!(users[0]["permission"], "admin");
        assert_eq!(numbered(&get_ok(&format!("{base}/permissions-config/users")), users.len()), users);
        let groups = ds.project_group_permissions("acme", &key);
        assert_eq!(numbered(&get_ok(&format!("{base}/permissions-config/groups")), 2), groups);
        assert_eq!(groups[0]["group"]["slug"], "administrators");
    }
    let r = get(&format!("{b}/workspaces/acme/projects/NOPE/deploy-keys"), Some(&basic()));
    assert_error(&r, 404, "No project with key 'NOPE' in workspace acme");
}

#[test]
fn workspace_wide_and_own_repository_permissions() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let all = ds.workspace_repository_permissions("acme");
    assert_eq!(all.len(), 3 * ds.member_count("acme"));
    // Paged across repositories: the same objects as the per-repository lists, in order.
    let (paged, pages) = collect_all(&format!("{b}/workspaces/acme/permissions/repositories?pagelen=4"));
    assert_eq!(paged, all);
    assert_eq!(pages.len(), all.len().div_ceil(4));
    let per_repo: Vec<Value> =
        ["web-app", "api-service", "infra"].iter().flat_map(|r| ds.repository_permissions("acme", r)).collect();
    assert_eq!(all, per_repo);
    let q = enc(r#"permission = "admin""#);
    let admins = get_ok(&format!("{b}/workspaces/acme/permissions/repositories?q={q}"));
    assert_eq!(admins["size"], all.iter().filter(|p| p["permission"] == "admin").count());

    let mine = ds.my_repository_permissions("acme");
    assert_eq!(numbered(&get_ok(&format!("{b}/user/workspaces/acme/permissions/repositories")), 3), mine);
    let me = ds.current_user();
    assert!(mine.iter().all(|p| p["user"]["uuid"] == me["uuid"] && p["permission"] == "admin"), "the caller administers acme");
}
