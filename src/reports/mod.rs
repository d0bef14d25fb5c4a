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
    workspace_runners,;
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
