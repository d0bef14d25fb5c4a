//! The seeded, deterministic dataset behind the fake server.
//!
//! Only small per-workspace / per-repository metadata (and one state byte per
//! pull request) is stored; every pull request and commit is generated on
//! demand from `(seed, workspace index, repo index, object index)` and written
//! straight to JSON text, so a repository with 100,000 pull requests or commits
//! costs almost nothing until it is listed.
//!
//! API links in objects (`links.self`, `links.commits`, …) start with
//! [`Dataset::api_root`]: `https://api.bitbucket.org/2.0` for a dataset on its
//! own; a [`FakeBitbucket`](super::FakeBitbucket) rebases its dataset on its
//! own base URL when it starts, so clients that follow links (as SDKs do)
//! stay on the fake, and `fake.dataset()`'s accessors return exactly the
//! objects the server serves. Web links (`links.html`, avatars, clone URLs)
//! always point at `https://bitbucket.org`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;

use super::changes::{Changes, PrEdits};
use super::json::{object, Obj};
use super::util::{
    days_from_civil, html_escape, mix, render_markdown, rfc3339_micros, rfc3339_secs, sha1_like,
    slugify, uuid, Rng,
};

pub(super) const API: &str = "https://api.bitbucket.org/2.0";
pub(super) const WEB: &str = "https://bitbucket.org";

// Object kinds, mixed into every PRNG seed so streams never overlap.
const K_USER: u64 = 1;
const K_WORKSPACE: u64 = 2;
const K_PROJECT: u64 = 3;
const K_REPO: u64 = 4;
const K_PR: u64 = 5;
const K_PR_STATE: u64 = 6;
const K_PR_HASH: u64 = 7;
const K_COMMIT: u64 = 8;
const K_COMMIT_HASH: u64 = 9;

/// Sizes and seed for [`Dataset::generate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetSpec {
    pub seed: u64,
    pub workspaces: Vec<String>,
    pub repos_per_workspace: usize,
    pub pull_requests_per_repo: usize,
    pub commits_per_repo: usize,
    /// Branches per repository (`…/refs/branches`), the main branch included;
    /// a repository without commits has none. Demo: 12.
    pub branches_per_repo: usize,
    /// Tags per repository (`…/refs/tags`); none without commits. Demo: 8.
    pub tags_per_repo: usize,
    /// Pipelines per repository (build numbers `1..=n`). Demo: 40.
    pub pipelines_per_repo: usize,
    /// Deployments per repository. Demo: 20.
    pub deployments_per_repo: usize,
}

impl DatasetSpec {
    /// The spec behind [`Dataset::demo`]: seed 42, workspace `acme`, repos
    /// `web-app`, `api-service`, `infra`, 60 pull requests and 150 commits each,
    /// 12 branches, 8 tags, 40 pipelines and 20 deployments each. Build other
    /// specs with `DatasetSpec { seed: 7, ..DatasetSpec::demo() }`.
    pub fn demo() -> DatasetSpec {
        DatasetSpec {
            seed: 42,
            workspaces: vec!["acme".to_string()],
            repos_per_workspace: 3,
            pull_requests_per_repo: 60,
            commits_per_repo: 150,
            branches_per_repo: 12,
            tags_per_repo: 8,
            pipelines_per_repo: 40,
            deployments_per_repo: 20,
        }
    }
}

impl Default for DatasetSpec {
    fn default() -> Self {
        DatasetSpec::demo()
    }
}

/// Pull request state, as in the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PrState {
    Open = 1,
    Merged = 2,
    Declined = 4,
    Superseded = 8,
}

impl PrState {
    pub const ALL: [PrState; 4] = [
        PrState::Open,
        PrState::Merged,
        PrState::Declined,
        PrState::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PrState::Open => "OPEN",
            PrState::Merged => "MERGED",
            PrState::Declined => "DECLINED",
            PrState::Superseded => "SUPERSEDED",
        }
    }

    /// Exact (upper-case) API spelling only.
    pub fn parse(s: &str) -> Option<PrState> {
        PrState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// This state's bit in a state mask (see `Dataset::pull_request_ids`).
    pub fn bit(self) -> u8 {
        self as u8
    }
}

pub(super) struct UserMeta {
    pub(super) display_name: &'static str,
    pub(super) email: &'static str,
    pub(super) uuid: String,
    /// The account object, serialised once.
    pub(super) json: String,
}

pub(super) struct WorkspaceMeta {
    pub(super) slug: String,
    pub(super) uuid: String,
    pub(super) name: String,
    /// Serialised `workspace`, `owner` (team account) and `project` objects.
    pub(super) workspace_json: String,
    pub(super) owner_json: String,
    pub(super) projects_json: Vec<String>,
    pub(super) repos: Vec<RepoMeta>,
}

pub(super) struct RepoMeta {
    pub(super) slug: String,
    pub(super) name: String,
    /// `workspace/slug`
    pub(super) full: String,
    pub(super) uuid: String,
    /// The short repository object embedded in pull requests and commits.
    pub(super) ref_json: String,
    pub(super) description: String,
    pub(super) language: &'static str,
    pub(super) is_private: bool,
    pub(super) fork_policy: &'static str,
    pub(super) size: u64,
    pub(super) mainbranch: &'static str,
    pub(super) project: usize,
    pub(super) created_us: i64,
    pub(super) updated_us: i64,
    /// `pr_states[id - 1]`
    pub(super) pr_states: Vec<PrState>,
    pub(super) pr_start_us: i64,
    pub(super) pr_step_us: i64,
    pub(super) n_commits: usize,
    pub(super) commit_top_s: i64,
    pub(super) commit_step_s: i64,
}

/// The first draws of a pull request's PRNG stream (see `Dataset::pr_core`),
/// with the changes made while the fake runs applied (`changes.rs`).
pub(super) struct PrCore {
    pub(super) id: u32,
    pub(super) state: PrState,
    /// The current title (the last update's, if any).
    pub(super) title: String,
    pub(super) description: Option<String>,
    /// Index into `Dataset::users`.
    pub(super) author: usize,
    pub(super) source_branch: String,
    pub(super) destination_branch: &'static str,
    pub(super) created: i64,
    /// The generated `updated_on`: the dates of participants, generated
    /// comments, the closing update and the merge commit derive from it.
    pub(super) updated: i64,
    /// The current `updated_on`: `updated`, or the latest change if later.
    pub(super) updated_on: i64,
    /// Changes made while the fake runs, if any.
    pub(super) edits: Option<Arc<PrEdits>>,
    rng: Rng,
}

/// `(workspace, repo, state mask)` → ascending ids of the PRs with those states.
type FilterCache = HashMap<(usize, usize, u8), Arc<Vec<u32>>>;
/// `(workspace, repo, q)` → ascending ids of the PRs matching the BBQL `q`.
type QueryCache = HashMap<(usize, usize, String), Arc<Vec<u32>>>;
/// `(workspace, repo)` → running totals of activity items, PRs newest first.
type ActivityCache = HashMap<(usize, usize), Arc<Vec<usize>>>;

/// The seeded dataset. Cheap to build; objects are generated on request.
pub struct Dataset {
    pub(super) spec: DatasetSpec,
    /// Origin and prefix of API links (see [`Dataset::api_root`]).
    pub(super) api_root: String,
    pub(super) users: Vec<UserMeta>,
    pub(super) workspaces: Vec<WorkspaceMeta>,
    filter_cache: Mutex<FilterCache>,
    pub(super) query_cache: Mutex<QueryCache>,
    pub(super) activity_cache: Mutex<ActivityCache>,
    /// Changes made while the fake runs (`changes.rs`).
    pub(super) changes: RwLock<Changes>,
    /// Whether `changes` holds any (so `pr_core` skips the lock until then).
    pub(super) has_changes: AtomicBool,
    /// Bumped by every change; see [`Dataset::cache_generation`].
    pub(super) generation: AtomicU64,
}

/// A clone carries the changes made so far (caches start empty).
impl Clone for Dataset {
    fn clone(&self) -> Self {
        Dataset::generate_at(self.spec.clone(), self.api_root.clone())
            .with_changes(self.changes_snapshot())
    }
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("spec", &self.spec)
            .field("changed_pull_requests", &self.changes_snapshot().prs.len())
            .finish_non_exhaustive()
    }
}

/// "Now" for the dataset: every timestamp is before 2026-10-01T00:00:00Z.
pub(super) fn end_secs() -> i64 {
    days_from_civil(2026, 10, 1) * 86_400
}

pub(super) const DAY_S: i64 = 86_400;
const THREE_YEARS_S: i64 = 3 * 365 * DAY_S;

/// (display name, nickname, email, has a `557058:`-style account id)
const USERS: [(&str, &str, &str, bool); 8] = [
    ("Alice Chen", "alice", "alice.chen@example.com", true),
    ("Bob Okafor", "bob.okafor", "bob@example.com", false),
    ("Zoë Ångström", "zoe", "zoe.angstrom@example.com", true),
    (
        "Dmitri Ivanov",
        "dmitri",
        "dmitri.ivanov@example.com",
        false,
    ),
    ("Priya Raman", "priya", "priya.raman@example.com", true),
    ("José Álvarez", "jalvarez", "jose.alvarez@example.com", true),
    ("鈴木 花子", "hanako", "hanako.suzuki@example.com", false),
    ("Sam O'Neil", "sam.oneil", "sam.oneil@example.com", true),
];

/// (name, language, description); the slug is derived from the name.
const REPO_NAMES: [(&str, &str, &str); 10] = [
    (
        "web-app",
        "typescript",
        "Customer-facing web app \u{2014} React, \"SSR\" & friends",
    ),
    (
        "API Service",
        "go",
        "Public REST API and background workers",
    ),
    ("infra", "hcl", ""),
    ("mobile-app", "kotlin", "Android and iOS clients"),
    ("data-pipeline", "python", "Nightly ETL jobs"),
    ("design-system", "typescript", "Shared UI components"),
    ("docs", "", "Developer documentation"),
    ("billing", "java", "Invoices, payments and dunning"),
    ("auth-service", "rust", "Login, SSO and tokens"),
    ("analytics", "python", "Product analytics and dashboards"),
];

pub(super) const PROJECTS: [(&str, &str); 2] = [("PLAT", "Platform"), ("PROD", "Product")];

pub(super) const VERBS: [&str; 8] = [
    "Add", "Fix", "Refactor", "Update", "Remove", "Improve", "Bump", "Document",
];
/// (topic, its slug for branch names)
pub(super) const TOPICS: [(&str, &str); 16] = [
    ("login flow", "login-flow"),
    ("rate limiter", "rate-limiter"),
    ("CI pipeline", "ci-pipeline"),
    ("pagination helper", "pagination-helper"),
    ("billing webhooks", "billing-webhooks"),
    ("search index", "search-index"),
    ("user settings page", "user-settings-page"),
    ("Terraform modules", "terraform-modules"),
    ("retry policy", "retry-policy"),
    ("feature flags", "feature-flags"),
    ("error reporting", "error-reporting"),
    ("dark mode", "dark-mode"),
    ("CSV export", "csv-export"),
    ("session handling", "session-handling"),
    ("metrics dashboard", "metrics-dashboard"),
    ("database migrations", "database-migrations"),
];

/// A project's `self`, `html` and `avatar` links, shared by the short
/// project object (in repositories) and the full one (`…/projects`).
pub(super) fn project_links<'o, 'a>(
    l: &'o mut Obj<'a>,
    api_root: &str,
    slug: &str,
    key: &str,
) -> &'o mut Obj<'a> {
    l.href(
        "self",
        &format!("{api_root}/workspaces/{slug}/projects/{key}"),
    )
    .href("html", &format!("{WEB}/{slug}/workspace/projects/{key}"))
    .href(
        "avatar",
        &format!("{WEB}/{slug}/workspace/projects/{key}/avatar/32?ts=1700000000"),
    )
}

pub(super) fn brace_encode(uuid: &str) -> String {
    uuid.replace('{', "%7B").replace('}', "%7D")
}

pub(super) fn parse(json: &str) -> Value {
    json.parse().expect("fake Bitbucket writes valid JSON")
}

impl Dataset {
    /// Workspace `acme` with repos `web-app`, `api-service` and `infra`, each
    /// with 60 pull requests (all four states) and 150 commits.
    pub fn demo() -> Dataset {
        Dataset::generate(DatasetSpec::demo())
    }

    /// Panics if a workspace slug is not made of ASCII letters, digits, `-`, `_` and `.`.
    /// API links point at `https://api.bitbucket.org/2.0` until a
    /// [`FakeBitbucket`](super::FakeBitbucket) serves the dataset.
    pub fn generate(spec: DatasetSpec) -> Dataset {
        Dataset::generate_at(spec, API.to_string())
    }

    /// The dataset with API links under `api_root` (origin and prefix, no
    /// trailing slash), as a server at that address serves it. Rebuilds the
    /// (small) stored metadata when the root changes; caches start empty,
    /// changes made so far are kept.
    pub(crate) fn with_api_root(self, api_root: &str) -> Dataset {
        if self.api_root == api_root {
            self
        } else {
            let changes = self.changes_snapshot();
            Dataset::generate_at(self.spec, api_root.to_string()).with_changes(changes)
        }
    }

    /// Where API links (`links.self`, `links.commits`, …) point: origin and
    /// prefix, e.g. `https://api.bitbucket.org/2.0` for a dataset on its own,
    /// or the server's base URL for [`FakeBitbucket::dataset`](super::FakeBitbucket::dataset).
    /// Web links (`links.html`, avatars, clone URLs) always point at
    /// `https://bitbucket.org`.
    pub fn api_root(&self) -> &str {
        &self.api_root
    }

    fn generate_at(spec: DatasetSpec, api_root: String) -> Dataset {
        for slug in &spec.workspaces {
            let ok = !slug.is_empty()
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            assert!(ok, "invalid workspace slug {slug:?}");
        }
        let users = USERS
            .iter()
            .enumerate()
            .map(|(i, u)| make_user(spec.seed, &api_root, i, *u))
            .collect();
        let workspaces = spec
            .workspaces
            .iter()
            .enumerate()
            .map(|(w, slug)| make_workspace(&spec, &api_root, w, slug))
            .collect();
        Dataset {
            spec,
            api_root,
            users,
            workspaces,
            filter_cache: Mutex::new(HashMap::new()),
            query_cache: Mutex::new(HashMap::new()),
            activity_cache: Mutex::new(HashMap::new()),
            changes: RwLock::new(Changes::default()),
            has_changes: AtomicBool::new(false),
            generation: AtomicU64::new(0),
        }
    }

    // ------------------------------------------------------------ public accessors

    pub fn spec(&self) -> &DatasetSpec {
        &self.spec
    }

    /// Workspace slugs, in spec order.
    pub fn workspaces(&self) -> Vec<String> {
        self.workspaces.iter().map(|w| w.slug.clone()).collect()
    }

    /// Every repository of `workspace` (slug or `{uuid}`), in the order
    /// `GET /repositories/{workspace}` lists them. Empty if unknown.
    pub fn repositories(&self, workspace: &str) -> Vec<Value> {
        match self.find_workspace(workspace) {
            Some(w) => (0..self.n_repos(w))
                .map(|r| parse(&self.repository_json(w, r)))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Every pull request (all states), ascending id, exactly as the API
    /// serves them (changes made while the fake runs included; they never
    /// reorder the list). Empty if the workspace or repository is unknown.
    pub fn pull_requests(&self, workspace: &str, repo: &str) -> Vec<Value> {
        match self.find_repo(workspace, repo) {
            Some((w, r)) => (1..=self.n_pull_requests(w, r) as u32)
                .map(|id| parse(&self.pull_request_json(w, r, id)))
                .collect(),
            None => Vec::new(),
        }
    }

    /// One pull request by id (any state).
    pub fn pull_request(&self, workspace: &str, repo: &str, id: u64) -> Option<Value> {
        let (w, r) = self.find_repo(workspace, repo)?;
        let valid = id >= 1 && id <= self.n_pull_requests(w, r) as u64;
        valid.then(|| parse(&self.pull_request_json(w, r, id as u32)))
    }

    /// Every commit, newest first, exactly as the API serves them. Empty if unknown.
    pub fn commits(&self, workspace: &str, repo: &str) -> Vec<Value> {
        match self.find_repo(workspace, repo) {
            Some((w, r)) => (0..self.n_commits(w, r))
                .map(|i| parse(&self.commit_json(w, r, i)))
                .collect(),
            None => Vec::new(),
        }
    }

    /// One commit by position in the list (0 = newest).
    pub fn commit(&self, workspace: &str, repo: &str, index: usize) -> Option<Value> {
        let (w, r) = self.find_repo(workspace, repo)?;
        (index < self.n_commits(w, r)).then(|| parse(&self.commit_json(w, r, index)))
    }

    // Cheap summaries, for expectations on big datasets without materialising objects.

    /// Number of pull requests (all states); 0 if unknown.
    pub fn pull_request_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.n_pull_requests(w, r))
    }

    /// State of every pull request: element `i` is the state of id `i + 1`.
    pub fn pull_request_states(&self, workspace: &str, repo: &str) -> Vec<PrState> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                self.workspaces[w].repos[r].pr_states.clone()
            })
    }

    /// Number of commits; 0 if unknown.
    pub fn commit_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.n_commits(w, r))
    }

    /// The pool of user accounts that authors, closers and committers come from.
    pub fn users(&self) -> Vec<Value> {
        self.users.iter().map(|u| parse(&u.json)).collect()
    }

    // ------------------------------------------------------------ lookups for the server

    /// Workspace index by slug or `{uuid}`.
    pub(crate) fn find_workspace(&self, key: &str) -> Option<usize> {
        self.workspaces
            .iter()
            .position(|w| w.slug == key || w.uuid == key)
    }

    /// (workspace index, repo index) by slugs or `{uuid}`s.
    pub(crate) fn find_repo(&self, workspace: &str, repo: &str) -> Option<(usize, usize)> {
        let w = self.find_workspace(workspace)?;
        let r = self.workspaces[w]
            .repos
            .iter()
            .position(|m| m.slug == repo || m.uuid == repo)?;
        Some((w, r))
    }

    pub(crate) fn n_repos(&self, w: usize) -> usize {
        self.workspaces[w].repos.len()
    }

    pub(crate) fn n_pull_requests(&self, w: usize, r: usize) -> usize {
        self.workspaces[w].repos[r].pr_states.len()
    }

    pub(crate) fn n_commits(&self, w: usize, r: usize) -> usize {
        self.workspaces[w].repos[r].n_commits
    }

    /// Ascending ids of the pull requests whose state bit is in `mask`
    /// (cached per mask, so deep paging stays O(page)).
    pub(crate) fn pull_request_ids(&self, w: usize, r: usize, mask: u8) -> Arc<Vec<u32>> {
        let mut cache = self.filter_cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((w, r, mask))
            .or_insert_with(|| {
                let states = &self.workspaces[w].repos[r].pr_states;
                let ids = (1..=states.len() as u32)
                    .filter(|&id| states[id as usize - 1].bit() & mask != 0);
                Arc::new(ids.collect())
            })
            .clone()
    }

    // ------------------------------------------------------------ object writers

    pub(super) fn user(&self, pick: u64) -> &UserMeta {
        &self.users[(pick % self.users.len() as u64) as usize]
    }

    /// Full repository object, as listed by `GET /repositories/{workspace}`.
    pub(crate) fn repository_json(&self, w: usize, r: usize) -> String {
        let ws = &self.workspaces[w];
        repository_object(&self.api_root, ws, &ws.repos[r], None)
    }
}

/// The short repository object embedded in pull requests, commits and forks.
pub(super) fn repository_ref(api_root: &str, full: &str, name: &str, uuid: &str) -> String {
    object(|o| {
        o.plain("type", "repository")
            .plain("full_name", full)
            .str("name", name)
            .plain("uuid", uuid)
            .obj("links", |l| {
                l.href("self", &format!("{api_root}/repositories/{full}"))
                    .href("html", &format!("{WEB}/{full}"))
                    .href("avatar", &format!("{WEB}/{full}/avatar/32/?ts=1700000000"));
            });
    })
}

/// A full repository object; forks carry their `parent` (a short repository object).
pub(super) fn repository_object(
    api_root: &str,
    ws: &WorkspaceMeta,
    repo: &RepoMeta,
    parent: Option<&str>,
) -> String {
    let full = &repo.full;
    let api = format!("{api_root}/repositories/{full}");
    object(|o| {
        o.plain("type", "repository")
            .plain("uuid", &repo.uuid)
            .plain("full_name", full)
            .str("name", &repo.name)
            .plain("slug", &repo.slug)
            .str("description", &repo.description)
            .plain("scm", "git")
            .bool("is_private", repo.is_private)
            .plain("fork_policy", repo.fork_policy)
            .plain("language", repo.language)
            .num("size", repo.size)
            .bool("has_issues", false)
            .bool("has_wiki", false)
            .plain("created_on", &rfc3339_micros(repo.created_us))
            .plain("updated_on", &rfc3339_micros(repo.updated_us));
        if repo.n_commits == 0 {
            o.null("mainbranch"); // an empty repository has no main branch yet
        } else {
            o.obj("mainbranch", |b| {
                b.plain("type", "branch").str("name", repo.mainbranch);
            });
        }
        if let Some(p) = parent {
            o.raw("parent", p);
        }
        o.raw("owner", &ws.owner_json)
            .raw("workspace", &ws.workspace_json)
            .raw("project", &ws.projects_json[repo.project])
            .obj("override_settings", |s| {
                s.bool("default_merge_strategy", true)
                    .bool("branching_model", true);
            })
            .obj("links", |l| {
                l.href("self", &api)
                    .href("html", &format!("{WEB}/{full}"))
                    .href("avatar", &format!("{WEB}/{full}/avatar/32/?ts=1700000000"))
                    .href("pullrequests", &format!("{api}/pullrequests"))
                    .href("commits", &format!("{api}/commits"))
                    .href("forks", &format!("{api}/forks"))
                    .href("watchers", &format!("{api}/watchers"))
                    .href("downloads", &format!("{api}/downloads"))
                    .href("hooks", &format!("{api}/hooks"))
                    .raw_array(
                        "clone",
                        &[
                            object(|c| {
                                c.str("name", "https").plain(
                                    "href",
                                    &format!("https://{}@bitbucket.org/{full}.git", ws.slug),
                                );
                            }),
                            object(|c| {
                                c.str("name", "ssh")
                                    .plain("href", &format!("git@bitbucket.org:{full}.git"));
                            }),
                        ],
                    );
            });
    })
}

impl Dataset {
    pub(super) fn commit_hash(&self, w: usize, r: usize, i: usize) -> String {
        sha1_like(&[self.spec.seed, K_COMMIT_HASH, w as u64, r as u64, i as u64])
    }

    /// A commit of the repository from around `micros`, if it has any.
    pub(super) fn commit_hash_at(&self, w: usize, r: usize, micros: i64) -> Option<String> {
        self.commit_index_at(w, r, micros)
            .map(|i| self.commit_hash(w, r, i))
    }

    /// Index of a commit of the repository from around `micros`, if it has any.
    pub(super) fn commit_index_at(&self, w: usize, r: usize, micros: i64) -> Option<usize> {
        let repo = &self.workspaces[w].repos[r];
        if repo.n_commits == 0 {
            return None;
        }
        let i = (repo.commit_top_s - micros / 1_000_000) / repo.commit_step_s;
        Some(i.clamp(0, repo.n_commits as i64 - 1) as usize)
    }

    /// `{"type":"commit","hash":…,"links":{self,html}}` members.
    pub(super) fn write_commit_ref(&self, o: &mut Obj, hash: &str, full: &str) {
        let api_root = self.api_root.as_str();
        o.plain("type", "commit")
            .plain("hash", hash)
            .obj("links", |l| {
                l.href(
                    "self",
                    &format!("{api_root}/repositories/{full}/commit/{hash}"),
                )
                .href("html", &format!("{WEB}/{full}/commits/{hash}"));
            });
    }

    /// Pull request `id` (1-based), as listed by `…/pullrequests`.
    pub(crate) fn pull_request_json(&self, w: usize, r: usize, id: u32) -> String {
        self.pull_request_json_with(w, r, id, false, false)
    }

    /// The parts of pull request `id` that filters, participants, comments and
    /// activity need (the first draws of its PRNG stream).
    pub(super) fn pr_core(&self, w: usize, r: usize, id: u32) -> PrCore {
        let seed = self.spec.seed;
        let repo = &self.workspaces[w].repos[r];
        let state = repo.pr_states[id as usize - 1];
        let mut rng = Rng::new(&[seed, K_PR, w as u64, r as u64, u64::from(id)]);

        let verb = *rng.pick(&VERBS);
        let (topic, topic_slug) = *rng.pick(&TOPICS);
        let ticket = 100 + rng.below(900);
        let title = match id {
            4 => "Fix CSV export: handle \"quoted\" fields, commas\nand embedded newlines"
                .to_string(),
            6 => "Übersetzungen: 日本語 locale hinzufügen ✨".to_string(),
            _ if rng.chance(1, 3) => format!("ACME-{ticket} {verb} {topic}"),
            _ => format!("{verb} {topic}"),
        };
        let description: Option<String> = match id {
            2 => Some(String::new()),
            4 => None,
            _ if id.is_multiple_of(97) => Some(String::new()),
            _ => Some(format!(
                "This change {} the {topic}.\n\n* Ticket: ACME-{ticket}\n* Touches `{}`",
                verb.to_lowercase(),
                repo.slug
            )),
        };
        let author = (rng.next_u64() % self.users.len() as u64) as usize;
        let prefix = if verb == "Fix" { "bugfix" } else { "feature" };
        let source_branch = format!("{prefix}/ACME-{ticket}-{topic_slug}");
        let destination_branch = if rng.chance(1, 8) {
            "develop"
        } else {
            repo.mainbranch
        };

        let created = repo.pr_start_us
            + (i64::from(id) - 1) * repo.pr_step_us
            + rng.range(0, repo.pr_step_us);
        let updated = created
            + match state {
                PrState::Open => rng.range(0, 2 * DAY_S * 1_000_000),
                _ => rng.range(3_600_000_000, 5 * DAY_S * 1_000_000),
            };
        let edits = self.pr_edits(w, r, id);
        let (title, updated_on) = match &edits {
            Some(e) => (
                e.title().map_or(title, str::to_string),
                e.last_change().map_or(updated, |t| t.max(updated)),
            ),
            None => (title, updated),
        };
        PrCore {
            id,
            state,
            title,
            description,
            author,
            source_branch,
            destination_branch,
            created,
            updated,
            updated_on,
            edits,
            rng,
        }
    }

    /// Pull request `id`; with `participants` / `reviewers` it also carries those
    /// arrays (the `fields=+values.participants,+values.reviewers` expansion).
    pub(crate) fn pull_request_json_with(
        &self,
        w: usize,
        r: usize,
        id: u32,
        participants: bool,
        reviewers: bool,
    ) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let repo = &self.workspaces[w].repos[r];
        let full = &repo.full;
        let api = format!("{api_root}/repositories/{full}/pullrequests/{id}");
        let core = self.pr_core(w, r, id);
        let people = (participants || reviewers).then(|| self.pr_people(w, r, &core));
        let added_comments = core.edits.as_ref().map_or(0, |e| e.comments.len());
        let PrCore {
            state,
            ref title,
            ref description,
            author,
            ref source_branch,
            destination_branch,
            created,
            updated,
            updated_on,
            mut rng,
            ..
        } = core;
        let title = title.as_str();
        let source_branch = source_branch.as_str();
        let raw = description.as_deref().unwrap_or("");
        let author = &self.users[author];
        let source_hash = sha1_like(&[seed, K_PR_HASH, w as u64, r as u64, u64::from(id)]);
        let dest_hash = self
            .commit_hash_at(w, r, created)
            .unwrap_or_else(|| source_hash.clone());
        let merge_hash = (state == PrState::Merged).then(|| {
            self.commit_hash_at(w, r, updated).unwrap_or_else(|| {
                sha1_like(&[seed, K_PR_HASH, w as u64, r as u64, u64::from(id), 1])
            })
        });
        let closed_by = match state {
            PrState::Merged | PrState::Declined => Some(self.user(rng.next_u64())),
            _ => None,
        };
        let reason = match state {
            PrState::Declined if rng.chance(2, 3) => {
                "Superseded by a different approach, see discussion."
            }
            _ => "",
        };
        let close_source_branch = rng.chance(3, 4);
        let _ = rng.below(25); // formerly the comment count; kept so later draws are unchanged
        let comment_count = (self.pr_generated_comment_count(w, r, id) + added_comments) as u64;
        let task_count = rng.below(4);
        let draft = state == PrState::Open && rng.chance(1, 10);

        let endpoint = |o: &mut Obj, branch: &str, hash: &str| {
            o.obj("branch", |b| {
                b.str("name", branch);
            })
            .obj("commit", |c| self.write_commit_ref(c, hash, full))
            .raw("repository", &repo.ref_json);
        };
        let diff_spec = format!(
            "{full}:{}%0D{}?from_pullrequest_id={id}&topic=true",
            &source_hash[..12],
            &dest_hash[..12]
        );

        object(|o| {
            o.plain("type", "pullrequest")
                .num("id", u64::from(id))
                .str("title", title)
                .opt_str("description", description.as_deref())
                .obj("summary", |s| {
                    s.plain("type", "rendered")
                        .str("raw", raw)
                        .plain("markup", "markdown")
                        .str("html", &render_markdown(raw));
                })
                .obj("rendered", |s| {
                    s.obj("title", |t| {
                        t.plain("type", "rendered")
                            .str("raw", title)
                            .plain("markup", "markdown")
                            .str("html", &format!("<p>{}</p>", html_escape(title)));
                    });
                })
                .plain("state", state.as_str())
                .raw("author", &author.json)
                .obj("source", |e| endpoint(e, source_branch, &source_hash))
                .obj("destination", |e| {
                    endpoint(e, destination_branch, &dest_hash)
                });
            match &merge_hash {
                Some(h) => o.obj("merge_commit", |c| self.write_commit_ref(c, h, full)),
                None => o.null("merge_commit"),
            };
            match closed_by {
                Some(u) => o.raw("closed_by", &u.json),
                None => o.null("closed_by"),
            };
            o.bool("close_source_branch", close_source_branch)
                .str("reason", reason)
                .num("comment_count", comment_count)
                .num("task_count", task_count)
                .bool("draft", draft)
                .bool("queued", false)
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(updated_on));
            if let Some(people) = &people {
                if reviewers {
                    let accounts: Vec<&str> = people
                        .iter()
                        .filter(|p| p.reviewer)
                        .map(|p| self.users[p.user].json.as_str())
                        .collect();
                    o.raw_array("reviewers", &accounts);
                }
                if participants {
                    let items: Vec<String> =
                        people.iter().map(|p| self.participant_json(p)).collect();
                    o.raw_array("participants", &items);
                }
            }
            o.obj("links", |l| {
                l.href("self", &api)
                    .href("html", &format!("{WEB}/{full}/pull-requests/{id}"))
                    .href("commits", &format!("{api}/commits"))
                    .href("approve", &format!("{api}/approve"))
                    .href("request-changes", &format!("{api}/request-changes"))
                    .href(
                        "diff",
                        &format!("{api_root}/repositories/{full}/diff/{diff_spec}"),
                    )
                    .href(
                        "diffstat",
                        &format!("{api_root}/repositories/{full}/diffstat/{diff_spec}"),
                    )
                    .href("comments", &format!("{api}/comments"))
                    .href("activity", &format!("{api}/activity"))
                    .href("merge", &format!("{api}/merge"))
                    .href("decline", &format!("{api}/decline"))
                    .href("statuses", &format!("{api}/statuses"));
            });
        })
    }

    /// Date (seconds) of commit `i`: the first draw of its PRNG stream.
    pub(super) fn commit_date_s(&self, w: usize, r: usize, i: usize) -> i64 {
        let repo = &self.workspaces[w].repos[r];
        let mut rng = Rng::new(&[self.spec.seed, K_COMMIT, w as u64, r as u64, i as u64]);
        repo.commit_top_s - i as i64 * repo.commit_step_s - rng.range(0, repo.commit_step_s)
    }

    /// Commit number `i` of the repository, 0 = newest.
    pub(crate) fn commit_json(&self, w: usize, r: usize, i: usize) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let repo = &self.workspaces[w].repos[r];
        let full = &repo.full;
        let hash = self.commit_hash(w, r, i);
        let mut rng = Rng::new(&[seed, K_COMMIT, w as u64, r as u64, i as u64]);

        let date = self.commit_date_s(w, r, i);
        let _ = rng.range(0, repo.commit_step_s); // the date's draw
        let is_merge = i % 10 == 3 && i + 2 < repo.n_commits;
        let verb = *rng.pick(&VERBS);
        let (topic, topic_slug) = *rng.pick(&TOPICS);
        let ticket = 100 + rng.below(900);
        // Commits by a CI bot have no Bitbucket account: `author.user` is absent.
        let author = (i % 7 != 6).then(|| self.user(rng.next_u64()));

        let message = if i == 1 {
            "Fix \"naïve\" date parsing, handle CRLF, commas\n\nCo-authored-by: Zoë Ångström <zoe.angstrom@example.com>\n"
                .to_string()
        } else if is_merge {
            format!(
                "Merged in feature/ACME-{ticket}-{topic_slug} (pull request #{})\n\n{verb} {topic}\n\nApproved-by: {}\n",
                1 + rng.below(500),
                self.user(rng.next_u64()).display_name
            )
        } else if i.is_multiple_of(5) {
            format!(
                "{verb} {topic}\n\nACME-{ticket}: {verb} the {topic}.\nSecond line of the body.\n"
            )
        } else {
            format!("{verb} {topic}\n")
        };

        let parents: Vec<String> = [i + 1, i + 2]
            .into_iter()
            .take(if is_merge { 2 } else { 1 })
            .filter(|&p| p < repo.n_commits)
            .map(|p| object(|o| self.write_commit_ref(o, &self.commit_hash(w, r, p), full)))
            .collect();

        let api = format!("{api_root}/repositories/{full}/commit/{hash}");
        object(|o| {
            o.plain("type", "commit")
                .plain("hash", &hash)
                .plain("date", &rfc3339_secs(date))
                .obj("author", |a| {
                    a.plain("type", "author");
                    match author {
                        Some(u) => a
                            .str("raw", &format!("{} <{}>", u.display_name, u.email))
                            .raw("user", &u.json),
                        None => a.str("raw", "build-bot <ci@acme.example>"),
                    };
                })
                .str("message", &message)
                .obj("summary", |s| {
                    s.plain("type", "rendered")
                        .str("raw", &message)
                        .plain("markup", "markdown")
                        .str("html", &render_markdown(&message));
                })
                .raw_array("parents", &parents)
                .raw("repository", &repo.ref_json)
                .obj("links", |l| {
                    l.href("self", &api)
                        .href("html", &format!("{WEB}/{full}/commits/{hash}"))
                        .href(
                            "diff",
                            &format!("{api_root}/repositories/{full}/diff/{hash}"),
                        )
                        .href(
                            "patch",
                            &format!("{api_root}/repositories/{full}/patch/{hash}"),
                        )
                        .href("approve", &format!("{api}/approve"))
                        .href("comments", &format!("{api}/comments"))
                        .href("statuses", &format!("{api}/statuses"));
                });
        })
    }
}

// ---------------------------------------------------------------- generation of the stored metadata

fn make_user(
    seed: u64,
    api_root: &str,
    i: usize,
    (display_name, nickname, email, atlassian_id): (&'static str, &str, &'static str, bool),
) -> UserMeta {
    let uid = uuid(&[seed, K_USER, i as u64]);
    let account_id = if atlassian_id {
        format!("557058:{}", &uid[1..37])
    } else {
        format!(
            "{:016x}{:08x}",
            mix(&[seed, K_USER, i as u64, 1]),
            0x1f2e_3d4c
        )
    };
    let enc = brace_encode(&uid);
    let initials: String = display_name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect();
    let json = object(|o| {
        o.plain("type", "user")
            .str("display_name", display_name)
            .plain("uuid", &uid)
            .plain("account_id", &account_id)
            .str("nickname", nickname)
            .obj("links", |l| {
                l.href("self", &format!("{api_root}/users/{enc}")).href("html", &format!("{WEB}/{enc}/")).href(
                    "avatar",
                    &format!(
                        "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{initials}-{}.png",
                        i % 6
                    ),
                );
            });
    });
    UserMeta {
        display_name,
        email,
        uuid: uid,
        json,
    }
}

fn make_workspace(spec: &DatasetSpec, api_root: &str, w: usize, slug: &str) -> WorkspaceMeta {
    let seed = spec.seed;
    let uid = uuid(&[seed, K_WORKSPACE, w as u64]);
    let enc = brace_encode(&uid);
    let mut name = slug.to_string();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let name = format!("{name} Corp");

    let workspace_json = object(|o| {
        o.plain("type", "workspace")
            .plain("slug", slug)
            .str("name", &name)
            .plain("uuid", &uid)
            .obj("links", |l| {
                l.href("self", &format!("{api_root}/workspaces/{slug}"))
                    .href("html", &format!("{WEB}/{slug}/"))
                    .href(
                        "avatar",
                        &format!("{WEB}/workspaces/{slug}/avatar/?ts=1700000000"),
                    );
            });
    });
    let owner_json = object(|o| {
        o.plain("type", "team")
            .str("display_name", &name)
            .plain("uuid", &uid)
            .str("username", slug)
            .obj("links", |l| {
                l.href("self", &format!("{api_root}/workspaces/{enc}"))
                    .href("html", &format!("{WEB}/{enc}/"))
                    .href("avatar", &format!("{WEB}/account/{slug}/avatar/"));
            });
    });
    let projects_json = PROJECTS
        .iter()
        .enumerate()
        .map(|(p, (key, pname))| {
            object(|o| {
                o.plain("type", "project")
                    .plain("key", key)
                    .str("name", pname)
                    .plain("uuid", &uuid(&[seed, K_PROJECT, w as u64, p as u64]))
                    .obj("links", |l| {
                        project_links(l, api_root, slug, key);
                    });
            })
        })
        .collect();
    let repos = (0..spec.repos_per_workspace)
        .map(|r| make_repo(spec, api_root, w, slug, r))
        .collect();
    WorkspaceMeta {
        slug: slug.to_string(),
        uuid: uid,
        name,
        workspace_json,
        owner_json,
        projects_json,
        repos,
    }
}

fn make_repo(spec: &DatasetSpec, api_root: &str, w: usize, ws_slug: &str, r: usize) -> RepoMeta {
    let seed = spec.seed;
    let mut rng = Rng::new(&[seed, K_REPO, w as u64, r as u64]);
    let (name, language, description) = match REPO_NAMES.get(r) {
        Some(&(n, l, d)) => (n.to_string(), l, d.to_string()),
        None => (
            format!("service-{r:03}"),
            "go",
            format!("Internal service number {r}"),
        ),
    };
    let slug = slugify(&name);
    let full = format!("{ws_slug}/{slug}");
    let uid = uuid(&[seed, K_REPO, w as u64, r as u64]);
    let ref_json = repository_ref(api_root, &full, &name, &uid);
    let end = end_secs();

    // PRs: evenly spread (one per step, jittered within its step) so created_on
    // strictly increases with id; the newest is about a week before "now".
    let n_prs = spec.pull_requests_per_repo as i64;
    let pr_step_us = (THREE_YEARS_S / n_prs.max(1)).clamp(60, 3 * DAY_S) * 1_000_000;
    let pr_start_us = (end - 7 * DAY_S) * 1_000_000 - n_prs * pr_step_us;
    let pr_states = (1..=spec.pull_requests_per_repo as u64)
        .map(|id| pr_state(seed, w, r, id))
        .collect();

    // Commits: index 0 is the newest; dates strictly decrease along the list.
    let n_commits = spec.commits_per_repo as i64;
    let commit_step_s = (THREE_YEARS_S / n_commits.max(1)).clamp(60, DAY_S);
    let commit_top_s = end - 3600 - rng.range(0, 3600);
    let oldest_s = (commit_top_s - n_commits * commit_step_s).min(pr_start_us / 1_000_000);
    let created_us =
        (oldest_s - rng.range(30 * DAY_S, 400 * DAY_S)) * 1_000_000 + rng.range(0, 1_000_000);

    RepoMeta {
        slug,
        name,
        full,
        uuid: uid,
        ref_json,
        description,
        language,
        is_private: r % 3 != 2, // every third repository is public (the demo's `infra`)
        fork_policy: ["no_public_forks", "allow_forks", "no_forks"][r % 3],
        size: rng.range(200_000, 90_000_000) as u64,
        mainbranch: if r % 5 == 4 { "master" } else { "main" },
        project: r % PROJECTS.len(),
        created_us,
        updated_us: (end - rng.range(60, 12 * 3600)) * 1_000_000 + rng.range(0, 1_000_000),
        pr_states,
        pr_start_us,
        pr_step_us,
        n_commits: spec.commits_per_repo,
        commit_top_s,
        commit_step_s,
    }
}

/// The state of PR `id`: ids 1-4 are MERGED, DECLINED, SUPERSEDED, OPEN so that
/// every state occurs; the rest are about 25% OPEN, 50% MERGED, 15% DECLINED
/// and 10% SUPERSEDED.
fn pr_state(seed: u64, w: usize, r: usize, id: u64) -> PrState {
    match id {
        1 => PrState::Merged,
        2 => PrState::Declined,
        3 => PrState::Superseded,
        4 => PrState::Open,
        _ => match mix(&[seed, K_PR_STATE, w as u64, r as u64, id]) % 100 {
            0..=24 => PrState::Open,
            25..=74 => PrState::Merged,
            75..=89 => PrState::Declined,
            _ => PrState::Superseded,
        },
    }
}
