//! Arrow IPC stream output (`--format arrow`): the schema first, then one
//! record batch per batch the component hands back (cut at
//! [`MAX_BATCH_ROWS`] rows), then the end-of-stream marker; an empty run is
//! the schema and the marker. Only the batch being built is held, so
//! memory stays flat however many rows a run returns, and each batch is
//! flushed when written, so a reader (`pyarrow.ipc.open_stream`) gets the
//! rows as they come.
//!
//! Types: integer → Int64, float → Float64, boolean → Boolean, text →
//! Utf8, timestamp → Timestamp(Microsecond, "UTC") (the cell's RFC 3339
//! text, offset and fraction included, as microseconds since the epoch;
//! digits past the sixth are dropped), json → Utf8 (the JSON text as the
//! connector wrote it, checked like the other formats check it). A field is
//! nullable when its column is. The schema's metadata carries the report id
//! (`bitbucket.report`), each field's the column's description
//! (`description`).

use super::{checked_json, terminal::printable, RowWriter};
use crate::sandbox::wit::{Cell, ColumnInfo, ColumnType};
use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

/// A record batch holds at most this many rows; a longer batch from the
/// component becomes several.
pub const MAX_BATCH_ROWS: usize = 65_536;

/// The schema-level metadata key holding the report id.
pub const REPORT_KEY: &str = "bitbucket.report";

/// The field-level metadata key holding the column's description.
pub const DESCRIPTION_KEY: &str = "description";

/// The time zone of every timestamp field.
pub const TIME_ZONE: &str = "UTC";

/// How an output error about a guest's row or cell starts (advice tells
/// it from a full disk, as for [`super::BAD_CELL`]).
pub const BAD_ROW: &str = "the connector sent a";

/// The Arrow type of a column type.
pub fn data_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Integer => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Text | ColumnType::Json => DataType::Utf8,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some(TIME_ZONE.into())),
    }
}

/// The stream's schema: the report's columns in order.
pub fn schema(report: &str, columns: &[ColumnInfo]) -> Schema {
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| {
            let metadata = HashMap::from([(DESCRIPTION_KEY.to_string(), c.description.clone())]);
            Field::new(&c.name, data_type(c.type_), c.nullable).with_metadata(metadata)
        })
        .collect();
    Schema::new_with_metadata(fields, HashMap::from([(REPORT_KEY.to_string(), report.to_string())]))
}

/// Microseconds since the epoch of an RFC 3339 timestamp
/// `YYYY-MM-DD(T|t| )HH:MM:SS[.frac](Z|z|±HH:MM)`; `None` for anything
/// else (an offset is required; fields out of range, such as month 13 or
/// February 30, are refused; second 60, a leap second, is the next second's
/// start). Fraction digits past the sixth are dropped.
pub fn parse_timestamp_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(r)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut micros = 0i64;
    if b[at] == b'.' {
        let digits = b[at + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for i in 0..6 {
            micros = micros * 10 + b.get(at + 1 + i).filter(|_| i < digits).map_or(0, |d| i64::from(d - b'0'));
        }
        at += 1 + digits;
    }
    let offset_secs = match &b[at..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(at + 1..at + 3)?, num(at + 4..at + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(secs * 1_000_000 + micros)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One column's array being built.
enum Column {
    Integer(Int64Builder),
    Float(Float64Builder),
    Boolean(BooleanBuilder),
    Text(StringBuilder),
    Timestamp(TimestampMicrosecondBuilder),
}

impl Column {
    fn new(ty: ColumnType) -> Column {
        match ty {
            ColumnType::Integer => Column::Integer(Int64Builder::new()),
            ColumnType::Float => Column::Float(Float64Builder::new()),
            ColumnType::Boolean => Column::Boolean(BooleanBuilder::new()),
            ColumnType::Text | ColumnType::Json => Column::Text(StringBuilder::new()),
            ColumnType::Timestamp => Column::Timestamp(TimestampMicrosecondBuilder::new().with_timezone(TIME_ZONE)),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Integer(b) => ArrayBuilder::finish(b),
            Column::Float(b) => ArrayBuilder::finish(b),
            Column::Boolean(b) => ArrayBuilder::finish(b),
            Column::Text(b) => ArrayBuilder::finish(b),
            Column::Timestamp(b) => ArrayBuilder::finish(b),
        }
    }
}

/// The name of a cell's type, for errors.
fn cell_kind(cell: &Cell) -> &'static str {
    match cell {
        Cell::Null => "null",
        Cell::Boolean(_) => "boolean",
        Cell::Integer(_) => "integer",
        Cell::Float(_) => "float",
        Cell::Text(_) => "text",
        Cell::Timestamp(_) => "timestamp",
        Cell::Json(_) => "json",
    }
}

/// An Arrow error as an I/O error, keeping the I/O error's kind (a closed
/// pipe stays `BrokenPipe`).
fn to_io(e: ArrowError) -> io::Error {
    match e {
        ArrowError::IoError(_, io) => io,
        other => io::Error::other(other),
    }
}

/// Writes an Arrow IPC stream (see the module's documentation).
pub struct ArrowWriter<'a> {
    columns: &'a [ColumnInfo],
    schema: SchemaRef,
    builders: Vec<Column>,
    /// Rows in the builders.
    rows: usize,
    stream: StreamWriter<Box<dyn Write + 'a>>,
}

impl<'a> ArrowWriter<'a> {
    /// Writes the schema of `report`'s `columns` to `out`.
    pub fn new(report: &str, columns: &'a [ColumnInfo], out: Box<dyn Write + 'a>) -> io::Result<ArrowWriter<'a>> {
        let schema = Arc::new(schema(report, columns));
        let stream = StreamWriter::try_new(out, &schema).map_err(to_io)?;
        let builders = columns.iter().map(|c| Column::new(c.type_)).collect();
        Ok(ArrowWriter { columns, schema, builders, rows: 0, stream })
    }

    /// Writes the rows built so far as one record batch, if there are any.
    fn write_batch(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Column::finish).collect();
        self.rows = 0;
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| io::Error::other(printable(&e.to_string())))?;
        self.stream.write(&batch).map_err(to_io)?;
        self.stream.flush().map_err(to_io)
    }

    fn append(&mut self, index: usize, cell: &Cell) -> io::Result<()> {
        let column = &self.columns[index];
        let mismatch = || {
            io::Error::other(format!(
                "{BAD_ROW} {} cell in column `{}` of type {}",
                cell_kind(cell),
                printable(&column.name),
                column.type_.name()
            ))
        };
        match (&mut self.builders[index], cell) {
            (_, Cell::Null) if !column.nullable => {
                return Err(io::Error::other(format!(
                    "{BAD_ROW} null cell in column `{}`, which is not nullable",
                    printable(&column.name)
                )))
            }
            (Column::Integer(b), Cell::Null) => b.append_null(),
            (Column::Float(b), Cell::Null) => b.append_null(),
            (Column::Boolean(b), Cell::Null) => b.append_null(),
            (Column::Text(b), Cell::Null) => b.append_null(),
            (Column::Timestamp(b), Cell::Null) => b.append_null(),
            (Column::Integer(b), Cell::Integer(i)) => b.append_value(*i),
            (Column::Float(b), Cell::Float(f)) => b.append_value(*f),
            (Column::Boolean(b), Cell::Boolean(v)) => b.append_value(*v),
            (Column::Text(b), Cell::Text(s)) if column.type_ == ColumnType::Text => b.append_value(s),
            (Column::Text(b), Cell::Json(s)) if column.type_ == ColumnType::Json => {
                checked_json(&column.name, s)?;
                b.append_value(s);
            }
            (Column::Timestamp(b), Cell::Timestamp(s)) => match parse_timestamp_micros(s) {
                Some(micros) => b.append_value(micros),
                None => {
                    let shown: String = s.chars().take(64).collect();
                    return Err(io::Error::other(format!(
                        "{BAD_ROW} timestamp cell in column `{}` that is not RFC 3339: `{}`",
                        printable(&column.name),
                        printable(&shown)
                    )));
                }
            },
            _ => return Err(mismatch()),
        }
        Ok(())
    }
}

impl RowWriter for ArrowWriter<'_> {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        if cells.len() != self.columns.len() {
            return Err(io::Error::other(format!("{BAD_ROW} row of {} cells for {} columns", cells.len(), self.columns.len())));
        }
        // A cell that fails leaves the row half appended: the run ends
        // with that error and this batch is never written.
        for (index, cell) in cells.iter().enumerate() {
            self.append(index, cell)?;
        }
        self.rows += 1;
        if self.rows >= MAX_BATCH_ROWS {
            self.write_batch()?;
        }
        Ok(())
    }

    fn end_batch(&mut self) -> io::Result<()> {
        self.write_batch()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.write_batch()?;
        self.stream.finish().map_err(to_io)?;
        self.stream.flush().map_err(to_io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
    use arrow_array::Array;
    use arrow_ipc::reader::StreamReader;

    fn column(name: &str, type_: ColumnType, nullable: bool) -> ColumnInfo {
        ColumnInfo { name: name.into(), type_, nullable, description: format!("the {name}") }
    }

    fn columns() -> Vec<ColumnInfo> {
        vec![
            column("id", ColumnType::Integer, false),
            column("score", ColumnType::Float, true),
            column("open", ColumnType::Boolean, true),
            column("title", ColumnType::Text, true),
            column("updated_on", ColumnType::Timestamp, true),
            column("doc", ColumnType::Json, true),
        ]
    }

    /// Writes `batches` (each a list of rows, ended by `end_batch`) and
    /// reads the stream back.
    fn round_trip(columns: &[ColumnInfo], batches: &[Vec<Vec<Cell>>]) -> io::Result<(SchemaRef, Vec<RecordBatch>)> {
        let mut out = Vec::new();
        {
            let mut w = ArrowWriter::new("pull-requests", columns, Box::new(&mut out))?;
            for batch in batches {
                for row in batch {
                    w.row(row)?;
                }
                w.end_batch()?;
            }
            w.finish()?;
        }
        let reader = StreamReader::try_new(io::Cursor::new(out), None).unwrap();
        let schema = reader.schema();
        Ok((schema, reader.collect::<Result<Vec<_>, _>>().unwrap()))
    }

    #[test]
    fn column_types_map_to_arrow_types_with_nullability_and_metadata() {
        let columns = columns();
        let (schema, batches) = round_trip(&columns, &[]).unwrap();
        assert!(batches.is_empty(), "an empty run is the schema and the end of the stream");
        assert_eq!(schema.metadata()[REPORT_KEY], "pull-requests");
        let types: Vec<(&str, DataType, bool)> =
            schema.fields().iter().map(|f| (f.name().as_str(), f.data_type().clone(), f.is_nullable())).collect();
        assert_eq!(
            types,
            [
                ("id", DataType::Int64, false),
                ("score", DataType::Float64, true),
                ("open", DataType::Boolean, true),
                ("title", DataType::Utf8, true),
                ("updated_on", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
                ("doc", DataType::Utf8, true),
            ]
        );
        assert_eq!(schema.field(4).metadata()[DESCRIPTION_KEY], "the updated_on");
    }

    #[test]
    fn rfc3339_text_becomes_microseconds_since_the_epoch() {
        for (text, micros) in [
            ("1970-01-01T00:00:00Z", 0),
            ("1970-01-01T00:00:00.000001+00:00", 1),
            ("2026-03-04T10:22:31.123456+00:00", 1_772_619_751_123_456),
            ("2026-03-04T10:22:31.1234569+00:00", 1_772_619_751_123_456),
            ("2026-03-04T10:22:31.5Z", 1_772_619_751_500_000),
            ("2026-03-04T15:52:31+05:30", 1_772_619_751_000_000),
            ("2026-03-04T05:22:31-05:00", 1_772_619_751_000_000),
            ("2026-03-04 10:22:31z", 1_772_619_751_000_000),
            ("2024-02-29T00:00:00Z", 1_709_164_800_000_000),
            ("1969-12-31T23:59:59.5Z", -500_000),
            ("2016-12-31T23:59:60Z", 1_483_228_800_000_000),
        ] {
            assert_eq!(parse_timestamp_micros(text), Some(micros), "{text}");
        }
        for bad in [
            "",
            "2026-03-04",
            "2026-03-04T10:22:31",
            "2026-03-04T10:22:31.600",
            "2026-03-04T10:22:31.+00:00",
            "2026-03-04T10:22:31+0000",
            "2026-03-04T10:22:31+00:00 ",
            "2026-13-04T10:22:31Z",
            "2026-02-29T10:22:31Z",
            "2026-03-04T24:00:00Z",
            "2026-03-04T10:60:00Z",
            "2026-03-04T10:22:31+24:00",
            "2026-03-04X10:22:31Z",
            "2026-03-04T10:22:31Zé",
            "+026-03-04T10:22:31Z",
            "é026-03-04T10:22:31Z",
        ] {
            assert_eq!(parse_timestamp_micros(bad), None, "{bad}");
        }
    }

    #[test]
    fn rows_come_back_typed_one_batch_per_component_batch() {
        let columns = columns();
        let row = |id: i64, ts: &str| {
            vec![
                Cell::Integer(id),
                Cell::Float(0.5),
                Cell::Boolean(id % 2 == 0),
                Cell::Text(format!("PR {id}")),
                Cell::Timestamp(ts.into()),
                Cell::Json("{\"a\":\n[1]}".into()),
            ]
        };
        let nulls = vec![Cell::Integer(3), Cell::Null, Cell::Null, Cell::Null, Cell::Null, Cell::Null];
        let batches = [vec![row(1, "2026-03-04T10:22:31.123456+00:00"), row(2, "1970-01-01T00:00:00Z")], vec![], vec![nulls]];
        let (_, read) = round_trip(&columns, &batches).unwrap();
        assert_eq!(read.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(), [2, 1], "empty batches write nothing");
        let first = &read[0];
        assert_eq!(first.column(0).as_primitive::<Int64Type>().values().to_vec(), [1, 2]);
        assert_eq!(first.column(1).as_primitive::<Float64Type>().value(0), 0.5);
        assert!(first.column(2).as_boolean().value(1));
        assert_eq!(first.column(3).as_string::<i32>().value(0), "PR 1");
        assert_eq!(first.column(4).as_primitive::<TimestampMicrosecondType>().value(0), 1_772_619_751_123_456);
        assert_eq!(first.column(5).as_string::<i32>().value(0), "{\"a\":\n[1]}", "json text as written");
        assert!((1..6).all(|c| read[1].column(c).is_null(0)));
    }

    #[test]
    fn a_long_batch_is_cut_at_the_row_cap() {
        let columns = [column("n", ColumnType::Integer, false)];
        let rows: Vec<Vec<Cell>> = (0..MAX_BATCH_ROWS as i64 + 10).map(|i| vec![Cell::Integer(i)]).collect();
        let (_, read) = round_trip(&columns, &[rows]).unwrap();
        assert_eq!(read.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(), [MAX_BATCH_ROWS, 10]);
    }

    #[test]
    fn bad_cells_are_errors_naming_the_column() {
        let columns = columns();
        let good = || {
            vec![Cell::Integer(1), Cell::Null, Cell::Null, Cell::Null, Cell::Timestamp("2026-03-04T10:22:31Z".into()), Cell::Null]
        };
        let with = |index: usize, cell: Cell| {
            let mut row = good();
            row[index] = cell;
            row
        };
        for (row, expected) in [
            (
                with(4, Cell::Timestamp("yesterday".into())),
                "timestamp cell in column `updated_on` that is not RFC 3339: `yesterday`",
            ),
            (with(4, Cell::Timestamp("2026-03-04T10:22:31".into())), "column `updated_on`"),
            (with(0, Cell::Null), "null cell in column `id`, which is not nullable"),
            (with(0, Cell::Text("1".into())), "text cell in column `id`"),
            (with(5, Cell::Text("{}".into())), "text cell in column `doc`"),
            (with(5, Cell::Json("{".into())), "column `doc`"),
            (vec![Cell::Integer(1)], "a row of 1 cells for 6 columns"),
        ] {
            let Err(e) = round_trip(&columns, &[vec![good(), row.clone()]]) else {
                panic!("accepted {row:?}");
            };
            assert!(e.to_string().contains(expected), "{e} should contain {expected}");
        }
    }

    #[test]
    fn a_closed_pipe_stays_a_broken_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let columns = columns();
        let Err(e) = ArrowWriter::new("r", &columns, Box::new(Closed)) else {
            panic!("wrote to a closed pipe");
        };
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }
}
