//! The `connector-harness` binary, driven as a user would, against the fake
//! Bitbucket started in this process.

use fake_bitbucket::{FakeBitbucket, FakeOptions};
use host_harness::component;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

pub(crate) fn harness(args: &[&str]) -> Output {
    harness_with_env(args, &[])
}

/// Runs the harness with these environment variables (and no BITBUCKET_*
/// or COLUMNS ones inherited from the test's own environment).
pub(crate) fn harness_with_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let component = component::build().expect("the component builds");
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector-harness"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("BITBUCKET_")) {
        command.env_remove(name);
    }
    command.env_remove("COLUMNS");
    command.envs(vars.iter().copied()).arg("--component").arg(component).args(args).output().expect("the harness runs")
}

#[test]
fn describe_shows_parameters_columns_key_endpoint_and_status() {
    let out = harness(&["describe", "pull-requests"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "(pull-requests)",
        "Endpoint:    GET /repositories/{workspace}/{repository}/pullrequests",
        "Status:      available",
        "Primary key: repository, id",
        "Changed:     updated_on (what the date parameters compare with)",
        "workspace",
        "required",
        "updated_on",
        "timestamp",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    let retired = harness(&["describe", "issues", "--json"]);
    assert!(retired.status.success());
    let retired: Value = serde_json::from_slice(&retired.stdout).unwrap();
    assert_eq!(retired["status"], "retired-upstream");
    let unknown = harness(&["describe", "nope"]);
    assert!(!unknown.status.success());
}

#[test]
fn secrets_come_from_the_environment_with_or_without_a_config_file() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let c = fake.credentials().clone();
    let base = fake.base_url();
    let args = ["run", "repositories", "--param", "workspace=acme"];
    // No config file: the standard variables.
    let out = harness_with_env(
        &args,
        &[("BITBUCKET_EMAIL", &c.email), ("BITBUCKET_API_TOKEN", &c.api_token), ("BITBUCKET_ENDPOINT", &base)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);

    // A config file that names the variables.
    let path = std::env::temp_dir().join(format!("connector-harness-{}-env.json", std::process::id()));
    let config =
        serde_json::json!({"endpoint": base, "auth": {"type": "api-token", "email_env": "MY_EMAIL", "token_env": "MY_TOKEN"}});
    std::fs::write(&path, config.to_string()).unwrap();
    let mut with_file = args.to_vec();
    with_file.extend(["--config", path.to_str().unwrap()]);
    let out = harness_with_env(&with_file, &[("MY_EMAIL", &c.email), ("MY_TOKEN", &c.api_token)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);

    // A variable that is not set: the error names it.
    let out = harness_with_env(&with_file, &[("MY_EMAIL", &c.email)]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("MY_TOKEN"), "{stderr}");
    // Nothing at all: says which variables to set.
    let out = harness_with_env(&args, &[]);
    assert!(String::from_utf8(out.stderr).unwrap().contains("BITBUCKET_API_TOKEN"));
    std::fs::remove_file(&path).unwrap();
}

pub(crate) fn config_file(fake: &FakeBitbucket, name: &str) -> PathBuf {
    let c = fake.credentials();
    let config =
        serde_json::json!({"endpoint": fake.base_url(), "auth": {"type": "api-token", "email": c.email, "token": c.api_token}});
    let path = std::env::temp_dir().join(format!("connector-harness-{}-{name}.json", std::process::id()));
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

#[test]
fn reports_json_is_the_catalog() {
    let out = harness(&["reports", "--json"]);
    assert!(out.status.success());
    let catalog: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = catalog.as_array().unwrap();
    for id in ["repositories", "pull-requests", "commits"] {
        let r = reports.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(r["status"], "available");
        assert!(r["title"].is_string() && r["description"].is_string());
        assert!(r["params"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"].is_string() && p["required"].is_boolean() && p["description"].is_string()));
        assert!(r["columns"].as_array().unwrap().iter().all(|c| c["name"].is_string() && c["type"].is_string()));
    }
    let table = harness(&["reports"]);
    assert!(String::from_utf8(table.stdout).unwrap().lines().any(|l| l.starts_with("pull-requests")));
}

/// The case names `wit/connector.wit` declares for one of its enums.
fn wit_cases(name: &str) -> Vec<String> {
    let wit = std::fs::read_to_string(component::workspace_dir().join("wit/connector.wit")).unwrap();
    connector_vocabulary::wit_enum_cases(&wit, name).unwrap_or_else(|| panic!("no enum {name}"))
}

#[test]
fn reports_and_describe_print_the_wits_names() {
    let (types, kinds) = (wit_cases("column-type"), wit_cases("param-kind"));
    let out = harness(&["reports", "--json"]);
    let catalog: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen_types = std::collections::BTreeSet::new();
    for r in catalog.as_array().unwrap() {
        for c in r["columns"].as_array().unwrap() {
            let ty = c["type"].as_str().unwrap();
            assert!(types.iter().any(|t| t == ty), "{}.{}: type {ty:?} is not one of {types:?}", r["id"], c["name"]);
            seen_types.insert(ty.to_string());
        }
        for p in r["params"].as_array().unwrap() {
            let kind = p["kind"].as_str().unwrap();
            assert!(kinds.iter().any(|k| k == kind), "{}.{}: kind {kind:?} is not one of {kinds:?}", r["id"], p["name"]);
        }
    }
    // Every column type but `float` occurs in today's catalog.
    for ty in ["boolean", "integer", "text", "timestamp", "json"] {
        assert!(seen_types.contains(ty), "no {ty} column in the catalog");
    }
    // Exact values for known columns and parameters.
    let prs = catalog.as_array().unwrap().iter().find(|r| r["id"] == "pull-requests").unwrap();
    let column = |name: &str| prs["columns"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["type"].clone();
    let param = |name: &str| prs["params"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["kind"].clone();
    assert_eq!(column("id"), "integer");
    assert_eq!(column("title"), "text");
    assert_eq!(column("updated_on"), "timestamp");
    assert_eq!(param("workspace"), "text");
    assert_eq!(param("since"), "date");
    assert_eq!(param("days-back"), "integer");

    let described = harness(&["describe", "pull-requests", "--json"]);
    let described: Value = serde_json::from_slice(&described.stdout).unwrap();
    assert_eq!(&described, prs);
    let text = String::from_utf8(harness(&["describe", "pull-requests"]).stdout).unwrap();
    let line = text.lines().find(|l| l.trim_start().starts_with("updated_on")).unwrap();
    assert_eq!(line.split_whitespace().nth(1), Some("timestamp"), "{line}");
    let line = text.lines().find(|l| l.trim_start().starts_with("days-back")).unwrap();
    assert_eq!(line.split_whitespace().nth(1), Some("integer"), "{line}");
    assert!(!text.contains("::"), "no Rust paths in describe:\n{text}");
}

#[test]
fn run_writes_json_lines_keyed_by_column_in_column_order() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "jsonl");
    let out = harness(&[
        "run",
        "pull-requests",
        "--config",
        config.to_str().unwrap(),
        "--param",
        "workspace=acme",
        "--param",
        "repository=web-app",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let expected = fake.dataset().pull_requests("acme", "web-app");
    assert_eq!(lines.len(), expected.len());
    let keys: Vec<&String> = lines[0].as_object().unwrap().keys().collect();
    assert_eq!(keys[..3], ["repository", "id", "title"]);
    assert_eq!(lines[3]["title"], expected[3]["title"]);
}

#[test]
fn run_writes_csv_with_quoting_to_a_file() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "csv");
    let output = std::env::temp_dir().join(format!("connector-harness-{}-prs.csv", std::process::id()));
    let out = harness(&[
        "run",
        "pull-requests",
        "--config",
        config.to_str().unwrap(),
        "--param",
        "workspace=acme",
        "--param",
        "repository=web-app",
        "--format",
        "csv",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(&output).unwrap();
    assert!(csv.starts_with("repository,id,title,"));
    // The title with a comma, quotes and a newline is quoted, quotes doubled.
    let awkward =
        fake.dataset().pull_requests("acme", "web-app").into_iter().find(|p| p["title"].as_str().unwrap().contains('"')).unwrap();
    let title = awkward["title"].as_str().unwrap();
    assert!(title.contains(',') && title.contains('\n'));
    assert!(csv.contains(&format!("\"{}\"", title.replace('"', "\"\""))), "quoted title in CSV");
}

#[test]
fn failures_exit_non_zero_with_the_code_first_then_what_to_do() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "fail");
    let cases: [(&[&str], &str); 3] = [
        (
            &["run", "repository-user-permissions", "--config", config.to_str().unwrap(), "--param", "workspace=acme"],
            "invalid-parameter: ",
        ),
        (&["run", "nope", "--config", config.to_str().unwrap()], "unknown-report: "),
        (
            &[
                "run",
                "commits",
                "--config",
                config.to_str().unwrap(),
                "--param",
                "workspace=acme",
                "--param",
                "repository=missing",
            ],
            "not-found: ",
        ),
    ];
    for (args, prefix) in cases {
        let out = harness(args);
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "the error, then what to do: {stderr}");
        assert!(lines[0].starts_with(prefix), "{stderr}");
        assert!(lines[1].starts_with("what to do: "), "{stderr}");
    }
}

#[test]
fn demo_prints_real_rows_from_the_embedded_fake() {
    let out = harness(&["demo"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().next().unwrap().starts_with("repository"));
    assert!(stdout.lines().filter(|l| l.starts_with("web-app ")).count() >= 50);
}

#[test]
fn a_rotated_oauth_refresh_token_is_saved_back_to_the_config_file() {
    let oauth = fake_bitbucket::OAuthClient {
        client_id: "key".into(),
        client_secret: "secret".into(),
        refresh_token: "refresh-0".into(),
    };
    let fake = FakeBitbucket::start(FakeOptions { oauth: Some(oauth), ..FakeOptions::default() }).unwrap();
    let config = serde_json::json!({"endpoint": fake.base_url(), "auth": {
        "type": "oauth", "client_id": "key", "client_secret": "secret", "refresh_token": "refresh-0",
        "access_token": "expired", "token_url": format!("{}/site/oauth2/access_token", fake.origin()),
    }});
    let path = std::env::temp_dir().join(format!("connector-harness-{}-oauth.json", std::process::id()));
    std::fs::write(&path, config.to_string()).unwrap();
    let out = harness(&["run", "repositories", "--config", path.to_str().unwrap(), "--param", "workspace=acme"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["auth"]["refresh_token"], "oauth-refresh-1");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("saved") && !stderr.contains("oauth-refresh-1"), "{stderr}");
}

#[test]
fn sqlite_output_has_typed_columns_and_the_primary_key_and_reruns_upsert() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "sqlite");
    let db = std::env::temp_dir().join(format!("connector-harness-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let args = [
        "run",
        "pull-requests",
        "--config",
        config.to_str().unwrap(),
        "--param",
        "workspace=acme",
        "--param",
        "repository=web-app",
        "--format",
        "sqlite",
        "--output",
        db.to_str().unwrap(),
    ];
    for _ in 0..2 {
        let out = harness(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let expected = fake.dataset().pull_requests("acme", "web-app");
    let count: i64 = conn.query_row("SELECT count(*) FROM pull_requests", [], |r| r.get(0)).unwrap();
    assert_eq!(count as usize, expected.len(), "two runs, no duplicates");
    let schema: String = conn.query_row("SELECT sql FROM sqlite_master WHERE name = 'pull_requests'", [], |r| r.get(0)).unwrap();
    assert!(schema.contains("\"id\" INTEGER NOT NULL"), "{schema}");
    assert!(schema.contains("PRIMARY KEY (\"repository\", \"id\")"), "{schema}");
    let first = &expected[0];
    let (title, id_type): (String, String) = conn
        .query_row("SELECT title, typeof(id) FROM pull_requests WHERE id = ?1", [first["id"].as_i64().unwrap()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(title, first["title"].as_str().unwrap());
    assert_eq!(id_type, "integer");
    // Without --output there is nowhere to write a database.
    let out = harness(&args[..args.len() - 2]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output"));
    std::fs::remove_file(&db).unwrap();
}

#[test]
fn state_files_make_runs_incremental() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "state");
    let dir = std::env::temp_dir();
    let state = dir.join(format!("connector-harness-{}.state.json", std::process::id()));
    let _ = std::fs::remove_file(&state);
    let args = [
        "run",
        "pull-requests",
        "--config",
        config.to_str().unwrap(),
        "--param",
        "workspace=acme",
        "--param",
        "repository=web-app",
        "--state",
        state.to_str().unwrap(),
    ];
    let rows = |out: &Output| String::from_utf8(out.stdout.clone()).unwrap().lines().count();

    let full = harness(&args);
    assert!(full.status.success(), "{}", String::from_utf8_lossy(&full.stderr));
    assert_eq!(rows(&full), fake.dataset().pull_requests("acme", "web-app").len());
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let key = "pull-requests repository=web-app workspace=acme";
    let first = saved[key].as_str().expect("a checkpoint for the scope").to_string();

    fake.update_pull_request("acme", "web-app", 3, "2026-10-09T10:00:00+00:00", "Changed");
    fake.clear_requests();
    let next = harness(&args);
    assert!(next.status.success());
    assert_eq!(rows(&next), 1, "only the changed pull request");
    assert_eq!(fake.requests().len(), 1);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let second = saved[key].as_str().unwrap();
    assert!(second > first.as_str() && second.starts_with("2026-10-09T10:00:00"));

    // A report without a date field cannot resume.
    let out = harness(&[
        "run",
        "watchers",
        "--config",
        config.to_str().unwrap(),
        "--param",
        "workspace=acme",
        "--param",
        "repository=web-app",
        "--state",
        state.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("without --state"));
    std::fs::remove_file(&state).unwrap();
}

#[test]
fn table_output_aligns_every_column_under_its_header() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "table");
    let out =
        harness(&["run", "repositories", "--config", config.to_str().unwrap(), "--param", "workspace=acme", "--format", "table"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
    let header: String = lines[0].iter().collect();
    let at = |name: &str| header.find(name).unwrap_or_else(|| panic!("{name} in {header}"));
    let (full_name, slug) = (at("full_name"), at("slug"));
    // Header, a rule under each column, the rows, then their count.
    let count = fake.dataset().repositories("acme").len();
    let rule: String = lines[1].iter().collect();
    assert!(rule.starts_with("---") && rule.chars().all(|c| c == '-' || c == ' '));
    assert_eq!(lines[1][full_name - 1], ' ');
    assert_eq!(lines[1][full_name], '-');
    let footer: String = lines.last().unwrap().iter().collect();
    assert_eq!(footer, format!("({count} rows)"));
    let rows = &lines[2..lines.len() - 1];
    assert_eq!(rows.len(), count);
    for row in rows {
        let from = |i: usize| row[i..].iter().collect::<String>();
        assert!(from(full_name).starts_with("acme/"), "{}", from(0));
        assert_eq!(row[full_name - 1], ' ', "a column boundary");
        let slug_cell = from(slug);
        let slug_value = slug_cell.split_whitespace().next().unwrap();
        assert!(from(full_name).starts_with(&format!("acme/{slug_value}")));
    }
}

#[test]
fn every_subcommand_help_shows_an_example() {
    for subcommand in ["reports", "describe", "run", "demo"] {
        let out = harness(&[subcommand, "--help"]);
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Example") && help.contains(&format!("connector-harness {subcommand}")), "{subcommand}: {help}");
    }
}

#[test]
fn a_run_that_left_objects_out_says_how_many_on_stderr() {
    let fake = FakeBitbucket::start(FakeOptions {
        faults: vec![fake_bitbucket::FaultRule {
            fault: fake_bitbucket::Fault::WrongTypes,
            path_contains: Some("/pullrequests".into()),
            attempts: 1,
        }],
        ..FakeOptions::default()
    })
    .unwrap();
    let path = config_file(&fake, "skip");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["on_invalid_object"] = Value::from("skip");
    std::fs::write(&path, config.to_string()).unwrap();
    let args = [
        "run",
        "pull-requests",
        "--config",
        path.to_str().unwrap(),
        "--param",
        "workspace=acme",
        "--param",
        "repository=web-app",
    ];
    let out = harness(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "every pull request of the demo's web-app was unreadable");
    let expected = fake.dataset().pull_request_count("acme", "web-app");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("pull-requests: {expected} objects left out under \"on_invalid_object\": \"skip\"")),
        "{stderr}"
    );
}

#[test]
fn partitions_prints_json_whose_parameters_run_as_they_are() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let path = config_file(&fake, "partitions");
    let config = path.to_str().unwrap();
    let out = harness(&["partitions", "pull-requests", "--config", config, "--param", "workspace=acme"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let partitions: Value = serde_json::from_slice(&out.stdout).unwrap();
    let partitions = partitions.as_array().unwrap();
    assert_eq!(partitions.len(), fake.dataset().repositories("acme").len());
    assert_eq!(partitions[0]["id"], "acme/web-app");
    assert_eq!(partitions[0]["params"], serde_json::json!({"workspace": "acme", "repository": "web-app"}));
    assert_eq!(partitions[0]["estimated_rows"], Value::Null);
    let mut args = vec!["run".to_string(), "pull-requests".into(), "--config".into(), config.into()];
    for (name, value) in partitions[0]["params"].as_object().unwrap() {
        args.extend(["--param".to_string(), format!("{name}={}", value.as_str().unwrap())]);
    }
    let out = harness(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = String::from_utf8(out.stdout).unwrap().lines().count();
    assert_eq!(rows, fake.dataset().pull_requests("acme", "web-app").len());
}

/// The README's commands (`cargo run -p host-harness -- demo` first) name
/// no binary: the package has two (`tap-bitbucket` too), so it must say
/// which `cargo run` runs, or they fail before building anything.
#[test]
fn the_readmes_cargo_run_commands_run_the_harness_cli() {
    let root = component::workspace_dir();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("cargo run -p host-harness -- demo"), "the README's demo command");
    let manifest = std::fs::read_to_string(root.join("host-harness/Cargo.toml")).unwrap();
    let package = manifest.split("\n[").next().unwrap();
    assert!(package.lines().any(|l| l.trim() == r#"default-run = "connector-harness""#), "{package}");
}
