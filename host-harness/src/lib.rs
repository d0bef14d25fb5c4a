//! host-harness: runs the bitbucket-connector component under wasmtime.
//!
//! - `sandbox`: engine, linker and per-run stores with their limits, and the
//!   typed API (`Host`, `Session`) the CLI and tests drive;
//! - `output`: JSON lines, CSV and table writers for rows; `sqlite`: SQLite
//!   tables with upserts;
//! - `env_config`: secrets from the environment; `advice`: what to do about
//!   each error;
//! - `component`: where the component is and how to build it.
//!
//! The fake Bitbucket Cloud (demo and tests) is the `fake-bitbucket` crate.

pub mod advice;
pub mod component;
pub mod env_config;
pub mod output;
pub mod progress;
pub mod sandbox;
pub mod sqlite;

pub use sandbox::wit::{
    Cell, ColumnInfo, ColumnType, ConnectorError, ErrorCode, ReportInfo, ReportStatus,
};
pub use sandbox::{Host, HostError, Limits, LoadOptions, Session};
