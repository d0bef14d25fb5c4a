//! The seeded, deterministic dataset behind the fake server: [`Dataset`],
//! its [`DatasetSpec`], the caches, and the vocabulary every family draws
//! from (API and web roots, topics, verbs, `pick_distinct`, brace-encoding).
//!
//! Only small per-workspace / per-repository metadata (and one state byte per
//! pull request) is stored; every object is generated on demand from
//! `(seed, seed key, workspace index, repo index, object index)` (keys in
//! `seeds.rs`) and written straight to JSON text, so a repository with
//! 100,000 pull requests or commits costs almost nothing until it is listed.
//! Each family (`families/`) generates its own objects.
//!
//! API links in objects (`links.self`, `links.commits`, …) start with
//! [`Dataset::api_root`]: `https://api.bitbucket.org/2.0` for a dataset on its
//! own; a [`FakeBitbucket`](crate::FakeBitbucket) rebases its dataset on its
//! own base URL when it starts, so clients that follow links (as SDKs do)
//! stay on the fake, and `fake.dataset()`'s accessors return exactly the
//! objects the server serves. Web links (`links.html`, avatars, clone URLs)
//! always point at `https://bitbucket.org`.

use crate::changes::Changes;
use crate::families::accounts::{make_user, UserMeta, USERS};
use crate::families::workspaces::{make_workspace, WorkspaceMeta};
use crate::json::object;
use crate::util::{days_from_civil, parse_instant, Rng};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, RwLock};

pub(crate) const API: &str = "https://api.bitbucket.org/2.0";

pub(crate) const WEB: &str = "https://bitbucket.org";

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
    /// Each workspace's first member (its owner) has its `added_on` written
    /// as Bitbucket wrote some: milliseconds and no offset
    /// (`2021-04-02T14:25:58.600`), UTC meant. Demo: false.
    pub offsetless_added_on: bool,
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
            offsetless_added_on: false,
        }
    }
}

impl Default for DatasetSpec {
    fn default() -> Self {
        DatasetSpec::demo()
    }
}

/// `(workspace, repo, state mask)` → ascending ids of the PRs with those states.
type FilterCache = HashMap<(usize, usize, u8), Arc<Vec<u32>>>;

/// `(workspace, repo, q)` → ascending ids of the PRs matching the BBQL `q`.
type QueryCache = HashMap<(usize, usize, String), Arc<Vec<u32>>>;

/// `(workspace, repo)` → running totals of activity items, PRs newest first.
type ActivityCache = HashMap<(usize, usize), Arc<Vec<usize>>>;

/// The seeded dataset. Cheap to build; objects are generated on request.
pub struct Dataset {
    pub(crate) spec: DatasetSpec,
    /// Origin and prefix of API links (see [`Dataset::api_root`]).
    pub(crate) api_root: String,
    pub(crate) users: Vec<UserMeta>,
    pub(crate) workspaces: Vec<WorkspaceMeta>,
    pub(crate) filter_cache: Mutex<FilterCache>,
    pub(crate) query_cache: Mutex<QueryCache>,
    pub(crate) activity_cache: Mutex<ActivityCache>,
    /// Changes made while the fake runs (`changes.rs`).
    pub(crate) changes: RwLock<Changes>,
    /// Whether `changes` holds any (so `pr_core` skips the lock until then).
    pub(crate) has_changes: AtomicBool,
    /// Bumped by every change; see [`Dataset::cache_generation`].
    pub(crate) generation: AtomicU64,
}

/// A clone carries the changes made so far (caches start empty).
impl Clone for Dataset {
    fn clone(&self) -> Self {
        Dataset::generate_at(self.spec.clone(), self.api_root.clone()).with_changes(self.changes_snapshot())
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
pub(crate) fn end_secs() -> i64 {
    days_from_civil(2026, 10, 1) * 86_400
}

pub(crate) const DAY_S: i64 = 86_400;

pub(crate) const THREE_YEARS_S: i64 = 3 * 365 * DAY_S;

pub(crate) const VERBS: [&str; 8] = ["Add", "Fix", "Refactor", "Update", "Remove", "Improve", "Bump", "Document"];

/// (topic, its slug for branch names)
pub(crate) const TOPICS: [(&str, &str); 16] = [
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

pub(crate) fn brace_encode(uuid: &str) -> String {
    uuid.replace('{', "%7B").replace('}', "%7D")
}

pub(crate) fn parse(json: &str) -> Value {
    json.parse().expect("fake Bitbucket writes valid JSON")
}

/// A deterministic selection of `n` distinct indexes out of `0..len`, ascending.
pub(crate) fn pick_distinct(rng: &mut Rng, len: usize, n: usize, exclude: Option<usize>) -> Vec<usize> {
    let mut pool: Vec<usize> = (0..len).filter(|&i| Some(i) != exclude).collect();
    let n = n.min(pool.len());
    for i in 0..n {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool
}

/// `{"type": …, "uuid": …}`-style short reference.
pub(crate) fn short_ref(kind: &str, uuid: &str) -> String {
    object(|o| {
        o.plain("type", kind).plain("uuid", uuid);
    })
}

/// Parses an accessor's `since` argument.
pub(crate) fn instant(since: &str) -> i64 {
    parse_instant(since).unwrap_or_else(|| panic!("not an RFC 3339 instant or date: {since:?}"))
}

impl Dataset {
    /// Workspace `acme` with repos `web-app`, `api-service` and `infra`, each
    /// with 60 pull requests (all four states) and 150 commits.
    pub fn demo() -> Dataset {
        Dataset::generate(DatasetSpec::demo())
    }

    /// Panics if a workspace slug is not made of ASCII letters, digits, `-`, `_` and `.`.
    /// API links point at `https://api.bitbucket.org/2.0` until a
    /// [`FakeBitbucket`](crate::FakeBitbucket) serves the dataset.
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
    /// or the server's base URL for [`FakeBitbucket::dataset`](crate::FakeBitbucket::dataset).
    /// Web links (`links.html`, avatars, clone URLs) always point at
    /// `https://bitbucket.org`.
    pub fn api_root(&self) -> &str {
        &self.api_root
    }

    fn generate_at(spec: DatasetSpec, api_root: String) -> Dataset {
        for slug in &spec.workspaces {
            let ok = !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            assert!(ok, "invalid workspace slug {slug:?}");
        }
        let users = USERS.iter().enumerate().map(|(i, u)| make_user(spec.seed, &api_root, i, *u)).collect();
        let workspaces = spec.workspaces.iter().enumerate().map(|(w, slug)| make_workspace(&spec, &api_root, w, slug)).collect();
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

    pub fn spec(&self) -> &DatasetSpec {
        &self.spec
    }
}
