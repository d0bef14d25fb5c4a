//! Conformance checker: does a request the connector sent match an operation
//! of Atlassian's OpenAPI document for Bitbucket Cloud API 2.0
//! (`../shared/bitbucket-openapi.json`)?
//!
//! The document is parsed once into a table of path templates, each with
//! its operations (method, `deprecated`, declared query parameters, the
//! schema of a successful answer); the document is kept for those schemas,
//! which say what an object must carry ([`OpenApi::required`],
//! [`OpenApi::minimal`]) and which operations are paginated collections
//! ([`OpenApi::collections`]).
//!
//! Rules (see [`OpenApi::check`]):
//! - the path (without the `/2.0` prefix) is split on `/` and each segment is
//!   percent-decoded; a template segment `{name}` matches any non-empty
//!   segment, literal segments must match exactly. Two quirks of the document
//!   are accepted for a parameter named `path` in the final position: it may
//!   be empty (the root listing `src/{commit}/`) and may span several segments
//!   (`src/{commit}/src/lib/x.rs`). When several templates match, the one with
//!   the most literal segments wins (`pullrequests/activity` over
//!   `pullrequests/{pull_request_id}`);
//! - the method must be an operation of that template, and not `deprecated`;
//! - every query key must be declared (`in: query`, on the operation or its
//!   path item, `$ref`s resolved) or be one of the globally documented `page`,
//!   `pagelen` and `fields` (described in the narrative, not per operation).
//!   `q` and `sort` are also accepted on the two operations whose descriptions
//!   promise filtering and sorting without declaring them (see
//!   [`UNDECLARED_FILTERING`]). Required query parameters must be present.
//!
//! One more quirk, of the live API rather than the document: Bitbucket
//! answers `…/pullrequests/{id}/diffstat` (and `/diff`, `/patch`) with a
//! redirect to the repository-level operation whose `{spec}` is the pull
//! request's revspec `{workspace}/{repo_slug}:{source}%0D{destination}` (a
//! `/` the template has no room for), with `from_pullrequest_id`, which the
//! operation does not declare. Both are accepted there, in that form only
//! (see [`PULL_REQUEST_REVSPEC`]).
//!
//! The same checker takes Atlassian's Bitbucket Data Center 9.4 document
//! ([`OpenApi::data_center`], a copy of `../shared/bitbucket-dc-openapi.json`),
//! with paths relative to `{base}/rest` (e.g. `/api/latest/projects`). There
//! only declared query parameters pass: none of Cloud's global ones, and no
//! Cloud quirk; the exceptions are `start` and `limit` on `GET
//! /api/latest/users` and on `browse` (see [`DC_UNDECLARED_PAGING`]).
//!
//! Values are not checked (e.g. `state` is typed as a single string but may be
//! repeated, which the live API accepts).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context as _};
use serde_json::Value;

/// One request as recorded by the fake server.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    pub method: &'a str,
    /// As sent, may be percent-encoded, WITHOUT the API prefix, e.g.
    /// `/repositories/acme/%7Babc%7D/pullrequests`.
    pub path: &'a str,
    pub query: &'a [(String, String)],
}

/// Query parameters the document describes globally, in its narrative
/// (pagination and partial responses), rather than per operation.
pub const GLOBAL_QUERY: &[&str] = &["page", "pagelen", "fields"];

/// `(method, template)` of operations whose descriptions say they support
/// filtering and sorting ("This endpoint also supports filtering and sorting
/// of the results") but which do not declare `q` or `sort`.
pub const UNDECLARED_FILTERING: &[(&str, &str)] = &[
    ("get", "/repositories/{workspace}/{repo_slug}/pullrequests"),
    ("get", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments"),
];

/// Templates whose final `{spec}` may be a pull request's revspec as
/// Bitbucket's redirects write it (two segments, the second holding `:`),
/// with the undeclared `from_pullrequest_id`.
pub const PULL_REQUEST_REVSPEC: &[&str] = &[
    "/repositories/{workspace}/{repo_slug}/diffstat/{spec}",
    "/repositories/{workspace}/{repo_slug}/diff/{spec}",
    "/repositories/{workspace}/{repo_slug}/patch/{spec}",
];

/// `(method, template)` of Data Center operations that page (the
/// narrative's "Paged APIs", and so the live API) but do not declare `start`
/// and `limit`: the document types `GET /api/latest/users`'s answer as one
/// user, though it is a page; `browse` declares neither, though a
/// directory's `children` is a page (Jenkins' client pages it with
/// `limit=500` and `start`).
pub const DC_UNDECLARED_PAGING: &[(&str, &str)] = &[
    ("get", "/api/latest/users"),
    ("get", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/browse"),
    ("get", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/browse/{path}"),
];

/// Which document an [`OpenApi`] holds: its global rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Cloud,
    DataCenter,
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The parsed document: path templates and their operations.
#[derive(Debug, Clone)]
pub struct OpenApi {
    dialect: Dialect,
    templates: Vec<Template>,
    doc: std::sync::Arc<Value>,
}

#[derive(Debug, Clone)]
struct Template {
    raw: String,
    segments: Vec<Segment>,
    /// Lower-case method -> operation.
    operations: BTreeMap<String, Operation>,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    /// `{name}`; `rest` when it is `{path}` in the final position, which may
    /// be empty or span several segments.
    Param {
        rest: bool,
    },
    /// A segment mixing literals and parameters, e.g.
    /// `{repo_name}-issues-{task_id}.zip`.
    Pattern(Vec<Piece>),
}

#[derive(Debug, Clone)]
enum Piece {
    Literal(String),
    Param,
}

#[derive(Debug, Clone, Default)]
struct Operation {
    deprecated: bool,
    query: BTreeSet<String>,
    required_query: BTreeSet<String>,
    /// The schema of the 200 `application/json` answer, as written (often a `$ref`).
    answer: Option<Value>,
}

/// How well a template matched: compared lexicographically, larger is better.
type Rank = (usize, bool, usize);

impl OpenApi {
    /// Parses the document at `path`.
    pub fn load(path: &Path) -> anyhow::Result<OpenApi> {
        Self::load_as(path, Dialect::Cloud)
    }

    fn load_as(path: &Path, dialect: Dialect) -> anyhow::Result<OpenApi> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading OpenAPI document {}", path.display()))?;
        let doc: Value = serde_json::from_str(&text).with_context(|| format!("parsing OpenAPI document {}", path.display()))?;
        Self::from_value(&doc, dialect).with_context(|| format!("in OpenAPI document {}", path.display()))
    }

    /// Atlassian's Bitbucket Data Center 9.4 document as committed in
    /// `tests/data/` (a copy of `../shared/bitbucket-dc-openapi.json`);
    /// check paths relative to `/rest`.
    pub fn data_center() -> anyhow::Result<OpenApi> {
        Self::load_as(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/bitbucket-dc-openapi.json"),
            Dialect::DataCenter,
        )
    }

    /// Atlassian's document as committed in `tests/data/` (a copy of
    /// `../shared/bitbucket-openapi.json`, June 2026), so CI needs nothing
    /// outside the repository.
    pub fn shared() -> anyhow::Result<OpenApi> {
        Self::load(&Self::shared_path())
    }

    /// Where [`OpenApi::shared`] loads from.
    pub fn shared_path() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/bitbucket-openapi.json")
    }

    fn from_value(doc: &Value, dialect: Dialect) -> anyhow::Result<OpenApi> {
        let paths = doc.get("paths").and_then(Value::as_object).context("no `paths` object")?;
        let mut templates = Vec::with_capacity(paths.len());
        for (raw, item) in paths {
            let item = resolve(doc, item).with_context(|| format!("path item {raw}"))?;
            let segments = parse_template(raw).with_context(|| format!("path template {raw}"))?;
            let shared_params = params_of(doc, item).with_context(|| format!("parameters of {raw}"))?;
            let mut operations = BTreeMap::new();
            for &method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let mut operation = Operation {
                    deprecated: op.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
                    answer: op.pointer("/responses/200/content/application~1json/schema").cloned(),
                    ..Operation::default()
                };
                let own = params_of(doc, op).with_context(|| format!("parameters of {} {raw}", method.to_uppercase()))?;
                // Operation-level parameters override path-level ones with
                // the same name and location.
                let mut merged: BTreeMap<(String, String), bool> = BTreeMap::new();
                for p in shared_params.iter().chain(own.iter()) {
                    merged.insert((p.name.clone(), p.location.clone()), p.required);
                }
                for ((name, location), required) in merged {
                    if location == "query" {
                        if required {
                            operation.required_query.insert(name.clone());
                        }
                        operation.query.insert(name);
                    }
                }
                operations.insert(method.to_string(), operation);
            }
            templates.push(Template { raw: raw.clone(), segments, operations });
        }
        Ok(OpenApi { dialect, templates, doc: std::sync::Arc::new(doc.clone()) })
    }

    /// Checks one recorded request; see [`OpenApi::check`].
    pub fn check_request(&self, request: &Checked<'_>) -> Result<String, String> {
        self.check(request.method, request.path, request.query)
    }

    /// `Ok(template)`, e.g. `/repositories/{workspace}/{repo_slug}/pullrequests`,
    /// or `Err(reason)` naming the path, method or query parameter at fault.
    pub fn check(&self, method: &str, path: &str, query: &[(String, String)]) -> Result<String, String> {
        let mut segments = split_path(path)?;
        // A pull request's revspec, `{workspace}/{repo_slug}:{hashes}`, as one `{spec}`.
        let revspec = matches!(segments.as_slice(), [r, _, _, op, _, spec]
            if r == "repositories" && ["diffstat", "diff", "patch"].contains(&op.as_str()) && spec.contains(':'));
        if revspec {
            let spec = segments.pop().unwrap_or_default();
            if let Some(workspace) = segments.last_mut() {
                *workspace = format!("{workspace}/{spec}");
            }
        }
        let template = self.match_path(&segments).ok_or_else(|| {
            let hint = match self.dialect {
                Dialect::Cloud if path.starts_with("/2.0/") || path == "/2.0" => " (strip the `/2.0` API prefix before checking)",
                Dialect::DataCenter if path.contains("/rest/") => " (check the path below `/rest`)",
                _ => "",
            };
            format!("path {path:?} matches no path template of the OpenAPI document{hint}")
        })?;

        let lower = method.to_ascii_lowercase();
        let operation = template.operations.get(&lower).ok_or_else(|| {
            let allowed: Vec<String> = template.operations.keys().map(|m| m.to_uppercase()).collect();
            format!(
                "{} {path:?}: the template {} has no {} operation (only {})",
                method.to_uppercase(),
                template.raw,
                method.to_uppercase(),
                allowed.join(", ")
            )
        })?;
        if operation.deprecated {
            return Err(format!(
                "{} {path:?}: the operation {} {} is deprecated in the OpenAPI document and must not be called",
                method.to_uppercase(),
                method.to_uppercase(),
                template.raw
            ));
        }

        let cloud = self.dialect == Dialect::Cloud;
        let global: &[&str] = if cloud { GLOBAL_QUERY } else { &[] };
        let filtering = cloud && UNDECLARED_FILTERING.iter().any(|&(m, t)| m == lower && t == template.raw);
        let revspec = cloud && revspec && PULL_REQUEST_REVSPEC.contains(&template.raw.as_str());
        let paging = !cloud && DC_UNDECLARED_PAGING.iter().any(|&(m, t)| m == lower && t == template.raw);
        for (key, _) in query {
            let allowed = operation.query.contains(key)
                || (revspec && key == "from_pullrequest_id")
                || global.contains(&key.as_str())
                || (filtering && (key == "q" || key == "sort"))
                || (paging && (key == "start" || key == "limit"));
            if !allowed {
                let mut declared: BTreeSet<&str> = operation.query.iter().map(String::as_str).collect();
                declared.extend(global);
                if filtering {
                    declared.extend(["q", "sort"]);
                }
                if paging {
                    declared.extend(["start", "limit"]);
                }
                return Err(format!(
                    "query parameter {key:?} is not declared for {} {} (allowed: {})",
                    method.to_uppercase(),
                    template.raw,
                    declared.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        for required in &operation.required_query {
            if !query.iter().any(|(k, _)| k == required) {
                return Err(format!(
                    "required query parameter {required:?} is missing for {} {}",
                    method.to_uppercase(),
                    template.raw
                ));
            }
        }
        Ok(template.raw.clone())
    }

    /// The templates of every paginated collection a GET reads (its answer
    /// a `paginated_*` schema) that is not deprecated.
    pub fn collections(&self) -> Vec<&str> {
        let paginated = |op: &Operation| {
            let reference = op.answer.as_ref().and_then(|a| a.get("$ref")).and_then(Value::as_str).unwrap_or("");
            reference.rsplit('/').next().is_some_and(|name| name.starts_with("paginated_"))
        };
        self.templates
            .iter()
            .filter(|t| t.operations.get("get").is_some_and(|op| !op.deprecated && paginated(op)))
            .map(|t| t.raw.as_str())
            .collect()
    }

    /// The schema of one object GET `path` answers with: the elements of
    /// `values` for a paginated collection, else the answer itself.
    fn object_schema(&self, path: &str) -> Result<&Value, String> {
        let segments = split_path(path)?;
        let template = self.match_path(&segments).ok_or_else(|| format!("no template matches {path}"))?;
        let answer = template.operations.get("get").and_then(|op| op.answer.as_ref());
        let answer = answer.ok_or_else(|| format!("GET {} has no JSON answer schema", template.raw))?;
        let answer = resolve(&self.doc, answer).map_err(|e| e.to_string())?;
        let values = object_parts(&self.doc, answer).0.get("values").copied();
        Ok(match values.and_then(|v| v.get("items")) {
            Some(items) => items,
            None => answer,
        })
    }

    /// Whether every object GET `path` answers with must carry the dotted
    /// `field` (e.g. `author.user.uuid`, through arrays to their elements):
    /// each step is in its schema's `required`.
    pub fn required(&self, path: &str, field: &str) -> Result<bool, String> {
        let doc = &self.doc;
        let mut schema = self.object_schema(path)?;
        for step in field.split('.') {
            schema = elements(doc, schema);
            let (properties, required) = object_parts(doc, schema);
            if !required.contains(step) {
                return Ok(false);
            }
            schema = properties.get(step).copied().ok_or_else(|| format!("{step} is required but not described"))?;
        }
        Ok(true)
    }

    /// `body`, an answer to GET `path`, with each object cut down to the
    /// fields its schema requires (a paginated envelope keeps its own).
    pub fn minimal(&self, path: &str, body: &Value) -> Value {
        let Ok(schema) = self.object_schema(path) else { return body.clone() };
        match body {
            Value::Object(envelope) if envelope.get("values").is_some_and(Value::is_array) => {
                let mut out = envelope.clone();
                if let Some(Value::Array(values)) = out.get_mut("values") {
                    for value in values {
                        *value = strip(&self.doc, schema, value, 0);
                    }
                }
                Value::Object(out)
            }
            other => strip(&self.doc, schema, other, 0),
        }
    }

    /// The best-matching template for decoded `segments`, if any.
    fn match_path(&self, segments: &[String]) -> Option<&Template> {
        let mut best: Option<(Rank, &Template)> = None;
        for template in &self.templates {
            if let Some(rank) = match_template(&template.segments, segments) {
                if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                    best = Some((rank, template));
                }
            }
        }
        best.map(|(_, t)| t)
    }
}

// ---------------------------------------------------------------------------
// Document helpers

struct Param {
    name: String,
    location: String,
    required: bool,
}

/// An object schema's properties and required names, through `$ref`s and
/// `allOf` (Bitbucket's schemas extend `object` that way).
fn object_parts<'a>(doc: &'a Value, schema: &'a Value) -> (BTreeMap<&'a str, &'a Value>, BTreeSet<&'a str>) {
    let mut properties = BTreeMap::new();
    let mut required = BTreeSet::new();
    let mut pending = vec![schema];
    let mut steps = 0;
    while let Some(schema) = pending.pop() {
        steps += 1;
        let Ok(schema) = resolve(doc, schema) else { continue };
        if steps > 64 {
            break;
        }
        if let Some(Value::Object(own)) = schema.get("properties") {
            properties.extend(own.iter().map(|(k, v)| (k.as_str(), v)));
        }
        if let Some(Value::Array(names)) = schema.get("required") {
            required.extend(names.iter().filter_map(Value::as_str));
        }
        if let Some(Value::Array(parts)) = schema.get("allOf") {
            pending.extend(parts);
        }
    }
    (properties, required)
}

/// For an array schema, its elements' schema; any other schema as it is.
fn elements<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let schema = resolve(doc, schema).unwrap_or(schema);
    match schema.get("items") {
        Some(items) if schema.get("type").and_then(Value::as_str) == Some("array") => resolve(doc, items).unwrap_or(items),
        _ => schema,
    }
}

/// `value` with only what `schema` requires, recursively.
fn strip(doc: &Value, schema: &Value, value: &Value, depth: usize) -> Value {
    match value {
        Value::Array(items) if depth < 16 => {
            Value::Array(items.iter().map(|item| strip(doc, elements(doc, schema), item, depth + 1)).collect())
        }
        Value::Object(map) if depth < 16 => {
            let (properties, required) = object_parts(doc, schema);
            let kept = map.iter().filter(|(k, _)| required.contains(k.as_str())).map(|(k, v)| {
                let inner = properties.get(k.as_str()).copied().unwrap_or(&Value::Null);
                (k.clone(), strip(doc, inner, v, depth + 1))
            });
            Value::Object(kept.collect())
        }
        other => other.clone(),
    }
}

/// Follows a local `$ref` (`#/components/...`), repeatedly.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> anyhow::Result<&'a Value> {
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value);
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            bail!("non-local $ref {reference:?} is not supported");
        };
        value = doc.pointer(pointer).with_context(|| format!("unresolvable $ref {reference:?}"))?;
    }
    bail!("$ref chain too long")
}

fn params_of(doc: &Value, holder: &Value) -> anyhow::Result<Vec<Param>> {
    let Some(list) = holder.get("parameters") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().context("`parameters` is not an array")?;
    list.iter()
        .map(|p| {
            let p = resolve(doc, p)?;
            let field = |k: &str| {
                p.get(k).and_then(Value::as_str).map(str::to_string).with_context(|| format!("parameter without `{k}`: {p}"))
            };
            Ok(Param {
                name: field("name")?,
                location: field("in")?,
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

fn parse_template(raw: &str) -> anyhow::Result<Vec<Segment>> {
    let Some(rest) = raw.strip_prefix('/') else { bail!("does not start with '/'") };
    let parts: Vec<&str> = rest.split('/').collect();
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let pieces = parse_pieces(part)?;
            Ok(match pieces.as_slice() {
                [Piece::Literal(s)] => Segment::Literal(s.clone()),
                [] => Segment::Literal(String::new()),
                [Piece::Param] => Segment::Param { rest: i == last && *part == "{path}" },
                _ => Segment::Pattern(pieces),
            })
        })
        .collect()
}

fn parse_pieces(segment: &str) -> anyhow::Result<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut rest = segment;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let end = rest.find('}').with_context(|| format!("unclosed '{{' in {segment:?}"))?;
                pieces.push(Piece::Param);
                rest = &rest[end + 1..];
            }
            Some(start) => {
                pieces.push(Piece::Literal(rest[..start].to_string()));
                rest = &rest[start..];
            }
            None => {
                pieces.push(Piece::Literal(rest.to_string()));
                rest = "";
            }
        }
    }
    Ok(pieces)
}

// ---------------------------------------------------------------------------
// Matching

/// Splits a request path into percent-decoded segments (without the leading
/// empty one).
fn split_path(path: &str) -> Result<Vec<String>, String> {
    if path.contains(['?', '#']) {
        return Err(format!("path {path:?} contains '?' or '#': pass the query separately"));
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("path {path:?} does not start with '/'"));
    };
    rest.split('/').map(|s| percent_decode(s).map_err(|e| format!("path {path:?}: {e}"))).collect()
}

fn percent_decode(segment: &str) -> Result<String, String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("malformed percent-encoding in segment {segment:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("segment {segment:?} does not decode to UTF-8"))
}

/// `Some(rank)` if `template` matches `segments`. The rank prefers, in order:
/// more literal segments, no multi-segment `{path}`, more literal characters
/// (in mixed segments such as `{a}-issues-{b}.zip`).
fn match_template(template: &[Segment], segments: &[String]) -> Option<Rank> {
    let mut literals = 0;
    let mut literal_chars = 0;
    let mut single = true;
    for (i, t) in template.iter().enumerate() {
        match t {
            Segment::Param { rest: true } => {
                // Final `{path}`: zero or more segments, none empty except a
                // lone trailing empty one (the root listing `src/{commit}/`).
                let tail = segments.get(i..)?;
                match tail {
                    [] => return None,
                    [only] if only.is_empty() => {}
                    _ if tail.iter().any(String::is_empty) => return None,
                    _ => {}
                }
                single = tail.len() == 1;
                return Some((literals, single, literal_chars));
            }
            Segment::Literal(l) => {
                if segments.get(i)? != l {
                    return None;
                }
                literals += 1;
                literal_chars += l.len();
            }
            Segment::Param { rest: false } => {
                if segments.get(i)?.is_empty() {
                    return None;
                }
            }
            Segment::Pattern(pieces) => {
                if !match_pieces(pieces, segments.get(i)?) {
                    return None;
                }
                literal_chars += pieces.iter().map(|p| if let Piece::Literal(l) = p { l.len() } else { 0 }).sum::<usize>();
            }
        }
    }
    (segments.len() == template.len()).then_some((literals, single, literal_chars))
}

/// Matches a mixed segment; each parameter takes at least one character.
fn match_pieces(pieces: &[Piece], s: &str) -> bool {
    match pieces.split_first() {
        None => s.is_empty(),
        Some((Piece::Literal(l), rest)) => s.strip_prefix(l.as_str()).is_some_and(|s| match_pieces(rest, s)),
        Some((Piece::Param, rest)) => s
            .char_indices()
            .skip(1)
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .filter(|&i| i > 0)
            .any(|i| match_pieces(rest, &s[i..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn api() -> &'static OpenApi {
        static API: OnceLock<OpenApi> = OnceLock::new();
        API.get_or_init(|| OpenApi::shared().expect("load the shared OpenAPI document"))
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_schemas_say_which_fields_an_object_must_carry() {
        let statuses = "/repositories/acme/web/commit/abc/statuses";
        assert_eq!(api().required(statuses, "key"), Ok(true));
        assert_eq!(api().required(statuses, "state"), Ok(true));
        assert_eq!(api().required(statuses, "url"), Ok(false));
        assert_eq!(api().required("/repositories/acme", "uuid"), Ok(false));
        assert_eq!(api().required("/repositories/acme", "type"), Ok(true), "through allOf: object requires type");
        assert_eq!(api().required("/repositories/acme/web/pullrequests/1/tasks", "creator.type"), Ok(true));
        assert_eq!(api().required("/repositories/acme/web/pullrequests/1/tasks", "content.raw"), Ok(false));
        assert_eq!(api().required("/repositories/acme/web/pullrequests/1/tasks", "creator.uuid"), Ok(false));
        assert!(api().required("/nowhere", "x").is_err());
    }

    #[test]
    fn minimal_answers_keep_only_what_the_schemas_require() {
        let page = serde_json::json!({"size": 1, "page": 1, "pagelen": 10, "next": "n", "values": [
            {"type": "task", "id": 3, "state": "RESOLVED", "content": {"raw": "x", "markup": "markdown"},
             "creator": {"type": "user", "uuid": "{u}"}, "created_on": "c", "updated_on": "u", "resolved_on": "r"}
        ]});
        let minimal = api().minimal("/repositories/acme/web/pullrequests/1/tasks", &page);
        assert_eq!(
            minimal,
            serde_json::json!({"size": 1, "page": 1, "pagelen": 10, "next": "n", "values": [
                {"state": "RESOLVED", "content": {}, "creator": {"type": "user"}, "created_on": "c", "updated_on": "u"}
            ]})
        );
        let repo = serde_json::json!({"type": "repository", "uuid": "{r}", "slug": "web", "owner": {"type": "user"}});
        assert_eq!(api().minimal("/repositories/acme/web", &repo), serde_json::json!({"type": "repository"}));
    }

    #[test]
    fn collections_are_the_paginated_gets_not_deprecated() {
        let collections = api().collections();
        assert!(collections.contains(&"/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/tasks"));
        assert!(collections.contains(&"/workspaces/{workspace}/pullrequests/{selected_user}"));
        assert!(!collections.contains(&"/repositories"), "deprecated");
        assert!(!collections.contains(&"/repositories/{workspace}/{repo_slug}/issues"), "deprecated");
        assert!(!collections.contains(&"/repositories/{workspace}/{repo_slug}"), "one object");
        assert_eq!(collections.len(), 61);
    }

    fn ok(method: &str, path: &str, query: &[(&str, &str)]) -> String {
        api().check(method, path, &q(query)).unwrap_or_else(|e| panic!("{method} {path} {query:?} should conform: {e}"))
    }

    fn err(method: &str, path: &str, query: &[(&str, &str)]) -> String {
        match api().check(method, path, &q(query)) {
            Ok(t) => panic!("{method} {path} {query:?} should not conform, matched {t}"),
            Err(e) => e,
        }
    }

    #[test]
    fn loads_every_path() {
        assert_eq!(api().templates.len(), 193);
    }

    #[test]
    fn pull_request_list_with_repeated_state_and_paging() {
        let t = ok(
            "GET",
            "/repositories/acme/%7B1b2c3d4e-0000-1111-2222-333344445555%7D/pullrequests",
            &[
                ("state", "OPEN"),
                ("state", "MERGED"),
                ("state", "DECLINED"),
                ("pagelen", "50"),
                ("page", "2"),
                ("fields", "+values.participants,+values.reviewers"),
                ("q", "updated_on>=2024-01-01T00:00:00Z"),
                ("sort", "-updated_on"),
            ],
        );
        assert_eq!(t, "/repositories/{workspace}/{repo_slug}/pullrequests");
    }

    #[test]
    fn method_is_case_insensitive_and_must_exist() {
        ok("get", "/repositories/acme/web-app/pullrequests", &[]);
        let e = err("PATCH", "/repositories/acme/web-app/pullrequests", &[]);
        assert!(e.contains("no PATCH operation"), "{e}");
    }

    #[test]
    fn pull_request_comments_accept_q_and_sort() {
        let t = ok(
            "GET",
            "/repositories/acme/web-app/pullrequests/7/comments",
            &[("q", "deleted=false"), ("sort", "-created_on"), ("pagelen", "50")],
        );
        assert_eq!(t, "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments");
    }

    #[test]
    fn literal_segment_beats_parameter() {
        let t = ok("GET", "/repositories/acme/web-app/pullrequests/activity", &[("pagelen", "50")]);
        assert_eq!(t, "/repositories/{workspace}/{repo_slug}/pullrequests/activity");
        let t = ok("GET", "/repositories/acme/web-app/pullrequests/42", &[]);
        assert_eq!(t, "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}");
    }

    #[test]
    fn source_root_listing_and_nested_paths() {
        let src = "/repositories/{workspace}/{repo_slug}/src/{commit}/{path}";
        assert_eq!(ok("GET", "/repositories/acme/web-app/src/abc123/", &[("max_depth", "2")]), src);
        assert_eq!(ok("GET", "/repositories/acme/web-app/src/abc123/src/lib", &[]), src);
        assert_eq!(ok("GET", "/repositories/acme/web-app/src/abc123/src/lib/x.rs", &[("format", "meta")]), src);
        assert_eq!(ok("GET", "/repositories/acme/web-app/src/abc123/README.md", &[]), src);
        // Encoded slashes stay inside one segment.
        assert_eq!(ok("GET", "/repositories/acme/web-app/src/abc123/a%2Fb", &[]), src);
        // Empty segments elsewhere are not accepted.
        err("GET", "/repositories/acme/web-app/src/abc123/src//lib", &[]);
        err("GET", "/repositories/acme/web-app/src//", &[]);
    }

    #[test]
    fn unknown_path_is_rejected() {
        let e = err("GET", "/repositories/acme/web-app/nonsense", &[]);
        assert!(e.contains("/repositories/acme/web-app/nonsense"), "{e}");
        let e = err("GET", "/2.0/repositories/acme/web-app/pullrequests", &[]);
        assert!(e.contains("/2.0"), "{e}");
        err("GET", "/repositories/acme/", &[]);
    }

    #[test]
    fn undeclared_query_parameter_is_rejected() {
        let e = err("GET", "/repositories/acme/web-app/commits", &[("colour", "red")]);
        assert!(e.contains("\"colour\""), "{e}");
        assert!(e.contains("/repositories/{workspace}/{repo_slug}/commits"), "{e}");
        ok("GET", "/repositories/acme/web-app/commits", &[("pagelen", "100"), ("page", "abc")]);
    }

    #[test]
    fn deprecated_operations_are_rejected() {
        for path in ["/repositories", "/workspaces", "/repositories/acme/web-app/issues"] {
            let e = err("GET", path, &[]);
            assert!(e.contains("deprecated"), "{e}");
        }
    }

    #[test]
    fn workspace_permissions_accept_q() {
        let t = ok("GET", "/workspaces/acme/permissions", &[("q", "permission=\"owner\""), ("pagelen", "100")]);
        assert_eq!(t, "/workspaces/{workspace}/permissions");
    }

    #[test]
    fn pipelines_accept_sort_but_not_q() {
        let t = ok(
            "GET",
            "/repositories/acme/web-app/pipelines",
            &[("sort", "-created_on"), ("pagelen", "100"), ("target.branch", "main")],
        );
        assert_eq!(t, "/repositories/{workspace}/{repo_slug}/pipelines");
        let e = err("GET", "/repositories/acme/web-app/pipelines", &[("q", "state.name=\"COMPLETED\"")]);
        assert!(e.contains("\"q\"") && e.contains("pipelines"), "{e}");
    }

    #[test]
    fn q_is_not_accepted_where_not_declared() {
        err("GET", "/repositories/acme/web-app/commits", &[("q", "x")]);
        err("GET", "/repositories/acme/web-app/deployments", &[("sort", "-created_on")]);
        ok("GET", "/repositories/acme/web-app/refs/branches", &[("q", "name~\"x\""), ("sort", "-name")]);
    }

    #[test]
    fn mixed_segment_templates_match() {
        // Deprecated, but it proves the template was recognised.
        let e = err("GET", "/repositories/acme/web-app/issues/export/web-app-issues-12.zip", &[]);
        assert!(e.contains("{repo_name}-issues-{task_id}.zip") && e.contains("deprecated"), "{e}");
    }

    #[test]
    fn required_query_parameters_must_be_present() {
        let e = err("DELETE", "/repositories/acme/web-app/pipelines-config/caches", &[]);
        assert!(e.contains("\"name\""), "{e}");
        ok("DELETE", "/repositories/acme/web-app/pipelines-config/caches", &[("name", "node")]);
    }

    #[test]
    fn a_pull_request_revspec_is_accepted_where_bitbucket_redirects_to_it() {
        let from = [("from_pullrequest_id", "7"), ("topic", "true")];
        let spec = "/repositories/acme/web-app/diffstat/acme/web-app:0123456789ab%0Dba9876543210";
        assert_eq!(ok("GET", spec, &from), "/repositories/{workspace}/{repo_slug}/diffstat/{spec}");
        err("GET", "/repositories/acme/web-app/diffstat/0123456789ab", &from);
        err("GET", "/repositories/acme/web-app/diffstat/acme/web-app", &[]);
        err("GET", "/repositories/acme/web-app/commits/acme/web-app:x", &[]);
        ok("GET", "/repositories/acme/web-app/pullrequests/7/diffstat", &[]);
    }

    #[test]
    fn checked_request() {
        let query = q(&[("pagelen", "50")]);
        let c = Checked { method: "GET", path: "/repositories/acme/%7Babc%7D/pullrequests", query: &query };
        assert_eq!(api().check_request(&c).unwrap(), "/repositories/{workspace}/{repo_slug}/pullrequests");
    }
}
