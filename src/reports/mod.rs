//! The catalog: one file per report, each a declarative `Report`. Adding a
//! report is adding a file and one line to `ALL`.

use crate::catalog::Report;

mod commits;
mod pull_requests;
mod repositories;

/// Every report, in catalog order.
pub static ALL: &[&Report] = &[
    &repositories::REPORT,
    &pull_requests::REPORT,
    &commits::REPORT,
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
                        report.endpoint.contains(&placeholder),
                        "{}: required {} unused",
                        report.id,
                        param.name
                    );
                }
            }
            assert!((1..=100).contains(&report.page_len));
        }
    }
}
