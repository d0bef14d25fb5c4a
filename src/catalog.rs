//! What a report is: a small declarative definition (id, title, endpoint,
//! parameters, columns and how each column is filled). The definitions
//! themselves live one per file in `reports/`; this module holds the types
//! and the shared logic that validates parameters, builds the first request
//! and maps an API object to a row.

use crate::cells::{lookup, to_cell, Cell, ColumnType};
use crate::error::{Error, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// A report definition.
pub struct Report {
    /// Stable kebab-case id.
    pub id: &'static str,
    pub title: &'static str,
    /// Other names people know the report by.
    pub aliases: &'static [&'static str],
    pub description: &'static str,
    /// Path template relative to the endpoint, with `{param}` placeholders.
    pub endpoint: &'static str,
    pub params: &'static [Param],
    /// Fixed query parameters sent with the first request (repeatable keys allowed).
    pub query: &'static [(&'static str, &'static str)],
    /// The largest `pagelen` the endpoint accepts.
    pub page_len: u32,
    pub columns: &'static [Column],
    pub primary_key: &'static [&'static str],
    pub status: Status,
    /// A paginated list, or a single object (one row).
    pub shape: Shape,
    /// When set, each object yields one row per element of this array
    /// (e.g. a pull request's `participants`); `Source::Parent` reads the object.
    pub each: Option<&'static str>,
    /// A fixed BBQL filter (`q`), combined with the date filter by AND.
    pub filter: Option<&'static str>,
    /// How `since` / `days-back` narrow what is fetched.
    pub date_filter: DateFilter,
    /// When a parameter is omitted, run once per row of another report.
    pub fan_out: Option<FanOut>,
    /// When this parameter is given, read this endpoint instead.
    pub narrowed_by: Option<(&'static str, &'static str)>,
}

/// The defaults every report definition starts from (`..LIST`).
pub const LIST: Report = Report {
    id: "",
    title: "",
    aliases: &[],
    description: "",
    endpoint: "",
    params: &[],
    query: &[],
    page_len: 100,
    columns: &[],
    primary_key: &[],
    status: Status::Available,
    shape: Shape::List,
    each: None,
    filter: None,
    date_filter: DateFilter::None,
    fan_out: None,
    narrowed_by: None,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Bitbucket's paginated envelope.
    List,
    /// One JSON object, one row.
    Object,
}

/// How the date parameters apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFilter {
    /// The report takes no date parameters.
    None,
    /// Server side: `q=<field> >= <date>` (BBQL).
    Bbql(&'static str),
    /// Client side, for collections that come newest first without BBQL:
    /// paging stops at the first object whose field is older than the date.
    Cutoff(&'static str),
}

/// Run a report once per row of `parent` when `param` is omitted, binding
/// parameters from the parent's columns (e.g. every repository of a
/// workspace: `repository` from the `slug` column).
#[derive(Clone, Copy)]
pub struct FanOut {
    pub param: &'static str,
    pub parent: &'static Report,
    /// `(parameter, parent column)` pairs.
    pub binds: &'static [(&'static str, &'static str)],
    /// Whether `since`/`days-back` also narrow the parent: yes for pull
    /// requests and pipelines (what changed since), no for repositories (a
    /// repository not pushed to lately still has new pull requests).
    pub dates_narrow_parent: bool,
}

/// Whether a report can run.
pub enum Status {
    Available,
    RetiredUpstream {
        since: &'static str,
        reason: &'static str,
        replacement: Option<&'static str>,
    },
}

pub use connector_vocabulary::{date_params, ParamKind};

/// A parameter a report accepts.
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub default: Option<&'static str>,
    pub description: &'static str,
}

/// Where a column's value comes from.
pub enum Source {
    /// A dotted path into the API object (`author.user.uuid`), or into the
    /// array element when the report has `each`.
    Field(&'static str),
    /// A dotted path into the enclosing object, for reports with `each`.
    Parent(&'static str),
    /// The value of a run parameter (e.g. the repository slug).
    Param(&'static str),
    /// The first of several paths that has a value (objects whose shape
    /// depends on their kind, like pull-request activity).
    FirstOf(&'static [&'static str]),
    /// The name of the first of these keys the object has (its kind).
    KeyOf(&'static [&'static str]),
}

/// A column and how it is filled.
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
    pub source: Source,
    pub description: &'static str,
}

/// A column that is always present in the API object.
pub const fn col(
    name: &'static str,
    ty: ColumnType,
    path: &'static str,
    description: &'static str,
) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        source: Source::Field(path),
        description,
    }
}

/// A column that may be null or absent in the API object.
pub const fn opt(
    name: &'static str,
    ty: ColumnType,
    path: &'static str,
    description: &'static str,
) -> Column {
    Column {
        name,
        ty,
        nullable: true,
        source: Source::Field(path),
        description,
    }
}

/// A column with the value of a run parameter.
pub const fn param_col(
    name: &'static str,
    param: &'static str,
    description: &'static str,
) -> Column {
    Column {
        name,
        ty: ColumnType::Text,
        nullable: false,
        source: Source::Param(param),
        description,
    }
}

/// A column read from the enclosing object of a report with `each`.
pub const fn parent_col(
    name: &'static str,
    ty: ColumnType,
    path: &'static str,
    description: &'static str,
) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        source: Source::Parent(path),
        description,
    }
}

/// The workspace parameter, shared by every report that takes one.
pub const WORKSPACE: Param = Param {
    name: "workspace",
    kind: ParamKind::Text,
    required: true,
    default: None,
    description: "Workspace slug or {UUID} (formerly the owner, account or team).",
};

/// The repository parameter, shared by every per-repository report.
pub const REPOSITORY: Param = Param {
    name: "repository",
    kind: ParamKind::Text,
    required: true,
    default: None,
    description: "Repository slug or {UUID} within the workspace.",
};

/// The repository parameter of reports that cover a whole workspace when
/// it is omitted.
pub const REPOSITORY_OR_ALL: Param = Param {
    name: "repository",
    kind: ParamKind::Text,
    required: false,
    default: None,
    description: "Repository slug or {UUID}; omit it to cover every repository of the workspace.",
};

/// The pull request parameter of reports that cover every pull request of
/// the repository when it is omitted.
pub const PULL_REQUEST_OR_ALL: Param = Param {
    name: "pull-request",
    kind: ParamKind::Integer,
    required: false,
    default: None,
    description: "Pull request id; omit it to cover every pull request (in every state).",
};

/// A specific date: only what changed (or was created) on or after it.
pub const SINCE: Param = Param {
    name: date_params::SINCE,
    kind: ParamKind::Date,
    required: false,
    default: None,
    description: "Only objects from this date on (YYYY-MM-DD or RFC 3339); see the description for the field used.",
};

/// A number of days back from now: the same as `since` = now minus N days.
pub const DAYS_BACK: Param = Param {
    name: date_params::DAYS_BACK,
    kind: ParamKind::Integer,
    required: false,
    default: None,
    description: "Only objects from the last N days (an alternative to `since`).",
};

/// The checkpoint of an earlier run: only what changed after it.
pub const CHANGED_AFTER: Param = Param {
    name: date_params::CHANGED_AFTER,
    kind: ParamKind::Date,
    required: false,
    default: None,
    description: "Only objects changed strictly after this instant: the checkpoint an earlier complete run returned (incremental runs).",
};

/// The date parameters, of which a run takes at most one.
pub const DATE_PARAMS: [&str; 3] = date_params::ALL;

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

/// Validated parameters of one run, by name.
pub type Params = BTreeMap<&'static str, String>;

impl Report {
    /// Validates `(name, value)` pairs against the declared parameters.
    pub fn resolve_params(&self, given: &[(String, String)]) -> Result<Params> {
        let mut params = Params::new();
        for (name, value) in given {
            let Some(param) = self.params.iter().find(|p| p.name == name) else {
                let accepted: Vec<_> = self.params.iter().map(|p| p.name).collect();
                return Err(Error::param(
                    name,
                    format!(
                        "not accepted by report `{}`; it accepts: {}",
                        self.id,
                        accepted.join(", ")
                    ),
                ));
            };
            if params.contains_key(param.name) {
                return Err(Error::param(name, "given more than once"));
            }
            params.insert(param.name, validate(param, value)?);
        }
        let dates: Vec<&str> = DATE_PARAMS
            .into_iter()
            .filter(|p| params.contains_key(p))
            .collect();
        if dates.len() > 1 {
            return Err(Error::param(
                dates[1],
                format!("give one of `{}`, not several", DATE_PARAMS.join("`, `")),
            ));
        }
        for param in self.params {
            if params.contains_key(param.name) {
                continue;
            }
            match param.default {
                Some(default) => {
                    params.insert(param.name, default.to_string());
                }
                None if param.required => {
                    return Err(Error::param(
                        param.name,
                        format!("required by report `{}`: {}", self.id, param.description),
                    ))
                }
                None => {}
            }
        }
        Ok(params)
    }

    /// Validates one value for one declared parameter.
    pub fn validate_value(&self, name: &str, value: &str) -> Result<String> {
        match self.params.iter().find(|p| p.name == name) {
            Some(param) => validate(param, value),
            None => Err(Error::param(
                name,
                format!("not accepted by report `{}`", self.id),
            )),
        }
    }

    /// The endpoint template this run reads, given its parameters.
    pub fn endpoint_for(&self, params: &Params) -> &'static str {
        match self.narrowed_by {
            Some((param, endpoint)) if params.contains_key(param) => endpoint,
            _ => self.endpoint,
        }
    }

    /// The lower bound the date parameters ask for, if any.
    pub fn date_bound(&self, params: &Params, now: i64) -> Option<DateBound> {
        if let Some(after) = params.get(date_params::CHANGED_AFTER) {
            return Some(DateBound {
                at: crate::time::parse_precise(after)?,
                text: after.clone(),
                exclusive: true,
            });
        }
        let seconds = match params.get(date_params::SINCE) {
            Some(since) => crate::time::parse(since)?,
            None => {
                let days: i64 = params.get(date_params::DAYS_BACK)?.parse().ok()?;
                now - days.min(100_000) * 86_400
            }
        };
        Some(DateBound {
            at: (seconds, 0),
            text: crate::time::format_utc(seconds),
            exclusive: false,
        })
    }

    /// The field the date parameters filter on, if the report has one.
    pub fn date_field(&self) -> Option<&'static str> {
        match self.date_filter {
            DateFilter::None => None,
            DateFilter::Bbql(field) | DateFilter::Cutoff(field) => Some(field),
        }
    }

    /// The URL of the first request: the endpoint path with parameters
    /// substituted, the largest page size, the fixed query and the filters.
    pub fn first_url(&self, endpoint: &Url, params: &Params, now: i64) -> Result<Url> {
        let mut url = endpoint.clone();
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| Error::config("endpoint", "cannot be a base URL"))?;
        segments.pop_if_empty();
        for segment in self.endpoint_for(params).trim_start_matches('/').split('/') {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                // A path parameter may span segments; omitted, it leaves a
                // trailing slash (the root of a directory listing).
                Some("path") => {
                    segments.extend(params.get("path").map_or("", String::as_str).split('/'));
                }
                Some(name) => {
                    let value = params
                        .get(name)
                        .ok_or_else(|| Error::param(name, "required"))?;
                    segments.push(value);
                }
                None => {
                    segments.push(segment);
                }
            }
        }
        drop(segments);
        let mut bbql: Vec<String> = self.filter.iter().map(|f| f.to_string()).collect();
        if let (DateFilter::Bbql(field), Some(bound)) =
            (self.date_filter, self.date_bound(params, now))
        {
            let op = if bound.exclusive { ">" } else { ">=" };
            bbql.push(format!("{field} {op} {}", bound.text));
        }
        let mut query = url.query_pairs_mut();
        if self.shape == Shape::List {
            query.append_pair("pagelen", &self.page_len.to_string());
        }
        for (key, value) in self.query.iter().filter(|(key, _)| *key != "fields") {
            query.append_pair(key, value);
        }
        if !bbql.is_empty() {
            query.append_pair("q", &bbql.join(" AND "));
        }
        query.append_pair("fields", &self.fields());
        drop(query);
        if url.query() == Some("") {
            url.set_query(None);
        }
        Ok(url)
    }

    /// The `fields` parameter: only the parts of each object that a column
    /// (or the date cutoff) reads, plus the envelope's paging fields, so
    /// Bitbucket sends no more than the report uses. Fixed `fields` entries
    /// of the definition (e.g. `+values.participants`) are kept.
    pub fn fields(&self) -> String {
        let (values, envelope) = match self.shape {
            Shape::List => ("values.", ["next", "page", "pagelen", "size"].as_slice()),
            Shape::Object => ("", [].as_slice()),
        };
        let item = match self.each {
            Some(each) => format!("{values}{each}."),
            None => values.to_string(),
        };
        let mut fields: Vec<String> = envelope.iter().map(|f| f.to_string()).collect();
        for column in self.columns {
            match column.source {
                Source::Field(path) => fields.push(format!("{item}{path}")),
                Source::Parent(path) => fields.push(format!("{values}{path}")),
                Source::Param(_) => {}
                Source::FirstOf(paths) => fields.extend(paths.iter().map(|p| format!("{item}{p}"))),
                Source::KeyOf(keys) => fields.extend(keys.iter().map(|k| format!("{item}{k}"))),
            }
        }
        // The date field: for the cutoff, and for the run's checkpoint.
        if let Some(field) = self.date_field() {
            fields.push(format!("{values}{field}"));
        }
        let fixed = self.query.iter().filter(|(key, _)| *key == "fields");
        fields.extend(fixed.map(|(_, value)| value.to_string()));
        let mut seen = std::collections::BTreeSet::new();
        fields.retain(|f| seen.insert(f.clone()));
        fields.join(",")
    }

    /// Maps one API object to its rows: one, or one per element of `each`.
    pub fn rows(&self, object: &Value, params: &Params) -> Result<Vec<Vec<Cell>>> {
        let Some(each) = self.each else {
            return Ok(vec![self.row(object, object, params)?]);
        };
        match lookup(object, each) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| self.row(item, object, params))
                .collect(),
            Some(_) => Err(Error::invalid_response(format!(
                "`{each}` in the API response is not a list"
            ))),
        }
    }

    fn row(&self, object: &Value, parent: &Value, params: &Params) -> Result<Vec<Cell>> {
        self.columns
            .iter()
            .map(|c| match c.source {
                Source::Field(path) => to_cell(c.name, c.ty, c.nullable, lookup(object, path)),
                Source::Parent(path) => to_cell(c.name, c.ty, c.nullable, lookup(parent, path)),
                Source::Param(name) => Ok(match (params.get(name), c.ty) {
                    (None, _) => Cell::Null,
                    (Some(v), ColumnType::Integer) => v.parse().map_or(Cell::Null, Cell::Integer),
                    (Some(v), _) => Cell::Text(v.clone()),
                }),
                Source::FirstOf(paths) => {
                    let value = paths
                        .iter()
                        .find_map(|p| lookup(object, p).filter(|v| !v.is_null()));
                    to_cell(c.name, c.ty, c.nullable, value)
                }
                Source::KeyOf(keys) => {
                    let key = keys
                        .iter()
                        .find(|k| object.get(**k).is_some_and(|v| !v.is_null()));
                    to_cell(
                        c.name,
                        c.ty,
                        c.nullable,
                        key.map(|k| Value::String(k.to_string())).as_ref(),
                    )
                }
            })
            .collect()
    }
}

fn validate(param: &Param, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::param(param.name, "must not be empty"));
    }
    match param.kind {
        ParamKind::Text if param.name == "path" => {
            let ok = value.split('/').all(|seg| seg != ".." && seg != ".")
                && !value.contains(['?', '#', '\\']);
            if !ok {
                return Err(Error::param(
                    param.name,
                    format!("`{value}` is not a path inside the repository"),
                ));
            }
            return Ok(value.trim_matches('/').to_string());
        }
        ParamKind::Text => {
            // Values land in URL paths: allow what slugs and {UUID}s use, so a
            // stray `/`, `?` or `..` can never change which endpoint is called.
            // A commit may be a branch name, and branch names may hold `/`
            // (percent-encoded into one path segment).
            let extra = if param.name == "commit" { "/" } else { "" };
            let ok = value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.~{}".contains(c) || extra.contains(c))
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
            value.parse::<u64>().map_err(|_| {
                Error::param(
                    param.name,
                    format!("`{value}` is not a non-negative whole number"),
                )
            })?;
        }
        ParamKind::Date => {
            if crate::time::parse(value).is_none() {
                return Err(Error::param(
                    param.name,
                    format!("`{value}` is not a date (YYYY-MM-DD) or RFC 3339 timestamp"),
                ));
            }
        }
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    const COUNT: Param = Param {
        name: "count",
        kind: ParamKind::Integer,
        required: false,
        default: Some("5"),
        description: "n",
    };
    const REPORT: Report = Report {
        id: "test-report",
        endpoint: "/repositories/{workspace}/{repository}/things",
        params: &[
            WORKSPACE,
            REPOSITORY,
            COUNT,
            SINCE,
            DAYS_BACK,
            CHANGED_AFTER,
        ],
        query: &[("state", "A"), ("state", "B")],
        page_len: 50,
        columns: &[
            col("id", ColumnType::Integer, "id", ""),
            opt("who", ColumnType::Text, "author.display_name", ""),
            param_col("repository", "repository", ""),
        ],
        primary_key: &["id"],
        filter: Some("kind = \"x\""),
        date_filter: DateFilter::Bbql("updated_on"),
        ..LIST
    };

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn resolves_defaults_and_rejects_bad_params() {
        let p = REPORT
            .resolve_params(&given(&[("workspace", "acme"), ("repository", "web")]))
            .unwrap();
        assert_eq!(p.get("count").map(String::as_str), Some("5"));

        for (pairs, name) in [
            (&[("workspace", "acme")][..], "`repository`"),
            (
                &[
                    ("workspace", "acme"),
                    ("repository", "web"),
                    ("colour", "red"),
                ][..],
                "`colour`",
            ),
            (
                &[("workspace", "ac/me"), ("repository", "web")][..],
                "`workspace`",
            ),
            (
                &[("workspace", ".."), ("repository", "web")][..],
                "`workspace`",
            ),
            (
                &[("workspace", "acme"), ("repository", "web"), ("count", "x")][..],
                "`count`",
            ),
            (
                &[
                    ("workspace", "acme"),
                    ("workspace", "b"),
                    ("repository", "web"),
                ][..],
                "`workspace`",
            ),
            (
                &[
                    ("workspace", "acme"),
                    ("repository", "web"),
                    ("since", "last tuesday"),
                ][..],
                "`since`",
            ),
            (
                &[
                    ("workspace", "acme"),
                    ("repository", "web"),
                    ("since", "2026-01-01"),
                    ("days-back", "3"),
                ][..],
                "`days-back`",
            ),
        ] {
            let e = REPORT.resolve_params(&given(pairs)).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidParameter);
            assert!(e.message.contains(name), "{pairs:?}: {}", e.message);
        }
    }

    #[test]
    fn first_url_substitutes_and_keeps_the_endpoint_prefix() {
        let p = REPORT
            .resolve_params(&given(&[("workspace", "acme"), ("repository", "{abc-1}")]))
            .unwrap();
        for (endpoint, expected) in [
            ("http://127.0.0.1:8080/2.0", "http://127.0.0.1:8080/2.0/repositories/acme/%7Babc-1%7D/things?pagelen=50&state=A&state=B&q=kind+%3D+%22x%22&fields=next%2Cpage%2Cpagelen%2Csize%2Cvalues.id%2Cvalues.author.display_name%2Cvalues.updated_on"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/repositories/acme/%7Babc-1%7D/things?pagelen=50&state=A&state=B&q=kind+%3D+%22x%22&fields=next%2Cpage%2Cpagelen%2Csize%2Cvalues.id%2Cvalues.author.display_name%2Cvalues.updated_on"),
        ] {
            let url = REPORT.first_url(&Url::parse(endpoint).unwrap(), &p, 0).unwrap();
            assert_eq!(url.as_str(), expected);
        }
    }

    #[test]
    fn fields_name_only_what_columns_read() {
        const EACH: Report = Report {
            query: &[("fields", "+values.participants")],
            each: Some("participants"),
            columns: &[
                parent_col("pr", ColumnType::Integer, "id", ""),
                col("who", ColumnType::Text, "user.uuid", ""),
                Column {
                    source: Source::FirstOf(&["a.b", "c"]),
                    ..opt("either", ColumnType::Text, "", "")
                },
                Column {
                    source: Source::KeyOf(&["approval", "comment"]),
                    ..opt("kind", ColumnType::Text, "", "")
                },
                param_col("repository", "repository", ""),
            ],
            date_filter: DateFilter::Cutoff("created_on"),
            ..REPORT
        };
        assert_eq!(
            EACH.fields(),
            "next,page,pagelen,size,values.id,values.participants.user.uuid,\
             values.participants.a.b,values.participants.c,values.participants.approval,\
             values.participants.comment,values.created_on,+values.participants"
        );
        let p = EACH
            .resolve_params(&given(&[("workspace", "acme"), ("repository", "web")]))
            .unwrap();
        let url = EACH
            .first_url(&Url::parse("http://h/2.0").unwrap(), &p, 0)
            .unwrap();
        let fields: Vec<_> = url.query_pairs().filter(|(k, _)| k == "fields").collect();
        assert_eq!(fields.len(), 1, "one fields parameter: {url}");

        const OBJECT: Report = Report {
            shape: Shape::Object,
            date_filter: DateFilter::None,
            ..REPORT
        };
        assert_eq!(OBJECT.fields(), "id,author.display_name");
    }

    #[test]
    fn date_parameters_become_bbql_combined_with_the_fixed_filter() {
        let q = |pairs: &[(&str, &str)]| {
            let p = REPORT.resolve_params(&given(pairs)).unwrap();
            let url = REPORT
                .first_url(&Url::parse("http://h/2.0").unwrap(), &p, 1_795_392_000)
                .unwrap();
            url.query_pairs()
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
        };
        let (w, r) = (("workspace", "acme"), ("repository", "web"));
        assert_eq!(q(&[w, r]).as_deref(), Some("kind = \"x\""));
        assert_eq!(
            q(&[w, r, ("since", "2026-05-01")]).as_deref(),
            Some("kind = \"x\" AND updated_on >= 2026-05-01T00:00:00+00:00")
        );
        assert_eq!(
            q(&[w, r, ("days-back", "2")]).as_deref(),
            Some("kind = \"x\" AND updated_on >= 2026-11-21T00:00:00+00:00")
        );
        assert_eq!(
            q(&[w, r, ("changed-after", "2026-05-01T10:00:00.123456+00:00")]).as_deref(),
            Some("kind = \"x\" AND updated_on > 2026-05-01T10:00:00.123456+00:00"),
            "exclusive, and as precise as the checkpoint"
        );
    }

    #[test]
    fn an_omitted_path_leaves_the_trailing_slash_of_a_root_listing() {
        const SRC: Report = Report {
            endpoint: "/repositories/{workspace}/{repository}/src/{commit}/{path}",
            params: &[
                WORKSPACE,
                REPOSITORY,
                Param {
                    name: "commit",
                    kind: ParamKind::Text,
                    required: true,
                    default: None,
                    description: "",
                },
                Param {
                    name: "path",
                    kind: ParamKind::Text,
                    required: false,
                    default: None,
                    description: "",
                },
            ],
            ..REPORT
        };
        let url = |pairs: &[(&str, &str)]| {
            let p = SRC.resolve_params(&given(pairs)).unwrap();
            SRC.first_url(&Url::parse("http://h/2.0").unwrap(), &p, 0)
                .unwrap()
                .path()
                .to_string()
        };
        let base = [
            ("workspace", "a"),
            ("repository", "b"),
            ("commit", "feature/x"),
        ];
        assert_eq!(url(&base), "/2.0/repositories/a/b/src/feature%2Fx/");
        assert_eq!(
            url(&[base[0], base[1], base[2], ("path", "/src/lib/")]),
            "/2.0/repositories/a/b/src/feature%2Fx/src/lib"
        );
        let e = SRC
            .resolve_params(&given(&[
                base[0],
                base[1],
                base[2],
                ("path", "src/../../x"),
            ]))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
    }

    #[test]
    fn rows_map_columns_in_order() {
        let p = REPORT
            .resolve_params(&given(&[("workspace", "acme"), ("repository", "web")]))
            .unwrap();
        assert_eq!(
            REPORT
                .rows(&json!({"id": 7, "author": {"display_name": "Zoë"}}), &p)
                .unwrap(),
            vec![vec![
                Cell::Integer(7),
                Cell::Text("Zoë".into()),
                Cell::Text("web".into())
            ]]
        );
        assert_eq!(
            REPORT.rows(&json!({"id": 8}), &p).unwrap()[0][..2],
            [Cell::Integer(8), Cell::Null]
        );
        assert_eq!(
            REPORT.rows(&json!({"id": "8"}), &p).unwrap_err().code,
            ErrorCode::InvalidResponse
        );
    }

    #[test]
    fn each_gives_one_row_per_element_with_parent_fields() {
        const EACH: Report = Report {
            columns: &[
                parent_col("pr", ColumnType::Integer, "id", ""),
                col("who", ColumnType::Text, "user.uuid", ""),
            ],
            each: Some("participants"),
            ..REPORT
        };
        let p = Params::new();
        let rows = EACH.rows(&json!({"id": 3, "participants": [{"user": {"uuid": "a"}}, {"user": {"uuid": "b"}}]}), &p).unwrap();
        assert_eq!(
            rows,
            vec![
                vec![Cell::Integer(3), Cell::Text("a".into())],
                vec![Cell::Integer(3), Cell::Text("b".into())]
            ]
        );
        assert!(EACH.rows(&json!({"id": 3}), &p).unwrap().is_empty());
    }

    #[test]
    fn first_of_and_key_of_read_kind_dependent_objects() {
        const KIND: Report = Report {
            columns: &[
                Column {
                    source: Source::KeyOf(&["update", "approval"]),
                    ..col("kind", ColumnType::Text, "", "")
                },
                Column {
                    source: Source::FirstOf(&["update.date", "approval.date"]),
                    ..col("when", ColumnType::Text, "", "")
                },
            ],
            ..REPORT
        };
        let rows = KIND
            .rows(&json!({"approval": {"date": "d"}}), &Params::new())
            .unwrap();
        assert_eq!(
            rows[0],
            [Cell::Text("approval".into()), Cell::Text("d".into())]
        );
    }
}
