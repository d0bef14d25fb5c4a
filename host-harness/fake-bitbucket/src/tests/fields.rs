//! Partial responses (`fields`).

use super::*;

#[test]
fn fields_partial_responses() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let every = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50";
    let prs_url = format!("{b}/repositories/acme/web-app/pullrequests?{every}");
    let all = ds.pull_requests("acme", "web-app");
    // `next` carries the request's own `fields`; compare pages without it.
    let no_next = |mut page: Value| {
        page.as_object_mut().unwrap().shift_remove("next");
        page
    };
    let full = no_next(get_ok(&prs_url));

    // Restrict: only the listed paths, everything below each; the envelope
    // only when listed.
    let page = get_ok(&format!("{prs_url}&fields=values.id,values.author"));
    assert_eq!(page.as_object().unwrap().keys().collect::<Vec<_>>(), ["values"]);
    for (p, want) in page["values"].as_array().unwrap().iter().zip(&all) {
        assert_eq!(p, &json!({"id": want["id"], "author": want["author"]}));
    }
    let page = get_ok(&format!("{prs_url}&fields=next,size,page,pagelen&fields=values.id"));
    assert_eq!(
        page.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["size", "page", "pagelen", "next", "values"],
        "key order is the answer's, not the request's"
    );
    let next = query_pairs(page["next"].as_str().unwrap());
    assert!(next.contains(&("fields".into(), "values.id".into())));
    assert!(next.contains(&("page".into(), "2".into())));
    assert_eq!(page["values"].as_array().unwrap().len(), 50);

    // Nested through arrays: every element of `values`, key order kept.
    let page = get_ok(&format!("{prs_url}&fields=values.author.uuid,values.source.branch.name,values.id"));
    for (p, want) in page["values"].as_array().unwrap().iter().zip(&all) {
        assert_eq!(
            serde_json::to_string(p).unwrap(),
            serde_json::to_string(&json!({
                "id": want["id"],
                "author": {"uuid": want["author"]["uuid"]},
                "source": {"branch": {"name": want["source"]["branch"]["name"]}}
            }))
            .unwrap()
        );
    }
    // Arrays inside elements too: a commit's `parents[].hash`.
    let commits = get_ok(&format!("{b}/repositories/acme/web-app/commits?fields=values.parents.hash"));
    let expected = ds.commits("acme", "web-app");
    for (c, want) in commits["values"].as_array().unwrap().iter().zip(&expected) {
        let hashes: Vec<Value> = want["parents"].as_array().unwrap().iter().map(|p| json!({"hash": p["hash"]})).collect();
        assert_eq!(c, &json!({"parents": hashes}));
    }

    // `+` adds an expansion and keeps it when restricting.
    let page = get_ok(&format!("{prs_url}&fields=values.id,%2Bvalues.participants"));
    for p in page["values"].as_array().unwrap() {
        let id = p["id"].as_u64().unwrap();
        let parts = ds.pull_request_participants("acme", "web-app", id);
        assert_eq!(p, &json!({"id": id, "participants": parts}));
    }
    // An unencoded `+` (decoded to a space) counts as `+`.
    let page = get_ok(&format!("{prs_url}&fields=values.id,+values.reviewers"));
    assert!(page["values"][0].get("reviewers").is_some());
    // `+` alone changes nothing else.
    let page = no_next(get_ok(&format!("{prs_url}&fields=%2Bvalues.reviewers")));
    let mut stripped = page.clone();
    for p in stripped["values"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().shift_remove("reviewers");
    }
    assert!(stripped == full);
    let one = get_ok(&format!("{b}/repositories/acme/web-app/pullrequests/7?fields=id,%2Breviewers,%2Bparticipants"));
    assert_eq!(one.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "reviewers", "participants"]);

    // `-` removes, alone or after restricting, through arrays.
    let page = no_next(get_ok(&format!("{prs_url}&fields=-values.links,-values.summary")));
    let mut want = full.clone();
    for p in want["values"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().shift_remove("links");
        p.as_object_mut().unwrap().shift_remove("summary");
    }
    assert!(page == want);
    let page = get_ok(&format!("{prs_url}&fields=values.author,-values.author.links,next"));
    assert!(page["next"].as_str().unwrap().contains("page=2"));
    for (p, want) in page["values"].as_array().unwrap().iter().zip(&all) {
        let mut author = want["author"].clone();
        author.as_object_mut().unwrap().shift_remove("links");
        assert_eq!(p, &json!({"author": author}));
    }

    // `*` matches every key at its level.
    let repo = get_ok(&format!("{b}/repositories/acme/web-app?fields=links.*.href"));
    let links = repo["links"].as_object().unwrap();
    let full_repo = get_ok(&format!("{b}/repositories/acme/web-app"));
    assert_eq!(links.len(), full_repo["links"].as_object().unwrap().len());
    assert_eq!(repo["links"]["self"]["href"], full_repo["links"]["self"]["href"]);
    assert_eq!(
        repo["links"]["clone"],
        json!(full_repo["links"]["clone"].as_array().unwrap().iter().map(|c| json!({"href": c["href"]})).collect::<Vec<_>>())
    );
    let repo = get_ok(&format!("{b}/repositories/acme/web-app?fields=-links.*,uuid"));
    assert_eq!(repo, json!({"uuid": full_repo["uuid"]}));
    let repo = get_ok(&format!("{b}/repositories/acme/web-app?fields=*"));
    assert!(repo == full_repo);
    let repo = get_ok(&format!("{b}/repositories/acme/web-app?fields=-links.*"));
    assert_eq!(repo["links"], json!({}));

    // A path that names nothing contributes nothing; it is not an error.
    let page = get_ok(&format!("{prs_url}&fields=values.id,values.nope,bogus.x"));
    assert_eq!(page["values"][0], json!({"id": 1}));
    assert_eq!(get_ok(&format!("{prs_url}&fields=nope")), json!({}));
    assert!(no_next(get_ok(&format!("{prs_url}&fields=-nope,-values.nope"))) == full);
    // Elements that keep nothing stay in place as `{}`.
    let page = get_ok(&format!("{prs_url}&fields=values.merge_commit.hash"));
    for (p, want) in page["values"].as_array().unwrap().iter().zip(&all) {
        if want["state"] == "MERGED" {
            assert_eq!(p["merge_commit"]["hash"], want["merge_commit"]["hash"]);
        } else {
            assert_eq!(p, &json!({}));
        }
    }

    // Error bodies are left alone.
    assert_error(
        &get(&format!("{b}/repositories/acme/nope/pullrequests?fields=values.id"), Some(&basic())),
        404,
        "Repository acme/nope not found",
    );
    assert_error(
        &get(&format!("{b}/repositories/acme/web-app/pullrequests?state=bogus&fields=type"), Some(&basic())),
        400,
        "Invalid state 'bogus': expected one of OPEN, MERGED, DECLINED, SUPERSEDED",
    );
    assert_error(&get(&format!("{b}/user?fields=type"), None), 401, "Authentication required");
}
