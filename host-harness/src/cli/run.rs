//! One report run from the command line: rows into the chosen output, a
//! progress line on a terminal, and `--param NAME=VALUE` parsing.

use crate::output::{self, arrow::ArrowWriter, sqlite::SqliteWriter, Format};
use crate::progress::Progress;
use crate::sandbox::RunSummary;
use crate::{Host, Session};
use anyhow::{bail, Context as _};
use std::cell::{Cell, RefCell};
use std::io::{self, Write};

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

/// Runs a report into `output` (stdout if `None`) in `format`, with a
/// progress line on a terminal unless `quiet`. A closed output (a pipe
/// whose reader left) ends the run with [`OutputClosed`].
pub fn run_report(
    host: &Host,
    session: &mut Session,
    report: &str,
    params: &[(String, String)],
    format: Format,
    output: Option<&std::path::Path>,
    quiet: bool,
) -> anyhow::Result<RunSummary> {
    let reports = host.list_reports()?;
    let info = reports.iter().find(|r| r.id == report);
    let columns = info.map(|r| r.columns.clone()).unwrap_or_default();
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
            Ok(writer.borrow_mut().row(cells).map_err(noting)?)
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

/// `--param NAME=VALUE` as a pair.
pub fn parse_param(raw: &str) -> anyhow::Result<(String, String)> {
    match raw.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => bail!("--param expects NAME=VALUE, got `{raw}`"),
    }
}
