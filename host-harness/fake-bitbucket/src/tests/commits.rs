//! Commits: iterator pagination and shape.

use super::*;

#[test]
fn commits_use_iterator_pagination() {
    let fake = start();
    let expected = fake.dataset().commits("acme", "web-app");
    assert_eq!(expected.len(), 150);
    let base = format!("{}/repositories/acme/web-app/commits", fake.base_url());

    let first = get_ok(&base);
    let keys: BTreeSet<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["pagelen", "values", "next"]));
    assert_eq!(first["pagelen"], 30);
    assert_eq!(first["values"].as_array().unwrap(), &expected[..30]);
    let token = query_pairs(first["next"].as_str().unwrap()).into_iter().find(|(k, _)| k == "page").unwrap().1;
    assert_eq!(token.len(), 16);
    assert!(token.parse::<u64>().is_err(), "token {token} must not look like a number");

    let (values, pages) = collect_all(&format!("{base}?pagelen=100"));
    assert_eq!(values, expected);
    assert_eq!(pages.len(), 2);
    for p in &pages {
        assert!(p.get("size").is_none() && p.get("page").is_none() && p.get("previous").is_none());
    }
    let next = pages[0]["next"].as_str().unwrap();
    assert_eq!(query_pairs(next)[0], ("pagelen".to_string(), "100".to_string()));

    let auth = basic();
    assert_error(&get(&format!("{base}?pagelen=101"), Some(&auth)), 400, "Invalid pagelen");
    assert_error(&get(&format!("{base}?page=2"), Some(&auth)), 400, "Invalid page");
    assert_eq!(get_ok(&format!("{base}?pagelen=100&include=main&exclude=develop"))["values"].as_array().unwrap().len(), 100);
}

#[test]
fn demo_commits_look_like_bitbucket() {
    let ds = Dataset::demo();
    let commits = ds.commits("acme", "api-service");
    assert_eq!(commits.len(), 150);
    let hashes: BTreeSet<&str> = commits.iter().map(|c| c["hash"].as_str().unwrap()).collect();
    assert_eq!(hashes.len(), 150);
    let dates: Vec<&str> = commits.iter().map(|c| c["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] > w[1]), "newest first, strictly");
    let mut no_user = 0;
    let mut multi_line = 0;
    let mut merges = 0;
    for (i, c) in commits.iter().enumerate() {
        let hash = c["hash"].as_str().unwrap();
        assert!(hash.len() == 40 && hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert!(is_rfc3339(c["date"].as_str().unwrap(), false));
        assert_eq!(c["type"], "commit");
        assert_eq!(c["author"]["type"], "author");
        assert!(c["author"]["raw"].as_str().unwrap().contains('<'));
        if c["author"].get("user").is_none() {
            no_user += 1;
        }
        let msg = c["message"].as_str().unwrap();
        assert_eq!(c["summary"]["raw"], msg);
        if msg.trim_end().contains('\n') {
            multi_line += 1;
        }
        let parents = c["parents"].as_array().unwrap();
        if i + 1 < commits.len() {
            assert_eq!(parents[0]["hash"], commits[i + 1]["hash"]);
        } else {
            assert!(parents.is_empty());
        }
        merges += usize::from(parents.len() == 2);
        assert_eq!(c["repository"]["full_name"], "acme/api-service");
        assert!(c["links"]["html"]["href"].as_str().unwrap().ends_with(hash));
    }
    assert!(no_user > 0 && multi_line > 0 && merges > 0);
}
