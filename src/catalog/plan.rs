//! Request planning: the URL of a run's first request (the endpoint path
//! with parameters substituted, the page size, the fixed query, the BBQL
//! filters) and the `fields` parameter that asks only for what the columns
//! read.

use super::dsl::{Column, DateFilter, Each, Paging, Report, Shape, Source, TextRule};
use super::params::Params;
use crate::error::{Error, Result};
use crate::url::Url;

impl Report {
    /// The endpoint template this run reads, given its parameters.
    pub fn endpoint_for(&self, params: &Params) -> &'static str {
        match self.api.narrowed_by {
            Some((param, endpoint)) if params.contains_key(param) => endpoint,
            _ => self.api.endpoint,
        }
    }

    /// The field the date parameters filter on, if the report has one.
    pub fn date_field(&self) -> Option<&'static str> {
        match self.api.date_filter {
            DateFilter::None => None,
            DateFilter::Bbql(field) | DateFilter::Cutoff(field) => Some(field),
        }
    }

    /// The column holding [`Self::date_field`], which the date parameters
    /// compare with and whose newest value is a run's checkpoint; `None`
    /// when the report has no date field or maps it to no column.
    pub fn changed_column(&self) -> Option<&'static str> {
        let field = self.date_field()?;
        let holds = |c: &&Column| match (c.source, self.api.each) {
            (Source::Field(path) | Source::Millis(path), None) | (Source::Parent(path), Some(_)) => path == field,
            _ => false,
        };
        self.columns.iter().find(holds).map(|c| c.name)
    }

    /// The URL of the first request: the endpoint path with parameters
    /// substituted, the largest page size, the fixed query and the filters.
    pub fn first_url(&self, endpoint: &Url, params: &Params, now: i64) -> Result<Url> {
        let api = &self.api;
        let mut url = endpoint.clone();
        let mut segments = url.path_segments_mut().map_err(|()| Error::config("endpoint", "cannot be a base URL"))?;
        segments.pop_if_empty();
        for segment in self.endpoint_for(params).trim_start_matches('/').split('/') {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                segments.push(segment);
                continue;
            };
            let value = params.get(name);
            if self.param(name).is_some_and(|p| p.text == TextRule::RepoPath) {
                // A path parameter may span segments; omitted, it leaves a
                // trailing slash (the root of a directory listing).
                segments.extend(value.map_or("", String::as_str).split('/'));
            } else {
                segments.push(value.ok_or_else(|| Error::param(name, "required"))?);
            }
        }
        drop(segments);
        let mut bbql: Vec<String> = api.filter.iter().map(|f| f.to_string()).collect();
        if let (DateFilter::Bbql(field), Some(bound)) = (api.date_filter, self.date_bound(params, now)) {
            let op = if bound.exclusive { ">" } else { ">=" };
            bbql.push(format!("{field} {op} {}", bound.text));
        }
        if let (DateFilter::Bbql(field), Some(upper)) = (api.date_filter, self.date_upper(params)) {
            bbql.push(format!("{field} < {}", upper.text));
        }
        let mut query = url.query_pairs_mut();
        let size = match api.paging {
            Paging::Cloud => "pagelen",
            Paging::StartLimit | Paging::Browse => "limit",
        };
        if api.shape == Shape::List {
            query.append_pair(size, &api.page_len.to_string());
        }
        for (key, value) in api.query {
            // `{param}`: the parameter's value, left out when it is omitted.
            match value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                Some(name) => {
                    if let Some(value) = params.get(name) {
                        query.append_pair(key, value);
                    }
                }
                None => {
                    query.append_pair(key, value);
                }
            }
        }
        if !bbql.is_empty() {
            query.append_pair("q", &bbql.join(" AND "));
        }
        // Data Center has no `fields`: it sends whole objects (and ignores
        // parameters it does not know, so none is sent).
        if api.paging == Paging::Cloud {
            query.append_pair("fields", &self.fields());
        }
        drop(query);
        if url.query() == Some("") {
            url.set_query(None);
        }
        Ok(url)
    }

    /// The `fields` parameter: only the parts of each object that a column
    /// (or the date cutoff) reads, plus the envelope's paging fields, so
    /// Bitbucket sends no more than the report uses, and the definition's
    /// expansions (`expand`, e.g. `+values.participants`).
    pub fn fields(&self) -> String {
        let (values, envelope) = match self.api.shape {
            Shape::List => ("values.", crate::client::PAGE_FIELDS.as_slice()),
            Shape::Object => ("", [].as_slice()),
        };
        let item = match self.api.each {
            Some(Each::Items([each])) => format!("{values}{each}."),
            // Several arrays, or a thread: whole objects (only Data
            // Center's reports have them, and it takes no `fields`).
            Some(_) => return String::new(),
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
                Source::Millis(path) => fields.push(format!("{item}{path}")),
                Source::IdText(path) => fields.push(format!("{item}{path}")),
                Source::Absent | Source::Derived(_) => {}
            }
        }
        // The date field: for the cutoff, and for the run's checkpoint.
        if let Some(field) = self.date_field() {
            fields.push(format!("{values}{field}"));
        }
        fields.extend(self.api.expand.iter().map(|e| e.to_string()));
        let mut seen = std::collections::BTreeSet::new();
        fields.retain(|f| seen.insert(f.clone()));
        fields.join(",")
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::*;
    use crate::cells::ColumnType;
    use crate::error::ErrorCode;
    use crate::test_support::{given, TEST_REPORT as REPORT};
    use crate::url::Url;

    #[test]
    fn first_url_substitutes_and_keeps_the_endpoint_prefix() {
        let p = REPORT.resolve_params(&given(&[("workspace", "acme"), ("repository", "{abc-1}")])).unwrap();
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
            columns: &[
                parent_col("pr", ColumnType::Integer, "id", ""),
                col("who", ColumnType::Text, "user.uuid", ""),
                Column { source: Source::FirstOf(&["a.b", "c"]), ..opt("either", ColumnType::Text, "", "") },
                Column { source: Source::KeyOf(&["approval", "comment"]), ..opt("kind", ColumnType::Text, "", "") },
                param_col("repository", "repository", ""),
            ],
            api: Api {
                expand: &["+values.participants"],
                each: Some(Each::Items(&["participants"])),
                date_filter: DateFilter::Cutoff("created_on"),
                ..REPORT.api
            },
            ..REPORT
        };
        assert_eq!(
            EACH.fields(),
            "next,page,pagelen,size,values.id,values.participants.user.uuid,\
             values.participants.a.b,values.participants.c,values.participants.approval,\
             values.participants.comment,values.created_on,+values.participants"
        );
        let p = EACH.resolve_params(&given(&[("workspace", "acme"), ("repository", "web")])).unwrap();
        let url = EACH.first_url(&Url::parse("http://h/2.0").unwrap(), &p, 0).unwrap();
        let fields: Vec<_> = url.query_pairs().filter(|(k, _)| k == "fields").collect();
        assert_eq!(fields.len(), 1, "one fields parameter: {url}");

        const OBJECT: Report =
            Report { api: Api { shape: Shape::Object, date_filter: DateFilter::None, ..REPORT.api }, ..REPORT };
        assert_eq!(OBJECT.fields(), "id,author.display_name");
    }

    #[test]
    fn date_parameters_become_bbql_combined_with_the_fixed_filter() {
        let q = |pairs: &[(&str, &str)]| {
            let p = REPORT.resolve_params(&given(pairs)).unwrap();
            let url = REPORT.first_url(&Url::parse("http://h/2.0").unwrap(), &p, 1_795_392_000).unwrap();
            url.query_pairs().find(|(k, _)| k == "q").map(|(_, v)| v.into_owned())
        };
        let (w, r) = (("workspace", "acme"), ("repository", "web"));
        assert_eq!(q(&[w, r]).as_deref(), Some("kind = \"x\""));
        assert_eq!(
            q(&[w, r, ("since", "2026-05-01")]).as_deref(),
            Some("kind = \"x\" AND updated_on >= 2026-05-01T00:00:00+00:00")
        );
        assert_eq!(q(&[w, r, ("days-back", "2")]).as_deref(), Some("kind = \"x\" AND updated_on >= 2026-11-21T00:00:00+00:00"));
        assert_eq!(
            q(&[w, r, ("changed-after", "2026-05-01T10:00:00.123456+00:00")]).as_deref(),
            Some("kind = \"x\" AND updated_on > 2026-05-01T10:00:00.123456+00:00"),
            "exclusive, and as precise as the checkpoint"
        );
        assert_eq!(
            q(&[w, r, ("changed-after", "2026-05-01T10:00:00+00:00"), ("changed-before", "2026-06-01T00:00:00.5+00:00")])
                .as_deref(),
            Some("kind = \"x\" AND updated_on > 2026-05-01T10:00:00+00:00 AND updated_on < 2026-06-01T00:00:00.5+00:00"),
            "a closed window, both ends exclusive"
        );
        assert_eq!(
            q(&[w, r, ("since", "2026-05-01"), ("changed-before", "2026-06-01T00:00:00+00:00")]).as_deref(),
            Some("kind = \"x\" AND updated_on >= 2026-05-01T00:00:00+00:00 AND updated_on < 2026-06-01T00:00:00+00:00")
        );
    }

    #[test]
    fn an_omitted_path_leaves_the_trailing_slash_of_a_root_listing() {
        const SRC: Report = Report {
            params: &[
                WORKSPACE,
                REPOSITORY,
                Param { text: TextRule::RefName, ..slug_param("commit", true, "") },
                Param { text: TextRule::RepoPath, ..slug_param("path", false, "") },
            ],
            api: Api { endpoint: "/repositories/{workspace}/{repository}/src/{commit}/{path}", ..REPORT.api },
            ..REPORT
        };
        let url = |pairs: &[(&str, &str)]| {
            let p = SRC.resolve_params(&given(pairs)).unwrap();
            SRC.first_url(&Url::parse("http://h/2.0").unwrap(), &p, 0).unwrap().path().to_string()
        };
        let base = [("workspace", "a"), ("repository", "b"), ("commit", "feature/x")];
        assert_eq!(url(&base), "/2.0/repositories/a/b/src/feature%2Fx/");
        assert_eq!(url(&[base[0], base[1], base[2], ("path", "/src/lib/")]), "/2.0/repositories/a/b/src/feature%2Fx/src/lib");
        let e = SRC.resolve_params(&given(&[base[0], base[1], base[2], ("path", "src/../../x")])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
    }

    #[test]
    fn the_changed_column_is_the_one_mapped_from_the_date_field() {
        let of = |id: &str| crate::reports::ALL.iter().find(|r| r.id == id).unwrap().changed_column();
        assert_eq!(of("pull-requests"), Some("updated_on"));
        assert_eq!(of("commits"), Some("date"));
        assert_eq!(of("repositories"), Some("updated_on"));
        assert_eq!(of("branches"), Some("target_date"));
        assert_eq!(of("deploy-keys"), None);
        // Every report filtering dates itself names the column they compare with.
        for report in crate::reports::ALL.iter().filter(|r| r.date_field().is_some()) {
            let column = report.changed_column().unwrap_or_else(|| panic!("{} has no changed column", report.id));
            let ty = report.columns.iter().find(|c| c.name == column).unwrap().ty;
            assert_eq!(ty, ColumnType::Timestamp, "{}", report.id);
        }
    }
}
