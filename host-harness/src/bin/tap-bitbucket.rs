//! `tap-bitbucket`: a Singer tap over the bitbucket-connector component
//! (see `host_harness::singer`), for Meltano and the Singer targets.

use anyhow::{bail, Context as _};
use clap::Parser;
use host_harness::cli::config_file;
use host_harness::cli::exit::exit_code;
use host_harness::cli::limit_flags::LimitFlags;
use host_harness::singer::{catalog, settings::Settings, tap};
use host_harness::{component, Host};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tap-bitbucket",
    version,
    about = "A Singer tap (spec 0.3) for Bitbucket, running the bitbucket-connector component",
    long_about = "A Singer tap (spec 0.3) for Bitbucket, running the bitbucket-connector component in the \
same sandbox as connector-harness.\n\n\
The config file is a connector configuration (endpoint, auth, ...) plus the tap's keys: \
`workspace` (required), `params` (more report parameters for every stream that takes them), \
`start_date` (where incremental streams start without a bookmark) and `component` (a path).",
    after_help = "Examples:\n  tap-bitbucket --config tap.json --discover > catalog.json\n  \
tap-bitbucket --config tap.json --catalog catalog.json --state state.json | target-jsonl"
)]
struct Args {
    /// The config file: the connector's configuration plus `workspace`,
    /// `params`, `start_date` and `component`.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Print the catalog: one stream per report the config can run.
    #[arg(long)]
    discover: bool,
    /// Sync the streams this catalog selects.
    #[arg(long, visible_alias = "properties", value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// The state of the last sync (its last STATE message's value).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitFlags,
}

fn main() -> ExitCode {
    exit_code(run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (settings, config) = Settings::load(&args.config)?;
    let component = match &settings.component {
        Some(path) => path.clone(),
        None => component::build()?,
    };
    let mut host = Host::load(&component, args.limits.limits()?)?;
    let reports = host.list_reports()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.discover {
        serde_json::to_writer_pretty(&mut out, &catalog::discover(&reports, &settings.params, config.product()))?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    let Some(path) = args.catalog else {
        bail!("give --discover to print the catalog, or --catalog FILE to sync the streams it selects");
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading the catalog {}", path.display()))?;
    let catalog: Value = serde_json::from_str(&text).with_context(|| format!("the catalog {} is not JSON", path.display()))?;
    let streams = catalog::selected(&catalog, &reports, &settings.params, config.product())?;
    let state = tap::State::load(args.state.as_deref())?;
    let mut session = config_file::open_session(&mut host, &config, None)?;
    let result = tap::sync(&mut session, &streams, &settings, state, &mut out);
    config_file::keep_rotated_token(&mut session, &config)?;
    result
}
