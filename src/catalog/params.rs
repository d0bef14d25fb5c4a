//! A run's parameters, checked before anything is sent: the parameters
//! reports share, validation of the values given (they land in URL paths),
//! defaults, the one-date-parameter rule, the date bound they ask for, and
//! the refusals that need no network (a retired report, a date parameter
//! that would change nothing).

use super::dsl::{DateFilter, Param, ParamKind, Report, Status, TextRule};
use crate::config::Product;
use crate::error::{Error, ErrorCode, Result};
use connector_vocabulary::date_params;
use std::collections::BTreeMap;

/// Validated parameters of one run, by name.
pub type Params = BTreeMap<&'static str, String>;

/// A text parameter that is one slug or {UUID} (most of them).
pub const fn slug_param(name: &'static str, required: bool, description: &'static str) -> Param {
    Param { name, kind: ParamKind::Text, text: TextRule::Slug, required, default: None, description }
}

/// The workspace parameter, shared by every report that takes one.
pub const WORKSPACE: Param = slug_param("workspace", true, "Workspace slug or {UUID} (formerly the owner, account or team).");

/// The repository parameter, shared by every per-repository report.
pub const REPOSITORY: Param = slug_param("repository", true, "Repository slug or {UUID} within the workspace.");

/// The repository parameter of reports that cover a whole workspace when
/// it is omitted.
pub const REPOSITORY_OR_ALL: Param =
    slug_param("repository", false, "Repository slug or {UUID}; omit it to cover every repository of the workspace.");

/// The pull request parameter of reports that cover every pull request of
/// the repository when it is omitted.
pub const PULL_REQUEST_OR_ALL: Param = Param {
    kind: ParamKind::Integer,
    ..slug_param("pull-request", false, "Pull request id; omit it to cover every pull request (in every state).")
};

/// The commit parameter of reports that cover every commit (of the
/// repository, or of every repository) when it is omitted.
pub const COMMIT_OR_ALL: Param = Param {
    text: TextRule::RefName,
    ..slug_param("commit", false, "Commit hash; omit it to cover every commit (newest first; a date narrows them).")
};

/// The project parameter of reports that cover every project of the
/// workspace when it is omitted.
/// Data Center's scope, where Cloud's is the workspace.
pub const PROJECT: Param =
    slug_param("project", true, "Project key (Data Center), e.g. `PRJ`; a personal project is `~username`.");
pub const PROJECT_OR_ALL: Param = slug_param(
    "project",
    false,
    "Project key; omit it to cover every project of the workspace (on Data Center: of the instance).",
);

/// The user parameter of reports that read the authenticated user's own
/// objects when it is omitted.
pub const USER_OR_ME: Param = Param {
    text: TextRule::Account,
    ..slug_param("user", false, "User {UUID} or Atlassian account id; omit it for the authenticated user.")
};

/// The snippet parameter of reports that cover every snippet of the
/// workspace when it is omitted.
pub const SNIPPET_OR_ALL: Param =
    slug_param("snippet", false, "Snippet id (the encoded id in its URL); omit it to cover every snippet of the workspace.");

/// A specific date: only what changed (or was created) on or after it.
pub const SINCE: Param = Param {
    kind: ParamKind::Date,
    ..slug_param(
        date_params::SINCE,
        false,
        "Only objects from this date on (YYYY-MM-DD or RFC 3339); see the description for the field used.",
    )
};

/// A number of days back from now: the same as `since` = now minus N days.
pub const DAYS_BACK: Param = Param {
    kind: ParamKind::Integer,
    ..slug_param(date_params::DAYS_BACK, false, "Only objects from the last N days (an alternative to `since`).")
};

/// The checkpoint of an earlier run: only what changed after it.
pub const CHANGED_AFTER: Param = Param {
    kind: ParamKind::Date,
    ..slug_param(
        date_params::CHANGED_AFTER,
        false,
        "Only objects changed strictly after this instant: the checkpoint an earlier complete run returned (incremental runs).",
    )
};

/// The upper end of a window: only what changed before it.
pub const CHANGED_BEFORE: Param = Param {
    kind: ParamKind::Date,
    ..slug_param(
        date_params::CHANGED_BEFORE,
        false,
        "Only objects changed strictly before this instant: with `changed-after`, a closed window that returns the same rows when run again.",
    )
};

/// The date parameters: at most one lower bound, and `changed-before`.
pub const DATE_PARAMS: [&str; 4] = date_params::ALL;

/// The date parameters as a report lists them (after its own).
const DATES: &[Param] = &[SINCE, DAYS_BACK, CHANGED_AFTER, CHANGED_BEFORE];

/// The lower bound the date parameters put on a report's date field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateBound {
    pub at: crate::time::Instant,
    /// As written into a BBQL query.
    pub text: String,
    /// `changed-after` excludes the instant itself; `since` includes it.
    pub exclusive: bool,
}

impl DateBound {
    /// Whether an object dated `when` is before the bound (not wanted).
    pub fn excludes(&self, when: crate::time::Instant) -> bool {
        when < self.at || (self.exclusive && when == self.at)
    }
}

impl Report {
    /// Whether the date parameters narrow this report: its own date
    /// filter, or its parent's when it fans out.
    pub fn takes_dates(&self) -> bool {
        self.api.date_filter != DateFilter::None || self.fan_out.is_some_and(|f| f.dates_narrow_parent)
    }

    /// Every parameter the report accepts, in order: its own, then the
    /// date parameters if they apply.
    pub fn accepts(&self) -> impl Iterator<Item = &'static Param> + Clone {
        let dates = if self.takes_dates() { DATES } else { &[] };
        self.params.iter().chain(dates)
    }

    /// The products the report runs on: Cloud, and Data Center if it has
    /// a counterpart there.
    pub fn products(&self) -> &'static [Product] {
        match self.data_center {
            Some(_) => &[Product::Cloud, Product::DataCenter],
            None => &[Product::Cloud],
        }
    }

    /// Every parameter the report takes on any product, with the products
    /// that take it: Cloud's in order, then those only Data Center takes.
    pub fn params_by_product(&self) -> Vec<(&'static Param, &'static [Product])> {
        let dc: Vec<&'static Param> = self.data_center.map(|dc| dc.accepts().collect()).unwrap_or_default();
        let on_dc = |name: &str| dc.iter().any(|p| p.name == name);
        let mut all: Vec<(&'static Param, &'static [Product])> = self
            .accepts()
            .map(|p| (p, if on_dc(p.name) { &[Product::Cloud, Product::DataCenter][..] } else { &[Product::Cloud][..] }))
            .collect();
        all.extend(dc.iter().filter(|p| self.param(p.name).is_none()).map(|p| (*p, &[Product::DataCenter][..])));
        all
    }

    /// Validates `(name, value)` pairs against the declared parameters.
    pub fn resolve_params(&self, given: &[(String, String)]) -> Result<Params> {
        let mut params = Params::new();
        for (name, value) in given {
            let Some(param) = self.param(name) else {
                let accepted: Vec<_> = self.accepts().map(|p| p.name).collect();
                // The scope is a workspace on Cloud and a project on Data Center.
                let hint = match (self.api.paging.is_data_center(), name.as_str()) {
                    (true, "workspace") => {
                        " (Bitbucket Data Center has no workspaces: give `project`, a project key such as `PRJ` or `~username`)"
                    }
                    _ => "",
                };
                return Err(Error::param(
                    name,
                    format!("not accepted by report `{}`; it accepts: {}{hint}", self.id, accepted.join(", ")),
                ));
            };
            if params.contains_key(param.name) {
                return Err(Error::param(name, "given more than once"));
            }
            params.insert(param.name, validate(param, value)?);
        }
        let lower: Vec<&str> = date_params::LOWER.into_iter().filter(|p| params.contains_key(p)).collect();
        if lower.len() > 1 {
            return Err(Error::param(lower[1], format!("give one of `{}`, not several", date_params::LOWER.join("`, `"))));
        }
        if let (Some(after), Some(before)) = (params.get(date_params::CHANGED_AFTER), params.get(date_params::CHANGED_BEFORE)) {
            if crate::time::parse_precise(before) <= crate::time::parse_precise(after) {
                return Err(Error::param(date_params::CHANGED_BEFORE, "must be later than `changed-after`: the window is empty"));
            }
        }
        for param in self.accepts() {
            if params.contains_key(param.name) {
                continue;
            }
            match param.default {
                Some(default) => {
                    params.insert(param.name, default.to_string());
                }
                None if param.required => {
                    return Err(Error::param(param.name, format!("required by report `{}`: {}", self.id, param.description)))
                }
                None => {}
            }
        }
        Ok(params)
    }

    /// Validates one value for one declared parameter.
    pub fn validate_value(&self, name: &str, value: &str) -> Result<String> {
        match self.param(name) {
            Some(param) => validate(param, value),
            None => Err(Error::param(name, format!("not accepted by report `{}`", self.id))),
        }
    }

    /// The declared parameter with this name.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.accepts().find(|p| p.name == name)
    }

    /// The upper bound `changed-before` asks for, if given (exclusive).
    pub fn date_upper(&self, params: &Params) -> Option<DateBound> {
        let before = params.get(date_params::CHANGED_BEFORE)?;
        Some(DateBound { at: crate::time::parse_precise(before)?, text: before.clone(), exclusive: true })
    }

    /// The lower bound the date parameters ask for, if any.
    pub fn date_bound(&self, params: &Params, now: i64) -> Option<DateBound> {
        if let Some(after) = params.get(date_params::CHANGED_AFTER) {
            return Some(DateBound { at: crate::time::parse_precise(after)?, text: after.clone(), exclusive: true });
        }
        let seconds = match params.get(date_params::SINCE) {
            Some(since) => crate::time::parse(since)?,
            None => {
                let days: i64 = params.get(date_params::DAYS_BACK)?.parse().ok()?;
                now - days.min(100_000) * 86_400
            }
        };
        Some(DateBound { at: (seconds, 0), text: crate::time::format_utc(seconds), exclusive: false })
    }
}

/// A retired report's error, which says what to use instead; nothing is sent.
pub fn ensure_available(report: &Report) -> Result<()> {
    let Status::RetiredUpstream { since, reason, replacement } = report.status else {
        return Ok(());
    };
    let instead = match replacement {
        Some(id) => format!(" Use report `{id}` instead."),
        None => String::new(),
    };
    Err(Error::new(
        ErrorCode::RetiredUpstream,
        format!("report `{}` cannot run: {reason} (removed upstream {since}).{instead}", report.id),
    ))
}

/// A date parameter that would change nothing is refused rather than
/// silently ignored (e.g. `since` on one pull request's commits).
pub fn ensure_dates_apply(report: &Report, params: &Params) -> Result<()> {
    let Some(given) = DATE_PARAMS.into_iter().find(|p| params.contains_key(p)) else {
        return Ok(());
    };
    let own = report.api.date_filter != DateFilter::None;
    let via_parent = report.fan_out.is_some_and(|f| f.dates_narrow_parent && !params.contains_key(f.param));
    if own || via_parent {
        return Ok(());
    }
    let narrowing = report.fan_out.map_or("these parameters", |f| f.param);
    Err(Error::param(
        given,
        format!(
            "has no effect on report `{}` when `{narrowing}` is given: the endpoint has no date filter; omit `{given}`",
            report.id
        ),
    ))
}

fn validate(param: &Param, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::param(param.name, "must not be empty"));
    }
    match param.kind {
        ParamKind::Text if param.text == TextRule::RepoPath => {
            let ok = value.split('/').all(|seg| seg != ".." && seg != ".") && !value.contains(['?', '#', '\\']);
            if !ok {
                return Err(Error::param(param.name, format!("`{value}` is not a path inside the repository")));
            }
            return Ok(value.trim_matches('/').to_string());
        }
        ParamKind::Text => {
            // Allow what slugs and {UUID}s use; a ref name may also hold `/`
            // (percent-encoded into one path segment).
            let extra = match param.text {
                TextRule::RefName => "/",
                TextRule::Account => ":",
                _ => "",
            };
            let ok = value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.~{}".contains(c) || extra.contains(c))
                && value != "."
                && value != "..";
            if !ok {
                return Err(Error::param(
                    param.name,
                    format!("`{value}` is not a slug or {{UUID}} (letters, digits, `-`, `_`, `.`)"),
                ));
            }
        }
        ParamKind::Integer => {
            value
                .parse::<u64>()
                .map_err(|_| Error::param(param.name, format!("`{value}` is not a non-negative whole number")))?;
        }
        ParamKind::Date => {
            if crate::time::parse(value).is_none() {
                return Err(Error::param(param.name, format!("`{value}` is not a date (YYYY-MM-DD) or RFC 3339 timestamp")));
            }
        }
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorCode;
    use crate::test_support::{given, TEST_REPORT as REPORT};

    #[test]
    fn resolves_defaults_and_rejects_bad_params() {
        let p = REPORT.resolve_params(&given(&[("workspace", "acme"), ("repository", "web")])).unwrap();
        assert_eq!(p.get("count").map(String::as_str), Some("5"));

        for (pairs, name) in [
            (&[("workspace", "acme")][..], "`repository`"),
            (&[("workspace", "acme"), ("repository", "web"), ("colour", "red")][..], "`colour`"),
            (&[("workspace", "ac/me"), ("repository", "web")][..], "`workspace`"),
            (&[("workspace", ".."), ("repository", "web")][..], "`workspace`"),
            (&[("workspace", "acme"), ("repository", "web"), ("count", "x")][..], "`count`"),
            (&[("workspace", "acme"), ("workspace", "b"), ("repository", "web")][..], "`workspace`"),
            (&[("workspace", "acme"), ("repository", "web"), ("since", "last tuesday")][..], "`since`"),
            (&[("workspace", "acme"), ("repository", "web"), ("since", "2026-01-01"), ("days-back", "3")][..], "`days-back`"),
        ] {
            let e = REPORT.resolve_params(&given(pairs)).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidParameter);
            assert!(e.message.contains(name), "{pairs:?}: {}", e.message);
        }
    }
}
