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
use crate::config::Product;
use crate::error::{Error, ErrorCode, Result};

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

/// The definition of `report` that runs on `product`, or the typed error
/// that names the product and the reports that do run there (nothing is
/// sent).
pub fn on_product(report: &'static Report, product: Product) -> Result<&'static Report> {
    match (product, report.data_center) {
        (Product::Cloud, _) => Ok(report),
        (Product::DataCenter, Some(dc)) => Ok(dc),
        (Product::DataCenter, None) => {
            let there: Vec<&str> = ALL.iter().filter(|r| r.data_center.is_some()).map(|r| r.id).collect();
            Err(Error::new(
                ErrorCode::WrongProduct,
                format!(
                    "report `{}` does not run on Bitbucket Data Center (no counterpart there yet); these do: {}",
                    report.id,
                    there.join(", ")
                ),
            ))
        }
    }
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
                    assert!(report.api.endpoint.contains(&placeholder), "{}: required {} unused", report.id, param.name);
                }
            }
            assert!((1..=100).contains(&report.api.page_len));
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
                .api
                .endpoint
                .split('/')
                .map(|segment| if segment.starts_with('{') { "x" } else { segment })
                .collect::<Vec<_>>()
                .join("/");
            for column in report.columns.iter().filter(|c| !c.nullable && !report.primary_key.contains(&c.name)) {
                let field = match (column.source, report.api.each) {
                    (Source::Param(_), _) => continue,
                    (Source::Field(field), Some(crate::catalog::Each::Items([each]))) => format!("{each}.{field}"),
                    (Source::Field(field) | Source::Parent(field), _) => field.to_string(),
                    (Source::FirstOf(_) | Source::KeyOf(_), _) => "(one of several)".to_string(),
                    // Data Center sources: not in Cloud's schemas.
                    (Source::Millis(_) | Source::IdText(_) | Source::Absent | Source::Derived(_), _) => continue,
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

    /// The reports that run on Data Center, in catalog order.
    const ON_DC: [&str; 25] = [
        "repositories",
        "public-repositories",
        "pull-requests",
        "pull-request-participants",
        "pull-request-comments",
        "pull-request-commits",
        "pull-request-activity",
        "commits",
        "branches",
        "tags",
        "forks",
        "directory-contents",
        "branch-restrictions",
        "repository-user-permissions",
        "repository-group-permissions",
        "repository-group-permission",
        "workspace",
        "workspace-members",
        "workspace-permissions",
        "projects",
        "current-user",
        "user-emails",
        "user-workspaces",
        "project-user-permissions",
        "project-group-permissions",
    ];

    /// Reports Data Center has of the whole instance, where Cloud's are of a workspace.
    const INSTANCE_WIDE: [&str; 5] =
        ["public-repositories", "workspace", "workspace-members", "workspace-permissions", "projects"];

    #[test]
    fn a_data_center_definition_has_its_reports_id_columns_and_key_and_pages_by_start_and_limit() {
        use crate::catalog::{DateFilter, Source};
        let mut on_dc = Vec::new();
        for report in ALL {
            let Some(dc) = report.data_center else { continue };
            on_dc.push(report.id);
            assert_eq!(dc.id, report.id);
            assert!(dc.data_center.is_none(), "{}", report.id);
            let shape = |r: &Report| r.columns.iter().map(|c| (c.name, c.ty)).collect::<Vec<_>>();
            assert_eq!(shape(dc), shape(report), "{}: the same columns, in the same order", report.id);
            assert_eq!(dc.primary_key, report.primary_key, "{}", report.id);
            // Hosts take nullability from the Cloud definition (one `report-info`).
            for (d, c) in dc.columns.iter().zip(report.columns) {
                assert!(!d.nullable || c.nullable, "{}.{}: null on Data Center, so nullable on Cloud too", report.id, c.name);
            }
            for key in dc.primary_key {
                let column = dc.columns.iter().find(|c| c.name == *key).unwrap();
                assert!(!column.nullable && !matches!(column.source, Source::Absent), "{}.{key}", report.id);
            }
            // `project` for `workspace`; instance-wide listings take neither.
            let scoped = report.param("workspace").is_some() && !INSTANCE_WIDE.contains(&report.id);
            assert_eq!(dc.accepts().any(|p| p.name == "project"), scoped, "{}", report.id);
            assert!(dc.param("workspace").is_none(), "{}", report.id);
            assert!(!matches!(dc.api.date_filter, DateFilter::Bbql(_)), "{}: Data Center has no BBQL", report.id);
            let mut walk = Some(dc);
            while let Some(r) = walk {
                assert!(r.api.paging.is_data_center(), "{} (through {})", report.id, r.id);
                // Only a run's own walk learns the login first.
                assert!(!r.api.as_user || (std::ptr::eq(r, dc) && r.fan_out.is_none()), "{} (through {})", report.id, r.id);
                walk = r.fan_out.map(|f| f.parent);
            }
        }
        assert_eq!(on_dc, ON_DC);
    }

    #[test]
    fn a_report_runs_on_its_products_and_elsewhere_fails_naming_the_product() {
        let prs = find("pull-requests").unwrap();
        assert!(std::ptr::eq(on_product(prs, Product::Cloud).unwrap(), prs));
        assert_eq!(
            on_product(prs, Product::DataCenter).unwrap().api.endpoint,
            "/api/latest/projects/{project}/repos/{repository}/pull-requests"
        );
        let Err(e) = on_product(find("pipelines").unwrap(), Product::DataCenter) else { panic!("pipelines ran on Data Center") };
        assert_eq!(e.code, ErrorCode::WrongProduct);
        assert_eq!(
            e.message,
            format!(
                "report `pipelines` does not run on Bitbucket Data Center (no counterpart there yet); these do: {}",
                ON_DC.join(", ")
            )
        );
        assert!(
            prs.description().ends_with(
                " On Bitbucket Data Center: GET /rest/api/latest/projects/{project}/repos/{repository}/pull-requests, by `project`; \
                 the endpoint has no date filter and lists newest first, so `since`/`days-back`/`changed-after`/`changed-before` \
                 stop paging at the first object older than the date (client side, on updatedDate)."
            ),
            "{}",
            prs.description()
        );
        assert!(find("branches").unwrap().description().ends_with("On Bitbucket Data Center: GET /rest/api/latest/projects/{project}/repos/{repository}/branches, by `project`; the endpoint has no date filter."));
        let dc = prs.data_center.unwrap();
        let e = dc.resolve_params(&crate::test_support::given(&[("workspace", "acme")])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParameter);
        assert!(e.message.contains("Bitbucket Data Center has no workspaces: give `project`"), "{}", e.message);
    }

    #[test]
    fn data_center_asks_for_its_largest_page_and_reads_epoch_milliseconds() {
        let dc = find("pull-requests").unwrap().data_center.unwrap();
        let params =
            dc.resolve_params(&crate::test_support::given(&[("project", "~jsmith"), ("repository", "web-app")])).unwrap();
        let endpoint = crate::url::Url::parse("http://127.0.0.1:7990/bitbucket/rest").unwrap();
        assert_eq!(
            dc.first_url(&endpoint, &params, 0).unwrap().as_str(),
            "http://127.0.0.1:7990/bitbucket/rest/api/latest/projects/~jsmith/repos/web-app/pull-requests?limit=1000&state=ALL&order=NEWEST"
        );
        let object = serde_json::json!({"id": 7, "title": "T", "state": "OPEN", "createdDate": 1_700_000_000_123_i64,
            "updatedDate": 1_700_000_001_000_i64, "author": {"user": {"displayName": "Jo"}}, "fromRef": {"displayId": "f"}});
        let row = &dc.rows(&object, &params).unwrap()[0];
        let cell = |name: &str| &row[dc.columns.iter().position(|c| c.name == name).unwrap()];
        use crate::cells::Cell;
        assert_eq!(cell("repository"), &Cell::Text("web-app".into()));
        assert_eq!(cell("id"), &Cell::Integer(7));
        assert_eq!(cell("created_on"), &Cell::Timestamp("2023-11-14T22:13:20.123+00:00".into()));
        assert_eq!(cell("updated_on"), &Cell::Timestamp("2023-11-14T22:13:21.000+00:00".into()));
        assert_eq!(cell("author_display_name"), &Cell::Text("Jo".into()));
        assert_eq!(cell("author_uuid"), &Cell::Null);
        assert_eq!(dc.changed_column(), Some("updated_on"));
        let repos = find("repositories").unwrap().data_center.unwrap();
        let row = &repos.rows(&serde_json::json!({"id": 42, "slug": "web-app", "project": {"key": "PRJ"}}), &params).unwrap()[0];
        assert_eq!(
            (&row[0], &row[3], &row[11]),
            (&Cell::Text("42".into()), &Cell::Text("web-app".into()), &Cell::Text("PRJ".into()))
        );
    }
}
