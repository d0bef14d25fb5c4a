//! Text for a person's terminal. Everything the guest wrote (report ids,
//! titles, column names, cells, error messages) is untrusted: an escape
//! sequence in it could retitle the window, clear the screen, move the
//! cursor over earlier output, or reverse the text that follows. Every
//! human-facing line goes through [`printable`]; machine formats (JSONL,
//! CSV, SQLite) keep the text exact instead.

use std::borrow::Cow;

/// `text` with every character a terminal would act on made visible:
/// C0 controls and DEL as `\xNN` (so ESC is `\x1b`, a line break `\x0a`),
/// C1 controls and the invisible bidi and line-layout characters
/// (U+061C, U+200E-U+200F, U+202A-U+202E, U+2028-U+2029, U+2066-U+2069)
/// as `\u{NNNN}`. Borrowed, untouched, when there is none.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// Whether a terminal would act on `c` rather than show it.
fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL and C1
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_untouched() {
        let text = "Pull requests — état, 数据 ⏎ ok";
        assert!(matches!(printable(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn every_control_and_bidi_override_is_made_visible() {
        let hostile = "\x1b]0;pwned\x07\x1b[2J\r\u{202e}\u{9b}31m\x7f\n\t\0end";
        let shown = printable(hostile);
        assert_eq!(shown, "\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\u{202e}\\u{009b}31m\\x7f\\x0a\\x09\\x00end");
        assert!(!shown.chars().any(is_unsafe), "{shown}");
        for c in (0u32..0x20).chain(0x7f..0xa0) {
            let c = char::from_u32(c).unwrap();
            assert!(!printable(&c.to_string()).contains(c), "{:?}", c);
        }
        for c in ['\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202d}', '\u{2066}', '\u{2069}', '\u{2028}'] {
            assert!(!printable(&format!("a{c}b")).contains(c), "{:?}", c);
        }
    }
}
