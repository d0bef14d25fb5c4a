//! URLs as the WHATWG URL Standard parses and serialises them, for what the
//! component needs: the endpoint and token URL it is configured with, the
//! URLs it builds (path segments, query pairs), the `next` links it
//! follows and the redirect `Location`s it resolves (`Url::resolve`, like
//! the url crate's `join` for the forms a `Location` takes; not compared). The API is the part of the `url` crate's that the component
//! used, and so are the results: `tests` compares the two on a few hundred
//! chosen and 30,000 random inputs.
//!
//! The difference is Unicode: hosts are ASCII only. A host that is not
//! ASCII once percent-decoded is refused as an invalid international domain
//! name (the `url` crate maps it through IDNA: with its Unicode tables, the
//! crate was a third of the component, 203 KB of 592), and a `xn--` label
//! is taken as it is, not decoded to be checked. Schemes other than http,
//! https, ws, wss and ftp are kept as written, with an opaque origin: the
//! component refuses them by name anyway.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a string is not an absolute URL (the `url` crate's texts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    EmptyHost,
    IdnaError,
    InvalidPort,
    InvalidIpv4Address,
    InvalidIpv6Address,
    RelativeUrlWithoutBase,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::EmptyHost => "empty host",
            ParseError::IdnaError => "invalid international domain name",
            ParseError::InvalidPort => "invalid port number",
            ParseError::InvalidIpv4Address => "invalid IPv4 address",
            ParseError::InvalidIpv6Address => "invalid IPv6 address",
            ParseError::RelativeUrlWithoutBase => "relative URL without a base",
        })
    }
}

impl std::error::Error for ParseError {}

/// A URL's host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host<S> {
    Domain(S),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HostKind {
    /// A scheme this module does not parse (no host, opaque origin).
    None,
    Domain,
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

/// An absolute URL: its serialisation and where its parts start.
#[derive(Clone)]
pub struct Url {
    serialization: String,
    /// The `:` after the scheme.
    scheme_end: usize,
    username_end: usize,
    host_start: usize,
    host_end: usize,
    host: HostKind,
    port: Option<u16>,
    path_start: usize,
    /// The `?`, if there is a query.
    query_start: Option<usize>,
    /// The `#`, if there is a fragment.
    fragment_start: Option<usize>,
}

/// A URL's origin: `scheme://host[:port]`, or opaque (equal to nothing).
#[derive(Clone, Debug)]
pub struct Origin(Option<String>);

impl Origin {
    /// `scheme://host[:port]` (the port when not the scheme's default), or
    /// `null` for an opaque origin.
    pub fn ascii_serialization(&self) -> String {
        self.0.clone().unwrap_or_else(|| "null".to_string())
    }
}

impl PartialEq for Origin {
    fn eq(&self, other: &Origin) -> bool {
        matches!((&self.0, &other.0), (Some(a), Some(b)) if a == b)
    }
}

// Percent-encode sets, beyond the C0 controls, DEL and non-ASCII bytes,
// which every set encodes.
const FRAGMENT: &[u8] = b" \"<>`";
const PATH: &[u8] = b" \"<>`#?{}";
const USERINFO: &[u8] = b" \"<>`#?{}/:;=@[\\]^|";
const PATH_SEGMENT: &[u8] = b" \"<>`#?{}/%\\";
const QUERY: &[u8] = b" \"#<>'";

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

impl Url {
    /// Parses an absolute URL.
    pub fn parse(input: &str) -> Result<Url, ParseError> {
        let input = remove_tabs_and_newlines(input.trim_matches(|c: char| c <= ' '));
        let scheme_end = scheme_end(&input).ok_or(ParseError::RelativeUrlWithoutBase)?;
        let mut s = String::with_capacity(input.len() + 1);
        s.push_str(&input[..scheme_end].to_ascii_lowercase());
        s.push(':');
        let rest = &input[scheme_end + 1..];
        let Some(default) = default_port(&s[..scheme_end]) else {
            return Ok(Url::opaque(s, rest));
        };
        s.push_str("//");
        let rest = rest.trim_start_matches(['/', '\\']);
        let (authority, rest) = rest.split_at(rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len()));
        let (userinfo, host_and_port) = match authority.rfind('@') {
            Some(at) => (&authority[..at], &authority[at + 1..]),
            None => ("", authority),
        };
        let (username, password) = match userinfo.split_once(':') {
            Some((username, password)) => (username, password),
            None => (userinfo, ""),
        };
        encode(&mut s, username, USERINFO);
        let username_end = s.len();
        if !password.is_empty() {
            s.push(':');
            encode(&mut s, password, USERINFO);
        }
        if !username.is_empty() || !password.is_empty() {
            s.push('@');
        }
        // The host ends at a `:` outside square brackets.
        let mut bracketed = false;
        let host_len = host_and_port
            .bytes()
            .position(|b| {
                match b {
                    b'[' => bracketed = true,
                    b']' => bracketed = false,
                    _ => {}
                }
                b == b':' && !bracketed
            })
            .unwrap_or(host_and_port.len());
        let (host_text, port_text) = host_and_port.split_at(host_len);
        if host_text.is_empty() {
            return Err(ParseError::EmptyHost);
        }
        let host_start = s.len();
        let host = parse_host(&mut s, host_text)?;
        let host_end = s.len();
        let port = match port_text.strip_prefix(':') {
            Some(text) => parse_port(text, default)?,
            None => None,
        };
        if let Some(port) = port {
            s.push(':');
            s.push_str(&port.to_string());
        }
        let (path, rest) = rest.split_at(rest.find(['?', '#']).unwrap_or(rest.len()));
        let path_start = s.len();
        parse_path_start(&mut s, path, Context::Parser);
        let (query_start, fragment_start) = parse_query_and_fragment(&mut s, rest);
        Ok(Url {
            serialization: s,
            scheme_end,
            username_end,
            host_start,
            host_end,
            host,
            port,
            path_start,
            query_start,
            fragment_start,
        })
    }

    /// A URL of a scheme this module does not parse: kept as written after
    /// its scheme, without a host.
    fn opaque(mut s: String, rest: &str) -> Url {
        let scheme_end = s.len() - 1;
        s.push_str(rest);
        let query_start = s[scheme_end..].find(['?', '#']).map(|i| scheme_end + i).filter(|i| s.as_bytes()[*i] == b'?');
        let fragment_start = s[scheme_end..].find('#').map(|i| scheme_end + i);
        let path_start = scheme_end + 1;
        Url {
            serialization: s,
            scheme_end,
            username_end: path_start,
            host_start: path_start,
            host_end: path_start,
            host: HostKind::None,
            port: None,
            path_start,
            query_start,
            fragment_start,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.serialization
    }

    pub fn scheme(&self) -> &str {
        &self.serialization[..self.scheme_end]
    }

    fn has_authority(&self) -> bool {
        self.host != HostKind::None
    }

    pub fn username(&self) -> &str {
        match self.has_authority() {
            true => &self.serialization[self.scheme_end + 3..self.username_end],
            false => "",
        }
    }

    pub fn password(&self) -> Option<&str> {
        match self.has_authority() && self.serialization.as_bytes()[self.username_end] == b':' {
            true => Some(&self.serialization[self.username_end + 1..self.host_start - 1]),
            false => None,
        }
    }

    pub fn host_str(&self) -> Option<&str> {
        self.has_authority().then(|| &self.serialization[self.host_start..self.host_end])
    }

    pub fn host(&self) -> Option<Host<&str>> {
        match self.host {
            HostKind::None => None,
            HostKind::Domain => Some(Host::Domain(&self.serialization[self.host_start..self.host_end])),
            HostKind::Ipv4(ip) => Some(Host::Ipv4(ip)),
            HostKind::Ipv6(ip) => Some(Host::Ipv6(ip)),
        }
    }

    /// The port, unless it is the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    fn path_end(&self) -> usize {
        self.query_start.or(self.fragment_start).unwrap_or(self.serialization.len())
    }

    pub fn path(&self) -> &str {
        &self.serialization[self.path_start..self.path_end()]
    }

    pub fn query(&self) -> Option<&str> {
        let end = self.fragment_start.unwrap_or(self.serialization.len());
        self.query_start.map(|start| &self.serialization[start + 1..end])
    }

    pub fn fragment(&self) -> Option<&str> {
        self.fragment_start.map(|start| &self.serialization[start + 1..])
    }

    pub fn origin(&self) -> Origin {
        let s = &self.serialization;
        Origin(self.has_authority().then(|| format!("{}{}", &s[..self.scheme_end + 3], &s[self.host_start..self.path_start])))
    }

    /// A reference (a redirect's `Location`) resolved against this URL:
    /// absolute (`https://…`), scheme-relative (`//host/…`), absolute-path
    /// (`/2.0/…`), query-only (`?…`) or relative to this path's directory.
    pub fn resolve(&self, reference: &str) -> Option<Url> {
        let has_scheme = reference.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        let origin = self.origin().ascii_serialization();
        let absolute = if has_scheme {
            reference.to_string()
        } else if reference.starts_with("//") {
            format!("{}:{reference}", self.scheme())
        } else if reference.starts_with('/') {
            format!("{origin}{reference}")
        } else if reference.starts_with('?') {
            format!("{origin}{}{reference}", self.path())
        } else {
            let dir = &self.path()[..self.path().rfind('/').map_or(0, |i| i + 1)];
            format!("{origin}{dir}{reference}")
        };
        Url::parse(&absolute).ok()
    }

    /// The query's `key=value` pairs, `application/x-www-form-urlencoded`
    /// decoded.
    pub fn query_pairs(&self) -> QueryPairs<'_> {
        QueryPairs(self.query().unwrap_or("").split('&'))
    }

    /// Replaces the path (percent-encoded, dot segments resolved).
    pub fn set_path(&mut self, path: &str) {
        let after = self.take_after_path();
        self.serialization.truncate(self.path_start);
        parse_path_start(&mut self.serialization, &remove_tabs_and_newlines(path), Context::Setter);
        self.restore_after_path(after);
    }

    /// Replaces the query (percent-encoded), or removes it.
    pub fn set_query(&mut self, query: Option<&str>) {
        let fragment = self.take_fragment();
        if let Some(start) = self.query_start.take() {
            self.serialization.truncate(start);
        }
        if let Some(query) = query {
            self.query_start = Some(self.serialization.len());
            self.serialization.push('?');
            encode(&mut self.serialization, &remove_tabs_and_newlines(query), QUERY);
        }
        self.restore_fragment(fragment);
    }

    /// The path's segments, to append to; `Err` for a URL without a host.
    #[allow(clippy::result_unit_err)]
    pub fn path_segments_mut(&mut self) -> Result<PathSegmentsMut<'_>, ()> {
        if !self.has_authority() {
            return Err(());
        }
        let after_path = self.take_after_path();
        Ok(PathSegmentsMut { url: self, after_path })
    }

    /// The query, to append `key=value` pairs to
    /// (`application/x-www-form-urlencoded`); starts an empty one if there
    /// is none.
    pub fn query_pairs_mut(&mut self) -> QueryPairsMut<'_> {
        let fragment = self.take_fragment();
        let start = match self.query_start {
            Some(start) => start + 1,
            None => {
                self.query_start = Some(self.serialization.len());
                self.serialization.push('?');
                self.serialization.len()
            }
        };
        QueryPairsMut { url: self, start, fragment }
    }

    fn take_fragment(&mut self) -> Option<String> {
        self.fragment_start.take().map(|start| {
            let fragment = self.serialization[start + 1..].to_string();
            self.serialization.truncate(start);
            fragment
        })
    }

    fn restore_fragment(&mut self, fragment: Option<String>) {
        if let Some(fragment) = fragment {
            self.fragment_start = Some(self.serialization.len());
            self.serialization.push('#');
            self.serialization.push_str(&fragment);
        }
    }

    /// Removes the query and fragment; returns them as serialised.
    fn take_after_path(&mut self) -> String {
        let end = self.path_end();
        let after = self.serialization[end..].to_string();
        self.serialization.truncate(end);
        after
    }

    fn restore_after_path(&mut self, after: String) {
        let end = self.serialization.len();
        let old_end = self.query_start.or(self.fragment_start).unwrap_or(end);
        let moved = |i: usize| i - old_end + end;
        self.query_start = self.query_start.map(moved);
        self.fragment_start = self.fragment_start.map(moved);
        self.serialization.push_str(&after);
    }
}

impl PartialEq for Url {
    fn eq(&self, other: &Url) -> bool {
        self.serialization == other.serialization
    }
}

impl Eq for Url {}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialization)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.serialization, f)
    }
}

/// A query's `key=value` pairs, decoded.
pub struct QueryPairs<'a>(std::str::Split<'a, char>);

impl<'a> Iterator for QueryPairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let pair = self.0.find(|pair| !pair.is_empty())?;
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        Some((form_decode(key), form_decode(value)))
    }
}

/// Appends path segments; puts the query and fragment back when dropped.
pub struct PathSegmentsMut<'a> {
    url: &'a mut Url,
    after_path: String,
}

impl PathSegmentsMut<'_> {
    /// Removes a trailing slash (an empty last segment), unless the path
    /// is just `/`.
    pub fn pop_if_empty(&mut self) -> &mut Self {
        let after_first_slash = self.url.path_start + 1;
        if self.url.serialization.len() > after_first_slash && self.url.serialization.ends_with('/') {
            self.url.serialization.pop();
        }
        self
    }

    /// Appends one segment, percent-encoding `/` and `%` too.
    pub fn push(&mut self, segment: &str) -> &mut Self {
        self.extend([segment])
    }

    /// Appends each segment; `.` and `..` are skipped.
    pub fn extend<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, segments: I) -> &mut Self {
        for segment in segments {
            let segment = segment.as_ref();
            if matches!(segment, "." | "..") {
                continue;
            }
            let s = &mut self.url.serialization;
            if s.len() > self.url.path_start + 1 {
                s.push('/');
            }
            parse_path(s, self.url.path_start, &remove_tabs_and_newlines(segment), Context::Segment);
        }
        self
    }
}

impl Drop for PathSegmentsMut<'_> {
    fn drop(&mut self) {
        self.url.restore_after_path(std::mem::take(&mut self.after_path));
    }
}

/// Appends `key=value` pairs to a query; puts the fragment back when
/// dropped.
pub struct QueryPairsMut<'a> {
    url: &'a mut Url,
    /// Where the pairs start (after the `?`).
    start: usize,
    fragment: Option<String>,
}

impl QueryPairsMut<'_> {
    /// Removes every pair.
    pub fn clear(&mut self) -> &mut Self {
        self.url.serialization.truncate(self.start);
        self
    }

    pub fn append_pair(&mut self, key: &str, value: &str) -> &mut Self {
        let s = &mut self.url.serialization;
        if s.len() > self.start {
            s.push('&');
        }
        form_encode(s, key);
        s.push('=');
        form_encode(s, value);
        self
    }

    pub fn extend_pairs<I, K, V>(&mut self, pairs: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (key, value) in pairs {
            self.append_pair(key.as_ref(), value.as_ref());
        }
        self
    }
}

impl Drop for QueryPairsMut<'_> {
    fn drop(&mut self) {
        let fragment = self.fragment.take();
        self.url.restore_fragment(fragment);
    }
}

/// An `application/x-www-form-urlencoded` body of these pairs.
pub fn form_urlencoded(pairs: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (key, value) in pairs {
        if !body.is_empty() {
            body.push('&');
        }
        form_encode(&mut body, key);
        body.push('=');
        form_encode(&mut body, value);
    }
    body
}

fn is_tab_or_newline(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
}

fn remove_tabs_and_newlines(text: &str) -> Cow<'_, str> {
    match text.contains(is_tab_or_newline) {
        true => text.replace(is_tab_or_newline, "").into(),
        false => text.into(),
    }
}

/// Where the scheme's `:` is: an ASCII letter, then letters, digits, `+`,
/// `-` or `.`.
fn scheme_end(input: &str) -> Option<usize> {
    let bytes = input.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let end = bytes.iter().position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))?;
    (bytes[end] == b':').then_some(end)
}

fn push_hex(s: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    s.push('%');
    s.push(HEX[usize::from(byte >> 4)] as char);
    s.push(HEX[usize::from(byte & 15)] as char);
}

/// Appends `text`, percent-encoding the C0 controls, DEL, non-ASCII bytes
/// and the bytes of `set`.
fn encode(s: &mut String, text: &str, set: &[u8]) {
    for b in text.bytes() {
        match b {
            0x20..0x7f if !set.contains(&b) => s.push(b as char),
            _ => push_hex(s, b),
        }
    }
}

fn form_encode(s: &mut String, text: &str) {
    for b in text.bytes() {
        match b {
            b'*' | b'-' | b'.' | b'_' => s.push(b as char),
            b' ' => s.push('+'),
            _ if b.is_ascii_alphanumeric() => s.push(b as char),
            _ => push_hex(s, b),
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded =
            match (bytes[i], bytes.get(i + 1).copied().and_then(hex_value), bytes.get(i + 2).copied().and_then(hex_value)) {
                (b'%', Some(high), Some(low)) => Some(high * 16 + low),
                _ => None,
            };
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

fn form_decode(text: &str) -> Cow<'_, str> {
    if !text.contains(['+', '%']) {
        return text.into();
    }
    let bytes = percent_decode(text.replace('+', " ").as_bytes());
    String::from_utf8_lossy(&bytes).into_owned().into()
}

fn parse_port(text: &str, default: u16) -> Result<Option<u16>, ParseError> {
    if text.is_empty() {
        return Ok(None);
    }
    let mut port: u32 = 0;
    for b in text.bytes() {
        if !b.is_ascii_digit() {
            return Err(ParseError::InvalidPort);
        }
        port = port * 10 + u32::from(b - b'0');
        if port > u32::from(u16::MAX) {
            return Err(ParseError::InvalidPort);
        }
    }
    Ok(Some(port as u16).filter(|p| *p != default))
}

/// Parses a host and appends its serialisation: an IPv6 address in
/// brackets, an IPv4 address, or an ASCII domain, lowercased.
fn parse_host(s: &mut String, text: &str) -> Result<HostKind, ParseError> {
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(ParseError::InvalidIpv6Address)?;
        let ip = parse_ipv6(inner.as_bytes())?;
        s.push('[');
        write_ipv6(s, ip);
        s.push(']');
        return Ok(HostKind::Ipv6(ip));
    }
    let start = s.len();
    for b in percent_decode(text.as_bytes()) {
        // Beyond ASCII would take IDNA; these are the URL Standard's
        // forbidden domain code points.
        if !b.is_ascii() || b <= b' ' || b == 0x7f || b"%#/:<>?@[\\]^|".contains(&b) {
            return Err(ParseError::IdnaError);
        }
        s.push(b.to_ascii_lowercase() as char);
    }
    if s.len() == start {
        return Err(ParseError::EmptyHost);
    }
    if !ends_in_a_number(&s[start..]) {
        return Ok(HostKind::Domain);
    }
    let ip = parse_ipv4(&s[start..])?;
    s.truncate(start);
    let [a, b, c, d] = ip.octets();
    s.push_str(&format!("{a}.{b}.{c}.{d}"));
    Ok(HostKind::Ipv4(ip))
}

/// Whether the last label (before a trailing dot) is a number, which makes
/// the host an IPv4 address.
fn ends_in_a_number(domain: &str) -> bool {
    let mut labels = domain.rsplit('.');
    let last = match labels.next() {
        Some("") => match labels.next() {
            Some(last) => last,
            None => return false,
        },
        last => last.unwrap_or(""),
    };
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())) || parse_ipv4_number(last).is_ok()
}

/// One part of an IPv4 address: decimal, octal (leading 0) or hex (0x);
/// `Ok(None)` when it does not fit 32 bits.
fn parse_ipv4_number(mut text: &str) -> Result<Option<u32>, ()> {
    if text.is_empty() {
        return Err(());
    }
    let mut radix = 10;
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        text = hex;
        radix = 16;
    } else if text.len() >= 2 && text.starts_with('0') {
        text = &text[1..];
        radix = 8;
    }
    if text.is_empty() {
        return Ok(Some(0));
    }
    if !text.chars().all(|c| c.is_digit(radix)) {
        return Err(());
    }
    Ok(u32::from_str_radix(text, radix).ok())
}

fn parse_ipv4(domain: &str) -> Result<Ipv4Addr, ParseError> {
    let mut parts: Vec<&str> = domain.split('.').collect();
    if parts.last() == Some(&"") {
        parts.pop();
    }
    if parts.len() > 4 {
        return Err(ParseError::InvalidIpv4Address);
    }
    let mut numbers = Vec::with_capacity(4);
    for part in parts {
        numbers.push(parse_ipv4_number(part).ok().flatten().ok_or(ParseError::InvalidIpv4Address)?);
    }
    let mut ipv4 = numbers.pop().ok_or(ParseError::InvalidIpv4Address)?;
    if ipv4 > u32::MAX >> (8 * numbers.len() as u32) || numbers.iter().any(|n| *n > 255) {
        return Err(ParseError::InvalidIpv4Address);
    }
    for (i, n) in numbers.iter().enumerate() {
        ipv4 += n << (8 * (3 - i as u32));
    }
    Ok(Ipv4Addr::from(ipv4))
}

/// The URL Standard's IPv6 parser (of what is inside the brackets).
fn parse_ipv6(input: &[u8]) -> Result<Ipv6Addr, ParseError> {
    const INVALID: ParseError = ParseError::InvalidIpv6Address;
    let len = input.len();
    let mut pieces = [0u16; 8];
    let mut piece = 0;
    let mut compress = None;
    let mut i = 0;
    if len < 2 {
        return Err(INVALID);
    }
    if input[0] == b':' {
        if input[1] != b':' {
            return Err(INVALID);
        }
        i = 2;
        piece = 1;
        compress = Some(1);
    }
    let mut ipv4 = false;
    while i < len {
        if piece == 8 {
            return Err(INVALID);
        }
        if input[i] == b':' {
            if compress.is_some() {
                return Err(INVALID);
            }
            i += 1;
            piece += 1;
            compress = Some(piece);
            continue;
        }
        let start = i;
        let mut value = 0u16;
        while i < len.min(start + 4) {
            match hex_value(input[i]) {
                Some(digit) => value = value * 16 + u16::from(digit),
                None => break,
            }
            i += 1;
        }
        if i < len {
            match input[i] {
                b'.' if i > start && piece <= 6 => {
                    i = start;
                    ipv4 = true;
                    break;
                }
                b':' => {
                    i += 1;
                    if i == len {
                        return Err(INVALID);
                    }
                }
                _ => return Err(INVALID),
            }
        }
        pieces[piece] = value;
        piece += 1;
    }
    if ipv4 {
        let mut numbers_seen = 0;
        while i < len {
            if numbers_seen > 0 {
                if numbers_seen < 4 && input[i] == b'.' {
                    i += 1;
                } else {
                    return Err(INVALID);
                }
            }
            let mut number: Option<u16> = None;
            while i < len && input[i].is_ascii_digit() {
                let digit = u16::from(input[i] - b'0');
                number = match number {
                    None => Some(digit),
                    Some(0) => return Err(INVALID),
                    Some(n) if n * 10 + digit > 255 => return Err(INVALID),
                    Some(n) => Some(n * 10 + digit),
                };
                i += 1;
            }
            pieces[piece] = pieces[piece] * 0x100 + number.ok_or(INVALID)?;
            numbers_seen += 1;
            if numbers_seen == 2 || numbers_seen == 4 {
                piece += 1;
            }
        }
        if numbers_seen != 4 {
            return Err(INVALID);
        }
    }
    match compress {
        Some(compress) => {
            let mut swaps = piece - compress;
            piece = 7;
            while swaps > 0 {
                pieces.swap(piece, compress + swaps - 1);
                swaps -= 1;
                piece -= 1;
            }
        }
        None if piece != 8 => return Err(INVALID),
        None => {}
    }
    Ok(Ipv6Addr::from(pieces))
}

/// Lowercase hex pieces, the first longest run of two or more zero pieces
/// compressed to `::`.
fn write_ipv6(s: &mut String, ip: Ipv6Addr) {
    let pieces = ip.segments();
    let (mut best, mut best_len, mut run) = (8, 1, 0);
    for (i, piece) in pieces.iter().enumerate() {
        run = if *piece == 0 { run + 1 } else { 0 };
        if run > best_len {
            (best, best_len) = (i + 1 - run, run);
        }
    }
    let mut i = 0;
    while i < 8 {
        if i == best {
            s.push_str(if i == 0 { "::" } else { ":" });
            i += best_len;
            continue;
        }
        s.push_str(&format!("{:x}", pieces[i]));
        if i < 7 {
            s.push(':');
        }
        i += 1;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Parsing a URL.
    Parser,
    /// `set_path`: `?` and `#` are part of the path.
    Setter,
    /// Appending one segment: `/`, `\` and `%` are encoded too.
    Segment,
}

/// A special URL's path begins with `/`; the first slash of the input is
/// that one.
fn parse_path_start(s: &mut String, input: &str, context: Context) {
    let path_start = s.len();
    s.push('/');
    let input = input.strip_prefix(['/', '\\']).unwrap_or(input);
    parse_path(s, path_start, input, context);
}

/// Appends `input` to the path that begins at `path_start`: segment by
/// segment, percent-encoded, `.` and `..` segments resolved.
fn parse_path(s: &mut String, path_start: usize, mut input: &str, context: Context) {
    let set = if context == Context::Segment { PATH_SEGMENT } else { PATH };
    loop {
        let segment_start = s.len();
        let slash = match context {
            Context::Segment => None,
            _ => input.find(['/', '\\']),
        };
        encode(s, &input[..slash.unwrap_or(input.len())], set);
        let segment = &s[segment_start..];
        let dots = match segment.len() {
            1..=6 => segment.to_ascii_lowercase().replace("%2e", "."),
            _ => String::new(),
        };
        if dots == ".." {
            s.truncate(segment_start);
            if s.ends_with('/') && last_slash_can_be_removed(s, path_start) {
                s.pop();
            }
            // Remove the last segment.
            if s.len() > path_start {
                let last_slash = s[path_start..].rfind('/').expect("the path begins with a slash");
                s.truncate(path_start + last_slash + 1);
            }
            if slash.is_some() && !s.ends_with('/') {
                s.push('/');
            }
        } else if dots == "." {
            s.truncate(segment_start);
            if !s.ends_with('/') {
                s.push('/');
            }
        } else if slash.is_some() {
            s.push('/');
        }
        match slash {
            Some(slash) => input = &input[slash + 1..],
            None => break,
        }
    }
}

fn last_slash_can_be_removed(s: &str, path_start: usize) -> bool {
    match s[..s.len() - 1].rfind('/') {
        Some(before) => before >= path_start && !path_starts_with_windows_drive_letter(&s[before..]),
        None => false,
    }
}

/// `/c:` or `/c|`, alone or before `/`, `\`, `?` or `#` (the URL Standard
/// keeps such a segment even in http URLs' dot-segment removal).
fn path_starts_with_windows_drive_letter(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3
        && matches!(b[0], b'/' | b'\\' | b'?' | b'#')
        && b[1].is_ascii_alphabetic()
        && matches!(b[2], b':' | b'|')
        && (b.len() == 3 || matches!(b[3], b'/' | b'\\' | b'?' | b'#'))
}

/// Appends `?query` and `#fragment` from `rest` (which begins with `?` or
/// `#`, or is empty), percent-encoded; where each begins.
fn parse_query_and_fragment(s: &mut String, rest: &str) -> (Option<usize>, Option<usize>) {
    let (query, fragment) = match rest.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (rest, None),
    };
    let query_start = query.strip_prefix('?').map(|query| {
        let start = s.len();
        s.push('?');
        encode(s, query, QUERY);
        start
    });
    let fragment_start = fragment.map(|fragment| {
        let start = s.len();
        s.push('#');
        encode(s, fragment, FRAGMENT);
        start
    });
    (query_start, fragment_start)
}

#[cfg(test)]
mod tests;
