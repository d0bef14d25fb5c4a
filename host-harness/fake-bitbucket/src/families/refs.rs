//! Refs: branches (by name) and tags (oldest first), pointing at the
//! repository's own commits (`target` is the full commit object, so a
//! repository without commits has neither), and `…/refs`, both together in
//! `git show-ref` order; handlers (BBQL) and accessors.

use crate::api::{list, resolve_repo, ApiRequest, ApiResult};
use crate::dataset::{end_secs, instant, parse, Dataset, DAY_S, TOPICS, WEB};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{rfc3339_secs, Rng};
use serde_json::Value;
use std::collections::HashSet;

impl Dataset {
    /// `(name, target commit index)` of every branch, sorted by name.
    pub(crate) fn branches_meta(&self, w: usize, r: usize) -> Vec<(String, usize)> {
        let repo = self.repo(w, r);
        let n = self.spec.branches_per_repo;
        if repo.n_commits == 0 || n == 0 {
            return Vec::new();
        }
        let seed = self.spec.seed;
        let mut out = vec![(repo.mainbranch.to_string(), 0)];
        let mut seen: HashSet<String> = out.iter().map(|b| b.0.clone()).collect();
        let mut k = 1u64;
        while out.len() < n && k < 50 + 50 * n as u64 {
            let mut rng = Rng::new(&[seed, Seed::Branch.key(), w as u64, r as u64, k]);
            let (_, topic_slug) = *rng.pick(&TOPICS);
            let ticket = 100 + rng.below(900);
            let name = match (k, rng.below(10)) {
                (1, _) => "develop".to_string(),
                (_, 0..=5) => format!("feature/ACME-{ticket}-{topic_slug}"),
                (_, 6..=7) => format!("bugfix/ACME-{ticket}-{topic_slug}"),
                (_, _) => format!("release/2026.{}", k),
            };
            let head = if k == 1 { 5 } else { repo.n_commits as u64 };
            let target = rng.below(head.min(repo.n_commits as u64)) as usize;
            k += 1;
            if seen.insert(name.clone()) {
                out.push((name, target));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub(crate) fn branch_json(&self, w: usize, r: usize, name: &str, target: usize) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.repo(w, r).full;
        object(|o| {
            o.str("name", name)
                .raw("target", &self.commit_json(w, r, target))
                .obj("links", |l| {
                    l.href("self", &format!("{api_root}/repositories/{full}/refs/branches/{name}"))
                        .href("commits", &format!("{api_root}/repositories/{full}/commits/{name}"))
                        .href("html", &format!("{WEB}/{full}/branch/{name}"));
                })
                .plain("type", "branch")
                .raw(
                    "merge_strategies",
                    r#"["merge_commit","squash","fast_forward","squash_fast_forward","rebase_fast_forward","rebase_merge"]"#,
                )
                .plain("default_merge_strategy", "merge_commit");
        })
    }

    /// `(name, target commit index, annotated)` of every tag, oldest first
    /// (which is also ascending version order).
    pub(crate) fn tags_meta(&self, w: usize, r: usize) -> Vec<(String, usize, bool)> {
        let repo = self.repo(w, r);
        let n = self.spec.tags_per_repo;
        if repo.n_commits == 0 {
            return Vec::new();
        }
        (0..n)
            .map(|k| {
                let name = format!("v{}.{}.0", 1 + k / 4, k % 4);
                let target = (repo.n_commits - 1) * (n - k) / (n + 1);
                (name, target, k % 3 != 2)
            })
            .collect()
    }

    pub(crate) fn tag_json(&self, w: usize, r: usize, tag: &(String, usize, bool)) -> String {
        let api_root = self.api_root.as_str();
        let (name, target, annotated) = tag;
        let full = &self.repo(w, r).full;
        let mut rng = Rng::new(&[self.spec.seed, Seed::Tag.key(), w as u64, r as u64, *target as u64]);
        let date = (self.commit_date_s(w, r, *target) + rng.range(60, DAY_S)).min(end_secs() - 60);
        let tagger = self.user(rng.next_u64());
        object(|o| {
            o.str("name", name).raw("target", &self.commit_json(w, r, *target));
            if *annotated {
                o.str("message", &format!("Release {name}\n")).plain("date", &rfc3339_secs(date)).obj("tagger", |t| {
                    t.plain("type", "author")
                        .str("raw", &format!("{} <{}>", tagger.display_name, tagger.email))
                        .raw("user", &tagger.json);
                });
            }
            o.obj("links", |l| {
                l.href("self", &format!("{api_root}/repositories/{full}/refs/tags/{name}"))
                    .href("commits", &format!("{api_root}/repositories/{full}/commits/{name}"))
                    .href("html", &format!("{WEB}/{full}/commits/tag/{name}"));
            })
            .plain("type", "tag");
        })
    }
}

const REF_FIELDS: &[&str] =
    &["type", "name", "target", "links", "merge_strategies", "default_merge_strategy", "message", "date", "tagger"];

/// `…/refs/branches`: by name, BBQL `q` (e.g. `target.date >= 2026-05-01`).
pub fn list_branches(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let branches = ds.branches_meta(w, r);
    list(req, LIST, Some(REF_FIELDS), branches.len(), |i| ds.branch_json(w, r, &branches[i].0, branches[i].1))
}

/// `…/refs/tags`: oldest (lowest version) first, BBQL `q`.
pub fn list_tags(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let tags = ds.tags_meta(w, r);
    list(req, LIST, Some(REF_FIELDS), tags.len(), |i| ds.tag_json(w, r, &tags[i]))
}

impl Dataset {
    /// Every ref of `…/refs` as JSON, in `git show-ref` order: the full ref
    /// names sorted, so branches (`refs/heads/…`) by name, then tags
    /// (`refs/tags/…`) by name.
    pub(crate) fn refs_json(&self, w: usize, r: usize) -> Vec<String> {
        let mut out: Vec<String> = self.branches_meta(w, r).iter().map(|(n, t)| self.branch_json(w, r, n, *t)).collect();
        let mut tags = self.tags_meta(w, r);
        tags.sort_by(|a, b| a.0.cmp(&b.0));
        out.extend(tags.iter().map(|t| self.tag_json(w, r, t)));
        out
    }
}

/// `…/refs`: branches then tags, each by name (lexical, as `git show-ref`), BBQL `q`.
pub fn list_refs(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let refs = req.dataset.refs_json(w, r);
    list(req, LIST, Some(REF_FIELDS), refs.len(), |i| refs[i].clone())
}

impl Dataset {
    /// `…/refs`: branches then tags, in the served order.
    pub fn refs(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| self.refs_json(w, r).iter().map(|j| parse(j)).collect())
    }

    /// `…/refs/branches`, in the served order (by name); empty without commits.
    pub fn branches(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            self.branches_meta(w, r).iter().map(|(n, t)| parse(&self.branch_json(w, r, n, *t))).collect()
        })
    }

    /// Number of branches (`DatasetSpec::branches_per_repo`, 0 without commits).
    pub fn branch_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.branches_meta(w, r).len())
    }

    /// Branches whose `target.date` is on or after `since` (RFC 3339 or a
    /// date, as in BBQL). Panics if `since` does not parse.
    pub fn branches_with_target_date_since(&self, workspace: &str, repo: &str, since: &str) -> usize {
        let t = instant(since);
        self.find_repo(workspace, repo).map_or(0, |(w, r)| {
            self.branches_meta(w, r).iter().filter(|(_, i)| self.commit_date_s(w, r, *i) * 1_000_000 >= t).count()
        })
    }

    /// `…/refs/tags`, in the served order (oldest = lowest version first).
    pub fn tags(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| self.tags_meta(w, r).iter().map(|t| parse(&self.tag_json(w, r, t))).collect())
    }

    pub fn tag_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.tags_meta(w, r).len())
    }

    /// Tags whose `target.date` is on or after `since`. Panics if `since` does not parse.
    pub fn tags_with_target_date_since(&self, workspace: &str, repo: &str, since: &str) -> usize {
        let t = instant(since);
        self.find_repo(workspace, repo).map_or(0, |(w, r)| {
            self.tags_meta(w, r).iter().filter(|(_, i, _)| self.commit_date_s(w, r, *i) * 1_000_000 >= t).count()
        })
    }
}
