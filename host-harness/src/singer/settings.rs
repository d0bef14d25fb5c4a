//! The tap's own keys in the `--config` file, beside the connector's
//! configuration (which rejects keys it does not know, so these are taken
//! out first):
//!
//! - `workspace` (Cloud) or `project` (Data Center): the scope, given to
//!   every stream (one of them is required);
//! - `params`: more report parameters, `{"name": "value"}`, given to every
//!   stream that accepts them (e.g. `{"repository": "web-app"}`);
//! - `start_date`: where an incremental stream starts when the state has no
//!   bookmark for it (its `changed-after`);
//! - `component`: the component to load (default: the one this repository
//!   builds).

use crate::cli::config_file::{self, LoadedConfig};
use anyhow::{bail, Context as _};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

pub const WORKSPACE: &str = "workspace";
pub const PROJECT: &str = "project";
pub const PARAMS: &str = "params";
pub const START_DATE: &str = "start_date";
pub const COMPONENT: &str = "component";

/// The tap's settings.
pub struct Settings {
    /// Report parameters for every stream that accepts them, `workspace`
    /// first.
    pub params: Vec<(String, String)>,
    pub start_date: Option<String>,
    pub component: Option<PathBuf>,
}

impl Settings {
    /// The tap's settings and the connector's configuration in the file
    /// at `path`.
    pub fn load(path: &Path) -> anyhow::Result<(Settings, LoadedConfig)> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the config file {}", path.display()))?;
        let Ok(Value::Object(mut root)) = serde_json::from_str::<Value>(&text) else {
            bail!("the config file {} is not a JSON object", path.display());
        };
        let settings = Settings::take(&mut root, path.parent().unwrap_or(Path::new(".")))?;
        let config = config_file::from_file_text(path.to_path_buf(), text, &Value::Object(root).to_string())?;
        Ok((settings, config))
    }

    /// Takes the tap's keys out of `root` (a relative `component` is taken
    /// from `folder`).
    fn take(root: &mut Map<String, Value>, folder: &Path) -> anyhow::Result<Settings> {
        let text = |root: &mut Map<String, Value>, key: &str| match root.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(_) => bail!("`{key}` in the tap's config must be a non-empty string"),
        };
        let mut params = match (text(root, WORKSPACE)?, text(root, PROJECT)?) {
            (Some(workspace), None) => vec![(WORKSPACE.to_string(), workspace)],
            (None, Some(project)) => vec![(PROJECT.to_string(), project)],
            (Some(_), Some(_)) => bail!("give the tap's config `{WORKSPACE}` (Cloud) or `{PROJECT}` (Data Center), not both"),
            (None, None) => bail!(
                "the tap's config needs `{WORKSPACE}`: the workspace whose data the streams read (on Data Center: `{PROJECT}`, a project key)"
            ),
        };
        match root.remove(PARAMS) {
            None | Some(Value::Null) => {}
            Some(Value::Object(more)) => {
                for (name, value) in more {
                    match value {
                        Value::String(value) if name != WORKSPACE && name != PROJECT => params.push((name, value)),
                        Value::String(_) => bail!("give the scope as `{name}`, not in `{PARAMS}`"),
                        _ => bail!("`{PARAMS}.{name}` must be a string"),
                    }
                }
            }
            Some(_) => bail!("`{PARAMS}` must be an object of report parameters, e.g. {{\"repository\": \"web-app\"}}"),
        }
        let start_date = text(root, START_DATE)?;
        let component = text(root, COMPONENT)?.map(|c| folder.join(c));
        Ok(Settings { params, start_date, component })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn take(value: Value) -> anyhow::Result<(Settings, Value)> {
        let Value::Object(mut root) = value else { unreachable!() };
        let settings = Settings::take(&mut root, Path::new("/etc/tap"))?;
        Ok((settings, Value::Object(root)))
    }

    #[test]
    fn the_taps_keys_are_taken_out_and_the_connectors_left() {
        let (settings, rest) = take(json!({
            "endpoint": "https://api.bitbucket.org/2.0",
            "auth": {"type": "bearer", "token_env": "BB_TOKEN"},
            "workspace": " acme ",
            "params": {"repository": "web-app"},
            "start_date": "2026-01-01T00:00:00Z",
            "component": "wasm/connector.wasm",
        }))
        .unwrap();
        let pairs: Vec<(&str, &str)> = settings.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("workspace", "acme"), ("repository", "web-app")]);
        assert_eq!(settings.start_date.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(settings.component, Some(PathBuf::from("/etc/tap/wasm/connector.wasm")));
        assert_eq!(
            rest,
            json!({"endpoint": "https://api.bitbucket.org/2.0", "auth": {"type": "bearer", "token_env": "BB_TOKEN"}})
        );
    }

    #[test]
    fn missing_or_mistyped_settings_say_what_to_write() {
        let cases = [
            (json!({}), "the tap's config needs `workspace`: the workspace whose data the streams read (on Data Center: `project`, a project key)"),
            (json!({"workspace": "a", "project": "P"}), "give the tap's config `workspace` (Cloud) or `project` (Data Center), not both"),
            (json!({"workspace": ""}), "`workspace` in the tap's config must be a non-empty string"),
            (
                json!({"workspace": "a", "params": ["x"]}),
                "`params` must be an object of report parameters, e.g. {\"repository\": \"web-app\"}",
            ),
            (json!({"workspace": "a", "params": {"since": 3}}), "`params.since` must be a string"),
            (json!({"workspace": "a", "params": {"workspace": "b"}}), "give the scope as `workspace`, not in `params`"),
            (json!({"workspace": "a", "start_date": 20260101}), "`start_date` in the tap's config must be a non-empty string"),
        ];
        for (config, expected) in cases {
            let error = take(config.clone()).err().unwrap_or_else(|| panic!("accepted {config}"));
            assert_eq!(error.to_string(), expected);
        }
    }
}
