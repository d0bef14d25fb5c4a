//! Changes while the fake runs (incremental-sync support).

use super::*;

/// Ids of the `values` of a JSON page.
fn ids(values: &[Value]) -> Vec<u64> {
    values.iter().map(|v| v["id"].as_u64().unwrap()).collect()
}

/// `v` without the keys in `drop` (top level).
fn without(v: &Value, drop: &[&str]) -> Value {
    let mut v = v.clone();
    for k in drop {
        v.as_object_mut().unwrap().remove(*k);
    }
    v
}

#[test]
fn updated_pull_requests_show_everywhere_and_caches_follow() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/pullrequests");
    let every = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50";
    // After every generated timestamp (2026-10-01), as a connector's checkpoint.
    let cut = "2026-10-02T00:00:00+00:00";
    let after_cut = format!("{base}?pagelen=50&q={}", enc(&format!("updated_on > {cut}")));
    let renamed = format!("{base}?q={}", enc("title ~ \"renamed\""));

    // Before: nothing after the cut (these results are now cached), and the
    // activity totals are cached too.
    assert_eq!(ids(&numbered(&get_ok(&after_cut), 0)), Vec::<u64>::new());
    assert_eq!(get_ok(&renamed)["size"], 0);
    let (list_before, _) = collect_all(&format!("{base}?{every}"));
    let pr7_before = get_ok(&format!("{base}/7"));
    let comments_before = ds.pull_request_comments("acme", "web-app", 7);
    let activity_before = ds.pull_request_activity("acme", "web-app", 7);
    let total_before = ds.repository_activity_count("acme", "web-app");
    assert_eq!(ds.pull_requests_updated_since("acme", "web-app", cut), 0);
    let state7 = pr7_before["state"].as_str().unwrap().to_string();

    fake.update_pull_request("acme", "web-app", 7, "2026-10-05T12:00:00+00:00", "Renamed: retry policy");
    fake.update_pull_request("acme", "web-app", 12, "2026-10-03T08:00:00Z", "RENAMED too");

    // BBQL sees the new values, ascending id; the same `q` is not served stale.
    let page = get_ok(&after_cut);
    assert_eq!(ids(&numbered(&page, 2)), [7, 12]);
    assert_eq!(ids(&numbered(&get_ok(&renamed), 2)), [7, 12]);
    // An unencoded `+` (decoded to a space) works the same.
    let raw_plus = format!("{base}?q=updated_on%20%3E%20{cut}");
    assert_eq!(ids(&numbered(&get_ok(&raw_plus), 2)), [7, 12]);
    let q = |q: &str| ids(&get_ok(&format!("{base}?q={}", enc(q)))["values"].as_array().unwrap().clone());
    assert_eq!(q("updated_on >= 2026-10-05T12:00:00+00:00"), [7]);
    assert_eq!(q("updated_on > 2026-10-05T12:00:00+00:00"), Vec::<u64>::new());
    // The checkpoint a connector keeps: the newest updated_on it saw, exclusive.
    assert_eq!(q("updated_on > 2026-10-05T12:00:00.000000+00:00"), Vec::<u64>::new());
    assert_eq!(q("updated_on > 2026-10-05T11:59:59.999999+00:00"), [7]);
    assert_eq!(q("updated_on > 2026-10-03T08:00:00+00:00"), [7]);
    assert_eq!(q(&format!("state = \"{state7}\" AND updated_on > {cut}")), [7]);
    assert_eq!(q(&format!("(title = \"RENAMED too\" OR id = 3) AND updated_on >= {cut}")), [12]);
    // Another repository is untouched.
    let other = format!("{b}/repositories/acme/api-service/pullrequests?q={}", enc(&format!("updated_on > {cut}")));
    assert_eq!(get_ok(&other)["size"], 0);

    // The single pull request: new title and updated_on, nothing else moved.
    let pr7 = get_ok(&format!("{base}/7"));
    assert_eq!(pr7["title"], "Renamed: retry policy");
    assert_eq!(pr7["rendered"]["title"]["raw"], "Renamed: retry policy");
    assert_eq!(pr7["updated_on"], "2026-10-05T12:00:00.000000+00:00");
    assert_eq!(pr7, page["values"][0]);
    assert_eq!(Some(&pr7), ds.pull_request("acme", "web-app", 7).as_ref());
    let moved = ["title", "rendered", "updated_on"];
    assert_eq!(without(&pr7, &moved), without(&pr7_before, &moved));
    assert_eq!(get_ok(&format!("{base}/12"))["updated_on"], "2026-10-03T08:00:00.000000+00:00");

    // The list without `q`: same order, the changed ones in place.
    let (list_after, _) = collect_all(&format!("{base}?{every}"));
    assert_eq!(ids(&list_after), ids(&list_before));
    assert_eq!(list_after, ds.pull_requests("acme", "web-app"));
    for (a, b) in list_after.iter().zip(&list_before) {
        if a["id"] == 7 || a["id"] == 12 {
            assert_ne!(a["title"], b["title"]);
        } else {
            assert_eq!(a, b);
        }
    }
    assert_eq!(ds.pull_requests_updated_since("acme", "web-app", cut), 2);
    assert_eq!(ds.pull_request_ids_updated_after("acme", "web-app", cut), [7, 12]);

    // Comments and activity embed the new title; their dates did not move.
    let comments = get_ok(&format!("{base}/7/comments?pagelen=100"));
    let comments = numbered(&comments, comments_before.len());
    assert_eq!(comments, ds.pull_request_comments("acme", "web-app", 7));
    for (a, b) in comments.iter().zip(&comments_before) {
        assert_eq!(a["pullrequest"]["title"], "Renamed: retry policy");
        assert_eq!(without(a, &["pullrequest"]), without(b, &["pullrequest"]));
    }
    let (activity, _) = collect_all(&format!("{base}/7/activity?pagelen=3"));
    assert_eq!(activity, ds.pull_request_activity("acme", "web-app", 7));
    assert_eq!(activity.len(), activity_before.len() + 1);
    let update = &activity[0]["update"];
    assert_eq!(update["title"], "Renamed: retry policy");
    assert_eq!(update["date"], "2026-10-05T12:00:00.000000+00:00");
    assert_eq!(update["state"], state7.as_str());
    assert!(activity.iter().all(|a| a["pull_request"]["title"] == "Renamed: retry policy"));
    // Older updates keep the title they had.
    let opened = &activity.last().unwrap()["update"];
    assert_eq!(opened["title"], pr7_before["title"]);

    // Repository activity: totals recomputed (cache dropped), items follow.
    let total = ds.repository_activity_count("acme", "web-app");
    assert_eq!(total, total_before + 2);
    let (all, _) = collect_all(&format!("{base}/activity?pagelen=100"));
    assert_eq!(all.len(), total);

    // Later updates win; an update earlier than the latest change keeps updated_on.
    fake.update_pull_request("acme", "web-app", 7, "2026-10-04T00:00:00+00:00", "Older rename");
    let pr7 = ds.pull_request("acme", "web-app", 7).unwrap();
    assert_eq!(pr7["title"], "Renamed: retry policy");
    assert_eq!(pr7["updated_on"], "2026-10-05T12:00:00.000000+00:00");
    fake.update_pull_request("acme", "web-app", 7, "2026-10-07T00:00:00+00:00", "Latest rename");
    assert_eq!(get_ok(&format!("{base}/7"))["title"], "Latest rename");
    assert_eq!(ids(&numbered(&get_ok(&renamed), 1)), [12]);
    assert_eq!(q("title = \"Latest rename\""), [7]);
}

#[test]
fn added_comments_show_everywhere() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/pullrequests");
    let cut = "2026-10-02T00:00:00+00:00";
    let id = (1..=60u64).find(|&i| ds.pull_request_comment_count("acme", "web-app", i) >= 2).unwrap();
    let before = ds.pull_request_comments("acme", "web-app", id);
    let pr_before = ds.pull_request("acme", "web-app", id).unwrap();
    let comments_after_cut = format!("{base}/{id}/comments?q={}", enc(&format!("created_on > {cut}")));
    let prs_after_cut = format!("{base}?q={}", enc(&format!("updated_on > {cut}")));
    assert_eq!(get_ok(&comments_after_cut)["size"], 0);
    assert_eq!(get_ok(&prs_after_cut)["size"], 0);
    let activity_before = ds.pull_request_activity_count("acme", "web-app", id);
    let total_before = ds.repository_activity_count("acme", "web-app");

    let c1 = fake.add_pull_request_comment(
        "acme",
        "web-app",
        id,
        "2026-10-06T09:30:00+00:00",
        "New <comment> & more\n\nSecond paragraph",
    );
    let c2 = fake.add_pull_request_comment("acme", "web-app", id, "2026-10-06T10:00:00+00:00", "Another");
    assert!(c2 > c1);
    assert!(before.iter().all(|c| c["id"].as_u64().unwrap() < c1));

    // The comments list: generated ones unchanged, then the new ones.
    let page = get_ok(&format!("{base}/{id}/comments?pagelen=100"));
    let comments = numbered(&page, before.len() + 2);
    assert_eq!(comments, ds.pull_request_comments("acme", "web-app", id));
    assert_eq!(comments[..before.len()], before[..]);
    let new = &comments[before.len()];
    assert_eq!(new["id"], c1);
    assert_eq!(new["content"]["raw"], "New <comment> & more\n\nSecond paragraph");
    assert_eq!(new["content"]["html"], "<p>New &lt;comment&gt; &amp; more</p>\n<p>Second paragraph</p>");
    assert_eq!(new["created_on"], "2026-10-06T09:30:00.000000+00:00");
    assert_eq!(new["updated_on"], new["created_on"]);
    assert_eq!(new["user"], pr_before["author"]);
    assert_eq!(new["deleted"], false);
    assert_eq!(new["pullrequest"]["id"], id);
    assert_eq!(ids(&numbered(&get_ok(&comments_after_cut), 2)), [c1, c2]);
    let q = enc("updated_on >= 2026-10-06T10:00:00+00:00");
    assert_eq!(ids(&numbered(&get_ok(&format!("{base}/{id}/comments?q={q}")), 1)), [c2]);

    // The pull request: comment_count and updated_on moved, BBQL sees it.
    let pr = get_ok(&format!("{base}/{id}"));
    assert_eq!(pr["comment_count"], before.len() + 2);
    assert_eq!(pr["updated_on"], "2026-10-06T10:00:00.000000+00:00");
    assert_eq!(pr["title"], pr_before["title"]);
    assert_eq!(ds.pull_request_comment_count("acme", "web-app", id), before.len() + 2);
    assert_eq!(ids(&numbered(&get_ok(&prs_after_cut), 1)), [id]);
    let q = enc(&format!("comment_count = {}", before.len() + 2));
    let matching = get_ok(&format!("{base}?pagelen=50&q={q}"));
    assert!(ids(matching["values"].as_array().unwrap()).contains(&id));

    // Activity: one comment item each, newest first.
    let activity = ds.pull_request_activity("acme", "web-app", id);
    assert_eq!(activity.len(), activity_before + 2);
    assert_eq!(activity[0]["comment"]["id"], c2);
    assert_eq!(activity[1]["comment"]["id"], c1);
    let (served, _) = collect_all(&format!("{base}/{id}/activity"));
    assert_eq!(served, activity);
    assert_eq!(ds.repository_activity_count("acme", "web-app"), total_before + 2);

    // A title update earlier than the comments leaves updated_on at the latest.
    fake.update_pull_request("acme", "web-app", id, "2026-10-05T00:00:00+00:00", "Retitled");
    let pr = get_ok(&format!("{base}/{id}"));
    assert_eq!((pr["title"].as_str(), pr["updated_on"].as_str()), (Some("Retitled"), Some("2026-10-06T10:00:00.000000+00:00")));
    let activity = ds.pull_request_activity("acme", "web-app", id);
    assert_eq!(activity[2]["update"]["title"], "Retitled");
}

#[test]
fn changes_survive_clone_and_are_checked() {
    let ds = Dataset::demo();
    ds.update_pull_request("acme", "infra", 3, "2026-10-05T12:00:00+00:00", "X");
    ds.add_pull_request_comment("acme", "infra", 4, "2026-10-05T12:00:00+00:00", "Y");
    let copy = ds.clone();
    assert_eq!(copy.pull_request("acme", "infra", 3).unwrap()["title"], "X");
    assert_eq!(copy.pull_request_comments("acme", "infra", 4).last().unwrap()["content"]["raw"], "Y");
    // Served by a fake (links rebased), the changes are still there.
    let fake = FakeBitbucket::start(FakeOptions { dataset: copy, ..FakeOptions::default() }).unwrap();
    let pr = get_ok(&format!("{}/repositories/acme/infra/pullrequests/3", fake.base_url()));
    assert_eq!(pr["title"], "X");
    assert!(pr["links"]["self"]["href"].as_str().unwrap().starts_with(&fake.base_url()));

    // Panics (messages show in the output): too early, not an instant,
    // unknown pull request, unknown repository.
    for (repo, id, when) in [
        ("infra", 3, "2026-09-30T23:59:59Z"),
        ("infra", 3, "yesterday"),
        ("infra", 61, "2026-10-05T12:00:00Z"),
        ("nope", 1, "2026-10-05T12:00:00Z"),
    ] {
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ds.update_pull_request("acme", repo, id, when, "t")));
        assert!(res.is_err(), "{repo} {id} {when}");
    }
}
