//! Coverage: every report a Bitbucket data user expects is in the catalog,
//! every available one runs end to end against the fake Bitbucket, every
//! retired one fails fast, and every request the component sends matches an
//! operation of Atlassian's OpenAPI document.

mod common;

use common::*;
use host_harness::fake::{FakeBitbucket, FakeOptions};
use host_harness::openapi::OpenApi;
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
            panic!(
                "request {} {path}?{:?} matches no OpenAPI operation: {why}",
                r.method, r.query
            );
        }
    }
}

#[test]
fn every_commercial_report_is_in_the_catalog_by_title_or_alias() {
    let catalog = catalog();
    for title in COMMERCIAL {
        let found = catalog
            .iter()
            .any(|r| r.title == title || r.aliases.iter().any(|a| a == title));
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
                let target = catalog
                    .iter()
                    .find(|c| &c.id == replacement)
                    .unwrap_or_else(|| panic!("{} -> {replacement}", r.id));
                assert!(
                    matches!(target.status, ReportStatus::Available),
                    "{} points at a retired report",
                    r.id
                );
            }
        } else {
            assert!(
                !r.primary_key.is_empty() && !r.columns.is_empty(),
                "{}",
                r.id
            );
        }
    }
}

#[test]
fn retired_reports_fail_fast_and_send_nothing() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    let retired: Vec<ReportInfo> = catalog()
        .into_iter()
        .filter(|r| matches!(r.status, ReportStatus::RetiredUpstream(_)))
        .collect();
    assert!(retired.len() >= 9);
    for r in retired {
        let e = connector_error(run(
            &config,
            &r.id,
            &[("workspace", "acme"), ("repository", "web-app")],
        ));
        assert_eq!(e.code, ErrorCode::RetiredUpstream, "{}", r.id);
        if let ReportStatus::RetiredUpstream(t) = &r.status {
            assert!(e.message.contains(&t.since), "{}: {}", r.id, e.message);
            if let Some(replacement) = &t.replacement {
                assert!(
                    e.message.contains(replacement.as_str()),
                    "{}: {}",
                    r.id,
                    e.message
                );
            }
        }
    }
    assert!(fake.requests().is_empty());
}

/// Parameters that make each available report runnable against the demo data.
fn demo_params(report: &ReportInfo, fake: &FakeBitbucket) -> Vec<(String, String)> {
    let main_commit = fake.dataset().commits("acme", "web-app")[0]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let mut params = Vec::new();
    for p in &report.params {
        let value = match p.name.as_str() {
            "workspace" => "acme".to_string(),
            "repository" => "web-app".to_string(),
            "commit" => main_commit.clone(),
            "group" => first_group(fake),
            _ => continue,
        };
        params.push((p.name.clone(), value));
    }
    params
}

fn first_group(fake: &FakeBitbucket) -> String {
    let config = config(fake);
    let rows = run(
        &config,
        "repository-group-permissions",
        &[("workspace", "acme"), ("repository", "web-app")],
    )
    .unwrap();
    rows[0]["group_slug"].as_str().unwrap().to_string()
}

#[test]
fn every_available_report_runs_with_its_declared_columns_and_a_unique_key() {
    let fake = start(FakeOptions::default());
    let config = config(&fake);
    for report in catalog()
        .into_iter()
        .filter(|r| matches!(r.status, ReportStatus::Available))
    {
        let params = demo_params(&report, &fake);
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let rows =
            run(&config, &report.id, &pairs).unwrap_or_else(|e| panic!("{}: {e}", report.id));
        assert!(!rows.is_empty(), "{} returned no rows", report.id);
        let mut keys = BTreeSet::new();
        for row in &rows {
            let object = row.as_object().unwrap();
            assert_eq!(object.len(), report.columns.len(), "{}", report.id);
            let key: Vec<String> = report
                .primary_key
                .iter()
                .map(|k| object[k].to_string())
                .collect();
            assert!(
                report.primary_key.iter().all(|k| !object[k].is_null()),
                "{}: null key in {row}",
                report.id
            );
            assert!(
                keys.insert(key.clone()),
                "{}: duplicate key {key:?}",
                report.id
            );
        }
        for column in &report.columns {
            let all_null = rows.iter().all(|r| r[&column.name].is_null());
            assert!(
                !all_null,
                "{}.{} is null in every row",
                report.id, column.name
            );
        }
    }
    assert_conforms(&fake);
}

#[test]
fn the_conformance_check_rejects_paths_the_document_does_not_have() {
    let q = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    assert!(openapi()
        .check(
            "GET",
            "/repositories/acme/web-app/pullrequests",
            &q(&[("pagelen", "50"), ("state", "OPEN")])
        )
        .is_ok());
    assert!(openapi()
        .check("GET", "/repositories/acme/web-app/pull-requests", &q(&[]))
        .is_err());
    assert!(openapi()
        .check(
            "GET",
            "/repositories/acme/web-app/commits",
            &q(&[("q", "date >= 2026-01-01")])
        )
        .is_err());
    assert!(
        openapi().check("GET", "/repositories", &q(&[])).is_err(),
        "deprecated and removed"
    );
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
    let mut stream =
        std::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n",
        url.path()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
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
    let repos: Vec<String> = dataset
        .repositories("acme")
        .iter()
        .map(|r| r["slug"].as_str().unwrap().to_string())
        .collect();
    let rows = rows_of(&config, "commits", &[("workspace", "acme")]);
    let expected: usize = repos.iter().map(|r| dataset.commits("acme", r).len()).sum();
    assert_eq!(rows.len(), expected);
    let seen: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["repository"].as_str().unwrap())
        .collect();
    assert_eq!(
        seen.len(),
        repos
            .iter()
            .filter(|r| !dataset.commits("acme", r).is_empty())
            .count()
    );
    // One listing of the repositories, then each repository's pages.
    let pages: usize = repos
        .iter()
        .map(|r| dataset.commits("acme", r).len().div_ceil(100).max(1))
        .sum();
    assert_eq!(fake.requests().len(), 1 + pages);
    assert_conforms(&fake);
}
