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
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host-harness sits in the workspace").to_path_buf()
}

/// The component this repository builds (its own `component` profile:
/// opt-level "z", LTO, one codegen unit, stripped; see the README's Size).
pub fn default_path() -> PathBuf {
    workspace_dir().join("target/component/wasm32-wasip2/component/bitbucket_connector.wasm")
}

/// Builds the component (a no-op when it is fresh) and returns its
/// path. Runs cargo at most once per process.
pub fn build() -> anyhow::Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| build_uncached().map_err(|e| format!("{e:#}"))).clone().map_err(anyhow::Error::msg)
}

fn build_uncached() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // `cargo rustc --crate-type cdylib`, not `cargo build`: cargo runs the
    // profile's LTO only for a crate built as a cdylib alone, and the
    // library is a cdylib and an rlib (for its native unit tests).
    let status = Command::new(cargo)
        .current_dir(workspace_dir())
        .args(["rustc", "--quiet", "--profile", "component", "--target", "wasm32-wasip2", "-p", "bitbucket-connector"])
        .args(["--lib", "--crate-type", "cdylib"])
        .env("CARGO_TARGET_DIR", workspace_dir().join("target/component"))
        .status()
        .context("running cargo to build the component")?;
    if !status.success() {
        bail!("building the component failed (is the target installed? `rustup target add wasm32-wasip2`)");
    }
    Ok(default_path())
}

/// The attacks `tests/hostile-guest` implements, one cargo feature each
/// (`"none"` builds it without one: a trivial well-behaved connector).
pub const HOSTILE_ATTACKS: &[&str] = &[
    "none",
    "sleep-forever",
    "hang-request",
    "spin",
    "endless-empty",
    "flood",
    "leak-headers",
    "leak-bodies",
    "ansi-output",
    "huge-json",
    "rotate-token",
    "origin-tricks",
    "many-rows",
];

/// Builds the hostile guest of `tests/hostile-guest` with the feature
/// `attack` (see [`HOSTILE_ATTACKS`]) and returns the path of its own copy,
/// `target/hostile/<attack>/hostile_guest.wasm`. Runs cargo at most once
/// per process per attack. Every attack shares one cargo target directory
/// (`target/hostile/build`, so the bindings' dependencies compile once);
/// a lock file keeps another process's build from replacing the artefact
/// between the build and the copy.
pub fn build_hostile(attack: &str) -> anyhow::Result<PathBuf> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static BUILT: OnceLock<Mutex<HashMap<String, Result<PathBuf, String>>>> = OnceLock::new();
    if !HOSTILE_ATTACKS.contains(&attack) {
        bail!("no hostile guest `{attack}`; known: {HOSTILE_ATTACKS:?}");
    }
    // One build at a time in this process (they share a target directory).
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    built
        .entry(attack.to_string())
        .or_insert_with(|| build_hostile_uncached(attack).map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn build_hostile_uncached(attack: &str) -> anyhow::Result<PathBuf> {
    let root = workspace_dir().join("target/hostile");
    std::fs::create_dir_all(&root)?;
    // Across processes: held from the build to the copy.
    let lock = std::fs::File::create(root.join(".lock"))?;
    lock.lock()?;
    let target_dir = root.join("build");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_dir().join("tests/hostile-guest"))
        .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2"])
        .env("CARGO_TARGET_DIR", &target_dir);
    if attack != "none" {
        command.args(["--features", attack]);
    }
    let status = command.status().context("running cargo to build the hostile guest")?;
    if !status.success() {
        bail!("building the hostile guest `{attack}` failed");
    }
    let dir = root.join(attack);
    std::fs::create_dir_all(&dir)?;
    let wasm = dir.join("hostile_guest.wasm");
    std::fs::copy(target_dir.join("wasm32-wasip2/release/hostile_guest.wasm"), &wasm)?;
    Ok(wasm)
}
