//! The control endpoint ([`FakeOptions::control`](crate::FakeOptions::control)),
//! for tools outside the process that change the data as the tests do
//! (`connector-harness fake`): outside the API prefix, without
//! authentication, and kept out of the request log (so conformance checks
//! and request counts see only API requests).
//!
//! `POST /_fake/pull-requests/{workspace}/{repository}/{id}`, with an
//! optional JSON body `{"title": "..."}` (the current title when absent):
//! [`Dataset::update_pull_request`] at the current time (later than every
//! generated timestamp and than the pull request's own `updated_on`),
//! answered `200 {"updated_on": "<RFC 3339 UTC, microseconds>"}`. An unknown
//! repository or pull request is a 404, a body that is not such an object a
//! 400, another method a 405; every error has the API's error envelope.

use crate::api::ApiError;
use crate::dataset::{end_secs, Dataset};
use crate::faults::Reply;
use crate::json::object;
use crate::util::{percent_decode, rfc3339_micros};

/// Paths under this are the control endpoint's.
pub(crate) const PREFIX: &str = "/_fake/";

/// The answer to a control request (`path` starts with [`PREFIX`]).
pub(crate) fn answer(dataset: &Dataset, method: &str, path: &str, body: &str) -> Reply {
    match touch(dataset, method, path, body) {
        Ok(body) => Reply::json(200, body),
        Err(e) => Reply::json(e.status, e.body()),
    }
}

fn touch(dataset: &Dataset, method: &str, path: &str, body: &str) -> Result<String, ApiError> {
    let rest = path.strip_prefix(PREFIX).unwrap_or(path);
    let segments: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let [kind, workspace, repo, id] = segments.as_slice() else {
        return Err(ApiError::not_found(format!(
            "no control endpoint {path}; there is POST {PREFIX}pull-requests/{{workspace}}/{{repository}}/{{id}}"
        )));
    };
    if kind != "pull-requests" {
        return Err(ApiError::not_found(format!("no control endpoint for `{kind}`; there is `pull-requests`")));
    }
    if method != "POST" {
        return Err(ApiError::new(405, format!("{method} is not allowed here: POST")));
    }
    let (w, r) = dataset
        .find_repo(workspace, repo)
        .ok_or_else(|| ApiError::not_found(format!("Repository {workspace}/{repo} not found")))?;
    let id: u32 = id
        .parse()
        .ok()
        .filter(|&id| id >= 1 && id as usize <= dataset.n_pull_requests(w, r))
        .ok_or_else(|| ApiError::not_found(format!("No pull request {workspace}/{repo}#{id}")))?;
    let current = dataset.pr_core(w, r, id);
    let title = match body.trim() {
        "" => current.title,
        text => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
            match value.get("title") {
                _ if !value.is_object() => return Err(ApiError::bad_request("the body must be a JSON object")),
                None | Some(serde_json::Value::Null) => current.title,
                Some(serde_json::Value::String(title)) => title.clone(),
                Some(_) => return Err(ApiError::bad_request("`title` must be a string")),
            }
        }
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    let when = now.max(end_secs() * 1_000_000 + 1).max(current.updated_on + 1);
    let when = rfc3339_micros(when);
    dataset.update_pull_request(workspace, repo, u64::from(id), &when, &title);
    Ok(object(|o| {
        o.str("updated_on", &when);
    }))
}
