//! Statuses, Code Insights, tasks, commit comments, diffstats and the
//! Pipelines configuration.

use super::*;

#[test]
fn statuses_filter_by_bbql_and_annotations_find_their_report_by_uuid_or_external_id() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let hash = ds.commits("acme", "web-app")[0]["hash"].as_str().unwrap().to_string();
    let base = format!("{b}/repositories/acme/web-app/commit/{hash}");

    let statuses = ds.commit_statuses("acme", "web-app", 0);
    let (values, _) = collect_all(&format!("{base}/statuses?pagelen=100"));
    assert_eq!(values, statuses);
    assert!(statuses.iter().all(|s| s["type"] == "build" && s["key"].is_string() && s["state"].is_string()));
    let latest = statuses.iter().map(|s| s["updated_on"].as_str().unwrap()).max().unwrap();
    let (newest, _) = collect_all(&format!("{base}/statuses?q={}", enc(&format!("updated_on >= {latest}"))));
    assert_eq!(newest.len(), 1, "{newest:?}");
    assert_eq!(get(&format!("{b}/repositories/acme/web-app/commit/ffffffff/statuses"), Some(&basic())).status, 404);

    let reports = ds.insights_reports("acme", "web-app", 0);
    assert!(!reports.is_empty());
    let (listed, _) = collect_all(&format!("{base}/reports"));
    assert_eq!(listed, reports);
    let uuid = reports[0]["uuid"].as_str().unwrap();
    let external = reports[0]["external_id"].as_str().unwrap();
    let (by_uuid, _) = collect_all(&format!("{base}/reports/{}/annotations", enc(uuid)));
    let (by_external, _) = collect_all(&format!("{base}/reports/{external}/annotations"));
    assert!(!by_uuid.is_empty());
    assert_eq!(by_uuid, by_external);
    assert_eq!(by_uuid, ds.insights_annotations("acme", "web-app", 0)[..by_uuid.len()]);
    assert_eq!(get(&format!("{base}/reports/nope/annotations"), Some(&basic())).status, 404);
}

#[test]
fn tasks_comments_and_diffstats_match_the_accessors() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let repo = format!("{b}/repositories/acme/web-app");
    let with_tasks = (1..=60).find(|&id| !ds.pull_request_tasks("acme", "web-app", id).is_empty()).unwrap();
    let (tasks, _) = collect_all(&format!("{repo}/pullrequests/{with_tasks}/tasks"));
    assert_eq!(tasks, ds.pull_request_tasks("acme", "web-app", with_tasks));
    let (open, _) = collect_all(&format!("{repo}/pullrequests/{with_tasks}/tasks?q={}", enc("state = \"UNRESOLVED\"")));
    assert!(open.iter().all(|t| t["state"] == "UNRESOLVED" && t["resolved_on"].is_null()));

    let hash = ds.commits("acme", "web-app")[0]["hash"].as_str().unwrap().to_string();
    let (comments, _) = collect_all(&format!("{repo}/commit/{hash}/comments"));
    assert_eq!(comments, ds.commit_comments("acme", "web-app", 0));
    assert!(comments[1..].iter().all(|c| c["parent"]["id"] == comments[0]["id"] && c["inline"]["path"].is_string()));

    let (files, _) = collect_all(&format!("{repo}/diffstat/{hash}"));
    assert_eq!(files, ds.commit_diffstat("acme", "web-app", 0));
    for f in &files {
        match f["status"].as_str().unwrap() {
            "added" => assert!(f["old"].is_null() && f["new"]["path"].is_string()),
            "removed" => assert!(f["new"].is_null() && f["lines_added"] == 0),
            _ => assert!(f["old"]["path"].is_string() && f["new"]["path"].is_string()),
        }
    }
}

#[test]
fn pipeline_configuration_and_variables_as_bitbucket_serves_them() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let repo = format!("{b}/repositories/acme/web-app");
    let (vars, _) = collect_all(&format!("{repo}/pipelines_config/variables"));
    assert_eq!(vars, ds.pipeline_variables("acme", "web-app"));
    assert!(vars.iter().any(|v| v["secured"] == true && v.get("value").is_none()));
    assert!(vars.iter().any(|v| v["secured"] == false && v["value"].is_string()));
    let env = ds.environments("acme", "web-app")[2]["uuid"].as_str().unwrap().to_string();
    let (env_vars, _) = collect_all(&format!("{repo}/deployments_config/environments/{}/variables", enc(&env)));
    assert_eq!(env_vars, ds.deployment_variables("acme", "web-app", 2));
    assert_eq!(get(&format!("{repo}/deployments_config/environments/%7Bnope%7D/variables"), Some(&basic())).status, 404);
    for (path, expected) in [
        ("pipelines-config/caches", ds.pipeline_caches("acme", "web-app")),
        ("pipelines_config/schedules", ds.pipeline_schedules("acme", "web-app")),
        ("pipelines_config/ssh/known_hosts", ds.pipeline_known_hosts("acme", "web-app")),
        ("pipelines-config/runners", ds.repository_runners("acme", "web-app")),
    ] {
        assert_eq!(collect_all(&format!("{repo}/{path}")).0, expected, "{path}");
    }
    assert_eq!(
        collect_all(&format!("{b}/workspaces/acme/pipelines-config/variables")).0,
        ds.workspace_pipeline_variables("acme")
    );
    let runners = collect_all(&format!("{b}/workspaces/acme/pipelines-config/runners")).0;
    assert_eq!(runners, ds.workspace_runners("acme"));
    assert!(runners.iter().all(|r| r["oauth_client"].get("secret").is_none()));
}

#[test]
fn a_pull_request_diffstat_redirects_to_the_revspec_diffstat_as_bitbucket_does() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let r = get(&format!("{b}/repositories/acme/web-app/pullrequests/5/diffstat?pagelen=100"), Some(&basic()));
    assert_eq!(r.status, 302);
    assert!(r.body.is_empty());
    let location = r.header("location").unwrap().to_string();
    let pr = ds.pull_request("acme", "web-app", 5).unwrap();
    let (source, dest) =
        (pr["source"]["commit"]["hash"].as_str().unwrap(), pr["destination"]["commit"]["hash"].as_str().unwrap());
    let expected = format!(
        "{b}/repositories/acme/web-app/diffstat/acme/web-app:{}%0D{}?from_pullrequest_id=5&topic=true",
        &source[..12],
        &dest[..12]
    );
    assert_eq!(location, expected);
    assert_eq!(pr["links"]["diffstat"]["href"], expected.as_str(), "the pull request links to the same place");
    let (files, _) = collect_all(&location);
    assert_eq!(files, ds.pull_request_diffstat("acme", "web-app", 5));
    // Found without `from_pullrequest_id` too; other hashes are not.
    let bare = location.split('?').next().unwrap();
    assert_eq!(collect_all(bare).0, files);
    let wrong = bare.replace(&source[..12], "0000000aaaaa");
    assert_eq!(get(&wrong, Some(&basic())).status, 404);
    assert_eq!(get(&format!("{b}/repositories/acme/web-app/pullrequests/999/diffstat"), Some(&basic())).status, 404);
}
