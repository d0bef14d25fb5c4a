//! host-harness: runs the bitbucket-connector component under wasmtime.
//!
//! - `sandbox`: engine, sessions, the HTTP wall and the limits, and the
//!   typed API (`Host`, `Session`) the CLI and tests drive;
//! - `output`: JSON lines, CSV, table and Arrow writers for rows, and
//!   `sqlite` (tables with upserts); `progress`: the progress line on stderr;
//! - `cli`: the pieces of `connector-harness` (runs, state files, config
//!   files, catalog views, syncs); `env_config`: secrets from the environment;
//!   `advice`: what to do about each error;
//! - `singer`: the Singer tap (`tap-bitbucket`): discovery, selection and
//!   the sync's messages and bookmarks;
//! - `component`: where the component is and how to build it.
//!
//! The fake Bitbucket Cloud (demo and tests) is the `fake-bitbucket` crate.

pub mod advice;
pub mod cli;
pub mod component;
pub mod env_config;
pub mod output;
pub mod progress;
pub mod sandbox;
pub mod singer;

pub use sandbox::wit::{Cell, ColumnInfo, ColumnType, ConnectorError, ErrorCode, Partition, Product, ReportInfo, ReportStatus};
pub use sandbox::{Host, HostError, HostLimit, Limits, LoadOptions, RunSummary, Session, Trust};
