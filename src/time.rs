//! Just enough calendar arithmetic for the date parameters: RFC 3339 to
//! Unix seconds and back (UTC), and "now" from the host's wall clock.

/// Seconds since the Unix epoch for an RFC 3339 timestamp or a plain date
/// (`YYYY-MM-DD`, midnight UTC). `None` if it is neither.
pub fn parse(s: &str) -> Option<i64> {
    let owned;
    let s = if s.len() == 10 {
        owned = format!("{s}T00:00:00Z");
        owned.as_str()
    } else {
        s
    };
    if !crate::cells::is_rfc3339(s) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset = match s.rfind(['+', '-']).filter(|&i| i >= 19) {
        Some(i) => {
            let sign = if &s[i..=i] == "-" { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60)
        }
        None => 0,
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// An instant to the nanosecond (Bitbucket's timestamps carry microseconds):
/// `(seconds since the Unix epoch, nanoseconds)`, ordered.
pub type Instant = (i64, u32);

/// Like [`parse`], keeping the fraction of a second.
pub fn parse_precise(s: &str) -> Option<Instant> {
    let seconds = parse(s)?;
    let digits: String = s
        .get(19..)
        .and_then(|rest| rest.strip_prefix('.'))
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default();
    let nanos = format!("{digits:0<9}")[..9].parse().unwrap_or(0);
    Some((seconds, nanos))
}

/// Like [`parse_precise`], for a timestamp the API wrote: one without an
/// offset is UTC (see [`crate::cells::normalize_timestamp`]).
pub fn parse_api(s: &str) -> Option<Instant> {
    parse_precise(&crate::cells::normalize_timestamp(s)?)
}

/// `YYYY-MM-DDTHH:MM:SS+00:00` for Unix seconds.
pub fn format_utc(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// `YYYY-MM-DDTHH:MM:SS.mmm+00:00` for epoch milliseconds, as Data Center
/// writes its dates.
pub fn format_millis(ms: i64) -> String {
    let utc = format_utc(ms.div_euclid(1000));
    format!("{}.{:03}+00:00", &utc[..19], ms.rem_euclid(1000))
}

/// A date as the API wrote it: an RFC 3339 string (Cloud; one without an
/// offset is UTC) or epoch milliseconds (Data Center). The instant, and
/// the text a timestamp cell or checkpoint carries.
pub fn api_date(value: &serde_json::Value) -> Option<(Instant, String)> {
    let text = match value {
        serde_json::Value::String(s) => crate::cells::normalize_timestamp(s)?,
        serde_json::Value::Number(n) => format_millis(n.as_i64()?),
        _ => return None,
    };
    Some((parse_precise(&text)?, text))
}

/// Now, in Unix seconds, from the host's wall clock.
pub fn now() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        wasi::clocks::wall_clock::now().seconds as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
    }
}

// Howard Hinnant's days-from-civil and its inverse (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("2026-11-23"), Some(1_795_392_000));
        assert_eq!(parse("2026-11-23T01:00:00+01:00"), Some(1_795_392_000));
        assert_eq!(parse("2026-11-22T19:00:00.999-05:00"), Some(1_795_392_000));
        assert_eq!(parse("2024-02-29T12:00:00Z"), Some(1_709_208_000));
        assert_eq!(parse("2026-13-01"), None);
        assert_eq!(parse("yesterday"), None);
    }

    #[test]
    fn api_timestamps_without_an_offset_are_utc() {
        assert_eq!(parse_api("2021-04-02T14:25:58.600"), Some((1_617_373_558, 600_000_000)));
        assert_eq!(parse_api("2021-04-02 14:25:58"), Some((1_617_373_558, 0)));
        assert_eq!(parse_api("2021-04-02T14:25:58.600+00:00"), Some((1_617_373_558, 600_000_000)));
        assert_eq!(parse_api("2021-04-02T16:25:58.600+02:00"), Some((1_617_373_558, 600_000_000)));
        assert_eq!(parse_api("2021-04-02"), None);
        // Parameters stay strict: an offset is required there.
        assert_eq!(parse("2021-04-02T14:25:58"), None);
    }

    #[test]
    fn format_round_trips() {
        for s in
            ["1970-01-01T00:00:00+00:00", "2024-02-29T12:00:00+00:00", "2026-11-23T23:59:59+00:00", "1999-12-31T00:00:01+00:00"]
        {
            assert_eq!(format_utc(parse(s).unwrap()), s);
        }
    }
}
