//! Arrow output's memory: `commits` of 1,000 and of 100,000 rows written as
//! an Arrow IPC stream to /dev/null through the harness's own
//! `run_report` (as `connector-harness run --format arrow --output
//! /dev/null`), JSON lines beside it for comparison, each run in a child
//! process (this binary again, with `--arrow-child`) so its peak RSS is that
//! run's alone. `BENCH_ONLY=arrow` runs this section alone.

use crate::{config, fake, first_repo, spec};
use host_harness::cli::run::{run_report, OutputFlags};
use host_harness::output::Format;
use host_harness::{component, Host, Limits};
use std::process::Command;
use std::time::Duration;

const FLAG: &str = "--arrow-child";

/// Runs both sizes in both formats and prints the table.
pub fn report() -> anyhow::Result<()> {
    println!("| format | rows | host RSS (peak) | wall |");
    println!("|---|---:|---:|---:|");
    let mut peaks = Vec::new();
    for commits in [1_000, 100_000] {
        let fake = fake(spec(1, 10, commits), Duration::ZERO)?;
        let repo = first_repo(&fake);
        for format in ["arrow", "jsonl"] {
            let output = Command::new(std::env::current_exe()?).args([FLAG, &config(&fake, 1), &repo, format]).output()?;
            anyhow::ensure!(output.status.success(), "arrow child failed: {}", String::from_utf8_lossy(&output.stderr));
            let text = String::from_utf8(output.stdout)?;
            let numbers: Vec<f64> = text.split_whitespace().map(str::parse).collect::<Result<_, _>>()?;
            let (rows, peak_kib, secs) = (numbers[0] as u64, numbers[1], numbers[2]);
            println!("| {format} | {rows} | {:.1} MiB | {secs:.2} s |", peak_kib / 1024.0);
            peaks.push((format, rows, peak_kib));
        }
    }
    let peak = |format: &str, i: usize| peaks.iter().filter(|p| p.0 == format).nth(i).map_or(f64::NAN, |p| p.2);
    let rows = |i: usize| peaks.iter().filter(|p| p.0 == "arrow").nth(i).map_or(1, |p| p.1);
    println!(
        "\n{}x the rows as Arrow: host RSS {:.2}x (JSON lines: {:.2}x).",
        rows(1) / rows(0).max(1),
        peak("arrow", 1) / peak("arrow", 0),
        peak("jsonl", 1) / peak("jsonl", 0)
    );
    Ok(())
}

/// In a child: runs `commits` for the repository into /dev/null in the
/// given format and prints `rows host-peak-kib seconds`. `None` in the parent.
pub fn child_main() -> anyhow::Result<Option<i32>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some(FLAG) {
        return Ok(None);
    }
    let (config, repo, format) = (&args[2], &args[3], &args[4]);
    let format = if format == "arrow" { Format::Arrow } else { Format::Jsonl };
    let started = std::time::Instant::now();
    let host = Host::load(&component::default_path(), Limits::default())?;
    let mut session = host.session(config)?;
    let params = [("workspace".to_string(), "acme".to_string()), ("repository".to_string(), repo.clone())];
    let to_null = OutputFlags { output: Some("/dev/null".into()), ..OutputFlags::default() };
    let summary = run_report(&host, &mut session, "commits", &params, format, &to_null, true)?;
    println!("{} {} {}", summary.rows, crate::memory::peak_rss_kib()?, started.elapsed().as_secs_f64());
    Ok(Some(0))
}
