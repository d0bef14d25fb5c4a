//! The paginated envelope, written once for every list endpoint.
//!
//! Three styles, as in Bitbucket:
//! * [`Style::Numbered`] (list-based): `{"size","page","pagelen","next","previous","values"}`,
//!   `page=N` is 1-based random access, a page past the end has empty `values`.
//! * [`Style::Iterator`] (e.g. commits): `{"pagelen","values","next"}` only; `next`
//!   carries an opaque 16-hex-digit `page` token that always contains a letter.
//! * [`Style::All`] (pipeline steps): everything on one page, `pagelen`/`page` ignored.
//!
//! `next`/`previous` are absolute URLs built from the request: same path, every
//! query parameter kept in order (repeated keys too), `page` replaced.

use std::ops::Range;

use crate::api::{ApiError, ApiRequest, ApiResult};
use crate::json::object;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Numbered,
    Iterator,
    /// Every item on one page whatever `pagelen` and `page` say (pipeline
    /// steps): `{"page":1,"pagelen":N,"size":N,"values"}` with N items, no `next`.
    All,
}

/// Pagination rules of one endpoint family.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub style: Style,
    pub default_len: usize,
    pub max_len: usize,
}

/// Generic list endpoints (`/repositories/{workspace}`, …): pagelen 1-100, default 10.
pub const LIST: Paging = Paging { style: Style::Numbered, default_len: 10, max_len: 100 };
/// `…/pullrequests`: pagelen 1-50, default 10.
pub const PULL_REQUESTS: Paging = Paging { style: Style::Numbered, default_len: 10, max_len: 50 };
/// `…/commits`: iterator pagination, pagelen 1-100, default 30 (Bitbucket's default for commits).
pub const COMMITS: Paging = Paging { style: Style::Iterator, default_len: 30, max_len: 100 };

/// `…/pipelines`, `…/pullrequests/{id}/comments`: pagelen 1-100, default 10.
pub const PIPELINES: Paging = LIST;
/// `…/pipelines/{uuid}/steps`: pagelen and page ignored.
pub const STEPS: Paging = Paging { style: Style::All, default_len: 10, max_len: 100 };
/// `…/pullrequests[/{id}]/activity`: iterator pagination, pagelen 1-100, default 50.
pub const ACTIVITY: Paging = Paging { style: Style::Iterator, default_len: 50, max_len: 100 };

/// Builds one page of a collection of `total` items. `fetch` receives the index
/// range of the items on this page (clamped to `0..total`) and returns them as
/// serialised JSON objects.
pub fn paginate(req: &ApiRequest, paging: Paging, total: usize, fetch: impl FnOnce(Range<usize>) -> Vec<String>) -> ApiResult {
    if paging.style == Style::All {
        let values = fetch(0..total);
        return Ok(object(|o| {
            o.num("page", 1)
                .num("pagelen", values.len().max(1) as u64)
                .num("size", values.len() as u64)
                .raw_array("values", &values);
        }));
    }
    let pagelen = match req.param("pagelen") {
        None => paging.default_len,
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if (1..=paging.max_len).contains(&n) => n,
            _ => return Err(ApiError::bad_request("Invalid pagelen")),
        },
    };
    let page_param = req.param("page");

    let body = match paging.style {
        Style::Numbered => {
            let page = match page_param {
                None => 1,
                Some(s) => match s.trim().parse::<usize>() {
                    Ok(n) if n >= 1 => n,
                    _ => return Err(ApiError::bad_request("Invalid page")),
                },
            };
            let start = (page - 1).saturating_mul(pagelen);
            let end = start.saturating_add(pagelen);
            let values = fetch(start.min(total)..end.min(total));
            object(|o| {
                o.num("size", total as u64).num("page", page as u64).num("pagelen", pagelen as u64);
                if end < total {
                    o.str("next", &req.url_with_page(&(page + 1).to_string()));
                }
                if page > 1 {
                    o.str("previous", &req.url_with_page(&(page - 1).to_string()));
                }
                o.raw_array("values", &values);
            })
        }
        Style::All => unreachable!("handled above"),
        Style::Iterator => {
            let start = match page_param {
                None => 0,
                Some(token) => decode_token(token).ok_or_else(|| ApiError::bad_request("Invalid page"))?,
            };
            let end = start.saturating_add(pagelen);
            let values = fetch(start.min(total)..end.min(total));
            object(|o| {
                o.num("pagelen", pagelen as u64).raw_array("values", &values);
                if end < total {
                    o.str("next", &req.url_with_page(&encode_token(end)));
                }
            })
        }
    };
    Ok(body)
}

const TOKEN_KEY: u32 = 0x5bd1_e995;

fn token_check(offset: u32) -> u32 {
    (crate::util::mix(&[0xb17b_0c4e, u64::from(offset)]) as u32) & 0x0fff_ffff
}

/// Opaque iterator token for `offset`: 16 lower-case hex digits, the first
/// always `f` (so it never looks like a number), then a 28-bit check value and
/// the scrambled offset.
pub fn encode_token(offset: usize) -> String {
    let off = offset as u32;
    let v = (0xfu64 << 60) | (u64::from(token_check(off)) << 32) | u64::from(off ^ TOKEN_KEY);
    format!("{v:016x}")
}

/// Inverse of [`encode_token`]; `None` for anything it did not produce
/// (including plain page numbers).
pub fn decode_token(token: &str) -> Option<usize> {
    if token.len() != 16 || !token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let v = u64::from_str_radix(token, 16).ok()?;
    if v >> 60 != 0xf {
        return None;
    }
    let off = (v as u32) ^ TOKEN_KEY;
    (((v >> 32) as u32 & 0x0fff_ffff) == token_check(off)).then_some(off as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_numbers() {
        for off in [0usize, 1, 30, 100, 12_345, 100_000] {
            let t = encode_token(off);
            assert_eq!(t.len(), 16);
            assert!(t.parse::<u64>().is_err(), "{t} looks like a number");
            assert_eq!(decode_token(&t), Some(off));
        }
        assert_eq!(decode_token("2"), None);
        assert_eq!(decode_token("0000000000000064"), None);
        let mut bad = encode_token(100);
        bad.replace_range(15..16, if bad.ends_with('0') { "1" } else { "0" });
        assert_eq!(decode_token(&bad), None);
    }
}
