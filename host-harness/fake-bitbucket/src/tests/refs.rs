//! Branches and tags, with their date filters.

use super::*;

#[test]
fn branches_and_tags_with_date_filters() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/web-app/refs");

    let (branches, pages) = collect_all(&format!("{base}/branches?pagelen=5"));
    assert_eq!(branches, ds.branches("acme", "web-app"));
    assert_eq!(branches.len(), ds.branch_count("acme", "web-app"));
    assert_eq!(branches.len(), 12);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[2]["size"], 12);
    let names: Vec<&str> = branches.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"main") && names.windows(2).all(|w| w[0] < w[1]));
    let main = &branches[names.iter().position(|n| *n == "main").unwrap()];
    assert_eq!(main["type"], "branch");
    assert_eq!(main["target"], ds.commit("acme", "web-app", 0).unwrap());

    let since = "2026-09-01T00:00:00+00:00";
    let expected = ds.branches_with_target_date_since("acme", "web-app", since);
    assert!(expected > 0 && expected < 12, "{expected}");
    for q in [format!("target.date >= {since}"), format!("target.date>={since}")] {
        let (values, pages) = collect_all(&format!("{base}/branches?pagelen=2&q={}", enc(&q)));
        assert_eq!(values.len(), expected, "{q}");
        assert_eq!(pages[0]["size"], expected);
        assert!(values.iter().all(|v| v["target"]["date"].as_str().unwrap() >= "2026-09-01"));
    }
    let one = get_ok(&format!("{base}/branches?q={}", enc("name = \"main\"")));
    assert_eq!(numbered(&one, 1)[0]["name"], "main");

    let tags = get_ok(&format!("{base}/tags?pagelen=100"));
    let values = numbered(&tags, ds.tag_count("acme", "web-app"));
    assert_eq!(values, ds.tags("acme", "web-app"));
    assert_eq!(values.len(), 8);
    assert_eq!(values[0]["type"], "tag");
    assert!(values.iter().any(|t| t.get("tagger").is_some()));
    assert!(values.iter().any(|t| t.get("tagger").is_none()));
    let since = values[4]["target"]["date"].as_str().unwrap();
    let expected = ds.tags_with_target_date_since("acme", "web-app", since);
    assert_eq!(expected, 4);
    let page = get_ok(&format!("{base}/tags?q={}", enc(&format!("target.date >= {since}"))));
    assert_eq!(page["size"], expected);

    assert_error(&get(&format!("{base}/branches?q={}", enc("foo = 1")), Some(&basic())), 400, "Invalid field name: foo");
}

#[test]
fn refs_list_branches_then_tags_by_name_with_bbql() {
    let fake = start();
    let ds = fake.dataset();
    let base = format!("{}/repositories/acme/web-app/refs", fake.base_url());
    let (refs, pages) = collect_all(&format!("{base}?pagelen=7"));
    assert_eq!(refs, ds.refs("acme", "web-app"));
    assert_eq!(refs.len(), 12 + 8);
    assert_eq!(pages.len(), 3);
    let mut tags = ds.tags("acme", "web-app");
    tags.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let expected: Vec<Value> = ds.branches("acme", "web-app").into_iter().chain(tags).collect();
    assert_eq!(refs, expected, "git show-ref order: refs/heads/* then refs/tags/*, by name");

    let q = enc(r#"type = "tag""#);
    let only_tags = get_ok(&format!("{base}?q={q}"));
    assert_eq!(only_tags["size"], 8);
    let since = "2026-09-01T00:00:00+00:00";
    let recent = get_ok(&format!("{base}?pagelen=100&q={}", enc(&format!("target.date >= {since}"))));
    let expected =
        ds.branches_with_target_date_since("acme", "web-app", since) + ds.tags_with_target_date_since("acme", "web-app", since);
    assert_eq!(recent["size"], expected);
}
