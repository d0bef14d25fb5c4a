//! What a failed call into the guest becomes: the connector's typed error,
//! a trap, or the host's own output failure.

use super::wit::ConnectorError;

/// Why a call failed: the connector said so, or the host stopped it.
#[derive(Debug)]
pub enum HostError {
    /// The connector returned a typed error.
    Connector(ConnectorError),
    /// The guest trapped, ran out of time or memory, or the host failed.
    Trap(String),
    /// The host could not take the rows (e.g. the output file or pipe failed).
    Output(String),
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Connector(e) => write!(f, "{}: {}", e.code.name(), e.message),
            HostError::Trap(message) => write!(f, "guest-trap: {message}"),
            HostError::Output(message) => write!(f, "output-error: {message}"),
        }
    }
}

impl std::error::Error for HostError {}

/// A wasmtime error (a trap, an interrupt, a host failure) as a [`HostError`].
pub(crate) fn trap(error: wasmtime::Error) -> HostError {
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
        let what = match trap {
            wasmtime::Trap::Interrupt => {
                "the component exceeded its time budget for one call and was stopped".to_string()
            }
            other => format!("the component trapped ({other}); the session was ended"),
        };
        return HostError::Trap(what);
    }
    HostError::Trap(format!("{error:#}"))
}
