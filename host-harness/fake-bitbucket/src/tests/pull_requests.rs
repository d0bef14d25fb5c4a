//! Pull requests: states, parameters, shape, sub-resources (comments, commits, activity), expansions and BBQL.

use super::*;

#[test]
fn pull_requests_default_to_open_and_filter_by_repeated_state() {
    let fake = start();
    let all = fake.dataset().pull_requests("acme", "web-app");
    assert_eq!(all.len(), 60);
    assert_eq!(states(&all).len(), 4, "demo has all four states");

    let open: Vec<Value> = all.iter().filter(|p| p["state"] == "OPEN").cloned().collect();
    let (values, pages) = collect_all(&format!("{}/repositories/acme/web-app/pullrequests", fake.base_url()));
    assert_eq!(values, open);
    assert_eq!(pages[0]["size"], open.len());
    assert_eq!(pages[0]["pagelen"], 10);

    let url = format!("{}/repositories/acme/web-app/pullrequests?state=MERGED&state=DECLINED&pagelen=7", fake.base_url());
    let wanted: Vec<Value> = all.iter().filter(|p| p["state"] == "MERGED" || p["state"] == "DECLINED").cloned().collect();
    let (values, pages) = collect_all(&url);
    assert_eq!(values, wanted);
    let ids: Vec<u64> = values.iter().map(|v| v["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending id");
    assert!(pages.len() > 1);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p["page"], i + 1);
        assert_eq!(p["size"], wanted.len());
    }

    let every = format!(
        "{}/repositories/acme/web-app/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50",
        fake.base_url()
    );
    assert_eq!(collect_all(&every).0, all);

    // Single pull request (any state).
    assert_eq!(get_ok(&format!("{}/repositories/acme/web-app/pullrequests/3", fake.base_url())), all[2]);
}

#[test]
fn pull_request_parameter_errors() {
    let fake = start();
    let base = format!("{}/repositories/acme/api-service/pullrequests", fake.base_url());
    let auth = basic();
    for q in ["pagelen=51", "pagelen=100", "pagelen=0", "pagelen=abc", "pagelen=-1", "pagelen="] {
        assert_error(&get(&format!("{base}?{q}"), Some(&auth)), 400, "Invalid pagelen");
    }
    for q in ["page=abc", "page=0", "page=-2", "page=1.5"] {
        assert_error(&get(&format!("{base}?{q}"), Some(&auth)), 400, "Invalid page");
    }
    for s in ["open", "ALL", "MERGED,DECLINED", ""] {
        let r = get(&format!("{base}?state={s}"), Some(&auth));
        assert_eq!(r.status, 400, "state={s}");
        assert_eq!(r.json()["type"], "error");
    }
    assert_eq!(get_ok(&format!("{base}?pagelen=50"))["pagelen"], 50);

    // Past the end: empty values, not an error.
    let past = get_ok(&format!("{base}?page=999&state=MERGED"));
    assert_eq!(past["values"], json!([]));
    assert_eq!(past["page"], 999);
    assert!(past.get("next").is_none());

    // sort is tolerated; with q, the default OPEN-only filter is off.
    let (values, _) =
        collect_all(&format!("{base}?fields=%2Bvalues.participants&q=updated_on%3E%3D2020-01-01&sort=-updated_on&pagelen=50"));
    assert_eq!(values.len(), 60);
    assert_eq!(states(&values).len(), 4);
}

#[test]
fn demo_pull_requests_look_like_bitbucket() {
    let ds = Dataset::demo();
    let mut awkward_title = false;
    let mut null_description = false;
    let mut empty_description = false;
    let mut non_ascii_name = false;
    for repo in ["web-app", "api-service", "infra"] {
        let prs = ds.pull_requests("acme", repo);
        assert_eq!(prs.len(), 60);
        assert_eq!(states(&prs).len(), 4);
        let created: Vec<&str> = prs.iter().map(|p| p["created_on"].as_str().unwrap()).collect();
        assert!(created.windows(2).all(|w| w[0] < w[1]), "created_on increases with id");
        for (i, p) in prs.iter().enumerate() {
            assert_eq!(p["type"], "pullrequest");
            assert_eq!(p["id"], i + 1);
            assert!(is_rfc3339(p["created_on"].as_str().unwrap(), true));
            assert!(p["updated_on"].as_str().unwrap() >= p["created_on"].as_str().unwrap());
            assert_eq!(p["source"]["repository"]["full_name"], format!("acme/{repo}"));
            assert_eq!(p["source"]["commit"]["hash"].as_str().unwrap().len(), 40);
            assert!(p["destination"]["branch"]["name"].is_string());
            let merged = p["state"] == "MERGED";
            assert_eq!(p["merge_commit"].is_object(), merged);
            if p["state"] == "OPEN" || p["state"] == "SUPERSEDED" {
                assert!(p["closed_by"].is_null());
            } else {
                assert_eq!(p["closed_by"]["type"], "user");
            }
            let author = &p["author"];
            for key in ["display_name", "uuid", "account_id", "nickname"] {
                assert!(author[key].is_string(), "author.{key}");
            }
            assert!(author["links"]["avatar"]["href"].is_string());
            let title = p["title"].as_str().unwrap();
            awkward_title |= title.contains(',') && title.contains('"') && title.contains('\n');
            null_description |= p["description"].is_null();
            empty_description |= p["description"] == "";
            non_ascii_name |= !author["display_name"].as_str().unwrap().is_ascii();
        }
        // The awkward title is on an OPEN PR, so the default listing has it too.
        assert_eq!(prs[3]["state"], "OPEN");
    }
    assert!(awkward_title && null_description && empty_description && non_ascii_name);
    assert_eq!(ds.users().len(), 8);
    assert_eq!(ds.pull_request("acme", "infra", 60).unwrap(), ds.pull_requests("acme", "infra")[59]);
    assert!(ds.pull_request("acme", "infra", 61).is_none());
}

#[test]
fn pull_request_comments_commits_and_activity() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/pullrequests");

    let mut some_inline = false;
    let mut some_reply = false;
    for id in 1..=8u64 {
        let comments = ds.pull_request_comments("acme", "web-app", id);
        assert_eq!(comments.len(), ds.pull_request_comment_count("acme", "web-app", id));
        assert!(comments.len() <= 5);
        let page = get_ok(&format!("{base}/{id}/comments?pagelen=100"));
        assert_eq!(numbered(&page, comments.len()), comments);
        some_inline |= comments.iter().any(|c| c.get("inline").is_some());
        some_reply |= comments.iter().any(|c| c.get("parent").is_some());
        let pr = ds.pull_request("acme", "web-app", id).unwrap();
        assert_eq!(pr["comment_count"], comments.len());

        let commits = get_ok(&format!("{base}/{id}/commits"));
        let cv = numbered(&commits, ds.pull_request_commit_count("acme", "web-app", id));
        assert_eq!(cv, ds.pull_request_commits("acme", "web-app", id));
        assert!((1..=4).contains(&cv.len()));

        let expected = ds.pull_request_activity("acme", "web-app", id);
        assert_eq!(expected.len(), ds.pull_request_activity_count("acme", "web-app", id));
        let (values, pages) = collect_all(&format!("{base}/{id}/activity?pagelen=2"));
        assert_eq!(values, expected);
        assert!(pages.iter().all(|p| p.get("size").is_none()));
        let dates: Vec<String> = values
            .iter()
            .map(|a| {
                let (k, v) = a.as_object().unwrap().iter().find(|(k, _)| *k != "pull_request").unwrap();
                let d = if k == "comment" { &v["created_on"] } else { &v["date"] };
                d.as_str().unwrap().to_string()
            })
            .collect();
        assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
        assert_eq!(values.last().unwrap()["update"]["state"], "OPEN");
        assert!(values.iter().all(|a| a["pull_request"]["id"] == id));
    }
    assert!(some_inline && some_reply);

    // Comment filtering on dates.
    let id = (1..=60u64).find(|&i| ds.pull_request_comment_count("acme", "web-app", i) >= 3).unwrap();
    let comments = ds.pull_request_comments("acme", "web-app", id);
    let cut = comments[1]["created_on"].as_str().unwrap();
    let page = get_ok(&format!("{base}/{id}/comments?q={}", enc(&format!("created_on >= {cut}"))));
    assert_eq!(numbered(&page, comments.len() - 1), comments[1..]);

    // Whole-repository activity: PRs newest first.
    let total = ds.repository_activity_count("acme", "web-app");
    let (values, pages) = collect_all(&format!("{b}/repositories/acme/web-app/pullrequests/activity?pagelen=100"));
    assert_eq!(values.len(), total);
    assert_eq!(pages.len(), total.div_ceil(100));
    let last = ds.pull_request_activity("acme", "web-app", 60);
    assert_eq!(values[..last.len()], last[..]);
    let one = ds.pull_request_activity("acme", "web-app", 1);
    assert_eq!(values[total - one.len()..], one[..]);
}

#[test]
fn pull_request_expansion_and_bbql() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/pullrequests");
    let every = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50";

    let (plain, _) = collect_all(&format!("{base}?{every}"));
    assert!(plain.iter().all(|p| p.get("participants").is_none() && p.get("reviewers").is_none()));
    let (both, _) = collect_all(&format!("{base}?{every}&fields=%2Bvalues.participants,%2Bvalues.reviewers"));
    let (only_rev, _) = collect_all(&format!("{base}?{every}&fields=%2Bvalues.reviewers"));
    let mut some_participants = false;
    for (i, p) in both.iter().enumerate() {
        let id = p["id"].as_u64().unwrap();
        let parts = ds.pull_request_participants("acme", "web-app", id);
        assert_eq!(parts.len(), ds.pull_request_participant_count("acme", "web-app", id));
        assert_eq!(p["participants"].as_array().unwrap(), &parts);
        some_participants |= !parts.is_empty();
        let reviewers: Vec<Value> = parts.iter().filter(|x| x["role"] == "REVIEWER").map(|x| x["user"].clone()).collect();
        assert_eq!(p["reviewers"].as_array().unwrap(), &reviewers);
        assert!(only_rev[i].get("participants").is_none());
        assert_eq!(only_rev[i]["reviewers"], p["reviewers"]);
        let mut stripped = p.clone();
        stripped.as_object_mut().unwrap().remove("participants");
        stripped.as_object_mut().unwrap().remove("reviewers");
        assert_eq!(stripped, plain[i]);
        for x in &parts {
            assert_eq!(x["type"], "participant");
            assert!([json!(null), json!("approved"), json!("changes_requested")].contains(&x["state"]));
        }
    }
    assert!(some_participants);

    // Date filter: every state, `state` ignored, paging over the filtered list.
    let since = "2026-05-01T00:00:00+00:00";
    let expected = ds.pull_requests_updated_since("acme", "web-app", since);
    assert!(expected > 10 && expected < 60, "{expected}");
    let wanted: Vec<Value> =
        ds.pull_requests("acme", "web-app").into_iter().filter(|p| p["updated_on"].as_str().unwrap() >= "2026-05-01").collect();
    assert_eq!(wanted.len(), expected);
    let q = enc(&format!("updated_on >= {since}"));
    let (values, pages) = collect_all(&format!("{base}?state=OPEN&pagelen=7&q={q}"));
    assert_eq!(values, wanted);
    assert!(pages.iter().all(|p| p["size"] == expected));
    assert_eq!(pages.len(), expected.div_ceil(7));
    // An unencoded `+` (decoded to a space) is tolerated.
    let raw_plus = format!("{base}?q=updated_on%20%3E%3D%202026-05-01T00:00:00+00:00");
    assert_eq!(get_ok(&raw_plus)["size"], expected);

    let open = wanted.iter().filter(|p| p["state"] == "OPEN").count();
    let q = enc(&format!("state = \"OPEN\" AND updated_on >= {since}"));
    assert_eq!(get_ok(&format!("{base}?q={q}"))["size"], open);
    let open_merged = wanted.iter().filter(|p| p["state"] == "OPEN" || p["state"] == "MERGED").count();
    let q = enc(&format!("(state = \"OPEN\" OR state = \"MERGED\") AND updated_on >= {since}"));
    assert_eq!(get_ok(&format!("{base}?q={q}"))["size"], open_merged);
    let q = enc("reviewers.nickname = \"alice\"");
    let alice = both.iter().filter(|p| p["reviewers"].as_array().unwrap().iter().any(|u| u["nickname"] == "alice")).count();
    assert_eq!(get_ok(&format!("{base}?q={q}"))["size"], alice);

    assert_error(&get(&format!("{base}?q={}", enc("bogus >= 2026-01-01")), Some(&basic())), 400, "Invalid field name: bogus");
    assert_eq!(get(&format!("{base}?q={}", enc("state = ")), Some(&basic())).status, 400);
}

#[test]
fn a_users_pull_requests_across_the_workspace() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let author = ds.pull_request("acme", "web-app", 1).unwrap()["author"].clone();
    let uuid = author["uuid"].as_str().unwrap();
    let all = ds.user_pull_requests("acme", uuid);
    let every_repo: Vec<Value> = ["web-app", "api-service", "infra"]
        .iter()
        .flat_map(|r| ds.pull_requests("acme", r))
        .filter(|p| p["author"]["uuid"] == uuid)
        .collect();
    assert_eq!(all, every_repo, "repository order, then id");
    assert!(all.iter().any(|p| p["destination"]["repository"]["full_name"] != "acme/web-app"));

    let url = format!("{b}/workspaces/acme/pullrequests/{}", enc(uuid));
    let states = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED";
    let (paged, _) = collect_all(&format!("{url}?pagelen=3&{states}"));
    assert_eq!(paged, all);
    let by_account_id =
        format!("{b}/workspaces/acme/pullrequests/{}?pagelen=50&{states}", enc(author["account_id"].as_str().unwrap()));
    assert_eq!(get_ok(&by_account_id)["size"], all.len());
    let open = get_ok(&format!("{url}?pagelen=50"));
    assert_eq!(open["size"], all.iter().filter(|p| p["state"] == "OPEN").count(), "OPEN unless asked");
    assert_error(&get(&format!("{url}?pagelen=51"), Some(&basic())), 400, "Invalid pagelen");

    let me = ds.current_user()["uuid"].as_str().unwrap().to_string();
    assert_eq!(get_ok(&format!("{b}/workspaces/acme/pullrequests/{}", enc(&me)))["size"], 0);
    assert_error(&get(&format!("{b}/workspaces/acme/pullrequests/%7Bnope%7D"), Some(&basic())), 404, "User {nope} not found");
}
