//! `sync`: a set of reports for one workspace (on Data Center: one
//! project), run one after another into
//! one SQLite database (one table per report) or one folder (one file per
//! report), with one state file, and a summary on stderr at the end.
//!
//! - **Which reports.** `--reports a,b,c`, checked before anything runs;
//!   by default every available report that takes the scope (`workspace`;
//!   `project` on Data Center) and needs no other parameter (fan-outs cover every repository, pull request, …).
//! - **Checkpoints.** Each report with a `changed-after` parameter resumes
//!   from its checkpoint in the state file (the key `run --state` uses, so
//!   the two can share a file); a report's checkpoint moves only when that
//!   report completed.
//! - **Sessions.** Each report runs in a session of its own, so one the
//!   host stopped (a limit, a trap) does not take the next report with it.
//! - **Failures.** A failing report does not stop the others; its table or
//!   file is left as it was (SQLite: the run's transaction; files: written
//!   aside and put in place only when the report completed), and the sync
//!   ends with [`SyncFailed`] once every report has run.
//! - **Files.** `<folder>/<report>.<format>`: a full run replaces the file;
//!   an incremental run (resumed from a checkpoint) appends the rows that
//!   changed to a JSONL or CSV file, so a row's latest line is its current
//!   value. An Arrow stream cannot be appended to: under `--format arrow`
//!   every report runs in full (its checkpoint still moves).

use crate::advice;
use crate::cli::config_file::{self, LoadedConfig};
use crate::cli::run::{run_report, OutputFlags};
use crate::cli::state::State;
use crate::output::terminal::printable;
use crate::output::Format;
use crate::progress;
use crate::{Host, Product, ReportInfo, ReportStatus, RunSummary, Session};
use anyhow::{bail, Context as _};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What `connector-harness sync` was asked.
pub struct SyncArgs<'a> {
    /// The scope's value: a workspace (Cloud) or a project key (Data
    /// Center), given to every report as the product's scope parameter.
    pub scope: &'a str,
    /// Report ids; empty for the default set ([`select`]).
    pub reports: &'a [String],
    pub format: Format,
    /// The database (sqlite) or the folder (other formats).
    pub output: &'a Path,
    pub state: &'a Path,
    pub quiet: bool,
}

/// Some reports of a sync failed (each is named in the summary above);
/// the others' rows and checkpoints were kept.
#[derive(Debug)]
pub struct SyncFailed {
    pub failed: usize,
    pub reports: usize,
}

impl std::fmt::Display for SyncFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} reports failed (see the summary above); the others' rows and checkpoints were kept",
            self.failed, self.reports
        )
    }
}

impl std::error::Error for SyncFailed {}

/// The reports a sync runs: `asked` in order (each once), or when it is
/// empty every report [`fits`] a sync on `product`, in catalog order.
pub fn select<'c>(catalog: &'c [ReportInfo], asked: &[String], product: Product) -> anyhow::Result<Vec<&'c ReportInfo>> {
    if asked.is_empty() {
        return Ok(catalog.iter().filter(|r| fits(r, product).is_ok()).collect());
    }
    let mut chosen: Vec<&ReportInfo> = Vec::new();
    for id in asked {
        let Some(info) = catalog.iter().find(|r| r.id == *id) else {
            bail!("no report `{id}`; `connector-harness reports` lists them");
        };
        fits(info, product)?;
        if !chosen.iter().any(|c| c.id == info.id) {
            chosen.push(info);
        }
    }
    Ok(chosen)
}

/// Whether a sync on `product` can run `info`: it is available there,
/// takes the scope (`workspace`; on Data Center `project`) and needs no
/// other parameter.
pub fn fits(info: &ReportInfo, product: Product) -> anyhow::Result<()> {
    let scope = product.vocabulary().scope_param();
    let id = &info.id;
    if let ReportStatus::RetiredUpstream(t) = &info.status {
        let instead = t.replacement.as_deref().map(|r| format!("; sync `{r}` instead")).unwrap_or_default();
        bail!("report `{id}` was retired upstream on {}: {}{instead}", t.since, t.reason);
    }
    if !info.runs_on(product) {
        bail!("report `{id}` does not run on Bitbucket Data Center (`connector-harness reports` shows where each runs)");
    }
    if !info.takes(scope, product) {
        bail!("report `{id}` is not read per {scope}; run it with `connector-harness run {id}`");
    }
    let missing = info.missing_params(&[scope], product);
    if !missing.is_empty() {
        let named = missing.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ");
        let flags: String = missing.iter().map(|name| format!(" --param {name}=…")).collect();
        let parameters = if missing.len() == 1 { "parameter" } else { "parameters" };
        bail!(
            "report `{id}` needs the {parameters} {named}, which a {scope} sync does not give; run it with `connector-harness run {id} --param {scope}=…{flags}`"
        );
    }
    Ok(())
}

/// How one report of the sync went.
struct Outcome {
    id: String,
    result: anyhow::Result<RunSummary>,
    elapsed: Duration,
}

/// Runs the sync; `Err(SyncFailed)` after the summary when a report failed.
pub fn sync(host: &mut Host, mut config: LoadedConfig, ca_file: Option<&Path>, args: &SyncArgs) -> anyhow::Result<()> {
    let catalog = host.list_reports()?;
    let product = config.product();
    let chosen = select(&catalog, args.reports, product)?;
    match args.format {
        Format::Table => bail!("--format table is for the terminal; sync writes sqlite, jsonl, csv or arrow"),
        Format::Sqlite => {}
        _ => std::fs::create_dir_all(args.output)
            .with_context(|| format!("creating the output folder {}", args.output.display()))?,
    }
    let mut state = State::open(args.state)?;
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for info in chosen {
        let report_started = Instant::now();
        // Each report in a session of its own: one the host stopped (a
        // limit, a trap) leaves the next report a fresh one, and no run
        // inherits another's host-side resources.
        let mut session = config_file::open_session(host, &config, ca_file)?;
        let result = sync_one(host, &mut session, &mut state, info, product, args);
        if config_file::keep_rotated_token(&mut session, &config)? {
            // The next session starts from the refresh token just saved.
            config = config_file::load(config.path.clone())?;
        }
        outcomes.push(Outcome { id: info.id.clone(), result, elapsed: report_started.elapsed() });
    }
    print_summary(&mut std::io::stderr().lock(), &outcomes, started.elapsed())?;
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    if failed > 0 {
        return Err(SyncFailed { failed, reports: outcomes.len() }.into());
    }
    Ok(())
}

/// One report into its table or file; its checkpoint saved if it completed.
fn sync_one(
    host: &Host,
    session: &mut Session,
    state: &mut State,
    info: &ReportInfo,
    product: Product,
    args: &SyncArgs,
) -> anyhow::Result<RunSummary> {
    let scope = product.vocabulary().scope_param();
    let mut params = vec![(scope.to_string(), args.scope.to_string())];
    let scope = State::resumable(info).then(|| State::scope(info, &params)).transpose()?;
    let resume_after = match (&scope, args.format) {
        (_, Format::Arrow) => None,
        (Some(scope), _) => state.resume_after(scope),
        (None, _) => None,
    };
    let incremental = resume_after.is_some();
    if let Some(after) = resume_after {
        params.push((connector_vocabulary::date_params::CHANGED_AFTER.into(), after));
    }
    let summary = match args.format {
        Format::Sqlite => run_report(host, session, &info.id, &params, args.format, &OutputFlags::to(args.output), args.quiet)?,
        _ => {
            let file = report_file(args.output, &info.id, args.format);
            let aside = file.with_extension(format!("{}.partial", extension(args.format)));
            let result = run_report(host, session, &info.id, &params, args.format, &OutputFlags::to(&aside), args.quiet);
            match result.and_then(|summary| put_in_place(&aside, &file, args.format, incremental).map(|()| summary)) {
                Ok(summary) => summary,
                Err(e) => {
                    let _ = std::fs::remove_file(&aside);
                    return Err(e);
                }
            }
        }
    };
    if let (Some(scope), Some(checkpoint)) = (&scope, &summary.checkpoint) {
        state.save(scope, checkpoint)?;
    }
    Ok(summary)
}

/// `<folder>/<report>.<extension>`.
pub fn report_file(folder: &Path, report: &str, format: Format) -> PathBuf {
    folder.join(format!("{report}.{}", extension(format)))
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Jsonl => "jsonl",
        Format::Csv => "csv",
        Format::Arrow => "arrow",
        Format::Sqlite => "db",
        Format::Table => "txt",
    }
}

/// A completed report's file, written `aside`, in place: appended to
/// `file` (a CSV without its header) after an incremental run, replacing
/// it after a full one.
fn put_in_place(aside: &Path, file: &Path, format: Format, incremental: bool) -> anyhow::Result<()> {
    if !(incremental && file.exists()) {
        return std::fs::rename(aside, file).with_context(|| format!("putting {} in place", file.display()));
    }
    let text = std::fs::read(aside).with_context(|| format!("reading {}", aside.display()))?;
    let rows = match format {
        Format::Csv => text.iter().position(|&b| b == b'\n').map_or(&[][..], |end| &text[end + 1..]),
        _ => &text[..],
    };
    let mut out = std::fs::OpenOptions::new().append(true).open(file).with_context(|| format!("opening {}", file.display()))?;
    out.write_all(rows).with_context(|| format!("appending to {}", file.display()))?;
    std::fs::remove_file(aside).with_context(|| format!("removing {}", aside.display()))
}

/// One line per report, then the total:
///
/// ```text
/// repositories: ok · 3 rows · 1 page · 1 request · 0.0 s
/// commits: failed after 0.2 s: upstream: Bitbucket answered HTTP 500 …
///   what to do: …
/// total: 2 reports, 1 ok, 1 failed · 3 rows · 1 page · 1 request · 0.3 s
/// ```
fn print_summary(out: &mut impl Write, outcomes: &[Outcome], elapsed: Duration) -> std::io::Result<()> {
    let mut total = RunSummary::default();
    for Outcome { id, result, elapsed } in outcomes {
        match result {
            Ok(summary) => {
                writeln!(out, "{}: ok · {}", printable(id), progress::line(summary, *elapsed))?;
                total.rows += summary.rows;
                total.pages += summary.pages;
                total.requests += summary.requests;
                total.retries += summary.retries;
                total.skipped += summary.skipped;
            }
            Err(e) => {
                let (line, action) = advice::explain(e);
                writeln!(out, "{}: failed after {:.1} s: {}", printable(id), elapsed.as_secs_f64(), printable(&line))?;
                if let Some(action) = action {
                    writeln!(out, "  what to do: {}", printable(&action))?;
                }
            }
        }
    }
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let reports = if outcomes.len() == 1 { "report" } else { "reports" };
    writeln!(
        out,
        "total: {} {reports}, {} ok, {failed} failed · {}",
        outcomes.len(),
        outcomes.len() - failed,
        progress::line(&total, elapsed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::wit::{ParamInfo, ParamKind, Retirement};

    fn report(id: &str, params: &[(&str, bool)], status: ReportStatus) -> ReportInfo {
        let params = params
            .iter()
            .map(|&(name, required)| ParamInfo {
                name: name.into(),
                kind: ParamKind::Text,
                required,
                default: None,
                description: String::new(),
                products: vec![Product::Cloud],
            })
            .collect();
        ReportInfo {
            id: id.into(),
            title: String::new(),
            aliases: vec![],
            description: String::new(),
            endpoint: String::new(),
            data_center_endpoint: None,
            products: vec![Product::Cloud],
            params,
            columns: vec![],
            primary_key: vec![],
            changed_column: None,
            status,
        }
    }

    fn catalog() -> Vec<ReportInfo> {
        let retired = Retirement { since: "2026-08-20".into(), reason: "Gone.".into(), replacement: Some("commits".into()) };
        vec![
            report("commits", &[("workspace", true), ("repository", false)], ReportStatus::Available),
            report("me", &[], ReportStatus::Available),
            report("history", &[("workspace", true), ("path", true)], ReportStatus::Available),
            report("old", &[("workspace", true)], ReportStatus::RetiredUpstream(retired)),
            report("members", &[("workspace", true)], ReportStatus::Available),
        ]
    }

    fn ids(chosen: &[&ReportInfo]) -> Vec<String> {
        chosen.iter().map(|r| r.id.clone()).collect()
    }

    #[test]
    fn the_default_set_is_every_available_report_that_needs_only_the_workspace() {
        let catalog = catalog();
        assert_eq!(ids(&select(&catalog, &[], Product::Cloud).unwrap()), ["commits", "members"]);
        let asked = ["members".to_string(), "commits".to_string(), "members".to_string()];
        assert_eq!(
            ids(&select(&catalog, &asked, Product::Cloud).unwrap()),
            ["members", "commits"],
            "in the order asked, each once"
        );
        let refused = |id: &str| select(&catalog, &[id.to_string()], Product::Cloud).unwrap_err().to_string();
        assert_eq!(refused("old"), "report `old` was retired upstream on 2026-08-20: Gone.; sync `commits` instead");
        assert_eq!(refused("me"), "report `me` is not read per workspace; run it with `connector-harness run me`");
        assert_eq!(refused("nope"), "no report `nope`; `connector-harness reports` lists them");
        assert_eq!(
            refused("history"),
            "report `history` needs the parameter `path`, which a workspace sync does not give; run it with `connector-harness run history --param workspace=… --param path=…`"
        );
    }

    #[test]
    fn the_summary_has_a_line_per_report_and_a_total() {
        let ok = |rows, pages, requests| RunSummary { rows, pages, requests, ..RunSummary::default() };
        let failed = anyhow::Error::from(crate::HostError::Output("the disk is full".into()));
        let outcomes = [
            Outcome { id: "repositories".into(), result: Ok(ok(3, 1, 1)), elapsed: Duration::from_millis(40) },
            Outcome { id: "commits\x1b[2J".into(), result: Err(failed), elapsed: Duration::from_millis(250) },
            Outcome { id: "pull-requests".into(), result: Ok(ok(1_180, 25, 27)), elapsed: Duration::from_millis(1_260) },
        ];
        let mut out = Vec::new();
        print_summary(&mut out, &outcomes, Duration::from_millis(1_600)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "repositories: ok · 3 rows · 1 page · 1 request · 0.0 s\n\
             commits\\x1b[2J: failed after 0.2 s: output-error: the disk is full\n  \
             what to do: Check that the output file's directory exists and is writable, and that the disk is not full.\n\
             pull-requests: ok · 1,180 rows · 25 pages · 27 requests · 1.3 s\n\
             total: 3 reports, 2 ok, 1 failed · 1,183 rows · 26 pages · 28 requests · 1.6 s\n"
        );
    }

    #[test]
    fn an_incremental_run_appends_its_rows_and_a_full_run_replaces_the_file() {
        let folder = std::env::temp_dir().join(format!("connector-harness-{}-put-in-place", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let (file, aside) = (folder.join("prs.csv"), folder.join("prs.csv.partial"));
        std::fs::write(&file, "id,title\n1,a\n2,b\n").unwrap();
        std::fs::write(&aside, "id,title\n2,\"b\nc\"\n").unwrap();
        put_in_place(&aside, &file, Format::Csv, true).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "id,title\n1,a\n2,b\n2,\"b\nc\"\n");
        assert!(!aside.exists());
        std::fs::write(&aside, "id,title\n3,d\n").unwrap();
        put_in_place(&aside, &file, Format::Csv, false).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "id,title\n3,d\n");
        let jsonl = folder.join("prs.jsonl");
        std::fs::write(&jsonl, "{\"id\":1}\n").unwrap();
        std::fs::write(&aside, "{\"id\":2}\n").unwrap();
        put_in_place(&aside, &jsonl, Format::Jsonl, true).unwrap();
        assert_eq!(std::fs::read_to_string(&jsonl).unwrap(), "{\"id\":1}\n{\"id\":2}\n");
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
