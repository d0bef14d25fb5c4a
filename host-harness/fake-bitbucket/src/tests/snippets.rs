//! Snippets of a workspace, their comments and commits.

use super::*;

#[test]
fn snippets_comments_and_commits() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let snippets = ds.snippets("acme");
    assert_eq!(snippets.len(), 4);
    let (paged, _) = collect_all(&format!("{b}/snippets/acme?pagelen=3&role=member"));
    assert_eq!(paged, snippets);
    let ids: BTreeSet<&str> = snippets.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    assert!(snippets.iter().any(|s| s["is_private"] == false));
    let mut comments = 0;
    for s in &snippets {
        let id = s["id"].as_str().unwrap();
        let c = ds.snippet_comments("acme", id);
        assert_eq!(numbered(&get_ok(&format!("{b}/snippets/acme/{id}/comments")), c.len()), c);
        assert!(c.iter().all(|x| x["snippet"]["id"] == id && x["type"] == "snippet_comment"));
        comments += c.len();
        let commits = ds.snippet_commits("acme", id);
        assert!(!commits.is_empty());
        assert_eq!(numbered(&get_ok(&format!("{b}/snippets/acme/{id}/commits")), commits.len()), commits);
        let dates: Vec<&str> = commits.iter().map(|c| c["date"].as_str().unwrap()).collect();
        assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");
        assert!(commits.last().unwrap()["parents"].as_array().unwrap().is_empty());
    }
    assert!(comments > 0);
    assert_error(&get(&format!("{b}/snippets/acme/zzzzz/comments"), Some(&basic())), 404, "Snippet zzzzz not found");
    assert_error(&get(&format!("{b}/snippets/acme?role=boss"), Some(&basic())), 400, "Invalid role: boss");
}
