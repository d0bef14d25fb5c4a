//! Coverage: every report a Bitbucket data user expects is in the catalog,
//! every available one runs end to end against the fake Bitbucket, every
//! retired one fails fast, and every request the component sends matches an
//! operation of Atlassian's OpenAPI document.

use crate::common::*;
use fake_bitbucket::openapi::OpenApi;
use fake_bitbucket::{FakeBitbucket, FakeOptions};
use host_harness::{ErrorCode, ReportInfo, ReportStatus};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The 26 reports of the commercial connector, by their familiar titles.
const COMMERCIAL: [&str; 26] = [
    "Get Directory Contents",
    "List Users",
    "List Users for Account",
    "List Followers for Username",
    "List Followings for Username",
    "List Team Details",
    "List Team Members",
    "List Team Followers",
    "List Team Following",
    "List Team Repositories",
    "List Pullrequest Activity",
    "List Pullrequest",
    "List Branch Restriction",
    "List Repository Privileges",
    "List All Public Repositories",
    "List All Repositories for Owner",
    "List Forks on a Repository for Owner",
    "List Watchers on a Repository for Owner",
    "List Commits on a Repository for Owner",
    "List Events for Repository",
    "List Issue Component for Repository",
    "List Issue Versions for Repository",
    "List Issue Milestone for Repository",
    "List Group Privileges on a Repository",
    "List Account Emails",
    "List Account Events",
];

/// The DevLake entities and the next things data users ask for, by id.
const ENTITIES: [&str; 27] = [
    "repositories",
    "pull-requests",
    "pull-request-comments",
    "pull-request-commits",
    "pull-request-activity",
    "pull-request-participants",
    "commits",
    "pipelines",
    "pipeline-steps",
    "deployments",
    "environments",
    "branches",
    "tags",
    "projects",
    "workspace-members",
    "workspace-permissions",
    "repository-permissions",
    "repository-user-permissions",
    "repository-group-permissions",
    "branch-restrictions",
    "current-user",
    "user-workspaces",
    "watchers",
    "forks",
    "directory-contents",
    "issues",
    "issue-comments",
];

fn catalog() -> Vec<ReportInfo> {
    host().list_reports().unwrap()
}

fn openapi() -> &'static OpenApi {
    static DOC: OnceLock<OpenApi> = OnceLock::new();
    DOC.get_or_init(|| OpenApi::shared().expect("the OpenAPI document loads"))
}

/// Every request the fake received matches an OpenAPI operation.
fn assert_conforms(fake: &FakeBitbucket) {
    for r in fake.requests() {
        let path = r.path.strip_prefix("/2.0").unwrap_or(&r.path);
        if let Err(why) = openapi().check(&r.method, path, &r.query) {
            panic!("request {} {path}?{:?} matches no OpenAPI operation: {why}", r.method, r.query);
        }
    }
}

#[test]
fn every_commercial_report_is_in_the_catalog_by_title_or_alias() {
    let catalog = catalog();
    for title in COMMERCIAL {
        let found = catalog.iter().any(|r| r.title == title || r.aliases.iter().any(|a| a == title));
        assert!(found, "{title} is not in the catalog");
    }
}

#[test]
fn every_entity_is_in_the_catalog_with_a_status() {
    let catalog = catalog();
    let ids: BTreeSet<&str> = catalog.iter().map(|r| r.id.as_str()).collect();
    for id in ENTITIES {
        assert!(ids.contains(id), "{id} missing");
    }
    for r in &catalog {
        if let ReportStatus::RetiredUpstream(t) = &r.status {
            assert!(t.since.len() == 10 && !t.reason.is_empty(), "{}", r.id);
            if let Some(replacement) = &t.replacement {
                let target = catalog.iter().find(|c| &c.id == replacement).unwrap_or_else(|| panic!("{} -> {replacement}", r.id));
                assert!(matches!(target.status, ReportStatus::Available), "{} points at a retired report", r.id);
            }
        } else {
            assert!(!r.primary_key.is_empty() && !r.columns.is_empty(), "{}", r.id);
        }
    }
}

#[test]
fn retired_reports_fail_fast_and_send_nothing() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let retired: Vec<ReportInfo> =
        catalog().into_iter().filter(|r| matches!(r.status, ReportStatus::RetiredUpstream(_))).collect();
    assert!(retired.len() >= 9);
    for r in retired {
        let e = connector_error(run(&config, &r.id, &[("workspace", "acme"), ("repository", "web-app")]));
        assert_eq!(e.code, ErrorCode::RetiredUpstream, "{}", r.id);
        if let ReportStatus::RetiredUpstream(t) = &r.status {
            assert!(e.message.contains(&t.since), "{}: {}", r.id, e.message);
            if let Some(replacement) = &t.replacement {
                assert!(e.message.contains(replacement.as_str()), "{}: {}", r.id, e.message);
            }
        }
    }
    assert!(fake.requests().is_empty());
}

/// Parameters that make each available report runnable against the demo data.
pub(crate) fn demo_params(report: &ReportInfo, fake: &FakeBitbucket) -> Vec<(String, String)> {
    let main_commit = fake.dataset().commits("acme", "web-app")[0]["hash"].as_str().unwrap().to_string();
    let mut params = Vec::new();
    // The tests run on Cloud: Data Center's parameters (`project` as its
    // scope) are not given.
    for p in report.params.iter().filter(|p| p.products.contains(&host_harness::Product::Cloud)) {
        let value = match p.name.as_str() {
            "workspace" => "acme".to_string(),
            "repository" => "web-app".to_string(),
            "commit" if report.id == "file-history" => "main".to_string(),
            "commit" => main_commit.clone(),
            "path" if report.id == "file-history" => "src/main.rs".to_string(),
            // A pool user who authored pull requests; `ssh-keys` and
            // `gpg-keys` leave it out (the `current-user` fan-out).
            "user" if report.id == "user-pull-requests" => pull_request_author(fake),
            // `snippet` left out: every snippet (the `snippets` fan-out).
            "group" => first_group(fake),
            "project" => fake.dataset().project_keys("acme")[0].clone(),
            _ => continue,
        };
        params.push((p.name.clone(), value));
    }
    params
}

/// Row counts computed from the seeded dataset, independently of the
/// component, for the reports run with workspace `acme` and repository `web-app`.
fn expected_rows(id: &str, fake: &FakeBitbucket) -> Option<usize> {
    let d = fake.dataset();
    let (w, r) = ("acme", "web-app");
    let prs = d.pull_request_count(w, r) as u64;
    let per_pr = |count: &dyn Fn(u64) -> usize| (1..=prs).map(count).sum::<usize>();
    Some(match id {
        "repositories" => d.repositories(w).len(),
        "public-repositories" => d.repositories(w).iter().filter(|x| x["is_private"] == false).count(),
        "pull-requests" => prs as usize,
        "commits" => d.commit_count(w, r),
        "pull-request-comments" => per_pr(&|id| d.pull_request_comment_count(w, r, id)),
        "pull-request-commits" => per_pr(&|id| d.pull_request_commit_count(w, r, id)),
        "pull-request-participants" => per_pr(&|id| d.pull_request_participant_count(w, r, id)),
        "pull-request-activity" => d.repository_activity_count(w, r),
        "branches" => d.branch_count(w, r),
        "tags" => d.tag_count(w, r),
        "forks" => d.fork_count(w, r),
        "watchers" => d.watcher_count(w, r),
        "branch-restrictions" => d.branch_restriction_count(w, r),
        "repository-user-permissions" => d.user_permission_count(w, r),
        "repository-group-permissions" => d.group_permission_count(w, r),
        "repository-permissions" => d.repository_permissions(w, r).len(),
        "pipelines" => d.pipeline_count(w, r),
        "pipeline-steps" => (1..=d.pipeline_count(w, r)).map(|n| d.pipeline_step_count(w, r, n)).sum(),
        "deployments" => d.deployment_count(w, r),
        "environments" => d.environment_count(w, r),
        "directory-contents" => d.src_root_count(w, r),
        "workspace-members" => d.member_count(w),
        "workspace-permissions" => d.workspace_permissions(w).len(),
        "projects" => d.projects(w).len(),
        "user-emails" => d.emails().len(),
        "user-workspaces" => d.user_workspaces().len(),
        "default-reviewers" => d.default_reviewers(w, r).len(),
        "effective-default-reviewers" => d.effective_default_reviewers_of(w, r).len(),
        "project-default-reviewers" => d.project_default_reviewers_of(w, &d.project_keys(w)[0]).len(),
        "project-deploy-keys" => d.project_deploy_keys(w, &d.project_keys(w)[0]).len(),
        "project-user-permissions" => d.project_user_permissions(w, &d.project_keys(w)[0]).len(),
        "project-group-permissions" => d.project_group_permissions(w, &d.project_keys(w)[0]).len(),
        "deploy-keys" => d.deploy_keys(w, r).len(),
        "webhooks" => d.repository_webhooks(w, r).len(),
        "workspace-webhooks" => d.workspace_webhooks(w).len(),
        "workspace-repository-permissions" => d.workspace_repository_permissions(w).len(),
        "user-repository-permissions" => d.my_repository_permissions(w).len(),
        // `user` omitted: the authenticated user's (the `current-user` fan-out).
        "ssh-keys" => d.ssh_keys(d.current_user()["uuid"].as_str().unwrap()).len(),
        "gpg-keys" => d.gpg_keys(d.current_user()["uuid"].as_str().unwrap()).len(),
        "user-pull-requests" => d.user_pull_requests(w, &pull_request_author(fake)).len(),
        "refs" => d.refs(w, r).len(),
        "file-history" => d.file_history(w, r, "src/main.rs").len(),
        "snippets" => d.snippets(w).len(),
        "snippet-comments" => d.snippets(w).iter().map(|s| d.snippet_comments(w, s["id"].as_str().unwrap()).len()).sum(),
        "snippet-commits" => d.snippets(w).iter().map(|s| d.snippet_commits(w, s["id"].as_str().unwrap()).len()).sum(),
        "workspace" | "current-user" | "repository-group-permission" => 1,
        // Per-commit reports run on the newest commit of web-app (`demo_params`).
        "commit-statuses" => d.commit_statuses(w, r, 0).len(),
        "commit-comments" => d.commit_comments(w, r, 0).len(),
        "code-insights-reports" => d.insights_reports(w, r, 0).len(),
        "code-insights-annotations" => d.insights_annotations(w, r, 0).len(),
        "commit-diffstat" => d.commit_diffstat(w, r, 0).len(),
        "pull-request-statuses" => per_pr(&|id| d.pull_request_statuses(w, r, id).len()),
        "pull-request-tasks" => per_pr(&|id| d.pull_request_tasks(w, r, id).len()),
        "pull-request-diffstat" => per_pr(&|id| d.pull_request_diffstat(w, r, id).len()),
        "pipeline-caches" => d.pipeline_caches(w, r).len(),
        "pipeline-schedules" => d.pipeline_schedules(w, r).len(),
        "pipeline-known-hosts" => d.pipeline_known_hosts(w, r).len(),
        "pipeline-variables" => d.pipeline_variables(w, r).len(),
        "workspace-pipeline-variables" => d.workspace_pipeline_variables(w).len(),
        "deployment-variables" => (0..d.environment_count(w, r)).map(|e| d.deployment_variables(w, r, e).len()).sum(),
        "repository-runners" => d.repository_runners(w, r).len(),
        "workspace-runners" => d.workspace_runners(w).len(),
        _ => return None,
    })
}

/// The author of `acme/web-app`'s first pull request.
fn pull_request_author(fake: &FakeBitbucket) -> String {
    fake.dataset().pull_request("acme", "web-app", 1).unwrap()["author"]["uuid"].as_str().unwrap().to_string()
}

fn first_group(fake: &FakeBitbucket) -> String {
    let config = config(fake);
    let rows = run(&config, "repository-group-permissions", &[("workspace", "acme"), ("repository", "web-app")]).unwrap();
    rows[0]["group_slug"].as_str().unwrap().to_string()
}

#[test]
fn every_available_report_runs_with_its_declared_columns_and_a_unique_key() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    for report in catalog().into_iter().filter(|r| matches!(r.status, ReportStatus::Available)) {
        let params = demo_params(&report, &fake);
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let rows = run(&config, &report.id, &pairs).unwrap_or_else(|e| panic!("{}: {e}", report.id));
        assert!(!rows.is_empty(), "{} returned no rows", report.id);
        if let Some(expected) = expected_rows(&report.id, &fake) {
            assert_eq!(rows.len(), expected, "{}: rows against the seeded data", report.id);
        }
        let mut keys = BTreeSet::new();
        for row in &rows {
            let object = row.as_object().unwrap();
            assert_eq!(object.len(), report.columns.len(), "{}", report.id);
            let key: Vec<String> = report.primary_key.iter().map(|k| object[k].to_string()).collect();
            assert!(report.primary_key.iter().all(|k| !object[k].is_null()), "{}: null key in {row}", report.id);
            assert!(keys.insert(key.clone()), "{}: duplicate key {key:?}", report.id);
        }
        // Columns only Data Center fills say so, and are null on Cloud.
        for column in report.columns.iter().filter(|c| !c.description.starts_with("Data Center only")) {
            let all_null = rows.iter().all(|r| r[&column.name].is_null());
            assert!(!all_null, "{}.{} is null in every row", report.id, column.name);
        }
    }
    assert_conforms(&fake);
}

#[test]
fn the_conformance_check_rejects_paths_the_document_does_not_have() {
    let q = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    assert!(openapi()
        .check("GET", "/repositories/acme/web-app/pullrequests", &q(&[("pagelen", "50"), ("state", "OPEN")]))
        .is_ok());
    assert!(openapi().check("GET", "/repositories/acme/web-app/pull-requests", &q(&[])).is_err());
    assert!(openapi().check("GET", "/repositories/acme/web-app/commits", &q(&[("q", "date >= 2026-01-01")])).is_err());
    assert!(openapi().check("GET", "/repositories", &q(&[])).is_err(), "deprecated and removed");
}

#[test]
fn removed_endpoints_answer_as_bitbucket_does_today() {
    let fake = start(FakeOptions::default());
    let get = |path: &str| {
        let url = format!("{}{path}", fake.base_url());
        raw_get(&url, &fake.credentials().basic_header())
    };
    let (status, body) = get("/repositories");
    assert_eq!(status, 410);
    assert!(body.contains("CHANGE-2770"), "{body}");
    assert_eq!(get("/workspaces").0, 410);
    assert_eq!(get("/repositories/acme/web-app/issues").0, 404);
}

/// A minimal HTTP/1.1 GET over a TCP stream: status and body.
fn raw_get(url: &str, authorization: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let url = url::Url::parse(url).unwrap();
    let mut stream = std::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
    write!(stream, "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n", url.path())
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn rows_of(config: &str, id: &str, pairs: &[(&str, &str)]) -> Vec<Value> {
    run(config, id, pairs).unwrap_or_else(|e| panic!("{id}: {e}"))
}

#[test]
fn omitting_the_repository_covers_every_repository_of_the_workspace() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let dataset = fake.dataset();
    let repos: Vec<String> = dataset.repositories("acme").iter().map(|r| r["slug"].as_str().unwrap().to_string()).collect();
    let rows = rows_of(&config, "commits", &[("workspace", "acme")]);
    let expected: usize = repos.iter().map(|r| dataset.commits("acme", r).len()).sum();
    assert_eq!(rows.len(), expected);
    let seen: BTreeSet<&str> = rows.iter().map(|r| r["repository"].as_str().unwrap()).collect();
    assert_eq!(seen.len(), repos.iter().filter(|r| !dataset.commits("acme", r).is_empty()).count());
    // One listing of the repositories, then each repository's pages.
    let pages: usize = repos.iter().map(|r| dataset.commits("acme", r).len().div_ceil(100).max(1)).sum();
    assert_eq!(fake.requests().len(), 1 + pages);
    assert_conforms(&fake);
}

#[test]
fn omitted_projects_snippets_and_users_are_every_project_every_snippet_and_the_caller() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let d = fake.dataset();
    let keys = d.project_keys("acme");
    let rows = rows_of(&config, "project-user-permissions", &[("workspace", "acme")]);
    assert_eq!(rows.len(), keys.iter().map(|k| d.project_user_permissions("acme", k).len()).sum::<usize>());
    let seen: BTreeSet<&str> = rows.iter().map(|r| r["project"].as_str().unwrap()).collect();
    assert_eq!(seen.len(), keys.len());

    let snippets = d.snippets("acme");
    let rows = rows_of(&config, "snippet-commits", &[("workspace", "acme")]);
    assert_eq!(rows.len(), snippets.iter().map(|s| d.snippet_commits("acme", s["id"].as_str().unwrap()).len()).sum::<usize>());

    // The authenticated user: one `/user`, then its own collection.
    fake.clear_requests();
    let me = d.current_user()["uuid"].as_str().unwrap().to_string();
    let rows = rows_of(&config, "ssh-keys", &[]);
    assert_eq!(rows.len(), d.ssh_keys(&me).len());
    assert!(rows.iter().all(|r| r["owner_uuid"] == me.as_str()));
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    let encoded = me.replace('{', "%7B").replace('}', "%7D");
    assert_eq!(paths, ["/2.0/user".to_string(), format!("/2.0/users/{encoded}/ssh-keys")]);
    // The caller authored no pull request in the fake: an empty run, not an error.
    assert!(rows_of(&config, "user-pull-requests", &[("workspace", "acme")]).is_empty());
    assert_conforms(&fake);
}

fn timestamp(row: &Value, column: &str) -> i64 {
    let text = row[column].as_str().unwrap_or_else(|| panic!("{column} in {row}"));
    // RFC 3339 as the fake writes it; compare as text after normalising to UTC seconds.
    chrono_free_seconds(text)
}

/// Seconds since the epoch for `YYYY-MM-DDTHH:MM:SS[.frac]+00:00` (the fake's form).
fn chrono_free_seconds(s: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let days = {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    };
    assert!(s.ends_with("+00:00") || s.ends_with('Z'), "{s}");
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

/// Runs a report with and without `since`, returning (all rows, filtered
/// rows, requests for all, requests for filtered).
fn with_and_without_since(report: &str, pairs: &[(&str, &str)], since: &str) -> (Vec<Value>, Vec<Value>, usize, usize) {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let all = rows_of(&config, report, pairs);
    let all_requests = fake.requests().len();
    fake.clear_requests();
    let mut filtered_pairs = pairs.to_vec();
    filtered_pairs.push(("since", since));
    let filtered = rows_of(&config, report, &filtered_pairs);
    let filtered_requests = fake.requests().len();
    assert_conforms(&fake);
    (all, filtered, all_requests, filtered_requests)
}

#[test]
fn since_becomes_a_server_side_filter_for_pull_requests() {
    let since = "2026-07-01";
    let cutoff = chrono_free_seconds("2026-07-01T00:00:00+00:00");
    let pairs = [("workspace", "acme"), ("repository", "web-app")];
    let (all, filtered, all_requests, filtered_requests) = with_and_without_since("pull-requests", &pairs, since);
    let expected: Vec<&Value> = all.iter().filter(|r| timestamp(r, "updated_on") >= cutoff).collect();
    assert!(!expected.is_empty() && expected.len() < all.len(), "the date splits the demo data");
    assert_eq!(filtered.iter().collect::<Vec<_>>(), expected);
    assert_eq!(all_requests, all.len().div_ceil(50));
    assert_eq!(filtered_requests, expected.len().div_ceil(50).max(1));
}

#[test]
fn since_stops_commit_paging_at_the_cutoff() {
    let cutoff = chrono_free_seconds("2026-07-01T00:00:00+00:00");
    let pairs = [("workspace", "acme"), ("repository", "web-app")];
    let (all, filtered, all_requests, filtered_requests) = with_and_without_since("commits", &pairs, "2026-07-01");
    let expected: Vec<&Value> = all.iter().filter(|r| timestamp(r, "date") >= cutoff).collect();
    assert!(!expected.is_empty() && expected.len() < all.len());
    assert_eq!(filtered.iter().collect::<Vec<_>>(), expected);
    assert_eq!(all_requests, all.len().div_ceil(100));
    // Pages up to and including the one holding the first older commit.
    assert_eq!(filtered_requests, expected.len() / 100 + 1);
    assert!(filtered_requests <= all_requests);
}

#[test]
fn since_stops_pipeline_paging_newest_first() {
    let cutoff = chrono_free_seconds("2026-08-01T00:00:00+00:00");
    let pairs = [("workspace", "acme"), ("repository", "web-app")];
    let (all, filtered, _, filtered_requests) = with_and_without_since("pipelines", &pairs, "2026-08-01");
    let expected: Vec<&Value> = all.iter().filter(|r| timestamp(r, "created_on") >= cutoff).collect();
    assert!(!expected.is_empty() && expected.len() < all.len());
    assert_eq!(filtered.len(), expected.len());
    assert_eq!(filtered_requests, expected.len() / 100 + 1);
}

#[test]
fn days_back_means_since_now_minus_n_days() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    // Every demo object is older than a day.
    let rows = rows_of(&config, "pull-requests", &[("workspace", "acme"), ("repository", "web-app"), ("days-back", "1")]);
    assert!(rows.is_empty());
    let q = &fake.requests()[0].query;
    let filter = q.iter().find(|(k, _)| k == "q").map(|(_, v)| v.as_str()).unwrap();
    assert!(filter.contains("updated_on >= 2"), "{filter}");
    assert!(filter.contains("state = \"MERGED\""), "the states stay in the query: {filter}");
}

#[test]
fn per_pull_request_reports_cover_a_whole_workspace() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let one =
        rows_of(&config, "pull-request-comments", &[("workspace", "acme"), ("repository", "web-app"), ("pull-request", "1")]);
    assert!(one.iter().all(|r| r["pull_request_id"] == 1 && r["repository"] == "web-app"));
    let all = rows_of(&config, "pull-request-comments", &[("workspace", "acme")]);
    let repos: BTreeSet<&str> = all.iter().map(|r| r["repository"].as_str().unwrap()).collect();
    assert_eq!(repos.len(), 3, "every repository of the workspace");
    let from_pr1: Vec<&Value> = all.iter().filter(|r| r["repository"] == "web-app" && r["pull_request_id"] == 1).collect();
    assert_eq!(from_pr1, one.iter().collect::<Vec<_>>());
    assert_conforms(&fake);
}

#[test]
fn the_readme_lists_every_report() {
    let readme = std::fs::read_to_string(host_harness::component::workspace_dir().join("README.md")).unwrap();
    for r in catalog() {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", r.id)))
            .unwrap_or_else(|| panic!("README has no row for {}", r.id));
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(cells[4], r.columns.len().to_string(), "{}: column count in the README", r.id);
        let retired = matches!(r.status, ReportStatus::RetiredUpstream(_));
        assert_eq!(cells[5].starts_with("retired"), retired, "{}: status in the README", r.id);
        if !retired {
            let products: Vec<&str> = r
                .products
                .iter()
                .map(|p| match p {
                    host_harness::Product::Cloud => "Cloud",
                    host_harness::Product::DataCenter => "Data Center",
                })
                .collect();
            assert_eq!(cells[5], format!("available: {} |", products.join(", ")), "{}: the products in the README", r.id);
        }
    }
}

#[test]
fn a_workspace_wide_run_with_since_still_visits_every_repository() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let since = "2026-07-01";
    let whole = rows_of(&config, "pull-requests", &[("workspace", "acme"), ("since", since)]);
    let mut per_repo = Vec::new();
    for repo in fake.dataset().repositories("acme") {
        let slug = repo["slug"].as_str().unwrap();
        per_repo.extend(rows_of(&config, "pull-requests", &[("workspace", "acme"), ("repository", slug), ("since", since)]));
    }
    assert!(!whole.is_empty());
    assert_eq!(whole, per_repo, "the repository listing is not narrowed by the date");
    let listing = fake.requests().into_iter().find(|r| r.path == "/2.0/repositories/acme").unwrap();
    assert!(listing.query_values("q").is_empty(), "{:?}", listing.query);
}

#[test]
fn variable_reports_never_output_a_value() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let dataset = fake.dataset();
    let values = dataset.variable_values();
    let unsecured = dataset.pipeline_variables("acme", "web-app").into_iter().filter(|v| v["secured"] == false).count();
    assert!(unsecured > 0, "the fake serves unsecured variables");
    assert!(dataset.pipeline_variables("acme", "web-app").iter().all(|v| v["value"].is_string() == (v["secured"] == false)));
    for (report, pairs) in [
        ("pipeline-variables", &[("workspace", "acme")][..]),
        ("workspace-pipeline-variables", &[("workspace", "acme")][..]),
        ("deployment-variables", &[("workspace", "acme")][..]),
    ] {
        let rows = rows_of(&config, report, pairs);
        assert!(!rows.is_empty(), "{report}");
        for row in &rows {
            let text = row.to_string();
            assert!(!text.contains("\"value\""), "{report}: {text}");
            for value in &values {
                assert!(!text.contains(value), "{report} output the value {value}: {text}");
            }
        }
        let requests = fake.requests();
        let fields = requests.iter().flat_map(|r| r.query_values("fields")).collect::<Vec<_>>().join(",");
        assert!(!fields.contains("values.value"), "{report} asked for values: {fields}");
    }
    assert_conforms(&fake);
}

/// The endpoints a report reads, from its description ("Read from GET …",
/// "(GET … when `x` is given)"), as the OpenAPI templates they match.
fn templates_read(report: &ReportInfo) -> Vec<String> {
    let concrete = |endpoint: &str| -> String {
        let segments: Vec<&str> = endpoint.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect();
        segments.join("/")
    };
    report
        .description
        .split("GET ")
        .skip(1)
        .filter_map(|rest| rest.split([' ', ',']).next())
        .map(|endpoint| endpoint.trim_end_matches(['.', ')']))
        .filter_map(|endpoint| openapi().check("GET", &concrete(endpoint), &[]).ok())
        .collect()
}

/// The collections left out, from the README's table: `(template, why)`.
fn left_out() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(host_harness::component::workspace_dir().join("README.md")).unwrap();
    let section = readme.split("### Collections left out").nth(1).expect("README has a `### Collections left out` section");
    let section = section.split("\n#").next().unwrap();
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `GET "))
        .filter_map(|rest| rest.split_once("` | "))
        .map(|(template, why)| (template.to_string(), why.trim_end_matches(" |").to_string()))
        .collect()
}

#[test]
fn every_paginated_collection_of_the_openapi_document_is_a_report_or_left_out_with_a_reason() {
    let read: BTreeSet<String> =
        catalog().iter().filter(|r| matches!(r.status, ReportStatus::Available)).flat_map(templates_read).collect();
    let left_out = left_out();
    let collections = openapi().collections();
    let mut neither = Vec::new();
    for template in &collections {
        let excluded = left_out.iter().any(|(t, why)| t == template && why.len() > 10);
        if !read.contains(*template) && !excluded {
            neither.push(*template);
        }
        assert!(!(read.contains(*template) && excluded), "{template} is both a report and left out");
    }
    assert!(neither.is_empty(), "collections neither read by a report nor left out in the README: {neither:#?}");
    for (template, _) in &left_out {
        assert!(collections.contains(&template.as_str()), "the README leaves out {template}, which is no collection");
    }
}

#[test]
fn pull_request_diffstats_follow_bitbucket_s_redirect_on_the_same_origin() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let dataset = fake.dataset();
    let pairs = [("workspace", "acme"), ("repository", "web-app"), ("pull-request", "3")];
    let rows = rows_of(&config, "pull-request-diffstat", &pairs);
    let expected = dataset.pull_request_diffstat("acme", "web-app", 3);
    assert_eq!(rows.len(), expected.len());
    for (row, file) in rows.iter().zip(&expected) {
        assert_eq!(row["status"], file["status"]);
        assert_eq!(row["lines_added"], file["lines_added"]);
        let path = if file["new"].is_null() { &file["old"]["path"] } else { &file["new"]["path"] };
        assert_eq!(&row["path"], path);
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "the pull request's diffstat, then where it redirects: {requests:?}");
    assert_eq!(requests[0].path, "/2.0/repositories/acme/web-app/pullrequests/3/diffstat");
    assert_eq!(requests[0].status, 302, "the host hands the redirect to the component unchanged");
    assert!(requests[1].path.starts_with("/2.0/repositories/acme/web-app/diffstat/acme/web-app:"), "{}", requests[1].path);
    assert!(requests[1].path.contains("%0D"), "{}", requests[1].path);
    assert_eq!(requests[1].query_values("from_pullrequest_id"), ["3"]);
    assert_conforms(&fake);
}

#[test]
fn per_commit_reports_cover_the_commits_a_date_leaves() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let dataset = fake.dataset();
    let commits = dataset.commits("acme", "web-app");
    let since = commits[5]["date"].as_str().unwrap().to_string();
    let visited = commits.iter().filter(|c| timestamp(c, "date") >= chrono_free_seconds(&since)).count();
    assert!((6..commits.len()).contains(&visited), "{visited}");
    let pairs = [("workspace", "acme"), ("repository", "web-app"), ("since", since.as_str())];

    let statuses = rows_of(&config, "commit-statuses", &pairs);
    let expected: usize = (0..visited).map(|i| dataset.commit_statuses("acme", "web-app", i).len()).sum();
    assert_eq!(statuses.len(), expected);
    let hashes: BTreeSet<&str> = statuses.iter().map(|r| r["commit"].as_str().unwrap()).collect();
    assert_eq!(hashes.len(), visited, "every commit since the date has statuses");
    assert_eq!(fake.requests().len(), 1 + visited, "one page of commits, then each commit's statuses");
    fake.clear_requests();

    // Nested: every report of every commit since the date, then each report's annotations.
    let annotations = rows_of(&config, "code-insights-annotations", &pairs);
    let expected: usize = (0..visited).map(|i| dataset.insights_annotations("acme", "web-app", i).len()).sum();
    assert_eq!(annotations.len(), expected);
    let reports: usize = (0..visited).map(|i| dataset.insights_reports("acme", "web-app", i).len()).sum();
    assert_eq!(fake.requests().len(), 1 + visited + reports);
    let uuids: BTreeSet<&str> = annotations.iter().map(|r| r["report_id"].as_str().unwrap()).collect();
    assert!(uuids.iter().all(|u| u.starts_with('{')), "bound from the reports' uuids: {uuids:?}");
    assert_conforms(&fake);
}
