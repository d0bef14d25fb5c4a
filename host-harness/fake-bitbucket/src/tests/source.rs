//! The `src` tree: directory listings and file metadata.

use super::*;

#[test]
fn src_directory_listings() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/infra/src");
    let head = ds.commit("acme", "infra", 0).unwrap()["hash"].as_str().unwrap().to_string();
    let root = ds.src_listing("acme", "infra", "");
    assert_eq!(root.len(), ds.src_root_count("acme", "infra"));
    assert_eq!(root.len(), 6);

    for url in [format!("{base}/{head}/"), format!("{base}/{head}"), format!("{base}/main/"), format!("{base}/{}/", &head[..12])]
    {
        let page = get_ok(&format!("{url}?pagelen=100"));
        assert_eq!(numbered(&page, 6), root, "{url}");
    }
    let paths: Vec<&str> = root.iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(paths, [".gitignore", "README.md", "bitbucket-pipelines.yml", "docs", "scripts", "src"]);
    assert_eq!(root[1]["type"], "commit_file");
    assert_eq!(root[1]["commit"]["hash"], head);
    assert_eq!(root[1]["attributes"], json!([]));
    assert_eq!(root[5]["type"], "commit_directory");

    let src = get_ok(&format!("{base}/{head}/src/"));
    assert_eq!(numbered(&src, 2), ds.src_listing("acme", "infra", "src"));
    assert_eq!(src["values"][0]["path"], "src/lib");
    let deep = get_ok(&format!("{base}/{head}/src?max_depth=2"));
    assert_eq!(deep["size"], 4);
    let dirs = get_ok(&format!("{base}/{head}/?q={}", enc("type = \"commit_directory\"")));
    assert_eq!(dirs["size"], 3);
    let meta = get_ok(&format!("{base}/{head}/docs?format=meta"));
    assert_eq!((meta["type"].as_str(), meta["path"].as_str()), (Some("commit_directory"), Some("docs")));
    let file = get_ok(&format!("{base}/{head}/README.md"));
    assert_eq!(file, root[1]);

    // Another commit, and a branch whose name contains a slash.
    let older = ds.commit("acme", "infra", 7).unwrap()["hash"].as_str().unwrap().to_string();
    let page = get_ok(&format!("{base}/{older}/"));
    assert_eq!(page["values"][0]["commit"]["hash"], older);
    let feature = ds.branches("acme", "infra").into_iter().find(|br| br["name"].as_str().unwrap().contains('/')).unwrap();
    let page = get_ok(&format!("{base}/{}/docs/", feature["name"].as_str().unwrap()));
    assert_eq!(page["size"], 3);
    assert_eq!(page["values"][0]["commit"]["hash"], feature["target"]["hash"]);

    let auth = basic();
    assert_error(&get(&format!("{base}/{head}/nope/"), Some(&auth)), 404, "No such file or directory: nope");
    assert_eq!(get(&format!("{base}/{}/", "0".repeat(40)), Some(&auth)).status, 404);
    assert_eq!(get(&format!("{base}/no-such-branch/"), Some(&auth)).status, 404);
}

#[test]
fn file_history_from_a_branch_or_commit() {
    let fake = start();
    let ds = fake.dataset();
    let base = format!("{}/repositories/acme/web-app/filehistory", fake.base_url());
    let history = ds.file_history("acme", "web-app", "src/main.rs");
    assert!(history.len() >= 2, "{}", history.len());
    let (paged, _) = collect_all(&format!("{base}/main/src/main.rs?pagelen=5"));
    assert_eq!(paged, history);
    let dates: Vec<&str> = history.iter().map(|h| h["commit"]["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert!(history.iter().all(|h| h["type"] == "commit_file" && h["path"] == "src/main.rs"));
    let oldest = ds.commit_count("acme", "web-app") - 1;
    assert_eq!(history.last().unwrap()["commit"], ds.commit("acme", "web-app", oldest).unwrap(), "added by the first commit");

    // From an older commit: only the history up to it.
    let hash = history[1]["commit"]["hash"].as_str().unwrap();
    let (older, _) = collect_all(&format!("{base}/{hash}/src/main.rs"));
    assert_eq!(older, history[1..]);
    let q = enc(&format!("commit.date >= {}", dates[1]));
    assert_eq!(get_ok(&format!("{base}/main/src/main.rs?q={q}"))["size"], 2);

    assert_error(&get(&format!("{base}/main/src"), Some(&basic())), 404, "No such file: src");
    assert_error(&get(&format!("{base}/main/nope.txt"), Some(&basic())), 404, "No such file: nope.txt");
    assert_error(&get(&format!("{base}/0123456789ab/README.md"), Some(&basic())), 404, "Commit not found: 0123456789ab");
}
