//! The pieces of `connector-harness` (the binary in `main.rs` parses the
//! command line and dispatches to these):
//!
//! - `run`: one report into an output, with progress;
//! - `state`: `--state FILE` checkpoints for incremental runs;
//! - `sync`: a set of reports for a workspace into one database or folder,
//!   with one state file and a summary;
//! - `config_file`: `--config FILE`, secrets from the environment, and the
//!   rotated refresh token written back;
//! - `catalog_view`: `reports` and `describe`;
//! - `fake`: `fake`, the fake Bitbucket served on its own;
//! - `limit_flags`: the sandbox's limits as flags;
//! - `exit`: how a command ends (quietly on a closed pipe, or the error and
//!   what to do).

pub mod catalog_view;
pub mod config_file;
pub mod exit;
pub mod fake;
pub mod limit_flags;
pub mod run;
pub mod state;
pub mod sync;
