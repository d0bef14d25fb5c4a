//! The Data Center fake's seeded dataset: users, projects, repositories
//! and everything in them, generated once (deterministically, from the
//! `Dc*` streams of `seeds.rs`) as the JSON objects the server sends, so
//! tests read expectations from [`DcDataset`]'s accessors without going
//! through the server.
//!
//! Contents: 8 users (`carol.white@corp` has the slug `carol.white_corp`,
//! `dave` has no `emailAddress`, `frank` is inactive); projects `PRJ`
//! "Platform" (repositories `web-app`, `api-service`), `OPS` "Operations"
//! (`infra`), the personal project `~JSMITH` (`dotfiles`, and `web-app`, a
//! fork of `PRJ/web-app`), and `SEC` "Security" (`vault`), which the
//! configured user may not see ([`HIDDEN_PROJECT`]). Per repository: pull
//! requests (40 in each `PRJ`/`OPS` repository, fewer elsewhere) with
//! their activities (newest first; comment threads with replies nested up
//! to 3 levels, some anchored inline; an edited thread also has a newer
//! EDITED activity about the same comment) and commits (1-4 of the
//! repository's);
//! commits (newest first, a linear history, second-precision times); 8
//! branches (`main` the default); 5 tags; explicit user and group
//! permissions (also per project). Every timestamp is epoch milliseconds
//! before 2026-10-01T00:00:00Z ([`GENERATED_BEFORE_MS`]).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use anyhow::{anyhow, bail};
use serde_json::{json, Value};

use crate::seeds::Seed;
use crate::util::{days_from_civil, sha1_like, Rng};

/// The dataset seed mixed into every draw.
const SEED: u64 = 0xDC_94;

/// The project whose repositories the configured user may not see: it is
/// in no listing, and its URLs answer 401 `AuthorisationException`.
pub const HIDDEN_PROJECT: &str = "SEC";

/// Every generated timestamp is before this (2026-10-01T00:00:00Z, ms).
pub const GENERATED_BEFORE_MS: i64 = 1_790_812_800_000;

const DAY_MS: i64 = 86_400_000;

/// `(name, slug, displayName, emailAddress, active, id)`.
type UserSpec = (&'static str, &'static str, &'static str, Option<&'static str>, bool, u64);
pub(crate) const USERS: &[UserSpec] = &[
    ("alice", "alice", "Alice Jones", Some("alice@example.com"), true, 2),
    ("bob", "bob", "Bob Lee", Some("bob@example.com"), true, 3),
    ("carol.white@corp", "carol.white_corp", "Carol White", Some("carol.white@example.com"), true, 51),
    ("dave", "dave", "Dave Kim", None, true, 52),
    ("erin", "erin", "Erin Diaz", Some("erin@example.com"), true, 53),
    ("frank", "frank", "Frank Ode", Some("frank@example.com"), false, 54),
    ("grace", "grace", "Grace Park", Some("grace@example.com"), true, 101),
    ("jsmith", "jsmith", "John Smith", Some("jsmith@example.com"), true, 1),
    // Found by a substring `filter` for jsmith, as a look-alike would be.
    ("jsmith.admin", "jsmith.admin", "John Smith (admin)", Some("jsmith.admin@example.com"), true, 55),
];

/// `(key, id, name, description, personal owner slug)`.
const PROJECTS: &[(&str, u64, &str, &str, Option<&str>)] = &[
    ("PRJ", 1, "Platform", "Platform services", None),
    ("OPS", 2, "Operations", "Infrastructure and operations", None),
    ("~JSMITH", 3, "John Smith", "", Some("jsmith")),
    (HIDDEN_PROJECT, 4, "Security", "Secrets and audits", None),
];

/// `(project key, slug, name, public, fork of (project, slug), pull requests, commits)`.
type RepoSpec = (&'static str, &'static str, &'static str, bool, Option<(&'static str, &'static str)>, u64, usize);
const REPOSITORIES: &[RepoSpec] = &[
    ("PRJ", "web-app", "Web App", false, None, 40, 60),
    ("PRJ", "api-service", "API Service", false, None, 40, 60),
    ("OPS", "infra", "infra", true, None, 40, 60),
    ("~JSMITH", "dotfiles", "dotfiles", true, None, 6, 12),
    ("~JSMITH", "web-app", "Web App", false, Some(("PRJ", "web-app")), 3, 10),
    (HIDDEN_PROJECT, "vault", "vault", false, None, 5, 10),
];

const BRANCHES: &[&str] =
    &["main", "develop", "feature/login", "feature/search", "bugfix/crash", "release/1.0", "release/2.0", "hotfix/typo"];
const GROUPS: &[&str] = &["developers", "developers-contract", "qa", "release-managers", "stash-users"];
/// The files in the `generated/` directory of every repository.
pub const DIRECTORY_FILES: u64 = 1_200;

const PATHS: &[&str] = &["src/main.rs", "src/lib.rs", "README.md", "src/api/client.rs", "docs/setup.md"];
const MESSAGES: &[&str] = &[
    "Fix the login redirect",
    "Add search paging",
    "Bump dependencies",
    "Refactor the client",
    "Document the setup",
    "Handle empty repositories",
];

/// The seeded Data Center data, shared by a running fake and its clones
/// ([`update_pull_request`](Self::update_pull_request) shows in every clone).
#[derive(Clone, Debug)]
pub struct DcDataset {
    inner: Arc<RwLock<Inner>>,
}

#[derive(Debug)]
struct Inner {
    users: Vec<Value>,
    projects: Vec<Project>,
    repositories: Vec<Repository>,
    application_properties: Value,
}

#[derive(Debug)]
struct Project {
    key: String,
    json: Value,
    user_permissions: Vec<Value>,
    group_permissions: Vec<Value>,
}

#[derive(Debug)]
struct Repository {
    project: String,
    slug: String,
    json: Value,
    /// Ascending id.
    pull_requests: Vec<Value>,
    /// Per pull request id: newest first.
    activities: BTreeMap<u64, Vec<Value>>,
    pull_request_commits: BTreeMap<u64, Vec<Value>>,
    /// Newest first.
    commits: Vec<Value>,
    /// By name.
    branches: Vec<Value>,
    /// By name.
    tags: Vec<Value>,
    /// `(project key, slug)` of direct forks.
    forks: Vec<(String, String)>,
    user_permissions: Vec<Value>,
    group_permissions: Vec<Value>,
}

fn links(href: String) -> Value {
    json!({"self": [{"href": href}]})
}

fn same_key(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl DcDataset {
    /// The seeded dataset with web links under `base_url` (the instance's
    /// base URL, context path included, e.g. `http://127.0.0.1:7990/bitbucket`).
    pub fn generate(base_url: &str) -> DcDataset {
        let base = base_url.trim_end_matches('/');
        let users: Vec<Value> = USERS
            .iter()
            .map(|&(name, slug, display, email, active, id)| {
                let mut user = json!({"name": name, "id": id, "displayName": display, "active": active, "slug": slug,
                    "type": "NORMAL", "links": links(format!("{base}/users/{slug}"))});
                if let Some(email) = email {
                    user["emailAddress"] = json!(email);
                }
                user
            })
            .collect();
        let user = |slug: &str| users.iter().find(|u| u["slug"] == slug).cloned().unwrap_or(Value::Null);

        let mut projects: Vec<Project> = PROJECTS
            .iter()
            .enumerate()
            .map(|(index, &(key, id, name, description, owner))| {
                let mut json = json!({"key": key, "id": id, "name": name});
                match owner {
                    Some(owner) => {
                        json["type"] = json!("PERSONAL");
                        json["owner"] = user(owner);
                        json["links"] = links(format!("{base}/users/{owner}"));
                    }
                    None => {
                        json["description"] = json!(description);
                        json["public"] = json!(false);
                        json["type"] = json!("NORMAL");
                        json["links"] = links(format!("{base}/projects/{key}"));
                    }
                }
                let (user_permissions, group_permissions) = permissions(&users, "PROJECT", &[index as u64, 0]);
                Project { key: key.to_string(), json, user_permissions, group_permissions }
            })
            .collect();
        projects.sort_by(|a, b| a.json["name"].as_str().cmp(&b.json["name"].as_str()));

        let mut counters = Counters::default();
        let mut repositories: Vec<Repository> = Vec::new();
        for (index, &(key, slug, name, public, fork_of, pull_requests, commits)) in REPOSITORIES.iter().enumerate() {
            let project = projects.iter().find(|p| p.key == key).map(|p| p.json.clone()).unwrap_or(Value::Null);
            let mut rng = Rng::new(&[SEED, Seed::DcRepository.key(), index as u64]);
            let lower = key.to_ascii_lowercase();
            let mut json = json!({
                "slug": slug, "id": index as u64 + 1, "name": name,
                "description": format!("The {name} repository"),
                "hierarchyId": format!("{:016x}{:04x}", rng.next_u64(), rng.below(0x1_0000)),
                "scmId": "git", "state": "AVAILABLE", "statusMessage": "Available", "forkable": true,
                "project": project, "public": public, "archived": false,
                "links": {
                    "clone": [
                        {"href": format!("{base}/scm/{lower}/{slug}.git"), "name": "http"},
                        {"href": format!("ssh://git@127.0.0.1:7999/{lower}/{slug}.git"), "name": "ssh"},
                    ],
                    "self": [{"href": format!("{base}/projects/{key}/repos/{slug}/browse")}],
                },
            });
            if let Some((origin_key, origin_slug)) = fork_of {
                let origin = repositories.iter_mut().find(|r| r.project == origin_key && r.slug == origin_slug);
                if let Some(origin) = origin {
                    json["origin"] = origin.json.clone();
                    origin.forks.push((key.to_string(), slug.to_string()));
                }
            }
            let repo_commits = generate_commits(&users, index as u64, commits);
            let (user_permissions, group_permissions) = permissions(&users, "REPO", &[index as u64, 1]);
            let mut repository = Repository {
                project: key.to_string(),
                slug: slug.to_string(),
                branches: generate_refs(index as u64, &repo_commits, "BRANCH"),
                tags: generate_refs(index as u64, &repo_commits, "TAG"),
                commits: repo_commits,
                json,
                pull_requests: Vec::new(),
                activities: BTreeMap::new(),
                pull_request_commits: BTreeMap::new(),
                forks: Vec::new(),
                user_permissions,
                group_permissions,
            };
            for id in 1..=pull_requests {
                generate_pull_request(&users, base, index as u64, id, pull_requests, &mut repository, &mut counters);
            }
            repositories.push(repository);
        }
        let application_properties =
            json!({"version": "9.4.3", "buildNumber": "9004003", "buildDate": "1718812800000", "displayName": "Bitbucket"});
        DcDataset { inner: Arc::new(RwLock::new(Inner { users, projects, repositories, application_properties })) }
    }

    fn read<T>(&self, f: impl FnOnce(&Inner) -> T) -> T {
        f(&self.inner.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn repo<T>(&self, project: &str, slug: &str, f: impl FnOnce(&Repository) -> T) -> Option<T> {
        self.read(|inner| inner.repositories.iter().find(|r| same_key(&r.project, project) && r.slug == slug).map(f))
    }

    /// `GET /api/latest/application-properties`.
    pub fn application_properties(&self) -> Value {
        self.read(|inner| inner.application_properties.clone())
    }

    /// Every user, by `name` (as `/users` lists them).
    pub fn users(&self) -> Vec<Value> {
        self.read(|inner| inner.users.clone())
    }

    /// The users' global permissions (`{user, permission}`, by name, as
    /// `/admin/permissions/users` lists them): jsmith `SYS_ADMIN`, alice
    /// `ADMIN`, bob `PROJECT_CREATE`, every other active user `LICENSED_USER`.
    pub fn global_permissions(&self) -> Vec<Value> {
        let users = self.users();
        let level = |name: &str| match name {
            "jsmith" => "SYS_ADMIN",
            "alice" => "ADMIN",
            "bob" => "PROJECT_CREATE",
            _ => "LICENSED_USER",
        };
        users
            .into_iter()
            .filter(|u| u["active"] == true)
            .map(|u| {
                let permission = level(u["name"].as_str().unwrap_or(""));
                json!({"user": u, "permission": permission})
            })
            .collect()
    }

    /// The user with this `slug`.
    pub fn user(&self, slug: &str) -> Option<Value> {
        self.read(|inner| inner.users.iter().find(|u| u["slug"] == slug).cloned())
    }

    /// Every project, by name, personal and hidden ones included (`/projects`
    /// lists only the NORMAL ones the user may see).
    pub fn projects(&self) -> Vec<Value> {
        self.read(|inner| inner.projects.iter().map(|p| p.json.clone()).collect())
    }

    /// The project with this key (case-insensitive, as in URLs).
    pub fn project(&self, key: &str) -> Option<Value> {
        self.read(|inner| inner.projects.iter().find(|p| same_key(&p.key, key)).map(|p| p.json.clone()))
    }

    /// Every repository, in project-name order then slug order (as `/repos`
    /// lists the visible ones; hidden ones included here).
    pub fn all_repositories(&self) -> Vec<Value> {
        self.read(|inner| {
            let mut all = Vec::new();
            for project in &inner.projects {
                let mut repos: Vec<&Repository> =
                    inner.repositories.iter().filter(|r| same_key(&r.project, &project.key)).collect();
                repos.sort_by(|a, b| a.slug.cmp(&b.slug));
                all.extend(repos.into_iter().map(|r| r.json.clone()));
            }
            all
        })
    }

    /// The repositories of a project, by slug.
    pub fn repositories(&self, project: &str) -> Vec<Value> {
        self.all_repositories().into_iter().filter(|r| same_key(r["project"]["key"].as_str().unwrap_or(""), project)).collect()
    }

    /// One repository.
    pub fn repository(&self, project: &str, slug: &str) -> Option<Value> {
        self.repo(project, slug, |r| r.json.clone())
    }

    /// Every pull request of a repository (every state), ascending id.
    pub fn pull_requests(&self, project: &str, slug: &str) -> Vec<Value> {
        self.repo(project, slug, |r| r.pull_requests.clone()).unwrap_or_default()
    }

    /// One pull request.
    pub fn pull_request(&self, project: &str, slug: &str, id: u64) -> Option<Value> {
        self.repo(project, slug, |r| r.pull_requests.iter().find(|p| p["id"] == id).cloned()).flatten()
    }

    /// A pull request's activities, newest first.
    pub fn activities(&self, project: &str, slug: &str, id: u64) -> Vec<Value> {
        self.repo(project, slug, |r| r.activities.get(&id).cloned()).flatten().unwrap_or_default()
    }

    /// A pull request's commits, newest first.
    pub fn pull_request_commits(&self, project: &str, slug: &str, id: u64) -> Vec<Value> {
        self.repo(project, slug, |r| r.pull_request_commits.get(&id).cloned()).flatten().unwrap_or_default()
    }

    /// A pull request's participants as `…/participants` lists them: the
    /// author, then the reviewers, then the other participants.
    pub fn participants(&self, project: &str, slug: &str, id: u64) -> Vec<Value> {
        let Some(pr) = self.pull_request(project, slug, id) else { return Vec::new() };
        let mut all = vec![pr["author"].clone()];
        for list in ["reviewers", "participants"] {
            all.extend(pr[list].as_array().cloned().unwrap_or_default());
        }
        all
    }

    /// A repository's commits, newest first.
    pub fn commits(&self, project: &str, slug: &str) -> Vec<Value> {
        self.repo(project, slug, |r| r.commits.clone()).unwrap_or_default()
    }

    /// A repository's branches, by name.
    pub fn branches(&self, project: &str, slug: &str) -> Vec<Value> {
        self.repo(project, slug, |r| r.branches.clone()).unwrap_or_default()
    }

    /// A repository's tags, by name.
    pub fn tags(&self, project: &str, slug: &str) -> Vec<Value> {
        self.repo(project, slug, |r| r.tags.clone()).unwrap_or_default()
    }

    /// A repository's direct forks.
    pub fn forks(&self, project: &str, slug: &str) -> Vec<Value> {
        let forks = self.repo(project, slug, |r| r.forks.clone()).unwrap_or_default();
        forks.iter().filter_map(|(key, slug)| self.repository(key, slug)).collect()
    }

    /// The entries of directory `path` (`""`: the root) of a repository,
    /// the same tree in every repository and at every commit: `README.md`,
    /// `docs/`, `generated/` (1,200 files, to page), `src/` (with `api/`)
    /// and the submodule `vendor`. `None`: no such directory.
    pub fn directory(&self, path: &str) -> Option<Vec<Value>> {
        let entry = |name: &str, kind: &str, size: Option<u64>| {
            let mut e = json!({"path": {"components": [name], "name": name, "toString": name}, "type": kind,
                "contentId": sha1_like(&[name.len() as u64, size.unwrap_or(0)])});
            if let Some(size) = size {
                e["size"] = json!(size);
            }
            e
        };
        Some(match path.trim_matches('/') {
            "" => vec![
                entry("docs", "DIRECTORY", None),
                entry("generated", "DIRECTORY", None),
                entry("src", "DIRECTORY", None),
                entry("vendor", "SUBMODULE", None),
                entry("README.md", "FILE", Some(1_200)),
            ],
            "docs" => vec![entry("setup.md", "FILE", Some(640))],
            "generated" => (1..=DIRECTORY_FILES).map(|i| entry(&format!("file-{i:04}.txt"), "FILE", Some(i * 10))).collect(),
            "src" => {
                vec![entry("api", "DIRECTORY", None), entry("lib.rs", "FILE", Some(2_048)), entry("main.rs", "FILE", Some(512))]
            }
            "src/api" => vec![entry("client.rs", "FILE", Some(4_096))],
            _ => return None,
        })
    }

    /// A repository's branch restrictions (branch permissions), by id: one
    /// of each matcher type, the same in every repository but for the ids.
    pub fn branch_restrictions(&self, project: &str, slug: &str) -> Vec<Value> {
        let Some(repo) = self.repository(project, slug) else { return Vec::new() };
        let base = repo["id"].as_u64().unwrap_or(0) * 10;
        let admin = self.user("jsmith").unwrap_or(Value::Null);
        let matcher = |kind: &str, name: &str, id: &str, display: &str| json!({"id": id, "displayId": display, "type": {"id": kind, "name": name}, "active": true});
        let scope = json!({"type": "REPOSITORY", "resourceId": repo["id"]});
        [
            ("read-only", matcher("BRANCH", "Branch", "refs/heads/main", "main"), json!([admin]), json!([])),
            ("no-deletes", matcher("PATTERN", "Pattern", "release/*", "release/*"), json!([]), json!(["release-managers"])),
            (
                "pull-request-only",
                matcher("MODEL_CATEGORY", "Branching model category", "FEATURE", "Feature"),
                json!([]),
                json!([]),
            ),
            (
                "fast-forward-only",
                matcher("MODEL_BRANCH", "Branching model branch", "production", "Production"),
                json!([]),
                json!([]),
            ),
            (
                "no-creates",
                matcher("ANY_REF", "Any branch", "ANY_REF_MATCHER_ID", "Any branch"),
                json!([]),
                json!(["developers"]),
            ),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (kind, matcher, users, groups))| {
            json!({"id": base + i as u64 + 1, "type": kind, "matcher": matcher, "users": users, "groups": groups,
                "accessKeys": [], "scope": scope})
        })
        .collect()
    }

    /// `{user, permission}` grants on a repository, by user name.
    pub fn repository_user_permissions(&self, project: &str, slug: &str) -> Vec<Value> {
        self.repo(project, slug, |r| r.user_permissions.clone()).unwrap_or_default()
    }

    /// `{group: {name}, permission}` grants on a repository, by group name.
    pub fn repository_group_permissions(&self, project: &str, slug: &str) -> Vec<Value> {
        self.repo(project, slug, |r| r.group_permissions.clone()).unwrap_or_default()
    }

    /// `{user, permission}` grants on a project, by user name.
    pub fn project_user_permissions(&self, key: &str) -> Vec<Value> {
        self.read(|inner| inner.projects.iter().find(|p| same_key(&p.key, key)).map(|p| p.user_permissions.clone()))
            .unwrap_or_default()
    }

    /// `{group: {name}, permission}` grants on a project, by group name.
    pub fn project_group_permissions(&self, key: &str) -> Vec<Value> {
        self.read(|inner| inner.projects.iter().find(|p| same_key(&p.key, key)).map(|p| p.group_permissions.clone()))
            .unwrap_or_default()
    }

    /// Gives pull request `id` a new `title`, moves its `updatedDate` to
    /// `updated_ms` (epoch ms, after its current `updatedDate`) and bumps its
    /// `version`; nothing else changes (no activity is added).
    pub fn update_pull_request(&self, project: &str, slug: &str, id: u64, updated_ms: i64, title: &str) -> anyhow::Result<()> {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let repo = inner
            .repositories
            .iter_mut()
            .find(|r| same_key(&r.project, project) && r.slug == slug)
            .ok_or_else(|| anyhow!("no repository {project}/{slug} in the Data Center fake"))?;
        let pr = repo
            .pull_requests
            .iter_mut()
            .find(|p| p["id"] == id)
            .ok_or_else(|| anyhow!("no pull request {id} in {project}/{slug} of the Data Center fake"))?;
        let current = pr["updatedDate"].as_i64().unwrap_or(0);
        if updated_ms <= current {
            bail!("pull request {project}/{slug}#{id}: the new updatedDate {updated_ms} must be after its current {current}");
        }
        pr["title"] = json!(title);
        pr["updatedDate"] = json!(updated_ms);
        pr["version"] = json!(pr["version"].as_i64().unwrap_or(0) + 1);
        Ok(())
    }
}

/// Global id counters (activity and comment ids are unique instance-wide).
#[derive(Default)]
struct Counters {
    activity: u64,
    comment: u64,
}

/// Explicit grants (`PROJECT_*` or `REPO_*`) to some users and groups.
fn permissions(users: &[Value], level: &str, at: &[u64]) -> (Vec<Value>, Vec<Value>) {
    let kinds = ["READ", "WRITE", "ADMIN"];
    let mut rng = Rng::new(&[&[SEED, Seed::DcPermission.key()], at].concat());
    let mut by_user = Vec::new();
    for user in users {
        let kind = match user["slug"] == "jsmith" {
            true => "ADMIN",
            false if rng.chance(1, 2) => *rng.pick(&kinds),
            false => continue,
        };
        by_user.push(json!({"user": user, "permission": format!("{level}_{kind}")}));
    }
    by_user.sort_by(|a, b| a["user"]["name"].as_str().cmp(&b["user"]["name"].as_str()));
    let mut by_group = Vec::new();
    for group in GROUPS {
        if rng.chance(2, 3) {
            by_group.push(json!({"group": {"name": group}, "permission": format!("{level}_{}", rng.pick(&kinds))}));
        }
    }
    (by_user, by_group)
}

fn person(user: &Value) -> Value {
    let name = user["name"].as_str().unwrap_or("");
    let email = user["emailAddress"].as_str().map_or_else(|| format!("{name}@example.com"), str::to_string);
    json!({"name": user["displayName"], "emailAddress": email})
}

/// `n` commits, newest first, each the child of the next.
fn generate_commits(users: &[Value], repo: u64, n: usize) -> Vec<Value> {
    let ids: Vec<String> = (0..n).map(|i| sha1_like(&[SEED, Seed::DcCommit.key(), repo, i as u64])).collect();
    let mut time = (GENERATED_BEFORE_MS - 30 * DAY_MS) / 1000 * 1000;
    (0..n)
        .map(|i| {
            let mut rng = Rng::new(&[SEED, Seed::DcCommit.key(), repo, i as u64, 1]);
            time -= rng.range(3_600, 3 * 86_400) * 1000;
            let author = rng.pick(users);
            let committer = if rng.chance(1, 4) { rng.pick(users) } else { author };
            let authored = time - rng.range(0, 7_200) * 1000;
            let parents: Vec<Value> = ids.get(i + 1).map(|p| json!({"id": p, "displayId": &p[..11]})).into_iter().collect();
            json!({
                "id": ids[i], "displayId": &ids[i][..11],
                "author": person(author), "authorTimestamp": authored,
                "committer": person(committer), "committerTimestamp": time,
                "message": format!("{} ({})", rng.pick(MESSAGES), n - i),
                "parents": parents,
            })
        })
        .collect()
}

/// The branches (`BRANCH`) or tags (`TAG`) of a repository, by name.
fn generate_refs(repo: u64, commits: &[Value], kind: &str) -> Vec<Value> {
    let mut rng = Rng::new(&[SEED, Seed::DcRef.key(), repo, (kind == "TAG") as u64]);
    let names: Vec<String> = match kind {
        "TAG" => (0..5).map(|i| format!("v1.{i}.0")).collect(),
        _ => BRANCHES.iter().map(|b| b.to_string()).collect(),
    };
    let mut refs: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let at = match kind {
                "TAG" => commits.len().saturating_sub(1 + i * commits.len() / 6),
                _ if i == 0 => 0,
                _ => rng.below(commits.len() as u64) as usize,
            };
            let commit = commits[at]["id"].clone();
            let mut r = json!({"id": format!("refs/{}/{name}", if kind == "TAG" { "tags" } else { "heads" }),
                "displayId": name, "type": kind, "latestCommit": commit, "latestChangeset": commit});
            if kind == "TAG" {
                // Odd tags are annotated (their own object hash), even ones lightweight.
                r["hash"] =
                    if i % 2 == 1 { json!(sha1_like(&[SEED, Seed::DcRef.key(), repo, 9, i as u64])) } else { Value::Null };
            } else {
                r["isDefault"] = json!(i == 0);
            }
            r
        })
        .collect();
    refs.sort_by(|a, b| a["displayId"].as_str().cmp(&b["displayId"].as_str()));
    refs
}

fn participant(user: &Value, role: &str, status: &str, last_reviewed: Option<&Value>) -> Value {
    let mut p = json!({"user": user, "role": role, "approved": status == "APPROVED", "status": status});
    if let Some(commit) = last_reviewed {
        p["lastReviewedCommit"] = commit.clone();
    }
    p
}

/// Pull request `id` of `repository` (the `index`-th), with its commits
/// and activities.
fn generate_pull_request(
    users: &[Value],
    base: &str,
    index: u64,
    id: u64,
    count: u64,
    repository: &mut Repository,
    counters: &mut Counters,
) {
    let mut rng = Rng::new(&[SEED, Seed::DcPullRequest.key(), index, id]);
    let state = *rng.pick(&["MERGED", "MERGED", "OPEN", "DECLINED"]);
    let start = days_from_civil(2025, 1, 1) * DAY_MS;
    let span = GENERATED_BEFORE_MS - 40 * DAY_MS - start;
    let created = start + span / count as i64 * (id as i64 - 1) + rng.range(0, DAY_MS);
    let updated = created + rng.range(3_600_000, 20 * DAY_MS);

    let active: Vec<&Value> = users.iter().filter(|u| u["active"] == true).collect();
    let mut people: Vec<&Value> = Vec::new();
    while people.len() < 6 {
        let u = *rng.pick(&active);
        if !people.iter().any(|p| p["id"] == u["id"]) {
            people.push(u);
        }
    }
    let author = people[0];
    let reviewers = &people[1..1 + rng.below(4) as usize];
    let others = &people[4..4 + rng.below(3) as usize];

    let commits = &repository.commits;
    let n = 1 + rng.below(4) as usize;
    let first = (id as usize * 3) % commits.len().saturating_sub(n).max(1);
    let pr_commits: Vec<Value> = commits[first..(first + n).min(commits.len())].to_vec();
    let head = pr_commits[0]["id"].clone();
    let target = commits[0]["id"].clone();

    let statuses: Vec<&str> = reviewers.iter().map(|_| *rng.pick(&["APPROVED", "NEEDS_WORK", "UNAPPROVED"])).collect();
    let reviewer_json: Vec<Value> = reviewers
        .iter()
        .zip(&statuses)
        .map(|(u, s)| participant(u, "REVIEWER", s, (*s != "UNAPPROVED").then_some(&head)))
        .collect();
    let repo_json = repository.json.clone();
    let (key, slug) = (repository.project.clone(), repository.slug.clone());
    let branch = format!("feature/pr-{id}");
    let mut pr = json!({
        "id": id, "version": rng.below(4), "title": format!("{} (#{id})", rng.pick(MESSAGES)),
        "state": state, "open": state == "OPEN", "closed": state != "OPEN",
        "draft": state == "OPEN" && rng.chance(1, 5),
        "createdDate": created, "updatedDate": updated,
        "fromRef": {"id": format!("refs/heads/{branch}"), "displayId": branch, "latestCommit": head, "type": "BRANCH", "repository": repo_json.clone()},
        "toRef": {"id": "refs/heads/main", "displayId": "main", "latestCommit": target, "type": "BRANCH", "repository": repo_json},
        "locked": false,
        "author": participant(author, "AUTHOR", "UNAPPROVED", None),
        "reviewers": reviewer_json,
        "participants": others.iter().map(|u| participant(u, "PARTICIPANT", "UNAPPROVED", None)).collect::<Vec<_>>(),
        "links": links(format!("{base}/projects/{key}/repos/{slug}/pull-requests/{id}/overview")),
    });
    if rng.chance(3, 4) {
        pr["description"] = json!(format!("Changes for pull request {id}."));
    }
    if state != "OPEN" {
        pr["closedDate"] = json!(updated);
    }

    // Activities in time order, then numbered and reversed (newest first).
    let mut items: Vec<(i64, Value)> = vec![(created, json!({"user": author, "action": "OPENED"}))];
    let times = |rng: &mut Rng| rng.range(created + 1, updated - 1);
    for thread in 0..rng.below(5) {
        let at = times(&mut rng);
        let root = comment(&mut rng, &people, at, updated, 0, counters);
        let mut item = json!({"user": root["author"], "action": "COMMENTED", "commentAction": "ADDED", "comment": root});
        if thread % 2 == 1 {
            item["commentAnchor"] = json!({
                "fromHash": target, "toHash": head, "line": rng.range(1, 200),
                "lineType": rng.pick(&["ADDED", "CONTEXT", "REMOVED"]), "fileType": rng.pick(&["TO", "FROM"]),
                "path": rng.pick(PATHS), "diffType": "EFFECTIVE", "orphaned": false,
            });
        }
        // An edited thread also has a newer activity about the same
        // comment (as recorded: EDITED, the same comment object).
        if item["comment"]["version"].as_u64() > Some(0) {
            let mut edit = item.clone();
            edit["commentAction"] = json!("EDITED");
            items.push((item["comment"]["updatedDate"].as_i64().unwrap_or(at), edit));
        }
        items.push((at, item));
    }
    for (reviewer, status) in reviewers.iter().zip(&statuses) {
        let at = times(&mut rng);
        match *status {
            "APPROVED" => items.push((at, json!({"user": reviewer, "action": "APPROVED"}))),
            "NEEDS_WORK" => items.push((at, json!({"user": reviewer, "action": "REVIEWED"}))),
            _ if rng.chance(1, 2) => {
                items.push((at, json!({"user": reviewer, "action": "APPROVED"})));
                items.push((at.max(times(&mut rng)) + 1, json!({"user": reviewer, "action": "UNAPPROVED"})));
            }
            _ => {}
        }
    }
    match state {
        "MERGED" => items.push((updated, json!({"user": reviewers.first().copied().unwrap_or(author), "action": "MERGED"}))),
        "DECLINED" => items.push((updated, json!({"user": author, "action": "DECLINED"}))),
        _ => {}
    }
    items.sort_by_key(|(at, _)| *at);
    let mut activities: Vec<Value> = items
        .into_iter()
        .map(|(at, body)| {
            counters.activity += 1;
            let mut activity = json!({"id": counters.activity, "createdDate": at});
            if let (Value::Object(a), Value::Object(b)) = (&mut activity, body) {
                a.extend(b);
            }
            activity
        })
        .collect();
    activities.reverse();

    repository.activities.insert(id, activities);
    repository.pull_request_commits.insert(id, pr_commits);
    repository.pull_requests.push(pr);
}

/// A comment at `at` (before `until`) with up to `3 - depth` levels of replies.
fn comment(rng: &mut Rng, people: &[&Value], at: i64, until: i64, depth: usize, counters: &mut Counters) -> Value {
    counters.comment += 1;
    let id = counters.comment;
    let version = rng.below(3);
    let edited = if version > 0 { rng.range(at, until.max(at + 1)) } else { at };
    let severity = if depth == 0 && rng.chance(1, 4) { "BLOCKER" } else { "NORMAL" };
    let state = if severity == "BLOCKER" && rng.chance(1, 2) { "RESOLVED" } else { "OPEN" };
    let author = *rng.pick(people);
    let mut replies = Vec::new();
    if depth < 3 {
        for _ in 0..rng.below(if depth == 0 { 3 } else { 2 }) {
            let reply_at = rng.range(at + 1, until.max(at + 2));
            replies.push(comment(rng, people, reply_at, until, depth + 1, counters));
        }
    }
    json!({
        "id": id, "version": version, "text": format!("Comment {id}: {}", ["Looks good.", "Please add a test.", "Why this change?", "Nit: naming."][rng.below(4) as usize]),
        "author": author, "createdDate": at, "updatedDate": edited, "comments": replies,
        "threadResolved": depth == 0 && rng.chance(1, 3), "severity": severity, "state": state,
    })
}
