//! What a person should do about each kind of error: one sentence per
//! error code, shown under the error itself (whose message carries the
//! specifics: the field, the parameter, the scope Bitbucket asked for).

use crate::sandbox::wit::{ConnectorError, ErrorCode};
use crate::HostError;

/// How a failure is told: one line starting with its error code, and for
/// an error of the host or the connector what to do about it. Either may
/// carry the guest's text: show them through `printable`.
pub fn explain(error: &anyhow::Error) -> (String, Option<String>) {
    match error.downcast_ref::<HostError>() {
        Some(host) => (host.to_string(), Some(what_to_do(host))),
        None => (format!("harness-error: {error:#}"), None),
    }
}

/// The action for `error`, as one sentence.
pub fn what_to_do(error: &HostError) -> String {
    match error {
        HostError::Connector(e) => for_connector_error(e),
        HostError::Limit { limit, .. } => format!("The component went past a limit the host sets on every run; if this report really needs more, raise it with {} (see `connector-harness run --help`), otherwise report the component.", limit.flag()),
        HostError::Trap(_) => "The component was stopped for exceeding a limit or crashing; rerun, and if it happens again report it with the command line (it is a bug or a limit set too low).".into(),
        HostError::Output(m) if m.contains(crate::output::BAD_CELL) || m.contains(crate::output::arrow::BAD_ROW) => "The connector sent a cell the harness does not write (named above); report it to the connector's authors, or use a report without that column.".into(),
        HostError::Output(_) => "Check that the output file's directory exists and is writable, and that the disk is not full.".into(),
    }
}

fn for_connector_error(e: &ConnectorError) -> String {
    use ErrorCode::*;
    match e.code {
        InvalidConfig => "Fix the configuration field named above (see the README's configuration section).".into(),
        NotConfigured => "Pass a configuration: --config FILE, or the BITBUCKET_* environment variables.".into(),
        UnknownReport => "Pick a report id from `connector-harness reports`.".into(),
        InvalidParameter => "Fix the parameter named above; `connector-harness describe REPORT` lists what the report accepts.".into(),
        RetiredUpstream => "Atlassian removed this endpoint; use the replacement named above, if any.".into(),
        WrongProduct => "Pick a report that runs on the configured product (`connector-harness reports` shows where each runs), or check `product` in the configuration.".into(),
        Unauthorized => "Check the credentials and their `auth` type (the message above says which this product takes: on Cloud an API token with its account email, type api-token); create a new token if it expired.".into(),
        Forbidden => "Give the credentials the scope or permission named above (or use an account with access to this workspace, project or repository), then run again.".into(),
        NotFound => "Check the workspace (or Data Center project) and repository slugs (and ids) and that these credentials can see them.".into(),
        RateLimited => match e.retry_after_seconds {
            Some(s) => format!("Wait {s} seconds and run again; set max_requests_per_hour (or a lower concurrency) to stay under the limit."),
            None => "Wait a few minutes and run again; set max_requests_per_hour (or a lower concurrency) to stay under the limit.".into(),
        },
        Upstream => "Bitbucket failed; run again later, and if it persists check https://bitbucket.status.atlassian.com (Cloud) or ask the instance's administrators (Data Center).".into(),
        Transport => "Check the network path to the endpoint (proxy, DNS, firewall) and the timeouts in the configuration, then run again.".into(),
        InvalidResponse => "The endpoint did not answer like Bitbucket's API; check that `endpoint` is the API root (Cloud: https://api.bitbucket.org/2.0; Data Center: the instance's base URL, e.g. https://git.example.com/bitbucket).".into(),
        LimitExceeded => "A response was larger than the connector accepts; narrow the report (parameters, dates) or report it if it is a normal page.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: [ErrorCode; 14] = [
        ErrorCode::InvalidConfig,
        ErrorCode::NotConfigured,
        ErrorCode::UnknownReport,
        ErrorCode::InvalidParameter,
        ErrorCode::RetiredUpstream,
        ErrorCode::WrongProduct,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::RateLimited,
        ErrorCode::Upstream,
        ErrorCode::Transport,
        ErrorCode::InvalidResponse,
        ErrorCode::LimitExceeded,
    ];

    fn error(code: ErrorCode, retry_after_seconds: Option<u32>) -> HostError {
        HostError::Connector(ConnectorError { code, message: String::new(), http_status: None, retry_after_seconds })
    }

    #[test]
    fn every_code_has_its_own_sentence() {
        let sentences: std::collections::BTreeSet<String> = CODES.iter().map(|c| what_to_do(&error(*c, None))).collect();
        assert_eq!(sentences.len(), CODES.len(), "one distinct sentence per code");
        assert!(sentences.iter().all(|s| s.ends_with('.')));
    }

    #[test]
    fn advice_about_the_product_speaks_of_both() {
        // The configured product is not known here: the advice must hold on
        // Data Center as well as on Cloud.
        let both = [ErrorCode::Unauthorized, ErrorCode::NotFound, ErrorCode::Upstream, ErrorCode::InvalidResponse];
        for code in both {
            let advice = what_to_do(&error(code, None));
            assert!(advice.contains("Data Center") || advice.contains("this product"), "{code:?}: {advice}");
        }
    }

    #[test]
    fn a_rate_limit_says_when_to_retry() {
        let advice = what_to_do(&error(ErrorCode::RateLimited, Some(42)));
        assert!(advice.contains("Wait 42 seconds"), "{advice}");
    }
}
