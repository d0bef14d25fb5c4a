//! Removed endpoints.

use super::*;

#[test]
fn removed_endpoints_answer_like_bitbucket() {
    let fake = start();
    let b = fake.base_url();
    let auth = basic();
    let gone = json!({"type": "error", "error": {
        "message": "CHANGE-2770 - Functionality has been deprecated",
        "detail": "Please read the changelog entry for more details.",
        "data": {"announcement_url": "https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"}}});
    for path in [
        "/repositories",
        "/repositories/",
        "/workspaces",
        "/user/permissions/repositories",
        "/user/permissions/workspaces",
        "/user/permissions/teams",
    ] {
        assert_error_json(&get(&format!("{b}{path}?pagelen=10"), Some(&auth)), 410, gone.clone());
    }
    for path in [
        "/repositories/acme/web-app/issues",
        "/repositories/acme/web-app/issues/1/comments",
        "/repositories/acme/web-app/components",
        "/repositories/acme/web-app/versions",
        "/repositories/acme/web-app/milestones",
    ] {
        assert_error(&get(&format!("{b}{path}"), Some(&auth)), 404, "Repository has no issue tracker.");
    }
    for path in ["/teams/acme", "/teams/acme/members", "/users/alice/followers", "/users/alice/following"] {
        assert_error(&get(&format!("{b}{path}"), Some(&auth)), 404, "Resource not found");
    }
    // Removed endpoints still need credentials.
    assert_eq!(get(&format!("{b}/workspaces"), None).status, 401);
}
