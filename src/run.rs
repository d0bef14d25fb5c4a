//! A run of one report: walks the collection page by page, handing the host
//! one page of rows per batch, so the guest never holds more than a page
//! (plus, for workspace-wide runs, one page of the parent's keys).

use crate::catalog::{DateFilter, Params, Report, Shape, Status};
use crate::cells::{lookup, Cell};
use crate::client::{Client, Transport};
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use std::collections::{BTreeSet, VecDeque};
use url::Url;

pub type Row = Vec<Cell>;

/// A retired report's error, which says what to use instead; nothing is sent.
pub fn ensure_available(report: &Report) -> Result<()> {
    let Status::RetiredUpstream {
        since,
        reason,
        replacement,
    } = report.status
    else {
        return Ok(());
    };
    let instead = match replacement {
        Some(id) => format!(" Use report `{id}` instead."),
        None => String::new(),
    };
    Err(Error::new(
        ErrorCode::RetiredUpstream,
        format!(
            "report `{}` cannot run: {reason} (removed upstream {since}).{instead}",
            report.id
        ),
    ))
}

/// A date parameter that would change nothing is refused rather than
/// silently ignored (e.g. `since` on one pull request's commits).
fn ensure_dates_apply(report: &Report, params: &Params) -> Result<()> {
    let Some(given) = ["since", "days-back"]
        .into_iter()
        .find(|p| params.contains_key(p))
    else {
        return Ok(());
    };
    let own = report.date_filter != DateFilter::None;
    let via_parent = report
        .fan_out
        .is_some_and(|f| f.dates_narrow_parent && !params.contains_key(f.param));
    if own || via_parent {
        return Ok(());
    }
    let narrowing = report.fan_out.map_or("these parameters", |f| f.param);
    Err(Error::param(
        given,
        format!("has no effect on report `{}` when `{narrowing}` is given: the endpoint has no date filter; omit `{given}`", report.id),
    ))
}

pub struct Run<T> {
    client: Client<T>,
    walker: Walker,
    finished: bool,
}

impl<T: Transport> Run<T> {
    /// Validates everything that can be checked without the network.
    pub fn start(
        report: &'static Report,
        params: &[(String, String)],
        config: &Config,
        transport: T,
    ) -> Result<Self> {
        ensure_available(report)?;
        let params = report.resolve_params(params)?;
        ensure_dates_apply(report, &params)?;
        let walker = Walker::new(report, params, &config.endpoint, crate::time::now())?;
        Ok(Run {
            client: Client::new(config, transport),
            walker,
            finished: false,
        })
    }

    /// The next page of rows; `None` once the collection is exhausted. After
    /// an error the run is over and later calls return `None`.
    pub fn next_batch(&mut self) -> Result<Option<Vec<Row>>> {
        if self.finished {
            return Ok(None);
        }
        let batch = self.walker.next_batch(&mut self.client);
        if !matches!(batch, Ok(Some(_))) {
            self.finished = true;
        }
        batch
    }
}

/// Walks one report: its own pages, or, when a fan-out parameter is
/// omitted, the parent report's rows and one child walk per row.
struct Walker {
    report: &'static Report,
    params: Params,
    walk: Walk,
}

enum Walk {
    Pages {
        next: Option<Url>,
        /// Pages already fetched, so a `next` that points back is caught.
        visited: BTreeSet<String>,
        /// For `DateFilter::Cutoff`: the earliest instant wanted.
        cutoff: Option<i64>,
    },
    FanOut {
        /// `(parameter, index of the parent column)` pairs.
        binds: Vec<(&'static str, usize)>,
        parent: Box<Walker>,
        pending: VecDeque<Vec<(&'static str, String)>>,
        child: Option<Box<Walker>>,
        endpoint: Url,
        now: i64,
    },
}

impl Walker {
    fn new(report: &'static Report, params: Params, endpoint: &Url, now: i64) -> Result<Walker> {
        if let Some(fan) = report.fan_out.filter(|f| !params.contains_key(f.param)) {
            // The parent gets the parameters it accepts (workspace, dates, ...).
            let given: Vec<(String, String)> = params
                .iter()
                .filter(|(name, _)| fan.parent.params.iter().any(|p| p.name == **name))
                .filter(|(name, _)| {
                    fan.dates_narrow_parent || !matches!(**name, "since" | "days-back")
                })
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            let parent_params = fan.parent.resolve_params(&given)?;
            let column = |name: &str| {
                fan.parent
                    .columns
                    .iter()
                    .position(|c| c.name == name)
                    .expect("fan-out column exists")
            };
            let binds = fan
                .binds
                .iter()
                .map(|(param, name)| (*param, column(name)))
                .collect();
            let parent = Box::new(Walker::new(fan.parent, parent_params, endpoint, now)?);
            let walk = Walk::FanOut {
                binds,
                parent,
                pending: VecDeque::new(),
                child: None,
                endpoint: endpoint.clone(),
                now,
            };
            return Ok(Walker {
                report,
                params,
                walk,
            });
        }
        let cutoff = match report.date_filter {
            DateFilter::Cutoff(_) => report.since(&params, now),
            _ => None,
        };
        let first = report.first_url(endpoint, &params, now)?;
        Ok(Walker {
            report,
            params,
            walk: Walk::Pages {
                next: Some(first),
                visited: BTreeSet::new(),
                cutoff,
            },
        })
    }

    fn next_batch<T: Transport>(&mut self, client: &mut Client<T>) -> Result<Option<Vec<Row>>> {
        match &mut self.walk {
            Walk::Pages {
                next,
                visited,
                cutoff,
            } => {
                while let Some(url) = next.take() {
                    if !visited.insert(url.to_string()) {
                        return Err(Error::invalid_response(format!(
                            "pagination loop: the `next` link points back to a page already read ({})",
                            url.path()
                        )));
                    }
                    let objects = match self.report.shape {
                        Shape::Object => vec![client.get_object(&url)?],
                        Shape::List => {
                            let page = client.get_page(&url)?;
                            *next = page.next;
                            page.values
                        }
                    };
                    let mut rows = Vec::with_capacity(objects.len());
                    for object in &objects {
                        if let (Some(cutoff), DateFilter::Cutoff(field)) =
                            (*cutoff, self.report.date_filter)
                        {
                            let when = lookup(object, field)
                                .and_then(|v| v.as_str())
                                .and_then(crate::time::parse);
                            if when.is_some_and(|t| t < cutoff) {
                                // Newest first: everything after this is older.
                                *next = None;
                                break;
                            }
                        }
                        rows.extend(self.report.rows(object, &self.params)?);
                    }
                    // One request per call, even when a page is empty, so no
                    // call into the guest outlives the host's deadline.
                    if !rows.is_empty() || next.is_some() {
                        return Ok(Some(rows));
                    }
                }
                Ok(None)
            }
            Walk::FanOut {
                binds,
                parent,
                pending,
                child,
                endpoint,
                now,
            } => loop {
                if let Some(walker) = child {
                    match walker.next_batch(client)? {
                        Some(rows) => return Ok(Some(rows)),
                        None => *child = None,
                    }
                }
                if let Some(values) = pending.pop_front() {
                    let mut params = self.params.clone();
                    params.extend(values);
                    *child = Some(Box::new(Walker::new(self.report, params, endpoint, *now)?));
                    continue;
                }
                match parent.next_batch(client)? {
                    Some(rows) => {
                        for row in rows {
                            let values = binds.iter().map(|(param, i)| {
                                Ok((*param, bound_value(self.report, param, &row[*i])?))
                            });
                            pending.push_back(values.collect::<Result<_>>()?);
                        }
                        // The parent's page was one request: hand back control.
                        return Ok(Some(Vec::new()));
                    }
                    None => return Ok(None),
                }
            },
        }
    }
}

/// A parent row's value as a parameter of the child, validated like a
/// parameter the user gave: it lands in a URL path.
fn bound_value(report: &Report, param: &str, cell: &Cell) -> Result<String> {
    let value = match cell {
        Cell::Integer(n) => n.to_string(),
        Cell::Text(s) => s.clone(),
        _ => {
            return Err(Error::invalid_response(format!(
                "`{param}` for report `{}` is missing in the API response",
                report.id
            )))
        }
    };
    report.validate_value(param, &value).map_err(|e| {
        Error::invalid_response(format!(
            "the API returned an unusable {param} ({})",
            e.message
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::RawResponse;

    /// Serves pages from a list keyed by URL and counts requests.
    struct Pages(Vec<(&'static str, String)>, usize);

    impl Transport for &mut Pages {
        fn get(&mut self, url: &Url, _: &[(&str, &str)]) -> Result<RawResponse> {
            self.1 += 1;
            let body = self
                .0
                .iter()
                .find(|(u, _)| *u == url.as_str())
                .map(|(_, b)| b.clone());
            let body = body.unwrap_or_else(|| panic!("unexpected URL {url}"));
            Ok(RawResponse {
                status: 200,
                content_type: None,
                retry_after: None,
                rate_limit_reset: None,
                body: body.into_bytes(),
            })
        }
        fn post(&mut self, url: &Url, headers: &[(&str, &str)], _: &[u8]) -> Result<RawResponse> {
            self.get(url, headers)
        }
        fn now(&self) -> std::time::Duration {
            std::time::Duration::ZERO
        }
        fn sleep(&mut self, _: std::time::Duration) {
            unreachable!("no retries in these tests")
        }
    }

    fn config() -> Config {
        Config::parse(
            r#"{"endpoint":"http://localhost:1/2.0","auth":{"type":"bearer","token":"t"}}"#,
        )
        .unwrap()
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const FIRST: &str = "http://localhost:1/2.0/repositories/acme?pagelen=100";

    fn repo(slug: &str) -> String {
        format!(
            r#"{{"uuid":"{{{slug}}}","full_name":"acme/{slug}","slug":"{slug}","name":"{slug}","is_private":true,"created_on":"2026-01-01T00:00:00+00:00"}}"#
        )
    }

    fn commit(hash: &str, date: &str) -> String {
        format!(
            r#"{{"hash":"{hash}","date":"{date}","message":"m","repository":{{"full_name":"acme/x"}}}}"#
        )
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
        let mut pages = Pages(
            vec![
                (
                    FIRST,
                    format!(
                        r#"{{"values":[{}],"next":"http://localhost:1/2.0/repositories/acme?page=2"}}"#,
                        repo("a")
                    ),
                ),
                (
                    "http://localhost:1/2.0/repositories/acme?page=2",
                    r#"{"values":[],"next":"http://localhost:1/2.0/repositories/acme?page=3"}"#
                        .into(),
                ),
                (
                    "http://localhost:1/2.0/repositories/acme?page=3",
                    format!(r#"{{"values":[{},{}]}}"#, repo("b"), repo("c")),
                ),
            ],
            0,
        );
        let mut run = Run::start(
            report("repositories"),
            &params(&[("workspace", "acme")]),
            &config(),
            &mut pages,
        )
        .unwrap();
        assert_eq!(run.next_batch().unwrap().unwrap().len(), 1);
        // An empty page is an empty batch: one request per call.
        assert_eq!(run.next_batch().unwrap().unwrap().len(), 0);
        assert_eq!(run.next_batch().unwrap().unwrap().len(), 2);
        assert!(run.next_batch().unwrap().is_none());
        assert!(run.next_batch().unwrap().is_none());
        drop(run);
        assert_eq!(pages.1, 3);
    }

    #[test]
    fn a_next_that_loops_back_is_an_error_not_a_hang() {
        let mut pages = Pages(
            vec![(
                FIRST,
                format!(r#"{{"values":[{}],"next":"{FIRST}"}}"#, repo("a")),
            )],
            0,
        );
        let mut run = Run::start(
            report("repositories"),
            &params(&[("workspace", "acme")]),
            &config(),
            &mut pages,
        )
        .unwrap();
        assert!(run.next_batch().unwrap().is_some());
        assert_eq!(
            run.next_batch().unwrap_err().code,
            ErrorCode::InvalidResponse
        );
        assert!(run.next_batch().unwrap().is_none());
    }

    #[test]
    fn omitting_the_repository_covers_every_repository_of_the_workspace() {
        let c =
            |r: &str| format!("http://localhost:1/2.0/repositories/acme/{r}/commits?pagelen=100");
        let (a, b) = (c("a"), c("b"));
        let a: &'static str = Box::leak(a.into_boxed_str());
        let b: &'static str = Box::leak(b.into_boxed_str());
        let mut pages = Pages(
            vec![
                (
                    FIRST,
                    format!(r#"{{"values":[{},{}]}}"#, repo("a"), repo("b")),
                ),
                (
                    a,
                    format!(
                        r#"{{"values":[{}]}}"#,
                        commit("1", "2026-01-02T00:00:00+00:00")
                    ),
                ),
                (
                    b,
                    format!(
                        r#"{{"values":[{},{}]}}"#,
                        commit("2", "2026-01-02T00:00:00+00:00"),
                        commit("3", "2026-01-01T00:00:00+00:00")
                    ),
                ),
            ],
            0,
        );
        let mut run = Run::start(
            report("commits"),
            &params(&[("workspace", "acme")]),
            &config(),
            &mut pages,
        )
        .unwrap();
        assert_eq!(drain(&mut run).len(), 3);
        drop(run);
        assert_eq!(pages.1, 3);
    }

    #[test]
    fn a_cutoff_stops_paging_at_the_first_older_object() {
        let url = "http://localhost:1/2.0/repositories/acme/x/commits?pagelen=100";
        let mut pages = Pages(
            vec![(
                url,
                format!(
                    r#"{{"values":[{},{}],"next":"http://localhost:1/2.0/never"}}"#,
                    commit("new", "2026-05-02T00:00:00+00:00"),
                    commit("old", "2026-04-30T00:00:00+00:00")
                ),
            )],
            0,
        );
        let p = params(&[
            ("workspace", "acme"),
            ("repository", "x"),
            ("since", "2026-05-01"),
        ]);
        let mut run = Run::start(report("commits"), &p, &config(), &mut pages).unwrap();
        assert_eq!(drain(&mut run).len(), 1);
        drop(run);
        assert_eq!(pages.1, 1, "the next page was not fetched");
    }

    #[test]
    fn a_date_that_would_change_nothing_is_refused() {
        let p = params(&[
            ("workspace", "acme"),
            ("repository", "x"),
            ("pull-request", "3"),
            ("since", "2026-01-01"),
        ]);
        let mut pages = Pages(vec![], 0);
        let e = Run::start(report("pull-request-commits"), &p, &config(), &mut pages)
            .err()
            .unwrap();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
        assert!(e.message.contains("`pull-request`"), "{}", e.message);
        let p = params(&[
            ("workspace", "acme"),
            ("repository", "x"),
            ("since", "2026-01-01"),
        ]);
        assert!(
            Run::start(report("pull-request-commits"), &p, &config(), &mut pages).is_ok(),
            "narrows the pull requests"
        );
        assert!(
            Run::start(report("deployments"), &p, &config(), &mut pages).is_err(),
            "deployments take no date"
        );
    }
}
