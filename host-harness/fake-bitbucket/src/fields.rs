//! `fields=` partial responses, applied to every successful JSON answer.
//!
//! As on Bitbucket: `fields` is a comma-separated list of dotted paths (the
//! parameter may repeat). A plain path restricts: when there is at least one,
//! only the listed paths (each with everything below it) are kept, envelope
//! keys (`size`, `page`, `pagelen`, `next`, `previous`) included, so a client
//! that wants them lists them. `+path` asks for a field omitted by default
//! (the handlers add `participants` / `reviewers` for it) and is kept too when
//! restricting. `-path` removes. Arrays are crossed transparently
//! (`values.author.user.uuid` applies to every element of `values`), `*`
//! matches every key at its level, and a path that names nothing contributes
//! nothing (no error; if no restricting path names anything the answer is
//! `{}`). The `+` may also arrive decoded as a space (an unencoded `+` in the
//! query string); a leading space counts as `+`.

use serde_json::{Map, Value};

/// One entry of `fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Restrict,
    Add,
    Remove,
}

/// The parsed `fields` entries: (operation, path segments).
fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<(Op, Vec<&'a str>)> {
    let mut out = Vec::new();
    for entry in values.into_iter().flat_map(|v| v.split(',')) {
        let spaced = entry.starts_with(char::is_whitespace);
        let entry = entry.trim();
        let (op, path) = if let Some(p) = entry.strip_prefix('+') {
            (Op::Add, p)
        } else if let Some(p) = entry.strip_prefix('-') {
            (Op::Remove, p)
        } else if spaced {
            (Op::Add, entry)
        } else {
            (Op::Restrict, entry)
        };
        let segments: Vec<&str> = path.split('.').map(str::trim).collect();
        if segments.iter().any(|s| s.is_empty()) {
            continue; // "", "a..b", "+": names nothing
        }
        out.push((op, segments));
    }
    out
}

/// Applies the `fields` query values to a serialised JSON body. Returns the
/// body unchanged when nothing needs pruning (no restricting or removing
/// entry, or a body that is not JSON).
pub fn apply<'a>(body: String, fields: impl IntoIterator<Item = &'a str>) -> String {
    let entries = parse(fields);
    let restricting = entries.iter().any(|(op, _)| *op == Op::Restrict);
    let removing = entries.iter().any(|(op, _)| *op == Op::Remove);
    if !restricting && !removing {
        return body;
    }
    // `str::parse` and `Value`'s `Display` are compiled inside serde_json (at
    // its optimisation level), unlike `serde_json::from_str` / `to_string`,
    // which would be instantiated here: 3-4 times faster in dev builds.
    let Ok(mut value) = body.parse::<Value>() else {
        return body;
    };
    if restricting {
        let keep: Vec<&[&str]> = entries.iter().filter(|(op, _)| *op != Op::Remove).map(|(_, p)| p.as_slice()).collect();
        value = keep_paths(&value, &keep).unwrap_or_else(|| Value::Object(Map::new()));
    }
    for (_, path) in entries.iter().filter(|(op, _)| *op == Op::Remove) {
        remove_path(&mut value, path);
    }
    value.to_string()
}

/// Whether segment `pattern` matches object key `key`.
fn matches(pattern: &str, key: &str) -> bool {
    pattern == "*" || pattern == key
}

/// The part of `value` that `paths` (relative to it) name: `None` if they
/// name nothing. An empty path keeps the whole value. Arrays are crossed:
/// each element is pruned with the same paths, and an object element that
/// keeps nothing stays as `{}` so positions are kept.
fn keep_paths(value: &Value, paths: &[&[&str]]) -> Option<Value> {
    if paths.iter().any(|p| p.is_empty()) {
        return Some(value.clone());
    }
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, child) in map {
                let sub: Vec<&[&str]> = paths.iter().filter(|p| matches(p[0], key)).map(|p| &p[1..]).collect();
                if sub.is_empty() {
                    continue;
                }
                if let Some(kept) = keep_paths(child, &sub) {
                    out.insert(key.clone(), kept);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|item| keep_paths(item, paths).or_else(|| item.is_object().then(|| Value::Object(Map::new()))))
                .collect(),
        )),
        // A path that goes on below a scalar names nothing.
        _ => None,
    }
}

/// Removes what `path` names from `value` (arrays crossed, `*` = every key).
fn remove_path(value: &mut Value, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    match value {
        Value::Object(map) => {
            if rest.is_empty() {
                if *first == "*" {
                    map.clear();
                } else {
                    map.shift_remove(*first);
                }
            } else {
                for (key, child) in map.iter_mut() {
                    if matches(first, key) {
                        remove_path(child, rest);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                remove_path(item, path);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(value: Value, fields: &[&str]) -> Value {
        apply(value.to_string(), fields.iter().copied()).parse().unwrap()
    }

    #[test]
    fn parsing() {
        let e = parse(["a.b, +c", " d", "-e.*", "", "f..g", "+"]);
        assert_eq!(
            e,
            vec![(Op::Restrict, vec!["a", "b"]), (Op::Add, vec!["c"]), (Op::Add, vec!["d"]), (Op::Remove, vec!["e", "*"]),]
        );
    }

    #[test]
    fn pruning_keeps_key_order() {
        let v = json!({"z": 1, "a": {"y": 2, "b": 3, "x": 4}, "m": 5});
        let out = apply(v.to_string(), ["m,a.x,a.y,z"]);
        assert_eq!(out, r#"{"z":1,"a":{"y":2,"x":4},"m":5}"#);
    }

    #[test]
    fn nothing_to_prune_returns_the_body_as_is() {
        let body = "{ \"a\" : 1 }".to_string();
        assert_eq!(apply(body.clone(), ["+values.participants"]), body);
        assert_eq!(apply(body.clone(), Vec::<&str>::new()), body);
        assert_eq!(apply("not json".to_string(), ["a"]), "not json");
    }

    #[test]
    fn scalars_and_missing_parents() {
        let v = json!({"values": [{"id": 1, "author": {"raw": "x"}}, {"id": 2, "author": {"raw": "y", "user": {"uuid": "u"}}}], "n": 3});
        assert_eq!(run(v.clone(), &["values.author.user.uuid"]), json!({"values": [{}, {"author": {"user": {"uuid": "u"}}}]}));
        assert_eq!(run(v.clone(), &["n.deeper"]), json!({}));
        assert_eq!(
            run(v, &["-values.author.user", "-n.deeper", "-nope"]),
            json!({"values": [{"id": 1, "author": {"raw": "x"}}, {"id": 2, "author": {"raw": "y"}}], "n": 3})
        );
    }
}
