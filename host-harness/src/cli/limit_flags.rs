//! The sandbox's limits as command-line flags (global: every subcommand
//! takes them). Each flag's name is the one a `host-limit` error names.

use crate::Limits;
use std::time::Duration;

/// `--call-deadline`, `--run-deadline`, `--max-calls`, ...; unset flags
/// keep [`Limits::default`].
#[derive(clap::Args, Debug, Default)]
pub struct LimitFlags {
    /// Seconds one call into the component may take [default: 600].
    #[arg(long, global = true, value_name = "SECONDS")]
    call_deadline: Option<f64>,
    /// Seconds a whole run may take [default: 21600].
    #[arg(long, global = true, value_name = "SECONDS")]
    run_deadline: Option<f64>,
    /// Calls into the component one run may make [default: 10000000].
    #[arg(long, global = true, value_name = "N")]
    max_calls: Option<u64>,
    /// Empty batches in a row before a run is stopped as stuck [default: 100000].
    #[arg(long, global = true, value_name = "N")]
    max_empty_batches: Option<u64>,
    /// Requests one run may send [default: 5000000].
    #[arg(long, global = true, value_name = "N")]
    max_requests: Option<u64>,
    /// Requests in flight at once, at most [default: 34; a session's own cap is its concurrency + 2].
    #[arg(long, global = true, value_name = "N")]
    max_in_flight: Option<usize>,
    /// Linear memory the component may use, in MiB [default: 64].
    #[arg(long, global = true, value_name = "MIB")]
    memory_mib: Option<usize>,
}

impl LimitFlags {
    /// The limits these flags set, over the defaults. Refuses a zero,
    /// negative or non-finite duration.
    pub fn limits(&self) -> anyhow::Result<Limits> {
        let mut limits = Limits::default();
        let duration = |flag: &str, s: f64| {
            if s.is_finite() && s > 0.0 && s < 1e9 {
                Ok(Duration::from_secs_f64(s))
            } else {
                Err(anyhow::anyhow!("--{flag} takes a positive number of seconds, got {s}"))
            }
        };
        if let Some(s) = self.call_deadline {
            limits.call_deadline = duration("call-deadline", s)?;
        }
        if let Some(s) = self.run_deadline {
            limits.run_deadline = duration("run-deadline", s)?;
        }
        limits.max_calls_per_run = self.max_calls.unwrap_or(limits.max_calls_per_run);
        limits.max_empty_batches = self.max_empty_batches.unwrap_or(limits.max_empty_batches);
        limits.max_requests_per_run = self.max_requests.unwrap_or(limits.max_requests_per_run);
        limits.max_in_flight = self.max_in_flight.unwrap_or(limits.max_in_flight).max(1);
        if let Some(mib) = self.memory_mib {
            limits.memory_bytes = mib.max(1) << 20;
        }
        Ok(limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HostLimit;

    #[test]
    fn flags_override_defaults_and_name_the_limits() {
        let flags = LimitFlags { call_deadline: Some(1.5), max_requests: Some(7), ..LimitFlags::default() };
        let limits = flags.limits().unwrap();
        assert_eq!(limits.call_deadline, Duration::from_millis(1500));
        assert_eq!(limits.max_requests_per_run, 7);
        assert_eq!(limits.run_deadline, Limits::default().run_deadline);
        let bad = LimitFlags { run_deadline: Some(-1.0), ..LimitFlags::default() };
        assert!(bad.limits().unwrap_err().to_string().contains("--run-deadline"));
        // The flag each limit's error names is a flag of this struct.
        let help = {
            use clap::CommandFactory;
            #[derive(clap::Parser)]
            struct Probe {
                #[command(flatten)]
                flags: LimitFlags,
            }
            Probe::command().render_long_help().to_string()
        };
        for limit in
            [HostLimit::CallDeadline, HostLimit::RunDeadline, HostLimit::Calls, HostLimit::EmptyBatches, HostLimit::Requests]
        {
            assert!(help.contains(&limit.flag()), "{} in\n{help}", limit.flag());
        }
    }
}
