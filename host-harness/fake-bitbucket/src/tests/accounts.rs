//! The authenticated user, its emails and workspace accesses.

use super::*;

#[test]
fn user_emails_and_workspaces() {
    let fake = FakeBitbucket::start(FakeOptions {
        dataset: Dataset::generate(small_spec(&["zeta", "acme", "mid"])),
        ..FakeOptions::default()
    })
    .unwrap();
    let ds = fake.dataset();
    let b = fake.base_url();

    let me = get_ok(&format!("{b}/user"));
    assert_eq!(me, ds.current_user());
    for key in ["account_id", "uuid", "display_name", "nickname", "created_on", "links"] {
        assert!(me.get(key).is_some(), "user.{key}");
    }
    let emails = get_ok(&format!("{b}/user/emails"));
    assert_eq!(numbered(&emails, ds.emails().len()), ds.emails());
    assert_eq!(emails["values"][0]["type"], "email");
    assert_eq!(emails["values"][0]["is_primary"], true);

    let (all, pages) = collect_all(&format!("{b}/user/workspaces?pagelen=2"));
    assert_eq!(all, ds.user_workspaces());
    assert_eq!(pages[0]["size"], 3);
    assert_eq!(all[0]["type"], "workspace_access");
    assert_eq!(all[0]["workspace"]["slug"], "zeta");
    let slugs = |url: String| -> Vec<String> {
        collect_all(&url).0.iter().map(|v| v["workspace"]["slug"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(slugs(format!("{b}/user/workspaces?sort=slug")), ["acme", "mid", "zeta"]);
    assert_eq!(slugs(format!("{b}/user/workspaces?sort=-slug")), ["zeta", "mid", "acme"]);
    let admins: Vec<String> =
        all.iter().filter(|v| v["administrator"] == true).map(|v| v["workspace"]["slug"].as_str().unwrap().to_string()).collect();
    assert_eq!(slugs(format!("{b}/user/workspaces?administrator=true")), admins);
    assert_eq!(get(&format!("{b}/user/workspaces?sort=name"), Some(&basic())).status, 400);
}
