//! Any response body, mapped through every report's columns: a typed error
//! or rows, never a panic.
#![no_main]

use bitbucket_connector::catalog::{Params, Status};
use bitbucket_connector::client::parse_page;
use bitbucket_connector::reports::ALL;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let params = Params::from([("workspace", "acme".to_string()), ("repository", "web".to_string()), ("pull-request", "7".to_string())]);
    if let Ok(page) = parse_page(data) {
        for report in ALL.iter().filter(|r| matches!(r.status, Status::Available)) {
            for object in &page.values {
                if let Ok(rows) = report.rows(object, &params) {
                    for row in rows {
                        assert_eq!(row.len(), report.columns.len());
                    }
                }
            }
        }
    }
    // Single-object reports read the body as one object.
    if let Ok(object) = serde_json::from_slice::<serde_json::Value>(data) {
        for report in ALL.iter().filter(|r| matches!(r.status, Status::Available)) {
            let _ = report.rows(&object, &params);
        }
    }
});
