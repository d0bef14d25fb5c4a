//! The component's native code, compiled once and kept in a folder only
//! this user can write.
//!
//! A precompiled artefact is machine code the host runs without checks, so
//! it must come from this host, never from whoever can write next to the
//! `.wasm`. It lives in the per-user cache folder
//! (`$CONNECTOR_HARNESS_CACHE_DIR`, else `$XDG_CACHE_HOME/bitbucket-connector`,
//! else `~/.cache/bitbucket-connector`), created 0700 and refused unless it
//! is a real directory owned by this user and writable by no one else. An
//! artefact is named by the SHA-256 of the component's bytes and of the
//! engine's compatibility settings; it is written 0600 and renamed into
//! place, with a `.sha256` sidecar holding the SHA-256 of its content, and
//! it is only deserialised when it is a regular file owned by this user,
//! writable by no one else, whose content matches its sidecar. Nothing is
//! ever written or deleted next to the component. Without a usable folder
//! the component is compiled in memory (it only costs the compile).

use anyhow::{bail, Context as _};
use sha2::{Digest, Sha256};
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use wasmtime::component::Component;
use wasmtime::Engine;

/// The variable that points the cache somewhere else (tests use it).
pub(crate) const CACHE_DIR_ENV: &str = "CONNECTOR_HARNESS_CACHE_DIR";

/// Artefacts not touched for this long are removed from the cache folder.
const STALE_AFTER: Duration = Duration::from_secs(14 * 24 * 3600);

/// The component at `path` compiled to native code, and whether that code
/// came from the cache.
pub(crate) fn load_precompiled(engine: &Engine, path: &Path) -> anyhow::Result<(Component, bool)> {
    let wasm = std::fs::read(path)?;
    let Ok(dir) = cache_dir() else {
        return Ok((Component::new(engine, &wasm)?, false));
    };
    let artefact = dir.join(format!("{}.cwasm", key(engine, &wasm)));
    let sidecar = artefact.with_extension("cwasm.sha256");
    if let Some(code) = read_verified(&artefact, &sidecar) {
        // SAFETY: `read_verified` only returns the content of a file in a
        // folder only this user can write, owned by this user, writable by
        // no one else, whose SHA-256 matches the sidecar this host wrote
        // beside it; the file's name binds it to these `.wasm` bytes and
        // this engine's settings, and only `precompile_component` below
        // produces such files.
        #[allow(unsafe_code)]
        if let Ok(component) = unsafe { Component::deserialize(engine, &code) } {
            touch(&artefact);
            touch(&sidecar);
            return Ok((component, true));
        }
    }
    let compiled = engine.precompile_component(&wasm)?;
    // Best effort: a full disk only costs the next compile.
    if write_private(&artefact, &compiled).is_ok() {
        let _ = write_private(&sidecar, hex(&Sha256::digest(&compiled)).as_bytes());
    }
    prune(&dir);
    // SAFETY: produced by this engine just now, from memory.
    #[allow(unsafe_code)]
    Ok((unsafe { Component::deserialize(engine, &compiled) }?, false))
}

/// The cache folder, created 0700 if missing; refused unless it is a
/// directory (not a link) owned by this user and not group- or
/// world-writable.
pub(crate) fn cache_dir() -> anyhow::Result<PathBuf> {
    let dir = match std::env::var_os(CACHE_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => match std::env::var_os("XDG_CACHE_HOME") {
            Some(base) if Path::new(&base).is_absolute() => PathBuf::from(base),
            _ => match std::env::var_os("HOME") {
                Some(home) if !home.is_empty() => Path::new(&home).join(".cache"),
                _ => bail!("no cache folder: neither XDG_CACHE_HOME nor HOME is set"),
            },
        }
        .join("bitbucket-connector"),
    };
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
    }
    let meta = std::fs::symlink_metadata(&dir)?;
    if !meta.is_dir() {
        bail!("the cache folder {} is not a directory", dir.display());
    }
    if meta.uid() != current_uid() || meta.mode() & 0o022 != 0 {
        bail!("the cache folder {} is not owned by this user or is writable by others; not used", dir.display());
    }
    Ok(dir)
}

/// SHA-256 of the `.wasm` bytes and of the engine's compatibility settings
/// (which cover wasmtime's version and every setting that changes the
/// code), in hex.
fn key(engine: &Engine, wasm: &[u8]) -> String {
    /// Feeds what `Hash` writes into a SHA-256.
    struct ShaHasher(Sha256);
    impl std::hash::Hasher for ShaHasher {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            0
        }
    }
    let mut hasher = ShaHasher(Sha256::new());
    hasher.0.update(b"connector-harness precompiled component v1\0");
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    hasher.0.update(b"\0wasm\0");
    hasher.0.update(wasm);
    hex(&hasher.0.finalize())
}

/// The content of `artefact` if it is a regular file owned by this user,
/// writable by no one else, and its SHA-256 is the one `sidecar` holds.
fn read_verified(artefact: &Path, sidecar: &Path) -> Option<Vec<u8>> {
    let read = |path: &Path| -> Option<Vec<u8>> {
        let mut file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.uid() != current_uid() || meta.mode() & 0o022 != 0 {
            return None;
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes).ok()?;
        Some(bytes)
    };
    let expected = read(sidecar)?;
    let code = read(artefact)?;
    (hex(&Sha256::digest(&code)).as_bytes() == expected.trim_ascii()).then_some(code)
}

/// Writes `bytes` to a fresh 0600 file beside `path` and renames it into
/// place, so a reader never sees half a file.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = path.with_extension(format!("{}.partial", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&partial)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Marks an artefact as used (so [`prune`] keeps it).
fn touch(path: &Path) {
    if let Ok(file) = std::fs::File::options().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Removes this cache's artefacts (and sidecars) unused for [`STALE_AFTER`];
/// only in the host's own folder, only files it names.
fn prune(dir: &Path) {
    let now = SystemTime::now();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name.ends_with(".cwasm") || name.ends_with(".cwasm.sha256");
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if ours && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
