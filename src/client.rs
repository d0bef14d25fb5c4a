//! The Bitbucket client: authentication, the origin wall, response
//! classification and the paginated envelope. Shared by every report; the
//! wire itself is behind `Transport` (wasi:http in the component).

use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use serde_json::Value;
use url::Url;

/// The largest response body the connector reads (a 100-item page of rich
/// objects is well under 2 MiB; anything far beyond is not a Bitbucket page).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A response as it came off the wire.
pub struct RawResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

/// Sends one GET. Implemented over wasi:http in the component.
pub trait Transport {
    fn get(&mut self, url: &Url, headers: &[(&str, &str)]) -> Result<RawResponse>;
}

/// One page of a paginated collection.
#[derive(Debug)]
pub struct Page {
    pub values: Vec<Value>,
    pub next: Option<Url>,
}

/// Authenticated access to one configured endpoint.
pub struct Client<T> {
    transport: T,
    origin: url::Origin,
    authorization: String,
    secrets: Vec<String>,
}

impl<T: Transport> Client<T> {
    pub fn new(config: &Config, transport: T) -> Self {
        Client {
            transport,
            origin: config.endpoint.origin(),
            authorization: config.auth.header_value(),
            secrets: config.auth.secrets(),
        }
    }

    /// Fetches one page of a paginated collection.
    pub fn get_page(&mut self, url: &Url) -> Result<Page> {
        parse_page(&self.get(url)?)
    }

    /// Fetches one JSON object (an endpoint that is not a list).
    pub fn get_object(&mut self, url: &Url) -> Result<Value> {
        match serde_json::from_slice(&self.get(url)?) {
            Ok(Value::Object(object)) => Ok(Value::Object(object)),
            Ok(_) => Err(Error::invalid_response("the response is not a JSON object")),
            Err(e) => Err(Error::invalid_response(format!("the response is not valid JSON ({e})"))),
        }
    }

    /// Sends one GET and returns the body of a 2xx answer. Refuses, before
    /// sending anything, a URL outside the configured endpoint's origin:
    /// credentials go nowhere else.
    fn get(&mut self, url: &Url) -> Result<Vec<u8>> {
        if url.origin() != self.origin {
            return Err(Error::new(
                ErrorCode::Transport,
                format!(
                    "refused to follow a link to {} outside the configured endpoint's origin {}; nothing was sent there",
                    url.origin().ascii_serialization(),
                    self.origin.ascii_serialization()
                ),
            ));
        }
        let response = self
            .transport
            .get(
                url,
                &[
                    ("authorization", &self.authorization),
                    ("accept", "application/json"),
                ],
            )
            .map_err(|e| self.scrub(e))?;
        self.classify(response)
    }

    /// Turns a non-2xx answer into the typed error, and a 2xx into its body.
    fn classify(&self, response: RawResponse) -> Result<Vec<u8>> {
        if (200..300).contains(&response.status) {
            return Ok(response.body);
        }
        let status = response.status;
        let upstream = error_message(&response).map(|m| self.scrub_text(&m));
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
        error.retry_after_seconds = response
            .retry_after
            .as_deref()
            .and_then(|s| s.trim().parse().ok());
        Err(error)
    }

    fn scrub(&self, mut error: Error) -> Error {
        error.message = self.scrub_text(&error.message);
        error
    }

    /// Removes any credential a server might echo back.
    fn scrub_text(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            if !secret.is_empty() {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text
    }
}

/// Bitbucket's error envelope `{"type":"error","error":{"message","detail"}}`
/// as one line, or a description of a body that is not one.
fn error_message(response: &RawResponse) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<Value>(&response.body) {
        let error = value.get("error")?;
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        let detail = error.get("detail").and_then(Value::as_str).unwrap_or("");
        let text = match (message.is_empty(), detail.is_empty()) {
            (false, false) => format!("{message}: {detail}"),
            (false, true) => message.to_string(),
            (true, false) => detail.to_string(),
            (true, true) => return None,
        };
        return Some(truncate(&text, 300));
    }
    let kind = response
        .content_type
        .as_deref()
        .unwrap_or("unknown content type");
    Some(format!(
        "a non-JSON body of {} bytes ({kind})",
        response.body.len()
    ))
}

fn truncate(text: &str, max_chars: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max_chars {
        flat
    } else {
        format!("{}…", flat.chars().take(max_chars).collect::<String>())
    }
}

/// Parses the paginated envelope `{"values": [...], "next": "..."}`.
pub fn parse_page(body: &[u8]) -> Result<Page> {
    let mut envelope: Value = serde_json::from_slice(body).map_err(|e| {
        Error::invalid_response(format!(
            "the response is not valid JSON ({e}); is the endpoint a Bitbucket API root?"
        ))
    })?;
    let values = match envelope.get_mut("values").map(Value::take) {
        Some(Value::Array(values)) => values,
        Some(_) => return Err(Error::invalid_response("the page's `values` is not a list")),
        None => {
            return Err(Error::invalid_response(
                "the response is not a paginated list (no `values`)",
            ))
        }
    };
    let next = match envelope.get("next") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Url::parse(s).map_err(|e| {
            Error::invalid_response(format!("the page's `next` link is not a URL ({e})"))
        })?),
        Some(_) => {
            return Err(Error::invalid_response(
                "the page's `next` link is not a string",
            ))
        }
    };
    Ok(Page { values, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers from a script and records what was asked.
    struct Script {
        responses: Vec<RawResponse>,
        sent: Vec<(String, String)>,
    }

    impl Transport for &mut Script {
        fn get(&mut self, url: &Url, headers: &[(&str, &str)]) -> Result<RawResponse> {
            let auth = headers
                .iter()
                .find(|(k, _)| *k == "authorization")
                .map(|(_, v)| v.to_string());
            self.sent.push((url.to_string(), auth.unwrap_or_default()));
            Ok(self.responses.remove(0))
        }
    }

    fn json(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    fn config() -> Config {
        Config::parse(
            r#"{"endpoint":"http://127.0.0.1:8080/2.0","auth":{"type":"bearer","token":"S3CRET"}}"#,
        )
        .unwrap()
    }

    #[test]
    fn sends_the_authorization_and_parses_the_envelope() {
        let mut script = Script {
            responses: vec![json(
                200,
                r#"{"values":[{"id":1}],"next":"http://127.0.0.1:8080/2.0/x?page=2"}"#,
            )],
            sent: vec![],
        };
        let page = Client::new(&config(), &mut script)
            .get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap())
            .unwrap();
        assert_eq!(page.values.len(), 1);
        assert_eq!(
            page.next.unwrap().as_str(),
            "http://127.0.0.1:8080/2.0/x?page=2"
        );
        assert_eq!(script.sent[0].1, "Bearer S3CRET");
    }

    #[test]
    fn refuses_other_origins_without_sending() {
        let mut script = Script {
            responses: vec![],
            sent: vec![],
        };
        for url in [
            "http://127.0.0.1:9090/2.0/x",
            "https://127.0.0.1:8080/2.0/x",
            "http://evil.example/2.0/x",
        ] {
            let e = Client::new(&config(), &mut script)
                .get_page(&Url::parse(url).unwrap())
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::Transport);
        }
        assert!(script.sent.is_empty());
    }

    #[test]
    fn maps_statuses_and_scrubs_echoed_secrets() {
        let cases = [
            (401, ErrorCode::Unauthorized),
            (403, ErrorCode::Forbidden),
            (404, ErrorCode::NotFound),
            (410, ErrorCode::RetiredUpstream),
            (429, ErrorCode::RateLimited),
            (400, ErrorCode::Upstream),
            (555, ErrorCode::Upstream),
        ];
        for (status, code) in cases {
            let mut response = json(
                status,
                r#"{"type":"error","error":{"message":"bad token S3CRET","detail":"more"}}"#,
            );
            response.retry_after = Some("17".into());
            let mut script = Script {
                responses: vec![response],
                sent: vec![],
            };
            let e = Client::new(&config(), &mut script)
                .get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap())
                .unwrap_err();
            assert_eq!(
                (e.code, e.http_status, e.retry_after_seconds),
                (code, Some(status), Some(17))
            );
            assert!(
                e.message.contains("bad token [redacted]: more"),
                "{}",
                e.message
            );
            assert!(!e.message.contains("S3CRET"));
        }
    }

    #[test]
    fn html_error_pages_are_described_not_dumped() {
        let response = RawResponse {
            status: 404,
            content_type: Some("text/html".into()),
            retry_after: None,
            body: b"<html>big page</html>".to_vec(),
        };
        let mut script = Script {
            responses: vec![response],
            sent: vec![],
        };
        let e = Client::new(&config(), &mut script)
            .get_page(&Url::parse("http://127.0.0.1:8080/2.0/x").unwrap())
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        assert!(
            e.message.contains("non-JSON body of 21 bytes (text/html)"),
            "{}",
            e.message
        );
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
            assert_eq!(
                parse_page(body.as_bytes()).unwrap_err().code,
                ErrorCode::InvalidResponse,
                "{body}"
            );
        }
    }
}
