//! Small self-contained helpers: a splitmix64 PRNG, base64, percent-decoding,
//! RFC 3339 timestamps and HTML escaping. No external crates.

// ---------------------------------------------------------------- PRNG

/// One step of splitmix64: advances `state` and returns the next output.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a tuple of integers (seed, object kind, indexes…) into one u64.
pub fn mix(parts: &[u64]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3_u64;
    for &p in parts {
        let mut s = h ^ p;
        h = splitmix64(&mut s);
    }
    h
}

/// A deterministic generator seeded from `mix(parts)`.
pub struct Rng(u64);

impl Rng {
    pub fn new(parts: &[u64]) -> Rng {
        Rng(mix(parts))
    }
    pub fn next_u64(&mut self) -> u64 {
        splitmix64(&mut self.0)
    }
    /// Uniform in `0..n` (n > 0; the tiny modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// Uniform in `lo..hi` (hi > lo).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(1) as u64) as i64
    }
    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A deterministic brace-wrapped v4-style UUID, as Bitbucket writes them: `{9f1c…}`.
pub fn uuid(parts: &[u64]) -> String {
    let mut rng = Rng::new(parts);
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{{{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}}}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// A deterministic 40-hex-digit git object name.
pub fn sha1_like(parts: &[u64]) -> String {
    let mut rng = Rng::new(parts);
    let s = format!("{:016x}{:016x}{:016x}", rng.next_u64(), rng.next_u64(), rng.next_u64());
    s[..40].to_string()
}

// ---------------------------------------------------------------- base64

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 decoding; padding optional, surrounding whitespace trimmed.
/// Returns `None` for any invalid character or impossible length.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------- URLs

/// Decodes `%XX` escapes in a path segment (`+` stays a plus). Invalid escapes
/// are kept verbatim; invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------- time

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn rfc3339_parts(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", sod / 3600, sod / 60 % 60, sod % 60)
}

/// `2026-03-04T10:22:31.123456+00:00` (Bitbucket's style for PRs and repositories).
pub fn rfc3339_micros(micros: i64) -> String {
    format!("{}.{:06}+00:00", rfc3339_parts(micros.div_euclid(1_000_000)), micros.rem_euclid(1_000_000))
}

/// `2026-03-04T10:22:31+00:00` (git commit dates have whole seconds).
pub fn rfc3339_secs(secs: i64) -> String {
    format!("{}+00:00", rfc3339_parts(secs))
}

/// Parses an instant as BBQL and Bitbucket write them: `2026-05-01` (midnight
/// UTC), `2026-05-01T10:00`, `2026-05-01T10:00:00`, with optional fraction and
/// optional offset (`Z`, `+02:00`, `-0530`; none means UTC). Returns microseconds
/// since the epoch.
pub fn parse_instant(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut micros = days_from_civil(y, mo as u32, d as u32) * 86_400_000_000;
    if b.len() == 10 {
        return Some(micros);
    }
    if !matches!(b[10], b'T' | b't') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (h, mi) = (num(11, 2)?, num(14, 2)?);
    let mut i = 16;
    let mut sec = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let frac = &s[start..i];
            if frac.is_empty() {
                return None;
            }
            let padded: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
            micros += padded.parse::<i64>().ok()?;
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    micros += ((h * 60 + mi) * 60 + sec) * 1_000_000;
    let offset_min = match &s[i..] {
        "" | "Z" | "z" => 0,
        rest => {
            let rb = rest.as_bytes();
            let sign = match rb[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = match rb.len() {
                6 if rb[3] == b':' => (num(i + 1, 2)?, num(i + 4, 2)?),
                5 => (num(i + 1, 2)?, num(i + 3, 2)?),
                3 => (num(i + 1, 2)?, 0),
                _ => return None,
            };
            sign * (oh * 60 + om)
        }
    };
    Some(micros - offset_min * 60_000_000)
}

// ---------------------------------------------------------------- text

pub fn html_escape(s: &str) -> String {
    if !s.bytes().any(|b| matches!(b, b'&' | b'<' | b'>' | b'"')) {
        return s.to_string(); // the common case, kept cheap for unoptimised builds
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// A crude markdown rendering: paragraphs split on blank lines.
pub fn render_markdown(raw: &str) -> String {
    raw.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", html_escape(p).replace('\n', "<br>\n")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `"Login flow"` → `"login-flow"`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_known_values() {
        assert_eq!(base64_encode(b"demo@example.com:demo-api-token"), "ZGVtb0BleGFtcGxlLmNvbTpkZW1vLWFwaS10b2tlbg==");
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "a:b\u{e9}"] {
            assert_eq!(base64_decode(&base64_encode(s.as_bytes())).unwrap(), s.as_bytes());
        }
        assert_eq!(base64_decode("Zm9vYg").unwrap(), b"foob"); // unpadded
        assert!(base64_decode("Zm9v!").is_none());
        assert!(base64_decode("Z").is_none());
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_secs(0), "1970-01-01T00:00:00+00:00");
        let t = days_from_civil(2026, 3, 4) * 86_400 + 10 * 3600 + 22 * 60 + 31;
        assert_eq!(rfc3339_micros(t * 1_000_000 + 123_456), "2026-03-04T10:22:31.123456+00:00");
        assert_eq!(rfc3339_secs(days_from_civil(2024, 2, 29) * 86_400), "2024-02-29T00:00:00+00:00");
        assert_eq!(rfc3339_secs(days_from_civil(2000, 12, 31) * 86_400 + 86_399), "2000-12-31T23:59:59+00:00");
    }

    #[test]
    fn misc() {
        assert_eq!(percent_decode("%7Babc%7D+x%2"), "{abc}+x%2");
        assert_eq!(slugify("Fix: the \"CSV\" export!"), "fix-the-csv-export");
        let u = uuid(&[1, 2]);
        assert_eq!(u.len(), 38);
        assert!(u.starts_with('{') && u.ends_with('}'));
        assert_eq!(sha1_like(&[1]).len(), 40);
    }

    #[test]
    fn instants() {
        let day = days_from_civil(2026, 5, 1) * 86_400_000_000;
        assert_eq!(parse_instant("2026-05-01"), Some(day));
        for s in [
            "2026-05-01T00:00:00+00:00",
            "2026-05-01T00:00:00Z",
            "2026-05-01T00:00",
            "2026-05-01T02:00:00.000000+02:00",
            "2026-04-30T19:00:00-0500",
        ] {
            assert_eq!(parse_instant(s), Some(day), "{s}");
        }
        assert_eq!(parse_instant("2026-05-01T00:00:00.5Z"), Some(day + 500_000));
        assert_eq!(parse_instant(&rfc3339_micros(day / 1000 * 1000 + 123_456)), Some(day + 123_456));
        for bad in ["2026-13-01", "2026-05-01T", "yesterday", "2026-05-01T00:00:00+0", "2026-05-01 00:00"] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }
}
