//! The configuration a run uses: read from `--config FILE` (secrets named by
//! `*_env` fields resolved from the environment) or made from the standard
//! variables, and a rotated OAuth refresh token written back.

use crate::env_config;
use anyhow::Context as _;
use connector_vocabulary::auth;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `auth.refresh_token_env`: the variable naming the refresh token.
const REFRESH_TOKEN_ENV: &str = "refresh_token_env";

/// A configuration ready for `configure`, and where it came from.
pub struct LoadedConfig {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// The file's text as written (before secrets were resolved).
    pub file_text: String,
    /// The configuration with every secret resolved.
    pub resolved: String,
}

/// Reads `path`, or makes a configuration from the standard variables.
pub fn load(path: Option<PathBuf>) -> anyhow::Result<LoadedConfig> {
    let var = |name: &str| std::env::var(name).ok();
    Ok(match path {
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading the config file {}", path.display()))?;
            let resolved = env_config::resolve(&text, var)?;
            LoadedConfig { path: Some(path), file_text: text, resolved }
        }
        None => LoadedConfig { path: None, file_text: String::new(), resolved: env_config::from_standard_vars(var)? },
    })
}

/// Writes a rotated OAuth refresh token back into the config file, in place
/// of the one it held, and says so (without printing the token). When the
/// file names a variable for it instead, the token goes to a file of its own.
pub fn save_refresh_token(path: &Path, config: &str, token: &str) -> anyhow::Result<()> {
    let mut value: Value = serde_json::from_str(config)?;
    if let Some(var) = value[auth::KEY][REFRESH_TOKEN_ENV].as_str() {
        let aside = path.with_extension("refresh-token");
        write_private(&aside, token)?;
        eprintln!(
            "Bitbucket rotated the OAuth refresh token; the old one in {var} no longer works. The new one was saved to {}: put it in {var}.",
            aside.display()
        );
        return Ok(());
    }
    value[auth::KEY][auth::REFRESH_TOKEN] = Value::String(token.to_string());
    let text = serde_json::to_string_pretty(&value)? + "\n";
    write_private(path, &text).with_context(|| format!("saving the rotated OAuth refresh token to {}", path.display()))?;
    eprintln!("Bitbucket rotated the OAuth refresh token; the new one was saved to {}", path.display());
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
