//! Hostile guests (`tests/hostile-guest`, one attack per feature) against
//! the `connector-harness` CLI: guest text never reaches the terminal raw
//! while machine formats stay exact, json cells are checked and capped, the
//! table runs in bounded memory, a rotated token is stored only when sane,
//! and a planted precompiled artefact is never run. Each child runs under
//! `/usr/bin/time -v` for its peak RSS, with a cache folder of its own.

use host_harness::component;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// What `ansi-output` writes into every text (see the guest's `EVIL`).
const EVIL: &str = "\x1b]0;pwned\x07\x1b[2J\r\u{202e}\u{9b}31m\x7f\nend";

struct Run {
    output: Output,
    /// The harness's own stderr (without `time`'s report).
    stderr: String,
    max_rss_kib: u64,
    elapsed: Duration,
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn guest(attack: &str) -> PathBuf {
    component::build_hostile(attack).expect("the hostile guest builds")
}

/// Runs the harness on `component` with `args`, its cache in `cache`.
fn harness_in(component: &Path, cache: &Path, args: &[&str]) -> Run {
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_connector-harness"))
        .arg("--component")
        .arg(component)
        .args(args)
        .env("CONNECTOR_HARNESS_CACHE_DIR", cache)
        .output()
        .expect("the harness runs under /usr/bin/time");
    let elapsed = started.elapsed();
    let all = String::from_utf8_lossy(&output.stderr).into_owned();
    let (stderr, report) = all.split_once("\tCommand being timed:").unwrap_or((all.as_str(), ""));
    let max_rss_kib = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no RSS in time's report: {report}"));
    Run { stderr: stderr.to_string(), output, max_rss_kib, elapsed }
}

fn harness(component: &Path, args: &[&str]) -> Run {
    let cache = std::env::temp_dir().join(format!("hostile-cache-{}", std::process::id()));
    harness_in(component, &cache, args)
}

/// No byte a terminal would act on: ESC, BEL, CR, DEL, C1 CSI, U+202E.
fn assert_inert(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for bad in ['\x1b', '\x07', '\r', '\x7f', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(bad), "{what} carries {bad:?} raw: {}", text.escape_debug());
    }
}

fn config(dir: &Path, auth: serde_json::Value, hostile: &str) -> PathBuf {
    let path = dir.join("config.json");
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "endpoint": "http://127.0.0.1:9/2.0",
        "auth": auth,
        "hostile": hostile,
    }))
    .unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn bearer() -> serde_json::Value {
    serde_json::json!({"type": "bearer", "access_token": "secret"})
}

#[test]
fn guest_text_reaches_the_terminal_only_made_visible() {
    let wasm = guest("ansi-output");
    let dir = scratch("ansi");
    let cfg = config(&dir, bearer(), "");
    let cfg = cfg.to_str().unwrap();
    let evil_id = format!("evil{EVIL}");
    let cases: Vec<(Vec<&str>, bool, &str)> = vec![
        (vec!["reports"], true, "Title \\x1b]0;pwned\\x07"),
        (vec!["describe", "ok"], true, "Description \\x1b]0;pwned"),
        (vec!["describe", "ok"], true, "On Data Center: GET /rest/dc\\x1b]0;pwned"),
        (vec!["describe", "ok"], true, "Changed:     changed\\x1b]0;pwned"),
        (vec!["describe", &evil_id], true, "\\u{202e}"),
        (vec!["run", "ok", "--config", cfg, "--format", "table"], true, "(2 rows)"),
        (
            vec!["run", "ok", "--config", cfg, "--param", "fail=start"],
            false,
            "bad parameter \\x1b]0;pwned\\x07\\x1b[2J\\x0d\\u{202e}",
        ),
        (vec!["run", "ok", "--config", cfg, "--format", "table", "--param", "fail=batch"], false, "upstream failed \\x1b"),
    ];
    for (args, ok, shown) in cases {
        let run = harness(&wasm, &args);
        assert_eq!(run.output.status.success(), ok, "{args:?}: {}", run.stderr);
        assert_inert(&run.output.stdout, &format!("stdout of {args:?}"));
        assert_inert(run.stderr.as_bytes(), &format!("stderr of {args:?}"));
        let both = String::from_utf8_lossy(&run.output.stdout).into_owned() + &run.stderr;
        assert!(both.contains(shown), "{args:?} shows {shown:?}: {both}");
        if !ok {
            assert!(run.stderr.contains("what to do: "), "{}", run.stderr);
        }
    }
    let failing = config(&dir, bearer(), "fail-configure");
    let run = harness(&wasm, &["run", "ok", "--config", failing.to_str().unwrap()]);
    assert!(!run.output.status.success());
    assert_inert(run.stderr.as_bytes(), "a failed configure");
    assert!(run.stderr.contains("bad config \\x1b"), "{}", run.stderr);
}

/// RFC 4180 records (quoted fields may hold commas, quotes, line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted && field.is_empty() && record.is_empty(), "CSV ends cleanly");
    records
}

#[test]
fn machine_formats_keep_guest_text_exact() {
    let wasm = guest("ansi-output");
    let dir = scratch("exact");
    let cfg = config(&dir, bearer(), "");
    let cfg = cfg.to_str().unwrap();
    let second = format!("a,b\"c\r\n{EVIL}");

    let run = harness(&wasm, &["run", "ok", "--config", cfg, "--format", "jsonl"]);
    assert!(run.output.status.success(), "{}", run.stderr);
    let stdout = String::from_utf8(run.output.stdout).unwrap();
    assert!(stdout.contains("\\u001b]0;pwned\\u0007"), "{stdout}");
    let rows: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let key = format!("value{EVIL}");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][&key], EVIL);
    assert_eq!(rows[1][&key], second.as_str());

    let csv = dir.join("out.csv");
    let run = harness(&wasm, &["run", "ok", "--config", cfg, "--format", "csv", "--output", csv.to_str().unwrap()]);
    assert!(run.output.status.success(), "{}", run.stderr);
    let records = parse_csv(&std::fs::read_to_string(&csv).unwrap());
    assert_eq!(
        records,
        vec![vec![key.clone(), "plain".into()], vec![EVIL.into(), "plain".into()], vec![second, "second".into()],]
    );
}

#[test]
fn huge_or_invalid_json_cells_end_the_run_with_a_typed_output_error() {
    let wasm = guest("huge-json");
    let dir = scratch("json");
    let cfg = config(&dir, bearer(), "");
    let cfg = cfg.to_str().unwrap();
    for (case, format, says) in [
        ("huge", "jsonl", "over the cap of 8388608 bytes"),
        ("huge", "table", "over the cap"),
        ("invalid", "jsonl", "that is not valid JSON"),
        ("invalid", "csv", "that is not valid JSON"),
        ("invalid", "table", "that is not valid JSON"),
    ] {
        let param = format!("case={case}");
        let out = dir.join(format!("{case}.{format}"));
        let run = harness(
            &wasm,
            &["run", "ok", "--config", cfg, "--param", &param, "--format", format, "--output", out.to_str().unwrap()],
        );
        eprintln!("huge-json {case} {format}: peak RSS {} MiB, {:.1} s", run.max_rss_kib / 1024, run.elapsed.as_secs_f64());
        assert!(!run.output.status.success(), "{case} {format}");
        assert!(run.stderr.starts_with("output-error: "), "{}", run.stderr);
        assert!(run.stderr.contains("column `doc`"), "{}", run.stderr);
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert!(run.stderr.contains("what to do: The connector sent a cell"), "{}", run.stderr);
        assert!(run.max_rss_kib < 250 * 1024, "peak RSS {} KiB", run.max_rss_kib);
    }
    // A 4 MiB valid document is copied through, not parsed into a tree.
    let out = dir.join("big.jsonl");
    let run = harness(&wasm, &["run", "ok", "--config", cfg, "--param", "case=big-ok", "--output", out.to_str().unwrap()]);
    eprintln!("huge-json big-ok: peak RSS {} MiB, {:.1} s", run.max_rss_kib / 1024, run.elapsed.as_secs_f64());
    assert!(run.output.status.success(), "{}", run.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.len() > 4_000_000 && text.ends_with("[]]}\n"));
    assert!(run.max_rss_kib < 150 * 1024, "peak RSS {} KiB", run.max_rss_kib);
}

#[test]
fn the_table_writes_six_million_rows_in_bounded_memory() {
    let wasm = guest("many-rows");
    let dir = scratch("rows");
    let cfg = config(&dir, bearer(), "");
    let out = dir.join("rows.txt");
    let run =
        harness(&wasm, &["run", "ok", "--config", cfg.to_str().unwrap(), "--format", "table", "--output", out.to_str().unwrap()]);
    eprintln!("many-rows table: peak RSS {} MiB, {:.1} s", run.max_rss_kib / 1024, run.elapsed.as_secs_f64());
    assert!(run.output.status.success(), "{}", run.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.ends_with("(6000000 rows)\n"));
    assert_eq!(text.lines().count(), 6_000_003);
    std::fs::remove_file(&out).unwrap();
    assert!(run.max_rss_kib < 200 * 1024, "peak RSS {} KiB", run.max_rss_kib);
}

#[test]
fn a_rotated_token_is_stored_only_for_oauth_and_only_when_sane() {
    let wasm = guest("rotate-token");
    let dir = scratch("token");
    let oauth = serde_json::json!({"type": "oauth", "client_id": "id", "client_secret": "s", "refresh_token": "old"});
    let api = serde_json::json!({"type": "api-token", "email": "a@b.c", "token": "t"});
    for (auth, variant) in [
        (bearer(), ""),
        (api.clone(), ""),
        (bearer(), "oauth-ok"),
        (api, "control"),
        (oauth.clone(), ""),
        (oauth.clone(), "control"),
    ] {
        let path = config(&dir, auth.clone(), variant);
        let before = std::fs::read(&path).unwrap();
        let run = harness(&wasm, &["run", "ok", "--config", path.to_str().unwrap()]);
        assert!(run.output.status.success(), "{}", run.stderr);
        assert_eq!(std::fs::read(&path).unwrap(), before, "{auth} {variant}: file untouched");
        assert!(!path.with_extension("refresh-token").exists());
        assert!(run.stderr.contains("Not saved: the connector returned a rotated refresh token"), "{}", run.stderr);
        assert!(run.stderr.len() < 1000, "the token is not echoed");
        assert_inert(run.stderr.as_bytes(), "the refusal");
    }
    // The one sane case is stored.
    let path = config(&dir, oauth, "oauth-ok");
    let run = harness(&wasm, &["run", "ok", "--config", path.to_str().unwrap()]);
    assert!(run.output.status.success(), "{}", run.stderr);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["auth"]["refresh_token"], "a-fine-rotated-token_0123456789");
}

/// The name the old loader looked for next to the `.wasm`
/// (`<stem>.<DefaultHasher of bytes, engine settings, version>.cwasm`),
/// with the engine settings the host uses.
fn old_predictable_name(wasm: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true).epoch_interruption(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let mut hasher = std::hash::DefaultHasher::new();
    std::fs::read(wasm).unwrap().hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    wasm.with_file_name(format!("hostile_guest.{:016x}.cwasm", hasher.finish()))
}

fn cwasm_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".cwasm")).collect();
    found.sort();
    found
}

/// Whether the catalog the harness printed is the well-behaved guest's.
fn lists_only_ok(run: &Run) -> bool {
    let out = String::from_utf8_lossy(&run.output.stdout);
    run.output.status.success() && out.contains("Report ok") && !out.contains("Title")
}

#[test]
fn a_planted_precompiled_artefact_is_never_run() {
    let dir = scratch("plant");
    let cache = dir.join("cache");
    let wasm = dir.join("components/hostile_guest.wasm");
    std::fs::create_dir_all(wasm.parent().unwrap()).unwrap();
    std::fs::copy(guest("none"), &wasm).unwrap();
    // Native code of another component (ansi-output), valid for this engine.
    let evil = dir.join("evil/hostile_guest.wasm");
    std::fs::create_dir_all(evil.parent().unwrap()).unwrap();
    std::fs::copy(guest("ansi-output"), &evil).unwrap();
    assert!(!lists_only_ok(&harness_in(&evil, &cache, &["reports"])));
    let evil_code = std::fs::read(&cwasm_in(&cache)[0]).unwrap();
    std::fs::remove_dir_all(&cache).unwrap();

    // Next to the .wasm: under the old predictable name and another one.
    let planted = [old_predictable_name(&wasm), wasm.with_file_name("hostile_guest.0000000000000000.cwasm")];
    for p in &planted {
        std::fs::write(p, &evil_code).unwrap();
    }
    let first = harness_in(&wasm, &cache, &["reports"]);
    assert!(lists_only_ok(&first), "{}", String::from_utf8_lossy(&first.output.stdout));
    assert_eq!(
        cwasm_in(wasm.parent().unwrap()),
        {
            let mut p = planted.to_vec();
            p.sort();
            p
        },
        "nothing deleted or added next to the component"
    );
    let mode = |p: &Path| std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(p).unwrap().permissions()) & 0o777;
    assert_eq!(mode(&cache), 0o700);
    let ours = cwasm_in(&cache);
    assert_eq!(ours.len(), 1, "one artefact in the cache folder");
    assert_eq!(mode(&ours[0]), 0o600);
    let name = ours[0].file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(name.len(), 64 + ".cwasm".len(), "named by a SHA-256");

    // In the cache folder, under the new name, with other content: refused
    // (its content does not match the sidecar), recompiled, still right.
    std::fs::write(&ours[0], &evil_code).unwrap();
    let second = harness_in(&wasm, &cache, &["reports"]);
    assert!(lists_only_ok(&second), "{}", String::from_utf8_lossy(&second.output.stdout));
    assert_ne!(std::fs::read(&ours[0]).unwrap(), evil_code, "rewritten by the host");
    assert!(lists_only_ok(&harness_in(&wasm, &cache, &["reports"])));

    // A cache folder others can write is not used at all, even when the
    // artefact and its sidecar agree.
    let sidecar = ours[0].with_extension("cwasm.sha256");
    std::fs::write(&ours[0], &evil_code).unwrap();
    let digest = sha256_hex(&evil_code);
    std::fs::write(&sidecar, digest).unwrap();
    std::fs::set_permissions(&cache, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let third = harness_in(&wasm, &cache, &["reports"]);
    assert!(lists_only_ok(&third), "{}", String::from_utf8_lossy(&third.output.stdout));
    assert_eq!(std::fs::read(&ours[0]).unwrap(), evil_code, "a refused folder is not written");
    for p in &planted {
        assert!(p.exists(), "{} was not deleted", p.display());
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
