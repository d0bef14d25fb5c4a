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
        // Whoever read the output went away (`… | head`): nothing to
        // report, and a run did not complete (its checkpoint did not move).
        Err(e) if closed_output(&e) => ExitCode::SUCCESS,
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

/// Whether `error` is a closed output: a run's [`OutputClosed`], or any
/// write that found the pipe closed (`reports | head -1`).
fn closed_output(error: &anyhow::Error) -> bool {
    let broken_pipe = |cause: &(dyn std::error::Error + 'static)| {
        let kind = match cause.downcast_ref::<serde_json::Error>() {
            Some(json) => json.io_error_kind(),
            None => cause.downcast_ref::<std::io::Error>().map(std::io::Error::kind),
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    };
    error.downcast_ref::<OutputClosed>().is_some() || error.chain().any(broken_pipe)
}
