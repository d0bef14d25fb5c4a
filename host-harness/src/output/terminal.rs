//! Text for a person's terminal. Everything the guest wrote (report ids,
//! titles, column names, cells, error messages) is untrusted: an escape
//! sequence in it could retitle the window, clear the screen, move the
//! cursor over earlier output, or reverse the text that follows. Every
//! human-facing line goes through [`printable`]; machine formats (JSONL,
//! CSV, SQLite) keep the text exact instead. [`table_width`] is how wide a
//! line on stdout may be.

use std::borrow::Cow;
use std::io::IsTerminal;

/// The width, in display columns, the table on stdout fits: `COLUMNS` if it
/// is a positive number, else the width of the terminal stdout is, else
/// `None` (a pipe or a file: no limit).
pub fn table_width() -> Option<usize> {
    columns_var(std::env::var("COLUMNS").ok().as_deref()).or_else(stdout_terminal_width)
}

/// `COLUMNS` as a width: a positive number, else none.
fn columns_var(value: Option<&str>) -> Option<usize> {
    value?.trim().parse().ok().filter(|&n| n > 0)
}

/// The width of the terminal stdout is, if it is one (ioctl `TIOCGWINSZ`).
#[allow(unsafe_code)]
fn stdout_terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let mut size = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one `winsize` through its pointer, which
    // points at a live, writable `winsize` on this stack; stdout (fd 1) is
    // only queried, not changed.
    let status = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (status == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

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
    fn columns_is_a_width_only_when_it_is_a_positive_number() {
        assert_eq!(columns_var(Some("80")), Some(80));
        assert_eq!(columns_var(Some(" 132\n")), Some(132));
        for not_a_width in [None, Some(""), Some("0"), Some("-5"), Some("wide"), Some("80x")] {
            assert_eq!(columns_var(not_a_width), None, "{not_a_width:?}");
        }
    }

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
