//! Diffstats: the files a commit changed against its first parent, or a
//! pull request against its destination (1-4, each added, removed,
//! modified or renamed, with lines added and removed). `…/pullrequests/{id}/diffstat`
//! answers 302 to the repository diffstat of the pull request's revspec,
//! `…/diffstat/{workspace}/{repo}:{source}%0D{destination}?from_pullrequest_id={id}&topic=true`
//! (12-digit hashes), as Bitbucket does; handlers and accessors.

use crate::api::{list, resolve_repo, ApiError, ApiRequest, ApiResult};
use crate::dataset::{parse, pick_distinct, Dataset};
use crate::families::pull_requests::resolve_pr;
use crate::families::statuses::resolve_commit;
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

/// 1-4 changed files drawn from `rng`; the first is always modified.
fn file_changes(mut rng: Rng) -> Vec<FileChange> {
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

impl Dataset {
    /// The files commit `i` changed; the first is always modified.
    fn diffstat_of(&self, w: usize, r: usize, i: usize) -> Vec<FileChange> {
        file_changes(Rng::new(&[self.spec.seed, Seed::Diffstat.key(), w as u64, r as u64, i as u64]))
    }

    /// The files pull request `id` changes.
    fn pr_diffstat_of(&self, w: usize, r: usize, id: u32) -> Vec<FileChange> {
        file_changes(Rng::new(&[self.spec.seed, Seed::Diffstat.key(), w as u64, r as u64, 1 << 32, u64::from(id)]))
    }

    /// The hashes a diffstat of commit `i` reads the files at: its parent's and its own.
    fn commit_sides(&self, w: usize, r: usize, i: usize) -> (String, String) {
        let hash = self.commit_hash(w, r, i);
        let parent = if i + 1 < self.n_commits(w, r) { self.commit_hash(w, r, i + 1) } else { hash.clone() };
        (parent, hash)
    }

    /// A pull request's destination and source hashes.
    fn pr_sides(&self, w: usize, r: usize, id: u32) -> (String, String) {
        let (source, dest) = self.pr_hashes(w, r, id, self.pr_core(w, r, id).created);
        (dest, source)
    }

    /// One file, its old side read at `old_at`, its new side at `new_at`.
    fn diffstat_json(&self, w: usize, r: usize, (old_at, new_at): &(String, String), change: &FileChange) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.repo(w, r).full;
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
                Some(p) => o.obj("old", |x| file(x, p, old_at)),
                None => o.null("old"),
            };
            match &change.new {
                Some(p) => o.obj("new", |x| file(x, p, new_at)),
                None => o.null("new"),
            };
        })
    }
}

/// `…/diffstat/{spec}` with a single commit as the spec (a hash, branch or
/// tag): its changes against its first parent.
pub fn get_diffstat(req: &ApiRequest, ws: &str, repo: &str, spec: &str) -> ApiResult {
    let (w, r, i) = resolve_commit(req, ws, repo, spec)?;
    let ds = req.dataset;
    let (changes, sides) = (ds.diffstat_of(w, r, i), ds.commit_sides(w, r, i));
    list(req, LIST, None, changes.len(), |k| ds.diffstat_json(w, r, &sides, &changes[k]))
}

/// `…/diffstat/{workspace}/{repo}:{source}%0D{destination}` (the path
/// arrives decoded: `spec_ws`, then `{repo}:{source}\r{destination}`): the
/// pull request of the repository with those hashes (`from_pullrequest_id`
/// names it, else it is looked up).
pub fn get_revspec_diffstat(req: &ApiRequest, ws: &str, repo: &str, spec_ws: &str, spec: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let unknown = || ApiError::not_found(format!("Revspec not found: {spec_ws}/{spec}"));
    let (spec_repo, hashes) = spec.split_once(':').ok_or_else(unknown)?;
    let (source, dest) = hashes.split_once(['\r', '\n']).ok_or_else(unknown)?;
    if ds.find_repo(spec_ws, spec_repo) != Some((w, r)) || source.len() < 7 || dest.len() < 7 {
        return Err(unknown());
    }
    let named = req.param("from_pullrequest_id").and_then(|id| id.parse::<u32>().ok());
    let candidates: Vec<u32> = match named {
        Some(id) => vec![id],
        None => (1..=ds.n_pull_requests(w, r) as u32).collect(),
    };
    let id = candidates
        .into_iter()
        .filter(|&id| id >= 1 && id as usize <= ds.n_pull_requests(w, r))
        .find(|&id| {
            let (d, s) = ds.pr_sides(w, r, id);
            s.starts_with(source) && d.starts_with(dest)
        })
        .ok_or_else(unknown)?;
    let (changes, sides) = (ds.pr_diffstat_of(w, r, id), ds.pr_sides(w, r, id));
    list(req, LIST, None, changes.len(), |k| ds.diffstat_json(w, r, &sides, &changes[k]))
}

/// `…/pullrequests/{id}/diffstat`: 302 to the repository diffstat of the
/// pull request's revspec (the query is not carried over).
pub fn redirect_pr_diffstat(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let ds = req.dataset;
    let (dest, source) = ds.pr_sides(w, r, id);
    let prefix = &req.raw_path[..req.raw_path.find("/repositories/").unwrap_or(0)];
    let full = &ds.repo(w, r).full;
    Err(ApiError::found(format!(
        "{}{prefix}/repositories/{full}/diffstat/{full}:{}%0D{}?from_pullrequest_id={id}&topic=true",
        req.link_origin,
        &source[..12],
        &dest[..12]
    )))
}

impl Dataset {
    /// `…/diffstat/{hash}` of commit `index` (0 = newest): 1-4 files.
    pub fn commit_diffstat(&self, workspace: &str, repo: &str, index: usize) -> Vec<Value> {
        self.find_repo(workspace, repo).filter(|&(w, r)| index < self.n_commits(w, r)).map_or_else(Vec::new, |(w, r)| {
            let sides = self.commit_sides(w, r, index);
            self.diffstat_of(w, r, index).iter().map(|c| parse(&self.diffstat_json(w, r, &sides, c))).collect()
        })
    }

    /// The diffstat of pull request `id` (behind its redirect): 1-4 files.
    pub fn pull_request_diffstat(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id).map_or_else(Vec::new, |(w, r, id)| {
            let sides = self.pr_sides(w, r, id);
            self.pr_diffstat_of(w, r, id).iter().map(|c| parse(&self.diffstat_json(w, r, &sides, c))).collect()
        })
    }
}
