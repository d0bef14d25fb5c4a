//! The component's native code, compiled once and kept beside the `.wasm`.

use std::path::Path;
use wasmtime::component::Component;
use wasmtime::Engine;

/// The component compiled to native code, from `<name>.<key>.cwasm` next
/// to the `.wasm` when one exists for these exact bytes and this engine's
/// settings; otherwise compiled now and saved there for next time (best
/// effort: a read-only directory only costs the compile).
pub(crate) fn load_precompiled(engine: &Engine, path: &Path) -> anyhow::Result<(Component, bool)> {
    use std::hash::{Hash, Hasher};
    let wasm = std::fs::read(path)?;
    let mut hasher = std::hash::DefaultHasher::new();
    wasm.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let cached = path.with_file_name(format!("{stem}.{:016x}.cwasm", hasher.finish()));
    if cached.is_file() {
        // SAFETY: the artefact's name is derived from the hash of the exact
        // `.wasm` bytes and of this engine's compatibility settings, and it
        // is only ever written below, by `Engine::precompile_component`.
        #[allow(unsafe_code)]
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &cached) } {
            return Ok((component, true));
        }
    }
    let compiled = engine.precompile_component(&wasm)?;
    // Written aside and renamed, so a concurrent reader never sees half a file.
    let partial = cached.with_extension(format!("{}.partial", std::process::id()));
    if std::fs::write(&partial, &compiled).is_ok() && std::fs::rename(&partial, &cached).is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    // Artefacts of earlier builds of this component are stale now.
    if let (Some(dir), Ok(name)) = (cached.parent(), cached.file_name().ok_or(())) {
        let prefix = format!("{stem}.");
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let other = entry.file_name();
            let other = other.to_string_lossy();
            if other.starts_with(&prefix) && other.ends_with(".cwasm") && *other != *name.to_string_lossy() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    // SAFETY: produced by this engine just now.
    #[allow(unsafe_code)]
    Ok((unsafe { Component::deserialize(engine, &compiled) }?, false))
}
