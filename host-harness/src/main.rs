//! `connector-harness`: run the bitbucket-connector component locally.

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand};
use fake_bitbucket::{FakeBitbucket, FakeOptions};
use host_harness::output::{self, Format};
use host_harness::progress::Progress;
use host_harness::sqlite::SqliteWriter;
use host_harness::{
    advice, component, env_config, Host, HostError, Limits, ReportInfo, ReportStatus,
};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "connector-harness",
    version,
    about = "Run the Bitbucket connector component under wasmtime"
)]
struct Cli {
    /// The component to load (default: the one this repository builds, built if needed).
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the reports the connector offers.
    #[command(after_help = "Example:\n  connector-harness reports --json | jq '.[].id'")]
    Reports {
        /// Print the catalog as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Run one report and write its rows.
    #[command(
        after_help = "Examples:\n  connector-harness run pull-requests --config bitbucket.json \\\n      --param workspace=acme --param repository=web-app --format csv --output prs.csv\n  connector-harness run pull-requests --config bitbucket.json --param workspace=acme \\\n      --format sqlite --output bitbucket.db --state bitbucket.state.json\n  BITBUCKET_EMAIL=you@example.com BITBUCKET_API_TOKEN=... \\\n      connector-harness run repositories --param workspace=acme --format table"
    )]
    Run {
        /// The report id (see `reports`).
        report: String,
        /// The connector configuration (JSON): endpoint and auth; `auth.token_env`
        /// and the like name environment variables holding secrets. Without it,
        /// BITBUCKET_EMAIL + BITBUCKET_API_TOKEN (or BITBUCKET_ACCESS_TOKEN, and
        /// optionally BITBUCKET_ENDPOINT) are used.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// A report parameter, NAME=VALUE; repeat for several.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// Write rows to FILE instead of stdout (required for sqlite).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Incremental runs: FILE keeps, per report and parameters, the
        /// checkpoint of the last complete run; the next run asks only for
        /// what changed after it.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// No progress line on stderr (it only shows on a terminal anyway).
        #[arg(long)]
        quiet: bool,
    },
    /// Describe one report: parameters, columns with types, primary key, endpoint, status.
    #[command(after_help = "Example:\n  connector-harness describe pull-requests")]
    Describe {
        /// The report id or one of its aliases (see `reports`).
        report: String,
        /// Print the description as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start a fake Bitbucket with a seeded demo workspace and run a report against it.
    #[command(after_help = "Example:\n  connector-harness demo --report commits --format jsonl")]
    Demo {
        /// The report to run against the demo workspace `acme`.
        #[arg(long, default_value = "pull-requests")]
        report: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line starting with the error code, then what to do.
            let (line, action) = match e.downcast_ref::<HostError>() {
                Some(host) => (host.to_string(), Some(advice::what_to_do(host))),
                None => (format!("harness-error: {e:#}"), None),
            };
            eprintln!("{}", line.replace(['\n', '\r'], " "));
            if let Some(action) = action {
                eprintln!("what to do: {action}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let component = match cli.component {
        Some(path) => path,
        None => component::build()?,
    };
    let host = Host::load(&component, Limits::default())?;
    match cli.command {
        Command::Reports { json } => {
            let reports = host.list_reports()?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &catalog_json(&reports))?;
                writeln!(out)?;
            } else {
                print_catalog(&mut out, &reports)?;
            }
        }
        Command::Run {
            report,
            config,
            params,
            format,
            output,
            state,
            quiet,
        } => {
            let var = |name: &str| std::env::var(name).ok();
            let (config_path, file_text, config) = match config {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading the config file {}", path.display()))?;
                    let resolved = env_config::resolve(&text, var)?;
                    (Some(path), text, resolved)
                }
                None => (None, String::new(), env_config::from_standard_vars(var)?),
            };
            let mut params = params
                .iter()
                .map(|p| parse_param(p))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let info = host.list_reports()?.into_iter().find(|r| r.id == report);
            let mut state = match (&state, &info) {
                (Some(path), Some(info)) => Some(State::load(path, info, &params)?),
                _ => None,
            };
            if let Some(after) = state.as_ref().and_then(State::resume_after) {
                params.push(("changed-after".into(), after));
            }
            let mut session = host.session(&config)?;
            let result = run_report(
                &host,
                &mut session,
                &report,
                &params,
                format,
                output.as_deref(),
                quiet,
            );
            // Bitbucket expires a refresh token once it has rotated it: keep
            // the new one, whether or not the run succeeded.
            if let (Ok(Some(token)), Some(path)) = (session.rotated_refresh_token(), &config_path) {
                save_refresh_token(path, &file_text, &token)?;
            }
            let summary = result?;
            // Only a complete run moves the checkpoint.
            if let (Some(state), Some(checkpoint)) = (&mut state, summary.checkpoint) {
                state.save(&checkpoint)?;
            }
        }
        Command::Describe { report, json } => {
            let reports = host.list_reports()?;
            let Some(info) = reports.iter().find(|r| {
                r.id == report || r.aliases.iter().any(|a| a.eq_ignore_ascii_case(&report))
            }) else {
                bail!("no report `{report}`; `connector-harness reports` lists them");
            };
            let mut out = std::io::stdout().lock();
            if json {
                let described = catalog_json(std::slice::from_ref(info));
                serde_json::to_writer_pretty(&mut out, &described[0])?;
                writeln!(out)?;
            } else {
                describe(&mut out, info)?;
            }
        }
        Command::Demo { report, format } => {
            let fake = FakeBitbucket::start(FakeOptions::default())?;
            let creds = fake.credentials();
            let auth = json!({"type": "api-token", "email": creds.email, "token": creds.api_token});
            let config = json!({"endpoint": fake.base_url(), "auth": auth}).to_string();
            let mut params = vec![("workspace".to_string(), "acme".to_string())];
            let info = host.list_reports()?.into_iter().find(|r| r.id == report);
            if info
                .as_ref()
                .is_some_and(|r| r.params.iter().any(|p| p.name == "repository"))
            {
                params.push(("repository".into(), "web-app".into()));
            }
            eprintln!(
                "fake Bitbucket at {} (workspace `acme`); running `{report}`…",
                fake.base_url()
            );
            let mut session = host.session(&config)?;
            let summary = run_report(&host, &mut session, &report, &params, format, None, false)?;
            eprintln!(
                "{} rows in {} batches from {} requests",
                summary.rows,
                summary.batches,
                fake.requests().len()
            );
        }
    }
    Ok(())
}

/// Runs a report into `output` (stdout if `None`) in `format`, with a
/// progress line on a terminal unless `quiet`.
fn run_report(
    host: &Host,
    session: &mut host_harness::Session,
    report: &str,
    params: &[(String, String)],
    format: Format,
    output: Option<&std::path::Path>,
    quiet: bool,
) -> anyhow::Result<host_harness::sandbox::RunSummary> {
    let reports = host.list_reports()?;
    let info = reports.iter().find(|r| r.id == report);
    let columns = info.map(|r| r.columns.clone()).unwrap_or_default();
    let mut writer: Box<dyn output::RowWriter> = match (format, output, info) {
        (Format::Sqlite, Some(path), Some(info)) => Box::new(SqliteWriter::open(path, info)?),
        (Format::Sqlite, None, _) => {
            bail!("--format sqlite writes to a database file: give --output FILE")
        }
        (_, Some(path), _) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            output::writer(format, &columns, Box::new(std::io::BufWriter::new(file)))?
        }
        (_, None, _) => output::writer(
            format,
            &columns,
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        )?,
    };
    let mut progress = Progress::new(quiet);
    let summary = session.run_observed(
        report,
        params,
        |cells| Ok(writer.row(cells)?),
        |counts| progress.update(counts),
    )?;
    writer.finish()?;
    progress.finish(&summary);
    Ok(summary)
}

/// The parameters that set a run's dates (at most one is given).
const DATE_PARAMS: [&str; 3] = ["since", "days-back", "changed-after"];

/// `--state FILE`: checkpoints by report and parameters, as JSON
/// (`{"pull-requests workspace=acme": "2026-10-05T12:00:00+00:00"}`).
struct State {
    path: PathBuf,
    key: String,
    all: serde_json::Map<String, Value>,
}

impl State {
    fn load(
        path: &std::path::Path,
        info: &ReportInfo,
        params: &[(String, String)],
    ) -> anyhow::Result<State> {
        if !info.params.iter().any(|p| p.name == "changed-after") {
            bail!(
                "report `{}` has no date field to resume from; run it without --state",
                info.id
            );
        }
        let all = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!("{} is not a state file (a JSON object)", path.display())
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::Map::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        // The scope: every parameter but the date ones.
        let mut scope: Vec<String> = params
            .iter()
            .filter(|(name, _)| !DATE_PARAMS.contains(&name.as_str()))
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        scope.sort();
        let key = std::iter::once(info.id.clone())
            .chain(scope)
            .collect::<Vec<_>>()
            .join(" ");
        let dated = params
            .iter()
            .any(|(name, _)| DATE_PARAMS.contains(&name.as_str()));
        let mut state = State {
            path: path.to_path_buf(),
            key,
            all,
        };
        if dated {
            // An explicit date wins; the checkpoint still moves afterwards.
            state.all.remove(&state.key);
        }
        Ok(state)
    }

    fn resume_after(&self) -> Option<String> {
        self.all.get(&self.key)?.as_str().map(str::to_string)
    }

    /// Records `checkpoint` for this scope (atomically: written aside, renamed).
    fn save(&mut self, checkpoint: &str) -> anyhow::Result<()> {
        self.all
            .insert(self.key.clone(), Value::String(checkpoint.to_string()));
        let aside = self.path.with_extension("partial");
        std::fs::write(&aside, serde_json::to_string_pretty(&self.all)? + "\n")?;
        std::fs::rename(&aside, &self.path)
            .with_context(|| format!("saving the state to {}", self.path.display()))
    }
}

/// Writes a rotated OAuth refresh token back into the config file, in place
/// of the one it held, and says so (without printing the token). When the
/// file names a variable for it instead, the token goes to a file of its own.
fn save_refresh_token(path: &std::path::Path, config: &str, token: &str) -> anyhow::Result<()> {
    let mut value: Value = serde_json::from_str(config)?;
    if let Some(var) = value["auth"]["refresh_token_env"].as_str() {
        let aside = path.with_extension("refresh-token");
        write_private(&aside, token)?;
        eprintln!(
            "Bitbucket rotated the OAuth refresh token; the old one in {var} no longer works. The new one was saved to {}: put it in {var}.",
            aside.display()
        );
        return Ok(());
    }
    value["auth"]["refresh_token"] = Value::String(token.to_string());
    let text = serde_json::to_string_pretty(&value)? + "\n";
    write_private(path, &text).with_context(|| {
        format!(
            "saving the rotated OAuth refresh token to {}",
            path.display()
        )
    })?;
    eprintln!(
        "Bitbucket rotated the OAuth refresh token; the new one was saved to {}",
        path.display()
    );
    Ok(())
}

/// Writes a file only its owner can read (it holds a secret).
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())?;
    Ok(())
}

/// `describe`: a report's contract, for a person.
fn describe(out: &mut impl Write, r: &ReportInfo) -> std::io::Result<()> {
    writeln!(out, "{} ({})", r.title, r.id)?;
    if !r.aliases.is_empty() {
        writeln!(out, "Also known as: {}", r.aliases.join(", "))?;
    }
    writeln!(out, "\n{}\n", r.description)?;
    match &r.status {
        ReportStatus::Available => writeln!(out, "Status:      available")?,
        ReportStatus::RetiredUpstream(t) => {
            let instead = t
                .replacement
                .as_deref()
                .map(|r| format!("; use `{r}`"))
                .unwrap_or_default();
            writeln!(
                out,
                "Status:      retired upstream since {}: {}{instead}",
                t.since, t.reason
            )?
        }
    }
    writeln!(out, "Endpoint:    GET {}", r.endpoint)?;
    writeln!(out, "Primary key: {}", r.primary_key.join(", "))?;
    writeln!(out, "\nParameters:")?;
    let width = r.params.iter().map(|p| p.name.len()).max().unwrap_or(4);
    for p in &r.params {
        let need = match (&p.default, p.required) {
            (Some(d), _) => format!("default {d}"),
            (None, true) => "required".to_string(),
            (None, false) => "optional".to_string(),
        };
        let kind = format!("{:?}", p.kind).to_lowercase();
        writeln!(
            out,
            "  {:width$}  {kind:8}  {need:12}  {}",
            p.name, p.description
        )?;
    }
    writeln!(out, "\nColumns:")?;
    let width = r.columns.iter().map(|c| c.name.len()).max().unwrap_or(4);
    for c in &r.columns {
        let ty = format!("{:?}", c.type_).to_lowercase();
        let null = if c.nullable { "null" } else { "" };
        writeln!(
            out,
            "  {:width$}  {ty:9}  {null:4}  {}",
            c.name, c.description
        )?;
    }
    Ok(())
}

fn parse_param(raw: &str) -> anyhow::Result<(String, String)> {
    match raw.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => bail!("--param expects NAME=VALUE, got `{raw}`"),
    }
}

fn catalog_json(reports: &[ReportInfo]) -> Value {
    Value::Array(
        reports
            .iter()
            .map(|r| {
                let (status, retired) = match &r.status {
                    ReportStatus::Available => ("available", Value::Null),
                    ReportStatus::RetiredUpstream(t) => (
                        "retired-upstream",
                        json!({"since": t.since, "reason": t.reason, "replacement": t.replacement}),
                    ),
                };
                json!({
                    "id": r.id,
                    "title": r.title,
                    "aliases": r.aliases,
                    "description": r.description,
                    "endpoint": r.endpoint,
                    "status": status,
                    "retired": retired,
                    "params": r.params.iter().map(|p| json!({
                        "name": p.name,
                        "kind": format!("{:?}", p.kind).to_lowercase(),
                        "required": p.required,
                        "default": p.default,
                        "description": p.description,
                    })).collect::<Vec<_>>(),
                    "columns": r.columns.iter().map(|c| json!({
                        "name": c.name,
                        "type": format!("{:?}", c.type_).to_lowercase(),
                        "nullable": c.nullable,
                        "description": c.description,
                    })).collect::<Vec<_>>(),
                    "primary_key": r.primary_key,
                })
            })
            .collect(),
    )
}

fn print_catalog(out: &mut impl Write, reports: &[ReportInfo]) -> std::io::Result<()> {
    let id_width = reports.iter().map(|r| r.id.len()).max().unwrap_or(2);
    writeln!(
        out,
        "{:id_width$}  {:16}  {:>7}  TITLE",
        "ID", "STATUS", "COLUMNS"
    )?;
    for r in reports {
        let status = match r.status {
            ReportStatus::Available => "available",
            ReportStatus::RetiredUpstream(_) => "retired-upstream",
        };
        writeln!(
            out,
            "{:id_width$}  {status:16}  {:>7}  {}",
            r.id,
            r.columns.len(),
            r.title
        )?;
    }
    Ok(())
}
