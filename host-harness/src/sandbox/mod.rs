//! The sandbox: one wasmtime engine per [`Host`], one store per
//! [`Session`], and the limits every store runs under:
//!
//! - `http_wall`: outgoing HTTP only to the origins of the configured
//!   endpoint and token URL (a second wall under the component's own
//!   check), and a cap on each response body while it streams;
//! - `limits`: every limit ([`Limits`]): memory, real-time deadlines per
//!   call and per run, budgets of calls, empty batches and requests,
//!   requests in flight, host-side resources;
//! - `network`: the trusted certificate authorities ([`Trust`]) and each
//!   session's pooled connections (keep-alive, HTTP/2 by ALPN);
//! - `cache`: the component's precompiled native code;
//! - `session`: a configured instance and the run loop over its batches;
//! - `errors`: what a failed call becomes ([`HostError`]);
//! - `wit`: the contract's types as the host sees them.
//!
//! The engine runs guests asynchronously on the host's tokio runtime: every
//! call into the guest runs under a real-time timeout that drops the call
//! when it fires, even while the guest is blocked in a host function, and
//! a guest that spins yields at every epoch tick so the timeout can fire.
//!
//! Only the interfaces the world imports are linked (the contract's, HTTP,
//! I/O, clocks, and the stdio and environment that Rust's std asks for):
//! no filesystem, sockets or randomness. The guest's environment is empty
//! and its stdio goes nowhere. A trap or a limit ends that session with a
//! `HostError`; the engine and other sessions carry on.

mod cache;
mod errors;
mod http_wall;
mod limits;
mod network;
mod session;
pub mod wit;

pub use errors::HostError;
pub use limits::{HostLimit, Limits, IN_FLIGHT_SLACK};
pub use network::{Trust, IDLE_TIMEOUT};
pub use session::{RunSummary, Session};

use anyhow::Context as _;
use http_wall::{reach, HttpWall, Reach};
use limits::{PeakLimits, EPOCH_TICK};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use wasmtime::component::{Component, HasData, Linker, Resource, ResourceTable};
use wasmtime::{Engine, Store, StoreLimitsBuilder};
use wasmtime_wasi::cli::{WasiCli, WasiCliView as _};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView as _};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::http::types as http_types;
use wasmtime_wasi_http::p2::types::{HostFutureIncomingResponse, HostOutgoingRequest};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};
use wit::{bindings, ReportInfo};

/// A loaded component, ready to start sessions. Cheap to share.
pub struct Host {
    engine: Engine,
    component: Component,
    /// Whether the machine code came from a precompiled artefact.
    from_precompiled: bool,
    pre: bindings::BitbucketConnectorPre<State>,
    limits: Limits,
    /// The certificate authorities its sessions trust.
    trust: Trust,
    runtime: Arc<tokio::runtime::Runtime>,
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
    /// engine, from the host's own cache folder (see `cache.rs`), and write
    /// it there when there is none.
    pub precompiled: bool,
    /// Pre-reserve instance slots (wasmtime's pooling allocator), so
    /// starting a session maps no new memory.
    pub pooling: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { precompiled: true, pooling: false }
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
            cache::load_precompiled(&engine, path)
        } else {
            Component::from_file(&engine, path).map(|c| (c, false)).map_err(anyhow::Error::from)
        }
        .with_context(|| format!("loading the component from {}", path.display()))?;

        let mut linker = Linker::<State>::new(&engine);
        link_world_imports(&mut linker)?;
        let pre = bindings::BitbucketConnectorPre::new(linker.instantiate_pre(&component)?)?;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("connector-host")
            .enable_all()
            .build()
            .context("starting the host's async runtime")?;
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
        let trust = Trust::system()?;
        Ok(Host { engine, component, from_precompiled, pre, limits, trust, runtime: Arc::new(runtime), ticker_stop })
    }

    /// Whether this host's machine code came from a fresh precompiled
    /// artefact rather than from compiling the `.wasm`.
    pub fn from_precompiled(&self) -> bool {
        self.from_precompiled
    }

    /// Trust `trust`'s certificate authorities (e.g. the system's plus a
    /// private CA, [`Trust::with_ca_file`]) in the sessions started from now.
    pub fn set_trust(&mut self, trust: Trust) {
        self.trust = trust;
    }

    /// The limits every session of this host runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The names of the interfaces the component imports: its whole reach
    /// into the host.
    pub fn imports(&self) -> Vec<String> {
        self.component.component_type().imports(&self.engine).map(|(name, _)| name.to_string()).collect()
    }

    /// The catalog (no configuration needed, no network).
    pub fn list_reports(&self) -> Result<Vec<ReportInfo>, HostError> {
        self.instance(Reach::nowhere())?.list_reports()
    }

    /// A fresh, isolated instance configured with `config_json`. HTTP from
    /// it may reach only the origins of the config's endpoint and token URL.
    pub fn session(&self, config_json: &str) -> Result<Session, HostError> {
        let mut session = self.instance(reach(config_json))?;
        session.configure(config_json)?;
        Ok(session)
    }

    /// A fresh instance that has not been configured, whose HTTP may reach
    /// only `allowed_origin` (`scheme://host[:port]`), or nothing if `None`.
    pub fn unconfigured_session(&self, allowed_origin: Option<&str>) -> Result<Session, HostError> {
        let mut reach = Reach::nowhere();
        reach.origins.extend(allowed_origin.map(str::to_string));
        self.instance(reach)
    }

    fn instance(&self, reach: Reach) -> Result<Session, HostError> {
        let mut table = ResourceTable::new();
        table.set_max_capacity(self.limits.max_resources);
        let mut http = WasiHttpCtx::new();
        http.set_field_size_limit(self.limits.max_header_bytes);
        let wall = HttpWall::new(reach, &self.limits, &self.trust);
        let counters = wall.counters.clone();
        let state = State {
            wasi: WasiCtxBuilder::new().build(),
            http,
            table,
            wall,
            limits: PeakLimits {
                limits: StoreLimitsBuilder::new()
                    .memory_size(self.limits.memory_bytes)
                    .instances(4)
                    .memories(4)
                    .tables(16)
                    .table_elements(100_000)
                    .trap_on_grow_failure(false)
                    .build(),
                peak_memory: 0,
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        // At every tick: end the call if the wall refused a request over the
        // run's budget (the session then reports the budget), otherwise
        // yield to the runtime, so a timeout can stop a guest that never
        // calls the host.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|store| {
            if store.data().wall.counters.over_budget.load(Ordering::Relaxed) {
                return Err(wasmtime::Error::msg("the run went past its request budget"));
            }
            Ok(wasmtime::UpdateDeadline::Yield(1))
        });
        let runtime = self.runtime.clone();
        let deadline = tokio::time::Instant::now() + self.limits.call_deadline;
        let bindings = session::guarded(
            &runtime,
            deadline,
            HostLimit::CallDeadline,
            self.limits.call_deadline,
            self.pre.instantiate_async(&mut store),
        )?;
        Ok(Session::new(store, bindings, runtime, self.limits.clone(), counters))
    }
}

/// Links exactly the interfaces the `bitbucket-connector` world and Rust's
/// std import, asynchronously: HTTP (types, outgoing-handler), I/O (error,
/// poll, streams), clocks, and the stdio, environment and exit of
/// `wasi:cli` (empty and inert: nothing is inherited). Filesystem, sockets
/// and randomness are not linked, so a component that asks for them fails
/// to instantiate.
fn link_world_imports(linker: &mut Linker<State>) -> anyhow::Result<()> {
    use wasmtime_wasi::p2::bindings::{cli, clocks};
    use wasmtime_wasi_io::bindings::wasi::io;

    /// The guest's resource table, for the I/O interfaces.
    struct Table;
    impl HasData for Table {
        type Data<'a> = &'a mut ResourceTable;
    }
    fn table(s: &mut State) -> &mut ResourceTable {
        &mut s.table
    }
    io::error::add_to_linker::<State, Table>(linker, table)?;
    io::poll::add_to_linker::<State, Table>(linker, table)?;
    io::streams::add_to_linker::<State, Table>(linker, table)?;
    clocks::monotonic_clock::add_to_linker::<State, WasiClocks>(linker, State::clocks)?;
    clocks::wall_clock::add_to_linker::<State, WasiClocks>(linker, State::clocks)?;
    cli::exit::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::environment::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::stdin::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::stdout::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::stderr::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::terminal_input::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::terminal_output::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::terminal_stdin::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::terminal_stdout::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    cli::terminal_stderr::add_to_linker::<State, WasiCli>(linker, State::cli)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
    // wasmtime-wasi-http's `handle`, in a wrapper that frees its options.
    linker.allow_shadowing(true);
    linker.instance("wasi:http/outgoing-handler@0.2.12")?.func_wrap("handle", handle_freeing_options)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// `wasi:http/outgoing-handler.handle` takes its `request-options` as an
/// owned handle, but wasmtime-wasi-http 48 only reads them and never
/// deletes them: one entry of the session's resource table per request,
/// until a long session (a sync of many reports, a run of a few thousand
/// requests) found the table full and the guest trapped. This delegates
/// to wasmtime-wasi-http's `handle`, then deletes the options.
fn handle_freeing_options(
    mut store: wasmtime::StoreContextMut<'_, State>,
    (request, options): (Resource<HostOutgoingRequest>, Option<Resource<http_types::RequestOptions>>),
) -> wasmtime::Result<(Result<Resource<HostFutureIncomingResponse>, http_types::ErrorCode>,)> {
    use wasmtime_wasi_http::p2::bindings::http::outgoing_handler::Host as _;
    use wasmtime_wasi_http::p2::bindings::http::types::Host as _;
    let mut view = store.data_mut().http();
    let owned = options.as_ref().map(|o| o.rep());
    let result = view.handle(request, options);
    if let Some(rep) = owned {
        // Gone already only if `handle` came to delete it itself.
        let _ = view.table.delete(Resource::<http_types::RequestOptions>::new_own(rep));
    }
    Ok((match result {
        Ok(future) => Ok(future),
        Err(error) => Err(view.convert_error_code(error)?),
    },))
}

/// What a store holds: the guest's WASI and HTTP contexts, its resource
/// table, the HTTP wall and the limits.
pub(crate) struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    wall: HttpWall,
    limits: PeakLimits,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.wall }
    }
}
