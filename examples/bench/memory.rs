//! Memory for a small and a large report. Each run happens in a child
//! process (this binary again, with `--memory-child`), so the peak RSS it
//! reports is that run's alone: engine, component, one session, its rows
//! streamed to a sink. The fake Bitbucket runs in the parent.

use crate::{config, fake, first_repo, spec};
use host_harness::{component, Host, Limits};
use std::process::Command;
use std::time::Duration;

const FLAG: &str = "--memory-child";

/// What a child measured.
struct Child {
    rows: u64,
    guest_peak: usize,
    host_peak_kib: u64,
}

/// Runs both sizes and prints the table.
pub fn report() -> anyhow::Result<()> {
    println!("| report | rows | guest linear memory (peak) | host RSS (peak) |");
    println!("|---|---:|---:|---:|");
    let mut measured = Vec::new();
    for commits in [1_000, 100_000] {
        let fake = fake(spec(1, 10, commits), Duration::ZERO)?;
        let repo = first_repo(&fake);
        let output = Command::new(std::env::current_exe()?).args([FLAG, &config(&fake, 1), &repo]).output()?;
        anyhow::ensure!(output.status.success(), "memory child failed: {}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8(output.stdout)?;
        let numbers: Vec<u64> = text.split_whitespace().map(str::parse).collect::<Result<_, _>>()?;
        let child = Child { rows: numbers[0], guest_peak: numbers[1] as usize, host_peak_kib: numbers[2] };
        println!(
            "| commits, {} | {} | {:.1} MiB | {:.1} MiB |",
            commits,
            child.rows,
            child.guest_peak as f64 / (1 << 20) as f64,
            child.host_peak_kib as f64 / 1024.0
        );
        measured.push(child);
    }
    let (small, large) = (&measured[0], &measured[1]);
    println!(
        "\n{}x the rows: guest memory {:.2}x, host RSS {:.2}x.",
        large.rows / small.rows.max(1),
        large.guest_peak as f64 / small.guest_peak as f64,
        large.host_peak_kib as f64 / small.host_peak_kib as f64
    );
    Ok(())
}

/// In a child: runs `commits` for the repository and prints
/// `rows guest-peak-bytes host-peak-kib`. `None` in the parent.
pub fn child_main() -> anyhow::Result<Option<i32>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some(FLAG) {
        return Ok(None);
    }
    let (config, repo) = (&args[2], &args[3]);
    let host = Host::load(&component::default_path(), Limits::default())?;
    let mut session = host.session(config)?;
    let params = [("workspace".to_string(), "acme".to_string()), ("repository".to_string(), repo.clone())];
    let summary = session.run("commits", &params, |_| Ok(()))?;
    println!("{} {} {}", summary.rows, session.guest_memory_peak(), peak_rss_kib()?);
    Ok(Some(0))
}

/// This process's peak resident set (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line =
        status.lines().find(|l| l.starts_with("VmHWM:")).ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/self/status"))?;
    Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
}
