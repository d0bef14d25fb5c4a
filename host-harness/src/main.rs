//! `connector-harness`: run the bitbucket-connector component locally.

use anyhow::bail;
use clap::{Parser, Subcommand};
use connector_vocabulary::date_params;
use fake_bitbucket::{FakeBitbucket, FakeOptions};
use host_harness::cli::catalog_view::{catalog_json, describe, print_catalog};
use host_harness::cli::config_file;
use host_harness::cli::exit::exit_code;
use host_harness::cli::fake::{self, Until};
use host_harness::cli::limit_flags::LimitFlags;
use host_harness::cli::run::{parse_param, run_report, OutputFlags};
use host_harness::cli::state::State;
use host_harness::cli::sync::{sync, SyncArgs};
use host_harness::output::terminal::printable;
use host_harness::output::Format;
use host_harness::{component, Host};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "connector-harness", version, about = "Run the Bitbucket connector component under wasmtime")]
struct Cli {
    /// The component to load (default: the one this repository builds, built if needed).
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,
    /// Trust the certificate authorities in this PEM file besides the
    /// system's (a private CA); `ca_file` in the config file does the same.
    #[arg(long, global = true, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitFlags,
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
        /// Output format (arrow: an Arrow IPC stream, one record batch per
        /// batch of rows).
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        #[command(flatten)]
        out: OutputFlags,
        /// Incremental runs: FILE keeps, per report and parameters, the
        /// checkpoint of the last complete run; the next run asks only for
        /// what changed after it.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// No progress line on stderr (it only shows on a terminal anyway).
        #[arg(long)]
        quiet: bool,
    },
    /// Run a set of reports for a workspace into one SQLite database (or one
    /// folder of files), with one state file, and sum them up on stderr.
    #[command(
        long_about = "Run a set of reports for a workspace into one SQLite database (one table per report) or, \
for --format jsonl, csv or arrow, one folder (one file per report, REPORT.FORMAT), with one state file: \
each report with a date field resumes from its checkpoint, which moves only when that report completed. \
A failing report does not stop the others; its table or file stays as it was, and the sync exits 1 at the end. \
JSONL and CSV files: a full run replaces the file, an incremental run appends the changed rows. \
Arrow files are replaced, every report run in full.",
        after_help = "Examples:\n  connector-harness sync --config bitbucket.json --workspace acme \\\n      --output bitbucket.db --state bitbucket.state.json\n  connector-harness sync --config bitbucket.json --workspace acme --reports pull-requests,commits \\\n      --format jsonl --output exports/ --state bitbucket.state.json"
    )]
    Sync {
        /// The connector configuration, as for `run`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The workspace slug: every report gets `workspace=SLUG` (Cloud).
        #[arg(long, value_name = "SLUG", required_unless_present = "project", conflicts_with = "project")]
        workspace: Option<String>,
        /// The project key: every report gets `project=KEY` (Data Center,
        /// `"product": "data-center"` in the configuration).
        #[arg(long, value_name = "KEY")]
        project: Option<String>,
        /// The reports to run, comma-separated (default: every available
        /// report that needs only `workspace`).
        #[arg(long, value_name = "ID,ID,...", value_delimiter = ',')]
        reports: Vec<String>,
        /// sqlite: one database, one table per report; jsonl, csv, arrow:
        /// one folder, one file per report.
        #[arg(long, value_enum, default_value = "sqlite")]
        format: Format,
        /// The database file (sqlite) or folder (other formats).
        #[arg(long, value_name = "PATH")]
        output: PathBuf,
        /// The state file: each report's checkpoint (shared with `run --state`).
        #[arg(long, value_name = "FILE")]
        state: PathBuf,
        /// No progress line on stderr (the summary is still printed).
        #[arg(long)]
        quiet: bool,
    },
    /// Split a report run into partitions that cover it exactly once (one per
    /// repository for per-repository reports), as JSON: run each with `run`
    /// and its parameters, on any machine.
    #[command(
        after_help = "Example:\n  connector-harness partitions pull-requests --config bitbucket.json --param workspace=acme\n  [{\"id\": \"acme/web-app\", \"params\": {\"workspace\": \"acme\", \"repository\": \"web-app\"}, \"estimated_rows\": null}, ...]"
    )]
    Partitions {
        /// The report id (see `reports`).
        report: String,
        /// The connector configuration, as for `run`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// A report parameter, NAME=VALUE; repeat for several.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
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
        #[command(flatten)]
        out: OutputFlags,
    },
    /// Serve the fake Bitbucket (the demo's data) on its own, for other tools and their tests.
    #[command(
        long_about = "Serve the fake Bitbucket (the demo's data: workspace `acme`, repositories `web-app`, \
`api-service` and `infra`) on 127.0.0.1 until stdin ends, or SIGTERM or SIGINT.\n\n\
It prints one JSON line on stdout:\n  \
{\"base_url\": \"http://127.0.0.1:PORT/2.0\", \"config\": {\"endpoint\": \"...\", \"auth\": {\"type\": \"api-token\", \"email\": \"...\", \"token\": \"...\"}}}\n\
(`config` is a connector configuration for `run --config`), and one line for people on stderr.\n\n\
Control endpoint (no authentication, not counted as an API request):\n  \
POST http://127.0.0.1:PORT/_fake/pull-requests/WORKSPACE/REPOSITORY/ID  [body: {\"title\": \"...\"}]\n\
moves that pull request's `updated_on` to now (and sets its title) and answers {\"updated_on\": \"...\"}.\n\n\
With --product data-center it serves a fake Bitbucket Data Center (projects `PRJ` and `OPS`) at \
http://127.0.0.1:PORT/bitbucket; its `config` has \"product\": \"data-center\" and a bearer token, and its \
control endpoint is POST http://127.0.0.1:PORT/_fake/dc/pull-requests/PROJECT/REPOSITORY/ID, answered \
{\"updatedDate\": MILLISECONDS}.",
        after_help = "Example:\n  connector-harness fake --port 8787 --no-stdin > fake.jsonl &\n  sleep 1; jq .config fake.jsonl > fake.json\n  connector-harness run pull-requests --config fake.json --param workspace=acme --param repository=web-app\n  curl -X POST -d '{\"title\": \"Renamed\"}' http://127.0.0.1:8787/_fake/pull-requests/acme/web-app/1\n  kill %1"
    )]
    Fake {
        /// The port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Ignore stdin: stop only on SIGTERM or SIGINT (for a fake started
        /// with no stdin, e.g. in the background of a script).
        #[arg(long)]
        no_stdin: bool,
        /// Which Bitbucket: Cloud (the demo's data) or the fake Data Center.
        #[arg(long, value_enum, default_value = "cloud")]
        product: fake::Product,
    },
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // The fake needs no component.
    if let Command::Fake { port, no_stdin, product } = cli.command {
        return fake::serve(port, if no_stdin { Until::Signal } else { Until::StdinEndsOrSignal }, product);
    }
    let component = match cli.component {
        Some(path) => path,
        None => component::build()?,
    };
    let mut host = Host::load(&component, cli.limits.limits()?)?;
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
        Command::Run { report, config, params, format, out, state, quiet } => {
            let config = config_file::load(config)?;
            let mut params = params.iter().map(|p| parse_param(p)).collect::<anyhow::Result<Vec<_>>>()?;
            let info = host.list_reports()?.into_iter().find(|r| r.id == report);
            let mut state = match (&state, &info) {
                (Some(path), Some(info)) => Some((State::open(path)?, State::scope(info, &params)?)),
                _ => None,
            };
            if let Some(after) = state.as_ref().and_then(|(state, scope)| state.resume_after(scope)) {
                params.push((date_params::CHANGED_AFTER.into(), after));
            }
            let mut session = config_file::open_session(&mut host, &config, cli.ca_file.as_deref())?;
            let result = run_report(&host, &mut session, &report, &params, format, &out, quiet);
            config_file::keep_rotated_token(&mut session, &config)?;
            let summary = result?;
            // Only a complete run moves the checkpoint.
            if let (Some((state, scope)), Some(checkpoint)) = (&mut state, summary.checkpoint) {
                state.save(scope, &checkpoint)?;
            }
        }
        Command::Sync { config, workspace, project, reports, format, output, state, quiet } => {
            let scope = workspace.or(project).unwrap_or_default();
            let args = SyncArgs { scope: &scope, reports: &reports, format, output: &output, state: &state, quiet };
            sync(&mut host, config_file::load(config)?, cli.ca_file.as_deref(), &args)?;
        }
        Command::Partitions { report, config, params } => {
            let config = config_file::load(config)?;
            let params = params.iter().map(|p| parse_param(p)).collect::<anyhow::Result<Vec<_>>>()?;
            let mut session = config_file::open_session(&mut host, &config, cli.ca_file.as_deref())?;
            let partitions = session.list_partitions(&report, &params)?;
            let json: Vec<Value> = partitions
                .iter()
                .map(|p| {
                    let params: serde_json::Map<String, Value> =
                        p.params.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
                    json!({"id": p.id, "params": params, "estimated_rows": p.estimated_rows})
                })
                .collect();
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        Command::Describe { report, json } => {
            let reports = host.list_reports()?;
            let Some(info) = reports.iter().find(|r| r.id == report || r.aliases.iter().any(|a| a.eq_ignore_ascii_case(&report)))
            else {
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
        Command::Fake { .. } => unreachable!("served above"),
        Command::Demo { report, format, out } => {
            let fake = FakeBitbucket::start(FakeOptions::default())?;
            let creds = fake.credentials();
            let auth = json!({"type": "api-token", "email": creds.email, "token": creds.api_token});
            let config = json!({"endpoint": fake.base_url(), "auth": auth}).to_string();
            let mut params = vec![("workspace".to_string(), "acme".to_string())];
            let info = host.list_reports()?.into_iter().find(|r| r.id == report);
            if info.as_ref().is_some_and(|r| r.params.iter().any(|p| p.name == "repository")) {
                params.push(("repository".into(), "web-app".into()));
            }
            eprintln!("fake Bitbucket at {} (workspace `acme`); running `{}`…", fake.base_url(), printable(&report));
            let mut session = host.session(&config)?;
            let summary = run_report(&host, &mut session, &report, &params, format, &out, false)?;
            eprintln!("{} rows in {} batches from {} requests", summary.rows, summary.batches, fake.requests().len());
        }
    }
    Ok(())
}
