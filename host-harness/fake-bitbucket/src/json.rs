//! A tiny streaming JSON writer. API objects are written straight to text
//! (no intermediate `serde_json::Value` with hundreds of small allocations),
//! which keeps listing 100,000 objects cheap even in unoptimised test builds.
//!
//! ```ignore
//! let text = object(|o| {
//!     o.str("type", "commit").num("size", 3).null("parent");
//!     o.obj("links", |l| { l.href("self", "https://…"); });
//! });
//! ```

use std::fmt::Write;

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    // Fast path (this also runs unoptimised in test builds): most strings need no escaping.
    let mut clean = true;
    for &b in s.as_bytes() {
        if b < 0x20 || b == b'"' || b == b'\\' {
            clean = false;
            break;
        }
    }
    if clean {
        out.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// Appends `s` quoted, without escaping: only for text that cannot contain
/// `"`, `\` or control characters (URLs we build, hashes, UUIDs, timestamps).
fn write_plain(out: &mut String, s: &str) {
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// Writes one JSON object and returns its text.
pub fn object(f: impl FnOnce(&mut Obj)) -> String {
    let mut out = String::with_capacity(1024);
    write_object(&mut out, f);
    out
}

pub fn write_object(out: &mut String, f: impl FnOnce(&mut Obj)) {
    out.push('{');
    f(&mut Obj { out: &mut *out, empty: true });
    out.push('}');
}

/// The members of an object being written.
pub struct Obj<'a> {
    out: &'a mut String,
    empty: bool,
}

impl Obj<'_> {
    /// Keys are always plain ASCII literals.
    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_plain(self.out, key);
        self.out.push(':');
        self.out
    }

    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        let out = self.key(key);
        write_str(out, value);
        self
    }

    /// A string that needs no escaping (no `"`, `\\` or control characters):
    /// URLs built from slugs, hashes, UUIDs, timestamps, enum values.
    pub fn plain(&mut self, key: &str, value: &str) -> &mut Self {
        let out = self.key(key);
        write_plain(out, value);
        self
    }

    /// A string, or `null` for `None`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.str(key, v),
            None => self.null(key),
        }
    }

    pub fn num(&mut self, key: &str, value: u64) -> &mut Self {
        let out = self.key(key);
        let _ = write!(out, "{value}");
        self
    }

    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    pub fn null(&mut self, key: &str) -> &mut Self {
        self.key(key).push_str("null");
        self
    }

    /// Already-serialised JSON (e.g. a cached account object).
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    pub fn obj(&mut self, key: &str, f: impl FnOnce(&mut Obj)) -> &mut Self {
        let out = self.key(key);
        write_object(out, f);
        self
    }

    /// An array of already-serialised JSON values.
    pub fn raw_array<S: AsRef<str>>(&mut self, key: &str, items: &[S]) -> &mut Self {
        let out = self.key(key);
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(item.as_ref());
        }
        out.push(']');
        self
    }

    /// Bitbucket's link shape: `"key": {"href": url}`.
    pub fn href(&mut self, key: &str, url: &str) -> &mut Self {
        self.obj(key, |l| {
            l.plain("href", url);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn writes_valid_json() {
        let text = object(|o| {
            o.str("s", "a \"q\", b\\c\nd\r\te\u{1}f ✨ Zoë").plain("p", "https://x").num("n", 42).bool("t", true).null("z");
            o.opt_str("none", None).opt_str("some", Some(""));
            o.obj("o", |i| {
                i.href("self", "https://x/y?a=1&b=2");
            });
            o.raw("r", "[1,2]").raw_array("a", &["{}", "3"]).raw_array::<&str>("e", &[]);
            o.obj("empty", |_| {});
        });
        let v: Value = text.parse().unwrap();
        assert_eq!(
            v,
            json!({
                "s": "a \"q\", b\\c\nd\r\te\u{1}f ✨ Zoë", "p": "https://x", "n": 42, "t": true, "z": null,
                "none": null, "some": "", "o": {"self": {"href": "https://x/y?a=1&b=2"}},
                "r": [1, 2], "a": [{}, 3], "e": [], "empty": {}
            })
        );
    }
}
