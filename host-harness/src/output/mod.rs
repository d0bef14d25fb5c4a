//! Row writers: JSON lines (one object per row keyed by column name), CSV
//! (RFC 4180, with a header), an aligned table for the terminal (`table`:
//! measured in display columns, fitted to the terminal's width), an Arrow
//! IPC stream (`arrow`) and SQLite (`sqlite`).
//!
//! The rows come from the guest and are not trusted: `json` cells are
//! validated (without building a tree) and capped at [`JSON_CELL_MAX`]
//! bytes, the table shows text through [`terminal::printable`] and keeps
//! only its first [`table::TABLE_WIDTH_ROWS`] rows (to size the columns),
//! so memory stays flat however many rows a run returns.

pub mod arrow;
pub mod sqlite;
pub mod table;
pub mod terminal;

use crate::sandbox::wit::{Cell, ColumnInfo};
use serde_json::{Map, Value};
use std::io::{self, Write};

/// The largest `json` cell the writers accept, in bytes.
pub const JSON_CELL_MAX: usize = 8 << 20;

/// How an output error about a guest's cell starts (so advice can tell it
/// from a full disk).
pub const BAD_CELL: &str = "the connector sent a json cell";

/// The text of a `json` cell of `column`, checked: one JSON value (any
/// depth up to serde_json's recursion limit), at most [`JSON_CELL_MAX`]
/// bytes, validated by a streaming pass that builds nothing. Line breaks
/// (whitespace between tokens, since a valid JSON string cannot hold a raw
/// one) become spaces, so a JSONL row stays one line.
pub fn checked_json<'s>(column: &str, text: &'s str) -> io::Result<std::borrow::Cow<'s, str>> {
    let column = terminal::printable(column);
    if text.len() > JSON_CELL_MAX {
        return Err(io::Error::other(format!(
            "{BAD_CELL} in column `{column}` of {} bytes, over the cap of {JSON_CELL_MAX} bytes",
            text.len()
        )));
    }
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(io::Error::other(format!("{BAD_CELL} in column `{column}` that is not valid JSON ({e})")));
    }
    Ok(if text.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(text.replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(text)
    })
}

/// The name of a report's table (SQLite) or stream (Singer): its id with
/// `_` for `-` (`pull_requests`), which SQL takes without quoting.
pub fn table_name(report_id: &str) -> String {
    report_id.replace('-', "_")
}

/// The output formats of `connector-harness run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
    Table,
    /// A SQLite database file (`--output FILE`), one table per report.
    Sqlite,
    /// An Arrow IPC stream: the schema, one record batch per batch of rows.
    Arrow,
}

/// Writes rows as they arrive.
pub trait RowWriter {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()>;
    /// The component's batch ended (the Arrow writer writes a record batch).
    fn end_batch(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()>;
}

/// A writer for `format` over `out`.
pub fn writer<'a>(format: Format, columns: &'a [ColumnInfo], out: Box<dyn Write + 'a>) -> io::Result<Box<dyn RowWriter + 'a>> {
    Ok(match format {
        Format::Jsonl => Box::new(Jsonl { columns, out }),
        Format::Csv => {
            let mut csv = Csv { columns, out };
            csv.line(columns.iter().map(|c| c.name.as_str()))?;
            Box::new(csv)
        }
        Format::Table => return Err(io::Error::other("the table fits a line width: use table::Table::new")),
        Format::Sqlite => return Err(io::Error::other("SQLite output goes to a database file: give --output FILE")),
        Format::Arrow => return Err(io::Error::other("Arrow output names its report: use arrow::ArrowWriter::new")),
    })
}

/// A cell as a JSON value: json cells are embedded, not quoted. This
/// builds a tree of a json cell (for tests and small values); the writers
/// use [`checked_json`] instead.
pub fn cell_to_json(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Boolean(b) => Value::Bool(*b),
        Cell::Integer(i) => Value::from(*i),
        Cell::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        Cell::Text(s) | Cell::Timestamp(s) => Value::String(s.clone()),
        Cell::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
    }
}

/// A cell as text (CSV and table): null is empty; a json cell is checked.
pub(crate) fn cell_text<'c>(column: &str, cell: &'c Cell) -> io::Result<std::borrow::Cow<'c, str>> {
    use std::borrow::Cow;
    Ok(match cell {
        Cell::Null => Cow::Borrowed(""),
        Cell::Boolean(b) => Cow::Owned(b.to_string()),
        Cell::Integer(i) => Cow::Owned(i.to_string()),
        Cell::Float(f) => Cow::Owned(f.to_string()),
        Cell::Text(s) | Cell::Timestamp(s) => Cow::Borrowed(s),
        Cell::Json(s) => {
            checked_json(column, s)?;
            Cow::Borrowed(s)
        }
    })
}

/// A cell as text (CSV and table): null is empty.
pub fn cell_to_text(cell: &Cell) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Boolean(b) => b.to_string(),
        Cell::Integer(i) => i.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Text(s) | Cell::Timestamp(s) | Cell::Json(s) => s.clone(),
    }
}

/// One row as a JSON object keyed by column name.
pub fn row_to_json(columns: &[ColumnInfo], cells: &[Cell]) -> Value {
    let object: Map<String, Value> = columns.iter().zip(cells).map(|(c, v)| (c.name.clone(), cell_to_json(v))).collect();
    Value::Object(object)
}

/// One row as a JSON object keyed by column name, on one line, written
/// field by field: a json cell is copied in as checked text, never parsed
/// into a tree.
pub fn write_json_object<'c>(out: &mut dyn Write, fields: impl Iterator<Item = (&'c ColumnInfo, &'c Cell)>) -> io::Result<()> {
    out.write_all(b"{")?;
    for (i, (column, cell)) in fields.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &column.name)?;
        out.write_all(b":")?;
        match cell {
            Cell::Json(s) => out.write_all(checked_json(&column.name, s)?.as_bytes())?,
            other => serde_json::to_writer(&mut *out, &cell_to_json(other))?,
        }
    }
    out.write_all(b"}")
}

struct Jsonl<'a> {
    columns: &'a [ColumnInfo],
    out: Box<dyn Write + 'a>,
}

impl RowWriter for Jsonl<'_> {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        write_json_object(&mut self.out, self.columns.iter().zip(cells))?;
        self.out.write_all(b"\n")
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

struct Csv<'a> {
    columns: &'a [ColumnInfo],
    out: Box<dyn Write + 'a>,
}

impl Csv<'_> {
    /// One record; a field with a comma, quote or line break is quoted
    /// (quotes doubled), so any text, line breaks included, stays one field.
    fn line<'s>(&mut self, fields: impl Iterator<Item = &'s str>) -> io::Result<()> {
        for (i, field) in fields.enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            if field.contains([',', '"', '\n', '\r']) {
                write!(self.out, "\"{}\"", field.replace('"', "\"\""))?;
            } else {
                self.out.write_all(field.as_bytes())?;
            }
        }
        self.out.write_all(b"\r\n")
    }
}

impl RowWriter for Csv<'_> {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        let fields = self.columns.iter().zip(cells).map(|(c, v)| cell_text(&c.name, v)).collect::<io::Result<Vec<_>>>()?;
        self.line(fields.iter().map(|f| f.as_ref()))
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::wit::ColumnType;

    fn column(name: &str, type_: ColumnType) -> ColumnInfo {
        ColumnInfo { name: name.into(), type_, nullable: true, description: String::new() }
    }

    fn jsonl(cells: &[Cell]) -> io::Result<String> {
        let columns = [column("id", ColumnType::Text), column("doc", ColumnType::Json)];
        let mut out = Vec::new();
        {
            let mut w = writer(Format::Jsonl, &columns, Box::new(&mut out))?;
            w.row(cells)?;
            w.finish()?;
        }
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn a_valid_json_cell_is_copied_in_exactly_on_one_line() {
        let doc = "{\"a\": [1, 2.50, {\"b\": \"x\\ny\"}],\n \"c\": null}";
        let line = jsonl(&[Cell::Text("k".into()), Cell::Json(doc.into())]).unwrap();
        assert_eq!(line, "{\"id\":\"k\",\"doc\":{\"a\": [1, 2.50, {\"b\": \"x\\ny\"}],  \"c\": null}}\n");
        let parsed: Value = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(parsed["doc"]["a"][2]["b"], "x\ny");
    }

    #[test]
    fn invalid_deep_or_over_cap_json_cells_are_output_errors_naming_the_column() {
        let cases =
            ["{\"a\": [1, 2,".to_string(), "1 2".to_string(), "".to_string(), format!("[{}0]", "0,".repeat(JSON_CELL_MAX / 2))];
        for doc in cases {
            let Err(e) = jsonl(&[Cell::Null, Cell::Json(doc.clone())]) else {
                panic!("accepted a json cell of {} bytes", doc.len());
            };
            let message = e.to_string();
            assert!(message.starts_with(BAD_CELL), "{message}");
            assert!(message.contains("column `doc`"), "{message}");
        }
        assert!(checked_json("doc", &format!("[{}0]", "0,".repeat(1000))).is_ok());
        // Deep nesting is valid JSON, and validating it takes no stack.
        let deep = format!("{}{}", "[".repeat(1 << 20), "]".repeat(1 << 20));
        assert!(checked_json("doc", &deep).is_ok());
    }
}
