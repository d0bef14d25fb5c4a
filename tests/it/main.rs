//! The end-to-end suite, one binary (so wasmtime is linked once): the real
//! component, built once per run, in the real wasmtime host (and under
//! Node.js), against real fake Bitbucket servers on 127.0.0.1.
//!
//! - `e2e`: every report end to end, the contract's vocabulary, limits;
//! - `coverage`: every catalog endpoint served, OpenAPI conformance of
//!   every request sent, the README's report table;
//! - `data_center`: the component on Bitbucket Data Center (the fake Data
//!   Center): its reports, conformance with the Data Center document,
//!   products, authentication, incremental runs, partitions, faults;
//! - `faults`: the fault matrix (429 storms, 5xx, drops, truncation, ...)
//!   and secrets on every failure path;
//! - `hostile_sandbox`: hostile guests of our own against the sandbox's
//!   limits (time, endless batches, floods, leaks, origin tricks), each in a
//!   child process beside a tenant that keeps being served;
//! - `incremental`: checkpoints and `changed-after` through the contract;
//! - `isolation`: tenants in one process never see each other;
//! - `odd_objects`: timestamps without an offset, collections that end
//!   before their `size`;
//! - `limits`: the run budgets, requests and requests in flight;
//! - `network`: pooled connections (keep-alive, HTTP/2, one pool per
//!   session) and HTTPS with a test CA trusted through `ca_file`;
//! - `speed`: requests, pipelining and concurrency (counts, not wall time);
//! - `size`: the component under its size ceiling;
//! - `node_host`: the same component under Node.js (jco + preview2-shim);
//! - `cli`: the `connector-harness` binary as a user drives it;
//! - `cli_output`: its output as a Unix tool's: the table fitted to
//!   `COLUMNS`, `--columns`, `demo --output`, `| head -1`;
//! - `sync`: `connector-harness sync`, a workspace into one database or
//!   folder with one state file, and the README's SQLite queries;
//! - `arrow`: `--format arrow`, read back by pyarrow (a venv of its own);
//! - `fake_cli`: `connector-harness fake`, the fake served on its own, and
//!   its control endpoint;
//! - `spark`: the Spark data source (`integrations/spark`) on a two-worker
//!   local cluster, batch and streaming (installs pyspark and a JRE);
//! - `singer`: the Singer tap `tap-bitbucket` with target-jsonl,
//!   meltanolabs-target-csv and `meltano run` (venvs of their own);
//! - `hostile`: the CLI against guests that misbehave on purpose
//!   (`tests/hostile-guest`): output injection, huge json, many rows,
//!   rotated tokens, planted precompiled code.
//!
//! Shared set-up is in `common`.

mod arrow;
mod cli;
mod cli_output;
mod common;
mod coverage;
mod data_center;
mod e2e;
mod fake_cli;
mod faults;
mod hostile;
mod hostile_sandbox;
mod incremental;
mod isolation;
mod limits;
mod network;
mod node_host;
mod odd_objects;
mod partitions;
mod singer;
mod size;
mod spark;
mod speed;
mod sync;
