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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Text,
    Integer,
    Date,
}

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
    /// A dotted path into the API object (`author.user.uuid`).
    Field(&'static str),
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

    /// The URL of the first page: the endpoint path with parameters
    /// substituted, the largest page size and the fixed query.
    pub fn first_url(&self, endpoint: &Url, params: &Params) -> Result<Url> {
        let mut url = endpoint.clone();
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| Error::config("endpoint", "cannot be a base URL"))?;
        segments.pop_if_empty();
        for segment in self.endpoint.trim_start_matches('/').split('/') {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
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
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("pagelen", &self.page_len.to_string());
            for (key, value) in self.query {
                query.append_pair(key, value);
            }
        }
        Ok(url)
    }

    /// Maps one API object to a row, one cell per column.
    pub fn row(&self, object: &Value) -> Result<Vec<Cell>> {
        self.columns
            .iter()
            .map(|c| match c.source {
                Source::Field(path) => to_cell(c.name, c.ty, c.nullable, lookup(object, path)),
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
        ParamKind::Text => {
            // Values land in URL paths: allow what slugs and {UUID}s use, so a
            // stray `/`, `?` or `..` can never change which endpoint is called.
            let ok = value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.~{}".contains(c))
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
            let date_only =
                value.len() == 10 && crate::cells::is_rfc3339(&format!("{value}T00:00:00Z"));
            if !date_only && !crate::cells::is_rfc3339(value) {
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
        title: "Test",
        aliases: &[],
        description: "",
        endpoint: "/repositories/{workspace}/{repository}/things",
        params: &[WORKSPACE, REPOSITORY, COUNT],
        query: &[("state", "A"), ("state", "B")],
        page_len: 50,
        columns: &[
            col("id", ColumnType::Integer, "id", ""),
            opt("who", ColumnType::Text, "author.display_name", ""),
        ],
        primary_key: &["id"],
        status: Status::Available,
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
            ("http://127.0.0.1:8080/2.0", "http://127.0.0.1:8080/2.0/repositories/acme/%7Babc-1%7D/things?pagelen=50&state=A&state=B"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/repositories/acme/%7Babc-1%7D/things?pagelen=50&state=A&state=B"),
        ] {
            let url = REPORT.first_url(&Url::parse(endpoint).unwrap(), &p).unwrap();
            assert_eq!(url.as_str(), expected);
        }
    }

    #[test]
    fn row_maps_columns_in_order() {
        assert_eq!(
            REPORT
                .row(&json!({"id": 7, "author": {"display_name": "Zoë"}}))
                .unwrap(),
            vec![Cell::Integer(7), Cell::Text("Zoë".into())]
        );
        assert_eq!(
            REPORT.row(&json!({"id": 8})).unwrap(),
            vec![Cell::Integer(8), Cell::Null]
        );
        assert_eq!(
            REPORT.row(&json!({"id": "8"})).unwrap_err().code,
            ErrorCode::InvalidResponse
        );
    }
}
