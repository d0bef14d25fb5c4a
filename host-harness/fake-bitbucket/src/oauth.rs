//! Bitbucket's OAuth 2.0 token endpoint (`POST /site/oauth2/access_token`,
//! at the server's root): the refresh-token and client-credentials grants,
//! with refresh-token rotation as Bitbucket does it (the old refresh token
//! stops working once used).

use crate::faults::Reply;
use crate::util::base64_decode;
use std::sync::Mutex;

/// Token endpoint path, outside the API prefix as on bitbucket.org.
pub const TOKEN_PATH: &str = "/site/oauth2/access_token";

/// An OAuth consumer the fake accepts.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    /// The refresh token valid at start.
    pub refresh_token: String,
}

#[derive(Default)]
pub(crate) struct TokenState {
    state: Mutex<Issued>,
}

#[derive(Default)]
struct Issued {
    /// The one refresh token that works now (rotated on every use).
    refresh_token: Option<String>,
    access_tokens: Vec<String>,
    count: usize,
}

impl TokenState {
    pub fn new(client: Option<&OAuthClient>) -> TokenState {
        let issued = Issued { refresh_token: client.map(|c| c.refresh_token.clone()), ..Issued::default() };
        TokenState { state: Mutex::new(issued) }
    }

    /// Whether `token` is an access token this endpoint issued.
    pub fn accepts(&self, token: &str) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).access_tokens.iter().any(|t| t == token)
    }

    /// Answers one token request.
    pub fn grant(&self, client: Option<&OAuthClient>, authorization: Option<&str>, body: &str) -> Reply {
        let error = |status: u16, code: &str, description: &str| {
            Reply::json(status, serde_json::json!({"error": code, "error_description": description}).to_string())
        };
        let Some(client) = client else {
            return error(400, "invalid_client", "No OAuth consumers are configured.");
        };
        let presented = authorization
            .and_then(|h| h.strip_prefix("Basic "))
            .and_then(|b| base64_decode(b.trim()))
            .and_then(|raw| String::from_utf8(raw).ok());
        if presented.as_deref() != Some(&format!("{}:{}", client.client_id, client.client_secret)) {
            return error(400, "invalid_client", "Invalid OAuth client credentials");
        }
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        let field = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let mut issued = self.state.lock().unwrap_or_else(|e| e.into_inner());
        issued.count += 1;
        let n = issued.count;
        let access_token = format!("oauth-access-{n}");
        let refresh_token = match field("grant_type") {
            Some("refresh_token") => {
                if field("refresh_token").is_none() || field("refresh_token") != issued.refresh_token.as_deref() {
                    return error(400, "invalid_grant", "Invalid refresh_token");
                }
                let rotated = format!("oauth-refresh-{n}");
                issued.refresh_token = Some(rotated.clone());
                Some(rotated)
            }
            Some("client_credentials") => None,
            _ => return error(400, "unsupported_grant_type", "Unsupported grant type"),
        };
        issued.access_tokens.push(access_token.clone());
        let mut answer = serde_json::json!({
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": 7200,
            "scopes": "repository pullrequest account",
        });
        if let Some(refresh_token) = refresh_token {
            answer["refresh_token"] = refresh_token.into();
        }
        Reply::json(200, answer.to_string())
    }
}
