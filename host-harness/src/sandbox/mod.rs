//! The sandbox: one wasmtime engine per [`Host`], one store per
//! [`Session`], and the limits every store runs under:
//!
//! - `http_wall`: outgoing HTTP only to the origins of the configured
//!   endpoint and token URL (a second wall under the component's own
//!   check), and a cap on each response body while it streams;
//! - `limits`: the memory cap per instance and the deadline per call into
//!   the guest (epoch interruption);
//! - `cache`: the component's precompiled native code;
//! - `session`: a configured instance and the run loop over its batches;
//! - `errors`: what a failed call becomes ([`HostError`]);
//! - `wit`: the contract's types as the host sees them.
//!
//! The guest gets no filesystem, environment, sockets or inherited stdio.
//! A trap (panic, deadline, memory) ends that session with a `HostError`;
//! the engine and other sessions carry on.

mod cache;
mod errors;
mod http_wall;
mod limits;
mod session;
pub mod wit;

pub use errors::HostError;
pub use limits::Limits;
pub use session::{RunSummary, Session};

use anyhow::Context as _;
use errors::trap;
use http_wall::{allowed_origins, HttpWall};
use limits::{PeakLimits, EPOCH_TICK};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
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
            cache::load_precompiled(&engine, path)
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
        Ok(Session::new(store, bindings, self.deadline_ticks()))
    }

    fn instantiate(
        &self,
        allowed: Vec<String>,
    ) -> Result<(Store<State>, bindings::BitbucketConnector), HostError> {
        let state = State {
            wasi: WasiCtxBuilder::new().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            sandbox: HttpWall {
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

/// What a store holds: the guest's WASI and HTTP contexts, its resource
/// table, the HTTP wall and the limits.
pub(crate) struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    sandbox: HttpWall,
    limits: PeakLimits,
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
