//! The sandbox: one wasmtime engine per process, one store per session, and
//! the limits every store runs under:
//!
//! - outgoing HTTP only to the origin of the configured endpoint (a second
//!   wall under the component's own check), enforced in `send_request`;
//! - a cap on each response body, enforced while the body streams;
//! - a memory cap per instance (`StoreLimits`);
//! - a deadline per call into the guest (epoch interruption);
//! - no filesystem, environment, sockets or inherited stdio.
//!
//! A trap (panic, deadline, memory) ends that session with a `HostError`;
//! the engine and other sessions carry on.

use anyhow::Context as _;
use http_body_util::{BodyExt, Limited};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, Linker, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "bitbucket-connector",
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::sync::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::sync::clocks,
        },
    });
}

/// The contract's types, as the host sees them.
pub use bindings::bitbucket::connector::types as wit;
use wit::{Cell, ConnectorError, ReportInfo};

/// How often the epoch ticks; deadlines are whole ticks.
const EPOCH_TICK: Duration = Duration::from_millis(50);

/// Resource limits for each session.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Linear memory the guest may grow to, in bytes.
    pub memory_bytes: usize,
    /// Wall time one call into the guest may take (a batch, a configure).
    pub call_deadline: Duration,
    /// Largest response body the host hands to the guest, in bytes.
    pub max_response_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            // Above the connector's default retry budget (300 s), so a
            // patient retry ends as a typed error, not a trap.
            call_deadline: Duration::from_secs(600),
            max_response_bytes: 32 << 20,
        }
    }
}

/// Why a call failed: the connector said so, or the host stopped it.
#[derive(Debug)]
pub enum HostError {
    /// The connector returned a typed error.
    Connector(ConnectorError),
    /// The guest trapped, ran out of time or memory, or the host failed.
    Trap(String),
    /// The host could not take the rows (e.g. the output file or pipe failed).
    Output(String),
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Connector(e) => write!(f, "{}: {}", error_code_name(e.code), e.message),
            HostError::Trap(message) => write!(f, "guest-trap: {message}"),
            HostError::Output(message) => write!(f, "output-error: {message}"),
        }
    }
}

impl std::error::Error for HostError {}

/// The kebab-case name of an error code, as in the WIT file.
pub fn error_code_name(code: wit::ErrorCode) -> &'static str {
    use wit::ErrorCode::*;
    match code {
        InvalidConfig => "invalid-config",
        NotConfigured => "not-configured",
        UnknownReport => "unknown-report",
        InvalidParameter => "invalid-parameter",
        RetiredUpstream => "retired-upstream",
        Unauthorized => "unauthorized",
        Forbidden => "forbidden",
        NotFound => "not-found",
        RateLimited => "rate-limited",
        Upstream => "upstream",
        Transport => "transport",
        InvalidResponse => "invalid-response",
        LimitExceeded => "limit-exceeded",
    }
}

/// A loaded component, ready to start sessions. Cheap to share.
pub struct Host {
    engine: Engine,
    component: Component,
    /// Whether the machine code came from a precompiled artefact.
    from_precompiled: bool,
    pre: bindings::BitbucketConnectorPre<State>,
    limits: Limits,
    ticker_stop: Arc<AtomicBool>,
}

impl Drop for Host {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// How a [`Host`] gets its machine code and allocates instances.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Reuse the native code compiled from this exact `.wasm` by this exact
    /// engine (a `.cwasm` file next to it), and write one when there is none.
    pub precompiled: bool,
    /// Pre-reserve instance slots (wasmtime's pooling allocator), so
    /// starting a session maps no new memory.
    pub pooling: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            precompiled: true,
            pooling: false,
        }
    }
}

/// Sessions a pooling host can hold at once.
const POOL_SLOTS: u32 = 64;

impl Host {
    /// Loads the component at `path` (from its precompiled artefact when
    /// fresh) and links it against the sandbox's imports.
    pub fn load(path: &Path, limits: Limits) -> anyhow::Result<Host> {
        Host::load_with(path, limits, LoadOptions::default())
    }

    /// [`Host::load`] with explicit options (benchmarks compare them).
    pub fn load_with(path: &Path, limits: Limits, options: LoadOptions) -> anyhow::Result<Host> {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true).epoch_interruption(true);
        if options.pooling {
            let mut pool = wasmtime::PoolingAllocationConfig::default();
            pool.total_component_instances(POOL_SLOTS)
                .total_core_instances(POOL_SLOTS * 4)
                .total_memories(POOL_SLOTS)
                .total_tables(POOL_SLOTS * 4)
                .max_memory_size(limits.memory_bytes);
            config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&config)?;
        let (component, from_precompiled) = if options.precompiled {
            load_precompiled(&engine, path)
        } else {
            Component::from_file(&engine, path)
                .map(|c| (c, false))
                .map_err(anyhow::Error::from)
        }
        .with_context(|| format!("loading the component from {}", path.display()))?;

        let mut linker = Linker::<State>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
        let pre = bindings::BitbucketConnectorPre::new(linker.instantiate_pre(&component)?)?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (stop, ticking) = (ticker_stop.clone(), engine.weak());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                match ticking.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        });
        Ok(Host {
            engine,
            component,
            from_precompiled,
            pre,
            limits,
            ticker_stop,
        })
    }

    /// Whether this host's machine code came from a fresh precompiled
    /// artefact rather than from compiling the `.wasm`.
    pub fn from_precompiled(&self) -> bool {
        self.from_precompiled
    }

    /// The names of the interfaces the component imports: its whole reach
    /// into the host.
    pub fn imports(&self) -> Vec<String> {
        self.component
            .component_type()
            .imports(&self.engine)
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// The catalog (no configuration needed, no network).
    pub fn list_reports(&self) -> Result<Vec<ReportInfo>, HostError> {
        let (mut store, bindings) = self.instantiate(Vec::new())?;
        self.arm_deadline(&mut store);
        bindings
            .bitbucket_connector_connector()
            .call_list_reports(&mut store)
            .map_err(trap)
    }

    /// A fresh, isolated instance configured with `config_json`. HTTP from
    /// it may reach only the origin of the config's `endpoint`.
    pub fn session(&self, config_json: &str) -> Result<Session, HostError> {
        let mut session = self.instance(allowed_origins(config_json))?;
        session.configure(config_json)?;
        Ok(session)
    }

    /// A fresh instance that has not been configured, whose HTTP may reach
    /// only `allowed_origin` (`scheme://host[:port]`), or nothing if `None`.
    pub fn unconfigured_session(&self, allowed_origin: Option<&str>) -> Result<Session, HostError> {
        self.instance(allowed_origin.into_iter().map(str::to_string).collect())
    }

    fn instance(&self, allowed_origins: Vec<String>) -> Result<Session, HostError> {
        let (store, bindings) = self.instantiate(allowed_origins)?;
        Ok(Session {
            store,
            bindings,
            deadline_ticks: self.deadline_ticks(),
        })
    }

    fn instantiate(
        &self,
        allowed: Vec<String>,
    ) -> Result<(Store<State>, bindings::BitbucketConnector), HostError> {
        let state = State {
            wasi: WasiCtxBuilder::new().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            sandbox: Sandbox {
                allowed_origins: allowed,
                max_response_bytes: self.limits.max_response_bytes,
            },
            limits: PeakLimits {
                limits: StoreLimitsBuilder::new()
                    .memory_size(self.limits.memory_bytes)
                    .instances(4)
                    .build(),
                peak_memory: 0,
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        self.arm_deadline(&mut store);
        let bindings = self.pre.instantiate(&mut store).map_err(trap)?;
        Ok((store, bindings))
    }

    fn deadline_ticks(&self) -> u64 {
        (self.limits.call_deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }

    fn arm_deadline(&self, store: &mut Store<State>) {
        store.set_epoch_deadline(self.deadline_ticks());
        store.epoch_deadline_trap();
    }
}

/// One configured instance: its own store, memory and credentials.
pub struct Session {
    store: Store<State>,
    bindings: bindings::BitbucketConnector,
    deadline_ticks: u64,
}

/// Counts of a run: after each batch (progress), and at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub rows: u64,
    pub batches: u64,
    /// Requests the component sent, retries included.
    pub requests: u64,
    pub retries: u64,
    /// Pages (or objects) it received.
    pub pages: u64,
    /// At the end of a complete run: where an incremental run of the same
    /// report and scope starts (its `changed-after` parameter).
    pub checkpoint: Option<String>,
}

impl Session {
    /// The most linear memory the guest has had, in bytes (wasm memory
    /// never shrinks, so this is also its size now).
    pub fn guest_memory_peak(&self) -> usize {
        self.store.data().limits.peak_memory
    }

    /// The OAuth refresh token Bitbucket rotated in during this session, if
    /// any: store it in place of the configured one.
    pub fn rotated_refresh_token(&mut self) -> Result<Option<String>, HostError> {
        self.store.set_epoch_deadline(self.deadline_ticks);
        self.bindings
            .bitbucket_connector_connector()
            .call_rotated_refresh_token(&mut self.store)
            .map_err(trap)
    }

    /// Hands the connector its configuration (JSON).
    pub fn configure(&mut self, config_json: &str) -> Result<(), HostError> {
        self.store.set_epoch_deadline(self.deadline_ticks);
        self.bindings
            .bitbucket_connector_connector()
            .call_configure(&mut self.store, config_json)
            .map_err(trap)?
            .map_err(HostError::Connector)
    }

    /// Runs a report, handing each row to `sink` as it arrives.
    pub fn run(
        &mut self,
        report_id: &str,
        params: &[(String, String)],
        sink: impl FnMut(&[Cell]) -> anyhow::Result<()>,
    ) -> Result<RunSummary, HostError> {
        self.run_observed(report_id, params, sink, |_| {})
    }

    /// [`Session::run`], calling `observe` with the counts so far after
    /// each batch (for a progress display).
    pub fn run_observed(
        &mut self,
        report_id: &str,
        params: &[(String, String)],
        mut sink: impl FnMut(&[Cell]) -> anyhow::Result<()>,
        mut observe: impl FnMut(&RunSummary),
    ) -> Result<RunSummary, HostError> {
        let connector = self.bindings.bitbucket_connector_connector();
        self.store.set_epoch_deadline(self.deadline_ticks);
        let run = connector
            .call_run_report(&mut self.store, report_id, params)
            .map_err(trap)?
            .map_err(HostError::Connector)?;
        let result = self.drain(run, &mut sink, &mut observe);
        // Dropping the resource may fail only if the instance already trapped.
        let _ = run.resource_drop(&mut self.store);
        result
    }

    fn drain(
        &mut self,
        run: ResourceAny,
        sink: &mut impl FnMut(&[Cell]) -> anyhow::Result<()>,
        observe: &mut impl FnMut(&RunSummary),
    ) -> Result<RunSummary, HostError> {
        let connector = self.bindings.bitbucket_connector_connector();
        let mut summary = RunSummary::default();
        loop {
            self.store.set_epoch_deadline(self.deadline_ticks);
            let batch = connector
                .run()
                .call_next_batch(&mut self.store, run)
                .map_err(trap)?;
            let progress = connector
                .run()
                .call_progress(&mut self.store, run)
                .map_err(trap)?;
            (summary.requests, summary.retries, summary.pages) =
                (progress.requests, progress.retries, progress.pages);
            let Some(rows) = batch.map_err(HostError::Connector)? else {
                summary.checkpoint = connector
                    .run()
                    .call_checkpoint(&mut self.store, run)
                    .map_err(trap)?;
                return Ok(summary);
            };
            summary.batches += 1;
            for row in &rows {
                sink(row)
                    .map_err(|e| HostError::Output(format!("writing the rows failed: {e:#}")))?;
                summary.rows += 1;
            }
            observe(&summary);
        }
    }
}

/// The component compiled to native code, from `<name>.<key>.cwasm` next
/// to the `.wasm` when one exists for these exact bytes and this engine's
/// settings; otherwise compiled now and saved there for next time (best
/// effort: a read-only directory only costs the compile).
fn load_precompiled(engine: &Engine, path: &Path) -> anyhow::Result<(Component, bool)> {
    use std::hash::{Hash, Hasher};
    let wasm = std::fs::read(path)?;
    let mut hasher = std::hash::DefaultHasher::new();
    wasm.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let cached = path.with_file_name(format!("{stem}.{:016x}.cwasm", hasher.finish()));
    if cached.is_file() {
        // SAFETY: the artefact's name is derived from the hash of the exact
        // `.wasm` bytes and of this engine's compatibility settings, and it
        // is only ever written below, by `Engine::precompile_component`.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &cached) } {
            return Ok((component, true));
        }
    }
    let compiled = engine.precompile_component(&wasm)?;
    // Written aside and renamed, so a concurrent reader never sees half a file.
    let partial = cached.with_extension(format!("{}.partial", std::process::id()));
    if std::fs::write(&partial, &compiled).is_ok() && std::fs::rename(&partial, &cached).is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    // Artefacts of earlier builds of this component are stale now.
    if let (Some(dir), Ok(name)) = (cached.parent(), cached.file_name().ok_or(())) {
        let prefix = format!("{stem}.");
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let other = entry.file_name();
            let other = other.to_string_lossy();
            if other.starts_with(&prefix)
                && other.ends_with(".cwasm")
                && *other != *name.to_string_lossy()
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    // SAFETY: produced by this engine just now.
    Ok((unsafe { Component::deserialize(engine, &compiled) }?, false))
}

fn trap(error: wasmtime::Error) -> HostError {
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
        let what = match trap {
            wasmtime::Trap::Interrupt => {
                "the component exceeded its time budget for one call and was stopped".to_string()
            }
            other => format!("the component trapped ({other}); the session was ended"),
        };
        return HostError::Trap(what);
    }
    HostError::Trap(format!("{error:#}"))
}

/// The origins a config may reach: its endpoint's (Bitbucket Cloud by
/// default) and, for OAuth, its token URL's. A config the host cannot read
/// allows nothing; the component rejects it with a precise message anyway.
fn allowed_origins(config_json: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(config_json) else {
        return Vec::new();
    };
    let text = |v: Option<&serde_json::Value>, default: &'static str| match v {
        None | Some(serde_json::Value::Null) => Some(default.to_string()),
        Some(v) => v.as_str().map(str::to_string),
    };
    let mut urls = vec![text(value.get("endpoint"), "https://api.bitbucket.org/2.0")];
    let auth = value.get("auth");
    if auth.and_then(|a| a.get("type")).and_then(|t| t.as_str()) == Some("oauth") {
        let token_url = auth.and_then(|a| a.get("token_url"));
        urls.push(text(
            token_url,
            "https://bitbucket.org/site/oauth2/access_token",
        ));
    }
    urls.into_iter()
        .flatten()
        .filter_map(|u| url::Url::parse(u.trim()).ok())
        .map(|u| u.origin().ascii_serialization())
        .collect()
}

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    sandbox: Sandbox,
    limits: PeakLimits,
}

/// The store's limits, noting the largest linear memory the guest grew to.
struct PeakLimits {
    limits: StoreLimits,
    peak_memory: usize,
}

impl wasmtime::ResourceLimiter for PeakLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if allowed {
            self.peak_memory = self.peak_memory.max(desired);
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.memory_grow_failed(error)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.sandbox,
        }
    }
}

/// The host's wall around outgoing HTTP.
struct Sandbox {
    allowed_origins: Vec<String>,
    max_response_bytes: usize,
}

type BoxedFuture<T> = Box<dyn Future<Output = T> + Send>;

impl WasiHttpHooks for Sandbox {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: BoxedFuture<Result<(), wasmtime_wasi_http::Error>>,
    ) -> BoxedFuture<
        wasmtime_wasi_http::Result<(
            http::Response<WasiBody>,
            BoxedFuture<Result<(), wasmtime_wasi_http::Error>>,
        )>,
    > {
        let _ = fut;
        let origin = request_origin(request.uri());
        let allowed = origin.is_some_and(|o| self.allowed_origins.contains(&o));
        let cap = self.max_response_bytes;
        Box::new(async move {
            if !allowed {
                return Err(wasmtime_wasi_http::Error::HttpRequestDenied);
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            // Refuse a declared oversize body up front (the guest sees a
            // typed body-size error); an undeclared one is cut off below.
            let declared = response.headers().get(http::header::CONTENT_LENGTH);
            if let Some(length) = declared.and_then(|v| v.to_str().ok()?.parse::<u64>().ok()) {
                if length > cap as u64 {
                    return Err(wasmtime_wasi_http::Error::HttpResponseBodySize(Some(
                        length,
                    )));
                }
            }
            let response = response.map(|body| {
                Limited::new(body, cap)
                    .map_err(move |e| match e.downcast::<wasmtime_wasi_http::Error>() {
                        Ok(inner) => *inner,
                        Err(_) => wasmtime_wasi_http::Error::HttpResponseBodySize(Some(cap as u64)),
                    })
                    .boxed_unsync()
            });
            Ok((response, Box::new(io) as BoxedFuture<_>))
        })
    }
}

fn request_origin(uri: &http::Uri) -> Option<String> {
    let scheme = uri.scheme_str()?;
    let host = uri.host()?;
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let default = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    Some(if default {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{port}")
    })
}
