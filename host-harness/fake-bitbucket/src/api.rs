//! What every handler works with: the request ([`ApiRequest`]: dataset,
//! query, link origin), the error envelope ([`ApiError`]), path resolution
//! (`resolve_workspace`, `resolve_repo`) and [`list`], the BBQL-filtered,
//! paginated list all filterable families share.

use crate::bbql;
use crate::dataset::{parse, Dataset};
use crate::json::object;
use crate::paging::{paginate, Paging};

/// What a handler sees of the request.
pub struct ApiRequest<'a> {
    pub dataset: &'a Dataset,
    /// The request path exactly as received (prefix included, no query).
    pub raw_path: &'a str,
    /// Decoded query pairs, in order, repeated keys kept.
    pub query: &'a [(String, String)],
    /// Origin used for absolute `next`/`previous` links, e.g. `http://127.0.0.1:41234`.
    pub link_origin: &'a str,
}

impl ApiRequest<'_> {
    /// Last value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a (repeatable) query parameter, in order.
    pub fn params(&self, key: &str) -> Vec<&str> {
        self.query.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// Absolute URL of this request with `page` set to `page` (replacing the
    /// first `page` parameter in place, dropping any others, or appending it).
    pub fn url_with_page(&self, page: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(self.query.len() + 1);
        let mut placed = false;
        for (k, v) in self.query {
            if k == "page" {
                if !placed {
                    pairs.push(("page", page));
                    placed = true;
                }
            } else {
                pairs.push((k, v));
            }
        }
        if !placed {
            pairs.push(("page", page));
        }
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        format!("{}{}?{}", self.link_origin, self.raw_path, query)
    }
}

/// An API error, rendered as Bitbucket's `{"type":"error","error":{"message":…}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// Optional `error.detail`.
    pub detail: Option<String>,
    /// Optional `error.data`, already serialised.
    pub data: Option<String>,
    /// For a redirect (3xx): the `Location` it answers with, and no body.
    pub location: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), detail: None, data: None, location: None }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, message)
    }
    /// `302 Found` to `location` (absolute), as Bitbucket redirects.
    pub fn found(location: impl Into<String>) -> ApiError {
        ApiError { location: Some(location.into()), ..ApiError::new(302, "Found") }
    }
    /// The serialised error envelope.
    pub fn body(&self) -> String {
        object(|o| {
            o.str("type", "error").obj("error", |e| {
                e.str("message", &self.message);
                if let Some(d) = &self.detail {
                    e.str("detail", d);
                }
                if let Some(d) = &self.data {
                    e.raw("data", d);
                }
            });
        })
    }
}

/// A handler's answer: a serialised JSON body (status 200) or an error.
pub type ApiResult = Result<String, ApiError>;

pub(crate) fn resolve_workspace(req: &ApiRequest, ws: &str) -> Result<usize, ApiError> {
    req.dataset.find_workspace(ws).ok_or_else(|| ApiError::not_found(format!("No workspace with identifier '{ws}'.")))
}

pub(crate) fn resolve_repo(req: &ApiRequest, ws: &str, repo: &str) -> Result<(usize, usize), ApiError> {
    resolve_workspace(req, ws)?;
    req.dataset.find_repo(ws, repo).ok_or_else(|| ApiError::not_found(format!("Repository {ws}/{repo} not found")))
}

/// The request's non-blank `q`.
pub(crate) fn query(req: &ApiRequest) -> Option<String> {
    req.param("q").map(str::trim).filter(|q| !q.is_empty()).map(str::to_string)
}

/// A list of `total` objects written by `gen`; with `allowed` field names the
/// family supports BBQL, and a `q` keeps only the matching objects (`size`
/// and paging follow the filtered list). Without `allowed`, `q` is ignored.
pub(crate) fn list(
    req: &ApiRequest,
    paging: Paging,
    allowed: Option<&[&str]>,
    total: usize,
    gen: impl Fn(usize) -> String,
) -> ApiResult {
    match (allowed, query(req)) {
        (Some(allowed), Some(q)) => {
            let expr = bbql::parse(&q, allowed)?;
            let kept: Vec<String> = (0..total).map(&gen).filter(|j| expr.matches_json(&parse(j))).collect();
            paginate(req, paging, kept.len(), |range| kept[range].to_vec())
        }
        _ => paginate(req, paging, total, |range| range.map(gen).collect()),
    }
}
