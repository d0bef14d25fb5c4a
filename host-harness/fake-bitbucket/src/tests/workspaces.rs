//! Workspaces, members, workspace permissions and projects.

use super::*;

#[test]
fn workspace_members_permissions_and_projects() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();

    let ws = get_ok(&format!("{b}/workspaces/acme"));
    assert_eq!(Some(&ws), ds.workspace("acme").as_ref());
    for key in ["uuid", "slug", "name", "is_private", "created_on", "links"] {
        assert!(ws.get(key).is_some(), "workspace.{key}");
    }
    let uuid_url = format!("{b}/workspaces/{}", enc(ws["uuid"].as_str().unwrap()));
    assert_eq!(get_ok(&uuid_url), ws);

    let n = ds.member_count("acme");
    assert!((5..=8).contains(&n));
    let (members, pages) = collect_all(&format!("{b}/workspaces/acme/members?pagelen=2"));
    assert_eq!(members, ds.members("acme"));
    assert_eq!(pages[0]["size"], n);
    assert_eq!(members[0]["type"], "workspace_membership");
    assert_eq!(members[0]["workspace"]["slug"], "acme");
    assert!(members[0].get("permission").is_none());
    let nick = members[1]["user"]["nickname"].as_str().unwrap();
    let one = get_ok(&format!("{b}/workspaces/acme/members?q={}", enc(&format!("user.nickname = \"{nick}\""))));
    assert_eq!(numbered(&one, 1), vec![members[1].clone()]);

    let perms = ds.workspace_permissions("acme");
    let page = get_ok(&format!("{b}/workspaces/acme/permissions?pagelen=100"));
    assert_eq!(numbered(&page, n), perms);
    assert_eq!(perms[0]["permission"], "owner");
    for p in &perms {
        assert!(["owner", "member", "collaborator"].contains(&p["permission"].as_str().unwrap()));
        assert!(p["last_accessed"].is_string() && p["added_on"].is_string());
    }
    let owners = perms.iter().filter(|p| p["permission"] == "owner").count();
    let page = get_ok(&format!("{b}/workspaces/acme/permissions?q=permission%3D%22owner%22"));
    assert_eq!(page["size"], owners);

    let projects = get_ok(&format!("{b}/workspaces/acme/projects"));
    assert_eq!(numbered(&projects, 2), ds.projects("acme"));
    for key in ["key", "uuid", "name", "description", "is_private", "created_on", "updated_on", "owner", "links"] {
        assert!(projects["values"][0].get(key).is_some(), "project.{key}");
    }

    let rp = get_ok(&format!("{b}/workspaces/acme/permissions/repositories/infra?pagelen=100"));
    assert_eq!(numbered(&rp, n), ds.repository_permissions("acme", "infra"));
    assert_eq!(rp["values"][0]["repository"]["full_name"], "acme/infra");
    assert_eq!(rp["values"][0]["permission"], "admin");

    assert_error(&get(&format!("{b}/workspaces/nobody/members"), Some(&basic())), 404, "No workspace with identifier 'nobody'.");
}

#[test]
fn offsetless_added_on_only_for_the_first_member() {
    let demo = Dataset::demo().workspace_permissions("acme");
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { offsetless_added_on: true, ..DatasetSpec::demo() }),
        ..FakeOptions::default()
    })
    .unwrap();
    let perms = fake.dataset().workspace_permissions("acme");
    let page = get_ok(&format!("{}/workspaces/acme/permissions?pagelen=100", fake.base_url()));
    assert_eq!(numbered(&page, perms.len()), perms);
    let added = perms[0]["added_on"].as_str().unwrap();
    let usual = demo[0]["added_on"].as_str().unwrap();
    // Milliseconds, no offset: the same instant, cut short.
    assert_eq!(added.len(), 23, "{added}");
    assert_eq!(added, &usual[..23]);
    assert_eq!(&usual[26..], "+00:00");
    let added_ons = |ps: &[Value]| ps.iter().map(|p| p["added_on"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(added_ons(&perms)[1..], added_ons(&demo)[1..], "the other members as usual");
    assert_eq!(perms[0]["user"]["uuid"], demo[0]["user"]["uuid"]);
    assert_eq!(perms[0]["permission"], "owner");
}
