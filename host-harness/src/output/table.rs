//! The aligned table for a person's terminal (`--format table`).
//!
//! Text is measured in display columns, as a terminal shows it: each
//! character's width from `unicode-width` (CJK and emoji 2, combining marks
//! 0, the rest 1), summed, as wcwidth-based terminals do. Cells are cut by
//! that width (never inside a wide character; the `…` that ends a cut cell
//! counts 1) and padded by it, so every column starts at the same display
//! column on every line.
//!
//! Given a line width (the terminal's, see [`terminal::table_width`]), the
//! table fits it ([`layout`]): the widest text and json columns shrink
//! first, down to [`FLOOR`] display columns; if the line is still too wide,
//! the trailing columns that do not fit are left out and one note on the
//! notes writer (stderr) says how many and how to choose (`--columns`).
//! Without a width (a pipe, a file) rows are whole.

use super::{cell_text, terminal, RowWriter};
use crate::sandbox::wit::{Cell, ColumnInfo, ColumnType};
use std::borrow::Cow;
use std::io::{self, Write};
use unicode_width::UnicodeWidthChar;

/// The table sizes its columns from this many rows, then streams.
pub const TABLE_WIDTH_ROWS: usize = 200;

/// No cell is wider than this many display columns.
pub const CELL_MAX: usize = 60;

/// A text column shrinks to fit the line down to this many display columns.
pub const FLOOR: usize = 8;

/// Between two columns.
const SEPARATOR: &str = "  ";

/// An aligned table: the first [`TABLE_WIDTH_ROWS`] rows are kept to size
/// the columns, then every row is written as it comes (a later, wider cell
/// is cut to its column). Line breaks show as `⏎` and other control
/// characters are made visible ([`terminal::printable`]), so each row stays
/// on one line and no escape sequence reaches the terminal.
pub struct Table<'a> {
    columns: &'a [ColumnInfo],
    /// The rows before the widths are known.
    pending: Vec<Vec<String>>,
    /// The widths of the columns shown (the first `widths.len()`), once known.
    widths: Option<Vec<usize>>,
    /// The line's width in display columns (`None`: no limit).
    line_width: Option<usize>,
    count: u64,
    out: Box<dyn Write + 'a>,
    /// Where the note about columns left out goes (stderr).
    notes: Box<dyn Write + 'a>,
}

impl<'a> Table<'a> {
    /// A table of `columns` on `out`, fitted to `line_width` display columns
    /// if given; the note about columns left out goes to `notes`.
    pub fn new(
        columns: &'a [ColumnInfo],
        out: Box<dyn Write + 'a>,
        line_width: Option<usize>,
        notes: Box<dyn Write + 'a>,
    ) -> Table<'a> {
        Table { columns, pending: Vec::new(), widths: None, line_width, count: 0, out, notes }
    }

    /// Sizes the columns from the header and the pending rows, and writes
    /// them.
    fn start(&mut self) -> io::Result<()> {
        let header: Vec<String> = self.columns.iter().map(|c| one_line(&c.name)).collect();
        let mut natural: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
        for row in &self.pending {
            for (w, cell) in natural.iter_mut().zip(row) {
                *w = (*w).max(display_width(cell));
            }
        }
        let shrinkable: Vec<bool> = self.columns.iter().map(|c| matches!(c.type_, ColumnType::Text | ColumnType::Json)).collect();
        let widths = layout(&natural, &shrinkable, self.line_width);
        let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        write_line(&mut self.out, &widths, &header)?;
        write_line(&mut self.out, &widths, &dashes)?;
        for row in std::mem::take(&mut self.pending) {
            write_line(&mut self.out, &widths, &row)?;
        }
        self.widths = Some(widths);
        Ok(())
    }

    /// The note about the columns left out, if any were.
    fn left_out_note(&self) -> Option<String> {
        let shown = self.widths.as_ref()?.len();
        let first = self.columns.get(shown)?;
        Some(format!(
            "table: {} of {} columns left out (from `{}` on) to fit {} display columns; choose the columns with --columns NAME,NAME,… (`describe REPORT` lists them)",
            self.columns.len() - shown,
            self.columns.len(),
            terminal::printable(&first.name),
            self.line_width.unwrap_or_default(),
        ))
    }
}

/// Text for one table cell: one line, printable, at most [`CELL_MAX`]
/// display columns.
fn one_line(text: &str) -> String {
    let one_line = text.replace("\r\n", "⏎").replace(['\n', '\r'], "⏎");
    cut(&terminal::printable(&one_line), CELL_MAX).into_owned()
}

/// The display width of `text`: each character's width, summed.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `text` cut to at most `width` display columns, ending in `…` when cut
/// (never inside a wide character; combining marks stay with their letter).
pub fn cut(text: &str, width: usize) -> Cow<'_, str> {
    if display_width(text) <= width {
        return Cow::Borrowed(text);
    }
    let budget = width.saturating_sub(1);
    let mut used = 0;
    let mut kept = String::new();
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > budget {
            break;
        }
        used += w;
        kept.push(c);
    }
    if width > 0 {
        kept.push('…');
    }
    Cow::Owned(kept)
}

/// The widths of the columns shown, in display columns, for columns of
/// these `natural` widths on a line of at most `line_width` (no limit:
/// `natural`). Columns are joined by two spaces. If they do not fit, the
/// `shrinkable` (text) columns are capped, the widest first, at the widest
/// cap (not below [`FLOOR`]) that fits; if they do not fit even at the
/// floor, only the longest run of leading columns that fits there is
/// shown (fewer widths than columns), capped as widely as fits. At least
/// one column is shown, cut to the line if need be.
pub fn layout(natural: &[usize], shrinkable: &[bool], line_width: Option<usize>) -> Vec<usize> {
    let Some(limit) = line_width else { return natural.to_vec() };
    let capped = |n: usize, cap: usize| -> Vec<usize> {
        natural[..n].iter().zip(shrinkable).map(|(&w, &s)| if s { w.min(cap) } else { w }).collect()
    };
    let total = |widths: &[usize]| widths.iter().sum::<usize>() + SEPARATOR.len() * widths.len().saturating_sub(1);
    let at_floor = capped(natural.len(), FLOOR);
    if natural.is_empty() {
        return Vec::new();
    }
    // The first column is shown even if it does not fit (it is cut below).
    let shown = (1..=natural.len()).take_while(|&n| total(&at_floor[..n]) <= limit).last().unwrap_or(1);
    let widest = natural[..shown].iter().copied().max().unwrap_or(0);
    let cap = (FLOOR..=widest).rev().find(|&cap| total(&capped(shown, cap)) <= limit).unwrap_or(FLOOR);
    let mut widths = capped(shown, cap);
    if total(&widths) > limit {
        // One column, wider than the line even at the floor.
        widths[0] = limit.max(1);
    }
    widths
}

/// One table line, each cell cut to its column's width and padded to it
/// (by display width); cells past the widths are not shown.
fn write_line(out: &mut dyn Write, widths: &[usize], cells: &[String]) -> io::Result<()> {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(c, &w)| {
            let c = cut(c, w);
            let pad = w.saturating_sub(display_width(&c));
            format!("{c}{}", " ".repeat(pad))
        })
        .collect();
    writeln!(out, "{}", padded.join(SEPARATOR).trim_end())
}

impl RowWriter for Table<'_> {
    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        // Once the widths are known, only the columns shown are made text.
        let shown = self.widths.as_ref().map_or(self.columns.len(), Vec::len);
        let row = self
            .columns
            .iter()
            .zip(cells)
            .take(shown)
            .map(|(c, v)| Ok(one_line(&cell_text(&c.name, v)?)))
            .collect::<io::Result<Vec<_>>>()?;
        self.count += 1;
        match &self.widths {
            Some(widths) => write_line(&mut self.out, widths, &row),
            None => {
                self.pending.push(row);
                if self.pending.len() >= TABLE_WIDTH_ROWS {
                    self.start()?;
                }
                Ok(())
            }
        }
    }
    fn finish(&mut self) -> io::Result<()> {
        if self.widths.is_none() {
            self.start()?;
        }
        writeln!(self.out, "({} rows)", self.count)?;
        self.out.flush()?;
        if let Some(note) = self.left_out_note() {
            writeln!(self.notes, "{note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, type_: ColumnType) -> ColumnInfo {
        ColumnInfo { name: name.into(), type_, nullable: true, description: String::new() }
    }

    /// The table's stdout and notes for these rows.
    fn table(columns: &[ColumnInfo], rows: &[Vec<Cell>], line_width: Option<usize>) -> (String, String) {
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        {
            let mut t = Table::new(columns, Box::new(&mut out), line_width, Box::new(&mut notes));
            for row in rows {
                t.row(row).unwrap();
            }
            t.finish().unwrap();
        }
        (String::from_utf8(out).unwrap(), String::from_utf8(notes).unwrap())
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn display_width_counts_wide_chars_two_and_combining_marks_zero() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("数据库"), 6);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("🚀 go"), 5);
    }

    #[test]
    fn cut_never_splits_a_wide_char_and_the_ellipsis_counts_one() {
        assert_eq!(cut("数据库", 6), "数据库");
        // 5 columns: 4 for text, "数据" (4), then "…".
        assert_eq!(cut("数据库", 5), "数据…");
        // 4 columns: 3 for text, only "数" (2) fits whole.
        assert_eq!(cut("数据库", 4), "数…");
        assert_eq!(display_width(&cut("数据库", 4)), 3);
        // A combining mark stays with its letter.
        assert_eq!(cut("e\u{301}e\u{301}e\u{301}xyz", 4), "e\u{301}e\u{301}e\u{301}…");
        assert_eq!(cut("abcdef", 1), "…");
    }

    #[test]
    fn wide_and_combining_text_keeps_every_column_aligned() {
        let columns = [column("name", ColumnType::Text), column("n", ColumnType::Integer), column("note", ColumnType::Text)];
        let rows = [
            vec![text("数据库"), Cell::Integer(1), text("ok")],
            vec![text("caf\u{65}\u{301}"), Cell::Integer(22), text("🚀")],
            vec![text("plain"), Cell::Integer(333), Cell::Null],
        ];
        let (out, notes) = table(&columns, &rows, None);
        let expected =
            ["name    n    note", "------  ---  ----", "数据库  1    ok", "cafe\u{301}    22   🚀", "plain   333", "(3 rows)"];
        assert_eq!(out.lines().collect::<Vec<_>>(), expected);
        assert_eq!(notes, "");
    }

    #[test]
    fn the_widest_text_columns_shrink_first_down_to_the_floor() {
        // 30 + 2 + 10 + 2 + 25 = 69 > 50: the 30 text column shrinks to 11.
        assert_eq!(layout(&[30, 10, 25], &[true, true, false], Some(50)), [11, 10, 25]);
        // Both text columns are capped at 13 to fit 40: 13 + 2 + 13 + 2 + 10.
        assert_eq!(layout(&[30, 20, 10], &[true, true, false], Some(40)), [13, 13, 10]);
        // Non-text columns never shrink; no limit keeps the natural widths.
        assert_eq!(layout(&[30, 20], &[false, true], Some(40)), [30, 8]);
        assert_eq!(layout(&[30, 20], &[true, true], None), [30, 20]);
        assert_eq!(layout(&[5, 6], &[true, true], Some(80)), [5, 6]);
    }

    #[test]
    fn columns_that_do_not_fit_at_the_floor_are_left_out_and_the_rest_widen() {
        // At the floor: 8 + 2 + 8 + 2 + 25 = 45 > 30, so two columns are
        // shown, and they widen to fill 30: 14 + 2 + 14.
        assert_eq!(layout(&[40, 40, 25], &[true, true, false], Some(30)), [14, 14]);
        // A single column wider than the line is cut to it.
        assert_eq!(layout(&[25, 3], &[false, true], Some(10)), [10]);
        assert_eq!(layout(&[], &[], Some(10)), Vec::<usize>::new());
    }

    #[test]
    fn a_narrow_table_cuts_cells_leaves_out_columns_and_says_so() {
        let columns = [
            column("title", ColumnType::Text),
            column("id", ColumnType::Integer),
            column("summary", ColumnType::Text),
            column("updated_on", ColumnType::Timestamp),
        ];
        let rows =
            [vec![text("数据库 migration plan"), Cell::Integer(7), text("a long summary of it"), text("2026-01-01T00:00:00Z")]];
        let (out, notes) = table(&columns, &rows, Some(24));
        // At the floor: 8 + 2 + 2 + 2 + 8 = 22 fits 24, the timestamp does
        // not; the two text columns widen to 9 (9 + 2 + 2 + 2 + 9 = 24).
        let expected = ["title      id  summary", "---------  --  ---------", "数据库 m…  7   a long s…", "(1 rows)"];
        assert_eq!(out.lines().collect::<Vec<_>>(), expected);
        assert!(out.lines().all(|l| display_width(l) <= 24), "{out}");
        assert_eq!(
            notes,
            "table: 1 of 4 columns left out (from `updated_on` on) to fit 24 display columns; choose the columns with --columns NAME,NAME,… (`describe REPORT` lists them)\n"
        );
    }

    #[test]
    fn the_table_keeps_only_the_rows_that_size_it() {
        let columns = [column("n", ColumnType::Text)];
        let mut rows: Vec<Vec<Cell>> = (0..TABLE_WIDTH_ROWS + 50).map(|i| vec![text(&i.to_string())]).collect();
        rows.push(vec![text("much wider than the first rows")]);
        let (out, _) = table(&columns, &rows, None);
        let lines: Vec<&str> = out.lines().collect();
        // Streamed after the first rows: the wide cell is cut to its column.
        assert_eq!(lines[0], "n");
        assert_eq!(lines[lines.len() - 2], "mu…");
        assert_eq!(lines[lines.len() - 1], format!("({} rows)", TABLE_WIDTH_ROWS + 51));
    }
}
