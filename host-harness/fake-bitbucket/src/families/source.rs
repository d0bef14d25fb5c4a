//! The `src` tree: a fixed tree of 14 entries served at any commit key
//! (hash, branch, tag, `HEAD`); directory listings (BBQL, `max_depth`
//! breadth first, `format=meta`), file metadata, a file's history
//! (`filehistory`: the commits that changed it), and the accessors.

use crate::api::{list, resolve_repo, ApiError, ApiRequest, ApiResult};
use crate::dataset::{parse, Dataset};
use crate::json::{object, Obj};
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::mix;
use serde_json::Value;

/// The `src` tree, the same at every commit: (path, size or `DIR`, mimetype,
/// attributes), sorted by path so that a directory's children are in order.
const DIR: u64 = u64::MAX;

const SRC_TREE: [(&str, u64, Option<&str>, &[&str]); 14] = [
    (".gitignore", 48, None, &[]),
    ("README.md", 1834, Some("text/markdown"), &[]),
    ("bitbucket-pipelines.yml", 612, Some("text/x-yaml"), &[]),
    ("docs", DIR, None, &[]),
    ("docs/architecture.md", 4210, Some("text/markdown"), &[]),
    ("docs/index.md", 980, Some("text/markdown"), &[]),
    ("docs/logo.png", 20_480, Some("image/png"), &["binary"]),
    ("scripts", DIR, None, &[]),
    ("scripts/deploy.sh", 733, Some("text/x-sh"), &["executable"]),
    ("src", DIR, None, &[]),
    ("src/lib", DIR, None, &[]),
    ("src/lib/mod.rs", 1203, Some("text/x-rust"), &[]),
    ("src/lib/util.rs", 2890, Some("text/x-rust"), &[]),
    ("src/main.rs", 2450, Some("text/x-rust"), &[]),
];

impl Dataset {
    /// Index into the src tree of `path` (`None` for the root, `Err` if absent).
    pub(crate) fn src_lookup(path: &str) -> Result<Option<usize>, ()> {
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Ok(None);
        }
        SRC_TREE.iter().position(|e| e.0 == path).map(Some).ok_or(())
    }

    pub(crate) fn src_is_dir(entry: Option<usize>) -> bool {
        entry.is_none_or(|i| SRC_TREE[i].1 == DIR)
    }

    /// Entries under directory `dir` (`None` = root), breadth first, down to
    /// `max_depth` levels (1 = direct children).
    pub(crate) fn src_children(dir: Option<usize>, max_depth: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut level: Vec<Option<usize>> = vec![dir];
        for _ in 0..max_depth.max(1) {
            let mut next = Vec::new();
            for d in &level {
                let prefix = d.map(|i| format!("{}/", SRC_TREE[i].0)).unwrap_or_default();
                for (i, e) in SRC_TREE.iter().enumerate() {
                    let inside = e.0.strip_prefix(prefix.as_str());
                    if inside.is_some_and(|rest| !rest.is_empty() && !rest.contains('/')) {
                        out.push(i);
                        if e.1 == DIR {
                            next.push(Some(i));
                        }
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        out
    }

    /// A `commit_file` or `commit_directory` object (entry `None` = the root directory).
    pub(crate) fn src_entry_json(&self, w: usize, r: usize, commit: usize, entry: Option<usize>) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.repo(w, r).full;
        let hash = self.commit_hash(w, r, commit);
        let (path, size, mime, attrs) = match entry {
            Some(i) => SRC_TREE[i],
            None => ("", DIR, None, &[][..]),
        };
        let root = format!("{api_root}/repositories/{full}/src/{hash}/");
        let self_url = format!("{root}{path}");
        let commit_ref = |c: &mut Obj| self.write_commit_ref(c, &hash, full);
        object(|o| {
            if size == DIR {
                o.plain("type", "commit_directory").plain("path", path).obj("commit", commit_ref).obj("links", |l| {
                    let dir = if path.is_empty() { root.clone() } else { format!("{self_url}/") };
                    l.href("self", &dir).href("meta", &format!("{dir}?format=meta"));
                });
            } else {
                self.write_commit_file(o, full, &hash, (path, size, mime, attrs), |o| {
                    o.obj("commit", commit_ref);
                });
            }
        })
    }

    /// A `commit_file`'s fields as read at commit `hash`, its `commit`
    /// written by `commit` (a reference in a listing, the whole commit in a
    /// file's history).
    fn write_commit_file(
        &self,
        o: &mut Obj,
        full: &str,
        hash: &str,
        (path, size, mime, attrs): (&str, u64, Option<&str>, &[&str]),
        commit: impl FnOnce(&mut Obj),
    ) {
        let api_root = self.api_root.as_str();
        let attributes: Vec<String> = attrs.iter().map(|a| format!("\"{a}\"")).collect();
        let self_url = format!("{api_root}/repositories/{full}/src/{hash}/{path}");
        o.plain("type", "commit_file")
            .plain("path", path)
            .plain("escaped_path", path)
            .num("size", size)
            .opt_str("mimetype", mime)
            .raw_array("attributes", &attributes);
        commit(o);
        o.obj("links", |l| {
            l.href("self", &self_url)
                .href("meta", &format!("{self_url}?format=meta"))
                .href("history", &format!("{api_root}/repositories/{full}/filehistory/{hash}/{path}"));
        });
    }
}

const SRC_FIELDS: &[&str] = &["type", "path", "escaped_path", "size", "mimetype", "attributes", "commit", "links"];

/// `…/src/{commit}/{path}`: `{commit}` is a hash (7+ hex digits) of one of the
/// repository's commits, a branch or tag name (may contain `/`) or `HEAD`. A
/// directory (root: empty path) lists its entries in path order, breadth first
/// down to `max_depth` levels (default 1), with BBQL `q`; `format=meta` gives
/// the directory object itself. A file gives its `commit_file` object (the
/// fake serves no raw content). Unknown commit or path: 404.
pub fn get_src(req: &ApiRequest, ws: &str, repo: &str, rest: &[&str]) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let (commit, path_segments) = if rest.is_empty() {
        (ds.resolve_commit(w, r, "HEAD"), &rest[..0])
    } else {
        (1..=rest.len())
            .find_map(|k| ds.resolve_commit(w, r, &rest[..k].join("/")).map(|c| (Some(c), &rest[k..])))
            .unwrap_or((None, &rest[..0]))
    };
    let commit = commit.ok_or_else(|| ApiError::not_found(format!("Commit not found: {}", rest.first().unwrap_or(&""))))?;
    let path = path_segments.join("/");
    let entry = Dataset::src_lookup(&path).map_err(|()| ApiError::not_found(format!("No such file or directory: {path}")))?;
    if !Dataset::src_is_dir(entry) || req.param("format") == Some("meta") {
        return Ok(ds.src_entry_json(w, r, commit, entry));
    }
    let depth = match req.param("max_depth") {
        None => 1,
        Some(s) => match s.trim().parse::<usize>() {
            Ok(d) if d >= 1 => d,
            _ => return Err(ApiError::bad_request("Invalid max_depth")),
        },
    };
    let children = Dataset::src_children(entry, depth);
    list(req, LIST, Some(SRC_FIELDS), children.len(), |i| ds.src_entry_json(w, r, commit, Some(children[i])))
}

impl Dataset {
    /// `…/src/{commit}/{dir}` listing (one level, path order) at the main
    /// branch head; `dir` is `""` for the root. Empty if unknown or not a directory.
    pub fn src_listing(&self, workspace: &str, repo: &str, dir: &str) -> Vec<Value> {
        let Some((w, r)) = self.find_repo(workspace, repo) else {
            return Vec::new();
        };
        match Self::src_lookup(dir) {
            Ok(d) if Self::src_is_dir(d) && self.n_commits(w, r) > 0 => {
                Self::src_children(d, 1).into_iter().map(|i| parse(&self.src_entry_json(w, r, 0, Some(i)))).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Entries of the `src` root (6; 0 for a repository without commits).
    pub fn src_root_count(&self, workspace: &str, repo: &str) -> usize {
        self.src_listing(workspace, repo, "").len()
    }
}

impl Dataset {
    /// The commits (indexes, newest first) from `commit` back that changed
    /// file `entry`: about one in eight, and the oldest (which added it).
    pub(crate) fn file_history_of(&self, w: usize, r: usize, commit: usize, entry: usize) -> Vec<usize> {
        let n = self.n_commits(w, r);
        (commit..n)
            .filter(|&j| {
                j + 1 == n
                    || mix(&[self.spec.seed, Seed::FileHistory.key(), w as u64, r as u64, entry as u64, j as u64])
                        .is_multiple_of(8)
            })
            .collect()
    }

    /// A `filehistory` item: the file as commit `j` left it, with that commit in full.
    pub(crate) fn file_history_json(&self, w: usize, r: usize, j: usize, entry: usize) -> String {
        let full = &self.repo(w, r).full;
        let hash = self.commit_hash(w, r, j);
        object(|o| {
            self.write_commit_file(o, full, &hash, SRC_TREE[entry], |o| {
                o.raw("commit", &self.commit_json(w, r, j));
            })
        })
    }
}

/// `…/filehistory/{commit}/{path}`: the commits from `{commit}` (as for
/// `src`) back that changed the file, newest first; BBQL `q` (e.g.
/// `commit.date >= 2026-01-01`). A directory or an unknown path: 404.
pub fn get_file_history(req: &ApiRequest, ws: &str, repo: &str, rest: &[&str]) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let (commit, path_segments) = (1..=rest.len())
        .find_map(|k| ds.resolve_commit(w, r, &rest[..k].join("/")).map(|c| (c, &rest[k..])))
        .ok_or_else(|| ApiError::not_found(format!("Commit not found: {}", rest.first().unwrap_or(&""))))?;
    let path = path_segments.join("/");
    let entry = match Dataset::src_lookup(&path) {
        Ok(Some(i)) if !Dataset::src_is_dir(Some(i)) => i,
        _ => return Err(ApiError::not_found(format!("No such file: {path}"))),
    };
    let history = ds.file_history_of(w, r, commit, entry);
    list(req, LIST, Some(SRC_FIELDS), history.len(), |i| ds.file_history_json(w, r, history[i], entry))
}

impl Dataset {
    /// `…/filehistory/{main branch}/{path}`: the commits that changed the
    /// file, newest first. Empty if unknown or a directory.
    pub fn file_history(&self, workspace: &str, repo: &str, path: &str) -> Vec<Value> {
        let Some((w, r)) = self.find_repo(workspace, repo) else {
            return Vec::new();
        };
        match Self::src_lookup(path) {
            Ok(Some(i)) if !Self::src_is_dir(Some(i)) && self.n_commits(w, r) > 0 => {
                self.file_history_of(w, r, 0, i).into_iter().map(|j| parse(&self.file_history_json(w, r, j, i))).collect()
            }
            _ => Vec::new(),
        }
    }
}
