//! A progress line on stderr for runs longer than a moment: rows, pages,
//! requests, retries and elapsed time, redrawn in place. Shown only when
//! stderr is a terminal (and not `--quiet`), so logs and pipes stay clean.
//! Only the host's own control sequences (redraw in place) are written raw;
//! the line itself goes through `printable`.

use crate::output::terminal::printable;
use crate::sandbox::RunSummary;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Nothing is drawn before this: short runs stay silent.
const AFTER: Duration = Duration::from_millis(500);
/// At most this often.
const EVERY: Duration = Duration::from_millis(100);

pub struct Progress {
    enabled: bool,
    started: Instant,
    drawn: Option<Instant>,
}

impl Progress {
    /// Draws on stderr if it is a terminal and `quiet` is off.
    pub fn new(quiet: bool) -> Progress {
        Progress { enabled: !quiet && std::io::stderr().is_terminal(), started: Instant::now(), drawn: None }
    }

    /// After each batch.
    pub fn update(&mut self, summary: &RunSummary) {
        let now = Instant::now();
        let due = now - self.started >= AFTER && self.drawn.is_none_or(|d| now - d >= EVERY);
        if self.enabled && due {
            self.drawn = Some(now);
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{}", printable(&line(summary, now - self.started)));
            let _ = err.flush();
        }
    }

    /// Leaves the final counts on their own line (if anything was drawn).
    pub fn finish(&mut self, summary: &RunSummary) {
        if self.enabled && self.drawn.is_some() {
            eprintln!("\r\x1b[2K{}", printable(&line(summary, self.started.elapsed())));
        }
    }
}

/// `1,234 rows · 25 pages · 27 requests (2 retries) · 3.4 s`, with
/// `· 3 skipped` before the time when objects were left out.
pub fn line(summary: &RunSummary, elapsed: Duration) -> String {
    let retries = match summary.retries {
        0 => String::new(),
        1 => " (1 retry)".to_string(),
        n => format!(" ({} retries)", thousands(n)),
    };
    let skipped = match summary.skipped {
        0 => String::new(),
        n => format!(" · {} skipped", thousands(n)),
    };
    format!(
        "{} · {} · {}{retries}{skipped} · {:.1} s",
        count(summary.rows, "row"),
        count(summary.pages, "page"),
        count(summary.requests, "request"),
        elapsed.as_secs_f64()
    )
}

/// What a run left out, said whether or not progress is drawn: nothing is
/// left out without a word. `None` when it left nothing out.
pub fn skipped_note(report: &str, summary: &RunSummary) -> Option<String> {
    let n = summary.skipped;
    let objects = if n == 1 { "object" } else { "objects" };
    (n > 0).then(|| {
        format!(
            "{report}: {} {objects} left out under \"on_invalid_object\": \"skip\" (objects that could not be read, parents that could not be visited, or objects a collection's size promised and its pages did not hold); without that setting the run fails on the first one and says which.",
            thousands(n)
        )
    })
}

fn count(n: u64, what: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {what}{s}", thousands(n))
}

/// `1,055` for 1055, as the progress line and summaries write counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_rows_pages_requests_retries_and_time() {
        let summary = RunSummary { rows: 12_345, pages: 124, requests: 127, retries: 3, ..RunSummary::default() };
        assert_eq!(line(&summary, Duration::from_millis(3_450)), "12,345 rows · 124 pages · 127 requests (3 retries) · 3.5 s");
        let quiet = RunSummary { rows: 7, pages: 1, requests: 1, ..RunSummary::default() };
        assert_eq!(line(&quiet, Duration::ZERO), "7 rows · 1 page · 1 request · 0.0 s");
        let skipped = RunSummary { skipped: 1_204, ..quiet };
        assert_eq!(line(&skipped, Duration::ZERO), "7 rows · 1 page · 1 request · 1,204 skipped · 0.0 s");
        assert_eq!(skipped_note("commits", &RunSummary { skipped: 0, ..skipped.clone() }), None);
        assert!(skipped_note("commits", &skipped).unwrap().starts_with("commits: 1,204 objects left out under"));
    }

    #[test]
    fn quiet_or_not_a_terminal_draws_nothing() {
        // Tests run with stderr captured (not a terminal).
        assert!(!Progress::new(false).enabled || std::io::stderr().is_terminal());
        assert!(!Progress::new(true).enabled);
    }
}
