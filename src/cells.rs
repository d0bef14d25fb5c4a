//! JSON-to-cell conversion: the one place where API objects become typed
//! cells. Strict by design: a field of the wrong type is an
//! `invalid-response` error naming the column, never a silent null.

use crate::error::{Error, Result};
use serde_json::Value;

pub use connector_vocabulary::ColumnType;

/// One typed value (the WIT `cell`).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    Timestamp(String),
    Json(String),
}

/// Looks up a dotted path (`author.user.uuid`) in a JSON object; in a list,
/// a number is an index (`links.self.0.href`). A missing key anywhere
/// along the path gives `None`.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| match v {
        // Data Center's links are lists (`links.self.0.href`).
        Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => v.get(key),
    })
}

/// Converts the JSON value found for `column` to a cell of type `ty`.
pub fn to_cell(column: &str, ty: ColumnType, nullable: bool, value: Option<&Value>) -> Result<Cell> {
    let value = match value {
        None | Some(Value::Null) if nullable => return Ok(Cell::Null),
        None | Some(Value::Null) => {
            return Err(Error::invalid_response(format!(
                "column `{column}` has no value, and it is never null (a key, or a field Bitbucket always writes)"
            )))
        }
        Some(v) => v,
    };
    let wrong =
        || Error::invalid_response(format!("column `{column}`: expected {ty:?} in the API response, got {}", kind_of(value)));
    Ok(match ty {
        ColumnType::Boolean => Cell::Boolean(value.as_bool().ok_or_else(wrong)?),
        ColumnType::Integer => Cell::Integer(value.as_i64().ok_or_else(wrong)?),
        ColumnType::Float => Cell::Float(value.as_f64().ok_or_else(wrong)?),
        ColumnType::Text => Cell::Text(value.as_str().ok_or_else(wrong)?.to_string()),
        ColumnType::Timestamp => {
            let s = value.as_str().ok_or_else(wrong)?;
            let Some(normalized) = normalize_timestamp(s) else {
                return Err(Error::invalid_response(format!(
                    "column `{column}`: `{}` is not an RFC 3339 timestamp",
                    s.chars().take(40).collect::<String>()
                )));
            };
            Cell::Timestamp(normalized)
        }
        ColumnType::Json => Cell::Json(value.to_string()),
    })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A timestamp as the API wrote it, as the cell carries it: an RFC 3339
/// timestamp unchanged; one without an offset (Bitbucket writes some, e.g. a
/// workspace membership's `added_on` as `2021-04-02T14:25:58.600`) taken as
/// UTC, written `YYYY-MM-DDTHH:MM:SS[.frac]+00:00` (`T`, the fraction as
/// given). `None` for anything else.
pub fn normalize_timestamp(s: &str) -> Option<String> {
    if is_rfc3339(s) {
        return Some(s.to_string());
    }
    (date_time_len(s) == Some(s.len())).then(|| format!("{}T{}+00:00", &s[..10], &s[11..]))
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, as Bitbucket sends.
pub fn is_rfc3339(s: &str) -> bool {
    let Some(n) = date_time_len(s) else {
        return false;
    };
    match &s.as_bytes()[n..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

/// The length of the leading `YYYY-MM-DD(T|t| )HH:MM:SS[.frac]` of `s`, if
/// it starts with one.
fn date_time_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 19
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't' | b' ')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return None;
    }
    match s[19..].strip_prefix('.') {
        Some(frac) => match frac.bytes().take_while(u8::is_ascii_digit).count() {
            0 => None,
            n => Some(20 + n),
        },
        None => Some(19),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_follows_dotted_paths() {
        let v = json!({"author": {"user": {"uuid": "{u}"}}, "n": 1});
        assert_eq!(lookup(&v, "author.user.uuid"), Some(&json!("{u}")));
        assert_eq!(lookup(&v, "n"), Some(&json!(1)));
        assert_eq!(lookup(&v, "author.raw"), None);
        assert_eq!(lookup(&v, "n.deeper"), None);
    }

    #[test]
    fn converts_each_type() {
        let v = json!({"b": true, "i": 42, "f": 1.5, "t": "x", "ts": "2026-03-04T10:22:31.123456+00:00", "j": {"a": [1]}});
        let cell = |p, ty| to_cell(p, ty, false, lookup(&v, p)).unwrap();
        assert_eq!(cell("b", ColumnType::Boolean), Cell::Boolean(true));
        assert_eq!(cell("i", ColumnType::Integer), Cell::Integer(42));
        assert_eq!(cell("f", ColumnType::Float), Cell::Float(1.5));
        assert_eq!(cell("i", ColumnType::Float), Cell::Float(42.0));
        assert_eq!(cell("t", ColumnType::Text), Cell::Text("x".into()));
        assert_eq!(cell("ts", ColumnType::Timestamp), Cell::Timestamp("2026-03-04T10:22:31.123456+00:00".into()));
        assert_eq!(cell("j", ColumnType::Json), Cell::Json(r#"{"a":[1]}"#.into()));
    }

    #[test]
    fn null_or_missing_is_null_only_when_nullable() {
        assert_eq!(to_cell("c", ColumnType::Text, true, None).unwrap(), Cell::Null);
        assert_eq!(to_cell("c", ColumnType::Text, true, Some(&Value::Null)).unwrap(), Cell::Null);
        let e = to_cell("c", ColumnType::Text, false, None).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::InvalidResponse);
        assert!(e.message.contains("`c`"));
    }

    #[test]
    fn wrong_types_are_invalid_response_naming_the_column() {
        for (ty, v) in [
            (ColumnType::Integer, json!("12")),
            (ColumnType::Integer, json!(1.5)),
            (ColumnType::Boolean, json!(1)),
            (ColumnType::Text, json!({"a": 1})),
            (ColumnType::Timestamp, json!("yesterday")),
            (ColumnType::Timestamp, json!(1700000000)),
        ] {
            let e = to_cell("col_x", ty, true, Some(&v)).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::InvalidResponse);
            assert!(e.message.contains("col_x"), "{}", e.message);
        }
    }

    #[test]
    fn timestamps_without_an_offset_are_utc() {
        for (given, cell) in [
            ("2021-04-02T14:25:58.600", "2021-04-02T14:25:58.600+00:00"),
            ("2021-04-02T14:25:58", "2021-04-02T14:25:58+00:00"),
            ("2021-04-02 14:25:58.123456", "2021-04-02T14:25:58.123456+00:00"),
            ("2021-04-02t14:25:58", "2021-04-02T14:25:58+00:00"),
            // With an offset: unchanged, as before.
            ("2026-03-04T10:22:31.123456+00:00", "2026-03-04T10:22:31.123456+00:00"),
            ("2026-03-04T10:22:31-05:30", "2026-03-04T10:22:31-05:30"),
            ("2026-03-04T10:22:31Z", "2026-03-04T10:22:31Z"),
        ] {
            assert_eq!(normalize_timestamp(given).as_deref(), Some(cell), "{given}");
            let v = json!({"ts": given});
            assert_eq!(to_cell("ts", ColumnType::Timestamp, false, lookup(&v, "ts")).unwrap(), Cell::Timestamp(cell.into()));
        }
        for bad in [
            "2021-04-02",
            "2021-04-02T14:25",
            "2021-04-02T14:25:58.",
            "2021-04-02T14:25:58.600 ",
            "2021-04-02T14:25:58+0000",
            "2021-04-02T14:25:58.600x",
            "2021-04-02X14:25:58",
        ] {
            assert_eq!(normalize_timestamp(bad), None, "{bad}");
            let e = to_cell("added_on", ColumnType::Timestamp, true, Some(&json!(bad))).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::InvalidResponse);
            assert_eq!(e.message, format!("column `added_on`: `{bad}` is not an RFC 3339 timestamp"));
        }
    }

    #[test]
    fn rfc3339_shapes() {
        for ok in ["2026-03-04T10:22:31Z", "2026-03-04T10:22:31.1+00:00", "2026-03-04T10:22:31-05:30"] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in
            ["2026-03-04", "2026-03-04T10:22:31", "2026-03-04T10:22:31.+00:00", "2026-3-04T10:22:31Z", "2026-03-04T10:22:31+0000"]
        {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
