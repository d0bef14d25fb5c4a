//! The catalog for people and programs: `reports` (a table or JSON) and
//! `describe` (one report's contract). Types and kinds are printed by their
//! WIT names (`text`, `timestamp`, `integer`, ...).

use crate::output::terminal::printable;
use crate::{Product, ReportInfo, ReportStatus};
use serde_json::{json, Value};
use std::io::Write;

/// `describe`: a report's contract, for a person. Every text comes from
/// the guest, so all of it goes through [`printable`].
pub fn describe(out: &mut impl Write, r: &ReportInfo) -> std::io::Result<()> {
    let p = |s: &str| printable(s).into_owned();
    let list = |items: &[String]| p(&items.join(", "));
    writeln!(out, "{} ({})", p(&r.title), p(&r.id))?;
    if !r.aliases.is_empty() {
        writeln!(out, "Also known as: {}", list(&r.aliases))?;
    }
    writeln!(out, "\n{}\n", p(&r.description))?;
    match &r.status {
        ReportStatus::Available => writeln!(out, "Status:      available")?,
        ReportStatus::RetiredUpstream(t) => {
            let instead = t.replacement.as_deref().map(|r| format!("; use `{}`", p(r))).unwrap_or_default();
            writeln!(out, "Status:      retired upstream since {}: {}{instead}", p(&t.since), p(&t.reason))?
        }
    }
    let products: Vec<&str> = r.products.iter().map(|x| product_title(*x)).collect();
    writeln!(out, "Runs on:     {}", products.join(", "))?;
    writeln!(out, "Endpoint:    GET {}", p(&r.endpoint))?;
    if let Some(dc) = &r.data_center_endpoint {
        writeln!(out, "On Data Center: GET /rest{}", p(dc))?;
    }
    writeln!(out, "Primary key: {}", list(&r.primary_key))?;
    if let Some(column) = &r.changed_column {
        writeln!(out, "Changed:     {} (what the date parameters compare with)", p(column))?;
    }
    writeln!(out, "\nParameters:")?;
    let names: Vec<String> = r.params.iter().map(|x| p(&x.name)).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(4);
    for (param, name) in r.params.iter().zip(&names) {
        let need = match (&param.default, param.required) {
            (Some(d), _) => format!("default {}", p(d)),
            (None, true) => "required".to_string(),
            (None, false) => "optional".to_string(),
        };
        let kind = param.kind.name();
        let only = match param.products.as_slice() {
            [one] if r.products.len() > 1 => format!(" ({} only)", product_title(*one)),
            _ => String::new(),
        };
        writeln!(out, "  {name:width$}  {kind:8}  {need:12}  {}{only}", p(&param.description))?;
    }
    writeln!(out, "\nColumns:")?;
    let names: Vec<String> = r.columns.iter().map(|c| p(&c.name)).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(4);
    for (c, name) in r.columns.iter().zip(&names) {
        let ty = c.type_.name();
        let null = if c.nullable { "null" } else { "" };
        writeln!(out, "  {name:width$}  {ty:9}  {null:4}  {}", p(&c.description))?;
    }
    Ok(())
}

/// A product's name for a person.
fn product_title(product: Product) -> &'static str {
    match product {
        Product::Cloud => "Bitbucket Cloud",
        Product::DataCenter => "Bitbucket Data Center",
    }
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
                    "data_center_endpoint": r.data_center_endpoint,
                    "products": r.products.iter().map(|x| x.name()).collect::<Vec<_>>(),
                    "status": status,
                    "retired": retired,
                    "params": r.params.iter().map(|p| json!({
                        "name": p.name,
                        "kind": p.kind.name(),
                        "required": p.required,
                        "default": p.default,
                        "description": p.description,
                        "products": p.products.iter().map(|x| x.name()).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "columns": r.columns.iter().map(|c| json!({
                        "name": c.name,
                        "type": c.type_.name(),
                        "nullable": c.nullable,
                        "description": c.description,
                    })).collect::<Vec<_>>(),
                    "primary_key": r.primary_key,
                    "changed_column": r.changed_column,
                })
            })
            .collect(),
    )
}

/// `reports`: one line per report, its guest-written id and title through
/// [`printable`].
pub fn print_catalog(out: &mut impl Write, reports: &[ReportInfo]) -> std::io::Result<()> {
    let ids: Vec<String> = reports.iter().map(|r| printable(&r.id).into_owned()).collect();
    let id_width = ids.iter().map(|i| i.chars().count()).max().unwrap_or(2);
    writeln!(out, "{:id_width$}  {:16}  {:>7}  TITLE", "ID", "STATUS", "COLUMNS")?;
    for (r, id) in reports.iter().zip(&ids) {
        let status = match r.status {
            ReportStatus::Available => "available",
            ReportStatus::RetiredUpstream(_) => "retired-upstream",
        };
        writeln!(out, "{id:id_width$}  {status:16}  {:>7}  {}", r.columns.len(), printable(&r.title))?;
    }
    Ok(())
}
