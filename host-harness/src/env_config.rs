//! Secrets from the environment, resolved by the host before the component
//! sees the configuration (the component itself has no environment).
//!
//! - In a config file, `auth.<field>_env` names the variable holding
//!   `auth.<field>` (e.g. `"token_env": "BITBUCKET_API_TOKEN"`), for the
//!   secret and identity fields: `email`, `token`, `client_id`,
//!   `client_secret`, `refresh_token`, `access_token`.
//! - With no config file at all, the standard variables make one:
//!   `BITBUCKET_EMAIL` + `BITBUCKET_API_TOKEN` (an API token), or
//!   `BITBUCKET_ACCESS_TOKEN` (a bearer token); `BITBUCKET_ENDPOINT` is
//!   optional.

use anyhow::{bail, Context as _};
use serde_json::{json, Map, Value};

/// The `auth` fields that may come from the environment.
use connector_vocabulary::auth::FROM_ENV;

/// The standard variables for a run without a config file.
pub const EMAIL: &str = "BITBUCKET_EMAIL";
pub const API_TOKEN: &str = "BITBUCKET_API_TOKEN";
pub const ACCESS_TOKEN: &str = "BITBUCKET_ACCESS_TOKEN";
pub const ENDPOINT: &str = "BITBUCKET_ENDPOINT";

/// Replaces every `auth.<field>_env` of `config` with `auth.<field>`, read
/// from the variable it names. Errors name the variable, never a value.
pub fn resolve(config: &str, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let mut value: Value = serde_json::from_str(config).context("the configuration is not valid JSON")?;
    let Some(auth) = value.get_mut("auth").and_then(Value::as_object_mut) else {
        return Ok(config.to_string());
    };
    let mut resolved = Map::new();
    for field in FROM_ENV {
        let key = format!("{field}_env");
        let Some(name) = auth.remove(&key) else {
            continue;
        };
        let Some(name) = name.as_str().filter(|n| !n.is_empty()) else {
            bail!("auth.{key} must be the name of an environment variable");
        };
        if auth.contains_key(field) {
            bail!("give auth.{field} or auth.{key}, not both");
        }
        match var(name) {
            Some(v) if !v.trim().is_empty() => {
                resolved.insert(field.to_string(), Value::String(v.trim().to_string()));
            }
            _ => bail!(
                "auth.{key} names the environment variable {name}, which is not set (or empty); export it or put auth.{field} in the file"
            ),
        }
    }
    if resolved.is_empty() {
        return Ok(config.to_string());
    }
    auth.extend(resolved);
    Ok(value.to_string())
}

/// A configuration made from the standard variables, for runs without a
/// config file.
pub fn from_standard_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let auth = match (get(EMAIL), get(API_TOKEN), get(ACCESS_TOKEN)) {
        (Some(_), Some(_), Some(_)) => {
            bail!("both {API_TOKEN} and {ACCESS_TOKEN} are set; unset one")
        }
        (Some(_), Some(_), None) => {
            json!({"type": "api-token", "email_env": EMAIL, "token_env": API_TOKEN})
        }
        (None, Some(_), None) => bail!("{API_TOKEN} is set but {EMAIL} is not: an API token is sent with its Atlassian account email"),
        (_, None, Some(_)) => json!({"type": "bearer", "token_env": ACCESS_TOKEN}),
        _ => bail!(
            "no --config given and no credentials in the environment: set {EMAIL} and {API_TOKEN} (an Atlassian API token), or {ACCESS_TOKEN} (an access token), or pass --config FILE"
        ),
    };
    let mut config = json!({ "auth": auth });
    if let Some(endpoint) = get(ENDPOINT) {
        config["endpoint"] = Value::String(endpoint);
    }
    resolve(&config.to_string(), var)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn named_variables_fill_the_auth_fields() {
        let config = r#"{"endpoint":"https://api.bitbucket.org/2.0","auth":{"type":"api-token","email_env":"MY_EMAIL","token_env":"MY_TOKEN"}}"#;
        let resolved = resolve(config, vars(&[("MY_EMAIL", "a@b.c"), ("MY_TOKEN", " s3cret\n")])).unwrap();
        let value: Value = serde_json::from_str(&resolved).unwrap();
        assert_eq!(value["auth"], json!({"type": "api-token", "email": "a@b.c", "token": "s3cret"}));
        assert_eq!(value["endpoint"], "https://api.bitbucket.org/2.0");
        let untouched = r#"{"auth":{"type":"bearer","token":"t"}}"#;
        assert_eq!(resolve(untouched, vars(&[])).unwrap(), untouched);
    }

    #[test]
    fn a_missing_variable_or_a_conflict_is_an_error_naming_it() {
        let e = resolve(r#"{"auth":{"token_env":"NOPE"}}"#, vars(&[])).unwrap_err();
        assert!(e.to_string().contains("NOPE"), "{e}");
        let e = resolve(r#"{"auth":{"token":"x","token_env":"T"}}"#, vars(&[("T", "SECRETVALUE")])).unwrap_err();
        assert!(e.to_string().contains("not both"), "{e}");
        assert!(!e.to_string().contains("SECRETVALUE"));
        assert!(resolve(r#"{"auth":{"token_env":7}}"#, vars(&[])).is_err());
    }

    #[test]
    fn the_standard_variables_make_a_configuration() {
        let api = from_standard_vars(vars(&[(EMAIL, "a@b.c"), (API_TOKEN, "tok")])).unwrap();
        let api: Value = serde_json::from_str(&api).unwrap();
        assert_eq!(api, json!({"auth": {"type": "api-token", "email": "a@b.c", "token": "tok"}}));
        let bearer = from_standard_vars(vars(&[(ACCESS_TOKEN, "at"), (ENDPOINT, "http://127.0.0.1:9/2.0")])).unwrap();
        let bearer: Value = serde_json::from_str(&bearer).unwrap();
        assert_eq!(bearer, json!({"auth": {"type": "bearer", "token": "at"}, "endpoint": "http://127.0.0.1:9/2.0"}));
        for missing in [vec![], vec![(API_TOKEN, "tok")]] {
            let e = from_standard_vars(vars(&missing)).unwrap_err();
            assert!(e.to_string().contains(EMAIL), "{e}");
        }
        let both = [(EMAIL, "a"), (API_TOKEN, "b"), (ACCESS_TOKEN, "c")];
        assert!(from_standard_vars(vars(&both)).is_err());
    }
}
