//! Runs against a scripted transport: paging, the sliding window (pages
//! answered out of order, slow pages and children, errors and retries in
//! it), fan-out, date cutoffs, checkpoints and the refusals before sending.

use super::*;
use crate::error::ErrorCode;
use crate::test_support::{json, Event, Script};
use crate::url::Url;
use std::time::Duration;

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
    // The first page, then 3 at a time, the next ones sent as soon as
    // those are answered.
    assert_eq!(timeline(&pages), ["+1", "-1", "+2", "+3", "+4", "-2", "-3", "-4", "+5", "+6", "-5", "-6"]);
    assert_eq!(pages.max_in_flight, 3);
}

/// The script's events as `+label` (sent) and `-label` (answered), each
/// request labelled by `label` from its URL.
fn events(script: &Script, label: impl Fn(&Url) -> String) -> Vec<String> {
    script
        .events
        .iter()
        .map(|e| match e {
            Event::Sent(u) => format!("+{}", label(&Url::parse(u).unwrap())),
            Event::Answered(u) => format!("-{}", label(&Url::parse(u).unwrap())),
        })
        .collect()
}

/// The script's events as `+page` (sent) and `-page` (answered); the page
/// is the `page` parameter, 1 without one.
fn timeline(script: &Script) -> Vec<String> {
    events(script, |url| url.query_pairs().find(|(k, _)| k == "page").map_or("1".to_string(), |(_, v)| v.into_owned()))
}

/// The repositories collection of `size` repositories, 2 a page.
fn numbered(size: u64) -> Script {
    let last = size.div_ceil(2);
    let mut served = vec![(FIRST, numbered_page(1, size, true))];
    served.extend((2..=last).map(|p| (page_url(p), numbered_page(p, size, p < last))));
    Script::serving(served)
}

/// Every batch of a run, until the end or an error.
fn batches(run: &mut Run<impl Transport>) -> Vec<Result<Vec<String>>> {
    let mut batches = Vec::new();
    loop {
        match run.next_batch() {
            Ok(Some(rows)) => batches.push(Ok(slugs(&rows))),
            Ok(None) => return batches,
            Err(e) => batches.push(Err(e)),
        }
    }
}

fn names(range: std::ops::RangeInclusive<u64>) -> Vec<String> {
    range.map(|i| format!("r{i}")).collect()
}

#[test]
fn pages_answered_out_of_order_are_handed_back_in_order_while_more_go_out() {
    // 8 pages, concurrency 2; page 2 takes 4 ticks, the others 1.
    let mut pages = numbered(16);
    pages.slow = vec![(page_url(2), 4)];
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(2), &mut pages).unwrap();
    let got: Vec<Vec<String>> = batches(&mut run).into_iter().map(Result::unwrap).collect();
    drop(run);
    // Rows strictly in page order; the batch that waited for page 2 hands
    // back pages 2 to 5 together.
    assert_eq!(got, [names(1..=2), names(3..=10), names(11..=14), names(15..=16)]);
    // Pages 3, 4 and 5 go out (and come back) while page 2 is awaited,
    // each as soon as a request is answered, never more than 2 in flight;
    // page 6 waits until page 2 is in: 4 pages (twice the concurrency)
    // sent and not yet handed back are the most the window holds.
    assert_eq!(
        timeline(&pages),
        ["+1", "-1", "+2", "+3", "-3", "+4", "-4", "+5", "-5", "-2", "+6", "+7", "-6", "-7", "+8", "-8"]
    );
    assert_eq!(pages.max_in_flight, 2);
    assert_eq!(pages.sent.len(), 8, "one request per page");
}

#[test]
fn the_window_holds_at_most_concurrency_in_flight_and_twice_that_outstanding() {
    // 20 pages (39 repositories), slow pages in several patterns.
    let patterns: [&[(u64, u64)]; 4] = [&[], &[(2, 7)], &[(3, 5), (6, 5), (9, 5), (12, 5)], &[(2, 3), (7, 9)]];
    for concurrency in [1, 2, 3, 5, 8] {
        for slow in patterns {
            let mut pages = numbered(39);
            pages.slow = slow.iter().map(|(page, ticks)| (page_url(*page), *ticks)).collect();
            let case = format!("concurrency {concurrency}, slow {slow:?}");
            let mut run =
                Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(concurrency), &mut pages)
                    .unwrap();
            assert_eq!(slugs(&drain(&mut run)), names(1..=39), "{case}");
            drop(run);
            assert_eq!(pages.max_in_flight, concurrency, "{case}");
            let timeline = timeline(&pages);
            let sent: Vec<u64> = timeline.iter().filter_map(|e| e.strip_prefix('+')?.parse().ok()).collect();
            assert_eq!(sent, (1..=20).collect::<Vec<u64>>(), "{case}: each page once, in order");
            // A page goes out only once every page twice the concurrency
            // before it is in.
            for (at, event) in timeline.iter().enumerate() {
                let Some(page) = event.strip_prefix('+').map(|p| p.parse::<u64>().unwrap()) else { continue };
                let answered: Vec<&String> = timeline[..at].iter().filter(|e| e.starts_with('-')).collect();
                for older in 1..page.saturating_sub(2 * concurrency as u64 - 1) {
                    assert!(answered.contains(&&format!("-{older}")), "{case}: page {page} sent before page {older} was in");
                }
            }
        }
    }
}

#[test]
fn concurrency_one_reads_page_after_page() {
    let mut served = vec![(FIRST, numbered_page(1, 5, true))];
    served.extend((2..=3).map(|p| (page_url(p), numbered_page(p, 5, p < 3))));
    let mut pages = Script::serving(served);
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(1), &mut pages).unwrap();
    assert_eq!(slugs(&drain(&mut run)), ["r1", "r2", "r3", "r4", "r5"]);
    drop(run);
    assert_eq!(timeline(&pages), ["+1", "-1", "+2", "-2", "+3", "-3"]);
    assert_eq!(pages.max_in_flight, 1);
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

/// The first page of repository `r`'s commits.
fn commits_url(r: &str) -> &'static str {
    leak(format!("http://localhost:1/2.0/repositories/acme/{r}/commits?pagelen=100"))
}

/// A page of commits with these hashes, and a `next` link if given.
fn commits(hashes: &[&str], next: Option<&str>) -> String {
    let values: Vec<String> = hashes.iter().map(|h| commit(h, "2026-01-02T00:00:00+00:00")).collect();
    let next = next.map_or(String::new(), |n| format!(r#","next":"{n}""#));
    format!(r#"{{"values":[{}]{next}}}"#, values.join(","))
}

/// The `hash` column of every row.
fn hashes(rows: &[Row]) -> Vec<String> {
    let hash = report("commits").columns.iter().position(|c| c.name == "hash").unwrap();
    rows.iter()
        .map(|row| match &row[hash] {
            Cell::Text(hash) => hash.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

/// The script's events as `+request` (sent) and `-request` (answered),
/// each request as its path after the workspace's repositories (the
/// repository for its commits' first page) and its `page`.
fn fan_out_timeline(script: &Script) -> Vec<String> {
    events(script, |url| {
        let page = url.query_pairs().find(|(k, _)| k == "page");
        let page = page.map_or(String::new(), |(_, v)| format!("?page={v}"));
        let path = url.path().trim_start_matches("/2.0/repositories/").trim_start_matches("acme/");
        format!("{}{page}", path.trim_end_matches("/commits"))
    })
}

#[test]
fn fan_out_walks_children_side_by_side() {
    let a2 = "http://localhost:1/2.0/repositories/acme/a/commits?page=x2";
    let mut pages = Script::serving(vec![
        (FIRST, format!(r#"{{"values":[{},{},{}]}}"#, repo("a"), repo("b"), repo("c"))),
        (commits_url("a"), commits(&["a1"], Some(a2))),
        (a2, commits(&["a2"], None)),
        (commits_url("b"), commits(&["b1"], None)),
        (commits_url("c"), commits(&["c1"], None)),
    ]);
    let mut run = Run::start(report("commits"), &params(&[("workspace", "acme")]), &config_with(2), &mut pages).unwrap();
    let hashes = hashes(&drain(&mut run));
    drop(run);
    // Repositories a and b together; c is sent as soon as they are
    // answered, before their answers are worked through (its first page
    // is known), and a's second page once a's first has said where it is.
    assert_eq!(hashes, ["a1", "b1", "c1", "a2"]);
    assert_eq!(fan_out_timeline(&pages), ["+acme", "-acme", "+a", "+b", "-a", "-b", "+c", "+a?page=x2", "-c", "-a?page=x2"]);
    assert_eq!(pages.max_in_flight, 2);
    assert_eq!(pages.sent.len(), 5, "no request twice");
}

#[test]
fn a_slow_child_does_not_hold_up_the_others() {
    // Four repositories, concurrency 2; a's commits take 5 ticks.
    let repos: Vec<String> = ["a", "b", "c", "d"].map(repo).to_vec();
    let mut served = vec![(FIRST, format!(r#"{{"values":[{}]}}"#, repos.join(",")))];
    served.extend(["a", "b", "c", "d"].map(|r| (commits_url(r), commits(&[&format!("{r}1")], None))));
    let mut pages = Script::serving(served);
    pages.slow = vec![(commits_url("a"), 5)];
    let mut run = Run::start(report("commits"), &params(&[("workspace", "acme")]), &config_with(2), &mut pages).unwrap();
    let mut got = Vec::new();
    while let Some(batch) = run.next_batch().unwrap() {
        got.push(hashes(&batch));
    }
    drop(run);
    // b, c and d each go out as soon as the one before is answered, all
    // while a is awaited; their rows still come after a's, in one batch.
    assert_eq!(fan_out_timeline(&pages), ["+acme", "-acme", "+a", "+b", "-b", "+c", "-c", "+d", "-d", "-a"]);
    assert_eq!(got, [vec![], vec!["a1", "b1", "c1", "d1"]]);
    assert_eq!(pages.max_in_flight, 2);
}

#[test]
fn an_error_behind_a_slow_page_comes_after_the_rows_before_it() {
    // 5 pages, concurrency 2; page 2 is slow and page 4 is not found.
    let mut pages = numbered(10);
    pages.slow = vec![(page_url(2), 4)];
    pages.faults = vec![(page_url(4), json(404, r#"{"type":"error","error":{"message":"gone"}}"#))];
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(2), &mut pages).unwrap();
    let got = batches(&mut run);
    assert!(run.next_batch().unwrap().is_none(), "the run is over");
    assert_eq!(run.checkpoint(), None);
    drop(run);
    let [Ok(first), Ok(second), Err(e)] = &got[..] else { panic!("{got:?}") };
    assert_eq!((first, second), (&names(1..=2), &names(3..=6)), "every row of the pages before page 4");
    assert_eq!((e.code, e.http_status), (ErrorCode::NotFound, Some(404)));
    assert_eq!(timeline(&pages), ["+1", "-1", "+2", "+3", "-3", "+4", "-4", "+5", "-5", "-2"], "nothing after the window");
}

#[test]
fn a_page_retried_in_the_window_keeps_its_place() {
    // 5 pages, concurrency 2; page 2 is slow, page 3 fails once (503).
    let mut pages = numbered(10);
    pages.slow = vec![(page_url(2), 4)];
    pages.faults = vec![(page_url(3), json(503, "{}"))];
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(2), &mut pages).unwrap();
    assert_eq!(slugs(&drain(&mut run)), names(1..=10));
    assert_eq!((run.stats().requests, run.stats().retries, run.stats().pages), (6, 1, 5));
    drop(run);
    assert_eq!(pages.slept.len(), 1, "one wait before the retry");
    // As in a round, a failure waits for what is in flight (page 2), then
    // page 3 is sent again after one wait; the window goes on after it.
    assert_eq!(timeline(&pages), ["+1", "-1", "+2", "+3", "-3", "-2", "+3", "-3", "+4", "+5", "-4", "-5"]);
    assert_eq!(pages.max_in_flight, 2);
}

#[test]
fn requests_failing_apart_in_the_window_are_retried_after_one_wait() {
    // Pages 2 and 3 are refused (429, Retry-After 7 s), page 3 a tick later.
    let mut pages = numbered(10);
    pages.slow = vec![(page_url(3), 2)];
    let limited = || {
        let mut r = json(429, "{}");
        r.retry_after = Some("7".into());
        r
    };
    pages.faults = vec![(page_url(2), limited()), (page_url(3), limited())];
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(2), &mut pages).unwrap();
    assert_eq!(slugs(&drain(&mut run)), names(1..=10));
    assert_eq!((run.stats().requests, run.stats().retries), (7, 2));
    drop(run);
    assert_eq!(pages.slept, [Duration::from_secs(7)], "one shared wait, as a round had");
    assert_eq!(timeline(&pages), ["+1", "-1", "+2", "+3", "-2", "-3", "+2", "+3", "-2", "-3", "+4", "+5", "-4", "-5"]);
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
fn a_date_without_an_offset_is_utc_in_cells_and_the_checkpoint() {
    let dated =
        |slug: &str, updated: &str| repo(slug).replace(r#""is_private""#, &format!(r#""updated_on":"{updated}","is_private""#));
    let mut pages = Script::serving(vec![(
        FIRST,
        format!(r#"{{"values":[{},{}]}}"#, dated("a", "2021-04-02T14:25:58.600"), dated("b", "2021-04-02T14:25:58.5+00:00")),
    )]);
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config(), &mut pages).unwrap();
    let rows = drain(&mut run);
    let column = report("repositories").columns.iter().position(|c| c.name == "updated_on").unwrap();
    assert_eq!(rows[0][column], Cell::Timestamp("2021-04-02T14:25:58.600+00:00".into()));
    assert_eq!(rows[1][column], Cell::Timestamp("2021-04-02T14:25:58.5+00:00".into()));
    // The greatest, with the offset a `changed-after` parameter needs.
    assert_eq!(run.checkpoint().as_deref(), Some("2021-04-02T14:25:58.600+00:00"));
    assert!(crate::time::parse(&run.checkpoint().unwrap()).is_some());
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

/// A numbered page of repositories, 2 per page, saying `size`, holding
/// repositories `slugs`, with a `next` link to the following page or not.
fn page_holding(page: u64, size: u64, slugs: &[u64], next: bool) -> String {
    let repos: Vec<String> = slugs.iter().map(|i| repo(&format!("r{i}"))).collect();
    let next = if next {
        format!(r#","next":"http://localhost:1/2.0/repositories/acme?pagelen=2&page={}""#, page + 1)
    } else {
        String::new()
    };
    format!(r#"{{"size":{size},"page":{page},"pagelen":2,"values":[{}]{next}}}"#, repos.join(","))
}

/// Runs `repositories` over `served` to its end or its first error: the
/// rows handed back before, and the error.
fn rows_and_error(served: Vec<(&'static str, String)>, concurrency: usize) -> (Vec<String>, Option<crate::error::Error>) {
    let mut pages = Script::serving(served);
    let mut run =
        Run::start(report("repositories"), &params(&[("workspace", "acme")]), &config_with(concurrency), &mut pages).unwrap();
    let mut rows = Vec::new();
    loop {
        match run.next_batch() {
            Ok(Some(batch)) => rows.extend(batch),
            Ok(None) => return (slugs(&rows), None),
            Err(error) => {
                assert!(run.next_batch().unwrap().is_none(), "the run is over");
                return (slugs(&rows), Some(error));
            }
        }
    }
}

fn repo_names(range: impl IntoIterator<Item = u64>) -> Vec<String> {
    range.into_iter().map(|i| format!("r{i}")).collect()
}

#[test]
fn an_empty_page_in_the_middle_while_size_says_more_is_an_error_not_fewer_rows() {
    // 11 repositories, 2 a page, fetched side by side; page 3 comes back empty.
    let mut served = vec![(FIRST, numbered_page(1, 11, true))];
    served.extend((2..=6).map(|p| match p {
        3 => (page_url(3), page_holding(3, 11, &[], true)),
        p => (page_url(p), numbered_page(p, 11, p < 6)),
    }));
    for concurrency in [1, 3, 8] {
        let (rows, error) = rows_and_error(served.clone(), concurrency);
        // Every row the pages held (page 3 asked for once more, still
        // empty), then the error: the rows add up to what it says was read.
        assert_eq!(rows, repo_names([1, 2, 3, 4, 7, 8, 9, 10, 11]), "concurrency {concurrency}");
        let error = error.expect("the run fails");
        assert_eq!(error.code, ErrorCode::InvalidResponse);
        assert_eq!(
            error.message,
            "the collection /2.0/repositories/acme ended early: its `size` said 11 objects, paging ended after 9, and page 3 came back empty, also when asked again. Bitbucket lost track of the collection during the run; run again, and if it persists, report it with this message. To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration."
        );
    }
}

#[test]
fn a_last_page_short_of_its_size_is_an_error() {
    // size 5: page 3 should hold r5, and comes back empty without `next`.
    let (rows, error) = rows_and_error(
        vec![
            (FIRST, numbered_page(1, 5, true)),
            (page_url(2), numbered_page(2, 5, true)),
            (page_url(3), page_holding(3, 5, &[], false)),
        ],
        4,
    );
    assert_eq!(rows, repo_names(1..=4));
    assert_eq!(error.unwrap().message, "the collection /2.0/repositories/acme ended early: its `size` said 5 objects, paging ended after 4, and page 3 came back empty, also when asked again. Bitbucket lost track of the collection during the run; run again, and if it persists, report it with this message. To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration.");
    // Short rather than empty: 1 of the 2 page 2 promised.
    let (rows, error) = rows_and_error(
        vec![
            (FIRST, numbered_page(1, 6, true)),
            (page_url(2), page_holding(2, 6, &[3], true)),
            (page_url(3), numbered_page(3, 6, false)),
        ],
        4,
    );
    // Page 2 asked for again comes after page 3.
    assert_eq!(rows, repo_names([1, 2, 5, 6, 3]));
    assert_eq!(error.unwrap().message, "the collection /2.0/repositories/acme ended early: its `size` said 6 objects, paging ended after 5, and page 2 came back with 1 of the 2 objects its position promised, also when asked again. Bitbucket lost track of the collection during the run; run again, and if it persists, report it with this message. To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration.");
}

#[test]
fn a_collection_that_shrinks_or_grows_during_the_run_is_read_as_it_is() {
    // Two removed after page 1: pages 2 and 3 say size 4, page 3 empty.
    let (rows, error) = rows_and_error(
        vec![
            (FIRST, numbered_page(1, 6, true)),
            (page_url(2), page_holding(2, 4, &[3, 4], false)),
            (page_url(3), page_holding(3, 4, &[], false)),
        ],
        3,
    );
    assert_eq!((rows, error.map(|e| e.message)), (repo_names(1..=4), None));
    // Page 3 read before the removal (size 6, r5 r6), page 2 after
    // (size 4, r5 r6 moved up): the smallest size counts.
    let (rows, error) = rows_and_error(
        vec![
            (FIRST, numbered_page(1, 6, true)),
            (page_url(2), page_holding(2, 4, &[5, 6], false)),
            (page_url(3), page_holding(3, 6, &[5, 6], false)),
        ],
        3,
    );
    assert_eq!((rows, error.map(|e| e.message)), (repo_names([1, 2, 5, 6, 5, 6]), None));
    // Page 3 empty though it says 6, but page 2 already said 3 (three
    // removed), and 3 were read: the smallest size counts.
    let (rows, error) = rows_and_error(
        vec![
            (FIRST, numbered_page(1, 6, true)),
            (page_url(2), page_holding(2, 3, &[3], false)),
            (page_url(3), page_holding(3, 6, &[], false)),
        ],
        3,
    );
    assert_eq!((rows, error.map(|e| e.message)), (repo_names(1..=3), None));
    // One added: the last planned page says 7 and links to page 4.
    let (rows, error) = rows_and_error(
        vec![
            (FIRST, numbered_page(1, 6, true)),
            (page_url(2), numbered_page(2, 6, true)),
            (page_url(3), page_holding(3, 7, &[5, 6], true)),
            (page_url(4), page_holding(4, 7, &[7], false)),
        ],
        3,
    );
    assert_eq!((rows, error.map(|e| e.message)), (repo_names(1..=7), None));
    // A full last page without a `next` link while `size` says more: no
    // page came back short, so the collection is taken as it is.
    let (rows, error) = rows_and_error(vec![(FIRST, page_holding(1, 9, &[1, 2], false))], 3);
    assert_eq!((rows, error.map(|e| e.message)), (repo_names(1..=2), None));
}

#[test]
fn a_date_cutoff_may_end_a_collection_short_of_its_size() {
    let url = "http://localhost:1/2.0/repositories/acme/x/commits?pagelen=100";
    let mut pages = Script::serving(vec![(
        url,
        format!(
            r#"{{"size":10,"page":1,"pagelen":3,"values":[{},{}],"next":"http://localhost:1/2.0/never"}}"#,
            commit("new", "2026-05-02T00:00:00+00:00"),
            commit("old", "2026-04-30T00:00:00+00:00")
        ),
    )]);
    let p = params(&[("workspace", "acme"), ("repository", "x"), ("since", "2026-05-01")]);
    let mut run = Run::start(report("commits"), &p, &config(), &mut pages).unwrap();
    assert_eq!(drain(&mut run).len(), 1);
    drop(run);
    assert_eq!(pages.sent.len(), 1);
    // Without the cutoff the same page is short of its size.
    let mut pages = Script::serving(vec![(
        url,
        format!(
            r#"{{"size":10,"page":1,"pagelen":3,"values":[{},{}]}}"#,
            commit("new", "2026-05-02T00:00:00+00:00"),
            commit("old", "2026-04-30T00:00:00+00:00")
        ),
    )]);
    let mut run =
        Run::start(report("commits"), &params(&[("workspace", "acme"), ("repository", "x")]), &config(), &mut pages).unwrap();
    assert_eq!(run.next_batch().unwrap(), Some(vec![]), "the short page is asked for again first");
    assert_eq!(run.next_batch().unwrap().unwrap().len(), 2, "its rows, then the error");
    let error = run.next_batch().unwrap_err();
    assert_eq!(error.message, "the collection /2.0/repositories/acme/x/commits ended early: its `size` said 10 objects, paging ended after 2, and page 1 came back with 2 of the 3 objects its position promised, also when asked again. Bitbucket lost track of the collection during the run; run again, and if it persists, report it with this message. To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration.");
}

fn config_skipping(concurrency: usize) -> Config {
    Config { on_invalid_object: crate::config::OddObjects::Skip, ..config_with(concurrency) }
}

/// Runs `repositories` over `script` to its end or its first error: the
/// slugs of the rows handed back before, the error, and the objects skipped.
fn outcome(mut script: Script, config: &Config) -> (Vec<String>, Option<crate::error::Error>, u64, Script) {
    let mut run = Run::start(report("repositories"), &params(&[("workspace", "acme")]), config, &mut script).unwrap();
    let mut rows = Vec::new();
    let error = loop {
        match run.next_batch() {
            Ok(Some(batch)) => rows.extend(batch),
            Ok(None) => break None,
            Err(error) => break Some(error),
        }
    };
    let skipped = run.skipped();
    drop(run);
    (slugs(&rows), error, skipped, script)
}

#[test]
fn a_page_that_comes_back_short_once_is_asked_for_again_and_nothing_is_lost() {
    let mut script = Script::serving(vec![
        (FIRST, numbered_page(1, 6, true)),
        (page_url(2), numbered_page(2, 6, true)),
        (page_url(3), numbered_page(3, 6, false)),
    ]);
    script.faults.push((page_url(2), json(200, &page_holding(2, 6, &[], true))));
    let (rows, error, skipped, script) = outcome(script, &config_with(1));
    assert_eq!((rows, error.map(|e| e.message), skipped), (repo_names([1, 2, 5, 6, 3, 4]), None, 0));
    let sent: Vec<&str> = script.sent.iter().map(|(url, _)| url.as_str()).collect();
    assert!(sent[0].starts_with(FIRST));
    assert_eq!(sent[1..], [page_url(2), page_url(3), page_url(2)], "page 2 twice, nothing else");
}

#[test]
fn under_the_skip_policy_a_collection_that_stays_short_is_counted_not_failed() {
    let served = vec![
        (FIRST, numbered_page(1, 5, true)),
        (page_url(2), numbered_page(2, 5, true)),
        (page_url(3), page_holding(3, 5, &[], false)),
    ];
    let (rows, error, skipped, _) = outcome(Script::serving(served), &config_skipping(2));
    assert_eq!((rows, error.map(|e| e.message), skipped), (repo_names(1..=4), None, 1), "4 read + 1 skipped = size 5");
}

#[test]
fn an_object_that_cannot_be_read_fails_the_run_naming_it_or_is_skipped_and_counted() {
    let odd = r#"{"slug":"r2","full_name":"acme/r2","created_on":"2026-01-01T00:00:00+00:00"}"#;
    let wrong = r#"{"uuid":"{r3}","slug":"r3","full_name":"acme/r3","is_private":"yes"}"#;
    let page = format!(r#"{{"values":[{},{odd},{wrong},{}]}}"#, repo("r1"), repo("r4"));
    let (rows, error, skipped, _) = outcome(Script::serving(vec![(FIRST, page.clone())]), &config());
    assert_eq!(rows, ["r1"], "the rows before it are handed back");
    let error = error.expect("the default policy fails the run");
    assert_eq!(error.code, ErrorCode::InvalidResponse);
    assert_eq!(error.message, "report `repositories`: the object slug `r2` cannot be read: column `uuid` has no value, and it is never null (a key, or a field Bitbucket always writes). To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration.");
    assert_eq!(skipped, 0);
    let (rows, error, skipped, _) = outcome(Script::serving(vec![(FIRST, page)]), &config_skipping(4));
    assert_eq!((rows, error.map(|e| e.message), skipped), (vec!["r1".to_string(), "r4".to_string()], None, 2));
}

#[test]
fn a_fan_out_visits_a_repository_without_a_slug_by_its_uuid_and_counts_one_without_either() {
    let listing = format!(
        r#"{{"values":[{},{{"uuid":"{{u2}}","full_name":"acme/r2","created_on":"2026-01-01T00:00:00+00:00"}},{{"full_name":"acme/r3"}}]}}"#,
        repo("r1")
    );
    let mut script = Script::serving(vec![
        (FIRST, listing),
        (commits_url("r1"), commits(&["a1"], None)),
        ("http://localhost:1/2.0/repositories/acme/%7Bu2%7D/commits?pagelen=100", commits(&["b1"], None)),
    ]);
    let p = params(&[("workspace", "acme")]);
    let mut run = Run::start(report("commits"), &p, &config_skipping(2), &mut script).unwrap();
    let rows = drain(&mut run);
    assert_eq!(hashes(&rows), ["a1", "b1"]);
    assert_eq!(rows[1][0], Cell::Text("{u2}".into()), "the repository column holds what the path used");
    assert_eq!(run.skipped(), 1, "the repository without slug or uuid");
    drop(run);
    let mut script = Script::serving(vec![(FIRST, r#"{"values":[{"full_name":"acme/r3"}]}"#.to_string())]);
    let mut run = Run::start(report("commits"), &p, &config(), &mut script).unwrap();
    assert_eq!(run.next_batch().unwrap(), Some(vec![]));
    let error = run.next_batch().unwrap_err();
    assert_eq!(error.message, "report `repositories`: the object full_name `acme/r3` cannot be read: column `uuid` has no value, and it is never null (a key, or a field Bitbucket always writes). To go on past such objects and count them instead, set \"on_invalid_object\": \"skip\" in the configuration.");
}

fn with_login(login: Option<&str>, body: &str) -> crate::client::RawResponse {
    crate::client::RawResponse { login: login.map(str::to_string), ..json(200, body) }
}

fn data_center() -> Config {
    Config::parse(r#"{"product":"data-center","endpoint":"http://localhost:1/bitbucket","auth":{"type":"bearer","token":"t"}}"#)
        .unwrap()
}

fn dc_user(id: u64, name: &str) -> String {
    format!(r#"{{"id":{id},"name":"{name}","slug":"{name}","displayName":"D {name}","emailAddress":"{name}@x.test"}}"#)
}

#[test]
fn a_run_as_the_current_user_learns_the_login_first_and_keeps_only_that_user() {
    let users =
        format!(r#"{{"values":[{},{}],"isLastPage":true,"start":0}}"#, dc_user(1, "carol.whitehead"), dc_user(2, "Carol"));
    let mut script = Script::new(vec![with_login(Some("carol"), r#"{"values":[],"isLastPage":true}"#), json(200, &users)]);
    let dc = report("current-user").data_center.unwrap();
    let mut run = Run::start(dc, &[], &data_center(), &mut script).unwrap();
    let rows = drain(&mut run);
    assert_eq!(rows.len(), 1, "the substring match carol.whitehead is left out");
    assert_eq!(rows[0][0], Cell::Text("2".into()));
    assert_eq!(rows[0][3], Cell::Text("Carol".into()));
    drop(run);
    let sent: Vec<&str> = script.sent.iter().map(|(url, _)| url.as_str()).collect();
    assert_eq!(
        sent,
        [
            "http://localhost:1/bitbucket/rest/api/latest/users?limit=1",
            "http://localhost:1/bitbucket/rest/api/latest/users?limit=1000&filter=carol",
        ]
    );
}

#[test]
fn without_a_login_in_the_answer_a_run_as_the_current_user_fails_saying_which_token_to_use() {
    for (login, says) in [(None, "use a personal access token"), (Some(""), "empty or over 1024 bytes")] {
        let mut script = Script::new(vec![with_login(login, r#"{"values":[],"isLastPage":true}"#)]);
        let dc = report("user-emails").data_center.unwrap();
        let mut run = Run::start(dc, &[], &data_center(), &mut script).unwrap();
        let e = run.next_batch().unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidResponse);
        assert!(e.message.contains(says), "{}", e.message);
        assert!(run.next_batch().unwrap().is_none());
        drop(run);
        assert_eq!(script.sent.len(), 1, "nothing after the first request");
    }
}
