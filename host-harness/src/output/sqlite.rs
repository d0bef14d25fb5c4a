//! SQLite output: one table per report (named after it, `-` as `_`), typed
//! columns, the report's primary key, and upserts, so running a report
//! again updates its rows instead of duplicating them. A run's rows are one
//! transaction: a failed run leaves the table as it was.

use crate::output::RowWriter;
use crate::sandbox::wit::{Cell, ColumnType, ReportInfo};
use rusqlite::types::Value;
use rusqlite::Connection;
use std::io;
use std::path::Path;

pub struct SqliteWriter {
    connection: Connection,
    insert: String,
    /// The report's column names (for [`super::checked_json`]).
    columns: Vec<String>,
}

fn sql_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Boolean | ColumnType::Integer => "INTEGER",
        ColumnType::Float => "REAL",
        ColumnType::Text | ColumnType::Timestamp | ColumnType::Json => "TEXT",
    }
}

/// `"name"`, quoted for SQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn to_io(e: rusqlite::Error) -> io::Error {
    io::Error::other(e)
}

impl SqliteWriter {
    /// Opens (or creates) the database at `path` and the report's table.
    pub fn open(path: &Path, report: &ReportInfo) -> io::Result<SqliteWriter> {
        let connection = Connection::open(path).map_err(to_io)?;
        let table = ident(&super::table_name(&report.id));
        let columns: Vec<String> = report
            .columns
            .iter()
            .map(|c| {
                let null = if c.nullable { "" } else { " NOT NULL" };
                format!("{} {}{null}", ident(&c.name), sql_type(c.type_))
            })
            .collect();
        let key: Vec<String> = report.primary_key.iter().map(|k| ident(k)).collect();
        let mut create = format!("CREATE TABLE IF NOT EXISTS {table} ({}", columns.join(", "));
        if !key.is_empty() {
            create += &format!(", PRIMARY KEY ({})", key.join(", "));
        }
        create += ")";
        connection.execute(&create, []).map_err(to_io)?;

        // A table written by another version of the report is not reused.
        let existing: Vec<String> = connection
            .prepare(&format!("PRAGMA table_info({table})"))
            .and_then(|mut s| s.query_map([], |r| r.get(1))?.collect())
            .map_err(to_io)?;
        let wanted: Vec<&str> = report.columns.iter().map(|c| c.name.as_str()).collect();
        if existing != wanted {
            return Err(io::Error::other(format!(
                "table {table} in {} has other columns than report `{}` now has; write to another file or drop the table",
                path.display(),
                report.id
            )));
        }

        let names: Vec<String> = report.columns.iter().map(|c| ident(&c.name)).collect();
        let slots = vec!["?"; names.len()].join(", ");
        let mut insert = format!("INSERT INTO {table} ({}) VALUES ({slots})", names.join(", "));
        if !key.is_empty() {
            let updates: Vec<String> = names.iter().filter(|n| !key.contains(n)).map(|n| format!("{n} = excluded.{n}")).collect();
            insert += &format!(" ON CONFLICT ({}) DO ", key.join(", "));
            insert += &if updates.is_empty() { "NOTHING".to_string() } else { format!("UPDATE SET {}", updates.join(", ")) };
        }
        connection.execute_batch("BEGIN").map_err(to_io)?;
        let columns = report.columns.iter().map(|c| c.name.clone()).collect();
        Ok(SqliteWriter { connection, insert, columns })
    }
}

impl RowWriter for SqliteWriter {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        // A json cell is stored as the guest wrote it, once checked.
        for (name, cell) in self.columns.iter().zip(cells) {
            if let Cell::Json(s) = cell {
                super::checked_json(name, s)?;
            }
        }
        let values = cells.iter().map(|cell| match cell {
            Cell::Null => Value::Null,
            Cell::Boolean(b) => Value::Integer(i64::from(*b)),
            Cell::Integer(i) => Value::Integer(*i),
            Cell::Float(f) => Value::Real(*f),
            Cell::Text(s) | Cell::Timestamp(s) | Cell::Json(s) => Value::Text(s.clone()),
        });
        let mut statement = self.connection.prepare_cached(&self.insert).map_err(to_io)?;
        statement.execute(rusqlite::params_from_iter(values)).map_err(to_io)?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.connection.execute_batch("COMMIT").map_err(to_io)
    }
}
