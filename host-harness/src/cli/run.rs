//! One report run from the command line: rows into the chosen output, a
//! progress line on a terminal, and `--param NAME=VALUE` parsing.

use crate::output::{self, sqlite::SqliteWriter, Format};
use crate::progress::Progress;
use crate::sandbox::RunSummary;
use crate::{Host, Session};
use anyhow::{bail, Context as _};

/// Runs a report into `output` (stdout if `None`) in `format`, with a
/// progress line on a terminal unless `quiet`.
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
    let mut writer: Box<dyn output::RowWriter> = match (format, output, info) {
        (Format::Sqlite, Some(path), Some(info)) => Box::new(SqliteWriter::open(path, info)?),
        (Format::Sqlite, None, _) => {
            bail!("--format sqlite writes to a database file: give --output FILE")
        }
        (_, Some(path), _) => {
            let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            output::writer(format, &columns, Box::new(std::io::BufWriter::new(file)))?
        }
        (_, None, _) => output::writer(format, &columns, Box::new(std::io::BufWriter::new(std::io::stdout().lock())))?,
    };
    let mut progress = Progress::new(quiet);
    let summary = session.run_observed(report, params, |cells| Ok(writer.row(cells)?), |counts| progress.update(counts))?;
    writer.finish()?;
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
