//! How a command ends: exit 0, quietly when whoever read the output went
//! away; otherwise one line starting with the error code, then what to do.
//! Shared by `connector-harness` and `tap-bitbucket`.

use super::run::OutputClosed;
use crate::advice;
use crate::output::terminal::printable;
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
            let (line, action) = advice::explain(&e);
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
