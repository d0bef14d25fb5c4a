//! A connector that implements the real component's world
//! (`wit/connector.wit`) and misbehaves on purpose: each cargo feature is
//! one attack on the host (enable exactly one). Without an attack feature it
//! is a trivial well-behaved connector: one report `ok`, one text column
//! `value`, one row.
//!
//! The configuration is read for two fields only: `endpoint` (where the
//! HTTP attacks aim) and `hostile` (a variant of the attack, e.g.
//! `"control"` for `rotate-token`, `"fail-configure"` for `ansi-output`).
//! Report parameters pick variants too (`fail=start|batch` for
//! `ansi-output`, `case=huge|invalid|deep|big-ok` for `huge-json`).

// The bindings wit-bindgen generates use `unsafe` for the canonical ABI.
#![allow(unsafe_code)]
// Each build compiles one attack: the others' helpers are unused then.
#![allow(dead_code, unused_imports)]

wit_bindgen::generate!({
    path: "../../wit",
    world: "bitbucket-connector",
    with: {
        "wasi:http/types@0.2.12": wasi::http::types,
        "wasi:http/outgoing-handler@0.2.12": wasi::http::outgoing_handler,
        "wasi:io/error@0.2.12": wasi::io::error,
        "wasi:io/poll@0.2.12": wasi::io::poll,
        "wasi:io/streams@0.2.12": wasi::io::streams,
        "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
    },
});

use bitbucket::connector::types as wit;
use exports::bitbucket::connector::connector as api;
use std::cell::{Cell as StdCell, RefCell};
use wasi::http::types::{
    Fields, FutureIncomingResponse, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};

/// Terminal escape sequences, bidi overrides and line breaks: what
/// `ansi-output` puts in every text the host might print.
pub const EVIL: &str = "\x1b]0;pwned\x07\x1b[2J\r\u{202e}\u{9b}31m\x7f\nend";

/// Ten years, in nanoseconds.
const TEN_YEARS_NS: u64 = 10 * 365 * 24 * 3600 * 1_000_000_000;

thread_local! {
    static CONFIG: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A string field of the configuration document (flat lookup, enough for
/// `endpoint` and `hostile`; `\/` is the only escape understood).
fn config_str(key: &str) -> Option<String> {
    CONFIG.with(|c| {
        let text = c.borrow();
        let at = text.find(&format!("\"{key}\""))? + key.len() + 2;
        let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
        let rest = rest.strip_prefix('"')?;
        Some(rest[..rest.find('"')?].replace("\\/", "/"))
    })
}

/// The configured endpoint as (scheme, authority, base path).
fn endpoint() -> (Scheme, String, String) {
    let url = config_str("endpoint").unwrap_or_else(|| "http://127.0.0.1:9/".into());
    let (scheme, rest) = match url.split_once("://") {
        Some(("https", rest)) => (Scheme::Https, rest.to_string()),
        Some((_, rest)) => (Scheme::Http, rest.to_string()),
        None => (Scheme::Http, url.clone()),
    };
    match rest.split_once('/') {
        Some((authority, path)) => (scheme, authority.into(), format!("/{path}")),
        None => (scheme, rest, "/".into()),
    }
}

/// A GET of `path` on `authority`, with request options asking for
/// timeouts of ten years.
fn send(scheme: &Scheme, authority: &str, path: &str) -> Result<FutureIncomingResponse, String> {
    let request = OutgoingRequest::new(Fields::new());
    let built = request.set_method(&Method::Get).is_ok()
        && request.set_scheme(Some(scheme)).is_ok()
        && request.set_authority(Some(authority)).is_ok()
        && request.set_path_with_query(Some(path)).is_ok();
    if !built {
        return Err("request refused by the guest bindings".into());
    }
    let options = RequestOptions::new();
    let _ = options.set_connect_timeout(Some(TEN_YEARS_NS));
    let _ = options.set_first_byte_timeout(Some(TEN_YEARS_NS));
    let _ = options.set_between_bytes_timeout(Some(TEN_YEARS_NS));
    let body = request.body().map_err(|()| "no body".to_string())?;
    let pending = wasi::http::outgoing_handler::handle(request, Some(options))
        .map_err(|e| format!("{e:?}"))?;
    let _ = OutgoingBody::finish(body, None);
    Ok(pending)
}

/// Blocks this call for ten years.
fn sleep_forever() -> ! {
    loop {
        wasi::clocks::monotonic_clock::subscribe_duration(TEN_YEARS_NS).block();
    }
}

fn text(s: impl Into<String>) -> wit::Cell {
    wit::Cell::Text(s.into())
}

fn error(code: wit::ErrorCode, message: impl Into<String>) -> wit::ConnectorError {
    wit::ConnectorError {
        code,
        message: message.into(),
        http_status: None,
        retry_after_seconds: None,
    }
}

fn column(name: &str, type_: wit::ColumnType) -> wit::ColumnInfo {
    wit::ColumnInfo {
        name: name.into(),
        type_,
        nullable: true,
        description: format!("the column {name}"),
    }
}

fn report(id: &str, columns: Vec<wit::ColumnInfo>, params: Vec<wit::ParamInfo>) -> wit::ReportInfo {
    wit::ReportInfo {
        id: id.into(),
        title: format!("Report {id}"),
        aliases: Vec::new(),
        description: "A report of the hostile guest.".into(),
        endpoint: "/".into(),
        data_center_endpoint: None,
        products: vec![wit::Product::Cloud],
        params,
        columns,
        primary_key: Vec::new(),
        changed_column: None,
        status: wit::ReportStatus::Available,
    }
}

fn param(name: &str, description: &str) -> wit::ParamInfo {
    wit::ParamInfo {
        name: name.into(),
        kind: wit::ParamKind::Text,
        required: false,
        default: None,
        description: description.into(),
        products: vec![wit::Product::Cloud],
    }
}

/// The catalog: one report `ok`, whose columns depend on the attack.
#[allow(unreachable_code)]
fn catalog() -> Vec<wit::ReportInfo> {
    #[cfg(feature = "ansi-output")]
    {
        let mut ok = report(
            "ok",
            vec![
                column(&format!("value{EVIL}"), wit::ColumnType::Text),
                column("plain", wit::ColumnType::Text),
            ],
            vec![
                param(&format!("fail{EVIL}"), EVIL),
                param("fail", "`start` fails run-report, `batch` fails next-batch"),
            ],
        );
        ok.title = format!("Title {EVIL}");
        ok.description = format!("Description {EVIL}");
        ok.aliases = vec![format!("alias{EVIL}")];
        ok.endpoint = format!("/path{EVIL}");
        ok.data_center_endpoint = Some(format!("/dc{EVIL}"));
        ok.products = vec![wit::Product::Cloud, wit::Product::DataCenter];
        ok.changed_column = Some(format!("changed{EVIL}"));
        ok.primary_key = vec![format!("value{EVIL}")];
        ok.status = wit::ReportStatus::Available;
        let mut evil = report(
            &format!("evil{EVIL}"),
            vec![column(EVIL, wit::ColumnType::Text)],
            vec![],
        );
        evil.status = wit::ReportStatus::RetiredUpstream(wit::Retirement {
            since: format!("2020-01-01{EVIL}"),
            reason: EVIL.into(),
            replacement: Some(format!("ok{EVIL}")),
        });
        return vec![ok, evil];
    }
    #[cfg(feature = "huge-json")]
    {
        return vec![report(
            "ok",
            vec![
                column("value", wit::ColumnType::Text),
                column("doc", wit::ColumnType::Json),
            ],
            vec![param("case", "huge, invalid, deep or big-ok")],
        )];
    }
    vec![report(
        "ok",
        vec![column("value", wit::ColumnType::Text)],
        vec![],
    )]
}

struct Connector;

/// A run: its parameters and how many batches it has returned.
pub struct Run {
    params: Vec<(String, String)>,
    batches: StdCell<u64>,
}

impl Run {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl api::Guest for Connector {
    type Run = Run;

    fn configure(config: String) -> Result<(), wit::ConnectorError> {
        CONFIG.with(|c| *c.borrow_mut() = config);
        if cfg!(feature = "ansi-output")
            && config_str("hostile").as_deref() == Some("fail-configure")
        {
            return Err(error(
                wit::ErrorCode::InvalidConfig,
                format!("bad config {EVIL}"),
            ));
        }
        Ok(())
    }

    fn rotated_refresh_token() -> Option<String> {
        if cfg!(feature = "rotate-token") {
            // Whatever the auth type.
            return Some(match config_str("hostile").as_deref() {
                Some("control") => "tok\x1b[2J\nen\r\u{0}\"}, \"endpoint\": \"http://evil\"".into(),
                Some("oauth-ok") => "a-fine-rotated-token_0123456789".into(),
                _ => "A".repeat(4 << 20),
            });
        }
        None
    }

    fn list_reports() -> Vec<wit::ReportInfo> {
        catalog()
    }

    fn list_partitions(
        _report_id: String,
        _params: Vec<(String, String)>,
    ) -> Result<Vec<wit::Partition>, wit::ConnectorError> {
        Ok(Vec::new())
    }

    fn run_report(
        report_id: String,
        params: Vec<(String, String)>,
    ) -> Result<api::Run, wit::ConnectorError> {
        if !catalog().iter().any(|r| r.id == report_id) {
            return Err(error(
                wit::ErrorCode::UnknownReport,
                format!("no report `{report_id}`"),
            ));
        }
        let run = Run {
            params,
            batches: StdCell::new(0),
        };
        if cfg!(feature = "ansi-output") && run.param("fail") == Some("start") {
            return Err(error(
                wit::ErrorCode::InvalidParameter,
                format!("bad parameter {EVIL}"),
            ));
        }
        Ok(api::Run::new(run))
    }
}

impl api::GuestRun for Run {
    fn next_batch(&self) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
        let batch = self.batches.get();
        self.batches.set(batch + 1);
        attack(self, batch)
    }

    fn progress(&self) -> wit::RunProgress {
        wit::RunProgress {
            requests: 0,
            retries: 0,
            pages: self.batches.get(),
            skipped: 0,
        }
    }

    fn checkpoint(&self) -> Option<String> {
        None
    }
}

/// The well-behaved run: one row, then the end.
fn well_behaved(batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    Ok((batch == 0).then(|| vec![vec![text("ok")]]))
}

#[cfg(not(any(
    feature = "sleep-forever",
    feature = "hang-request",
    feature = "spin",
    feature = "endless-empty",
    feature = "flood",
    feature = "leak-headers",
    feature = "leak-bodies",
    feature = "ansi-output",
    feature = "huge-json",
    feature = "origin-tricks",
    feature = "many-rows",
)))]
fn attack(_run: &Run, batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    well_behaved(batch)
}

#[cfg(feature = "sleep-forever")]
fn attack(_run: &Run, _batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    sleep_forever()
}

#[cfg(feature = "hang-request")]
fn attack(_run: &Run, _batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    let (scheme, authority, path) = endpoint();
    let pending = send(&scheme, &authority, &path)
        .map_err(|e| error(wit::ErrorCode::Transport, format!("refused: {e}")))?;
    // Forever, even if the host answers: a resolved future's pollable is
    // ready at once, so sleep then.
    loop {
        pending.subscribe().block();
        if pending.get().is_some() {
            sleep_forever();
        }
    }
}

#[cfg(feature = "spin")]
fn attack(_run: &Run, _batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

#[cfg(feature = "endless-empty")]
fn attack(_run: &Run, _batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    Ok(Some(Vec::new()))
}

#[cfg(feature = "flood")]
fn attack(_run: &Run, _batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    let (scheme, authority, path) = endpoint();
    // Every future is kept alive; the refused ones are counted.
    let mut pending = Vec::new();
    for _ in 0..10_000 {
        if let Ok(p) = send(&scheme, &authority, &path) {
            pending.push(p);
        }
    }
    let pollables: Vec<_> = pending.iter().map(|p| p.subscribe()).collect();
    if !pollables.is_empty() {
        wasi::io::poll::poll(&pollables.iter().collect::<Vec<_>>());
    }
    // Hold every connection open.
    sleep_forever()
}

#[cfg(feature = "leak-headers")]
fn attack(_run: &Run, _batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    let value = vec![b'a'; 64 * 1024];
    loop {
        let fields = Fields::new();
        for i in 0..16 {
            let _ = fields.append(&format!("x-leak-{i}"), &value);
        }
        // Never dropped: the host keeps the resource and its values.
        std::mem::forget(fields);
    }
}

#[cfg(feature = "leak-bodies")]
fn attack(_run: &Run, _batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    let chunk = vec![b'b'; 64 * 1024];
    loop {
        let request = OutgoingRequest::new(Fields::new());
        if let Ok(body) = request.body() {
            if let Ok(stream) = body.write() {
                let mut written = 0;
                while written < 1 << 20 {
                    match stream.check_write() {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let n = (n as usize).min(chunk.len()).min((1 << 20) - written);
                            if stream.write(&chunk[..n]).is_err() {
                                break;
                            }
                            written += n;
                        }
                    }
                }
                std::mem::forget(stream);
            }
            std::mem::forget(body);
        }
        // Never sent, never dropped.
        std::mem::forget(request);
    }
}

#[cfg(feature = "ansi-output")]
fn attack(run: &Run, batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    if run.param("fail") == Some("batch") {
        return Err(error(
            wit::ErrorCode::Upstream,
            format!("upstream failed {EVIL}"),
        ));
    }
    Ok((batch == 0).then(|| {
        vec![
            vec![text(EVIL), text("plain")],
            vec![text(format!("a,b\"c\r\n{EVIL}")), text("second")],
        ]
    }))
}

#[cfg(feature = "huge-json")]
fn attack(run: &Run, batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    if batch > 0 {
        return Ok(None);
    }
    let case = run.param("case").unwrap_or("huge");
    // 16 MiB (or 4 MiB for `big-ok`) of small nested arrays, valid JSON.
    let nested = |bytes: usize| {
        let unit = "[[1,[2,[3]]],[\"x\"]],";
        let mut s = String::with_capacity(bytes + 64);
        s.push('[');
        while s.len() + unit.len() < bytes {
            s.push_str(unit);
        }
        s.push_str("[]]");
        s
    };
    let rows = match case {
        "huge" => vec![
            vec![text("huge"), wit::Cell::Json(nested(16 << 20))],
            vec![text("invalid"), wit::Cell::Json("{\"a\": [1, 2,".into())],
        ],
        "invalid" => vec![vec![
            text("invalid"),
            wit::Cell::Json("{\"a\": [1, 2,".into()),
        ]],
        "deep" => vec![vec![
            text("deep"),
            wit::Cell::Json(format!("{}{}", "[".repeat(1 << 20), "]".repeat(1 << 20))),
        ]],
        _ => vec![vec![text("big-ok"), wit::Cell::Json(nested(4 << 20))]],
    };
    Ok(Some(rows))
}

#[cfg(feature = "origin-tricks")]
fn attack(_run: &Run, batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    if batch > 0 {
        return Ok(None);
    }
    let (scheme, authority, path) = endpoint();
    let port: u16 = authority
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(80);
    let other = port.wrapping_add(1);
    let tricks: Vec<(String, Scheme, String)> = vec![
        (
            "userinfo".into(),
            scheme_clone(&scheme),
            format!("127.0.0.1:{other}@127.0.0.1:{port}"),
        ),
        (
            "userinfo-plain".into(),
            scheme_clone(&scheme),
            format!("user@127.0.0.1:{port}"),
        ),
        (
            "other-port".into(),
            scheme_clone(&scheme),
            format!("127.0.0.1:{other}"),
        ),
        (
            "loopback-2".into(),
            scheme_clone(&scheme),
            format!("127.0.0.2:{port}"),
        ),
        (
            "ipv6".into(),
            scheme_clone(&scheme),
            format!("[::1]:{port}"),
        ),
        (
            "decimal".into(),
            scheme_clone(&scheme),
            format!("2130706433:{port}"),
        ),
        (
            "file".into(),
            Scheme::Other("file".into()),
            format!("127.0.0.1:{port}"),
        ),
        (
            "ftp".into(),
            Scheme::Other("ftp".into()),
            format!("127.0.0.1:{port}"),
        ),
    ];
    let rows = tricks
        .into_iter()
        .map(|(label, scheme, authority)| {
            let outcome = match send(&scheme, &authority, &path) {
                Err(e) => format!("refused {e}"),
                Ok(pending) => {
                    pending.subscribe().block();
                    match pending.get() {
                        Some(Ok(Ok(response))) => format!("response {}", response.status()),
                        Some(Ok(Err(e))) => format!("refused {e:?}"),
                        _ => "refused".into(),
                    }
                }
            };
            vec![text(format!("{label}: {outcome}"))]
        })
        .collect();
    Ok(Some(rows))
}

#[cfg(feature = "origin-tricks")]
fn scheme_clone(s: &Scheme) -> Scheme {
    match s {
        Scheme::Http => Scheme::Http,
        Scheme::Https => Scheme::Https,
        Scheme::Other(o) => Scheme::Other(o.clone()),
    }
}

#[cfg(feature = "many-rows")]
fn attack(_run: &Run, batch: u64) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
    const ROWS: u64 = 6_000_000;
    const PER_BATCH: u64 = 10_000;
    let start = batch * PER_BATCH;
    if start >= ROWS {
        return Ok(None);
    }
    Ok(Some(
        (start..(start + PER_BATCH).min(ROWS))
            .map(|i| vec![text(format!("row {i}"))])
            .collect(),
    ))
}

export!(Connector);
