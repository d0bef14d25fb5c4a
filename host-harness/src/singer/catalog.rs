//! Discovery (`--discover`) and selection (`--catalog`). A stream is an
//! available report the configured parameters can run (every required
//! parameter given; fan-outs fill the rest), named by
//! [`table_name`]; its `key_properties` are the report's primary key, and a
//! report with `changed-after` is INCREMENTAL on its changed column
//! (`replication_key`), the others FULL_TABLE. Keys and the replication key
//! are `inclusion: automatic`; every other column can be left out.

use crate::output::table_name;
use crate::{ColumnInfo, ColumnType, Product, ReportInfo};
use anyhow::bail;
use connector_vocabulary::date_params;
use serde_json::{json, Map, Value};

/// Whether `report` is available on `product` and every parameter it
/// requires there is in `params`.
pub fn runs_with(report: &ReportInfo, params: &[(String, String)], product: Product) -> bool {
    report.is_available() && report.runs_on(product) && report.missing_params(&names(params), product).is_empty()
}

fn names(params: &[(String, String)]) -> Vec<&str> {
    params.iter().map(|(name, _)| name.as_str()).collect()
}

/// Whether runs of `report` can resume from a checkpoint.
pub fn incremental(report: &ReportInfo) -> bool {
    report.params.iter().any(|p| p.name == date_params::CHANGED_AFTER)
}

/// The JSON Schema of a column's values. A `json` cell holds a nested
/// structure (the WIT's `column-type`: an array or an object), kept as JSON
/// in the record.
pub fn property_schema(column: &ColumnInfo) -> Value {
    let (types, format): (&[&str], _) = match column.type_ {
        ColumnType::Boolean => (&["boolean"], None),
        ColumnType::Integer => (&["integer"], None),
        ColumnType::Float => (&["number"], None),
        ColumnType::Text => (&["string"], None),
        ColumnType::Timestamp => (&["string"], Some("date-time")),
        ColumnType::Json => (&["array", "object"], None),
    };
    let mut types: Vec<&str> = types.to_vec();
    if column.nullable {
        types.push("null");
    }
    let mut schema = json!({"type": types, "description": column.description});
    if let Some(format) = format {
        schema["format"] = json!(format);
    }
    schema
}

/// Whether a column is always sent: a key or the replication key.
fn automatic(report: &ReportInfo, column: &str) -> bool {
    report.primary_key.iter().any(|k| k == column) || report.changed_column.as_deref() == Some(column)
}

/// One stream of the catalog.
fn stream(report: &ReportInfo) -> Value {
    let properties: Map<String, Value> = report.columns.iter().map(|c| (c.name.clone(), property_schema(c))).collect();
    let replication_key = report.changed_column.as_ref().filter(|_| incremental(report));
    let method = if incremental(report) { "INCREMENTAL" } else { "FULL_TABLE" };
    let mut table = json!({
        "inclusion": "available",
        "table-key-properties": report.primary_key,
        "forced-replication-method": method,
    });
    if let Some(key) = replication_key {
        table["valid-replication-keys"] = json!([key]);
    }
    let mut metadata = vec![json!({"breadcrumb": [], "metadata": table})];
    metadata.extend(report.columns.iter().map(|c| {
        let inclusion = if automatic(report, &c.name) { "automatic" } else { "available" };
        json!({"breadcrumb": ["properties", c.name], "metadata": {"inclusion": inclusion}})
    }));
    let name = table_name(&report.id);
    let mut stream = json!({
        "tap_stream_id": name,
        "stream": name,
        "schema": {"type": "object", "additionalProperties": false, "properties": properties},
        "key_properties": report.primary_key,
        "replication_method": method,
        "metadata": metadata,
    });
    if let Some(key) = replication_key {
        stream["replication_key"] = json!(key);
    }
    stream
}

/// The catalog `--discover` prints: a stream per report that runs with
/// `params` on `product`, in catalog order.
pub fn discover(reports: &[ReportInfo], params: &[(String, String)], product: Product) -> Value {
    json!({"streams": reports.iter().filter(|r| runs_with(r, params, product)).map(stream).collect::<Vec<_>>()})
}

/// A stream a catalog selects: its report and the columns to send (their
/// indices, in row order).
pub struct Selected<'r> {
    pub stream: String,
    pub report: &'r ReportInfo,
    pub columns: Vec<usize>,
}

/// `metadata` entries of a catalog stream by breadcrumb.
fn metadata_at<'c>(stream: &'c Value, breadcrumb: &[&str]) -> Option<&'c Value> {
    stream["metadata"].as_array()?.iter().find(|m| m["breadcrumb"] == json!(breadcrumb)).map(|m| &m["metadata"])
}

/// The streams `catalog` selects (`selected: true` in a stream's metadata,
/// or in its schema as older taps wrote it), in the catalog's order, and
/// the columns of each that are not deselected (`selected: false` on a
/// property that is not automatic). An unknown stream, or one whose report
/// does not run with `params`, is an error before anything runs.
pub fn selected<'r>(
    catalog: &Value,
    reports: &'r [ReportInfo],
    params: &[(String, String)],
    product: Product,
) -> anyhow::Result<Vec<Selected<'r>>> {
    let Some(streams) = catalog["streams"].as_array() else {
        bail!("the catalog has no `streams` list; make one with --discover");
    };
    let mut chosen = Vec::new();
    for entry in streams {
        let top = metadata_at(entry, &[]);
        let on = top.and_then(|m| m["selected"].as_bool()).or_else(|| entry["schema"]["selected"].as_bool()).unwrap_or(false);
        if !on {
            continue;
        }
        let name = entry["tap_stream_id"].as_str().unwrap_or_default();
        let Some(report) = reports.iter().find(|r| table_name(&r.id) == name) else {
            bail!("the catalog selects stream `{name}`, which this tap does not have; make the catalog again with --discover");
        };
        if !report.runs_on(product) {
            bail!("stream `{name}` does not run on Bitbucket Data Center; make the catalog again with --discover");
        }
        if !runs_with(report, params, product) {
            let missing = report.missing_params(&names(params), product);
            bail!("stream `{name}` needs the parameter(s) {} in the config's `params`", missing.join(", "));
        }
        let columns = (0..report.columns.len())
            .filter(|&i| {
                let column = &report.columns[i].name;
                let off = metadata_at(entry, &["properties", column]).and_then(|m| m["selected"].as_bool()) == Some(false);
                !off || automatic(report, column)
            })
            .collect();
        chosen.push(Selected { stream: name.to_string(), report, columns });
    }
    Ok(chosen)
}
