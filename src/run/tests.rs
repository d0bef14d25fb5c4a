//! Runs against a scripted transport: paging, side-by-side rounds,
//! fan-out, date cutoffs, checkpoints and the refusals before sending.

use super::*;
use crate::error::ErrorCode;
use crate::test_support::Script;
use crate::url::Url;

fn config() -> Config {
    Config::parse(r#"{"endpoint":"http://localhost:1/2.0","auth":{"type":"bearer","token":"t"}}"#).unwrap()
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

const FIRST: &str = "http://localhost:1/2.0/repositories/acme?pagelen=100";

fn repo(slug: &str) -> String {
    format!(
        r#"{{"uuid":"{{{slug}}}","full_name":"acme/{slug}","slug":"{slug}","name":"{slug}","is_private":true,"created_on":"2026-01-01T00:00:00+00:00"}}"#
    )
}

fn commit(hash: &str, date: &str) -> String {
    format!(r#"{{"hash":"{hash}","date":"{date}","message":"m","repository":{{"full_name":"acme/x"}}}}"#)
}

fn report(id: &str) -> &'static Report {
    crate::reports::find(id).unwrap()
}

fn drain(run: &mut Run<impl Transport>) -> Vec<Row> {
    let mut rows = Vec::new();
    while let Some(batch) = run.next_batch().unwrap() {
        rows.extend(batch);
    }
    rows
}

#[test]
fn follows_next_one_request_per_batch_and_stops() {
    let mut pages = Script::serving(vec![
        (FIRST, format!(r#"{{"values":[{}],"next":"http://localhost:1/2.0/repositories/acme?page=2"}}"#, repo("a"))),
        (
            "http://localhost:1/2.0/repositories/acme?page=2",
            r#"{"values":[],"next":"http://localhost:1/2.0/repositories/acme?page=3"}"#.into(),
        ),
        ("http://localhost:1/2.0/repositories/acme?page=3", format!(r#"{{"values":[{},{}]}}"#, repo("b"), repo("c"))),
    ]);
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config(), &mut pages).unwrap();
    assert_eq!(run.next_batch().unwrap().unwrap().len(), 1);
    // An empty page is an empty batch: one request per call.
    assert_eq!(run.next_batch().unwrap().unwrap().len(), 0);
    assert_eq!(run.next_batch().unwrap().unwrap().len(), 2);
    assert!(run.next_batch().unwrap().is_none());
    assert!(run.next_batch().unwrap().is_none());
    drop(run);
    assert_eq!(pages.sent.len(), 3);
}

#[test]
fn a_next_that_loops_back_is_an_error_not_a_hang() {
    const SECOND: &str = "http://localhost:1/2.0/repositories/acme?page=2";
    let mut pages = Script::serving(vec![
        (FIRST, format!(r#"{{"values":[{}],"next":"{SECOND}"}}"#, repo("a"))),
        (SECOND, format!(r#"{{"values":[{}],"next":"{SECOND}"}}"#, repo("b"))),
    ]);
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config(), &mut pages).unwrap();
    assert!(run.next_batch().unwrap().is_some());
    assert!(run.next_batch().unwrap().is_some());
    assert_eq!(run.next_batch().unwrap_err().code, ErrorCode::InvalidResponse);
    assert!(run.next_batch().unwrap().is_none());
}

fn config_with(concurrency: usize) -> Config {
    Config::parse(&format!(
        r#"{{"endpoint":"http://localhost:1/2.0","auth":{{"type":"bearer","token":"t"}},"concurrency":{concurrency}}}"#
    ))
    .unwrap()
}

/// A numbered page of repositories `first..first+count` out of `size`,
/// 2 per page.
fn numbered_page(page: u64, size: u64, next: bool) -> String {
    let repos: Vec<String> = (2 * page - 1..=(2 * page).min(size)).map(|i| repo(&format!("r{i}"))).collect();
    let next = if next {
        format!(r#","next":"http://localhost:1/2.0/repositories/acme?pagelen=2&page={}""#, page + 1)
    } else {
        String::new()
    };
    format!(r#"{{"size":{size},"page":{page},"pagelen":2,"values":[{}]{next}}}"#, repos.join(","))
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn page_url(page: u64) -> &'static str {
    leak(format!("http://localhost:1/2.0/repositories/acme?pagelen=2&page={page}"))
}

fn slugs(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|row| match &row[3] {
            Cell::Text(slug) => slug.clone(),
            other => panic!("slug column holds {other:?}"),
        })
        .collect()
}

#[test]
fn a_numbered_collection_is_fetched_side_by_side_in_order_with_no_extra_request() {
    // 11 repositories, 2 a page: 6 pages; concurrency 3.
    let mut served = vec![(FIRST, numbered_page(1, 11, true))];
    served.extend((2..=6).map(|p| (page_url(p), numbered_page(p, 11, p < 6))));
    let mut pages = Script::serving(served);
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(3), &mut pages).unwrap();
    let rows = drain(&mut run);
    drop(run);
    let expected: Vec<String> = (1..=11).map(|i| format!("r{i}")).collect();
    assert_eq!(slugs(&rows), expected, "the collection's order");
    assert_eq!(pages.sent.len(), 6, "one request per page");
    let sizes: Vec<usize> = pages.rounds.iter().map(Vec::len).collect();
    assert_eq!(sizes, [1, 3, 2], "the first page, then the rest 3 at a time");
}

#[test]
fn concurrency_one_reads_page_after_page() {
    let mut served = vec![(FIRST, numbered_page(1, 5, true))];
    served.extend((2..=3).map(|p| (page_url(p), numbered_page(p, 5, p < 3))));
    let mut pages = Script::serving(served);
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(1), &mut pages).unwrap();
    assert_eq!(slugs(&drain(&mut run)), ["r1", "r2", "r3", "r4", "r5"]);
    drop(run);
    assert!(pages.rounds.iter().all(|r| r.len() == 1), "{:?}", pages.rounds);
    assert_eq!(pages.sent.len(), 3);
}

#[test]
fn a_collection_that_grew_during_the_run_is_followed_to_its_end() {
    // The first page says 4 repositories; by the time page 2 is read
    // there are 5, and page 2 links to a third.
    let mut pages = Script::serving(vec![
        (FIRST, numbered_page(1, 4, true)),
        (page_url(2), numbered_page(2, 5, true)),
        (page_url(3), numbered_page(3, 5, false)),
    ]);
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(8), &mut pages).unwrap();
    assert_eq!(slugs(&drain(&mut run)), ["r1", "r2", "r3", "r4", "r5"]);
}

#[test]
fn fan_out_walks_children_side_by_side() {
    let c = |r: &str| leak(format!("http://localhost:1/2.0/repositories/acme/{r}/commits?pagelen=100"));
    let commits = |hashes: &[&str], next: Option<&str>| {
        let values: Vec<String> = hashes.iter().map(|h| commit(h, "2026-01-02T00:00:00+00:00")).collect();
        let next = next.map_or(String::new(), |n| format!(r#","next":"{n}""#));
        format!(r#"{{"values":[{}]{next}}}"#, values.join(","))
    };
    let a2 = "http://localhost:1/2.0/repositories/acme/a/commits?page=x2";
    let mut pages = Script::serving(vec![
        (FIRST, format!(r#"{{"values":[{},{},{}]}}"#, repo("a"), repo("b"), repo("c"))),
        (c("a"), commits(&["a1"], Some(a2))),
        (a2, commits(&["a2"], None)),
        (c("b"), commits(&["b1"], None)),
        (c("c"), commits(&["c1"], None)),
    ]);
    let mut run = Run::start(report("commits"), &params(&[("workspace", "acme")]), &config_with(2), &mut pages).unwrap();
    let hash = report("commits").columns.iter().position(|c| c.name == "hash").unwrap();
    let hashes: Vec<String> = drain(&mut run)
        .iter()
        .map(|row| match &row[hash] {
            Cell::Text(hash) => hash.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    drop(run);
    // Repositories a and b together; c is sent before a and b's
    // answers are worked through (its first page is known), and a's
    // second page once a's first has said where it is.
    assert_eq!(hashes, ["a1", "b1", "c1", "a2"]);
    // Each request as its path and `page`.
    let rounds: Vec<Vec<String>> = pages
        .rounds
        .iter()
        .map(|round| {
            round
                .iter()
                .map(|u| {
                    let url = Url::parse(u).unwrap();
                    let page = url.query_pairs().find(|(k, _)| k == "page");
                    let page = page.map_or(String::new(), |(_, v)| format!("?page={v}"));
                    format!("{}{page}", url.path().trim_start_matches("/2.0/repositories/"))
                })
                .collect()
        })
        .collect();
    assert_eq!(
        rounds,
        [vec!["acme"], vec!["acme/a/commits", "acme/b/commits"], vec!["acme/c/commits"], vec!["acme/a/commits?page=x2"],]
    );
    assert_eq!(pages.sent.len(), 5, "no request twice");
}

#[test]
fn omitting_the_repository_covers_every_repository_of_the_workspace() {
    let c = |r: &str| format!("http://localhost:1/2.0/repositories/acme/{r}/commits?pagelen=100");
    let (a, b) = (c("a"), c("b"));
    let a: &'static str = Box::leak(a.into_boxed_str());
    let b: &'static str = Box::leak(b.into_boxed_str());
    let mut pages = Script::serving(vec![
        (FIRST, format!(r#"{{"values":[{},{}]}}"#, repo("a"), repo("b"))),
        (a, format!(r#"{{"values":[{}]}}"#, commit("1", "2026-01-02T00:00:00+00:00"))),
        (
            b,
            format!(
                r#"{{"values":[{},{}]}}"#,
                commit("2", "2026-01-02T00:00:00+00:00"),
                commit("3", "2026-01-01T00:00:00+00:00")
            ),
        ),
    ]);
    let mut run = Run::start(report("commits"), &params(&[("workspace", "acme")]), &config(), &mut pages).unwrap();
    assert_eq!(drain(&mut run).len(), 3);
    drop(run);
    assert_eq!(pages.sent.len(), 3);
}

#[test]
fn a_cutoff_stops_paging_at_the_first_older_object() {
    let url = "http://localhost:1/2.0/repositories/acme/x/commits?pagelen=100";
    let mut pages = Script::serving(vec![(
        url,
        format!(
            r#"{{"values":[{},{}],"next":"http://localhost:1/2.0/never"}}"#,
            commit("new", "2026-05-02T00:00:00+00:00"),
            commit("old", "2026-04-30T00:00:00+00:00")
        ),
    )]);
    let p = params(&[("workspace", "acme"), ("repository", "x"), ("since", "2026-05-01")]);
    let mut run = Run::start(report("commits"), &p, &config(), &mut pages).unwrap();
    assert_eq!(drain(&mut run).len(), 1);
    drop(run);
    assert_eq!(pages.sent.len(), 1, "the next page was not fetched");
}

#[test]
fn the_checkpoint_is_the_greatest_date_read_once_the_run_is_complete() {
    let dated =
        |slug: &str, updated: &str| repo(slug).replace(r#""is_private""#, &format!(r#""updated_on":"{updated}","is_private""#));
    const SECOND: &str = "http://localhost:1/2.0/repositories/acme?page=2";
    let mut pages = Script::serving(vec![
        (
            FIRST,
            format!(
                r#"{{"values":[{},{}],"next":"{SECOND}"}}"#,
                dated("a", "2026-03-01T10:00:00.250000+00:00"),
                dated("b", "2026-03-01T10:00:00.5+00:00")
            ),
        ),
        (SECOND, format!(r#"{{"values":[{}]}}"#, dated("c", "2026-03-01T09:59:59.9+00:00"))),
    ]);
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config(), &mut pages).unwrap();
    run.next_batch().unwrap();
    assert_eq!(run.checkpoint(), None, "not before the end");
    drain(&mut run);
    assert_eq!(
        run.checkpoint().as_deref(),
        Some("2026-03-01T10:00:00.5+00:00"),
        "the greatest, to the fraction of a second, as written"
    );
}

#[test]
fn changed_after_excludes_the_checkpoint_itself() {
    let url = "http://localhost:1/2.0/repositories/acme/x/commits?pagelen=100";
    let mut pages = Script::serving(vec![(
        url,
        format!(
            r#"{{"values":[{},{},{}],"next":"http://localhost:1/2.0/never"}}"#,
            commit("newer", "2026-05-01T00:00:00.75+00:00"),
            commit("same", "2026-05-01T00:00:00.5+00:00"),
            commit("older", "2026-04-30T00:00:00+00:00")
        ),
    )]);
    let p = params(&[("workspace", "acme"), ("repository", "x"), ("changed-after", "2026-05-01T00:00:00.5+00:00")]);
    let mut run = Run::start(report("commits"), &p, &config(), &mut pages).unwrap();
    assert_eq!(drain(&mut run).len(), 1, "only what is strictly newer");
    assert_eq!(run.checkpoint().as_deref(), Some("2026-05-01T00:00:00.75+00:00"));
    let both = params(&[
        ("workspace", "acme"),
        ("repository", "x"),
        ("since", "2026-05-01"),
        ("changed-after", "2026-05-01T00:00:00+00:00"),
    ]);
    let e = Run::start(report("commits"), &both, &config(), &mut pages).err().unwrap();
    assert_eq!(e.code, ErrorCode::InvalidParameter);
}

#[test]
fn a_date_that_would_change_nothing_is_refused() {
    let p = params(&[("workspace", "acme"), ("repository", "x"), ("pull-request", "3"), ("since", "2026-01-01")]);
    let mut pages = Script::serving(vec![]);
    let e = Run::start(report("pull-request-commits"), &p, &config(), &mut pages).err().unwrap();
    assert_eq!(e.code, ErrorCode::InvalidParameter);
    assert!(e.message.contains("`pull-request`"), "{}", e.message);
    let p = params(&[("workspace", "acme"), ("repository", "x"), ("since", "2026-01-01")]);
    assert!(Run::start(report("pull-request-commits"), &p, &config(), &mut pages).is_ok(), "narrows the pull requests");
    assert!(Run::start(report("deployments"), &p, &config(), &mut pages).is_err(), "deployments take no date");
}
