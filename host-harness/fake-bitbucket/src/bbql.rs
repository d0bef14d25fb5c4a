//! A tiny BBQL (`q=`) parser and evaluator.
//!
//! Grammar: `expr := and (OR and)*`, `and := term (AND term)*`,
//! `term := '(' expr ')' | field op value | field [NOT] IN '(' value, … ')'`;
//! `op` is one of `= != ~ !~ > >= < <=` (spaces around it optional), keywords
//! are case-insensitive. Values: `"quoted"` (or `'quoted'`) strings, `true`,
//! `false`, `null`, numbers, and unquoted ISO dates / datetimes (a date alone
//! means midnight UTC; a `+` of an offset that arrived decoded as a space is
//! put back). Datetimes are compared as instants, also against quoted strings.
//! A field is a dotted path (`target.date`); arrays along the path match if
//! any element matches (`!=`, `!~` and `NOT IN` if none does).

use serde_json::Value;

use crate::api::ApiError;
use crate::util::parse_instant;

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// Microseconds since the epoch.
    Time(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp { field: String, op: Op, value: Lit },
    In { field: String, values: Vec<Lit>, negated: bool },
}

/// A field value of one object, as the evaluator sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Time(i64),
}

/// Parses `q`. Every field's first path segment must be in `allowed`,
/// otherwise 400 `Invalid field name: X`; syntax errors are 400 too.
pub fn parse(q: &str, allowed: &[&str]) -> Result<Expr, ApiError> {
    let text = restore_plus(q);
    let tokens = tokenize(&text)?;
    let mut p = Parser { tokens, pos: 0, allowed };
    let expr = p.or()?;
    match p.peek() {
        None => Ok(expr),
        Some(t) => Err(syntax(&format!("unexpected {}", t.describe()))),
    }
}

fn syntax(detail: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid query: {detail}"))
}

impl Expr {
    /// Evaluates against one object; `get(path)` returns every value found
    /// at the dotted path (empty when absent, which counts as `null`).
    pub fn eval(&self, get: &mut dyn FnMut(&str) -> Vec<Val>) -> bool {
        match self {
            Expr::And(a, b) => a.eval(get) && b.eval(get),
            Expr::Or(a, b) => a.eval(get) || b.eval(get),
            Expr::Cmp { field, op, value } => {
                let mut vals = get(field);
                if vals.is_empty() {
                    vals.push(Val::Null);
                }
                match op {
                    Op::Ne => !vals.iter().any(|v| compare(v, Op::Eq, value)),
                    Op::NotLike => !vals.iter().any(|v| compare(v, Op::Like, value)),
                    _ => vals.iter().any(|v| compare(v, *op, value)),
                }
            }
            Expr::In { field, values, negated } => {
                let mut vals = get(field);
                if vals.is_empty() {
                    vals.push(Val::Null);
                }
                let hit = vals.iter().any(|v| values.iter().any(|l| compare(v, Op::Eq, l)));
                hit != *negated
            }
        }
    }

    /// Evaluates against a JSON object (dotted paths, arrays flattened).
    pub fn matches_json(&self, object: &Value) -> bool {
        self.eval(&mut |path| json_values(object, path))
    }
}

/// Every value at `path` in `object`, arrays along the way flattened.
pub fn json_values(object: &Value, path: &str) -> Vec<Val> {
    let mut current: Vec<&Value> = vec![object];
    for seg in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(m) => {
                    if let Some(x) = m.get(seg) {
                        next.push(x);
                    }
                }
                Value::Array(items) => {
                    for item in items {
                        if let Some(x) = item.get(seg) {
                            next.push(x);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    let mut out = Vec::new();
    for v in current {
        match v {
            Value::Array(items) => out.extend(items.iter().map(to_val)),
            v => out.push(to_val(v)),
        }
    }
    out
}

fn to_val(v: &Value) -> Val {
    match v {
        Value::String(s) => Val::Str(s.clone()),
        Value::Number(n) => Val::Num(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => Val::Bool(*b),
        Value::Null => Val::Null,
        // Objects and arrays compare to nothing but "not null".
        _ => Val::Str(String::new()),
    }
}

fn order(op: Op, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => ord == Equal,
        Op::Ne => ord != Equal,
        Op::Gt => ord == Greater,
        Op::Ge => ord != Less,
        Op::Lt => ord == Less,
        Op::Le => ord != Greater,
        Op::Like | Op::NotLike => false,
    }
}

fn compare(v: &Val, op: Op, lit: &Lit) -> bool {
    if matches!(op, Op::Like | Op::NotLike) {
        let hit = match (v, lit) {
            (Val::Str(s), Lit::Str(l)) => s.to_lowercase().contains(&l.to_lowercase()),
            _ => false,
        };
        return hit == (op == Op::Like);
    }
    let time_of = |v: &Val| match v {
        Val::Time(t) => Some(*t),
        Val::Str(s) => parse_instant(s),
        _ => None,
    };
    match (v, lit) {
        (_, Lit::Null) => order(op, (matches!(v, Val::Null) as u8).cmp(&1)),
        (Val::Null, _) => op == Op::Ne,
        (_, Lit::Time(t)) => match time_of(v) {
            Some(x) => order(op, x.cmp(t)),
            None => op == Op::Ne,
        },
        (Val::Time(x), Lit::Str(s)) => match parse_instant(s) {
            Some(t) => order(op, x.cmp(&t)),
            None => op == Op::Ne,
        },
        (Val::Str(s), Lit::Str(l)) => {
            if op != Op::Eq && op != Op::Ne {
                if let (Some(a), Some(b)) = (parse_instant(s), parse_instant(l)) {
                    return order(op, a.cmp(&b));
                }
            }
            order(op, s.as_str().cmp(l.as_str()))
        }
        (Val::Num(x), Lit::Num(n)) => x.partial_cmp(n).is_some_and(|o| order(op, o)),
        (Val::Bool(x), Lit::Bool(b)) => order(op, x.cmp(b)),
        _ => op == Op::Ne,
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    Op(Op),
    /// A quoted string.
    Str(String),
    /// Anything else: a field name, keyword, number, date or `true`/`false`/`null`.
    Word(String),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Op(op) => format!("operator {op:?}"),
            Tok::Str(s) => format!("string \"{s}\""),
            Tok::Word(w) => format!("'{w}'"),
        }
    }
}

const SPECIAL: &[u8] = b"()=!<>~,\"'";

fn tokenize(q: &str) -> Result<Vec<Tok>, ApiError> {
    let b = q.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            _ if c.is_ascii_whitespace() => i += 1,
            b'(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            b')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            b',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            b'"' | b'\'' => {
                let mut s = String::new();
                let mut j = i + 1;
                let mut chars = q[j..].char_indices();
                let mut closed = false;
                while let Some((k, ch)) = chars.next() {
                    if ch == '\\' {
                        if let Some((_, esc)) = chars.next() {
                            s.push(esc);
                        }
                    } else if ch as u32 == u32::from(c) {
                        j += k + 1;
                        closed = true;
                        break;
                    } else {
                        s.push(ch);
                    }
                }
                if !closed {
                    return Err(syntax("unterminated string"));
                }
                out.push(Tok::Str(s));
                i = j;
            }
            b'=' | b'!' | b'<' | b'>' | b'~' => {
                let next = b.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    (b'!', Some(b'=')) => (Op::Ne, 2),
                    (b'!', Some(b'~')) => (Op::NotLike, 2),
                    (b'>', Some(b'=')) => (Op::Ge, 2),
                    (b'<', Some(b'=')) => (Op::Le, 2),
                    (b'=', _) => (Op::Eq, 1),
                    (b'>', _) => (Op::Gt, 1),
                    (b'<', _) => (Op::Lt, 1),
                    (b'~', _) => (Op::Like, 1),
                    _ => return Err(syntax("unexpected '!'")),
                };
                out.push(Tok::Op(op));
                i += len;
            }
            _ => {
                let start = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && !SPECIAL.contains(&b[i]) {
                    i += 1;
                }
                out.push(Tok::Word(q[start..i].to_string()));
            }
        }
    }
    Ok(out)
}

/// `updated_on>=2026-05-01T00:00:00+00:00` sent with an unencoded `+`
/// arrives as `…T00:00:00 00:00`: put the `+` back.
fn restore_plus(q: &str) -> String {
    let b = q.as_bytes();
    let mut out = String::with_capacity(q.len());
    let mut last = 0;
    for i in 0..b.len() {
        if b[i] != b' ' {
            continue;
        }
        let word_start = b[..i].iter().rposition(|c| c.is_ascii_whitespace() || SPECIAL.contains(c)).map_or(0, |p| p + 1);
        let word = &q[word_start..i];
        let tail = &b[i + 1..];
        let offset_follows = tail.len() >= 5
            && tail[..2].iter().all(u8::is_ascii_digit)
            && tail[2] == b':'
            && tail[3..5].iter().all(u8::is_ascii_digit)
            && tail.get(5).is_none_or(|c| c.is_ascii_whitespace() || *c == b')');
        if offset_follows && word.len() > 10 && word.contains('T') && parse_instant(word).is_some() {
            out.push_str(&q[last..i]);
            out.push('+');
            last = i + 1;
        }
    }
    out.push_str(&q[last..]);
    out
}

// ---------------------------------------------------------------- parser

struct Parser<'a> {
    tokens: Vec<Tok>,
    pos: usize,
    allowed: &'a [&'a str],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn or(&mut self) -> Result<Expr, ApiError> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ApiError> {
        let mut left = self.term()?;
        while self.keyword("AND") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, ApiError> {
        match self.next() {
            Some(Tok::LParen) => {
                let e = self.or()?;
                match self.next() {
                    Some(Tok::RParen) => Ok(e),
                    _ => Err(syntax("missing ')'")),
                }
            }
            Some(Tok::Word(field)) => {
                let valid_name =
                    field.split('.').all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
                let head = field.split('.').next().unwrap_or("");
                if !valid_name || !self.allowed.contains(&head) {
                    return Err(ApiError::bad_request(format!("Invalid field name: {field}")));
                }
                let negated = self.keyword("NOT");
                if negated {
                    self.pos += 1;
                }
                if self.keyword("IN") {
                    self.pos += 1;
                    return self.list(field, negated);
                }
                if negated {
                    return Err(syntax("expected IN after NOT"));
                }
                match self.next() {
                    Some(Tok::Op(op)) => {
                        let value = self.value()?;
                        Ok(Expr::Cmp { field, op, value })
                    }
                    other => Err(syntax(&format!(
                        "expected an operator after '{field}', found {}",
                        other.map_or("the end".to_string(), |t| t.describe())
                    ))),
                }
            }
            Some(t) => Err(syntax(&format!("unexpected {}", t.describe()))),
            None => Err(syntax("unexpected end of query")),
        }
    }

    fn list(&mut self, field: String, negated: bool) -> Result<Expr, ApiError> {
        if self.next() != Some(Tok::LParen) {
            return Err(syntax("expected '(' after IN"));
        }
        let mut values = vec![self.value()?];
        loop {
            match self.next() {
                Some(Tok::Comma) => values.push(self.value()?),
                Some(Tok::RParen) => break,
                _ => return Err(syntax("expected ',' or ')' in a list")),
            }
        }
        Ok(Expr::In { field, values, negated })
    }

    fn value(&mut self) -> Result<Lit, ApiError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Word(w)) => {
                if w.eq_ignore_ascii_case("true") {
                    Ok(Lit::Bool(true))
                } else if w.eq_ignore_ascii_case("false") {
                    Ok(Lit::Bool(false))
                } else if w.eq_ignore_ascii_case("null") {
                    Ok(Lit::Null)
                } else if let Some(t) = parse_instant(&w) {
                    Ok(Lit::Time(t))
                } else if let Ok(n) = w.parse::<f64>() {
                    Ok(Lit::Num(n))
                } else {
                    Err(syntax(&format!("invalid value '{w}'")))
                }
            }
            other => Err(syntax(&format!("expected a value, found {}", other.map_or("the end".to_string(), |t| t.describe())))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const F: &[&str] = &["state", "updated_on", "is_private", "size", "target", "name"];

    fn m(q: &str, v: &Value) -> bool {
        parse(q, F).unwrap().matches_json(v)
    }

    #[test]
    fn parses_and_evaluates() {
        let pr = json!({"state": "OPEN", "updated_on": "2026-05-02T10:00:00.123456+00:00",
            "is_private": false, "size": 12, "name": "Feature X",
            "target": {"date": "2026-04-30T23:00:00-02:00", "parents": [{"hash": "a"}, {"hash": "b"}]}});
        assert!(m("state = \"OPEN\"", &pr));
        assert!(m("state=\"OPEN\"", &pr));
        assert!(!m("state != \"OPEN\"", &pr));
        assert!(m("is_private = false", &pr) && m("is_private=false", &pr));
        assert!(m("updated_on >= 2026-05-01T00:00:00+00:00", &pr));
        assert!(m("updated_on>=2026-05-02", &pr));
        assert!(!m("updated_on > 2026-05-02T10:00:00.5Z", &pr));
        assert!(m("updated_on >= \"2026-05-01\"", &pr));
        // `+` decoded to a space by form decoding.
        assert!(m("updated_on >= 2026-05-02T12:00:00 02:00", &pr));
        // 2026-04-30T23:00-02:00 is 2026-05-01T01:00Z.
        assert!(m("target.date >= 2026-05-01T00:30:00Z", &pr));
        assert!(m("target.parents.hash = \"b\"", &pr));
        assert!(!m("target.parents.hash != \"b\"", &pr));
        assert!(m("name ~ \"feature\"", &pr) && m("name !~ \"bug\"", &pr));
        assert!(m("size > 10 AND size <= 12", &pr));
        assert!(m("(state = \"MERGED\" OR state = \"OPEN\") AND updated_on >= 2026-01-01", &pr));
        assert!(!m("state = \"MERGED\" OR state = \"DECLINED\" and size = 12", &pr));
        assert!(m("state IN (\"MERGED\", \"OPEN\")", &pr));
        assert!(m("state not in (\"MERGED\")", &pr));
        assert!(m("size = null", &json!({})) && !m("size != null", &json!({})));
        assert!(!m("size > 3", &json!({})) && m("size != 3", &json!({})));
        assert!(m("name != null", &pr));
    }

    #[test]
    fn errors() {
        let e = parse("nope = 1", F).unwrap_err();
        assert_eq!((e.status, e.message.as_str()), (400, "Invalid field name: nope"));
        let e = parse("state = \"OPEN\" AND title ~ \"x\"", F).unwrap_err();
        assert_eq!(e.message, "Invalid field name: title");
        for bad in ["state =", "(state = \"OPEN\"", "state \"OPEN\"", "state = \"OPEN", "= 1", "state = yesterday", ""] {
            let e = parse(bad, F).unwrap_err();
            assert_eq!(e.status, 400, "{bad}");
        }
    }
}
