//! Real-world objects that neither break a run nor vanish from it: a
//! timestamp without an offset is read as UTC, and a collection that ends
//! before its `size` said it would is an error, not a short report.

use crate::common::*;
use fake_bitbucket::{Dataset, DatasetSpec, FakeOptions};
use serde_json::Value;

#[test]
fn an_added_on_without_an_offset_is_a_utc_timestamp_cell() {
    let fake = start(FakeOptions {
        dataset: Dataset::generate(DatasetSpec { offsetless_added_on: true, ..DatasetSpec::demo() }),
        ..FakeOptions::default()
    });
    let members = fake.dataset().workspace_permissions("acme");
    let written = members[0]["added_on"].as_str().unwrap().to_string();
    assert_eq!(written, "2023-11-30T00:00:00.701", "the fake writes it as Bitbucket did");
    let rows = run(&config(&fake), "workspace-permissions", &[("workspace", "acme")]).expect("the run completes");
    assert_eq!(rows.len(), members.len(), "every member");
    let owner = rows.iter().find(|r| r["user_uuid"] == members[0]["user"]["uuid"]).expect("the first member's row");
    assert_eq!(owner["added_on"], Value::from("2023-11-30T00:00:00.701+00:00"));
    // The others, as the API wrote them (with an offset).
    for (row, member) in rows.iter().zip(&members).skip(1) {
        assert_eq!(row["added_on"], member["added_on"]);
    }
}
