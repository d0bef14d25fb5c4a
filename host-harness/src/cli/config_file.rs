//! The configuration a run uses: read from `--config FILE` (secrets named by
//! `*_env` fields resolved from the environment, `ca_file` taken out for the
//! host) or made from the standard variables, the session it opens, and a
//! rotated OAuth refresh token written back.

use crate::env_config;
use crate::output::terminal::printable;
use crate::{Host, Product, Session, Trust};
use anyhow::Context as _;
use connector_vocabulary::auth;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `auth.refresh_token_env`: the variable naming the refresh token.
const REFRESH_TOKEN_ENV: &str = "refresh_token_env";

/// `ca_file`: a PEM file of certificate authorities the host trusts besides
/// the system's (a private CA). The host's setting: the component never sees it.
pub const CA_FILE: &str = "ca_file";

/// A configuration ready for `configure`, and where it came from.
pub struct LoadedConfig {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// The file's text as written (before secrets were resolved).
    pub file_text: String,
    /// The configuration with every secret resolved, for the component.
    pub resolved: String,
    /// The file's `ca_file`, relative to the file's folder.
    pub ca_file: Option<PathBuf>,
}

impl LoadedConfig {
    /// The product the configuration reads (its `product`; Cloud unless
    /// it says `"data-center"`: the component refuses anything else).
    pub fn product(&self) -> Product {
        let value: Value = serde_json::from_str(&self.resolved).unwrap_or_default();
        match value[connector_vocabulary::PRODUCT].as_str() {
            Some(name) if name == connector_vocabulary::Product::DataCenter.as_str() => Product::DataCenter,
            _ => Product::Cloud,
        }
    }
}

/// Reads `path`, or makes a configuration from the standard variables.
pub fn load(path: Option<PathBuf>) -> anyhow::Result<LoadedConfig> {
    let var = |name: &str| std::env::var(name).ok();
    Ok(match path {
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading the config file {}", path.display()))?;
            from_file_text(path, text.clone(), &text)?
        }
        None => {
            LoadedConfig { path: None, file_text: String::new(), resolved: env_config::from_standard_vars(var)?, ca_file: None }
        }
    })
}

/// The configuration `config` (the connector's part of the file at `path`,
/// whose whole text is `file_text`), resolved as [`load`] resolves a file.
pub fn from_file_text(path: PathBuf, file_text: String, config: &str) -> anyhow::Result<LoadedConfig> {
    let resolved = env_config::resolve(config, |name| std::env::var(name).ok())?;
    let (resolved, ca_file) = take_ca_file(&resolved, path.parent().unwrap_or(Path::new(".")))?;
    Ok(LoadedConfig { path: Some(path), file_text, resolved, ca_file })
}

/// A session configured with `config`, the host trusting `ca_file` (the
/// `--ca-file` flag) or else the file's `ca_file` besides the system's
/// certificate authorities.
pub fn open_session(host: &mut Host, config: &LoadedConfig, ca_file: Option<&Path>) -> anyhow::Result<Session> {
    if let Some(ca_file) = ca_file.or(config.ca_file.as_deref()) {
        host.set_trust(Trust::with_ca_file(ca_file)?);
    }
    Ok(host.session(&config.resolved)?)
}

/// Bitbucket expires a refresh token once it has rotated it: keeps the new
/// one `session` holds, if any, in the config file (whether or not its runs
/// succeeded; a stopped session has none to give). Whether there was one.
pub fn keep_rotated_token(session: &mut Session, config: &LoadedConfig) -> anyhow::Result<bool> {
    if let (Ok(Some(token)), Some(path)) = (session.rotated_refresh_token(), &config.path) {
        save_refresh_token(path, &config.file_text, &token)?;
        return Ok(true);
    }
    Ok(false)
}

/// The configuration without its `ca_file`, and that file (a relative path
/// taken from `folder`).
fn take_ca_file(config: &str, folder: &Path) -> anyhow::Result<(String, Option<PathBuf>)> {
    let mut value: Value = serde_json::from_str(config).context("the configuration is not valid JSON")?;
    let Some(ca_file) = value.as_object_mut().and_then(|o| o.remove(CA_FILE)) else {
        return Ok((config.to_string(), None));
    };
    let Some(ca_file) = ca_file.as_str().filter(|f| !f.trim().is_empty()) else {
        anyhow::bail!("`{CA_FILE}` must be the path of a PEM file of certificate authorities");
    };
    Ok((value.to_string(), Some(folder.join(ca_file.trim()))))
}

/// The longest rotated refresh token the host stores, in bytes.
pub const REFRESH_TOKEN_MAX: usize = 4096;

/// Whether the guest's rotated refresh token may be stored for the
/// configuration `config` (the file's text): only an `oauth` configuration
/// has one, and it must be 1 to [`REFRESH_TOKEN_MAX`] bytes of printable
/// ASCII without spaces. The guest is not trusted to say so.
pub fn check_rotated_token(config: &Value, token: &str) -> Result<(), String> {
    let kind = config[auth::KEY][auth::TYPE].as_str().unwrap_or_default();
    if kind != auth::OAUTH {
        return Err(format!(
            "the connector returned a rotated refresh token for a configuration of type `{kind}`, which has none"
        ));
    }
    if token.is_empty() || token.len() > REFRESH_TOKEN_MAX {
        return Err(format!(
            "the connector returned a rotated refresh token of {} bytes (the limit is {REFRESH_TOKEN_MAX})",
            token.len()
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the connector returned a rotated refresh token with characters other than printable ASCII".into());
    }
    Ok(())
}

/// Writes a rotated OAuth refresh token back into the config file, in place
/// of the one it held, and says so (without printing the token). When the
/// file names a variable for it instead, the token goes to a file of its own.
/// A token [`check_rotated_token`] refuses is not stored anywhere: the file
/// is left untouched and stderr says why.
pub fn save_refresh_token(path: &Path, config: &str, token: &str) -> anyhow::Result<()> {
    let mut value: Value = serde_json::from_str(config)?;
    if let Err(why) = check_rotated_token(&value, token) {
        eprintln!("Not saved: {why}; {} was left unchanged.", printable(&path.display().to_string()));
        return Ok(());
    }
    if let Some(var) = value[auth::KEY][REFRESH_TOKEN_ENV].as_str() {
        let aside = path.with_extension("refresh-token");
        write_private(&aside, token)?;
        let var = printable(var);
        eprintln!(
            "Bitbucket rotated the OAuth refresh token; the old one in {var} no longer works. The new one was saved to {}: put it in {var}.",
            printable(&aside.display().to_string())
        );
        return Ok(());
    }
    value[auth::KEY][auth::REFRESH_TOKEN] = Value::String(token.to_string());
    let text = serde_json::to_string_pretty(&value)? + "\n";
    write_private(path, &text).with_context(|| format!("saving the rotated OAuth refresh token to {}", path.display()))?;
    eprintln!("Bitbucket rotated the OAuth refresh token; the new one was saved to {}", printable(&path.display().to_string()));
    Ok(())
}

/// Writes a file only its owner can read (it holds a secret).
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ca_file_is_the_hosts_and_relative_to_the_config_file() {
        let (config, ca) =
            take_ca_file(r#"{"endpoint":"https://git.example.test","ca_file":"certs/ca.pem"}"#, Path::new("/etc/bb")).unwrap();
        assert_eq!(config, r#"{"endpoint":"https://git.example.test"}"#);
        assert_eq!(ca, Some(PathBuf::from("/etc/bb/certs/ca.pem")));
        let (_, ca) = take_ca_file(r#"{"ca_file":"/abs/ca.pem"}"#, Path::new("/etc/bb")).unwrap();
        assert_eq!(ca, Some(PathBuf::from("/abs/ca.pem")));
        let untouched = r#"{"endpoint": "x"}"#;
        assert_eq!(take_ca_file(untouched, Path::new(".")).unwrap(), (untouched.to_string(), None));
        for bad in [r#"{"ca_file":""}"#, r#"{"ca_file":true}"#] {
            let error = take_ca_file(bad, Path::new(".")).unwrap_err().to_string();
            assert_eq!(error, "`ca_file` must be the path of a PEM file of certificate authorities");
        }
    }

    #[test]
    fn only_an_oauth_config_takes_a_short_printable_rotated_token() {
        let oauth = json!({"auth": {"type": "oauth", "refresh_token": "old"}});
        assert!(check_rotated_token(&oauth, "new-token_0123").is_ok());
        for kind in ["bearer", "api-token"] {
            let other = json!({"auth": {"type": kind}});
            assert!(check_rotated_token(&other, "new-token").is_err(), "{kind}");
        }
        assert!(check_rotated_token(&json!({}), "new-token").is_err());
        assert!(check_rotated_token(&oauth, &"a".repeat(REFRESH_TOKEN_MAX)).is_ok());
        assert!(check_rotated_token(&oauth, &"a".repeat(REFRESH_TOKEN_MAX + 1)).is_err());
        for bad in ["", "a b", "a\nb", "a\x1b[2J", "tok\u{202e}", "a\"}"] {
            let verdict = check_rotated_token(&oauth, bad);
            assert_eq!(verdict.is_err(), bad != "a\"}", "{bad:?}");
        }
    }
}
