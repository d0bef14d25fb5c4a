//! Bitbucket Data Center end to end: the component configured with
//! `"product": "data-center"` against the fake Data Center
//! (`FakeDataCenter`): every report with a Data Center definition, each
//! request checked against Atlassian's Data Center OpenAPI document, the
//! reports without one refused before anything is sent, the four ways to
//! authenticate, incremental runs from a checkpoint, partitions, and the
//! fault matrix with no secret in any error.

use crate::common::{host, params};
use fake_bitbucket::openapi::OpenApi;
use fake_bitbucket::{DcFault, DcFaultRule, DcOptions, FakeDataCenter};
use host_harness::{ErrorCode, HostError, RunSummary};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn start(faults: Vec<DcFaultRule>) -> FakeDataCenter {
    FakeDataCenter::start(DcOptions { faults, ..DcOptions::default() }).expect("the fake Data Center starts")
}

/// A Data Center configuration for `fake` with this `auth` (and more keys).
fn config_with(fake: &FakeDataCenter, auth: Value, more: Value) -> String {
    let mut config = json!({"product": "data-center", "endpoint": fake.base_url(), "auth": auth});
    for (key, value) in more.as_object().unwrap() {
        config[key] = value.clone();
    }
    config.to_string()
}

fn config(fake: &FakeDataCenter) -> String {
    config_with(fake, json!({"type": "bearer", "token": fake.credentials().personal_token}), json!({}))
}

/// Runs a report; its rows keyed by column name, and the run's summary.
fn run(config: &str, report: &str, pairs: &[(&str, &str)]) -> Result<(Vec<Value>, RunSummary), HostError> {
    let columns = crate::common::report(report).columns;
    let mut session = host().session(config)?;
    let mut rows = Vec::new();
    let summary = session.run(report, &params(pairs), |cells| {
        rows.push(host_harness::output::row_to_json(&columns, cells));
        Ok(())
    })?;
    Ok((rows, summary))
}

fn dc_openapi() -> &'static OpenApi {
    static API: OnceLock<OpenApi> = OnceLock::new();
    API.get_or_init(|| OpenApi::data_center().expect("the Data Center OpenAPI document loads"))
}

/// Every request `fake` got matches an operation of the Data Center document.
fn assert_conforms(fake: &FakeDataCenter) {
    let requests = fake.requests();
    assert!(!requests.is_empty());
    for r in requests {
        if let Err(why) = dc_openapi().check(&r.method, &r.path, &r.query) {
            panic!("request {} {}?{:?} matches no operation of the Data Center document: {why}", r.method, r.path, r.query);
        }
    }
}

fn slugs(fake: &FakeDataCenter, project: &str) -> Vec<String> {
    fake.dataset().repositories(project).iter().map(|r| r["slug"].as_str().unwrap().to_string()).collect()
}

fn keys(rows: &[Value], columns: &[&str]) -> BTreeSet<String> {
    rows.iter().map(|r| columns.iter().map(|c| r[*c].to_string()).collect::<Vec<_>>().join("|")).collect()
}

/// `YYYY-MM-DDTHH:MM:SS.mmm+00:00` of epoch milliseconds, worked out here
/// with the tests' own calendar.
fn rfc3339_millis(ms: i64) -> String {
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (h, min, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    format!("{}T{h:02}:{min:02}:{s:02}.{milli:03}+00:00", crate::common::civil_from_days(days))
}

#[test]
fn every_data_center_report_runs_end_to_end_on_the_documents_operations() {
    let fake = start(Vec::new());
    let config = config(&fake);
    let ds = fake.dataset();
    let repos = slugs(&fake, "PRJ");
    assert!(repos.len() >= 2, "{repos:?}");

    let (rows, _) = run(&config, "repositories", &[("project", "PRJ")]).unwrap();
    let expected: Vec<(String, String)> =
        ds.repositories("PRJ").iter().map(|r| (r["id"].to_string(), r["slug"].as_str().unwrap().to_string())).collect();
    let got: Vec<(String, String)> =
        rows.iter().map(|r| (r["uuid"].as_str().unwrap().to_string(), r["slug"].as_str().unwrap().to_string())).collect();
    assert_eq!(got, expected);
    assert!(rows.iter().all(|r| r["project_key"] == "PRJ" && r["workspace"].is_null()), "{rows:?}");

    // Every repository of the project (a fan-out), every state.
    let (rows, _) = run(&config, "pull-requests", &[("project", "PRJ")]).unwrap();
    let prs: Vec<(String, Value)> =
        repos.iter().flat_map(|s| ds.pull_requests("PRJ", s).into_iter().map(move |pr| (s.clone(), pr))).collect();
    assert_eq!(rows.len(), prs.len());
    assert_eq!(keys(&rows, &["repository", "id"]).len(), prs.len(), "unique keys");
    let states: BTreeSet<&str> = rows.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, BTreeSet::from(["DECLINED", "MERGED", "OPEN"]));
    let (slug, pr) = &prs[0];
    let row = rows.iter().find(|r| r["repository"] == slug.as_str() && r["id"] == pr["id"]).unwrap();
    assert_eq!(row["title"], pr["title"]);
    assert_eq!(row["created_on"], rfc3339_millis(pr["createdDate"].as_i64().unwrap()));
    assert_eq!(row["updated_on"], rfc3339_millis(pr["updatedDate"].as_i64().unwrap()));
    assert_eq!(row["author_display_name"], pr["author"]["user"]["displayName"]);
    assert_eq!(row["source_branch"], pr["fromRef"]["displayId"]);
    assert_eq!(row["destination_commit"], pr["toRef"]["latestCommit"]);
    assert!(row["author_uuid"].is_null() && row["html_url"].is_null(), "Cloud-only columns are null: {row}");

    let (rows, _) = run(&config, "commits", &[("project", "PRJ"), ("repository", &repos[0])]).unwrap();
    let commits = ds.commits("PRJ", &repos[0]);
    assert_eq!(rows.len(), commits.len());
    assert_eq!(rows[0]["hash"], commits[0]["id"]);
    assert_eq!(rows[0]["date"], rfc3339_millis(commits[0]["authorTimestamp"].as_i64().unwrap()));
    assert_eq!(rows[0]["parents"], commits[0]["parents"]);

    for (report, of) in [("branches", ds.branches("PRJ", &repos[0])), ("tags", ds.tags("PRJ", &repos[0]))] {
        let (rows, _) = run(&config, report, &[("project", "PRJ"), ("repository", &repos[0])]).unwrap();
        let got: Vec<(&Value, &Value)> = rows.iter().map(|r| (&r["name"], &r["target_hash"])).collect();
        let expected: Vec<(&Value, &Value)> = of.iter().map(|b| (&b["displayId"], &b["latestCommit"])).collect();
        assert_eq!(got, expected, "{report}");
    }

    let (rows, _) = run(&config, "pull-request-commits", &[("project", "PRJ"), ("repository", &repos[0])]).unwrap();
    let expected: usize = ds
        .pull_requests("PRJ", &repos[0])
        .iter()
        .map(|pr| ds.pull_request_commits("PRJ", &repos[0], pr["id"].as_u64().unwrap()).len())
        .sum();
    assert_eq!(rows.len(), expected);
    assert_eq!(keys(&rows, &["repository", "pull_request_id", "hash"]).len(), expected);

    // A personal project, by its `~` key.
    let (rows, _) = run(&config, "repositories", &[("project", "~jsmith")]).unwrap();
    assert_eq!(rows.len(), ds.repositories("~JSMITH").len());
    assert_conforms(&fake);
}

/// Data Center's permission in Cloud's words: `REPO_WRITE` is `write`.
fn level(permission: &Value) -> String {
    permission.as_str().unwrap().rsplit('_').next().unwrap().to_lowercase()
}

#[test]
fn the_listings_permissions_and_reshaped_reports_run_end_to_end() {
    let fake = start(Vec::new());
    let config = config(&fake);
    let ds = fake.dataset();
    let repo = [("project", "PRJ"), ("repository", "web-app")];

    // Instance-wide: every project the user may see (not personal, not SEC).
    let (rows, _) = run(&config, "projects", &[]).unwrap();
    let got: Vec<(&Value, &Value, &Value)> = rows.iter().map(|r| (&r["key"], &r["uuid"], &r["is_private"])).collect();
    assert_eq!(got, [(&json!("OPS"), &json!("2"), &json!(true)), (&json!("PRJ"), &json!("1"), &json!(true))]);
    assert_eq!(rows[1]["html_url"], format!("{}/projects/PRJ", fake.base_url()));
    assert!(rows[0]["workspace"].is_null() && rows[0]["created_on"].is_null(), "{}", rows[0]);

    let (rows, _) = run(&config, "public-repositories", &[]).unwrap();
    let expected: Vec<Value> = ["PRJ", "OPS", "~JSMITH"]
        .iter()
        .flat_map(|k| ds.repositories(k))
        .filter(|r| r["public"] == true)
        .map(|r| json!(format!("{}/{}", r["project"]["key"].as_str().unwrap(), r["slug"].as_str().unwrap())))
        .collect();
    assert!(!expected.is_empty());
    let got: BTreeSet<String> = rows.iter().map(|r| r["full_name"].as_str().unwrap().to_string()).collect();
    assert_eq!(got, expected.iter().map(|v| v.as_str().unwrap().to_string()).collect());
    assert!(rows.iter().all(|r| r["is_private"] == false), "{rows:?}");

    // The personal fork of PRJ/web-app.
    let (rows, _) = run(&config, "forks", &repo).unwrap();
    let fork = &ds.repositories("~JSMITH").into_iter().find(|r| r["slug"] == "web-app").unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["uuid"], fork["id"].to_string());
    assert_eq!(rows[0]["full_name"], "~JSMITH/web-app");
    assert_eq!(rows[0]["owner_display_name"], fork["project"]["owner"]["displayName"]);

    // `browse`: entries joined to the directory; a directory of 1,200
    // pages by 500 without `nextPageStart`.
    let browse = |path: Option<&str>| {
        let mut given = vec![repo[0], repo[1], ("commit", "main")];
        given.extend(path.map(|p| ("path", p)));
        run(&config, "directory-contents", &given)
    };
    let (rows, _) = browse(None).unwrap();
    let got: Vec<(&Value, &Value, &Value)> = rows.iter().map(|r| (&r["path"], &r["type"], &r["size"])).collect();
    let (dir, file, none) = (json!("commit_directory"), json!("commit_file"), Value::Null);
    assert_eq!(
        got,
        [
            (&json!("docs"), &dir, &none),
            (&json!("generated"), &dir, &none),
            (&json!("src"), &dir, &none),
            (&json!("vendor"), &json!("submodule"), &none),
            (&json!("README.md"), &file, &json!(1200)),
        ]
    );
    assert!(rows.iter().all(|r| r["commit"] == "main"), "{rows:?}");
    let (rows, _) = browse(Some("src/api")).unwrap();
    assert_eq!(rows.iter().map(|r| &r["path"]).collect::<Vec<_>>(), [&json!("src/api/client.rs")]);
    let (rows, summary) = browse(Some("generated")).unwrap();
    assert_eq!((rows.len() as u64, summary.pages), (fake_bitbucket::DC_DIRECTORY_FILES, 3));
    assert_eq!((&rows[0]["path"], &rows[1199]["size"]), (&json!("generated/file-0001.txt"), &json!(12000)));
    let e = crate::common::connector_error(browse(Some("no/such/dir")));
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.contains("NoSuchPathException"), "{}", e.message);

    // Branch permissions, their matchers in Cloud's words.
    let (rows, _) = run(&config, "branch-restrictions", &repo).unwrap();
    let got: Vec<Value> =
        rows.iter().map(|r| json!([r["kind"], r["branch_match_kind"], r["pattern"], r["branch_type"], r["groups"]])).collect();
    assert_eq!(
        got,
        [
            json!(["read-only", "glob", "main", null, []]),
            json!(["no-deletes", "glob", "release/*", null, ["release-managers"]]),
            json!(["pull-request-only", "branching_model", null, "feature", []]),
            json!(["fast-forward-only", "branching_model", null, "production", []]),
            json!(["no-creates", "glob", "*", null, ["developers"]]),
        ]
    );
    let ids: Vec<&Value> = rows.iter().map(|r| &r["id"]).collect();
    let restrictions = ds.branch_restrictions("PRJ", "web-app");
    assert_eq!(ids, restrictions.iter().map(|r| &r["id"]).collect::<Vec<_>>());
    assert_eq!(rows[0]["users"][0]["name"], "jsmith");

    // Permissions, in Cloud's words.
    let (rows, _) = run(&config, "repository-user-permissions", &repo).unwrap();
    let grants = ds.repository_user_permissions("PRJ", "web-app");
    let got: Vec<(String, String)> =
        rows.iter().map(|r| (r["user_uuid"].as_str().unwrap().into(), r["permission"].as_str().unwrap().into())).collect();
    let want: Vec<(String, String)> = grants.iter().map(|g| (g["user"]["id"].to_string(), level(&g["permission"]))).collect();
    assert_eq!(got, want);
    assert!(rows.iter().any(|r| r["user_display_name"] == "John Smith" && r["permission"] == "admin"), "{rows:?}");
    let (rows, _) = run(&config, "repository-group-permissions", &repo).unwrap();
    let got: Vec<(&Value, String)> = rows.iter().map(|r| (&r["group_slug"], r["permission"].as_str().unwrap().into())).collect();
    let grants = ds.repository_group_permissions("PRJ", "web-app");
    assert_eq!(got, grants.iter().map(|g| (&g["group"]["name"], level(&g["permission"]))).collect::<Vec<_>>());
    // Every project of the instance (a fan-out over `projects`).
    let (rows, _) = run(&config, "project-user-permissions", &[]).unwrap();
    let want: usize = ["OPS", "PRJ"].iter().map(|k| ds.project_user_permissions(k).len()).sum();
    assert_eq!(rows.len(), want);
    assert_eq!(keys(&rows, &["project", "user_uuid"]).len(), want, "unique keys");
    let (rows, _) = run(&config, "project-group-permissions", &[("project", "OPS")]).unwrap();
    let grants = ds.project_group_permissions("OPS");
    let got: Vec<(&Value, String)> = rows.iter().map(|r| (&r["group_slug"], r["permission"].as_str().unwrap().into())).collect();
    assert_eq!(got, grants.iter().map(|g| (&g["group"]["name"], level(&g["permission"]))).collect::<Vec<_>>());

    // Participants from the pull request list: author, reviewers, others.
    let (rows, summary) = run(&config, "pull-request-participants", &repo).unwrap();
    let prs = ds.pull_requests("PRJ", "web-app");
    assert_eq!(summary.requests, 1, "one page of pull requests, not one request per pull request");
    let mut want = Vec::new();
    for pr in &prs {
        for p in ds.participants("PRJ", "web-app", pr["id"].as_u64().unwrap()) {
            let state = match p["status"].as_str().unwrap() {
                "APPROVED" => json!("approved"),
                "NEEDS_WORK" => json!("changes_requested"),
                _ => Value::Null,
            };
            want.push(json!([pr["id"], p["user"]["id"].to_string(), p["role"], p["approved"], state, p["status"]]));
        }
    }
    let mut got: Vec<Value> = rows
        .iter()
        .map(|r| json!([r["pull_request_id"], r["user_uuid"], r["role"], r["approved"], r["state"], r["review_status"]]))
        .collect();
    // Pull requests come newest first; each one's participants in order.
    let by_pull_request = |rows: &mut Vec<Value>| rows.sort_by_key(|r| r[0].as_u64());
    by_pull_request(&mut got);
    by_pull_request(&mut want);
    assert_eq!(got, want);
    assert!(rows.iter().any(|r| r["review_status"] == "NEEDS_WORK"), "the fake has work to do somewhere");
    let first = prs.iter().find(|pr| pr["id"] == rows[0]["pull_request_id"]).unwrap();
    assert_eq!(rows[0]["pull_request_updated_on"], rfc3339_millis(first["updatedDate"].as_i64().unwrap()));

    // Activity of every pull request of the repository, newest first.
    let (rows, _) = run(&config, "pull-request-activity", &repo).unwrap();
    let mut want = Vec::new();
    for pr in &prs {
        let id = pr["id"].as_u64().unwrap();
        for a in ds.activities("PRJ", "web-app", id) {
            let kind = match a["action"].as_str().unwrap() {
                "APPROVED" => "approval".to_string(),
                "COMMENTED" => "comment".to_string(),
                "REVIEWED" => "changes_requested".to_string(),
                "OPENED" | "MERGED" | "DECLINED" => "update".to_string(),
                other => other.to_lowercase(),
            };
            let when = rfc3339_millis(a["createdDate"].as_i64().unwrap());
            want.push(json!([id, kind, when, a["user"]["id"].to_string(), a["action"], a["comment"]["id"]]));
        }
    }
    let mut got: Vec<Value> = rows
        .iter()
        .map(|r| json!([r["pull_request_id"], r["kind"], r["occurred_on"], r["user_uuid"], r["action"], r["comment_id"]]))
        .collect();
    by_pull_request(&mut got);
    by_pull_request(&mut want);
    assert_eq!(got, want);
    let merged = rows.iter().find(|r| r["action"] == "MERGED").unwrap();
    assert_eq!(merged["update_state"], "MERGED");
    assert!(rows.iter().any(|r| r["kind"] == "unapproved"), "the fake unapproves somewhere");

    // Comments from the activities: each thread once (an EDITED activity
    // repeats it), replies flattened depth first, the inline anchor kept.
    let (rows, _) = run(&config, "pull-request-comments", &repo).unwrap();
    let mut want = Vec::new();
    fn walk(c: &Value, parent: &Value, anchor: &Value, pr: u64, out: &mut Vec<Value>) {
        let side = |s: &str| if anchor["fileType"] == s { anchor["line"].clone() } else { Value::Null };
        out.push(json!([
            pr,
            c["id"],
            parent,
            c["text"],
            c["author"]["id"].to_string(),
            anchor["path"],
            side("FROM"),
            side("TO"),
            rfc3339_millis(c["updatedDate"].as_i64().unwrap()),
            c["severity"],
            c["state"],
            c["threadResolved"]
        ]));
        for reply in c["comments"].as_array().unwrap() {
            walk(reply, &c["id"], anchor, pr, out);
        }
    }
    let mut edited = 0;
    for pr in &prs {
        let id = pr["id"].as_u64().unwrap();
        for a in ds.activities("PRJ", "web-app", id) {
            match a["commentAction"].as_str() {
                Some("ADDED") => walk(&a["comment"], &Value::Null, &a["commentAnchor"], id, &mut want),
                Some("EDITED") => edited += 1,
                _ => {}
            }
        }
    }
    assert!(edited > 0, "the fake edits a comment somewhere");
    // The newest activity about a comment comes first: the EDITED one of
    // an edited thread, so its rows come at that place.
    let order = |rows: &mut Vec<Value>| rows.sort_by_key(|r| (r[0].as_u64(), r[1].as_u64()));
    let mut got: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!([
                r["pull_request_id"],
                r["id"],
                r["parent_id"],
                r["content"],
                r["user_uuid"],
                r["inline_path"],
                r["inline_from"],
                r["inline_to"],
                r["updated_on"],
                r["severity"],
                r["comment_state"],
                r["thread_resolved"]
            ])
        })
        .collect();
    order(&mut got);
    order(&mut want);
    assert_eq!(got, want);
    assert!(want.iter().any(|r| !r[2].is_null()) && want.iter().any(|r| !r[5].is_null()), "replies and inline comments");
    assert!(rows.iter().all(|r| r["deleted"] == false), "no comment was deleted");
    assert_conforms(&fake);
}

/// Each request `fake` got, as `path?query` below the instance's `/rest`.
fn sent(fake: &FakeDataCenter) -> Vec<String> {
    let rest = format!("{}/rest", DcOptions::default().context_path);
    let pairs = |r: &fake_bitbucket::RecordedRequest| r.query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
    fake.requests().iter().map(|r| format!("{}?{}", r.path.trim_start_matches(&rest), pairs(r).join("&"))).collect()
}

#[test]
fn the_current_user_and_one_groups_grant_are_found_by_exact_name_among_substring_matches() {
    let fake = start(Vec::new());
    let ds = fake.dataset();
    // The login's `filter` also finds the look-alike `jsmith.admin`.
    assert_eq!(ds.users().iter().filter(|u| u["name"].as_str().unwrap().contains("jsmith")).count(), 2);
    let (rows, _) = run(&config(&fake), "current-user", &[]).unwrap();
    let profile = format!("{}/users/jsmith", fake.base_url());
    assert_eq!(
        rows,
        [json!({"uuid": "1", "account_id": null, "display_name": "John Smith", "nickname": "jsmith", "created_on": null,
            "html_url": profile, "slug": "jsmith", "email": "jsmith@example.com"})]
    );
    assert_eq!(sent(&fake), ["/api/latest/users?limit=1", "/api/latest/users?limit=1000&filter=jsmith"]);
    let (rows, _) = run(&config(&fake), "user-emails", &[]).unwrap();
    assert_eq!(rows, [json!({"email": "jsmith@example.com", "is_primary": true, "is_confirmed": null})]);
    assert_conforms(&fake);

    // A login that is not the slug, by Basic auth; a user without an address shows none.
    for (login, slug, emails) in [("carol.white@corp", "carol.white_corp", 1), ("dave", "dave", 0)] {
        let credentials = fake_bitbucket::DcCredentials { username: login.into(), ..Default::default() };
        let fake = FakeDataCenter::start(DcOptions { credentials, ..DcOptions::default() }).unwrap();
        let c = fake.credentials();
        let basic = config_with(&fake, json!({"type": "basic", "username": login, "password": c.password}), json!({}));
        let (rows, _) = run(&basic, "current-user", &[]).unwrap();
        let user = fake.dataset().user(slug).unwrap();
        assert_eq!(
            (&rows[0]["nickname"], &rows[0]["slug"], &rows[0]["uuid"]),
            (&json!(login), &json!(slug), &json!(user["id"].to_string()))
        );
        assert_eq!(rows[0]["email"], user.get("emailAddress").cloned().unwrap_or(Value::Null));
        let (rows, _) = run(&basic, "user-emails", &[]).unwrap();
        assert_eq!(rows.len(), emails, "{login}: {rows:?}");
    }

    // A project token belongs to no user: refused where it asks whose it is.
    let c = fake.credentials().clone();
    let project_token = config_with(&fake, json!({"type": "bearer", "token": c.project_token.1}), json!({}));
    let before = fake.requests().len();
    let e = crate::common::connector_error(run(&project_token, "current-user", &[]));
    assert_eq!((e.code, e.http_status), (ErrorCode::Forbidden, Some(401)));
    assert_eq!(fake.requests().len(), before + 1, "nothing after the first request");

    // One group, where `filter=developers` also finds `developers-contract`.
    let granted =
        |slug: &str, name: &str| ds.repository_group_permissions("PRJ", slug).into_iter().find(|g| g["group"]["name"] == name);
    let slug = slugs(&fake, "PRJ")
        .into_iter()
        .find(|s| granted(s, "developers").is_some() && granted(s, "developers-contract").is_some())
        .expect("a repository granting both groups");
    let grant = granted(&slug, "developers").unwrap();
    let (rows, _) =
        run(&config(&fake), "repository-group-permission", &[("project", "PRJ"), ("repository", &slug), ("group", "DEVELOPERS")])
            .unwrap();
    assert_eq!(
        rows,
        [
            json!({"repository": slug, "group_slug": "developers", "group_name": "developers", "permission": level(&grant["permission"])})
        ]
    );
    let ungranted = slugs(&fake, "PRJ").into_iter().find(|s| granted(s, "qa").is_none()).expect("a repository without qa");
    let (rows, _) =
        run(&config(&fake), "repository-group-permission", &[("project", "PRJ"), ("repository", &ungranted), ("group", "qa")])
            .unwrap();
    assert_eq!(rows, Vec::<Value>::new(), "no grant, no row");
    assert_conforms(&fake);
}

#[test]
fn the_workspace_reports_read_the_instance_its_users_and_their_global_permissions() {
    let fake = start(Vec::new());
    let config = config(&fake);
    let ds = fake.dataset();
    // The fake's base URL is http://127.0.0.1:PORT/bitbucket.
    let instance = fake.base_url().trim_start_matches("http://").to_string();
    assert!(instance.ends_with("/bitbucket"), "{instance}");

    let (rows, _) = run(&config, "workspace", &[]).unwrap();
    assert_eq!(
        rows,
        [json!({"uuid": instance, "slug": instance, "name": "Bitbucket", "is_private": null, "created_on": null,
            "html_url": null, "version": "9.4.3"})]
    );
    let (rows, _) = run(&config, "user-workspaces", &[]).unwrap();
    assert_eq!(
        rows,
        [json!({"workspace_uuid": instance, "workspace_slug": instance, "workspace_name": "Bitbucket", "administrator": null})]
    );

    let (rows, _) = run(&config, "workspace-members", &[]).unwrap();
    let expected: Vec<Value> = ds
        .users()
        .iter()
        .map(|u| {
            json!({"workspace": instance, "user_uuid": u["id"].to_string(), "user_account_id": null,
                "user_display_name": u["displayName"], "user_nickname": u["name"],
                "user_email": u.get("emailAddress").cloned().unwrap_or(Value::Null), "user_active": u["active"]})
        })
        .collect();
    assert_eq!(rows, expected);

    let (rows, _) = run(&config, "workspace-permissions", &[]).unwrap();
    let got: Vec<(&Value, &Value)> = rows.iter().map(|r| (&r["user_uuid"], &r["permission"])).collect();
    let expected: Vec<(String, String)> = ds
        .global_permissions()
        .iter()
        .map(|p| (p["user"]["id"].to_string(), p["permission"].as_str().unwrap().to_lowercase()))
        .collect();
    assert_eq!(got.len(), expected.len());
    for ((uuid, permission), (want_uuid, want)) in got.iter().zip(&expected) {
        assert_eq!((uuid.as_str().unwrap(), permission.as_str().unwrap()), (want_uuid.as_str(), want.as_str()));
    }
    assert!(expected.contains(&("1".to_string(), "sys_admin".to_string())), "{expected:?}");
    assert!(rows.iter().all(|r| r["workspace"] == instance.as_str() && r["added_on"].is_null()), "{rows:?}");
    assert_conforms(&fake);

    // A user who is no administrator may not read global permissions.
    let credentials = fake_bitbucket::DcCredentials { username: "dave".into(), ..Default::default() };
    let fake = FakeDataCenter::start(DcOptions { credentials, ..DcOptions::default() }).unwrap();
    let e = crate::common::connector_error(run(&self::config(&fake), "workspace-permissions", &[]));
    assert_eq!((e.code, e.http_status), (ErrorCode::Forbidden, Some(401)));
}

#[test]
fn an_object_data_center_cannot_serve_fails_the_run_or_is_skipped_and_counted() {
    let no_commits = DcFaultRule {
        fault: DcFault::NoSuchCommit,
        path_contains: Some("/repos/web-app/pull-requests/3/commits".into()),
        attempts: usize::MAX,
    };
    let fake = start(vec![no_commits]);
    let ds = fake.dataset();
    let repo = [("project", "PRJ"), ("repository", "web-app")];
    let e = crate::common::connector_error(run(&config(&fake), "pull-request-commits", &repo));
    assert_eq!((e.code, e.http_status), (ErrorCode::NotFound, Some(404)));
    assert!(e.message.starts_with("report `pull-request-commits`: Bitbucket cannot serve "), "{}", e.message);
    assert!(e.message.contains("pull-request `3`") && e.message.contains("NoSuchCommitException"), "{}", e.message);
    assert!(e.message.contains("\"on_invalid_object\": \"skip\""), "{}", e.message);

    let skip = config_with(
        &fake,
        json!({"type": "bearer", "token": fake.credentials().personal_token}),
        json!({"on_invalid_object": "skip"}),
    );
    let (rows, summary) = run(&skip, "pull-request-commits", &repo).unwrap();
    let want: usize = ds
        .pull_requests("PRJ", "web-app")
        .iter()
        .filter(|pr| pr["id"] != 3)
        .map(|pr| ds.pull_request_commits("PRJ", "web-app", pr["id"].as_u64().unwrap()).len())
        .sum();
    assert_eq!((rows.len(), summary.skipped), (want, 1));
    assert!(rows.iter().all(|r| r["pull_request_id"] != 3));

    // A repository git fails on (500 CommandFailedException, after its
    // retries): in a project-wide run, that repository is left out.
    let broken = DcFaultRule {
        fault: DcFault::ServerError(500),
        path_contains: Some("/repos/api-service/pull-requests".into()),
        attempts: usize::MAX,
    };
    let fake = start(vec![broken]);
    let retries = json!({"retries": {"max_attempts": 2, "max_wait_seconds": 1}});
    let token = json!({"type": "bearer", "token": fake.credentials().personal_token});
    let e = crate::common::connector_error(run(
        &config_with(&fake, token.clone(), retries.clone()),
        "pull-requests",
        &[("project", "PRJ")],
    ));
    assert_eq!((e.code, e.http_status), (ErrorCode::Upstream, Some(500)));
    assert!(e.message.contains("repository `api-service`") && e.message.contains("CommandFailedException"), "{}", e.message);
    let mut more = retries;
    more["on_invalid_object"] = json!("skip");
    let (rows, summary) = run(&config_with(&fake, token, more), "pull-requests", &[("project", "PRJ")]).unwrap();
    assert_eq!((rows.len(), summary.skipped), (fake.dataset().pull_requests("PRJ", "web-app").len(), 1));
    assert!(rows.iter().all(|r| r["repository"] == "web-app"));
}

#[test]
fn a_report_without_a_data_center_counterpart_or_with_a_workspace_is_refused_before_anything_is_sent() {
    let fake = start(Vec::new());
    let config = config(&fake);
    let catalog = host().list_reports().unwrap();
    let on_dc: Vec<&str> = catalog.iter().filter(|r| r.products.len() == 2).map(|r| r.id.as_str()).collect();
    assert_eq!(
        on_dc,
        [
            "repositories",
            "public-repositories",
            "pull-requests",
            "pull-request-participants",
            "pull-request-comments",
            "pull-request-commits",
            "pull-request-activity",
            "commits",
            "branches",
            "tags",
            "forks",
            "directory-contents",
            "branch-restrictions",
            "repository-user-permissions",
            "repository-group-permissions",
            "repository-group-permission",
            "workspace",
            "workspace-members",
            "workspace-permissions",
            "projects",
            "current-user",
            "user-emails",
            "user-workspaces",
            "project-user-permissions",
            "project-group-permissions",
        ]
    );
    let prs = catalog.iter().find(|r| r.id == "pull-requests").unwrap();
    assert_eq!(prs.data_center_endpoint.as_deref(), Some("/api/latest/projects/{project}/repos/{repository}/pull-requests"));
    let scope: Vec<(&str, Vec<&str>)> =
        prs.params[..3].iter().map(|p| (p.name.as_str(), p.products.iter().map(|x| x.name()).collect())).collect();
    assert_eq!(scope[0], ("workspace", vec!["cloud"]));
    assert_eq!(scope[1], ("repository", vec!["cloud", "data-center"]));
    assert!(prs
        .params
        .iter()
        .any(|p| p.name == "project" && p.required && p.products.iter().map(|x| x.name()).eq(["data-center"])));

    let e = crate::common::connector_error(run(&config, "pipelines", &[("project", "PRJ"), ("repository", "web-app")]));
    assert_eq!(e.code, ErrorCode::WrongProduct);
    assert!(e.message.starts_with("report `pipelines` does not run on Bitbucket Data Center"), "{}", e.message);
    let e = crate::common::connector_error(run(&config, "pull-requests", &[("workspace", "acme")]));
    assert_eq!(e.code, ErrorCode::InvalidParameter);
    assert!(e.message.contains("give `project`"), "{}", e.message);
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[test]
fn basic_bearer_and_project_tokens_authenticate_and_a_project_token_elsewhere_is_forbidden() {
    let fake = start(Vec::new());
    let c = fake.credentials().clone();
    let expected = fake.dataset().repositories("PRJ").len();
    for auth in [
        json!({"type": "basic", "username": c.username, "password": c.password}),
        json!({"type": "basic", "username": c.username, "password": c.personal_token}),
        json!({"type": "bearer", "token": c.personal_token}),
    ] {
        let (rows, _) = run(&config_with(&fake, auth.clone(), json!({})), "repositories", &[("project", "PRJ")]).unwrap();
        assert_eq!(rows.len(), expected, "{auth}");
    }
    let project_token = config_with(&fake, json!({"type": "bearer", "token": c.project_token.1}), json!({}));
    let (own, _) = run(&project_token, "repositories", &[("project", &c.project_token.0)]).unwrap();
    assert_eq!(own.len(), fake.dataset().repositories(&c.project_token.0).len());
    let e = crate::common::connector_error(run(&project_token, "repositories", &[("project", "PRJ")]));
    assert_eq!((e.code, e.http_status), (ErrorCode::Forbidden, Some(401)));
    assert!(e.message.contains("AuthorisationException"), "{}", e.message);
    let wrong = config_with(&fake, json!({"type": "basic", "username": c.username, "password": "not-it"}), json!({}));
    let e = crate::common::connector_error(run(&wrong, "repositories", &[("project", "PRJ")]));
    assert_eq!((e.code, e.http_status), (ErrorCode::Unauthorized, Some(401)));
    assert!(e.message.contains("\"basic\""), "{}", e.message);
    assert!(!e.message.contains("not-it") && !e.message.contains(&c.password), "{}", e.message);
}

#[test]
fn an_incremental_run_reads_only_the_pull_requests_updated_since_its_checkpoint() {
    let fake = start(Vec::new());
    let config = config(&fake);
    let scope = [("project", "PRJ"), ("repository", "web-app")];
    let (all, first) = run(&config, "pull-requests", &scope).unwrap();
    let newest =
        fake.dataset().pull_requests("PRJ", "web-app").iter().map(|pr| pr["updatedDate"].as_i64().unwrap()).max().unwrap();
    let checkpoint = first.checkpoint.expect("a complete run has a checkpoint");
    assert_eq!(checkpoint, rfc3339_millis(newest));
    assert!(all.len() > 25, "more than one page of the fake's default limit");

    let resumed = [scope[0], scope[1], ("changed-after", checkpoint.as_str())];
    let (rows, again) = run(&config, "pull-requests", &resumed).unwrap();
    assert_eq!((rows.len(), again.requests), (0, 1), "newest first: the first page's first pull request is older");

    fake.update_pull_request("PRJ", "web-app", 3, newest + 60_000, "Renamed on Data Center").unwrap();
    let (rows, _) = run(&config, "pull-requests", &resumed).unwrap();
    let changed: Vec<(&Value, &Value)> = rows.iter().map(|r| (&r["id"], &r["title"])).collect();
    assert_eq!(changed, [(&json!(3), &json!("Renamed on Data Center"))]);
}

#[test]
fn partitions_on_data_center_are_the_projects_repositories() {
    let fake = start(Vec::new());
    let mut session = host().session(&config(&fake)).unwrap();
    let partitions = session.list_partitions("pull-requests", &params(&[("project", "PRJ")])).unwrap();
    let ids: Vec<String> = partitions.iter().map(|p| p.id.clone()).collect();
    let expected: Vec<String> = slugs(&fake, "PRJ").iter().map(|s| format!("PRJ/{s}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(partitions[0].params, params(&[("project", "PRJ"), ("repository", &slugs(&fake, "PRJ")[0])]));
}

#[test]
fn the_fault_matrix_on_data_center_and_no_secret_in_any_error() {
    let rule = |fault: DcFault, attempts: usize| DcFaultRule { fault, path_contains: Some("/pull-requests".into()), attempts };
    let scope = [("project", "PRJ"), ("repository", "web-app")];
    // Recovers: a 429 with Retry-After, a 500 once.
    for fault in [DcFault::RateLimited { retry_after: 1 }, DcFault::ServerError(500)] {
        let fake = start(vec![rule(fault.clone(), 1)]);
        let (rows, summary) = run(&config(&fake), "pull-requests", &scope).unwrap();
        assert_eq!(rows.len(), fake.dataset().pull_requests("PRJ", "web-app").len(), "{fault:?}");
        assert!(summary.retries >= 1, "{fault:?}");
    }
    // Fails, typed.
    let cases = [
        (DcFault::ServerError(500), ErrorCode::Upstream, "CommandFailedException"),
        (DcFault::RateLimited { retry_after: 1 }, ErrorCode::RateLimited, ""),
        (DcFault::MissingNextPageStart, ErrorCode::InvalidResponse, "gives no `nextPageStart`"),
        (DcFault::RepeatPage, ErrorCode::InvalidResponse, "does not move on"),
        (DcFault::HtmlNotFound, ErrorCode::NotFound, "non-JSON body"),
        (DcFault::NoSuchCommit, ErrorCode::NotFound, "NoSuchCommitException"),
    ];
    for (fault, code, says) in cases {
        let fake = start(vec![rule(fault.clone(), usize::MAX)]);
        let c = fake.credentials().clone();
        let secrets = [c.password.clone(), c.personal_token.clone(), c.basic_header(), c.basic_token_header()];
        for auth in [
            json!({"type": "basic", "username": c.username, "password": c.password}),
            json!({"type": "bearer", "token": c.personal_token}),
        ] {
            let config = config_with(&fake, auth, json!({"retries": {"max_attempts": 2, "max_wait_seconds": 2}}));
            let e = crate::common::connector_error(run(&config, "pull-requests", &scope));
            assert_eq!(e.code, code, "{fault:?}: {}", e.message);
            assert!(e.message.contains(says), "{fault:?}: {}", e.message);
            for secret in &secrets {
                assert!(!e.message.contains(secret.as_str()), "{fault:?} leaked a secret: {}", e.message);
            }
        }
    }
}

#[test]
fn connector_harness_syncs_a_data_center_project_with_secrets_from_the_environment() {
    let fake = start(Vec::new());
    let c = fake.credentials().clone();
    let dir = std::env::temp_dir().join(format!("connector-harness-{}-dc-sync", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("dc.json");
    let auth = json!({"type": "basic", "username_env": "DC_USER", "password_env": "DC_PASSWORD"});
    std::fs::write(&config, json!({"product": "data-center", "endpoint": fake.base_url(), "auth": auth}).to_string()).unwrap();
    let (db, state) = (dir.join("dc.db"), dir.join("state.json"));
    let args = [
        "sync",
        "--config",
        config.to_str().unwrap(),
        "--project",
        "PRJ",
        "--reports",
        "repositories,pull-requests,commits",
        "--output",
        db.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--quiet",
    ];
    let out = crate::cli::harness_with_env(&args, &[("DC_USER", &c.username), ("DC_PASSWORD", &c.password)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ds = fake.dataset();
    let repos = slugs(&fake, "PRJ");
    let connection = rusqlite::Connection::open(&db).unwrap();
    let count = |table: &str| -> usize {
        connection.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0)).unwrap() as usize
    };
    assert_eq!(count("repositories"), repos.len());
    assert_eq!(count("pull_requests"), repos.iter().map(|s| ds.pull_requests("PRJ", s).len()).sum::<usize>());
    assert_eq!(count("commits"), repos.iter().map(|s| ds.commits("PRJ", s).len()).sum::<usize>());
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let keys: BTreeSet<&str> = saved.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["commits project=PRJ", "pull-requests project=PRJ"]));

    // A Cloud-only report on Data Center is refused before anything runs.
    let refused = [&args[..5], &["--reports", "pipelines"], &args[7..]].concat();
    let out = crate::cli::harness_with_env(&refused, &[("DC_USER", &c.username), ("DC_PASSWORD", &c.password)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).lines().next().unwrap(),
        "harness-error: report `pipelines` does not run on Bitbucket Data Center (`connector-harness reports` shows where each runs)"
    );
}
