//! Where the component lives and how to build it. The harness builds it
//! into its own target directory (`target/component`) so a build started
//! from inside `cargo test` or `cargo run` never waits on the outer cargo's
//! lock.

use anyhow::{bail, Context as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root (the workspace that contains this crate).
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host-harness sits in the workspace")
        .to_path_buf()
}

/// The component this repository builds (its own `component` profile: LTO,
/// one codegen unit, stripped).
pub fn default_path() -> PathBuf {
    workspace_dir().join("target/component/wasm32-wasip2/component/bitbucket_connector.wasm")
}

/// Builds the component (a no-op when it is fresh) and returns its
/// path. Runs cargo at most once per process.
pub fn build() -> anyhow::Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| build_uncached().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn build_uncached() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_dir())
        .args([
            "build",
            "--quiet",
            "--profile",
            "component",
            "--target",
            "wasm32-wasip2",
            "-p",
            "bitbucket-connector",
        ])
        .env("CARGO_TARGET_DIR", workspace_dir().join("target/component"))
        .status()
        .context("running cargo to build the component")?;
    if !status.success() {
        bail!("building the component failed (is the target installed? `rustup target add wasm32-wasip2`)");
    }
    Ok(default_path())
}
