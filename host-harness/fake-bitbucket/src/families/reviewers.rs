//! Default reviewers: those set on a repository (1-3 workspace members) and
//! on a project (1-2), and a repository's effective ones (its own, then its
//! project's not already listed); handlers and accessors.

use crate::api::{list, resolve_repo, ApiRequest, ApiResult};
use crate::dataset::{parse, pick_distinct, Dataset};
use crate::families::workspaces::resolve_project;
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::Rng;
use serde_json::Value;

/// Where a default reviewer is set (`reviewer_type`).
const REPOSITORY: &str = "repository";
const PROJECT: &str = "project";

impl Dataset {
    /// `n` distinct workspace members (user indexes, pool order), drawn from `parts`.
    fn reviewers_drawn(&self, w: usize, parts: &[u64], lo: u64, span: u64) -> Vec<usize> {
        let members = self.members_of(w);
        let mut rng = Rng::new(parts);
        let n = (lo + rng.below(span)) as usize;
        let mut picked: Vec<usize> = pick_distinct(&mut rng, members.len(), n, None).into_iter().map(|i| members[i].0).collect();
        picked.sort_unstable();
        picked
    }

    /// Default reviewers set on repository `r` (user indexes).
    pub(crate) fn repo_default_reviewers(&self, w: usize, r: usize) -> Vec<usize> {
        self.reviewers_drawn(w, &[self.spec.seed, Seed::DefaultReviewer.key(), w as u64, r as u64], 1, 3)
    }

    /// Default reviewers set on project `p` (user indexes).
    pub(crate) fn project_default_reviewers(&self, w: usize, p: usize) -> Vec<usize> {
        self.reviewers_drawn(w, &[self.spec.seed, Seed::DefaultReviewer.key(), w as u64, 1_000 + p as u64], 1, 2)
    }

    /// A repository's effective default reviewers: `(user, reviewer_type)`.
    pub(crate) fn effective_default_reviewers(&self, w: usize, r: usize) -> Vec<(usize, &'static str)> {
        let own = self.repo_default_reviewers(w, r);
        let inherited = self.project_default_reviewers(w, self.repo(w, r).project);
        let mut out: Vec<(usize, &'static str)> = own.iter().map(|&u| (u, REPOSITORY)).collect();
        out.extend(inherited.into_iter().filter(|u| !own.contains(u)).map(|u| (u, PROJECT)));
        out
    }

    pub(crate) fn reviewer_and_type_json(&self, (u, kind): (usize, &str)) -> String {
        object(|o| {
            o.plain("type", "default_reviewer_and_type").plain("reviewer_type", kind).raw("user", &self.users[u].json);
        })
    }
}

/// `GET /repositories/{workspace}/{repo_slug}/default-reviewers`: accounts, pool order.
pub fn list_default_reviewers(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let users = ds.repo_default_reviewers(w, r);
    list(req, LIST, None, users.len(), |i| ds.users[users[i]].json.clone())
}

/// `GET /repositories/{workspace}/{repo_slug}/effective-default-reviewers`.
pub fn list_effective_default_reviewers(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let reviewers = ds.effective_default_reviewers(w, r);
    list(req, LIST, None, reviewers.len(), |i| ds.reviewer_and_type_json(reviewers[i]))
}

/// `GET /workspaces/{workspace}/projects/{project_key}/default-reviewers`.
pub fn list_project_default_reviewers(req: &ApiRequest, ws: &str, key: &str) -> ApiResult {
    let (w, p) = resolve_project(req, ws, key)?;
    let ds = req.dataset;
    let users = ds.project_default_reviewers(w, p);
    list(req, LIST, None, users.len(), |i| ds.reviewer_and_type_json((users[i], PROJECT)))
}

impl Dataset {
    /// `…/default-reviewers` of a repository (1-3 accounts).
    pub fn default_reviewers(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            self.repo_default_reviewers(w, r).into_iter().map(|u| parse(&self.users[u].json)).collect()
        })
    }

    /// `…/effective-default-reviewers` of a repository.
    pub fn effective_default_reviewers_of(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            self.effective_default_reviewers(w, r).into_iter().map(|x| parse(&self.reviewer_and_type_json(x))).collect()
        })
    }

    /// `…/projects/{key}/default-reviewers` (1-2).
    pub fn project_default_reviewers_of(&self, workspace: &str, key: &str) -> Vec<Value> {
        self.find_project(workspace, key).map_or_else(Vec::new, |(w, p)| {
            self.project_default_reviewers(w, p).into_iter().map(|u| parse(&self.reviewer_and_type_json((u, PROJECT)))).collect()
        })
    }
}
