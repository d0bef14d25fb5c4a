//! The catalog: one file per report, each a declarative `Report`. Adding a
//! report is adding a file and one line to `ALL`.

use crate::catalog::Report;

mod branch_restrictions;
mod branches;
mod commits;
mod current_user;
mod deployments;
mod directory_contents;
mod environments;
mod forks;
mod pipeline_steps;
mod pipelines;
mod projects;
mod public_repositories;
mod pull_request_activity;
mod pull_request_comments;
mod pull_request_commits;
mod pull_request_participants;
mod pull_requests;
mod repositories;
mod repository_group_permission;
mod repository_group_permissions;
mod repository_permissions;
mod repository_user_permissions;
mod retired;
mod tags;
mod user_emails;
mod user_workspaces;
mod watchers;
mod workspace;
mod workspace_members;
mod workspace_permissions;

/// Every report, in catalog order: available first, then retired upstream.
pub static ALL: &[&Report] = &[
    &repositories::REPORT,
    &public_repositories::REPORT,
    &pull_requests::REPORT,
    &pull_request_participants::REPORT,
    &pull_request_comments::REPORT,
    &pull_request_commits::REPORT,
    &pull_request_activity::REPORT,
    &commits::REPORT,
    &branches::REPORT,
    &tags::REPORT,
    &forks::REPORT,
    &watchers::REPORT,
    &pipelines::REPORT,
    &pipeline_steps::REPORT,
    &deployments::REPORT,
    &environments::REPORT,
    &directory_contents::REPORT,
    &branch_restrictions::REPORT,
    &repository_permissions::REPORT,
    &repository_user_permissions::REPORT,
    &repository_group_permissions::REPORT,
    &repository_group_permission::REPORT,
    &workspace::REPORT,
    &workspace_members::REPORT,
    &workspace_permissions::REPORT,
    &projects::REPORT,
    &current_user::REPORT,
    &user_emails::REPORT,
    &user_workspaces::REPORT,
    &retired::FOLLOWERS,
    &retired::FOLLOWINGS,
    &retired::TEAM_FOLLOWERS,
    &retired::TEAM_FOLLOWING,
    &retired::REPOSITORY_EVENTS,
    &retired::ACCOUNT_EVENTS,
    &retired::ISSUE_COMPONENTS,
    &retired::ISSUE_VERSIONS,
    &retired::ISSUE_MILESTONES,
    &retired::ISSUES,
    &retired::ISSUE_COMMENTS,
];

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
            assert!(
                report
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                report.id
            );
            if matches!(
                report.status,
                crate::catalog::Status::RetiredUpstream { .. }
            ) {
                continue;
            }
            assert!(
                !report.primary_key.is_empty(),
                "{} has no primary key",
                report.id
            );
            let mut names = HashSet::new();
            for column in report.columns {
                assert!(
                    names.insert(column.name),
                    "{}: duplicate column {}",
                    report.id,
                    column.name
                );
                assert!(
                    !column.description.is_empty(),
                    "{}.{} has no description",
                    report.id,
                    column.name
                );
            }
            for key in report.primary_key {
                let column = report
                    .columns
                    .iter()
                    .find(|c| c.name == *key)
                    .unwrap_or_else(|| panic!("{}: key {key} is not a column", report.id));
                assert!(
                    !column.nullable,
                    "{}: key column {key} is nullable",
                    report.id
                );
            }
            for param in report.params {
                let placeholder = format!("{{{}}}", param.name);
                if param.required {
                    assert!(
                        report.cloud.endpoint.contains(&placeholder),
                        "{}: required {} unused",
                        report.id,
                        param.name
                    );
                }
            }
            assert!((1..=100).contains(&report.cloud.page_len));
        }
    }

    #[test]
    fn fan_outs_bind_declared_parameters_from_existing_parent_columns() {
        for report in ALL {
            let Some(fan) = report.fan_out else { continue };
            let declared = |name: &str| report.params.iter().any(|p| p.name == name && !p.required);
            assert!(
                declared(fan.param),
                "{}: fans out on an optional {}",
                report.id,
                fan.param
            );
            for (param, column) in fan.binds {
                assert!(
                    report.params.iter().any(|p| p.name == *param),
                    "{}: binds undeclared {param}",
                    report.id
                );
                assert!(
                    fan.parent.columns.iter().any(|c| c.name == *column),
                    "{}: parent has no {column}",
                    report.id
                );
            }
        }
    }
}
