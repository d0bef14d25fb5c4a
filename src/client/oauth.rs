//! OAuth 2.0: the access token obtained (refresh-token grant, or client
//! credentials) before the first request and renewed once on a 401; a
//! rotated refresh token is kept for later requests and for the host.

use super::envelope::truncate;
use super::transport::Transport;
use super::Client;
use crate::config::{Auth, OAuth};
use crate::error::{Error, ErrorCode, Result};
use crate::retry::with_retries;
use serde_json::Value;
use std::rc::Rc;

impl<T: Transport> Client<T> {
    pub(super) fn oauth(&self) -> Option<Rc<OAuth>> {
        match &self.auth {
            Auth::OAuth(oauth) => Some(oauth.clone()),
            _ => None,
        }
    }

    /// Gets a new OAuth access token: the refresh-token grant when there is
    /// a refresh token, else client credentials. Keeps a rotated refresh
    /// token for later requests and for the host.
    pub(super) fn refresh_oauth(&mut self) -> Result<()> {
        let Some(oauth) = self.oauth() else {
            return Ok(());
        };
        let refresh_token = oauth.tokens.borrow().refresh_token.clone();
        let body = match &refresh_token {
            Some(token) => crate::url::form_urlencoded(&[("grant_type", "refresh_token"), ("refresh_token", token)]),
            None => crate::url::form_urlencoded(&[("grant_type", "client_credentials")]),
        };
        let client = oauth.client_authorization();
        let headers = [
            ("authorization", client.as_str()),
            ("accept", "application/json"),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let answer = with_retries(self, 1, |client, _| { client.pace(1); vec![(|| {
            let response = client.transport.post(&oauth.token_url, &headers, body.as_bytes()).map_err(|e| client.scrub(e))?;
            let answer: Option<Value> = serde_json::from_slice(&response.body).ok();
            if (200..300).contains(&response.status) {
                return Ok(answer);
            }
            let said = |key: &str| answer.as_ref().and_then(|a| a.get(key)).and_then(Value::as_str).map(str::to_string);
            let said = said("error_description").or_else(|| said("error")).unwrap_or_else(|| "no reason given".into());
            let said = truncate(&client.scrub_text(&said), 200);
            let status = response.status;
            // Like the API: a rate limit or a server failure is worth another try.
            if status == 429 || status >= 500 {
                let code = if status == 429 { ErrorCode::RateLimited } else { ErrorCode::Upstream };
                let message = format!("the OAuth token endpoint answered HTTP {status} ({said})");
                return Err(Error::new(code, message).with_status(status).retryable());
            }
            let message = format!(
                "the OAuth token endpoint refused to issue an access token (HTTP {status}: {said}). Check auth.client_id and auth.client_secret, and that auth.refresh_token is the newest one: Bitbucket rotates refresh tokens."
            );
            Err(Error::new(ErrorCode::Unauthorized, message).with_status(status))
        })()] }).pop().expect("one answer")?;
        let field = |key: &str| answer.as_ref().and_then(|a| a.get(key)).and_then(Value::as_str).map(str::to_string);
        let access_token = field("access_token")
            .ok_or_else(|| Error::invalid_response("the OAuth token endpoint answered without an access_token"))?;
        let mut tokens = oauth.tokens.borrow_mut();
        self.retired_secrets.extend(tokens.access_token.iter().chain(&tokens.refresh_token).cloned());
        tokens.access_token = Some(access_token);
        self.renewals += 1;
        if let Some(rotated) = field("refresh_token").filter(|t| Some(t) != tokens.refresh_token.as_ref()) {
            tokens.refresh_token = Some(rotated);
            tokens.rotated = true;
        }
        Ok(())
    }
}
