//! The contract's vocabulary, in one place for the component and its hosts:
//! the names of `wit/connector.wit`'s enums (error codes, column types,
//! parameter kinds), the configuration's defaults, the date parameters and
//! the `auth` fields a host may read or fill in.
//!
//! Dependency-free, so the guest links it without cost. A unit test reads
//! `wit/connector.wit` and fails when a name here differs from the WIT's.

/// Declares a closed enum whose cases have the WIT's kebab-case names.
macro_rules! wit_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $case:ident = $wit:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $case,)+
        }

        impl $name {
            /// Every case, in the WIT's order.
            pub const ALL: &'static [$name] = &[$($name::$case,)+];

            /// The case's name in `wit/connector.wit`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$case => $wit,)+
                }
            }

            /// The case with this WIT name.
            pub fn from_wit_name(name: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|c| c.as_str() == name)
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wit_enum! {
    /// The closed set of failure kinds (WIT `error-code`).
    ErrorCode {
        /// The configuration document is malformed or names a bad value.
        InvalidConfig = "invalid-config",
        /// A report was run before a successful `configure`.
        NotConfigured = "not-configured",
        /// No report has this id.
        UnknownReport = "unknown-report",
        /// A parameter is missing, unknown or malformed.
        InvalidParameter = "invalid-parameter",
        /// The report's endpoint was removed by Atlassian.
        RetiredUpstream = "retired-upstream",
        /// The report does not run on the configured product.
        WrongProduct = "wrong-product",
        /// Bitbucket rejected the credentials (HTTP 401).
        Unauthorized = "unauthorized",
        /// The credentials lack a permission or scope (HTTP 403).
        Forbidden = "forbidden",
        /// The workspace, repository or object does not exist (HTTP 404).
        NotFound = "not-found",
        /// Bitbucket's rate limit was hit (HTTP 429).
        RateLimited = "rate-limited",
        /// Bitbucket failed or refused the request (other HTTP errors).
        Upstream = "upstream",
        /// The request did not complete (connection, DNS, TLS, timeout, refused destination).
        Transport = "transport",
        /// The response was not what the API documents.
        InvalidResponse = "invalid-response",
        /// A safety cap was reached (response size, page count).
        LimitExceeded = "limit-exceeded",
    }
}

wit_enum! {
    /// The type of a column (WIT `column-type`).
    ColumnType {
        /// Booleans.
        Boolean = "boolean",
        /// Signed 64-bit integers.
        Integer = "integer",
        /// 64-bit floats.
        Float = "float",
        /// Text.
        Text = "text",
        /// RFC 3339 timestamps with an offset.
        Timestamp = "timestamp",
        /// Nested structures as JSON text.
        Json = "json",
    }
}

wit_enum! {
    /// The kind of value a parameter takes (WIT `param-kind`).
    ParamKind {
        /// Free text.
        Text = "text",
        /// A whole number.
        Integer = "integer",
        /// A calendar date or an RFC 3339 timestamp.
        Date = "date",
    }
}

wit_enum! {
    /// A Bitbucket product (WIT `product`; the configuration's `product`).
    Product {
        /// Bitbucket Cloud, REST API 2.0 (the default).
        Cloud = "cloud",
        /// Bitbucket Data Center, REST API 1.0 under the instance's `/rest`.
        DataCenter = "data-center",
    }
}

impl Product {
    /// The parameter a report's scope is given by: a workspace on Cloud, a
    /// project on Data Center.
    pub const fn scope_param(self) -> &'static str {
        match self {
            Product::Cloud => "workspace",
            Product::DataCenter => "project",
        }
    }
}

/// The configuration's key naming the product (`"cloud"`, the default, or
/// `"data-center"`).
pub const PRODUCT: &str = "product";

/// The configuration's `endpoint` when it is omitted.
pub const DEFAULT_ENDPOINT: &str = "https://api.bitbucket.org/2.0";
/// The OAuth token endpoint when `auth.token_url` is omitted.
pub const DEFAULT_TOKEN_URL: &str = "https://bitbucket.org/site/oauth2/access_token";

/// The configuration's `concurrency` (requests in flight at once) when it is
/// omitted.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The largest `concurrency` a configuration may ask for.
pub const MAX_CONCURRENCY: usize = 32;

/// The date parameters: at most one lower bound (`since`, `days-back` or
/// `changed-after`) is given to a run, and optionally `changed-before`.
pub mod date_params {
    /// A date or timestamp: only what changed on or after it.
    pub const SINCE: &str = "since";
    /// A number of days before now.
    pub const DAYS_BACK: &str = "days-back";
    /// A checkpoint from a previous run: only what changed strictly after it.
    pub const CHANGED_AFTER: &str = "changed-after";
    /// An instant: only what changed strictly before it (the upper end of
    /// a closed window, so a window read again gives the same rows).
    pub const CHANGED_BEFORE: &str = "changed-before";
    /// The lower bounds, of which a run takes at most one.
    pub const LOWER: [&str; 3] = [SINCE, DAYS_BACK, CHANGED_AFTER];
    /// All of them, in the order reports list them.
    pub const ALL: [&str; 4] = [SINCE, DAYS_BACK, CHANGED_AFTER, CHANGED_BEFORE];
}

/// The configuration's `auth` object, as far as a host reads or fills it.
pub mod auth {
    /// The key of the auth object in the configuration.
    pub const KEY: &str = "auth";
    /// The field naming the kind of auth.
    pub const TYPE: &str = "type";
    /// `type` for an Atlassian API token with its account email.
    pub const API_TOKEN: &str = "api-token";
    /// `type` for an access token sent as Bearer.
    pub const BEARER: &str = "bearer";
    /// `type` for an OAuth 2.0 consumer.
    pub const OAUTH: &str = "oauth";
    /// `auth.type` for HTTP Basic with a username and a password or
    /// personal access token (Data Center only).
    pub const BASIC: &str = "basic";
    /// The OAuth refresh token, which a host rewrites when it rotates.
    pub const REFRESH_TOKEN: &str = "refresh_token";
    /// The secret and identity fields that may come from the environment:
    /// `<field>_env` names the variable that holds `<field>`.
    pub const FROM_ENV: [&str; 8] =
        ["email", "token", "client_id", "client_secret", REFRESH_TOKEN, "access_token", "username", "password"];
    /// The suffix of a field naming an environment variable.
    pub const ENV_SUFFIX: &str = "_env";
}

/// The case names that a WIT document declares for `enum NAME { ... }`, in
/// order; `None` when it declares no such enum. The tests use it to hold
/// this crate, and every host's output, to `wit/connector.wit`.
pub fn wit_enum_cases(wit: &str, name: &str) -> Option<Vec<String>> {
    let start = wit.find(&format!("enum {name} {{"))?;
    let rest = &wit[start..];
    let body = &rest[rest.find('{')? + 1..rest.find('}')?];
    Some(
        body.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .map(|l| l.trim_end_matches(',').to_string())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIT: &str = include_str!("../../connector.wit");

    fn wit_cases(name: &str) -> Vec<String> {
        super::wit_enum_cases(WIT, name).unwrap_or_else(|| panic!("wit/connector.wit declares no enum {name}"))
    }

    fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|c| name(*c).to_string()).collect()
    }

    #[test]
    fn error_codes_are_the_wits() {
        assert_eq!(names(ErrorCode::ALL, ErrorCode::as_str), wit_cases("error-code"));
    }

    #[test]
    fn column_types_are_the_wits() {
        assert_eq!(names(ColumnType::ALL, ColumnType::as_str), wit_cases("column-type"));
    }

    #[test]
    fn products_are_the_wits() {
        assert_eq!(names(Product::ALL, Product::as_str), wit_cases("product"));
    }

    #[test]
    fn param_kinds_are_the_wits() {
        assert_eq!(names(ParamKind::ALL, ParamKind::as_str), wit_cases("param-kind"));
    }

    #[test]
    fn names_round_trip() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_wit_name(code.as_str()), Some(*code));
        }
        assert_eq!(ColumnType::from_wit_name("timestamp"), Some(ColumnType::Timestamp));
        assert_eq!(ParamKind::from_wit_name("columntype::text"), None);
        assert_eq!(ErrorCode::RateLimited.to_string(), "rate-limited");
    }
}
