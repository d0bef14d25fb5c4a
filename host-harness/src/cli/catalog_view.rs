//! The catalog for people and programs: `reports` (a table or JSON) and
//! `describe` (one report's contract). Types and kinds are printed by their
//! WIT names (`text`, `timestamp`, `integer`, ...).

use crate::{ReportInfo, ReportStatus};
use serde_json::{json, Value};
use std::io::Write;

/// `describe`: a report's contract, for a person.
pub fn describe(out: &mut impl Write, r: &ReportInfo) -> std::io::Result<()> {
    writeln!(out, "{} ({})", r.title, r.id)?;
    if !r.aliases.is_empty() {
        writeln!(out, "Also known as: {}", r.aliases.join(", "))?;
    }
    writeln!(out, "\n{}\n", r.description)?;
    match &r.status {
        ReportStatus::Available => writeln!(out, "Status:      available")?,
        ReportStatus::RetiredUpstream(t) => {
            let instead = t.replacement.as_deref().map(|r| format!("; use `{r}`")).unwrap_or_default();
            writeln!(out, "Status:      retired upstream since {}: {}{instead}", t.since, t.reason)?
        }
    }
    writeln!(out, "Endpoint:    GET {}", r.endpoint)?;
    writeln!(out, "Primary key: {}", r.primary_key.join(", "))?;
    writeln!(out, "\nParameters:")?;
    let width = r.params.iter().map(|p| p.name.len()).max().unwrap_or(4);
    for p in &r.params {
        let need = match (&p.default, p.required) {
            (Some(d), _) => format!("default {d}"),
            (None, true) => "required".to_string(),
            (None, false) => "optional".to_string(),
        };
        let kind = p.kind.name();
        writeln!(out, "  {:width$}  {kind:8}  {need:12}  {}", p.name, p.description)?;
    }
    writeln!(out, "\nColumns:")?;
    let width = r.columns.iter().map(|c| c.name.len()).max().unwrap_or(4);
    for c in &r.columns {
        let ty = c.type_.name();
        let null = if c.nullable { "null" } else { "" };
        writeln!(out, "  {:width$}  {ty:9}  {null:4}  {}", c.name, c.description)?;
    }
    Ok(())
}

pub fn catalog_json(reports: &[ReportInfo]) -> Value {
    Value::Array(
        reports
            .iter()
            .map(|r| {
                let (status, retired) = match &r.status {
                    ReportStatus::Available => ("available", Value::Null),
                    ReportStatus::RetiredUpstream(t) => {
                        ("retired-upstream", json!({"since": t.since, "reason": t.reason, "replacement": t.replacement}))
                    }
                };
                json!({
                    "id": r.id,
                    "title": r.title,
                    "aliases": r.aliases,
                    "description": r.description,
                    "endpoint": r.endpoint,
                    "status": status,
                    "retired": retired,
                    "params": r.params.iter().map(|p| json!({
                        "name": p.name,
                        "kind": p.kind.name(),
                        "required": p.required,
                        "default": p.default,
                        "description": p.description,
                    })).collect::<Vec<_>>(),
                    "columns": r.columns.iter().map(|c| json!({
                        "name": c.name,
                        "type": c.type_.name(),
                        "nullable": c.nullable,
                        "description": c.description,
                    })).collect::<Vec<_>>(),
                    "primary_key": r.primary_key,
                })
            })
            .collect(),
    )
}

pub fn print_catalog(out: &mut impl Write, reports: &[ReportInfo]) -> std::io::Result<()> {
    let id_width = reports.iter().map(|r| r.id.len()).max().unwrap_or(2);
    writeln!(out, "{:id_width$}  {:16}  {:>7}  TITLE", "ID", "STATUS", "COLUMNS")?;
    for r in reports {
        let status = match r.status {
            ReportStatus::Available => "available",
            ReportStatus::RetiredUpstream(_) => "retired-upstream",
        };
        writeln!(out, "{:id_width$}  {status:16}  {:>7}  {}", r.id, r.columns.len(), r.title)?;
    }
    Ok(())
}
