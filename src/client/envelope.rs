//! Bitbucket's envelopes: the paginated list (`values`, `next` and the
//! position fields of a numbered collection), the single object, and the
//! error envelope, turned into the typed error with advice on what to do.

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
        let (code, message) = match status {
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
        let seconds = |h: &Option<String>| h.as_deref().and_then(|s| s.trim().parse::<u32>().ok());
        error.retry_after_seconds = seconds(&response.retry_after).or(seconds(&response.rate_limit_reset));
        Err(error)
    }
}

/// Bitbucket's error envelope `{"type":"error","error":{"message","detail"}}`
/// as one line, or a description of a body that is not one.
fn error_message(response: &RawResponse) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<Value>(&response.body) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
