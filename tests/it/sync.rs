//! `connector-harness sync`, driven as a user would, against the fake
//! Bitbucket started in this process: reports into one SQLite database or
//! one folder of JSONL files, one state file, a failing report that leaves
//! the others' rows and checkpoints in place, the default report set, and
//! the README's SQLite queries answered over a synced workspace.

use crate::cli::{config_file, harness};
use crate::common;
use fake_bitbucket::{Dataset, FakeBitbucket, FakeOptions, Fault, FaultRule};
use host_harness::progress::thousands;
use host_harness::{Product, ReportInfo, ReportStatus};
use rusqlite::Connection;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A fresh scratch path for this test (removed first if a run left one).
fn scratch(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("connector-harness-{}-sync-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir_all(&path);
    path
}

/// `connector-harness sync --config … --workspace acme --output … --state … --quiet` and `extra`.
fn sync(config: &Path, output: &Path, state: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sync", "--config", config.to_str().unwrap(), "--workspace", "acme"];
    args.extend(["--output", output.to_str().unwrap(), "--state", state.to_str().unwrap(), "--quiet"]);
    args.extend(extra);
    harness(&args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The summary's lines, each without its time (` · 0.1 s`, or `after 0.1 s`).
fn summary(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| !l.starts_with("harness-error:"))
        .map(|line| match line.split_once(" failed after ") {
            Some((id, rest)) => format!("{id} failed: {}", rest.split_once(" s: ").expect("a time, then the error").1),
            None => line.rsplit_once(" · ").map_or(line, |(counts, _time)| counts).to_string(),
        })
        .collect()
}

fn state_file(path: &Path) -> BTreeMap<String, String> {
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    saved.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect()
}

fn count(db: &Path, table: &str) -> usize {
    let conn = Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0)).unwrap() as usize
}

fn slugs(ds: &Dataset) -> Vec<String> {
    ds.repositories("acme").iter().map(|r| r["slug"].as_str().unwrap().to_string()).collect()
}

/// Every pull request of the workspace: `(repository, pull request)`.
fn pull_requests(ds: &Dataset) -> Vec<(String, Value)> {
    slugs(ds).into_iter().flat_map(|slug| ds.pull_requests("acme", &slug).into_iter().map(move |pr| (slug.clone(), pr))).collect()
}

fn participants(ds: &Dataset) -> usize {
    pull_requests(ds).iter().map(|(slug, pr)| ds.pull_request_participant_count("acme", slug, pr["id"].as_u64().unwrap())).sum()
}

fn commits(ds: &Dataset) -> usize {
    slugs(ds).iter().map(|slug| ds.commit_count("acme", slug)).sum()
}

/// The greatest of `field` over `objects` (RFC 3339 text, all in UTC).
fn latest<'a>(objects: impl IntoIterator<Item = &'a Value>, field: &str) -> String {
    objects.into_iter().map(|o| o[field].as_str().unwrap().to_string()).max().unwrap()
}

/// The requests of the summary's lines, summed.
fn requests_in(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| !l.starts_with("total:"))
        .filter_map(|l| l.split(" · ").find_map(|part| part.strip_suffix(" requests").or(part.strip_suffix(" request"))))
        .map(|n| n.replace(',', "").parse::<usize>().unwrap())
        .sum()
}

const FOUR: &str = "repositories,pull-requests,commits,pull-request-participants";

#[test]
fn sync_loads_each_report_into_its_table_and_resumes_from_one_state_file() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let ds = fake.dataset();
    let config = config_file(&fake, "sync-four");
    let (db, state) = (scratch("four.db"), scratch("four.state.json"));
    let (repos, prs, commits, people) = (slugs(ds).len(), pull_requests(ds).len(), commits(ds), participants(ds));

    let first = sync(&config, &db, &state, &["--reports", FOUR]);
    assert!(first.status.success(), "{}", stderr(&first));
    let lines = summary(&first);
    let ids: Vec<&str> = lines.iter().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(ids, ["repositories", "pull-requests", "commits", "pull-request-participants", "total"]);
    for (line, rows) in lines.iter().zip([repos, prs, commits, people]) {
        assert!(line.contains(&format!(": ok · {} rows · ", thousands(rows as u64))), "{line}");
    }
    let total = repos + prs + commits + people;
    let sent = fake.requests().len();
    assert_eq!(requests_in(&lines), sent);
    assert!(
        lines[4].starts_with(&format!("total: 4 reports, 4 ok, 0 failed · {} rows · ", thousands(total as u64))),
        "{}",
        lines[4]
    );
    assert!(lines[4].ends_with(&format!(" · {sent} requests")), "{}", lines[4]);
    assert_eq!(
        [count(&db, "repositories"), count(&db, "pull_requests"), count(&db, "commits"), count(&db, "pull_request_participants")],
        [repos, prs, commits, people]
    );
    // One state file, the keys `run --state` uses, each report's own checkpoint.
    let all_prs: Vec<Value> = pull_requests(ds).into_iter().map(|(_, pr)| pr).collect();
    let all_commits: Vec<Value> = slugs(ds).iter().flat_map(|slug| ds.commits("acme", slug)).collect();
    let checkpoints = state_file(&state);
    let expected = BTreeMap::from([
        ("repositories workspace=acme".to_string(), latest(&ds.repositories("acme"), "updated_on")),
        ("pull-requests workspace=acme".to_string(), latest(&all_prs, "updated_on")),
        ("commits workspace=acme".to_string(), latest(&all_commits, "date")),
        ("pull-request-participants workspace=acme".to_string(), latest(&all_prs, "updated_on")),
    ]);
    assert_eq!(checkpoints, expected);

    // Nothing changed: every report resumes, loads nothing, sends fewer requests.
    fake.clear_requests();
    let second = sync(&config, &db, &state, &["--reports", FOUR]);
    assert!(second.status.success(), "{}", stderr(&second));
    let lines = summary(&second);
    for line in &lines[..4] {
        assert!(line.contains(": ok · 0 rows · "), "{line}");
    }
    // One page per repository for each fanned-out report, and the repositories' one.
    let resumed = fake.requests().len();
    assert_eq!(resumed, 1 + 3 * (1 + repos));
    assert!(resumed < sent);
    assert_eq!(requests_in(&lines), resumed);
    assert_eq!(state_file(&state), expected);

    // One pull request changes: it and its participants are upserted.
    fake.update_pull_request("acme", "web-app", 3, "2026-10-09T10:00:00+00:00", "Changed");
    let third = sync(&config, &db, &state, &["--reports", FOUR]);
    assert!(third.status.success(), "{}", stderr(&third));
    let lines = summary(&third);
    assert!(lines[1].starts_with("pull-requests: ok · 1 row · "), "{}", lines[1]);
    let changed = ds.pull_request_participant_count("acme", "web-app", 3);
    assert!(lines[3].starts_with(&format!("pull-request-participants: ok · {changed} rows · ")), "{}", lines[3]);
    assert_eq!([count(&db, "pull_requests"), count(&db, "pull_request_participants")], [prs, people]);
    let conn = Connection::open(&db).unwrap();
    let title: String =
        conn.query_row("SELECT title FROM pull_requests WHERE repository = 'web-app' AND id = 3", [], |r| r.get(0)).unwrap();
    assert_eq!(title, "Changed");
    let moved = state_file(&state);
    assert!(moved["pull-requests workspace=acme"].starts_with("2026-10-09T10:00:00"), "{moved:?}");
    assert_eq!(moved["commits workspace=acme"], expected["commits workspace=acme"]);
}

#[test]
fn a_failing_report_leaves_the_others_rows_and_checkpoints_and_its_own_table() {
    // A first sync loads commits.
    let healthy = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let ds = healthy.dataset();
    let (db, state) = (scratch("failing.db"), scratch("failing.state.json"));
    let out = sync(&config_file(&healthy, "sync-healthy"), &db, &state, &["--reports", "commits"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let commits_checkpoint = state_file(&state)["commits workspace=acme"].clone();

    // Then the commits of every repository fail for good (the same data behind).
    let failing = FakeBitbucket::start(FakeOptions {
        faults: vec![FaultRule { fault: Fault::ServerError(500), path_contains: Some("/commits".into()), attempts: usize::MAX }],
        ..FakeOptions::default()
    })
    .unwrap();
    let path = config_file(&failing, "sync-failing");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["retries"] = serde_json::json!({"max_attempts": 1});
    std::fs::write(&path, config.to_string()).unwrap();
    let out = sync(&path, &db, &state, &["--reports", "repositories,commits,pull-requests"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = summary(&out);
    assert!(lines[0].starts_with("repositories: ok · 3 rows · "), "{lines:#?}");
    assert!(lines[1].starts_with("commits: failed: upstream: ") && lines[1].contains("HTTP 500"), "{lines:#?}");
    assert!(lines[2].starts_with("  what to do: "), "{lines:#?}");
    let prs = pull_requests(ds).len();
    assert!(lines[3].starts_with(&format!("pull-requests: ok · {prs} rows · ")), "{lines:#?}");
    assert!(lines[4].starts_with(&format!("total: 3 reports, 2 ok, 1 failed · {} rows · ", 3 + prs)), "{lines:#?}");
    assert!(
        stderr(&out).ends_with(
            "harness-error: 1 of 3 reports failed (see the summary above); the others' rows and checkpoints were kept\n"
        ),
        "{}",
        stderr(&out)
    );
    // The others loaded; the failing report's table and checkpoint are as they were.
    assert_eq!([count(&db, "repositories"), count(&db, "pull_requests"), count(&db, "commits")], [3, prs, commits(ds)]);
    let all_prs: Vec<Value> = pull_requests(ds).into_iter().map(|(_, pr)| pr).collect();
    let expected = BTreeMap::from([
        ("commits workspace=acme".to_string(), commits_checkpoint),
        ("repositories workspace=acme".to_string(), latest(&ds.repositories("acme"), "updated_on")),
        ("pull-requests workspace=acme".to_string(), latest(&all_prs, "updated_on")),
    ]);
    assert_eq!(state_file(&state), expected);
}

/// The default set, decided here from the catalog: available, takes
/// `workspace`, requires nothing else.
fn workspace_reports() -> Vec<ReportInfo> {
    let catalog = common::host().list_reports().unwrap();
    catalog
        .into_iter()
        .filter(|r| matches!(r.status, ReportStatus::Available))
        .filter(|r| r.params.iter().any(|p| p.name == "workspace"))
        .filter(|r| {
            r.params.iter().filter(|p| p.products.contains(&Product::Cloud)).all(|p| !p.required || p.name == "workspace")
        })
        .collect()
}

#[test]
fn without_reports_every_available_report_that_needs_only_the_workspace_runs() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let (db, state) = (scratch("all.db"), scratch("all.state.json"));
    let out = sync(&config_file(&fake, "sync-all"), &db, &state, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = workspace_reports();
    let lines = summary(&out);
    let ids: Vec<&str> = lines.iter().map(|l| l.split(':').next().unwrap()).collect();
    let mut wanted: Vec<&str> = expected.iter().map(|r| r.id.as_str()).collect();
    wanted.push("total");
    assert_eq!(ids, wanted);
    let n = expected.len();
    assert!(lines[n].starts_with(&format!("total: {n} reports, {n} ok, 0 failed · ")), "{}", lines[n]);
    let conn = Connection::open(&db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut wanted: Vec<String> = expected.iter().map(|r| r.id.replace('-', "_")).collect();
    wanted.sort();
    assert_eq!(tables, wanted);
    // Every resumable report, and only those, has a checkpoint.
    let resumable = expected
        .iter()
        .filter(|r| r.params.iter().any(|p| p.name == "changed-after" && p.products.contains(&Product::Cloud)))
        .count();
    assert_eq!(state_file(&state).len(), resumable);
}

#[test]
fn reports_a_workspace_sync_cannot_run_are_refused_before_anything_runs() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "sync-refused");
    let (db, state) = (scratch("refused.db"), scratch("refused.state.json"));
    for (reports, error) in [
        ("repositories,nope", "harness-error: no report `nope`; `connector-harness reports` lists them\n"),
        (
            "repositories,file-history",
            "harness-error: report `file-history` needs the parameters `repository`, `commit`, `path`, which a workspace sync does not give; run it with `connector-harness run file-history --param workspace=… --param repository=… --param commit=… --param path=…`\n",
        ),
        ("current-user", "harness-error: report `current-user` is not read per workspace; run it with `connector-harness run current-user`\n"),
    ] {
        let out = sync(&config, &db, &state, &["--reports", reports]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stderr(&out), error);
    }
    let out = sync(&config, &db, &state, &["--reports", "issues"]);
    assert!(stderr(&out).starts_with("harness-error: report `issues` was retired upstream on "), "{}", stderr(&out));
    assert!(fake.requests().is_empty());
    assert!(!db.exists() && !state.exists());
}

#[test]
fn a_jsonl_sync_writes_one_file_per_report_and_appends_what_changed() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let ds = fake.dataset();
    let config = config_file(&fake, "sync-jsonl");
    let (folder, state) = (scratch("jsonl"), scratch("jsonl.state.json"));
    let args = ["--reports", "repositories,pull-requests", "--format", "jsonl"];
    let lines = |name: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(folder.join(name)).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let files = || -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    };

    let out = sync(&config, &folder, &state, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files(), ["pull-requests.jsonl", "repositories.jsonl"]);
    let prs = pull_requests(ds).len();
    assert_eq!((lines("repositories.jsonl").len(), lines("pull-requests.jsonl").len()), (3, prs));

    fake.update_pull_request("acme", "web-app", 3, "2026-10-09T10:00:00+00:00", "Changed");
    let out = sync(&config, &folder, &state, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files(), ["pull-requests.jsonl", "repositories.jsonl"]);
    let after = lines("pull-requests.jsonl");
    assert_eq!((lines("repositories.jsonl").len(), after.len()), (3, prs + 1));
    let last = after.last().unwrap();
    assert_eq!(
        (&last["repository"], &last["id"], &last["title"]),
        (&Value::from("web-app"), &Value::from(3), &Value::from("Changed"))
    );
}

// ---------------------------------------------------------------- README queries

/// The SQL block after `<!-- sql: NAME -->` in the README.
fn readme_query(name: &str) -> String {
    let readme = std::fs::read_to_string(host_harness::component::workspace_dir().join("README.md")).unwrap();
    let marker = format!("<!-- sql: {name} -->\n```sql\n");
    let from = readme.find(&marker).unwrap_or_else(|| panic!("README has no `{marker}`")) + marker.len();
    readme[from..].split("```").next().unwrap().to_string()
}

/// Microseconds since the epoch of the fake's RFC 3339 text
/// (`2026-09-25T20:10:53.764317+00:00`, fraction and offset optional).
fn micros(text: &str) -> i64 {
    let n = |range: std::ops::Range<usize>| text[range].parse::<i64>().unwrap();
    let days = common::days_from_civil(n(0..4), n(5..7), n(8..10));
    let mut t = ((days * 24 + n(11..13)) * 60 + n(14..16)) * 60 + n(17..19);
    t *= 1_000_000;
    let rest = &text[19..];
    let (fraction, offset) = match rest.find(['+', '-', 'Z']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if let Some(digits) = fraction.strip_prefix('.') {
        t += format!("{digits:0<6}")[..6].parse::<i64>().unwrap();
    }
    if offset.len() == 6 {
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let minutes = offset[1..3].parse::<i64>().unwrap() * 60 + offset[4..6].parse::<i64>().unwrap();
        t -= sign * minutes * 60_000_000;
    }
    t
}

const HOUR_US: f64 = 3_600_000_000.0;

/// Rounded to one decimal, as SQLite's `round(x, 1)`.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[test]
fn the_readmes_sqlite_queries_answer_from_a_synced_workspace() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let ds = fake.dataset();
    let (db, state) = (scratch("queries.db"), scratch("queries.state.json"));
    let out = sync(&config_file(&fake, "sync-queries"), &db, &state, &["--reports", "pull-requests,pull-request-participants"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let conn = Connection::open(&db).unwrap();
    let merged: Vec<(String, Value)> = pull_requests(ds).into_iter().filter(|(_, pr)| pr["state"] == "MERGED").collect();

    // Merged per week: the Monday (UTC) of each merged pull request's updated_on.
    let mut per_week: BTreeMap<String, i64> = BTreeMap::new();
    for (_, pr) in &merged {
        let day = micros(pr["updated_on"].as_str().unwrap()).div_euclid(86_400 * 1_000_000);
        let monday = day - (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday
        *per_week.entry(common::civil_from_days(monday)).or_default() += 1;
    }
    let answer: Vec<(String, i64)> = conn
        .prepare(&readme_query("merged-per-week"))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(per_week.len() > 1, "the demo merges over several weeks");
    assert_eq!(answer, per_week.into_iter().collect::<Vec<_>>());

    // Hours from open to merge, per repository.
    let mut per_repo: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (slug, pr) in &merged {
        let hours = (micros(pr["updated_on"].as_str().unwrap()) - micros(pr["created_on"].as_str().unwrap())) as f64 / HOUR_US;
        per_repo.entry(slug.clone()).or_default().push(hours);
    }
    let expected: Vec<(String, i64, f64)> = per_repo
        .into_iter()
        .map(|(slug, hours)| (slug, hours.len() as i64, round1(hours.iter().sum::<f64>() / hours.len() as f64)))
        .collect();
    let answer: Vec<(String, i64, f64)> = conn
        .prepare(&readme_query("hours-to-merge"))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(answer, expected);

    // Review turnaround: reviewers' approvals, hours after the pull request opened.
    let mut per_reviewer: BTreeMap<String, (String, Vec<f64>)> = BTreeMap::new();
    for (slug, pr) in pull_requests(ds) {
        let opened = micros(pr["created_on"].as_str().unwrap());
        for p in ds.pull_request_participants("acme", &slug, pr["id"].as_u64().unwrap()) {
            if p["role"] == "REVIEWER" && p["approved"] == true {
                let hours = (micros(p["participated_on"].as_str().unwrap()) - opened) as f64 / HOUR_US;
                let user = &p["user"];
                let entry = per_reviewer.entry(user["uuid"].as_str().unwrap().to_string()).or_default();
                entry.0 = user["display_name"].as_str().unwrap().to_string();
                entry.1.push(hours);
            }
        }
    }
    let mut expected: Vec<(String, i64, f64)> = per_reviewer
        .into_values()
        .map(|(name, hours)| (name, hours.len() as i64, round1(hours.iter().sum::<f64>() / hours.len() as f64)))
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    let answer: Vec<(String, i64, f64)> = conn
        .prepare(&readme_query("review-turnaround"))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(expected.len() > 1, "several reviewers approve in the demo");
    assert_eq!(answer, expected);
}
