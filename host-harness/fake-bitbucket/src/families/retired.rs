//! Removed endpoints: the cross-workspace APIs retired by CHANGE-2770 (410
//! with Bitbucket's body) and the issue tracker (404).

use crate::api::{resolve_repo, ApiError, ApiRequest, ApiResult};

/// 410 for the cross-workspace APIs removed by CHANGE-2770.
pub fn gone() -> ApiError {
    ApiError {
        detail: Some("Please read the changelog entry for more details.".to_string()),
        data: Some(r#"{"announcement_url":"https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"}"#.to_string()),
        ..ApiError::new(410, "CHANGE-2770 - Functionality has been deprecated")
    }
}

/// The issue tracker (issues, components, versions, milestones) is gone: 404.
pub fn no_issue_tracker(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    resolve_repo(req, ws, repo)?;
    Err(ApiError::not_found("Repository has no issue tracker."))
}
