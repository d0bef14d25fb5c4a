//! Authentication of API requests: `Basic base64(email:api_token)` or
//! `Bearer <access token>` against the fake's [`Credentials`] (access tokens
//! the OAuth endpoint issued are checked in `server.rs`, by `oauth.rs`).

use crate::api::ApiError;
use crate::util::base64_decode;
use crate::Credentials;

const INVALID_TOKEN: &str = "Token is invalid, expired, or not supported for this endpoint.";

/// `Basic base64(email:api_token)` or `Bearer <access token>`; scheme names are
/// case-insensitive. An API token sent as Bearer is rejected, as on Bitbucket.
pub(crate) fn authenticate(credentials: &Credentials, header: Option<&str>) -> Result<(), ApiError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty());
    let Some(header) = header else {
        return Err(ApiError::new(401, "Authentication required"));
    };
    let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
    let value = value.trim();
    let ok = if scheme.eq_ignore_ascii_case("basic") {
        base64_decode(value)
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| {
                pair.split_once(':').map(|(user, password)| user == credentials.email && password == credentials.api_token)
            })
            .unwrap_or(false)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        credentials.bearer_tokens.iter().any(|t| t == value)
    } else {
        false
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(401, INVALID_TOKEN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::base64_encode;

    #[test]
    fn authentication_rules() {
        let c = Credentials::default();
        let basic = format!("Basic {}", base64_encode(b"demo@example.com:demo-api-token"));
        assert!(authenticate(&c, Some(&basic)).is_ok());
        assert!(authenticate(&c, Some("bearer demo-access-token")).is_ok());
        assert_eq!(authenticate(&c, None).unwrap_err().message, "Authentication required");
        for bad in [
            "Bearer demo-api-token".to_string(),
            "Bearer".to_string(),
            format!("Basic {}", base64_encode(b"demo@example.com:wrong")),
            format!("Basic {}", base64_encode(b"other@example.com:demo-api-token")),
            "Basic !!!".to_string(),
            "Token demo-access-token".to_string(),
        ] {
            let e = authenticate(&c, Some(&bad)).unwrap_err();
            assert_eq!((e.status, e.message.as_str()), (401, INVALID_TOKEN), "{bad}");
        }
    }
}
