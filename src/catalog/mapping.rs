//! Row mapping: one API object to its rows (none for an object `only`
//! leaves out), one cell per column, read from the object, the enclosing
//! object (`each`) or the run's parameters.

use super::dsl::{Each, Item, Report, Source};
use super::params::Params;
use crate::cells::{lookup, to_cell, Cell, ColumnType};
use crate::error::{Error, Result};
use serde_json::Value;

impl Report {
    /// Maps one API object to its rows: one, or several with `each`.
    pub fn rows(&self, object: &Value, params: &Params) -> Result<Vec<Vec<Cell>>> {
        if self.api.only.is_some_and(|keep| !keep(Item { object, parent: object, replied_to: None, params })) {
            return Ok(Vec::new());
        }
        match self.api.each {
            None => Ok(vec![self.row(Item { object, parent: object, replied_to: None, params })?]),
            Some(Each::Items(paths)) => {
                let mut rows = Vec::new();
                for path in paths {
                    match lookup(object, path) {
                        None | Some(Value::Null) => {}
                        Some(Value::Array(items)) => {
                            for element in items {
                                rows.push(self.row(Item { object: element, parent: object, replied_to: None, params })?);
                            }
                        }
                        Some(element @ Value::Object(_)) => {
                            rows.push(self.row(Item { object: element, parent: object, replied_to: None, params })?)
                        }
                        Some(_) => return Err(Error::invalid_response(format!("`{path}` in the API response is not a list"))),
                    }
                }
                Ok(rows)
            }
            Some(Each::Thread { root, replies }) => {
                let mut rows = Vec::new();
                if let Some(comment @ Value::Object(_)) = lookup(object, root) {
                    self.thread(comment, None, object, replies, params, 0, &mut rows)?;
                }
                Ok(rows)
            }
        }
    }

    /// A row's primary key, each cell as text.
    pub fn key_of(&self, row: &[Cell]) -> Vec<String> {
        let column = |name: &&str| self.columns.iter().position(|c| c.name == *name);
        self.primary_key.iter().filter_map(column).map(|i| format!("{:?}", row[i])).collect()
    }

    /// The rows of `comment` and of its replies, depth first.
    #[allow(clippy::too_many_arguments)]
    fn thread(
        &self,
        comment: &Value,
        replied_to: Option<&Value>,
        parent: &Value,
        replies: &str,
        params: &Params,
        depth: usize,
        rows: &mut Vec<Vec<Cell>>,
    ) -> Result<()> {
        if depth > MAX_THREAD_DEPTH {
            return Err(Error::invalid_response(format!("a comment thread nests deeper than {MAX_THREAD_DEPTH} replies")));
        }
        rows.push(self.row(Item { object: comment, parent, replied_to, params })?);
        match comment.get(replies) {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Array(more)) => {
                more.iter().try_for_each(|reply| self.thread(reply, Some(comment), parent, replies, params, depth + 1, rows))
            }
            Some(_) => Err(Error::invalid_response(format!("`{replies}` of a comment in the API response is not a list"))),
        }
    }

    fn row(&self, item: Item) -> Result<Vec<Cell>> {
        let (object, parent, params) = (item.object, item.parent, item.params);
        self.columns
            .iter()
            .map(|c| match c.source {
                Source::Field(path) => to_cell(c.name, c.ty, c.nullable, lookup(object, path)),
                Source::Parent(path) => to_cell(c.name, c.ty, c.nullable, lookup(parent, path)),
                Source::Param(name) => Ok(match (params.get(name), c.ty) {
                    (None, _) => Cell::Null,
                    (Some(v), ColumnType::Integer) => v.parse().map_or(Cell::Null, Cell::Integer),
                    (Some(v), _) => Cell::Text(v.clone()),
                }),
                Source::FirstOf(paths) => {
                    let value = paths.iter().find_map(|p| lookup(object, p).filter(|v| !v.is_null()));
                    to_cell(c.name, c.ty, c.nullable, value)
                }
                Source::KeyOf(keys) => {
                    let key = keys.iter().find(|k| object.get(**k).is_some_and(|v| !v.is_null()));
                    to_cell(c.name, c.ty, c.nullable, key.map(|k| Value::String(k.to_string())).as_ref())
                }
                Source::Millis(path) => to_cell(c.name, c.ty, c.nullable, millis_at(object, path).as_ref()),
                Source::IdText(path) => {
                    let id = lookup(object, path).map(|v| match v {
                        Value::Number(n) => Value::String(n.to_string()),
                        other => other.clone(),
                    });
                    to_cell(c.name, c.ty, c.nullable, id.as_ref())
                }
                Source::Absent => Ok(Cell::Null),
                Source::Derived(derive) => to_cell(c.name, c.ty, c.nullable, derive(item).as_ref()),
            })
            .collect()
    }
}

/// How deep a comment thread may nest before it is taken for a malformed
/// (or hostile) response rather than recursed into.
const MAX_THREAD_DEPTH: usize = 64;

/// The date at `path` of `value`, epoch milliseconds (Data Center's) as
/// RFC 3339 text; anything else as it is (for the cell's own check to
/// refuse).
pub fn millis_at(value: &Value, path: &str) -> Option<Value> {
    match lookup(value, path) {
        Some(Value::Number(n)) => n.as_i64().map(|ms| Value::String(crate::time::format_millis(ms))),
        other => other.cloned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::*;
    use crate::cells::{Cell, ColumnType};
    use crate::error::ErrorCode;
    use crate::test_support::{given, TEST_REPORT as REPORT};
    use serde_json::json;

    #[test]
    fn rows_map_columns_in_order() {
        let p = REPORT.resolve_params(&given(&[("workspace", "acme"), ("repository", "web")])).unwrap();
        assert_eq!(
            REPORT.rows(&json!({"id": 7, "author": {"display_name": "Zoë"}}), &p).unwrap(),
            vec![vec![Cell::Integer(7), Cell::Text("Zoë".into()), Cell::Text("web".into())]]
        );
        assert_eq!(REPORT.rows(&json!({"id": 8}), &p).unwrap()[0][..2], [Cell::Integer(8), Cell::Null]);
        assert_eq!(REPORT.rows(&json!({"id": "8"}), &p).unwrap_err().code, ErrorCode::InvalidResponse);
    }

    #[test]
    fn each_gives_one_row_per_element_with_parent_fields() {
        const EACH: Report = Report {
            columns: &[parent_col("pr", ColumnType::Integer, "id", ""), col("who", ColumnType::Text, "user.uuid", "")],
            api: Api { each: Some(Each::Items(&["participants"])), ..REPORT.api },
            ..REPORT
        };
        let p = Params::new();
        let rows = EACH.rows(&json!({"id": 3, "participants": [{"user": {"uuid": "a"}}, {"user": {"uuid": "b"}}]}), &p).unwrap();
        assert_eq!(rows, vec![vec![Cell::Integer(3), Cell::Text("a".into())], vec![Cell::Integer(3), Cell::Text("b".into())]]);
        assert!(EACH.rows(&json!({"id": 3}), &p).unwrap().is_empty());
    }

    #[test]
    fn first_of_and_key_of_read_kind_dependent_objects() {
        const KIND: Report = Report {
            columns: &[
                Column { source: Source::KeyOf(&["update", "approval"]), ..col("kind", ColumnType::Text, "", "") },
                Column { source: Source::FirstOf(&["update.date", "approval.date"]), ..col("when", ColumnType::Text, "", "") },
            ],
            ..REPORT
        };
        let rows = KIND.rows(&json!({"approval": {"date": "d"}}), &Params::new()).unwrap();
        assert_eq!(rows[0], [Cell::Text("approval".into()), Cell::Text("d".into())]);
    }
}
