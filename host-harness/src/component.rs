//! Where the component lives and how to build it. The harness builds it
//! into its own target directory (`target/component`) so a build started
//! from inside `cargo test` or `cargo run` never waits on the outer cargo's
//! lock. A build that has work to do ([`is_stale`]) says so on stderr
//! first, since the first one takes minutes.

use anyhow::{bail, Context as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// What the component is built from, in the workspace.
const SOURCES: &[&str] = &["src", "wit", "Cargo.toml", "Cargo.lock"];

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
    let path = default_path();
    let sources: Vec<PathBuf> = SOURCES.iter().map(|s| workspace_dir().join(s)).collect();
    let stale = is_stale(&path, &sources);
    if stale {
        eprintln!("building the connector component ({}); the first build takes a few minutes…", path.display());
    }
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
    let wasm = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let stripped = without_custom_sections(&wasm).with_context(|| format!("{} is not a component", path.display()))?;
    if stripped.len() < wasm.len() {
        // Renamed into place: another process may be reading the old one.
        let temporary = path.with_extension(format!("wasm.{}", std::process::id()));
        std::fs::write(&temporary, &stripped).with_context(|| format!("writing {}", temporary.display()))?;
        std::fs::rename(&temporary, &path).with_context(|| format!("replacing {}", path.display()))?;
    }
    if stale {
        // Cargo found it up to date, or made it so (a change outside the
        // component's inputs, such as a host dependency in Cargo.lock,
        // relinks nothing): it is as new as its sources now.
        let artefact = std::fs::File::options().write(true).open(&path).with_context(|| format!("opening {}", path.display()))?;
        artefact.set_modified(SystemTime::now()).with_context(|| format!("touching {}", path.display()))?;
    }
    Ok(path)
}

/// Whether the component at `artefact` needs a build: it is missing, or
/// older than a file among `sources` (files, or folders walked whole; a
/// source that does not exist counts as old).
pub fn is_stale(artefact: &Path, sources: &[PathBuf]) -> bool {
    let Ok(built) = std::fs::metadata(artefact).and_then(|m| m.modified()) else {
        return true;
    };
    sources.iter().any(|source| changed_after(source, built))
}

/// Whether `path`, or a file under it, was modified after `built`.
fn changed_after(path: &Path, built: SystemTime) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if meta.is_dir() {
        std::fs::read_dir(path).into_iter().flatten().flatten().any(|entry| changed_after(&entry.path(), built))
    } else {
        meta.modified().is_ok_and(|modified| modified > built)
    }
}

/// A component without its own custom sections: `component-name` (names
/// for debugging tools, 9 KB) and `producers` (tool versions), which the
/// linker writes though the profile strips the core module's names. `None`
/// when `wasm` is not a component binary.
pub fn without_custom_sections(wasm: &[u8]) -> Option<Vec<u8>> {
    const PREAMBLE: &[u8] = b"\0asm\x0d\0\x01\0";
    let mut rest = wasm.strip_prefix(PREAMBLE)?;
    let mut kept = PREAMBLE.to_vec();
    while let Some((&id, after_id)) = rest.split_first() {
        // A section: its id, its payload's size (LEB128), its payload.
        let (mut size, mut shift, mut leb_len) = (0usize, 0, 0);
        loop {
            let byte = *after_id.get(leb_len)?;
            size |= usize::from(byte & 0x7f).checked_shl(shift)?;
            leb_len += 1;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let section = rest.get(..1 + leb_len + size)?;
        if id != 0 {
            kept.extend_from_slice(section);
        }
        rest = &rest[section.len()..];
    }
    Some(kept)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A fresh folder with `src/lib.rs`, `src/reports/a.rs` and `Cargo.toml`
    /// modified an hour ago, and the sources as [`is_stale`] takes them.
    fn workspace(name: &str) -> (PathBuf, Vec<PathBuf>) {
        let root = std::env::temp_dir().join(format!("host-harness-stale-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("src/reports")).unwrap();
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for file in ["src/lib.rs", "src/reports/a.rs", "Cargo.toml"] {
            std::fs::write(root.join(file), "").unwrap();
            touch(&root.join(file), hour_ago);
        }
        let sources = ["src", "wit", "Cargo.toml"].iter().map(|s| root.join(s)).collect();
        (root, sources)
    }

    fn touch(path: &Path, at: SystemTime) {
        std::fs::File::options().write(true).open(path).unwrap().set_modified(at).unwrap();
    }

    #[test]
    fn a_missing_artefact_is_stale() {
        let (root, sources) = workspace("missing");
        assert!(is_stale(&root.join("component.wasm"), &sources));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_artefact_older_than_a_source_in_a_nested_folder_is_stale() {
        let (root, sources) = workspace("older");
        let artefact = root.join("component.wasm");
        std::fs::write(&artefact, "").unwrap();
        touch(&artefact, SystemTime::now() - Duration::from_secs(60));
        assert!(!is_stale(&artefact, &sources), "newer than every source");
        touch(&root.join("src/reports/a.rs"), SystemTime::now());
        assert!(is_stale(&artefact, &sources), "src/reports/a.rs changed after the build");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_artefact_newer_than_every_source_is_fresh() {
        let (root, sources) = workspace("newer");
        let artefact = root.join("component.wasm");
        std::fs::write(&artefact, "").unwrap();
        assert!(!is_stale(&artefact, &sources));
        // A top-level file counts too.
        touch(&root.join("Cargo.toml"), SystemTime::now() + Duration::from_secs(60));
        assert!(is_stale(&artefact, &sources));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
