//! Row writers: JSON lines (one object per row keyed by column name), CSV
//! (RFC 4180, with a header) and an aligned table for the terminal.

pub mod sqlite;

use crate::sandbox::wit::{Cell, ColumnInfo};
use serde_json::{Map, Value};
use std::io::{self, Write};

/// The output formats of `connector-harness run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
    Table,
    /// A SQLite database file (`--output FILE`), one table per report.
    Sqlite,
}

/// Writes rows as they arrive.
pub trait RowWriter {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
}

/// A writer for `format` over `out`.
pub fn writer<'a>(format: Format, columns: &'a [ColumnInfo], out: Box<dyn Write + 'a>) -> io::Result<Box<dyn RowWriter + 'a>> {
    Ok(match format {
        Format::Jsonl => Box::new(Jsonl { columns, out }),
        Format::Csv => {
            let mut csv = Csv { out };
            let header: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
            csv.line(header.iter().map(String::as_str))?;
            Box::new(csv)
        }
        Format::Table => Box::new(Table { columns, rows: Vec::new(), out }),
        Format::Sqlite => return Err(io::Error::other("SQLite output goes to a database file: give --output FILE")),
    })
}

/// A cell as a JSON value: json cells are embedded, not quoted.
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

struct Jsonl<'a> {
    columns: &'a [ColumnInfo],
    out: Box<dyn Write + 'a>,
}

impl RowWriter for Jsonl<'_> {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &row_to_json(self.columns, cells))?;
        self.out.write_all(b"\n")
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

struct Csv<'a> {
    out: Box<dyn Write + 'a>,
}

impl Csv<'_> {
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
        let fields: Vec<String> = cells.iter().map(cell_to_text).collect();
        self.line(fields.iter().map(String::as_str))
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Buffers rows to align columns; cells are cut at 60 characters and line
/// breaks shown as `⏎`, so each row stays on one line.
struct Table<'a> {
    columns: &'a [ColumnInfo],
    rows: Vec<Vec<String>>,
    out: Box<dyn Write + 'a>,
}

const TABLE_CELL_MAX: usize = 60;

fn table_text(cell: &Cell) -> String {
    // One line per row, and no terminal escape sequences from the data.
    let text: String = cell_to_text(cell)
        .replace("\r\n", "⏎")
        .chars()
        .map(|c| match c {
            '\n' | '\r' => '⏎',
            c if c.is_control() => '�',
            c => c,
        })
        .collect();
    if text.chars().count() > TABLE_CELL_MAX {
        format!("{}…", text.chars().take(TABLE_CELL_MAX - 1).collect::<String>())
    } else {
        text
    }
}

impl RowWriter for Table<'_> {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        self.rows.push(cells.iter().map(table_text).collect());
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        let count = self.rows.len();
        let header: Vec<String> = self.columns.iter().map(|c| c.name.clone()).collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut line = |cells: &[String]| -> io::Result<()> {
            let padded: Vec<String> =
                cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
            writeln!(self.out, "{}", padded.join("  ").trim_end())
        };
        line(&header)?;
        line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>())?;
        for row in std::mem::take(&mut self.rows) {
            line(&row)?;
        }
        writeln!(self.out, "({count} rows)")?;
        self.out.flush()
    }
}
