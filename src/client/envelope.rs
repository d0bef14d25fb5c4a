//! Bitbucket's envelopes: the paginated list (Cloud's `values`, `next` and
//! the position fields of a numbered collection; Data Center's `values`,
//! `isLastPage` and `nextPageStart`), the single object, and the error
//! envelopes (Cloud's `{"error": ...}`, Data Center's `{"errors": [...]}`),
//! turned into the typed error with advice on what to do.

use super::transport::{RawResponse, Transport};
use super::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::url::Url;
use serde_json::Value;

/// The envelope's own fields, asked for in every `fields` parameter.
pub const PAGE_FIELDS: [&str; 4] = ["next", "page", "pagelen", "size"];

/// One page of a paginated collection.
#[derive(Debug)]
pub struct Page {
    pub values: Vec<Value>,
    pub next: Option<Url>,
    /// Where the page sits in a numbered collection (`page`, `pagelen`,
    /// `size`); `None` for iterator-style collections such as commits.
    pub numbered: Option<Numbered>,
}

/// The position fields of a numbered (random-access) collection page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbered {
    pub page: u64,
    pub pagelen: u64,
    pub size: u64,
}

impl Numbered {
    /// The number of the last page.
    pub fn last_page(&self) -> u64 {
        self.size.div_ceil(self.pagelen.max(1)).max(1)
    }
}

impl<T: Transport> Client<T> {
    /// Turns a non-2xx answer into the typed error, and a 2xx into its body.
    pub(super) fn classify(&self, response: RawResponse) -> Result<Vec<u8>> {
        if (200..300).contains(&response.status) {
            return Ok(response.body);
        }
        let status = response.status;
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            let Some(location) = response.location.filter(|l| !l.trim().is_empty()) else {
                return Err(Error::new(ErrorCode::Upstream, format!("Bitbucket answered HTTP {status} without a Location."))
                    .with_status(status));
            };
            let mut redirect =
                Error::new(ErrorCode::Upstream, format!("Bitbucket redirected (HTTP {status})")).with_status(status);
            redirect.redirect = Some(location.trim().to_string());
            return Err(redirect);
        }
        // Scrub before cutting, so no part of a secret survives the cut.
        let upstream = error_message(&response).map(|m| truncate(&self.scrub_text(&m), 300));
        let said = |default: &str| upstream.clone().unwrap_or_else(|| default.to_string());
        let dc = self.product == crate::config::Product::DataCenter;
        let (code, message) = match status {
            // Data Center also answers 401 for "signed in, not permitted".
            401 if dc && dc_exception(&response).is_some_and(|e| e.ends_with("AuthorisationException")) => (
                ErrorCode::Forbidden,
                format!("the credentials may not read this ({}). Data Center answers 401 for a missing permission: use an account or token with read access to the project or repository (project and repository tokens reach only their own).", said("no message")),
            ),
            401 if dc => (
                ErrorCode::Unauthorized,
                format!("Bitbucket Data Center rejected the credentials ({}). Check `auth`: an HTTP access token is type \"bearer\"; a username with a password or personal token is type \"basic\" (project and repository tokens only work as bearer). Tokens expire: create a new one if needed.", said("no message")),
            ),
            404 if dc => (
                ErrorCode::NotFound,
                format!("not found ({}). Check the project key and repository slug (a personal project is `~username`), and that the credentials can see them.", said("no message")),
            ),
            401 => (
                ErrorCode::Unauthorized,
                format!("Bitbucket rejected the credentials ({}). Check `auth`: an API token is sent as HTTP Basic with your Atlassian account email (type \"api-token\"); repository, project, workspace and OAuth access tokens use type \"bearer\". Tokens expire: create a new one if needed.", said("no message")),
            ),
            403 => (
                ErrorCode::Forbidden,
                format!("the credentials lack a permission or scope for this report ({}). Grant the scope the report needs (e.g. read:repository:bitbucket, read:pullrequest:bitbucket; admin:repository:bitbucket for permissions and branch restrictions) or use an account with access.", said("no message")),
            ),
            404 => (
                ErrorCode::NotFound,
                format!("not found ({}). Check the workspace and repository slugs, and that the credentials can see them.", said("no message")),
            ),
            410 => (
                ErrorCode::RetiredUpstream,
                format!("Bitbucket removed this endpoint ({}).", said("410 Gone")),
            ),
            429 => (
                ErrorCode::RateLimited,
                format!("Bitbucket's rate limit was reached ({}). Wait and run again, or use an access token (higher limits on large workspaces).", said("no message")),
            ),
            _ => (ErrorCode::Upstream, format!("Bitbucket answered HTTP {status} ({}).", said("no message"))),
        };
        let mut error = Error::new(code, message).with_status(status);
        // Bitbucket's 555 is its timeout; like 429 and other 5xx, worth retrying.
        error.retryable = status == 429 || status >= 500;
        error.unservable =
            dc && dc_exception(&response).is_some_and(|e| UNSERVABLE.contains(&e.rsplit('.').next().unwrap_or_default()));
        let seconds = |h: &Option<String>| h.as_deref().and_then(|s| s.trim().parse::<u32>().ok());
        error.retry_after_seconds = seconds(&response.retry_after).or(seconds(&response.rate_limit_reset));
        Err(error)
    }
}

/// Data Center's exceptions for one object it cannot serve, rather than a
/// run gone wrong: a pull request whose commits are gone
/// (`NoSuchCommitException`, 404), a repository git fails on
/// (`CommandFailedException`, 500).
const UNSERVABLE: [&str; 2] = ["NoSuchCommitException", "CommandFailedException"];

/// The `exceptionName` of the first error in Data Center's envelope.
fn dc_exception(response: &RawResponse) -> Option<String> {
    let value = serde_json::from_slice::<Value>(&response.body).ok()?;
    value.get("errors")?.get(0)?.get("exceptionName")?.as_str().map(str::to_string)
}

/// Bitbucket's error envelope as one line: Cloud's
/// `{"type":"error","error":{"message","detail"}}`, or Data Center's
/// `{"errors":[{"context","message","exceptionName"}]}` (each message, and
/// the exception's short name); or a description of a body that is not one.
fn error_message(response: &RawResponse) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<Value>(&response.body) {
        if let Some(Value::Array(errors)) = value.get("errors") {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| {
                    let message = e.get("message").and_then(Value::as_str).unwrap_or("no message");
                    match e.get("exceptionName").and_then(Value::as_str).and_then(|n| n.rsplit('.').next()) {
                        Some(name) => format!("{message} [{name}]"),
                        None => message.to_string(),
                    }
                })
                .collect();
            return (!lines.is_empty()).then(|| lines.join("; "));
        }
        let error = value.get("error")?;
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        let detail = match error.get("detail") {
            Some(Value::String(detail)) => detail.clone(),
            // Scope errors carry {"required": [...], "granted": [...]}.
            Some(Value::Object(detail)) => match detail.get("required").and_then(Value::as_array) {
                Some(required) => {
                    let scopes: Vec<&str> = required.iter().filter_map(Value::as_str).collect();
                    format!("missing scope: {}", scopes.join(", "))
                }
                None => String::new(),
            },
            _ => String::new(),
        };
        let text = match (message.is_empty(), detail.is_empty()) {
            (false, false) => format!("{message}: {detail}"),
            (false, true) => message.to_string(),
            (true, false) => detail,
            (true, true) => return None,
        };
        return Some(text);
    }
    let kind = response.content_type.as_deref().unwrap_or("unknown content type");
    Some(format!("a non-JSON body of {} bytes ({kind})", response.body.len()))
}

pub(super) fn truncate(text: &str, max_chars: usize) -> String {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() <= max_chars {
        flat
    } else {
        format!("{}…", flat.chars().take(max_chars).collect::<String>())
    }
}

/// Parses a single JSON object (an endpoint that is not a list).
pub fn parse_object(body: &[u8]) -> Result<Value> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(Value::Object(object)),
        Ok(_) => Err(Error::invalid_response("the response is not a JSON object")),
        Err(e) => Err(Error::invalid_response(format!("the response is not valid JSON ({e})"))),
    }
}

/// Parses the paginated envelope `{"values": [...], "next": "..."}`.
pub fn parse_page(body: &[u8]) -> Result<Page> {
    let mut envelope: Value = serde_json::from_slice(body).map_err(|e| {
        Error::invalid_response(format!("the response is not valid JSON ({e}); is the endpoint a Bitbucket API root?"))
    })?;
    let values = match envelope.get_mut("values").map(Value::take) {
        Some(Value::Array(values)) => values,
        Some(_) => return Err(Error::invalid_response("the page's `values` is not a list")),
        None => return Err(Error::invalid_response("the response is not a paginated list (no `values`)")),
    };
    let next = match envelope.get("next") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(Url::parse(s).map_err(|e| Error::invalid_response(format!("the page's `next` link is not a URL ({e})")))?)
        }
        Some(_) => return Err(Error::invalid_response("the page's `next` link is not a string")),
    };
    let number = |key: &str| envelope.get(key).and_then(Value::as_u64);
    let numbered = match (number("page"), number("pagelen"), number("size")) {
        (Some(page), Some(pagelen), Some(size)) if page >= 1 && pagelen >= 1 => Some(Numbered { page, pagelen, size }),
        _ => None,
    };
    Ok(Page { values, next, numbered })
}

/// Parses Data Center's page `{"values", "isLastPage", "nextPageStart",
/// "start", ...}` of the request `url`: its next page is `url` with `start`
/// set to `nextPageStart`. A page that is not the last but gives no way on
/// (no `nextPageStart`, or one that does not move past `start`) is an
/// error rather than a loop or a silent end.
pub fn parse_dc_page(body: &[u8], url: &Url, nested: Option<&str>) -> Result<Page> {
    let mut answer: Value = serde_json::from_slice(body).map_err(|e| {
        Error::invalid_response(format!("the response is not valid JSON ({e}); is the endpoint the instance's base URL?"))
    })?;
    let mut envelope = match nested {
        None => answer,
        Some(key) => match answer.get_mut(key).map(Value::take) {
            Some(page @ Value::Object(_)) => page,
            _ => return Err(Error::invalid_response(format!("the response has no `{key}` page (is the path a directory?)"))),
        },
    };
    let values = match envelope.get_mut("values").map(Value::take) {
        Some(Value::Array(values)) => values,
        Some(_) => return Err(Error::invalid_response("the page's `values` is not a list")),
        None => return Err(Error::invalid_response("the response is not a paged list (no `values`)")),
    };
    if envelope.get("isLastPage").and_then(Value::as_bool).unwrap_or(true) {
        return Ok(Page { values, next: None, numbered: None });
    }
    let start: u64 = url.query_pairs().find(|(k, _)| k == "start").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    // `browse` may leave `nextPageStart` out: the next page starts after
    // the values this one held (none held would not move on).
    let given = envelope.get("nextPageStart").and_then(Value::as_u64);
    let after = (nested.is_some() && given.is_none()).then(|| start + values.len() as u64);
    let next_start = match given.or(after) {
        Some(next) if next > start => next,
        Some(next) => {
            return Err(Error::invalid_response(format!(
                "paging does not move on: the page at start {start} says the next starts at {next} ({})",
                url.path()
            )))
        }
        None => {
            return Err(Error::invalid_response(format!(
                "the page at start {start} of {} is not the last (`isLastPage` false) but gives no `nextPageStart`",
                url.path()
            )))
        }
    };
    let pairs: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != "start").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let mut next = url.clone();
    next.query_pairs_mut().clear().extend_pairs(pairs).append_pair("start", &next_start.to_string());
    Ok(Page { values, next: Some(next), numbered: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_center_pages_continue_from_next_page_start_and_end_on_is_last_page() {
        let url = Url::parse("http://h/rest/api/latest/projects?limit=1000").unwrap();
        let page =
            parse_dc_page(br#"{"size":2,"limit":2,"isLastPage":false,"values":[1,2],"start":0,"nextPageStart":5}"#, &url, None)
                .unwrap();
        assert_eq!(page.values.len(), 2);
        assert_eq!(page.next.unwrap().as_str(), "http://h/rest/api/latest/projects?limit=1000&start=5");
        let second = Url::parse("http://h/rest/api/latest/projects?limit=1000&start=5").unwrap();
        let last = parse_dc_page(br#"{"isLastPage":true,"values":[3],"start":5}"#, &second, None).unwrap();
        assert!(last.next.is_none());
        for (body, says) in [
            (r#"{"isLastPage":false,"values":[]}"#, "gives no `nextPageStart`"),
            (r#"{"isLastPage":false,"values":[],"nextPageStart":5}"#, "does not move on"),
            (r#"{"isLastPage":false,"values":[],"nextPageStart":2}"#, "does not move on"),
            (r#"{"values":{}}"#, "not a list"),
            (r#"{"errors":[]}"#, "no `values`"),
        ] {
            let e = parse_dc_page(body.as_bytes(), &second, None).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidResponse);
            assert!(e.message.contains(says), "{body}: {}", e.message);
        }
    }

    #[test]
    fn a_browse_page_is_nested_under_children_and_without_next_page_start_goes_on_after_its_values() {
        let url = Url::parse("http://h/rest/api/latest/projects/P/repos/r/browse/src?limit=2&start=4").unwrap();
        let body = br#"{"path":{"toString":"src"},"children":{"isLastPage":false,"values":[1,2],"start":4}}"#;
        let page = parse_dc_page(body, &url, Some("children")).unwrap();
        assert_eq!(page.values, [1, 2]);
        assert_eq!(page.next.unwrap().as_str(), "http://h/rest/api/latest/projects/P/repos/r/browse/src?limit=2&start=6");
        let given = br#"{"children":{"isLastPage":false,"values":[1],"start":4,"nextPageStart":9}}"#;
        assert!(parse_dc_page(given, &url, Some("children")).unwrap().next.unwrap().as_str().ends_with("start=9"));
        for (body, says) in [
            (r#"{"children":{"isLastPage":false,"values":[]}}"#, "does not move on"),
            (r#"{"lines":[{"text":"a file"}],"isLastPage":true}"#, "no `children` page (is the path a directory?)"),
        ] {
            let e = parse_dc_page(body.as_bytes(), &url, Some("children")).unwrap_err();
            assert!(e.code == ErrorCode::InvalidResponse && e.message.contains(says), "{body}: {}", e.message);
        }
        // Elsewhere a missing `nextPageStart` is still an error.
        let flat = br#"{"isLastPage":false,"values":[1],"start":4}"#;
        assert!(parse_dc_page(flat, &url, None).unwrap_err().message.contains("gives no `nextPageStart`"));
    }

    #[test]
    fn malformed_pages_are_invalid_response() {
        for body in [
            "<html>",
            r#"{"values":{}}"#,
            r#"{"size":3}"#,
            r#"{"values":[],"next":7}"#,
            r#"{"values":[],"next":"not a url"}"#,
            r#"{"values":[1,"#,
        ] {
            assert_eq!(parse_page(body.as_bytes()).unwrap_err().code, ErrorCode::InvalidResponse, "{body}");
        }
    }
}
