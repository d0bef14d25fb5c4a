//! The Data Center fake (`dc/`): paging, authentication, the error
//! envelope, `X-AUSERNAME`, pull request `state`/`order`, faults, changes,
//! the seeded dataset's promises, and conformance to the DC OpenAPI document.
//! Expectations come from the [`DcDataset`] accessors or by hand.

use super::*;
use crate::openapi::OpenApi;

const R: &str = "/api/latest/projects/PRJ/repos/web-app";

fn dc() -> FakeDataCenter {
    FakeDataCenter::start(DcOptions::default()).unwrap()
}

fn dc_with(faults: Vec<DcFaultRule>) -> FakeDataCenter {
    FakeDataCenter::start(DcOptions { faults, ..DcOptions::default() }).unwrap()
}

fn url(fake: &FakeDataCenter, rest: &str) -> String {
    format!("{}/rest{rest}", fake.base_url())
}

/// GET as the user (Bearer personal token).
fn dc_get(fake: &FakeDataCenter, rest: &str) -> Resp {
    get(&url(fake, rest), Some(&fake.credentials().bearer_header()))
}

fn dc_ok(fake: &FakeDataCenter, rest: &str) -> Value {
    let r = dc_get(fake, rest);
    assert_eq!(r.status, 200, "{rest}: {}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("Content-Type"), Some("application/json;charset=UTF-8"));
    r.json()
}

fn envelope(message: &str, exception: Option<&str>, context: Option<&str>) -> Value {
    json!({"errors": [{"context": context, "message": message, "exceptionName": exception}]})
}

fn assert_dc_error(r: &Resp, status: u16, body: Value) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("Content-Type"), Some("application/json;charset=UTF-8"));
    assert_eq!(r.json(), body);
}

/// Every value from `rest` (which has a query already or not), following `nextPageStart`.
fn dc_all(fake: &FakeDataCenter, rest: &str, limit: usize) -> Vec<Value> {
    let sep = if rest.contains('?') { '&' } else { '?' };
    let (mut values, mut start) = (Vec::new(), 0);
    loop {
        let page = dc_ok(fake, &format!("{rest}{sep}start={start}&limit={limit}"));
        values.extend(page["values"].as_array().unwrap().iter().cloned());
        if page["isLastPage"] == true {
            assert!(page.get("nextPageStart").is_none());
            return values;
        }
        start = page["nextPageStart"].as_u64().unwrap() as usize;
        assert!(values.len() < 10_000, "runaway paging");
    }
}

const AUTH_FAILED: &str = "Authentication failed. Please check your credentials and try again.";
const INCORRECT: &str = "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException";
const NOT_PERMITTED: &str = "You are not permitted to access this resource";
const AUTHORISATION: &str = "com.atlassian.bitbucket.AuthorisationException";

#[test]
fn dc_paging_default_limit_caps_next_page_start_and_the_end() {
    let fake = dc();
    let commits = fake.dataset().commits("PRJ", "web-app");
    assert_eq!(commits.len(), 60);

    let first = dc_ok(&fake, &format!("{R}/commits"));
    assert_eq!(
        first,
        json!({"size": 25, "limit": 25, "isLastPage": false, "values": commits[..25], "start": 0, "nextPageStart": 25})
    );
    let last = dc_ok(&fake, &format!("{R}/commits?start=50"));
    assert_eq!(last, json!({"size": 10, "limit": 25, "isLastPage": true, "values": commits[50..], "start": 50}));
    let past = dc_ok(&fake, &format!("{R}/commits?start=100&limit=10"));
    assert_eq!(past, json!({"size": 0, "limit": 10, "isLastPage": true, "values": [], "start": 100}));

    // Above the cap: 1000 everywhere, 500 for activities; 0 counts as 1.
    let capped = dc_ok(&fake, &format!("{R}/commits?limit=5000"));
    assert_eq!(
        (capped["limit"].clone(), capped["size"].clone(), capped["isLastPage"].clone()),
        (json!(1000), json!(60), json!(true))
    );
    let activities = dc_ok(&fake, &format!("{R}/pull-requests/1/activities?limit=1000"));
    assert_eq!(activities["limit"], 500);
    assert_eq!(activities["values"], json!(fake.dataset().activities("PRJ", "web-app", 1)));
    let one = dc_ok(&fake, &format!("{R}/commits?limit=0"));
    assert_eq!(
        (one["limit"].clone(), one["values"].clone(), one["nextPageStart"].clone()),
        (json!(1), json!([commits[0]]), json!(1))
    );

    // Walking nextPageStart at an odd limit gives everything once, in order.
    assert_eq!(dc_all(&fake, &format!("{R}/commits"), 7), commits);

    for (key, value) in [("limit", "abc"), ("start", "-1")] {
        let r = dc_get(&fake, &format!("{R}/commits?{key}={value}"));
        let message = format!("{key} must be a non-negative integer; {value:?} is not one");
        assert_dc_error(&r, 400, envelope(&message, None, Some(key)));
    }
}

#[test]
fn dc_authentication_four_ways_and_the_failures() {
    let fake = dc();
    let c = fake.credentials().clone();
    let jsmith = fake.dataset().user("jsmith").unwrap();
    for header in [c.basic_header(), c.basic_token_header(), c.bearer_header()] {
        let r = get(&url(&fake, "/api/latest/projects/PRJ"), Some(&header));
        assert_eq!(r.status, 200, "{header}");
        assert_eq!(r.json(), fake.dataset().project("PRJ").unwrap());
        assert_eq!(r.header("X-AUSERNAME"), Some("jsmith"));
        assert_eq!(r.header("X-AUSERID"), Some(jsmith["id"].to_string().as_str()));
    }

    // The project token reaches its project (OPS) only.
    let project = c.project_bearer_header();
    let r = get(&url(&fake, "/api/latest/projects/OPS/repos/infra"), Some(&project));
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), fake.dataset().repository("OPS", "infra").unwrap());
    assert_eq!((r.header("X-AUSERNAME"), r.header("X-AUSERID")), (Some(DC_PROJECT_TOKEN_USER), Some("0")));
    for elsewhere in ["/api/latest/projects/PRJ/repos", "/api/latest/users", "/api/latest/repos", "/api/latest/projects"] {
        let r = get(&url(&fake, elsewhere), Some(&project));
        assert_dc_error(&r, 401, envelope(NOT_PERMITTED, Some(AUTHORISATION), None));
    }

    let encode = |pair: &str| format!("Basic {}", crate::util::base64_encode(pair.as_bytes()));
    for bad in [
        None,
        Some(encode("jsmith:wrong")),
        Some(encode("alice:jsmith-password")),
        Some(encode(&format!("jsmith:{}", c.project_token.1))),
        Some("Bearer jsmith-password".to_string()),
        Some("Basic !!!".to_string()),
        Some("Token dc-personal-token".to_string()),
    ] {
        let r = get(&url(&fake, "/api/latest/projects"), bad.as_deref());
        assert_dc_error(&r, 401, envelope(AUTH_FAILED, Some(INCORRECT), None));
        assert_eq!(r.header("X-AUSERNAME"), None, "{bad:?}");
    }

    // The version probe needs no authentication.
    let r = get(&url(&fake, "/api/latest/application-properties"), None);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"version": "9.4.3", "buildNumber": "9004003", "buildDate": "1718812800000", "displayName": "Bitbucket"})
    );
}

#[test]
fn dc_what_the_user_may_not_see_is_a_401_and_in_no_listing() {
    let fake = dc();
    for rest in ["/api/latest/projects/SEC", "/api/latest/projects/sec/repos/vault/pull-requests"] {
        assert_dc_error(&dc_get(&fake, rest), 401, envelope(NOT_PERMITTED, Some(AUTHORISATION), None));
    }
    let keys = |values: Vec<Value>| -> Vec<String> { values.iter().map(|p| p["key"].as_str().unwrap().to_string()).collect() };
    // By name: Operations, Platform (personal and hidden projects are not listed).
    assert_eq!(keys(dc_all(&fake, "/api/latest/projects", 1)), ["OPS", "PRJ"]);
    let repos: Vec<String> = dc_all(&fake, "/api/latest/repos", 2)
        .iter()
        .map(|r| format!("{}/{}", r["project"]["key"].as_str().unwrap(), r["slug"].as_str().unwrap()))
        .collect();
    assert_eq!(repos, ["~JSMITH/dotfiles", "~JSMITH/web-app", "OPS/infra", "PRJ/api-service", "PRJ/web-app"]);
    let public: Vec<Value> = dc_all(&fake, "/api/latest/repos?visibility=public", 25);
    assert_eq!(
        public,
        [fake.dataset().repository("~JSMITH", "dotfiles").unwrap(), fake.dataset().repository("OPS", "infra").unwrap()]
    );
    assert_eq!(dc_all(&fake, "/api/latest/repos?projectkey=prj", 25), fake.dataset().repositories("PRJ"));
}

#[test]
fn dc_error_envelope_for_missing_things() {
    let fake = dc();
    let cases = [
        (
            "/api/latest/projects/NOPE",
            "Project NOPE does not exist.",
            Some("com.atlassian.bitbucket.project.NoSuchProjectException"),
        ),
        (
            "/api/latest/projects/PRJ/repos/nope",
            "Repository PRJ/nope does not exist.",
            Some("com.atlassian.bitbucket.repository.NoSuchRepositoryException"),
        ),
        (
            "/api/latest/projects/PRJ/repos/web-app/pull-requests/999",
            "Pull request 999 does not exist in PRJ/web-app.",
            Some("com.atlassian.bitbucket.pull.NoSuchPullRequestException"),
        ),
        ("/api/latest/users/nobody", "User nobody does not exist.", Some("com.atlassian.bitbucket.user.NoSuchUserException")),
        ("/api/latest/pipelines", "No resource was found at /api/latest/pipelines.", None),
        ("/api/1.0/projects", "No resource was found at /api/1.0/projects.", None),
    ];
    for (rest, message, exception) in cases {
        assert_dc_error(&dc_get(&fake, rest), 404, envelope(message, exception, None));
    }
    // Outside `{context}/rest`.
    let r = get(&format!("{}/2.0/repositories", fake.base_url()), Some(&fake.credentials().bearer_header()));
    assert_dc_error(&r, 404, envelope("No resource was found at /bitbucket/2.0/repositories.", None, None));
    // The log keeps paths relative to `/rest`, with their queries.
    fake.clear_requests();
    dc_ok(&fake, &format!("{R}/commits?limit=2&start=4"));
    let log = fake.requests();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].path.as_str(), log[0].status), ("/api/latest/projects/PRJ/repos/web-app/commits", 200));
    assert_eq!(log[0].query, [("limit".to_string(), "2".to_string()), ("start".to_string(), "4".to_string())]);
}

fn ids(values: &[Value]) -> Vec<u64> {
    values.iter().map(|v| v["id"].as_u64().unwrap()).collect()
}

/// The pull requests of `state` ("ALL" = any), by `updatedDate` descending, then id descending.
fn newest(fake: &FakeDataCenter, state: &str) -> Vec<u64> {
    let mut prs: Vec<Value> =
        fake.dataset().pull_requests("PRJ", "web-app").into_iter().filter(|p| state == "ALL" || p["state"] == state).collect();
    prs.sort_by_key(|p| std::cmp::Reverse((p["updatedDate"].as_i64().unwrap(), p["id"].as_u64().unwrap())));
    ids(&prs)
}

#[test]
fn dc_pull_request_state_and_order() {
    let fake = dc();
    let all = fake.dataset().pull_requests("PRJ", "web-app");
    assert_eq!(all.len(), 40);
    for state in ["OPEN", "MERGED", "DECLINED"] {
        assert!(all.iter().any(|p| p["state"] == state), "some {state}");
    }
    let open = dc_all(&fake, &format!("{R}/pull-requests"), 1000);
    assert_eq!(ids(&open), newest(&fake, "OPEN"));
    assert_eq!(ids(&dc_all(&fake, &format!("{R}/pull-requests?state=MERGED&order=NEWEST"), 5)), newest(&fake, "MERGED"));
    let mut oldest = newest(&fake, "ALL");
    oldest.reverse();
    assert_eq!(ids(&dc_all(&fake, &format!("{R}/pull-requests?state=ALL&order=OLDEST"), 9)), oldest);
    assert_eq!(dc_ok(&fake, &format!("{R}/pull-requests/7")), fake.dataset().pull_request("PRJ", "web-app", 7).unwrap());

    for (key, value, message) in [
        ("state", "SUPERSEDED", "state must be one of OPEN, MERGED, DECLINED or ALL, not \"SUPERSEDED\""),
        ("order", "CLOSED_DATE", "order must be NEWEST or OLDEST, not \"CLOSED_DATE\""),
    ] {
        let r = dc_get(&fake, &format!("{R}/pull-requests?{key}={value}"));
        assert_dc_error(&r, 400, envelope(message, None, Some(key)));
    }

    // A change moves the pull request to the front of NEWEST.
    let oldest_open = *newest(&fake, "OPEN").last().unwrap();
    let version = fake.dataset().pull_request("PRJ", "web-app", oldest_open).unwrap()["version"].as_i64().unwrap();
    let when = DC_GENERATED_BEFORE_MS + 5_000;
    fake.update_pull_request("PRJ", "web-app", oldest_open, when, "Renamed").unwrap();
    let first = &dc_ok(&fake, &format!("{R}/pull-requests?limit=1"))["values"][0];
    assert_eq!((first["id"].as_u64(), first["title"].as_str()), (Some(oldest_open), Some("Renamed")));
    assert_eq!((first["updatedDate"].as_i64(), first["version"].as_i64()), (Some(when), Some(version + 1)));
    let err = fake.update_pull_request("PRJ", "web-app", oldest_open, when, "Again").unwrap_err().to_string();
    assert_eq!(
        err,
        format!("pull request PRJ/web-app#{oldest_open}: the new updatedDate {when} must be after its current {when}")
    );
    let err = fake.update_pull_request("PRJ", "web-app", 999, when + 1, "x").unwrap_err().to_string();
    assert_eq!(err, "no pull request 999 in PRJ/web-app of the Data Center fake");
}

#[test]
fn dc_refs_orders_permissions_users_and_forks() {
    let fake = dc();
    let d = fake.dataset();
    let names =
        |values: &[Value]| -> Vec<String> { values.iter().map(|b| b["displayId"].as_str().unwrap().to_string()).collect() };
    let branches = dc_all(&fake, &format!("{R}/branches"), 3);
    assert_eq!(
        names(&branches),
        ["bugfix/crash", "develop", "feature/login", "feature/search", "hotfix/typo", "main", "release/1.0", "release/2.0"]
    );
    assert_eq!(branches.iter().filter(|b| b["isDefault"] == true).map(|b| b["displayId"].clone()).collect::<Vec<_>>(), ["main"]);
    let commits = d.commits("PRJ", "web-app");
    let position = |b: &Value| commits.iter().position(|c| c["id"] == b["latestCommit"]).unwrap();
    let modified = dc_all(&fake, &format!("{R}/branches?orderBy=MODIFICATION"), 25);
    let positions: Vec<usize> = modified.iter().map(position).collect();
    assert!(positions.windows(2).all(|w| w[0] <= w[1]), "newest commit first: {positions:?}");
    assert_eq!(names(&dc_all(&fake, &format!("{R}/tags"), 2)), ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0"]);
    let r = dc_get(&fake, &format!("{R}/tags?orderBy=NAME"));
    assert_dc_error(&r, 400, envelope("orderBy must be ALPHABETICAL or MODIFICATION, not \"NAME\"", None, Some("orderBy")));

    assert_eq!(dc_all(&fake, &format!("{R}/forks"), 25), [d.repository("~JSMITH", "web-app").unwrap()]);
    assert_eq!(d.repository("~jsmith", "web-app").unwrap()["origin"], d.repository("PRJ", "web-app").unwrap());
    assert_eq!(dc_all(&fake, &format!("{R}/permissions/users"), 2), d.repository_user_permissions("PRJ", "web-app"));
    assert_eq!(dc_all(&fake, &format!("{R}/permissions/groups"), 2), d.repository_group_permissions("PRJ", "web-app"));
    assert_eq!(dc_all(&fake, "/api/latest/projects/OPS/permissions/users", 2), d.project_user_permissions("OPS"));
    assert_eq!(dc_all(&fake, "/api/latest/projects/OPS/permissions/groups", 2), d.project_group_permissions("OPS"));
    let jsmith = dc_all(&fake, "/api/latest/projects/PRJ/permissions/users?filter=jsm", 25);
    let names: Vec<&Value> = jsmith.iter().map(|grant| &grant["user"]["name"]).collect();
    assert_eq!(names, ["jsmith", "jsmith.admin"], "a substring match");
    assert_eq!(jsmith[0], json!({"user": d.user("jsmith").unwrap(), "permission": "PROJECT_ADMIN"}));

    let users = dc_all(&fake, "/api/latest/users", 3);
    assert_eq!(users, d.users());
    assert_eq!(users.len(), 9);
    let global = dc_all(&fake, "/api/latest/admin/permissions/users", 3);
    assert_eq!(global, d.global_permissions());
    let levels: Vec<(&Value, &Value)> = global.iter().map(|p| (&p["user"]["name"], &p["permission"])).take(3).collect();
    assert_eq!(
        levels,
        [
            (&json!("alice"), &json!("ADMIN")),
            (&json!("bob"), &json!("PROJECT_CREATE")),
            (&json!("carol.white@corp"), &json!("LICENSED_USER"))
        ]
    );
    assert_eq!(global.len(), 8, "frank is inactive");
    let carol = dc_ok(&fake, "/api/latest/users/carol.white_corp");
    assert_eq!((carol["name"].as_str(), carol["slug"].as_str()), (Some("carol.white@corp"), Some("carol.white_corp")));
    assert_eq!(dc_all(&fake, "/api/latest/users?filter=WHITE", 25), [carol]);
    assert!(dc_ok(&fake, "/api/latest/users/dave").get("emailAddress").is_none());
    assert_eq!(dc_all(&fake, &format!("{R}/pull-requests/3/participants"), 25), d.participants("PRJ", "web-app", 3));
    assert_eq!(dc_all(&fake, &format!("{R}/pull-requests/3/commits"), 25), d.pull_request_commits("PRJ", "web-app", 3));
}

#[test]
fn dc_dataset_keeps_its_promises() {
    let fake = dc();
    let d = fake.dataset();
    let prj = d.project("PRJ").unwrap();
    assert_eq!(
        prj,
        json!({"key": "PRJ", "id": 1, "name": "Platform", "description": "Platform services", "public": false, "type": "NORMAL",
            "links": {"self": [{"href": format!("{}/projects/PRJ", fake.base_url())}]}})
    );
    let personal = d.project("~jsmith").unwrap();
    assert_eq!((personal["key"].as_str(), personal["type"].as_str()), (Some("~JSMITH"), Some("PERSONAL")));
    assert_eq!(personal["owner"], d.user("jsmith").unwrap());
    assert_eq!(d.repositories("~JSMITH").len(), 2);

    let (mut anchored, mut deepest, mut kinds, mut edited) = (0, 0, BTreeSet::new(), 0);
    fn depth(comment: &Value) -> usize {
        1 + comment["comments"].as_array().unwrap().iter().map(depth).max().unwrap_or(0)
    }
    for pr in d.pull_requests("PRJ", "web-app") {
        let id = pr["id"].as_u64().unwrap();
        let (created, updated) = (pr["createdDate"].as_i64().unwrap(), pr["updatedDate"].as_i64().unwrap());
        assert!(created < updated && updated < DC_GENERATED_BEFORE_MS);
        assert_eq!(pr.get("closedDate").is_none(), pr["state"] == "OPEN", "closedDate only when closed");
        for reviewer in pr["reviewers"].as_array().unwrap() {
            assert_eq!(reviewer["approved"], reviewer["status"] == "APPROVED");
        }
        let activities = d.activities("PRJ", "web-app", id);
        assert_eq!(activities.last().unwrap()["action"], "OPENED");
        let times: Vec<i64> = activities.iter().map(|a| a["createdDate"].as_i64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        for a in &activities {
            kinds.insert(a["action"].as_str().unwrap().to_string());
            if a["action"] == "COMMENTED" && a["commentAction"] == "EDITED" {
                // An edit comes before (newer than) the thread's ADDED activity.
                assert!(a["comment"]["version"].as_u64() > Some(0), "{a}");
                let added =
                    activities.iter().filter(|b| b["commentAction"] == "ADDED" && b["comment"]["id"] == a["comment"]["id"]);
                assert_eq!(added.map(|b| b["id"].as_u64() < a["id"].as_u64()).collect::<Vec<_>>(), [true], "{a}");
                edited += 1;
            } else if a["action"] == "COMMENTED" {
                assert_eq!(a["commentAction"], "ADDED");
                anchored += a.get("commentAnchor").is_some() as usize;
                deepest = deepest.max(depth(&a["comment"]));
            }
        }
        let commits = d.pull_request_commits("PRJ", "web-app", id);
        assert!((1..=4).contains(&commits.len()));
        assert_eq!(pr["fromRef"]["latestCommit"], commits[0]["id"]);
    }
    assert!(anchored > 0 && deepest >= 3 && edited > 0, "inline comments {anchored}, deepest thread {deepest}, edits {edited}");
    let expected: BTreeSet<String> = ["APPROVED", "COMMENTED", "DECLINED", "MERGED", "OPENED", "REVIEWED", "UNAPPROVED"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(kinds, expected);

    let commits = d.commits("PRJ", "web-app");
    for pair in commits.windows(2) {
        assert_eq!(pair[0]["parents"], json!([{"id": pair[1]["id"], "displayId": pair[1]["displayId"]}]));
        assert!(pair[0]["committerTimestamp"].as_i64() > pair[1]["committerTimestamp"].as_i64());
    }
    assert!(commits.iter().all(|c| c["committerTimestamp"].as_i64().unwrap() % 1000 == 0));
    // Deterministic: generated twice under one base URL, the same data.
    let (one, two) = (DcDataset::generate("http://h/bb"), DcDataset::generate("http://h/bb"));
    assert_eq!(one.pull_requests("OPS", "infra"), two.pull_requests("OPS", "infra"));
    assert_eq!(one.activities("OPS", "infra", 5), two.activities("OPS", "infra", 5));
}

#[test]
fn dc_faults() {
    let rule = |fault: DcFault, path: &str| DcFaultRule { fault, path_contains: Some(path.to_string()), attempts: 1 };
    let fake = dc_with(vec![
        rule(DcFault::RateLimited { retry_after: 7 }, "/repos/web-app/commits"),
        rule(DcFault::ServerError(500), "/pull-requests/2/activities"),
        rule(DcFault::NoSuchCommit, "/pull-requests/3/commits"),
        rule(DcFault::MissingNextPageStart, "/repos/web-app/tags"),
        rule(DcFault::RepeatPage, "/repos/web-app/branches"),
        rule(DcFault::HtmlNotFound, "/projects/OPS/repos"),
        rule(DcFault::Truncated, "/api/latest/users"),
        rule(DcFault::Disconnect, "/repos/api-service"),
    ]);
    let r = dc_get(&fake, &format!("{R}/commits"));
    assert_dc_error(
        &r,
        429,
        envelope(
            "You have exceeded the rate limit for this resource. Try again later.",
            Some("com.atlassian.bitbucket.ratelimit.RateLimitedException"),
            None,
        ),
    );
    assert_eq!(r.header("Retry-After"), Some("7"));
    // One attempt per target: the retry is answered.
    assert_eq!(dc_ok(&fake, &format!("{R}/commits"))["size"], 25);

    let r = dc_get(&fake, &format!("{R}/pull-requests/2/activities"));
    let message = "An error occurred while executing an external process: process timed out";
    assert_dc_error(&r, 500, envelope(message, Some("com.atlassian.bitbucket.scm.CommandFailedException"), None));
    let r = dc_get(&fake, &format!("{R}/pull-requests/3/commits"));
    let message = "A commit this request needs does not exist in the repository.";
    assert_dc_error(&r, 404, envelope(message, Some("com.atlassian.bitbucket.commit.NoSuchCommitException"), None));

    let tags = dc_ok(&fake, &format!("{R}/tags"));
    assert_eq!((tags["isLastPage"].clone(), tags.get("nextPageStart")), (json!(false), None));
    assert_eq!(tags["values"], json!(fake.dataset().tags("PRJ", "web-app")));
    let branches = dc_ok(&fake, &format!("{R}/branches?start=2&limit=2"));
    assert_eq!((branches["isLastPage"].clone(), branches["nextPageStart"].clone()), (json!(false), json!(2)));

    let r = dc_get(&fake, "/api/latest/projects/OPS/repos");
    assert_eq!((r.status, r.header("Content-Type")), (404, Some("text/html")));
    assert!(String::from_utf8_lossy(&r.body).contains("<title>Bitbucket | Page not found</title>"));

    // Truncated: the head promises more than arrives.
    let raw = raw_get(&fake, "/api/latest/users");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let length: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
    assert!(head.starts_with("HTTP/1.1 200") && body.len() == length / 2, "{head}: {} of {length}", body.len());
    // Disconnect: nothing at all.
    assert!(raw_get(&fake, "/api/latest/projects/PRJ/repos/api-service").is_empty());

    let faults: Vec<(String, Option<String>, u16)> =
        fake.requests().into_iter().map(|r| (r.path, r.fault, r.status)).filter(|(_, f, _)| f.is_some()).collect();
    let names: Vec<&str> = faults.iter().map(|(_, f, _)| f.as_deref().unwrap()).collect();
    assert_eq!(
        names,
        [
            "rate-limited",
            "server-error",
            "no-such-commit",
            "missing-next-page-start",
            "repeat-page",
            "html-not-found",
            "truncated",
            "disconnect"
        ]
    );
    assert_eq!(faults.iter().map(|f| f.2).collect::<Vec<_>>(), [429, 500, 404, 200, 200, 404, 0, 0]);
}

/// The raw bytes of a GET as the user, however the connection ends.
fn raw_get(fake: &FakeDataCenter, rest: &str) -> Vec<u8> {
    let address = fake.base_url().trim_start_matches("http://").split('/').next().unwrap().to_string();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "GET /bitbucket/rest{rest} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        fake.credentials().bearer_header()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return raw,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn dc_control_endpoint_updates_a_pull_request() {
    let fake = FakeDataCenter::start(DcOptions { control: true, context_path: String::new(), ..DcOptions::default() }).unwrap();
    assert_eq!(url(&fake, "/x"), format!("{}/rest/x", fake.base_url()));
    assert!(!fake.base_url().ends_with('/'));
    let before = fake.dataset().pull_request("OPS", "infra", 4).unwrap();
    let r = request("POST", &format!("{}/_fake/dc/pull-requests/OPS/infra/4", fake.base_url()), None);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let after = fake.dataset().pull_request("OPS", "infra", 4).unwrap();
    assert_eq!(r.json(), json!({"updatedDate": after["updatedDate"]}));
    assert!(after["updatedDate"].as_i64() > before["updatedDate"].as_i64());
    assert_eq!(after["title"], before["title"]);
    let r = request("POST", &format!("{}/_fake/dc/pull-requests/OPS/infra/999", fake.base_url()), None);
    assert_eq!(r.status, 404);
    assert!(fake.requests().is_empty(), "control requests are not logged");
}

#[test]
fn dc_start_rejects_an_unknown_user() {
    let credentials = DcCredentials { username: "nobody".to_string(), ..DcCredentials::default() };
    let err = FakeDataCenter::start(DcOptions { credentials, ..DcOptions::default() }).err().unwrap().to_string();
    assert_eq!(err, "DcCredentials::username \"nobody\" is no user of the Data Center fake's dataset (e.g. \"jsmith\")");
}

/// Every route the fake serves, with every parameter it understands.
const ROUTES: &[&str] = &[
    "/api/latest/application-properties",
    "/api/latest/projects?name=Plat&start=0&limit=10",
    "/api/latest/projects/PRJ",
    "/api/latest/projects/PRJ/repos?start=0&limit=10",
    "/api/latest/projects/PRJ/permissions/users?filter=j&start=0&limit=10",
    "/api/latest/projects/PRJ/permissions/groups?filter=dev&start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app",
    "/api/latest/projects/PRJ/repos/web-app/pull-requests?state=ALL&order=OLDEST&start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app/pull-requests/1",
    "/api/latest/projects/PRJ/repos/web-app/pull-requests/1/activities?start=0&limit=500",
    "/api/latest/projects/PRJ/repos/web-app/pull-requests/1/commits?start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app/pull-requests/1/participants?start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app/commits?start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app/branches?orderBy=MODIFICATION&start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app/tags?orderBy=ALPHABETICAL&start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app/forks?start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app/permissions/users?filter=j&start=0&limit=10",
    "/api/latest/projects/PRJ/repos/web-app/permissions/groups?filter=dev&start=0&limit=10",
    "/api/latest/users?filter=j&start=0&limit=10",
    "/api/latest/users/jsmith",
    "/api/latest/repos?projectkey=PRJ&name=web&visibility=private&start=0&limit=10",
];

#[test]
fn dc_every_route_conforms_to_the_data_center_document() {
    let api = OpenApi::data_center().unwrap();
    let fake = dc();
    for route in ROUTES {
        dc_ok(&fake, route);
    }
    let log = fake.requests();
    assert_eq!(log.len(), ROUTES.len());
    for r in &log {
        assert_eq!(r.status, 200, "{}", r.path);
        api.check(&r.method, &r.path, &r.query).unwrap_or_else(|e| panic!("{}: {e}", r.path));
    }
    let q =
        |pairs: &[(&str, &str)]| -> Vec<(String, String)> { pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let err = api.check("GET", &format!("{R}/pull-requests"), &q(&[("pagelen", "50")])).unwrap_err();
    assert!(err.starts_with("query parameter \"pagelen\" is not declared for GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/pull-requests (allowed: "), "{err}");
    assert!(!err.contains("pagelen,") && err.contains("start") && err.contains("limit"), "{err}");
    for cloud in ["fields", "page"] {
        assert!(api.check("GET", "/api/latest/projects", &q(&[(cloud, "1")])).is_err(), "{cloud}");
    }
    assert!(api.check("GET", "/api/latest/projects/PRJ", &q(&[("start", "0")])).is_err(), "start only where declared");
    let err = api.check("GET", "/rest/api/latest/projects", &[]).unwrap_err();
    assert!(err.ends_with("(check the path below `/rest`)"), "{err}");
    // Cloud's document still takes its global parameters.
    let cloud = OpenApi::shared().unwrap();
    assert!(cloud.check("GET", "/repositories/acme", &q(&[("pagelen", "50")])).is_ok());
}
