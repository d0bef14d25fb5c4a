//! What a failed call into the guest becomes: the connector's typed error,
//! a host limit that stopped it, a trap, or the host's own output failure.

use super::limits::HostLimit;
use super::wit::ConnectorError;

/// Why a call failed: the connector said so, or the host stopped it.
#[derive(Debug)]
pub enum HostError {
    /// The connector returned a typed error.
    Connector(ConnectorError),
    /// The host stopped the session: it went past one of its limits.
    Limit {
        /// Which limit.
        limit: HostLimit,
        /// What happened, for a person.
        message: String,
    },
    /// The guest trapped, ran out of memory, or the host failed.
    Trap(String),
    /// The host could not take the rows (e.g. the output file or pipe failed).
    Output(String),
}

impl HostError {
    /// A [`HostError::Limit`] for `limit`, saying what went past it.
    pub(crate) fn limit(limit: HostLimit, what: impl std::fmt::Display) -> HostError {
        HostError::Limit { limit, message: format!("{what}; the session was stopped") }
    }
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Connector(e) => write!(f, "{}: {}", e.code.name(), e.message),
            HostError::Limit { limit, message } => {
                write!(f, "host-limit: {} exceeded: {message}", limit.name())
            }
            HostError::Trap(message) => write!(f, "guest-trap: {message}"),
            HostError::Output(message) => write!(f, "output-error: {message}"),
        }
    }
}

impl std::error::Error for HostError {}

/// A wasmtime error (a trap, a host failure) as a [`HostError`].
pub(crate) fn trap(error: wasmtime::Error) -> HostError {
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
        return HostError::Trap(format!("the component trapped ({trap}); the session was ended"));
    }
    HostError::Trap(format!("{error:#}"))
}
