//! A run of one report: walks the collection page by page, handing the host
//! one page of rows per batch, so the guest never holds more than a page.

use crate::catalog::{Report, Status};
use crate::cells::Cell;
use crate::client::{Client, Transport};
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use std::collections::BTreeSet;
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

pub struct Run<T> {
    report: &'static Report,
    client: Client<T>,
    next: Option<Url>,
    /// Pages already fetched, so a `next` that points back is caught.
    visited: BTreeSet<String>,
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
        let first = report.first_url(&config.endpoint, &params)?;
        Ok(Run {
            report,
            client: Client::new(config, transport),
            next: Some(first),
            visited: BTreeSet::new(),
            finished: false,
        })
    }

    /// The next page of rows; `None` once the collection is exhausted. After
    /// an error the run is over and later calls return `None`.
    pub fn next_batch(&mut self) -> Result<Option<Vec<Row>>> {
        if self.finished {
            return Ok(None);
        }
        let batch = self.fetch();
        if !matches!(batch, Ok(Some(_))) {
            self.finished = true;
        }
        batch
    }

    fn fetch(&mut self) -> Result<Option<Vec<Row>>> {
        while let Some(url) = self.next.take() {
            if !self.visited.insert(url.to_string()) {
                return Err(Error::invalid_response(format!(
                    "pagination loop: the `next` link points back to a page already read ({})",
                    url.path()
                )));
            }
            let page = self.client.get_page(&url)?;
            self.next = page.next;
            if page.values.is_empty() {
                continue;
            }
            let rows = page
                .values
                .iter()
                .map(|object| self.report.row(object))
                .collect::<Result<_>>()?;
            return Ok(Some(rows));
        }
        Ok(None)
    }
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
                .map(|(_, b)| b.clone())
                .expect("unexpected URL");
            Ok(RawResponse {
                status: 200,
                content_type: None,
                retry_after: None,
                body: body.into_bytes(),
            })
        }
    }

    fn config() -> Config {
        Config::parse(r#"{"endpoint":"http://h:1/2.0","auth":{"type":"bearer","token":"t"}}"#)
            .unwrap()
    }

    fn params() -> Vec<(String, String)> {
        vec![("workspace".into(), "acme".into())]
    }

    const FIRST: &str = "http://h:1/2.0/repositories/acme?pagelen=100";

    fn repo(uuid: &str) -> String {
        format!(
            r#"{{"uuid":"{uuid}","full_name":"acme/{uuid}","slug":"{uuid}","name":"{uuid}","is_private":true,"created_on":"2026-01-01T00:00:00+00:00","updated_on":"2026-01-01T00:00:00+00:00","workspace":{{"slug":"acme"}},"links":{{"html":{{"href":"x"}}}}}}"#
        )
    }

    fn report() -> &'static Report {
        crate::reports::find("repositories").unwrap()
    }

    #[test]
    fn follows_next_skips_empty_pages_and_stops() {
        let mut pages = Pages(
            vec![
                (
                    FIRST,
                    format!(
                        r#"{{"values":[{}],"next":"http://h:1/2.0/repositories/acme?page=2"}}"#,
                        repo("a")
                    ),
                ),
                (
                    "http://h:1/2.0/repositories/acme?page=2",
                    r#"{"values":[],"next":"http://h:1/2.0/repositories/acme?page=3"}"#.into(),
                ),
                (
                    "http://h:1/2.0/repositories/acme?page=3",
                    format!(r#"{{"values":[{},{}]}}"#, repo("b"), repo("c")),
                ),
            ],
            0,
        );
        let mut run = Run::start(report(), &params(), &config(), &mut pages).unwrap();
        assert_eq!(run.next_batch().unwrap().unwrap().len(), 1);
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
        let mut run = Run::start(report(), &params(), &config(), &mut pages).unwrap();
        assert!(run.next_batch().unwrap().is_some());
        assert_eq!(
            run.next_batch().unwrap_err().code,
            ErrorCode::InvalidResponse
        );
        assert!(run.next_batch().unwrap().is_none());
    }
}
