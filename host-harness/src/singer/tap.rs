//! The sync: for each selected stream, one SCHEMA message, then each of
//! the report's partitions (one per repository for per-repository reports,
//! from `list-partitions`) run in turn, its rows as RECORD messages, and a
//! STATE message once the partition completed. The state is
//! `{"bookmarks": {stream: {partition id: checkpoint}}}`: an incremental
//! stream's partition resumes from its bookmark (`changed-after`), or from
//! `start_date` when it has none; a partition that failed keeps its old
//! bookmark, and the tap stops with the error. Each partition's rows and
//! requests are told on stderr, for Meltano's log.

use super::catalog::{incremental, property_schema, Selected};
use super::settings::Settings;
use crate::cli::run::OutputClosed;
use crate::output::terminal::printable;
use crate::output::write_json_object;
use crate::Session;
use anyhow::{bail, Context as _};
use connector_vocabulary::date_params;
use serde_json::{json, Map, Value};
use std::cell::Cell as Flag;
use std::io::{self, Write};
use std::path::Path;

/// The tap's state: bookmarks by stream, then partition id.
#[derive(Default)]
pub struct State {
    bookmarks: Map<String, Value>,
}

impl State {
    /// The state in `path` (`{"bookmarks": {...}}`, as the last STATE
    /// message gave it), or an empty one.
    pub fn load(path: Option<&Path>) -> anyhow::Result<State> {
        let Some(path) = path else { return Ok(State::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the state file {}", path.display()))?;
        if text.trim().is_empty() {
            return Ok(State::default());
        }
        let value: Value =
            serde_json::from_str(&text).with_context(|| format!("the state file {} is not JSON", path.display()))?;
        match &value["bookmarks"] {
            Value::Null => Ok(State::default()),
            Value::Object(bookmarks) => Ok(State { bookmarks: bookmarks.clone() }),
            _ => bail!("`bookmarks` in the state file {} must be an object", path.display()),
        }
    }

    fn bookmark(&self, stream: &str, partition: &str) -> Option<&str> {
        self.bookmarks.get(stream)?.get(partition)?.as_str()
    }

    fn set(&mut self, stream: &str, partition: &str, checkpoint: String) {
        let entry = self.bookmarks.entry(stream.to_string()).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        entry[partition] = Value::String(checkpoint);
    }

    fn value(&self) -> Value {
        json!({"bookmarks": self.bookmarks})
    }
}

/// Runs the selected streams, writing Singer messages to `out`.
pub fn sync(
    session: &mut Session,
    streams: &[Selected],
    settings: &Settings,
    mut state: State,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let closed = Flag::new(false);
    // A closed pipe ends the tap quietly, whichever write found it.
    let noting = |e: io::Error| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            closed.set(true);
        }
        e
    };
    let result = (|| -> anyhow::Result<()> {
        for stream in streams {
            let report = stream.report;
            let columns = || stream.columns.iter().filter_map(|&i| report.columns.get(i));
            let properties: Map<String, Value> = columns().map(|c| (c.name.clone(), property_schema(c))).collect();
            let mut schema = json!({
                "type": "SCHEMA",
                "stream": stream.stream,
                "schema": {"type": "object", "additionalProperties": false, "properties": properties},
                "key_properties": report.primary_key,
            });
            if let Some(key) = report.changed_column.as_ref().filter(|_| incremental(report)) {
                schema["bookmark_properties"] = json!([key]);
            }
            message(out, &schema).map_err(noting)?;
            let params: Vec<(String, String)> =
                settings.params.iter().filter(|(name, _)| report.params.iter().any(|p| p.name == *name)).cloned().collect();
            for partition in session.list_partitions(&report.id, &params)? {
                let mut params = partition.params.clone();
                let given = params.iter().any(|(name, _)| name == date_params::CHANGED_AFTER);
                let after = state.bookmark(&stream.stream, &partition.id).or(settings.start_date.as_deref());
                if let (true, false, Some(after)) = (incremental(report), given, after) {
                    params.push((date_params::CHANGED_AFTER.to_string(), after.to_string()));
                }
                let summary = session.run_observed(
                    &report.id,
                    &params,
                    |cells| {
                        let fields = stream.columns.iter().filter_map(|&i| Some((report.columns.get(i)?, cells.get(i)?)));
                        record(out, &stream.stream, fields).map_err(noting)?;
                        Ok(())
                    },
                    |_| {},
                )?;
                eprintln!(
                    "tap-bitbucket: {} {}: {} rows from {} requests",
                    printable(&stream.stream),
                    printable(&partition.id),
                    summary.rows,
                    summary.requests
                );
                if let Some(checkpoint) = summary.checkpoint {
                    state.set(&stream.stream, &partition.id, checkpoint);
                }
                message(out, &json!({"type": "STATE", "value": state.value()})).map_err(noting)?;
                out.flush().map_err(noting)?;
            }
        }
        Ok(())
    })();
    match result {
        Err(_) if closed.get() => Err(OutputClosed.into()),
        other => other,
    }
}

/// One message on one line.
fn message(out: &mut dyn Write, message: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, message)?;
    out.write_all(b"\n")
}

/// A RECORD message, its record written field by field (json cells as
/// checked text, never parsed into a tree).
fn record<'c>(
    out: &mut dyn Write,
    stream: &str,
    fields: impl Iterator<Item = (&'c crate::ColumnInfo, &'c crate::Cell)>,
) -> io::Result<()> {
    out.write_all(b"{\"type\":\"RECORD\",\"stream\":")?;
    serde_json::to_writer(&mut *out, stream)?;
    out.write_all(b",\"record\":")?;
    write_json_object(out, fields)?;
    out.write_all(b"}\n")
}
