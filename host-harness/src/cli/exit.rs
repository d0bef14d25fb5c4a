//! How a command ends: exit 0, quietly when whoever read the output went
//! away; otherwise one line starting with the error code, then what to do.
//! Shared by `connector-harness` and `tap-bitbucket`.

use super::run::OutputClosed;
use crate::output::terminal::printable;
use crate::{advice, HostError};
use std::process::ExitCode;

/// The exit code for a command's `result`, with the error (if any) told on
/// stderr.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // Whoever read the rows went away (`… | head`): nothing to report,
        // and the run did not complete (its checkpoint did not move).
        Err(e) if e.downcast_ref::<OutputClosed>().is_some() => ExitCode::SUCCESS,
        Err(e) => {
            let (line, action) = match e.downcast_ref::<HostError>() {
                Some(host) => (host.to_string(), Some(advice::what_to_do(host))),
                None => (format!("harness-error: {e:#}"), None),
            };
            // The message may carry the guest's text: nothing in it reaches
            // the terminal as a control character (a line break included).
            eprintln!("{}", printable(&line));
            if let Some(action) = action {
                eprintln!("what to do: {}", printable(&action));
            }
            ExitCode::FAILURE
        }
    }
}
