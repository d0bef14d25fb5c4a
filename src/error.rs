//! The connector's error type: a code from a closed set, a message a person
//! can act on, and the HTTP details where they apply. Mirrors the WIT
//! `connector-error` record; `lib.rs` converts between the two. The codes
//! and their names are the contract's vocabulary (`connector-vocabulary`).

use std::fmt;

pub use connector_vocabulary::ErrorCode;

/// A failure. Messages never contain credentials: anything echoed from a
/// server goes through `Client::scrub` before it lands here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub http_status: Option<u16>,
    pub retry_after_seconds: Option<u32>,
    /// Whether trying again may succeed (429, 5xx, timeouts, dropped
    /// connections). Internal: not part of the WIT record.
    pub retryable: bool,
    /// Where a redirect (301, 302, 303, 307, 308) points: the client
    /// follows it (`client::Client::wait`). Internal: not part of the WIT
    /// record.
    pub redirect: Option<String>,
    /// Whether the server said it cannot serve this one object (Data
    /// Center's `NoSuchCommitException`, `CommandFailedException`): in a
    /// fan-out, an odd object for the `on_invalid_object` policy.
    /// Internal: not part of the WIT record.
    pub unservable: bool,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            http_status: None,
            retry_after_seconds: None,
            retryable: false,
            redirect: None,
            unservable: false,
        }
    }

    pub fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub fn config(field: &str, problem: impl fmt::Display) -> Self {
        Error::new(ErrorCode::InvalidConfig, format!("config field `{field}`: {problem}"))
    }

    pub fn param(name: &str, problem: impl fmt::Display) -> Self {
        Error::new(ErrorCode::InvalidParameter, format!("parameter `{name}`: {problem}"))
    }

    pub fn invalid_response(problem: impl fmt::Display) -> Self {
        Error::new(ErrorCode::InvalidResponse, problem.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
