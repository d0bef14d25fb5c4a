//! `--state FILE`: the checkpoint of each report and scope, so the next run
//! fetches only what changed since the last complete one. One file holds
//! any number of reports and scopes (`run --state` and `sync --state` can
//! share it); saving one scope's checkpoint keeps every other.

use crate::ReportInfo;
use anyhow::{bail, Context as _};
use connector_vocabulary::date_params;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `--state FILE`: checkpoints by report and parameters, as JSON
/// (`{"pull-requests workspace=acme": "2026-10-05T12:00:00+00:00"}`).
pub struct State {
    path: PathBuf,
    all: serde_json::Map<String, Value>,
}

/// One report and scope in a [`State`].
pub struct Scope {
    /// `"<report> <name>=<value> …"`: the report id, then every parameter
    /// but the date ones, sorted.
    key: String,
    /// The parameters carry an explicit date: it wins over the checkpoint
    /// (which still moves afterwards).
    dated: bool,
}

impl State {
    /// Reads `path` (a missing file is an empty state).
    pub fn open(path: &Path) -> anyhow::Result<State> {
        let all = match std::fs::read_to_string(path) {
            Ok(text) => {
                serde_json::from_str(&text).with_context(|| format!("{} is not a state file (a JSON object)", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::Map::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(State { path: path.to_path_buf(), all })
    }

    /// Whether `info` can resume from a checkpoint (it takes `changed-after`).
    pub fn resumable(info: &ReportInfo) -> bool {
        info.params.iter().any(|p| p.name == date_params::CHANGED_AFTER)
    }

    /// The scope of a run of `info` with `params`.
    pub fn scope(info: &ReportInfo, params: &[(String, String)]) -> anyhow::Result<Scope> {
        if !State::resumable(info) {
            bail!("report `{}` has no date field to resume from; run it without --state", info.id);
        }
        let is_date = |name: &str| date_params::ALL.contains(&name);
        let mut scope: Vec<String> =
            params.iter().filter(|(name, _)| !is_date(name)).map(|(name, value)| format!("{name}={value}")).collect();
        scope.sort();
        let key = std::iter::once(info.id.clone()).chain(scope).collect::<Vec<_>>().join(" ");
        Ok(Scope { key, dated: params.iter().any(|(name, _)| is_date(name)) })
    }

    /// Where a run of `scope` starts (its `changed-after`): the last
    /// complete run's checkpoint, unless the run was given a date.
    pub fn resume_after(&self, scope: &Scope) -> Option<String> {
        if scope.dated {
            return None;
        }
        self.all.get(&scope.key)?.as_str().map(str::to_string)
    }

    /// Records `checkpoint` for `scope` (atomically: written aside, renamed).
    pub fn save(&mut self, scope: &Scope, checkpoint: &str) -> anyhow::Result<()> {
        self.all.insert(scope.key.clone(), Value::String(checkpoint.to_string()));
        let aside = self.path.with_extension("partial");
        std::fs::write(&aside, serde_json::to_string_pretty(&self.all)? + "\n")?;
        std::fs::rename(&aside, &self.path).with_context(|| format!("saving the state to {}", self.path.display()))
    }
}
