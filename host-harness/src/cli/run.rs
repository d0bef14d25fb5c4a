//! One report run from the command line: rows into the chosen output
//! (`--output`, `--columns`: [`OutputFlags`]), a progress line on a
//! terminal, and `--param NAME=VALUE` parsing.

use crate::output::{self, arrow::ArrowWriter, sqlite::SqliteWriter, table::Table, terminal, Format};
use crate::progress::Progress;
use crate::sandbox::wit::ColumnInfo;
use crate::sandbox::RunSummary;
use crate::{Host, Session};
use anyhow::{bail, Context as _};
use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::path::PathBuf;

/// Where a run's rows go and which of its columns (`run` and `demo`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OutputFlags {
    /// Write rows to FILE instead of stdout (required for sqlite).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only these columns, in this order (`describe REPORT` lists them);
    /// every format but sqlite.
    #[arg(long, value_name = "NAME,NAME,…", value_delimiter = ',')]
    pub columns: Vec<String>,
}

impl OutputFlags {
    /// Every column into `path`.
    pub fn to(path: &std::path::Path) -> OutputFlags {
        OutputFlags { output: Some(path.to_path_buf()), columns: Vec::new() }
    }
}

/// The run ended because whoever read its output went away (a closed
/// pipe, as in `connector-harness run … | head -1`): not an error to
/// report, and not a complete run (the checkpoint does not move).
#[derive(Debug)]
pub struct OutputClosed;

impl std::fmt::Display for OutputClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the output was closed before the run ended")
    }
}

impl std::error::Error for OutputClosed {}

/// Runs a report into `flags.output` (stdout if `None`) in `format`, only
/// `flags.columns` if any are named, with a progress line on a terminal
/// unless `quiet`. A table on stdout fits the terminal's width
/// ([`terminal::table_width`]). A closed output (a pipe whose reader left)
/// ends the run with [`OutputClosed`].
pub fn run_report(
    host: &Host,
    session: &mut Session,
    report: &str,
    params: &[(String, String)],
    format: Format,
    flags: &OutputFlags,
    quiet: bool,
) -> anyhow::Result<RunSummary> {
    let output = flags.output.as_deref();
    let reports = host.list_reports()?;
    let info = reports.iter().find(|r| r.id == report);
    // An unknown report has no columns to choose from: the run says so.
    let chosen = match info {
        Some(info) if !flags.columns.is_empty() => {
            if format == Format::Sqlite {
                bail!(
                    "--columns does not apply to --format sqlite: its table keeps all the report's columns and its primary key \
                     (leave --columns out, and choose the columns in SQL)"
                );
            }
            Some(projection(report, &info.columns, &flags.columns)?)
        }
        _ => None,
    };
    let columns: Vec<ColumnInfo> = match (&chosen, info) {
        (Some(chosen), Some(info)) => chosen.iter().map(|&i| info.columns[i].clone()).collect(),
        (None, Some(info)) => info.columns.clone(),
        (_, None) => Vec::new(),
    };
    let closed = Cell::new(false);
    // Notes a closed pipe, whichever write found it.
    let noting = |e: io::Error| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            closed.set(true);
        }
        e
    };
    let writer = match (format, output, info) {
        (Format::Sqlite, Some(path), Some(info)) => {
            Ok(Box::new(SqliteWriter::open(path, info)?) as Box<dyn output::RowWriter + '_>)
        }
        (Format::Sqlite, None, _) => {
            bail!("--format sqlite writes to a database file: give --output FILE")
        }
        (_, output, _) => {
            let out: Box<dyn Write> = match output {
                Some(path) => {
                    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
                    Box::new(io::BufWriter::new(file))
                }
                None => Box::new(io::BufWriter::new(io::stdout().lock())),
            };
            match format {
                Format::Arrow => ArrowWriter::new(report, &columns, out).map(|w| Box::new(w) as Box<dyn output::RowWriter + '_>),
                Format::Table => {
                    // A file gets whole rows; stdout fits its terminal.
                    let width = if output.is_none() { terminal::table_width() } else { None };
                    Ok(Box::new(Table::new(&columns, out, width, Box::new(io::stderr()))) as Box<dyn output::RowWriter + '_>)
                }
                _ => output::writer(format, &columns, out),
            }
        }
    };
    let writer = match writer.map_err(noting) {
        Ok(writer) => RefCell::new(writer),
        Err(_) if closed.get() => return Err(OutputClosed.into()),
        Err(e) => return Err(e.into()),
    };
    // A failed end of batch is told by the next row, or by the end.
    let batch_error: RefCell<Option<io::Error>> = RefCell::new(None);
    let mut progress = Progress::new(quiet);
    let summary = session.run_observed(
        report,
        params,
        |cells| {
            if let Some(e) = batch_error.borrow_mut().take() {
                return Err(e.into());
            }
            let written = match &chosen {
                // A short row (a misbehaving guest) shows null, as the
                // writers do for the cells it lacks.
                Some(chosen) => {
                    let picked: Vec<_> =
                        chosen.iter().map(|&i| cells.get(i).cloned().unwrap_or(crate::sandbox::wit::Cell::Null)).collect();
                    writer.borrow_mut().row(&picked)
                }
                None => writer.borrow_mut().row(cells),
            };
            Ok(written.map_err(noting)?)
        },
        |counts| {
            if let Err(e) = writer.borrow_mut().end_batch().map_err(noting) {
                batch_error.borrow_mut().get_or_insert(e);
            }
            progress.update(counts)
        },
    );
    let summary = match summary {
        Err(_) if closed.get() => return Err(OutputClosed.into()),
        other => other?,
    };
    let finished = match batch_error.into_inner() {
        Some(e) => Err(e),
        None => writer.borrow_mut().finish().map_err(noting),
    };
    match finished {
        Err(_) if closed.get() => return Err(OutputClosed.into()),
        other => other?,
    }
    progress.finish(&summary);
    if let Some(note) = crate::progress::skipped_note(report, &summary) {
        eprintln!("{note}");
    }
    Ok(summary)
}

/// The indexes in `columns` of the `chosen` names, in their order: each
/// must be one of the report's columns, named once.
pub fn projection(report: &str, columns: &[ColumnInfo], chosen: &[String]) -> anyhow::Result<Vec<usize>> {
    let mut indexes = Vec::with_capacity(chosen.len());
    for name in chosen {
        let Some(i) = columns.iter().position(|c| &c.name == name) else {
            let names: Vec<String> = columns.iter().map(|c| terminal::printable(&c.name).into_owned()).collect();
            bail!(
                "--columns: `{}` is not a column of `{}`; its columns are: {}",
                terminal::printable(name),
                terminal::printable(report),
                names.join(", ")
            );
        };
        if indexes.contains(&i) {
            bail!("--columns: `{}` is named twice; name each column once", terminal::printable(name));
        }
        indexes.push(i);
    }
    Ok(indexes)
}

/// `--param NAME=VALUE` as a pair.
pub fn parse_param(raw: &str) -> anyhow::Result<(String, String)> {
    match raw.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => bail!("--param expects NAME=VALUE, got `{raw}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::wit::ColumnType;

    fn columns(names: &[&str]) -> Vec<ColumnInfo> {
        names
            .iter()
            .map(|n| ColumnInfo { name: n.to_string(), type_: ColumnType::Text, nullable: true, description: String::new() })
            .collect()
    }

    fn chosen(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_projection_is_the_chosen_columns_in_their_order() {
        let columns = columns(&["repository", "id", "title"]);
        assert_eq!(projection("prs", &columns, &chosen(&["title", "repository"])).unwrap(), [2, 0]);
    }

    #[test]
    fn an_unknown_or_repeated_column_is_an_error_listing_the_columns() {
        let columns = columns(&["repository", "id", "ti\x1btle"]);
        let unknown = projection("prs", &columns, &chosen(&["id", "name"])).unwrap_err().to_string();
        assert_eq!(unknown, "--columns: `name` is not a column of `prs`; its columns are: repository, id, ti\\x1btle");
        let twice = projection("prs", &columns, &chosen(&["id", "id"])).unwrap_err().to_string();
        assert_eq!(twice, "--columns: `id` is named twice; name each column once");
    }
}
