//! Repositories (seeded at generation: sizes, flags, names), their forks
//! and watchers: data, handlers (`/repositories/{workspace}` with BBQL, one
//! repository, forks, watchers) and accessors.

use crate::api::{list, resolve_repo, resolve_workspace, ApiRequest, ApiResult};
use crate::dataset::{end_secs, parse, pick_distinct, Dataset, DatasetSpec, DAY_S, THREE_YEARS_S, WEB};
use crate::families::pull_requests::{pr_state, PrState};
use crate::families::workspaces::{WorkspaceMeta, PROJECTS};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, rfc3339_micros, slugify, uuid, Rng};
use serde_json::Value;

/// (name, language, description); the slug is derived from the name.
const REPO_NAMES: [(&str, &str, &str); 10] = [
    ("web-app", "typescript", "Customer-facing web app \u{2014} React, \"SSR\" & friends"),
    ("API Service", "go", "Public REST API and background workers"),
    ("infra", "hcl", ""),
    ("mobile-app", "kotlin", "Android and iOS clients"),
    ("data-pipeline", "python", "Nightly ETL jobs"),
    ("design-system", "typescript", "Shared UI components"),
    ("docs", "", "Developer documentation"),
    ("billing", "java", "Invoices, payments and dunning"),
    ("auth-service", "rust", "Login, SSO and tokens"),
    ("analytics", "python", "Product analytics and dashboards"),
];

pub(crate) struct RepoMeta {
    pub(crate) slug: String,
    pub(crate) name: String,
    /// `workspace/slug`
    pub(crate) full: String,
    pub(crate) uuid: String,
    /// The short repository object embedded in pull requests and commits.
    pub(crate) ref_json: String,
    pub(crate) description: String,
    pub(crate) language: &'static str,
    pub(crate) is_private: bool,
    pub(crate) fork_policy: &'static str,
    pub(crate) size: u64,
    pub(crate) mainbranch: &'static str,
    pub(crate) project: usize,
    pub(crate) created_us: i64,
    pub(crate) updated_us: i64,
    /// `pr_states[id - 1]`
    pub(crate) pr_states: Vec<PrState>,
    pub(crate) pr_start_us: i64,
    pub(crate) pr_step_us: i64,
    pub(crate) n_commits: usize,
    pub(crate) commit_top_s: i64,
    pub(crate) commit_step_s: i64,
}

pub(crate) fn make_repo(spec: &DatasetSpec, api_root: &str, w: usize, ws_slug: &str, r: usize) -> RepoMeta {
    let seed = spec.seed;
    let mut rng = Rng::new(&[seed, Seed::Repository.key(), w as u64, r as u64]);
    let (name, language, description) = match REPO_NAMES.get(r) {
        Some(&(n, l, d)) => (n.to_string(), l, d.to_string()),
        None => (format!("service-{r:03}"), "go", format!("Internal service number {r}")),
    };
    let slug = slugify(&name);
    let full = format!("{ws_slug}/{slug}");
    let uid = uuid(&[seed, Seed::Repository.key(), w as u64, r as u64]);
    let ref_json = repository_ref(api_root, &full, &name, &uid);
    let end = end_secs();

    // PRs: evenly spread (one per step, jittered within its step) so created_on
    // strictly increases with id; the newest is about a week before "now".
    let n_prs = spec.pull_requests_per_repo as i64;
    let pr_step_us = (THREE_YEARS_S / n_prs.max(1)).clamp(60, 3 * DAY_S) * 1_000_000;
    let pr_start_us = (end - 7 * DAY_S) * 1_000_000 - n_prs * pr_step_us;
    let pr_states = (1..=spec.pull_requests_per_repo as u64).map(|id| pr_state(seed, w, r, id)).collect();

    // Commits: index 0 is the newest; dates strictly decrease along the list.
    let n_commits = spec.commits_per_repo as i64;
    let commit_step_s = (THREE_YEARS_S / n_commits.max(1)).clamp(60, DAY_S);
    let commit_top_s = end - 3600 - rng.range(0, 3600);
    let oldest_s = (commit_top_s - n_commits * commit_step_s).min(pr_start_us / 1_000_000);
    let created_us = (oldest_s - rng.range(30 * DAY_S, 400 * DAY_S)) * 1_000_000 + rng.range(0, 1_000_000);

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

/// The short repository object embedded in pull requests, commits and forks.
pub(crate) fn repository_ref(api_root: &str, full: &str, name: &str, uuid: &str) -> String {
    object(|o| {
        o.plain("type", "repository").plain("full_name", full).str("name", name).plain("uuid", uuid).obj("links", |l| {
            l.href("self", &format!("{api_root}/repositories/{full}"))
                .href("html", &format!("{WEB}/{full}"))
                .href("avatar", &format!("{WEB}/{full}/avatar/32/?ts=1700000000"));
        });
    })
}

/// A full repository object; forks carry their `parent` (a short repository object).
pub(crate) fn repository_object(api_root: &str, ws: &WorkspaceMeta, repo: &RepoMeta, parent: Option<&str>) -> String {
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
                s.bool("default_merge_strategy", true).bool("branching_model", true);
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
                                c.str("name", "https").plain("href", &format!("https://{}@bitbucket.org/{full}.git", ws.slug));
                            }),
                            object(|c| {
                                c.str("name", "ssh").plain("href", &format!("git@bitbucket.org:{full}.git"));
                            }),
                        ],
                    );
            });
    })
}

impl Dataset {
    /// (workspace index, repo index) by slugs or `{uuid}`s.
    pub(crate) fn find_repo(&self, workspace: &str, repo: &str) -> Option<(usize, usize)> {
        let w = self.find_workspace(workspace)?;
        let r = self.workspaces[w].repos.iter().position(|m| m.slug == repo || m.uuid == repo)?;
        Some((w, r))
    }

    pub(crate) fn n_repos(&self, w: usize) -> usize {
        self.workspaces[w].repos.len()
    }

    pub(crate) fn repo(&self, w: usize, r: usize) -> &RepoMeta {
        &self.workspaces[w].repos[r]
    }

    /// Full repository object, as listed by `GET /repositories/{workspace}`.
    pub(crate) fn repository_json(&self, w: usize, r: usize) -> String {
        let ws = &self.workspaces[w];
        repository_object(&self.api_root, ws, &ws.repos[r], None)
    }

    pub(crate) fn n_forks(&self, w: usize, r: usize) -> usize {
        (mix(&[self.spec.seed, Seed::Fork.key(), w as u64, r as u64]) % 3) as usize
    }

    /// Fork `k`: lives in the next workspace of the spec (cyclically, so in the
    /// same one when there is only one). Not itself listed or served elsewhere.
    pub(crate) fn fork_json(&self, w: usize, r: usize, k: usize) -> String {
        let seed = self.spec.seed;
        let parent = self.repo(w, r);
        let fw = (w + k + 1) % self.workspaces.len();
        let fws = &self.workspaces[fw];
        let slug = if k == 0 { format!("{}-fork", parent.slug) } else { format!("{}-fork-{}", parent.slug, k + 1) };
        let name = format!("{} (fork)", parent.name);
        let full = format!("{}/{slug}", fws.slug);
        let uid = uuid(&[seed, Seed::Fork.key(), w as u64, r as u64, k as u64]);
        let mut rng = Rng::new(&[seed, Seed::Fork.key(), w as u64, r as u64, k as u64, 1]);
        let span = (end_secs() * 1_000_000 - parent.created_us).max(2);
        let created_us = parent.created_us + rng.range(span / 4, span / 2);
        let updated_us = created_us + rng.range(0, span / 2);
        let ref_json = crate::families::repositories::repository_ref(&self.api_root, &full, &name, &uid);
        let meta = RepoMeta {
            slug,
            name,
            full,
            uuid: uid,
            ref_json,
            description: parent.description.clone(),
            language: parent.language,
            is_private: parent.is_private,
            fork_policy: parent.fork_policy,
            size: parent.size / 2 + rng.below(1_000_000),
            mainbranch: parent.mainbranch,
            project: 0,
            created_us,
            updated_us,
            pr_states: Vec::new(),
            pr_start_us: 0,
            pr_step_us: 1,
            n_commits: parent.n_commits,
            commit_top_s: parent.commit_top_s,
            commit_step_s: parent.commit_step_s,
        };
        crate::families::repositories::repository_object(&self.api_root, fws, &meta, Some(&parent.ref_json))
    }

    /// Watchers: 3-6 distinct pool users, pool order.
    pub(crate) fn watchers_of(&self, w: usize, r: usize) -> Vec<usize> {
        let seed = self.spec.seed;
        let n = 3 + (mix(&[seed, Seed::Watcher.key(), w as u64, r as u64]) % 4) as usize;
        let mut rng = Rng::new(&[seed, Seed::Watcher.key(), w as u64, r as u64, 1]);
        let mut users = pick_distinct(&mut rng, self.users.len(), n, None);
        users.sort_unstable();
        users
    }
}

/// Top-level fields `q` may use, per family (nested paths below them are free).
pub const REPOSITORY_FIELDS: &[&str] = &[
    "type",
    "uuid",
    "full_name",
    "name",
    "slug",
    "description",
    "scm",
    "is_private",
    "fork_policy",
    "language",
    "size",
    "has_issues",
    "has_wiki",
    "created_on",
    "updated_on",
    "mainbranch",
    "owner",
    "workspace",
    "project",
    "parent",
    "links",
    "override_settings",
];

/// `GET /repositories/{workspace}`: dataset order, BBQL `q` (e.g. `is_private = false`).
pub fn list_repositories(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    list(req, LIST, Some(REPOSITORY_FIELDS), ds.n_repos(w), |r| ds.repository_json(w, r))
}

/// `GET /repositories/{workspace}/{repo_slug}`.
pub(crate) fn get_repository(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    Ok(req.dataset.repository_json(w, r))
}

/// `…/forks`: BBQL `q`.
pub fn list_forks(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, Some(REPOSITORY_FIELDS), ds.n_forks(w, r), |k| ds.fork_json(w, r, k))
}

/// `…/watchers`: accounts, pool order.
pub fn list_watchers(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let users = ds.watchers_of(w, r);
    list(req, LIST, None, users.len(), |i| ds.users[users[i]].json.clone())
}

impl Dataset {
    /// Every repository of `workspace` (slug or `{uuid}`), in the order
    /// `GET /repositories/{workspace}` lists them. Empty if unknown.
    pub fn repositories(&self, workspace: &str) -> Vec<Value> {
        match self.find_workspace(workspace) {
            Some(w) => (0..self.n_repos(w)).map(|r| parse(&self.repository_json(w, r))).collect(),
            None => Vec::new(),
        }
    }

    /// `…/forks` (0-2 per repository).
    pub fn forks(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| (0..self.n_forks(w, r)).map(|k| parse(&self.fork_json(w, r, k))).collect())
    }

    pub fn fork_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.n_forks(w, r))
    }

    /// `…/watchers` (3-6 accounts).
    pub fn watchers(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| self.watchers_of(w, r).into_iter().map(|u| parse(&self.users[u].json)).collect())
    }

    pub fn watcher_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.watchers_of(w, r).len())
    }
}
