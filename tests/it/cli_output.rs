//! `connector-harness` output as a Unix tool's: the table fitted to
//! `COLUMNS` (measured in display columns), `--columns` on every format
//! that can take it, `demo --output`, `| head -1`, and every command with
//! its output closed.

use crate::cli::{config_file, harness, harness_with_env};
use fake_bitbucket::{FakeBitbucket, FakeOptions};
use host_harness::component;
use serde_json::Value;
use std::process::{Command, Stdio};
use unicode_width::UnicodeWidthChar;

/// The display width of `text`, as a terminal shows it.
fn width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `line` from display column `column` on ("" past its end).
fn from_column(line: &str, column: usize) -> &str {
    let mut at = 0;
    for (i, c) in line.char_indices() {
        if at >= column {
            return &line[i..];
        }
        at += c.width().unwrap_or(0);
    }
    ""
}

/// The cell of `line` at display column `start`, `width` columns wide,
/// without its padding.
fn cell(line: &str, start: usize, width: usize) -> &str {
    let rest = from_column(line, start);
    let mut at = 0;
    let end = rest
        .char_indices()
        .find(|(_, c)| {
            at += c.width().unwrap_or(0);
            at > width
        })
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].trim_end()
}

/// The display column each word of `line` starts at.
fn word_starts(line: &str) -> Vec<usize> {
    let (mut starts, mut at, mut previous) = (Vec::new(), 0, ' ');
    for c in line.chars() {
        if c != ' ' && previous == ' ' {
            starts.push(at);
        }
        at += c.width().unwrap_or(0);
        previous = c;
    }
    starts
}

fn stdout(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The report's column names, in order.
fn column_names(report: &str) -> Vec<String> {
    crate::common::report(report).columns.iter().map(|c| c.name.clone()).collect()
}

#[test]
fn a_table_under_columns_80_fits_80_display_columns_aligned_and_says_what_it_left_out() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "narrow");
    let args = ["run", "pull-requests", "--config", config.to_str().unwrap(), "--param", "workspace=acme"];
    let out =
        harness_with_env(&[&args[..], &["--param", "repository=web-app", "--format", "table"]].concat(), &[("COLUMNS", "80")]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let expected = fake.dataset().pull_requests("acme", "web-app");
    assert_eq!(lines.len(), 2 + expected.len() + 1, "header, rule, rows, count:\n{text}");
    for line in &lines {
        assert!(width(line) <= 80, "{} display columns: {line}", width(line));
    }
    // The header shows a run of the report's first columns, each name whole
    // or cut with `…`.
    let all = column_names("pull-requests");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    let shown = header.len();
    assert!((3..all.len()).contains(&shown), "{shown} columns shown of {}", all.len());
    for (word, name) in header.iter().zip(&all) {
        assert!(*word == name || word.strip_suffix('…').is_some_and(|cut| name.starts_with(cut)), "{word} for {name}");
    }
    // Under each name a rule as wide as its column; two spaces between.
    let starts = word_starts(lines[0]);
    assert_eq!(word_starts(lines[1]), starts);
    let widths: Vec<usize> = starts.windows(2).map(|w| w[1] - w[0] - 2).collect();
    for (rule, width) in lines[1].split_whitespace().zip(&widths) {
        assert_eq!(rule, "-".repeat(*width));
    }
    // Every row's cells start under their header: repository, id, title.
    for (row, pr) in lines[2..2 + expected.len()].iter().zip(&expected) {
        for &start in &starts[1..] {
            assert!(from_column(row, start - 2).starts_with("  ") || from_column(row, start - 2).is_empty(), "{row}");
        }
        assert!(row.starts_with("web-app "), "{row}");
        assert_eq!(from_column(row, starts[1]).split(' ').next().unwrap(), pr["id"].to_string(), "{row}");
        let title = cell(row, starts[2], widths[2]);
        let whole = pr["title"].as_str().unwrap().replace("\r\n", "⏎").replace(['\n', '\r'], "⏎");
        assert!(
            title == whole || title.strip_suffix('…').is_some_and(|cut| whole.starts_with(cut) && width(title) <= widths[2]),
            "title cell {title:?} of {whole:?}"
        );
    }
    assert_eq!(lines.last().unwrap(), &format!("({} rows)", expected.len()));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "table: {} of {} columns left out (from `{}` on) to fit 80 display columns; choose the columns with --columns NAME,NAME,… (`describe REPORT` lists them)\n",
            all.len() - shown,
            all.len(),
            all[shown]
        )
    );
}

#[test]
fn columns_choose_and_order_the_columns_of_jsonl_csv_and_table() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "columns");
    let run = ["run", "pull-requests", "--config", config.to_str().unwrap(), "--param", "workspace=acme"];
    let run = [&run[..], &["--param", "repository=web-app"]].concat();
    let expected = fake.dataset().pull_requests("acme", "web-app");
    let state = |pr: &Value| pr["state"].as_str().unwrap().to_string();

    let jsonl = stdout(&harness(&[&run[..], &["--columns", "state,id"]].concat()));
    let rows: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), expected.len());
    for (row, pr) in rows.iter().zip(&expected) {
        assert_eq!(row.as_object().unwrap().keys().collect::<Vec<_>>(), ["state", "id"]);
        assert_eq!((&row["state"], &row["id"]), (&pr["state"], &pr["id"]));
    }

    let csv = stdout(&harness(&[&run[..], &["--format", "csv", "--columns", "id,state"]].concat()));
    let rows: String = expected.iter().map(|pr| format!("{},{}\r\n", pr["id"], state(pr))).collect();
    assert_eq!(csv, format!("id,state\r\n{rows}"));

    let table = stdout(&harness(&[&run[..], &["--format", "table", "--columns", "id,state"]].concat()));
    let id_width = expected.iter().map(|pr| pr["id"].to_string().len()).max().unwrap().max("id".len());
    let state_width = expected.iter().map(|pr| state(pr).len()).max().unwrap().max("state".len());
    let mut lines = vec![format!("{:id_width$}  state", "id"), format!("{}  {}", "-".repeat(id_width), "-".repeat(state_width))];
    lines.extend(expected.iter().map(|pr| format!("{:id_width$}  {}", pr["id"].to_string(), state(pr))));
    lines.push(format!("({} rows)", expected.len()));
    assert_eq!(table.lines().collect::<Vec<_>>(), lines);

    // An unknown name: the error lists the report's columns.
    let out = harness(&[&run[..], &["--columns", "id,nope"]].concat());
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let names = column_names("pull-requests").join(", ");
    assert_eq!(
        stderr.lines().next().unwrap(),
        format!("harness-error: --columns: `nope` is not a column of `pull-requests`; its columns are: {names}")
    );
    assert!(out.stdout.is_empty());

    // SQLite keeps the report's table: refused before a file is made.
    let db = std::env::temp_dir().join(format!("connector-harness-{}-columns.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let out = harness(&[&run[..], &["--format", "sqlite", "--output", db.to_str().unwrap(), "--columns", "id"]].concat());
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("harness-error: --columns does not apply to --format sqlite"), "{stderr}");
    assert!(!db.exists());
}

#[test]
fn demo_writes_its_rows_to_output_and_takes_columns() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let expected = fake.dataset().pull_requests("acme", "web-app");
    let db = std::env::temp_dir().join(format!("connector-harness-{}-demo.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let out = harness(&["demo", "--format", "sqlite", "--output", db.to_str().unwrap()]);
    assert!(stdout(&out).is_empty());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut query = conn.prepare("SELECT id, title FROM pull_requests ORDER BY id").unwrap();
    let rows: Vec<(i64, String)> = query.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let wanted: Vec<(i64, String)> =
        expected.iter().map(|pr| (pr["id"].as_i64().unwrap(), pr["title"].as_str().unwrap().to_string())).collect();
    assert_eq!(rows, wanted);
    drop(query);
    drop(conn);
    std::fs::remove_file(&db).unwrap();

    let csv = stdout(&harness(&["demo", "--format", "csv", "--columns", "id"]));
    let ids: String = expected.iter().map(|pr| format!("{}\r\n", pr["id"])).collect();
    assert_eq!(csv, format!("id\r\n{ids}"));
}

#[test]
fn a_run_into_head_1_exits_0_quietly_after_one_whole_row() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "head");
    // Every repository's pull requests: far more than a pipe holds, so the
    // harness is still writing when `head` leaves.
    let mut child = Command::new(env!("CARGO_BIN_EXE_connector-harness"))
        .arg("--component")
        .arg(component::build().expect("the component builds"))
        .args(["run", "pull-requests", "--config", config.to_str().unwrap(), "--param", "workspace=acme"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let head = Command::new("head").arg("-1").stdin(child.stdout.take().unwrap()).output().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
    let first = String::from_utf8(head.stdout).unwrap();
    assert!(first.ends_with('\n') && first.lines().count() == 1, "{first:?}");
    let row: Value = serde_json::from_str(first.trim_end()).unwrap();
    let pr = fake
        .dataset()
        .pull_request("acme", row["repository"].as_str().unwrap(), row["id"].as_u64().unwrap())
        .expect("a pull request of the fake");
    assert_eq!(row["title"], pr["title"]);
    let whole = harness(&["run", "pull-requests", "--config", config.to_str().unwrap(), "--param", "workspace=acme"]);
    assert!(whole.stdout.len() > 1 << 16, "{} bytes would not fill a pipe", whole.stdout.len());
}

#[test]
fn every_command_ends_quietly_when_its_output_is_closed() {
    let fake = FakeBitbucket::start(FakeOptions::default()).unwrap();
    let config = config_file(&fake, "closed");
    let config = config.to_str().unwrap();
    for args in [
        &["reports"][..],
        &["reports", "--json"],
        &["describe", "pull-requests"],
        &["partitions", "pull-requests", "--config", config, "--param", "workspace=acme"],
        &["run", "repositories", "--config", config, "--param", "workspace=acme"],
        &["run", "commits", "--config", config, "--param", "workspace=acme", "--format", "arrow"],
        &["run", "commits", "--config", config, "--param", "workspace=acme", "--format", "jsonl"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_connector-harness"))
            .arg("--component")
            .arg(component::build().expect("the component builds"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before the harness writes its first byte.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {}: {}", out.status, String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8(out.stderr).unwrap(), "", "{args:?}");
    }
}
