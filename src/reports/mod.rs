//! The catalog: one file per report, each a declarative `Report` (the DSL
//! is `crate::catalog`). A new report touches:
//!
//! 1. `reports/<module>.rs`: `pub const REPORT: Report`, with a summary (the
//!    "Read from GET …, N per page" and date sentences are generated, and the
//!    date parameters follow from the date filter);
//! 2. this file: the module's name in `catalog!` (its place in the list is
//!    its place in `list-reports`).
//!
//! The tests below check the invariants. The modules are declared inside a
//! macro, which `cargo fmt` does not follow: format them with
//! `rustfmt --edition 2021 src/reports/*.rs`.

use crate::catalog::Report;

/// Declares each report's module (`<module>.rs`, which defines `REPORT`)
/// and lists it in `ALL`, in this order.
macro_rules! catalog {
    ($($module:ident,)*; retired: $($retired:ident,)*) => {
        $(mod $module;)*
        mod retired;

        /// Every report, in catalog order: available first, then retired upstream.
        pub static ALL: &[&Report] = &[$(&$module::REPORT,)* $(&retired::$retired,)*];
    };
}

catalog! {
    repositories,
    public_repositories,
    pull_requests,
    pull_request_participants,
    pull_request_comments,
    pull_request_commits,
    pull_request_activity,
    commits,
    branches,
    tags,
    forks,
    watchers,
    pipelines,
    pipeline_steps,
    deployments,
    environments,
    directory_contents,
    branch_restrictions,
    repository_permissions,
    repository_user_permissions,
    repository_group_permissions,
    repository_group_permission,
    workspace,
    workspace_members,
    workspace_permissions,
    projects,
    current_user,
    user_emails,
    user_workspaces,
    commit_statuses,
    pull_request_statuses,
    pull_request_tasks,
    commit_comments,
    code_insights_reports,
    code_insights_annotations,
    commit_diffstat,
    pull_request_diffstat,
    pipeline_caches,
    pipeline_schedules,
    pipeline_known_hosts,
    pipeline_variables,
    workspace_pipeline_variables,
    deployment_variables,
    repository_runners,
    workspace_runners,
    default_reviewers,
    effective_default_reviewers,
    project_default_reviewers,
    project_deploy_keys,
    project_user_permissions,
    project_group_permissions,
    deploy_keys,
    webhooks,
    workspace_webhooks,
    workspace_repository_permissions,
    user_repository_permissions,
    ssh_keys,
    gpg_keys,
    user_pull_requests,
    refs,
    file_history,
    snippets,
    snippet_comments,
    snippet_commits,;
    retired:
    FOLLOWERS,
    FOLLOWINGS,
    TEAM_FOLLOWERS,
    TEAM_FOLLOWING,
    REPOSITORY_EVENTS,
    ACCOUNT_EVENTS,
    ISSUE_COMPONENTS,
    ISSUE_VERSIONS,
    ISSUE_MILESTONES,
    ISSUES,
    ISSUE_COMMENTS,
}

/// The report with this id.
pub fn find(id: &str) -> Option<&'static Report> {
    ALL.iter().copied().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_keys_are_columns() {
        let mut ids = HashSet::new();
        for report in ALL {
            assert!(ids.insert(report.id), "duplicate id {}", report.id);
            assert!(report.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", report.id);
            if matches!(report.status, crate::catalog::Status::RetiredUpstream { .. }) {
                continue;
            }
            assert!(!report.primary_key.is_empty(), "{} has no primary key", report.id);
            let mut names = HashSet::new();
            for column in report.columns {
                assert!(names.insert(column.name), "{}: duplicate column {}", report.id, column.name);
                assert!(!column.description.is_empty(), "{}.{} has no description", report.id, column.name);
            }
            for key in report.primary_key {
                let column = report
                    .columns
                    .iter()
                    .find(|c| c.name == *key)
                    .unwrap_or_else(|| panic!("{}: key {key} is not a column", report.id));
                assert!(!column.nullable, "{}: key column {key} is nullable", report.id);
            }
            for param in report.params {
                let placeholder = format!("{{{}}}", param.name);
                if param.required {
                    assert!(report.cloud.endpoint.contains(&placeholder), "{}: required {} unused", report.id, param.name);
                }
            }
            assert!((1..=100).contains(&report.cloud.page_len));
        }
    }

    /// Nullability from the API, not from hope: a column is non-null only
    /// if it is part of the key (an object without it cannot be a row) or
    /// Atlassian's schema requires its field; everything else Bitbucket may
    /// leave out.
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn only_keys_and_fields_the_schemas_require_are_non_null() {
        use crate::catalog::{Source, Status};
        let api = fake_bitbucket::openapi::OpenApi::shared().expect("the OpenAPI document loads");
        let mut wrong = Vec::new();
        for report in ALL.iter().filter(|r| matches!(r.status, Status::Available)) {
            // Any value stands for a placeholder.
            let path: String = report
                .cloud
                .endpoint
                .split('/')
                .map(|segment| if segment.starts_with('{') { "x" } else { segment })
                .collect::<Vec<_>>()
                .join("/");
            for column in report.columns.iter().filter(|c| !c.nullable && !report.primary_key.contains(&c.name)) {
                let field = match (column.source, report.cloud.each) {
                    (Source::Param(_), _) => continue,
                    (Source::Field(field), Some(each)) => format!("{each}.{field}"),
                    (Source::Field(field) | Source::Parent(field), _) => field.to_string(),
                    (Source::FirstOf(_) | Source::KeyOf(_), _) => "(one of several)".to_string(),
                };
                if api.required(&path, &field) != Ok(true) {
                    wrong.push(format!("{}.{} ({field})", report.id, column.name));
                }
            }
        }
        assert!(wrong.is_empty(), "non-null columns whose fields Bitbucket may leave out: {wrong:#?}");
    }

    #[test]
    fn a_user_is_a_uuid_or_an_account_id_in_one_path_segment() {
        let keys = find("ssh-keys").unwrap();
        for ok in ["{9fccf50a-4f27-400b-8174-2e446d430a9d}", "557058:44324951-90f0-45d0-ad91-2d7a69cbae06", "f8a305945c6f30f0"] {
            assert_eq!(keys.validate_value("user", ok).unwrap(), ok);
        }
        for bad in ["a/b", "..", "x?y", "557058:a b"] {
            assert!(keys.validate_value("user", bad).is_err(), "{bad}");
        }
        assert!(find("deploy-keys").unwrap().validate_value("repository", "a:b").is_err(), "slugs hold no `:`");
    }

    #[test]
    fn fan_outs_bind_declared_parameters_from_existing_parent_columns() {
        for report in ALL {
            let Some(fan) = report.fan_out else { continue };
            let declared = |name: &str| report.accepts().any(|p| p.name == name && !p.required);
            assert!(declared(fan.param), "{}: fans out on an optional {}", report.id, fan.param);
            for (param, columns) in fan.binds {
                assert!(report.param(param).is_some(), "{}: binds undeclared {param}", report.id);
                for column in *columns {
                    assert!(fan.parent.columns.iter().any(|c| c.name == *column), "{}: parent has no {column}", report.id);
                }
            }
        }
    }
}
