//! The connector's configuration: parsed and validated from JSON without any
//! network access, with errors that name the field at fault.

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::url::Url;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

pub use connector_vocabulary::{Product, DEFAULT_ENDPOINT, DEFAULT_TOKEN_URL};

/// A validated configuration.
#[derive(Clone)]
pub struct Config {
    /// Which Bitbucket it reads (`product`): Cloud unless said.
    pub product: Product,
    /// The API root, without a trailing slash: e.g.
    /// `https://api.bitbucket.org/2.0` on Cloud; on Data Center the
    /// instance's base URL with `/rest` (`https://git.example.com/bitbucket/rest`).
    pub endpoint: Url,
    pub auth: Auth,
    /// How failed requests are retried (`retries`).
    pub retry: RetryPolicy,
    /// Timeouts handed to the host with each request (`timeouts`).
    pub timeouts: Timeouts,
    /// Pace requests to stay under this hourly budget (`max_requests_per_hour`).
    pub max_requests_per_hour: Option<u32>,
    /// Requests a run keeps in flight at once (`concurrency`).
    pub concurrency: usize,
    /// What a run does with an object it cannot use (`on_invalid_object`).
    pub on_invalid_object: OddObjects,
}

/// What a run does with an object it cannot map to a row (a value of the
/// wrong type, a missing key), a parent it cannot visit, or objects a
/// collection promised and never delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OddObjects {
    /// `"error"`: the run fails with `invalid-response`, naming the report,
    /// the object and the column.
    #[default]
    Fail,
    /// `"skip"`: the run goes on; `progress` counts what was left out.
    Skip,
}

/// Requests in flight at once unless the configuration says otherwise
/// (enough to hide round trips, few enough to stay polite to Bitbucket),
/// and the most a run may keep in flight: the contract's vocabulary.
pub use connector_vocabulary::{DEFAULT_CONCURRENCY, MAX_CONCURRENCY};

/// Request timeouts, passed through wasi:http request options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub first_byte: Duration,
    pub between_bytes: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(10), first_byte: Duration::from_secs(60), between_bytes: Duration::from_secs(30) }
    }
}

/// How requests authenticate. `Debug` never prints the secrets.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// Atlassian API token: HTTP Basic with the account email and the token.
    ApiToken { email: String, token: String },
    /// Repository, project or workspace access token, or an OAuth access
    /// token; on Data Center, an HTTP access token (personal, project or
    /// repository).
    Bearer { token: String },
    /// HTTP Basic with a username and a password or personal access token
    /// (Data Center only: on Cloud this was an app password).
    Basic { username: String, password: String },
    /// An OAuth 2.0 consumer: access tokens come from the token endpoint
    /// (refresh-token grant when a refresh token is given, else client
    /// credentials) and are renewed on the first 401. Shared by every run of
    /// the instance, so a rotated refresh token is used from then on.
    OAuth(Rc<OAuth>),
}

#[derive(PartialEq, Eq)]
pub struct OAuth {
    pub client_id: String,
    pub client_secret: String,
    pub token_url: Url,
    pub tokens: RefCell<OAuthTokens>,
}

#[derive(Clone, Default, PartialEq, Eq)]
pub struct OAuthTokens {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// Whether the token endpoint handed out a new refresh token since
    /// `configure` (the host must then store it: Bitbucket expires the old one).
    pub rotated: bool,
}

impl OAuth {
    /// `Basic base64(client_id:client_secret)`, how the consumer authenticates
    /// to the token endpoint.
    pub fn client_authorization(&self) -> String {
        format!("Basic {}", base64_encode(format!("{}:{}", self.client_id, self.client_secret).as_bytes()))
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiToken { .. } => f.write_str("ApiToken { email: [redacted], token: [redacted] }"),
            Auth::Bearer { .. } => f.write_str("Bearer { token: [redacted] }"),
            Auth::Basic { .. } => f.write_str("Basic { username: [redacted], password: [redacted] }"),
            Auth::OAuth(_) => f.write_str("OAuth { [redacted] }"),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("product", &self.product.as_str())
            .field("endpoint", &self.endpoint.as_str())
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("max_requests_per_hour", &self.max_requests_per_hour)
            .field("concurrency", &self.concurrency)
            .field("on_invalid_object", &self.on_invalid_object)
            .finish()
    }
}

impl Auth {
    /// The `Authorization` header value; `None` for OAuth before a token
    /// has been fetched.
    pub fn header_value(&self) -> Option<String> {
        match self {
            Auth::ApiToken { email: user, token: password } | Auth::Basic { username: user, password } => {
                Some(format!("Basic {}", base64_encode(format!("{user}:{password}").as_bytes())))
            }
            Auth::Bearer { token } => Some(format!("Bearer {token}")),
            Auth::OAuth(oauth) => oauth.tokens.borrow().access_token.as_ref().map(|t| format!("Bearer {t}")),
        }
    }

    /// Every string that must never appear in output: the raw secrets and the
    /// header values derived from them, as they are now (OAuth tokens change).
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = self.header_value().into_iter().collect();
        match self {
            Auth::ApiToken { token, .. } | Auth::Bearer { token } | Auth::Basic { password: token, .. } => {
                secrets.push(token.clone())
            }
            Auth::OAuth(oauth) => {
                let tokens = oauth.tokens.borrow();
                secrets.extend([oauth.client_secret.clone(), oauth.client_authorization()]);
                secrets.extend(tokens.access_token.iter().chain(&tokens.refresh_token).cloned());
            }
        }
        secrets
    }
}

const APP_PASSWORD_REMOVED: &str = "Bitbucket app passwords were removed by Atlassian on 2026-07-28 \
and no longer authenticate. Create an API token with scopes at id.atlassian.com and use \
{\"type\": \"api-token\", \"email\": \"<your Atlassian account email>\", \"token\": \"<token>\"}, \
or use a repository, project or workspace access token with {\"type\": \"bearer\", \"token\": \"<token>\"}";

impl Config {
    /// The Data Center instance the configuration reads, by its base URL's
    /// host, port and context path (`git.example.com/bitbucket`): where
    /// Cloud's rows name a workspace, Data Center's name the instance.
    pub fn instance(&self) -> String {
        let host = self.endpoint.host_str().unwrap_or_default();
        let port = self.endpoint.port().map(|p| format!(":{p}")).unwrap_or_default();
        let path = self.endpoint.path().trim_end_matches('/');
        format!("{host}{port}{}", path.strip_suffix("/rest").unwrap_or(path))
    }

    /// Parses and validates a configuration document.
    pub fn parse(json: &str) -> Result<Config> {
        // From bytes, like every page: one instance of serde_json's parser
        // in the component, not two.
        let value: Value = serde_json::from_slice(json.as_bytes()).map_err(|e| {
            Error::new(
                crate::error::ErrorCode::InvalidConfig,
                format!("the configuration is not valid JSON ({e}); expected an object like {{\"endpoint\": \"{DEFAULT_ENDPOINT}\", \"auth\": {{\"type\": \"api-token\", \"email\": \"...\", \"token\": \"...\"}}}}"),
            )
        })?;
        let Value::Object(root) = value else {
            return Err(Error::config("(root)", "expected a JSON object"));
        };
        reject_unknown(
            &root,
            "",
            &["product", "endpoint", "auth", "retries", "timeouts", "max_requests_per_hour", "concurrency", "on_invalid_object"],
        )?;

        let product = match root.get(connector_vocabulary::PRODUCT) {
            None | Some(Value::Null) => Some(Product::Cloud),
            Some(Value::String(s)) => Product::from_wit_name(s),
            Some(_) => None,
        };
        let Some(product) = product else {
            return Err(Error::config("product", "expected \"cloud\" (the default) or \"data-center\""));
        };
        let endpoint = match (root.get("endpoint"), product) {
            (None | Some(Value::Null), Product::Cloud) => DEFAULT_ENDPOINT,
            (None | Some(Value::Null), Product::DataCenter) => return Err(Error::config("endpoint", DC_ENDPOINT)),
            (Some(Value::String(s)), _) => s.as_str(),
            (Some(_), _) => return Err(Error::config("endpoint", "expected a string URL")),
        };
        let mut endpoint = parse_endpoint(endpoint)?;
        if product == Product::DataCenter {
            // The REST APIs are under the instance's `/rest`.
            let path = format!("{}/rest", endpoint.path().trim_end_matches('/'));
            endpoint.set_path(&path);
        }

        let auth = match root.get("auth") {
            None | Some(Value::Null) => {
                return Err(Error::config(
                    "auth",
                    "missing; give {\"type\": \"api-token\", \"email\": ..., \"token\": ...} or {\"type\": \"bearer\", \"token\": ...}",
                ))
            }
            Some(Value::Object(auth)) => parse_auth(auth, product)?,
            Some(_) => return Err(Error::config("auth", "expected an object")),
        };
        let mut retry = RetryPolicy::default();
        if let Some(retries) = object(&root, "retries")? {
            reject_unknown(retries, "retries.", &["max_attempts", "max_wait_seconds"])?;
            if let Some(n) = number(retries, "retries.", "max_attempts", 1, 20)? {
                retry.max_attempts = n as u32;
            }
            if let Some(n) = number(retries, "retries.", "max_wait_seconds", 0, 3600)? {
                retry.max_total_wait = Duration::from_secs(n);
            }
        }
        let mut timeouts = Timeouts::default();
        if let Some(t) = object(&root, "timeouts")? {
            reject_unknown(t, "timeouts.", &["connect_seconds", "first_byte_seconds", "between_bytes_seconds"])?;
            for (key, slot) in [
                ("connect_seconds", &mut timeouts.connect),
                ("first_byte_seconds", &mut timeouts.first_byte),
                ("between_bytes_seconds", &mut timeouts.between_bytes),
            ] {
                if let Some(n) = number(t, "timeouts.", key, 1, 3600)? {
                    *slot = Duration::from_secs(n);
                }
            }
        }
        let max_requests_per_hour = number(&root, "", "max_requests_per_hour", 1, 1_000_000)?.map(|n| n as u32);
        let concurrency =
            number(&root, "", "concurrency", 1, MAX_CONCURRENCY as u64)?.map_or(DEFAULT_CONCURRENCY, |n| n as usize);
        let on_invalid_object = match root.get("on_invalid_object") {
            None | Some(Value::Null) => OddObjects::Fail,
            Some(Value::String(s)) if s == "error" => OddObjects::Fail,
            Some(Value::String(s)) if s == "skip" => OddObjects::Skip,
            Some(_) => {
                return Err(Error::config(
                    "on_invalid_object",
                    "expected \"error\" (the default: fail the run on an object it cannot read) or \"skip\" (leave it out and count it)",
                ))
            }
        };
        Ok(Config { product, endpoint, auth, retry, timeouts, max_requests_per_hour, concurrency, on_invalid_object })
    }
}

fn object<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Map<String, Value>>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(_) => Err(Error::config(key, "expected an object")),
    }
}

fn number(obj: &Map<String, Value>, prefix: &str, key: &str, min: u64, max: u64) -> Result<Option<u64>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Error::config(&format!("{prefix}{key}"), format!("expected a whole number from {min} to {max}"))),
        },
    }
}

fn parse_endpoint(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        Error::config(
            "endpoint",
            // The raw value is not echoed: it might carry credentials.
            format!("not an absolute URL ({e}); e.g. {DEFAULT_ENDPOINT}"),
        )
    })?;
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(Error::config(
            "endpoint",
            "plain http would send the credentials unencrypted; use https (http is allowed for 127.0.0.1 and localhost only)",
        ));
    }
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(Error::config("endpoint", format!("scheme `{}` is not supported; use https", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config("endpoint", "the URL has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config("endpoint", "must not carry credentials; put them in `auth`"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config("endpoint", "must not have a query or fragment"));
    }
    // Normalise: no trailing slash, so report paths can be appended.
    let mut url = url;
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

const DC_ENDPOINT: &str = "missing; Bitbucket Data Center needs the instance's base URL, \
with its context path if it has one, e.g. \"https://git.example.com\" or \"https://git.example.com/bitbucket\"";

const DC_AUTH: &str = "Bitbucket Data Center takes an HTTP access token (personal, project or repository) \
as {\"type\": \"bearer\", \"token\": \"<token>\"}, or a username with a password or personal token as \
{\"type\": \"basic\", \"username\": \"<username>\", \"password\": \"<password or token>\"}";

/// `auth` for Data Center: bearer or basic.
fn parse_dc_auth(auth: &Map<String, Value>) -> Result<Auth> {
    match auth.get("type").and_then(Value::as_str) {
        Some("bearer") => {
            reject_unknown(auth, "auth.", &["type", "token"])?;
            Ok(Auth::Bearer { token: required_string(auth, "auth.", "token")? })
        }
        Some("basic") => {
            reject_unknown(auth, "auth.", &["type", "username", "password"])?;
            let username = required_string(auth, "auth.", "username")?;
            Ok(Auth::Basic { username, password: required_string(auth, "auth.", "password")? })
        }
        _ => Err(Error::config("auth.type", DC_AUTH)),
    }
}

fn parse_auth(auth: &Map<String, Value>, product: Product) -> Result<Auth> {
    if product == Product::DataCenter {
        return parse_dc_auth(auth);
    }
    let kind = match auth.get("type") {
        Some(Value::String(s)) => s.as_str(),
        // Old configs often had {"username": ..., "app_password": ...} without a type.
        None if auth.contains_key("app_password") || auth.contains_key("password") => "app-password",
        None => return Err(Error::config("auth.type", "missing; use \"api-token\" or \"bearer\"")),
        Some(_) => return Err(Error::config("auth.type", "expected a string: \"api-token\" or \"bearer\"")),
    };
    match kind {
        "api-token" => {
            reject_unknown(auth, "auth.", &["type", "email", "token"])?;
            let email = required_string(auth, "auth.", "email")?;
            if !email.contains('@') {
                return Err(Error::config("auth.email", "expected the Atlassian account email the API token belongs to"));
            }
            let token = required_string(auth, "auth.", "token")?;
            Ok(Auth::ApiToken { email, token })
        }
        "bearer" | "access-token" => {
            reject_unknown(auth, "auth.", &["type", "token"])?;
            Ok(Auth::Bearer { token: required_string(auth, "auth.", "token")? })
        }
        "oauth" => parse_oauth(auth),
        "app-password" | "app_password" => Err(Error::config("auth", APP_PASSWORD_REMOVED)),
        // Basic with a username and password is how app passwords were sent.
        "basic" if is_app_password(auth) => Err(Error::config("auth", APP_PASSWORD_REMOVED)),
        other => Err(Error::config(
            "auth.type",
            format!("`{other}` is not supported; use \"api-token\" (account email + API token) or \"bearer\" (access token)"),
        )),
    }
}

const OAUTH_FIELDS: &[&str] = &["type", "client_id", "client_secret", "refresh_token", "access_token", "token_url"];

fn parse_oauth(auth: &Map<String, Value>) -> Result<Auth> {
    reject_unknown(auth, "auth.", OAUTH_FIELDS)?;
    let optional = |key: &str| match auth.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Some(_) => Err(Error::config(&format!("auth.{key}"), "expected a non-empty string")),
    };
    let token_url = match optional("token_url")? {
        None => Url::parse(DEFAULT_TOKEN_URL).expect("the default token URL parses"),
        Some(raw) => match Url::parse(&raw) {
            Ok(url) if url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url)) => url,
            _ => {
                return Err(Error::config("auth.token_url", "not an absolute https URL (http only for 127.0.0.1 and localhost)"))
            }
        },
    };
    Ok(Auth::OAuth(Rc::new(OAuth {
        client_id: required_string(auth, "auth.", "client_id")?,
        client_secret: required_string(auth, "auth.", "client_secret")?,
        token_url,
        tokens: RefCell::new(OAuthTokens {
            access_token: optional("access_token")?,
            refresh_token: optional("refresh_token")?,
            rotated: false,
        }),
    })))
}

/// Loopback hosts, where plain http cannot be sniffed off the network.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(crate::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(crate::url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(crate::url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

fn is_app_password(auth: &Map<String, Value>) -> bool {
    auth.contains_key("app_password") || auth.contains_key("password") || auth.contains_key("username")
}

fn required_string(obj: &Map<String, Value>, prefix: &str, key: &str) -> Result<String> {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Value::String(_)) => Err(Error::config(&format!("{prefix}{key}"), "must not be empty")),
        None | Some(Value::Null) => Err(Error::config(&format!("{prefix}{key}"), "missing")),
        Some(_) => Err(Error::config(&format!("{prefix}{key}"), "expected a string")),
    }
}

fn reject_unknown(obj: &Map<String, Value>, prefix: &str, allowed: &[&str]) -> Result<()> {
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            if key == "app_password" || key == "password" {
                return Err(Error::config(&format!("{prefix}{key}"), APP_PASSWORD_REMOVED));
            }
            return Err(Error::config(
                &format!("{prefix}{key}"),
                format!("unknown field; expected one of: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Standard base64 (RFC 4648) with padding, for the Basic auth header.
pub fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn err(json: &str) -> Error {
        Config::parse(json).expect_err("config should be rejected")
    }

    #[test]
    fn api_token_config_with_default_endpoint() {
        let c = Config::parse(r#"{"auth":{"type":"api-token","email":"a@b.c","token":"t0k"}}"#).unwrap();
        assert_eq!(c.endpoint.as_str(), "https://api.bitbucket.org/2.0");
        assert_eq!(c.auth, Auth::ApiToken { email: "a@b.c".into(), token: "t0k".into() });
        assert_eq!(c.auth.header_value().unwrap(), format!("Basic {}", base64_encode(b"a@b.c:t0k")));
    }

    #[test]
    fn data_center_reads_under_the_instances_rest_with_bearer_or_basic() {
        let c = Config::parse(
            r#"{"product":"data-center","endpoint":"https://git.example.com/bitbucket/","auth":{"type":"bearer","token":"pat"}}"#,
        )
        .unwrap();
        assert_eq!((c.product, c.endpoint.as_str()), (Product::DataCenter, "https://git.example.com/bitbucket/rest"));
        assert_eq!(c.instance(), "git.example.com/bitbucket");
        assert_eq!(c.auth.header_value().unwrap(), "Bearer pat");
        let c = Config::parse(r#"{"product":"data-center","endpoint":"http://127.0.0.1:7990","auth":{"type":"basic","username":"jsmith","password":"pw"}}"#).unwrap();
        assert_eq!(c.endpoint.as_str(), "http://127.0.0.1:7990/rest");
        assert_eq!(c.instance(), "127.0.0.1:7990");
        assert_eq!(c.auth.header_value().unwrap(), format!("Basic {}", base64_encode(b"jsmith:pw")));
        assert_eq!(c.auth.secrets(), [format!("Basic {}", base64_encode(b"jsmith:pw")), "pw".to_string()]);
        assert_eq!(format!("{:?}", c.auth), "Basic { username: [redacted], password: [redacted] }");
        assert_eq!(Config::parse(r#"{"auth":{"type":"bearer","token":"x"}}"#).unwrap().product, Product::Cloud);
    }

    #[test]
    fn data_center_configs_that_cannot_work_say_what_to_write() {
        let cases = [
            (
                r#"{"product":"server","auth":{"type":"bearer","token":"x"}}"#,
                "product",
                "expected \"cloud\" (the default) or \"data-center\"",
            ),
            (r#"{"product":"data-center","auth":{"type":"bearer","token":"x"}}"#, "endpoint", DC_ENDPOINT),
            (
                r#"{"product":"data-center","endpoint":"http://git.example.com","auth":{"type":"bearer","token":"x"}}"#,
                "endpoint",
                "",
            ),
            (
                r#"{"product":"data-center","endpoint":"https://git.example.com","auth":{"type":"api-token","email":"a@b.c","token":"x"}}"#,
                "auth.type",
                DC_AUTH,
            ),
            (
                r#"{"product":"data-center","endpoint":"https://git.example.com","auth":{"type":"basic","username":"u"}}"#,
                "auth.password",
                "",
            ),
            (
                r#"{"product":"data-center","endpoint":"https://git.example.com","auth":{"type":"basic","username":"u","password":"p","email":"e"}}"#,
                "auth.email",
                "",
            ),
        ];
        for (json, field, says) in cases {
            let e = err(json);
            assert_eq!(e.code, ErrorCode::InvalidConfig, "{json}");
            assert!(e.message.contains(&format!("`{field}`")), "{json}: {}", e.message);
            assert!(e.message.contains(says), "{json}: {}", e.message);
        }
        // On Cloud, basic is still an app password.
        let e = err(r#"{"auth":{"type":"basic","username":"u","password":"p"}}"#);
        assert!(e.message.contains("app passwords were removed"), "{}", e.message);
    }

    #[test]
    fn endpoint_with_and_without_prefix_is_normalised() {
        let c = Config::parse(r#"{"endpoint":"http://127.0.0.1:8080/2.0/","auth":{"type":"bearer","token":"x"}}"#).unwrap();
        assert_eq!(c.endpoint.as_str(), "http://127.0.0.1:8080/2.0");
        let c = Config::parse(r#"{"endpoint":"http://127.0.0.1:8080","auth":{"type":"bearer","token":"x"}}"#).unwrap();
        assert_eq!(c.endpoint.path(), "/");
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{}"#, "`auth`"),
            (r#"{"endpoint":"not a url","auth":{"type":"bearer","token":"x"}}"#, "`endpoint`"),
            (r#"{"endpoint":"http://api.example.com/2.0","auth":{"type":"bearer","token":"x"}}"#, "`endpoint`"),
            (r#"{"endpoint":"ftp://h/2.0","auth":{"type":"bearer","token":"x"}}"#, "`endpoint`"),
            (r#"{"endpoint":"https://u:p@h/2.0","auth":{"type":"bearer","token":"x"}}"#, "`endpoint`"),
            (r#"{"auth":{"type":"api-token","token":"x"}}"#, "`auth.email`"),
            (r#"{"auth":{"type":"api-token","email":"nope","token":"x"}}"#, "`auth.email`"),
            (r#"{"auth":{"type":"bearer","token":""}}"#, "`auth.token`"),
            (r#"{"auth":{"type":"kerberos"}}"#, "`auth.type`"),
            (r#"{"auth":{"type":"bearer","token":"x"},"endpiont":"x"}"#, "`endpiont`"),
            (r#"[1]"#, "`(root)`"),
        ];
        for (json, field) in cases {
            let e = err(json);
            assert_eq!(e.code, ErrorCode::InvalidConfig, "{json}");
            assert!(e.message.contains(field), "{json}: {}", e.message);
        }
    }

    #[test]
    fn app_passwords_are_refused_with_what_to_use_instead() {
        for json in [
            r#"{"auth":{"type":"app-password","username":"u","app_password":"SECRETPW"}}"#,
            r#"{"auth":{"username":"u","app_password":"SECRETPW"}}"#,
            r#"{"auth":{"type":"basic","username":"u","password":"SECRETPW"}}"#,
        ] {
            let e = err(json);
            assert_eq!(e.code, ErrorCode::InvalidConfig);
            assert!(e.message.contains("2026-07-28"), "{}", e.message);
            assert!(e.message.contains("api-token"), "{}", e.message);
            assert!(!e.message.contains("SECRETPW"));
        }
    }

    #[test]
    fn retries_timeouts_and_budget_are_read_and_bounded() {
        let c = Config::parse(
            r#"{"auth":{"type":"bearer","token":"x"},"retries":{"max_attempts":3,"max_wait_seconds":20},
                "timeouts":{"connect_seconds":2},"max_requests_per_hour":900,"concurrency":3}"#,
        )
        .unwrap();
        assert_eq!(c.concurrency, 3);
        let defaults = Config::parse(r#"{"auth":{"type":"bearer","token":"x"}}"#).unwrap();
        assert_eq!(defaults.concurrency, DEFAULT_CONCURRENCY);
        assert_eq!((c.retry.max_attempts, c.retry.max_total_wait), (3, Duration::from_secs(20)));
        assert_eq!(c.timeouts.connect, Duration::from_secs(2));
        assert_eq!(c.timeouts.first_byte, Timeouts::default().first_byte);
        assert_eq!(c.max_requests_per_hour, Some(900));
        assert_eq!(defaults.on_invalid_object, OddObjects::Fail);
        let skip = Config::parse(r#"{"auth":{"type":"bearer","token":"x"},"on_invalid_object":"skip"}"#).unwrap();
        assert_eq!(skip.on_invalid_object, OddObjects::Skip);
        let error = Config::parse(r#"{"auth":{"type":"bearer","token":"x"},"on_invalid_object":"error"}"#).unwrap();
        assert_eq!(error.on_invalid_object, OddObjects::Fail);
        for (json, field) in [
            (r#"{"auth":{"type":"bearer","token":"x"},"retries":{"max_attempts":0}}"#, "`retries.max_attempts`"),
            (r#"{"auth":{"type":"bearer","token":"x"},"timeouts":{"connect_seconds":"10"}}"#, "`timeouts.connect_seconds`"),
            (r#"{"auth":{"type":"bearer","token":"x"},"max_requests_per_hour":-5}"#, "`max_requests_per_hour`"),
            (r#"{"auth":{"type":"bearer","token":"x"},"concurrency":0}"#, "`concurrency`"),
            (r#"{"auth":{"type":"bearer","token":"x"},"concurrency":33}"#, "`concurrency`"),
            (r#"{"auth":{"type":"bearer","token":"x"},"timeouts":{"read":1}}"#, "`timeouts.read`"),
            (r#"{"auth":{"type":"bearer","token":"x"},"on_invalid_object":"drop"}"#, "`on_invalid_object`"),
        ] {
            let e = err(json);
            assert!(e.message.contains(field), "{json}: {}", e.message);
        }
    }

    #[test]
    fn malformed_json_is_a_typed_error() {
        assert_eq!(err("{\"auth\":").code, ErrorCode::InvalidConfig);
    }

    #[test]
    fn debug_never_prints_secrets() {
        let c = Config::parse(r#"{"auth":{"type":"api-token","email":"a@b.c","token":"SUPERSECRET"}}"#).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("SUPERSECRET") && !shown.contains("a@b.c"), "{shown}");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, expected) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64_encode(input.as_bytes()), expected);
        }
    }
}
