//! `--state FILE`: the checkpoint of each report and scope, so the next run
//! fetches only what changed since the last complete one.

use crate::ReportInfo;
use anyhow::{bail, Context as _};
use connector_vocabulary::date_params;
use serde_json::Value;
use std::path::PathBuf;

/// `--state FILE`: checkpoints by report and parameters, as JSON
/// (`{"pull-requests workspace=acme": "2026-10-05T12:00:00+00:00"}`).
pub struct State {
    path: PathBuf,
    key: String,
    all: serde_json::Map<String, Value>,
}

impl State {
    pub fn load(path: &std::path::Path, info: &ReportInfo, params: &[(String, String)]) -> anyhow::Result<State> {
        if !info.params.iter().any(|p| p.name == date_params::CHANGED_AFTER) {
            bail!("report `{}` has no date field to resume from; run it without --state", info.id);
        }
        let all = match std::fs::read_to_string(path) {
            Ok(text) => {
                serde_json::from_str(&text).with_context(|| format!("{} is not a state file (a JSON object)", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::Map::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        // The scope: every parameter but the date ones.
        let mut scope: Vec<String> = params
            .iter()
            .filter(|(name, _)| !date_params::ALL.contains(&name.as_str()))
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        scope.sort();
        let key = std::iter::once(info.id.clone()).chain(scope).collect::<Vec<_>>().join(" ");
        let dated = params.iter().any(|(name, _)| date_params::ALL.contains(&name.as_str()));
        let mut state = State { path: path.to_path_buf(), key, all };
        if dated {
            // An explicit date wins; the checkpoint still moves afterwards.
            state.all.remove(&state.key);
        }
        Ok(state)
    }

    pub fn resume_after(&self) -> Option<String> {
        self.all.get(&self.key)?.as_str().map(str::to_string)
    }

    /// Records `checkpoint` for this scope (atomically: written aside, renamed).
    pub fn save(&mut self, checkpoint: &str) -> anyhow::Result<()> {
        self.all.insert(self.key.clone(), Value::String(checkpoint.to_string()));
        let aside = self.path.with_extension("partial");
        std::fs::write(&aside, serde_json::to_string_pretty(&self.all)? + "\n")?;
        std::fs::rename(&aside, &self.path).with_context(|| format!("saving the state to {}", self.path.display()))
    }
}
