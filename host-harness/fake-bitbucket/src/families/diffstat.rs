//! Diffstats: the files a commit changed against its first parent (1-4,
//! each added, removed, modified or renamed, with lines added and
//! removed); the `…/diffstat/{spec}` handler and the accessor.

use crate::api::{list, resolve_repo, ApiError, ApiRequest, ApiResult};
use crate::dataset::{parse, pick_distinct, Dataset};
use crate::json::{object, Obj};
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::Rng;
use serde_json::Value;

const FILES: [&str; 10] = [
    "src/main.rs",
    "src/lib/util.rs",
    "src/api/export.rs",
    "src/auth/session.rs",
    "README.md",
    "docs/index.md",
    "package.json",
    "infra/main.tf",
    "tests/export_test.rs",
    ".bitbucket/pipelines.yml",
];

/// One file of a diffstat: status, old and new path, lines added and removed.
struct FileChange {
    status: &'static str,
    old: Option<String>,
    new: Option<String>,
    added: u64,
    removed: u64,
}

impl Dataset {
    /// The files commit `i` changed; the first is always modified.
    fn diffstat_of(&self, w: usize, r: usize, i: usize) -> Vec<FileChange> {
        let mut rng = Rng::new(&[self.spec.seed, Seed::Diffstat.key(), w as u64, r as u64, i as u64]);
        let n = 1 + rng.below(4) as usize;
        let files = pick_distinct(&mut rng, FILES.len(), n, None);
        files
            .into_iter()
            .enumerate()
            .map(|(k, f)| {
                let path = FILES[f].to_string();
                let status = if k == 0 { "modified" } else { ["added", "removed", "modified", "renamed"][rng.below(4) as usize] };
                let (old, new) = match status {
                    "added" => (None, Some(path)),
                    "removed" => (Some(path), None),
                    "renamed" => (Some(format!("old/{path}")), Some(path)),
                    _ => (Some(path.clone()), Some(path)),
                };
                let added = if status == "removed" { 0 } else { rng.below(120) + u64::from(status != "renamed") };
                let removed = if status == "added" { 0 } else { rng.below(60) };
                FileChange { status, old, new, added, removed }
            })
            .collect()
    }

    fn diffstat_json(&self, w: usize, r: usize, i: usize, change: &FileChange) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.repo(w, r).full;
        let hash = self.commit_hash(w, r, i);
        let parent = if i + 1 < self.n_commits(w, r) { self.commit_hash(w, r, i + 1) } else { hash.clone() };
        let file = |o: &mut Obj, path: &str, at: &str| {
            o.str("path", path).str("escaped_path", path).plain("type", "commit_file").obj("links", |l| {
                l.href("self", &format!("{api_root}/repositories/{full}/src/{at}/{path}"));
            });
        };
        object(|o| {
            o.plain("type", "diffstat")
                .num("lines_added", change.added)
                .num("lines_removed", change.removed)
                .plain("status", change.status);
            match &change.old {
                Some(p) => o.obj("old", |x| file(x, p, &parent)),
                None => o.null("old"),
            };
            match &change.new {
                Some(p) => o.obj("new", |x| file(x, p, &hash)),
                None => o.null("new"),
            };
        })
    }
}

/// `…/diffstat/{spec}` with a single commit as the spec (a hash, branch or
/// tag): its changes against its first parent.
pub fn get_diffstat(req: &ApiRequest, ws: &str, repo: &str, spec: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let i = ds.resolve_commit(w, r, spec).ok_or_else(|| ApiError::not_found(format!("Commit not found: {spec}")))?;
    let changes = ds.diffstat_of(w, r, i);
    list(req, LIST, None, changes.len(), |k| ds.diffstat_json(w, r, i, &changes[k]))
}

impl Dataset {
    /// `…/diffstat/{hash}` of commit `index` (0 = newest): 1-4 files.
    pub fn commit_diffstat(&self, workspace: &str, repo: &str, index: usize) -> Vec<Value> {
        self.find_repo(workspace, repo).filter(|&(w, r)| index < self.n_commits(w, r)).map_or_else(Vec::new, |(w, r)| {
            self.diffstat_of(w, r, index).iter().map(|c| parse(&self.diffstat_json(w, r, index, c))).collect()
        })
    }
}
