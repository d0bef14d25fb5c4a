//! Repository-level objects beyond pull requests and commits: branches, tags,
//! forks, watchers, branch restrictions, explicit permissions, pipelines and
//! their steps, deployments, environments and the `src` tree.
//!
//! Everything is derived from `(seed, workspace, repo, index)`; nothing is
//! stored. Branches and tags point at the repository's own commits (their
//! `target` is the full commit object), so a repository without commits has
//! neither.

use std::collections::HashSet;

use serde_json::Value;

use super::accounts::pick_distinct;
use super::data::{brace_encode, end_secs, parse, Dataset, RepoMeta, DAY_S, TOPICS, WEB};
use super::json::{object, Obj};
use super::util::{mix, parse_instant, rfc3339_micros, rfc3339_secs, sha1_like, uuid, Rng};

const K_BRANCH: u64 = 40;
const K_TAG: u64 = 41;
const K_FORK: u64 = 42;
const K_WATCH: u64 = 43;
const K_RESTRICT: u64 = 44;
const K_PERM: u64 = 45;
const K_PIPE: u64 = 46;
const K_PIPE_UUID: u64 = 47;
const K_STEP: u64 = 48;
const K_DEPLOY: u64 = 49;
const K_ENV: u64 = 50;
const K_GROUP: u64 = 51;

/// Workspace groups: (slug, name).
const GROUPS: [(&str, &str); 3] = [
    ("administrators", "Administrators"),
    ("developers", "Developers"),
    ("qa", "QA"),
];

/// Deployment environments: (name, slug); the rank is the index.
const ENVIRONMENTS: [(&str, &str); 3] = [
    ("Test", "test"),
    ("Staging", "staging"),
    ("Production", "production"),
];

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

/// A pipeline's derived facts.
pub(super) struct PipeMeta {
    pub(super) build: usize,
    pub(super) created_us: i64,
    /// 0 PUSH, 1 MANUAL, 2 SCHEDULE
    trigger: u8,
    creator: Option<usize>,
    ref_name: String,
    commit: String,
    /// `None` while IN_PROGRESS; else 0 SUCCESSFUL, 1 FAILED, 2 STOPPED.
    result: Option<u8>,
    queue_s: i64,
    duration_s: i64,
    pub(super) steps: usize,
}

const RESULTS: [&str; 3] = ["SUCCESSFUL", "FAILED", "STOPPED"];

fn result_json(prefix: &str, r: u8) -> String {
    let name = RESULTS[r as usize];
    object(|o| {
        o.plain("name", name)
            .plain("type", &format!("{prefix}_{}", name.to_lowercase()));
    })
}

/// `{"type": …, "uuid": …}`-style short reference.
fn short_ref(kind: &str, uuid: &str) -> String {
    object(|o| {
        o.plain("type", kind).plain("uuid", uuid);
    })
}

impl Dataset {
    fn repo(&self, w: usize, r: usize) -> &RepoMeta {
        &self.workspaces[w].repos[r]
    }

    // ------------------------------------------------------------ branches and tags

    /// `(name, target commit index)` of every branch, sorted by name.
    pub(super) fn branches_meta(&self, w: usize, r: usize) -> Vec<(String, usize)> {
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
            let mut rng = Rng::new(&[seed, K_BRANCH, w as u64, r as u64, k]);
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

    pub(super) fn branch_json(&self, w: usize, r: usize, name: &str, target: usize) -> String {
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
    pub(super) fn tags_meta(&self, w: usize, r: usize) -> Vec<(String, usize, bool)> {
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

    pub(super) fn tag_json(&self, w: usize, r: usize, tag: &(String, usize, bool)) -> String {
        let api_root = self.api_root.as_str();
        let (name, target, annotated) = tag;
        let full = &self.repo(w, r).full;
        let mut rng = Rng::new(&[self.spec.seed, K_TAG, w as u64, r as u64, *target as u64]);
        let date = (self.commit_date_s(w, r, *target) + rng.range(60, DAY_S)).min(end_secs() - 60);
        let tagger = self.user(rng.next_u64());
        object(|o| {
            o.str("name", name)
                .raw("target", &self.commit_json(w, r, *target));
            if *annotated {
                o.str("message", &format!("Release {name}\n"))
                    .plain("date", &rfc3339_secs(date))
                    .obj("tagger", |t| {
                        t.plain("type", "author")
                            .str(
                                "raw",
                                &format!("{} <{}>", tagger.display_name, tagger.email),
                            )
                            .raw("user", &tagger.json);
                    });
            }
            o.obj("links", |l| {
                l.href(
                    "self",
                    &format!("{api_root}/repositories/{full}/refs/tags/{name}"),
                )
                .href(
                    "commits",
                    &format!("{api_root}/repositories/{full}/commits/{name}"),
                )
                .href("html", &format!("{WEB}/{full}/commits/tag/{name}"));
            })
            .plain("type", "tag");
        })
    }

    // ------------------------------------------------------------ forks and watchers

    pub(super) fn n_forks(&self, w: usize, r: usize) -> usize {
        (mix(&[self.spec.seed, K_FORK, w as u64, r as u64]) % 3) as usize
    }

    /// Fork `k`: lives in the next workspace of the spec (cyclically, so in the
    /// same one when there is only one). Not itself listed or served elsewhere.
    pub(super) fn fork_json(&self, w: usize, r: usize, k: usize) -> String {
        let seed = self.spec.seed;
        let parent = self.repo(w, r);
        let fw = (w + k + 1) % self.workspaces.len();
        let fws = &self.workspaces[fw];
        let slug = if k == 0 {
            format!("{}-fork", parent.slug)
        } else {
            format!("{}-fork-{}", parent.slug, k + 1)
        };
        let name = format!("{} (fork)", parent.name);
        let full = format!("{}/{slug}", fws.slug);
        let uid = uuid(&[seed, K_FORK, w as u64, r as u64, k as u64]);
        let mut rng = Rng::new(&[seed, K_FORK, w as u64, r as u64, k as u64, 1]);
        let span = (end_secs() * 1_000_000 - parent.created_us).max(2);
        let created_us = parent.created_us + rng.range(span / 4, span / 2);
        let updated_us = created_us + rng.range(0, span / 2);
        let ref_json = super::data::repository_ref(&self.api_root, &full, &name, &uid);
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
        super::data::repository_object(&self.api_root, fws, &meta, Some(&parent.ref_json))
    }

    /// Watchers: 3-6 distinct pool users, pool order.
    pub(super) fn watchers_of(&self, w: usize, r: usize) -> Vec<usize> {
        let seed = self.spec.seed;
        let n = 3 + (mix(&[seed, K_WATCH, w as u64, r as u64]) % 4) as usize;
        let mut rng = Rng::new(&[seed, K_WATCH, w as u64, r as u64, 1]);
        let mut users = pick_distinct(&mut rng, self.users.len(), n, None);
        users.sort_unstable();
        users
    }

    // ------------------------------------------------------------ restrictions and permissions

    fn group_json(&self, w: usize, g: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let (slug, name) = GROUPS[g];
        object(|o| {
            o.plain("type", "group")
                .plain("slug", slug)
                .str("name", name)
                .plain("full_slug", &format!("{}:{slug}", ws.slug))
                .raw("workspace", &ws.workspace_json)
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!("{api_root}/workspaces/{}/groups/{slug}", ws.slug),
                    )
                    .href(
                        "html",
                        &format!("{WEB}/{}/workspace/settings/groups/{slug}", ws.slug),
                    );
                });
        })
    }

    pub(super) fn n_branch_restrictions(&self, w: usize, r: usize) -> usize {
        3 + (mix(&[self.spec.seed, K_RESTRICT, w as u64, r as u64]) % 2) as usize
    }

    /// Branch restriction `k`: push (main), require_approvals_to_merge (main),
    /// delete (branching model: production), force (`release/*`).
    pub(super) fn branch_restriction_json(&self, w: usize, r: usize, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        let full = &repo.full;
        let mut rng = Rng::new(&[self.spec.seed, K_RESTRICT, w as u64, r as u64, k as u64]);
        let id = 20_000_000 + (w as u64 * 1000 + r as u64) * 10 + k as u64;
        let (kind, glob, pattern, value) = match k {
            0 => ("push", true, repo.mainbranch, None),
            1 => (
                "require_approvals_to_merge",
                true,
                repo.mainbranch,
                Some(1 + rng.below(2)),
            ),
            2 => ("delete", false, "", None),
            _ => ("force", true, "release/*", None),
        };
        let users: Vec<&str> = if k == 0 {
            vec![self.user(rng.next_u64()).json.as_str()]
        } else {
            Vec::new()
        };
        let groups: Vec<String> = if k == 0 {
            vec![self.group_json(w, 0)]
        } else {
            Vec::new()
        };
        object(|o| {
            o.plain("type", "branchrestriction")
                .num("id", id)
                .plain("kind", kind)
                .plain(
                    "branch_match_kind",
                    if glob { "glob" } else { "branching_model" },
                );
            if !glob {
                o.plain("branch_type", "production");
            }
            o.str("pattern", pattern);
            match value {
                Some(v) => o.num("value", v),
                None => o.null("value"),
            };
            o.raw_array("users", &users)
                .raw_array("groups", &groups)
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!("{api_root}/repositories/{full}/branch-restrictions/{id}"),
                    );
                });
        })
    }

    /// Explicit user permissions: 3-5 users, the first an admin.
    pub(super) fn user_permissions_of(&self, w: usize, r: usize) -> Vec<(usize, &'static str)> {
        let seed = self.spec.seed;
        let n = 3 + (mix(&[seed, K_PERM, w as u64, r as u64]) % 3) as usize;
        let mut rng = Rng::new(&[seed, K_PERM, w as u64, r as u64, 1]);
        let users = pick_distinct(&mut rng, self.users.len(), n, None);
        users
            .into_iter()
            .enumerate()
            .map(|(k, u)| {
                let p = match k {
                    0 => "admin",
                    _ if rng.chance(2, 3) => "write",
                    _ => "read",
                };
                (u, p)
            })
            .collect()
    }

    pub(super) fn user_permission_json(&self, w: usize, r: usize, (u, p): (usize, &str)) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        let user = &self.users[u];
        object(|o| {
            o.plain("type", "repository_user_permission")
                .plain("permission", p)
                .raw("user", &user.json)
                .raw("repository", &repo.ref_json)
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!(
                            "{api_root}/repositories/{}/permissions-config/users/{}",
                            repo.full,
                            brace_encode(&user.uuid)
                        ),
                    );
                });
        })
    }

    /// Explicit group permissions: administrators (admin), developers
    /// (write) and, for some repositories, qa (read); slug order.
    pub(super) fn group_permissions_of(&self, w: usize, r: usize) -> Vec<(usize, &'static str)> {
        let with_qa = mix(&[self.spec.seed, K_GROUP, w as u64, r as u64]) % 2 == 1;
        let mut out = vec![(0, "admin"), (1, "write")];
        if with_qa {
            out.push((2, "read"));
        }
        out
    }

    pub(super) fn group_slug(&self, g: usize) -> &'static str {
        GROUPS[g].0
    }

    pub(super) fn group_permission_json(
        &self,
        w: usize,
        r: usize,
        (g, p): (usize, &str),
    ) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        object(|o| {
            o.plain("type", "repository_group_permission")
                .plain("permission", p)
                .raw("group", &self.group_json(w, g))
                .raw("repository", &repo.ref_json)
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!(
                            "{api_root}/repositories/{}/permissions-config/groups/{}",
                            repo.full, GROUPS[g].0
                        ),
                    );
                });
        })
    }

    // ------------------------------------------------------------ pipelines

    pub(super) fn n_pipelines(&self, _w: usize, _r: usize) -> usize {
        self.spec.pipelines_per_repo
    }

    /// Pipeline `build` (1-based): created_on strictly increases with the build
    /// number, spread over the last year or so; the last two may be IN_PROGRESS.
    pub(super) fn pipeline_meta(&self, w: usize, r: usize, build: usize) -> PipeMeta {
        let seed = self.spec.seed;
        let repo = self.repo(w, r);
        let n = self.spec.pipelines_per_repo as i64;
        let step = (365 * DAY_S / n.max(1)).clamp(600, 30 * DAY_S);
        let start = end_secs() - DAY_S - n * step;
        let mut rng = Rng::new(&[seed, K_PIPE, w as u64, r as u64, build as u64]);
        let created_s = start + (build as i64 - 1) * step + rng.range(0, step / 2);
        let created_us = created_s * 1_000_000 + rng.range(0, 1_000_000);
        let trigger = if build.is_multiple_of(7) {
            2
        } else if rng.chance(1, 5) {
            1
        } else {
            0
        };
        let creator_pick = rng.next_u64();
        let creator = (trigger != 2).then(|| (creator_pick % self.users.len() as u64) as usize);
        let (_, topic_slug) = *rng.pick(&TOPICS);
        let ticket = 100 + rng.below(900);
        let ref_name = match rng.below(20) {
            0..=11 => repo.mainbranch.to_string(),
            12..=14 => "develop".to_string(),
            _ => format!("feature/ACME-{ticket}-{topic_slug}"),
        };
        let commit = self
            .commit_hash_at(w, r, created_us)
            .unwrap_or_else(|| sha1_like(&[seed, K_PIPE, w as u64, r as u64, build as u64]));
        let in_progress = build as i64 > n - 2 && rng.chance(1, 2);
        let result = if in_progress {
            None
        } else {
            Some(match rng.below(100) {
                0..=74 => 0,
                75..=92 => 1,
                _ => 2,
            })
        };
        PipeMeta {
            build,
            created_us,
            trigger,
            creator,
            ref_name,
            commit,
            result,
            queue_s: rng.range(1, 40),
            duration_s: rng.range(45, 1500),
            steps: 2 + (mix(&[seed, K_STEP, w as u64, r as u64, build as u64]) % 3) as usize,
        }
    }

    /// Brace-wrapped UUID of pipeline `build`; its last group encodes the build
    /// number, so [`Self::pipeline_by_uuid`] needs no table.
    pub(super) fn pipeline_uuid(&self, w: usize, r: usize, build: usize) -> String {
        let seed = self.spec.seed;
        let base = uuid(&[seed, K_PIPE_UUID, w as u64, r as u64, build as u64]);
        let mask = mix(&[seed, K_PIPE_UUID, w as u64, r as u64]) & MASK48;
        let tag = ((build as u64 ^ mask).wrapping_mul(SCRAMBLE)) & MASK48;
        format!("{}{tag:012x}}}", &base[..25])
    }

    /// Build number of a pipeline given its UUID (with or without braces) or
    /// its build number.
    pub(super) fn pipeline_by_uuid(&self, w: usize, r: usize, key: &str) -> Option<usize> {
        let n = self.n_pipelines(w, r);
        if let Ok(b) = key.parse::<usize>() {
            return (1..=n).contains(&b).then_some(b);
        }
        let bare = key
            .trim_start_matches('{')
            .trim_end_matches('}')
            .to_ascii_lowercase();
        if bare.len() != 36 {
            return None;
        }
        let tag = u64::from_str_radix(&bare[24..], 16).ok()?;
        let mask = mix(&[self.spec.seed, K_PIPE_UUID, w as u64, r as u64]) & MASK48;
        let b = usize::try_from((tag.wrapping_mul(inverse(SCRAMBLE)) & MASK48) ^ mask).ok()?;
        ((1..=n).contains(&b) && self.pipeline_uuid(w, r, b)[1..37] == bare).then_some(b)
    }

    pub(super) fn pipeline_json(&self, w: usize, r: usize, build: usize) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        let full = &repo.full;
        let m = self.pipeline_meta(w, r, build);
        let uid = self.pipeline_uuid(w, r, build);
        let enc = brace_encode(&uid);
        let (trigger_name, trigger_type) = match m.trigger {
            0 => ("PUSH", "pipeline_trigger_push"),
            1 => ("MANUAL", "pipeline_trigger_manual"),
            _ => ("SCHEDULE", "pipeline_trigger_schedule"),
        };
        let completed_us = m.created_us + (m.queue_s + m.duration_s) * 1_000_000;
        object(|o| {
            o.plain("type", "pipeline")
                .plain("uuid", &uid)
                .num("build_number", build as u64);
            match m.creator {
                Some(u) => o.raw("creator", &self.users[u].json),
                None => o.null("creator"),
            };
            o.raw("repository", &repo.ref_json)
                .obj("target", |t| {
                    t.plain("type", "pipeline_ref_target")
                        .plain("ref_type", "branch")
                        .str("ref_name", &m.ref_name)
                        .obj("commit", |c| self.write_commit_ref(c, &m.commit, full))
                        .obj("selector", |s| {
                            if m.trigger == 1 {
                                s.plain("type", "custom")
                                    .plain("pattern", "deploy-to-production");
                            } else if m.ref_name == repo.mainbranch {
                                s.plain("type", "default");
                            } else {
                                s.plain("type", "branches").str("pattern", &m.ref_name);
                            }
                        });
                })
                .obj("trigger", |t| {
                    t.plain("name", trigger_name).plain("type", trigger_type);
                })
                .obj("state", |s| match m.result {
                    None => {
                        s.plain("name", "IN_PROGRESS")
                            .plain("type", "pipeline_state_in_progress")
                            .obj("stage", |st| {
                                st.plain("name", "RUNNING")
                                    .plain("type", "pipeline_state_in_progress_running");
                            });
                    }
                    Some(res) => {
                        s.plain("name", "COMPLETED")
                            .plain("type", "pipeline_state_completed")
                            .raw("result", &result_json("pipeline_state_completed", res));
                    }
                })
                .raw("variables", "[]")
                .plain("created_on", &rfc3339_micros(m.created_us));
            if m.result.is_some() {
                o.plain("completed_on", &rfc3339_micros(completed_us))
                    .num(
                        "build_seconds_used",
                        (m.duration_s * m.steps as i64 * 9 / 10) as u64,
                    )
                    .num("duration_in_seconds", m.duration_s as u64);
            } else {
                o.num("build_seconds_used", 0);
            }
            o.obj("links", |l| {
                l.href(
                    "self",
                    &format!("{api_root}/repositories/{full}/pipelines/{enc}"),
                )
                .href(
                    "steps",
                    &format!("{api_root}/repositories/{full}/pipelines/{enc}/steps"),
                )
                .href("html", &format!("{WEB}/{full}/pipelines/results/{build}"));
            });
        })
    }

    /// Step `j` of pipeline `build`; steps split the pipeline's duration. In a
    /// failed or stopped pipeline the last step carries the result; in a
    /// running one the last step is IN_PROGRESS.
    pub(super) fn step_json(&self, w: usize, r: usize, m: &PipeMeta, j: usize) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let full = &self.repo(w, r).full;
        let names: &[&str] = match m.steps {
            2 => &["Build and test", "Deploy to Test"],
            3 => &["Lint", "Build and test", "Deploy to Test"],
            _ => &["Lint", "Build", "Unit tests", "Deploy to Staging"],
        };
        let uid = uuid(&[
            seed,
            K_STEP,
            w as u64,
            r as u64,
            m.build as u64,
            j as u64 + 1,
        ]);
        let per = (m.duration_s / m.steps as i64).max(1);
        let start_us = m.created_us + (m.queue_s + per * j as i64) * 1_000_000;
        let end_us = start_us + per * 1_000_000;
        let last = j + 1 == m.steps;
        let state: Option<u8> = match m.result {
            None if last => None,
            None | Some(0) => Some(0),
            Some(res) if last => Some(res),
            Some(_) => Some(0),
        };
        let pipe_uuid = self.pipeline_uuid(w, r, m.build);
        object(|o| {
            o.plain("type", "pipeline_step")
                .plain("uuid", &uid)
                .str("name", names[j.min(names.len() - 1)])
                .raw("pipeline", &short_ref("pipeline", &pipe_uuid))
                .obj("trigger", |t| {
                    t.plain("type", "pipeline_step_trigger_automatic");
                })
                .obj("state", |s| match state {
                    None => {
                        s.plain("name", "IN_PROGRESS")
                            .plain("type", "pipeline_step_state_in_progress");
                    }
                    Some(res) => {
                        s.plain("name", "COMPLETED")
                            .plain("type", "pipeline_step_state_completed")
                            .raw("result", &result_json("pipeline_step_state_completed", res));
                    }
                })
                .obj("image", |i| {
                    i.plain("name", "atlassian/default-image:4");
                })
                .plain("started_on", &rfc3339_micros(start_us));
            if state.is_some() {
                o.plain("completed_on", &rfc3339_micros(end_us))
                    .num("duration_in_seconds", per as u64)
                    .num("build_seconds_used", per as u64);
            }
            o.num("run_number", 1)
                .num("max_time", 120)
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!(
                            "{api_root}/repositories/{full}/pipelines/{}/steps/{}",
                            brace_encode(&pipe_uuid),
                            brace_encode(&uid)
                        ),
                    );
                });
        })
    }

    // ------------------------------------------------------------ deployments and environments

    pub(super) fn n_deployments(&self, _w: usize, _r: usize) -> usize {
        self.spec.deployments_per_repo
    }

    fn environment_uuid(&self, w: usize, r: usize, e: usize) -> String {
        uuid(&[self.spec.seed, K_ENV, w as u64, r as u64, e as u64])
    }

    pub(super) fn n_environments(&self) -> usize {
        ENVIRONMENTS.len()
    }

    pub(super) fn environment_json(&self, w: usize, r: usize, e: usize) -> String {
        let api_root = self.api_root.as_str();
        let (name, slug) = ENVIRONMENTS[e];
        let uid = self.environment_uuid(w, r, e);
        let full = &self.repo(w, r).full;
        object(|o| {
            o.plain("type", "deployment_environment")
                .plain("uuid", &uid)
                .plain("name", name)
                .plain("slug", slug)
                .num("rank", e as u64)
                .obj("environment_type", |t| {
                    t.plain("type", "deployment_environment_type")
                        .plain("name", name)
                        .num("rank", e as u64);
                })
                .obj("category", |c| {
                    c.plain("name", name);
                })
                .bool("hidden", false)
                .bool("environment_lock_enabled", true)
                .bool("deployment_gate_enabled", false)
                .obj("restrictions", |x| {
                    x.plain("type", "deployment_restrictions_configuration")
                        .bool("admin_only", e == 2);
                })
                .obj("lock", |x| {
                    x.plain("type", "deployment_environment_lock_open")
                        .plain("name", "OPEN");
                })
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!(
                            "{api_root}/repositories/{full}/environments/{}",
                            brace_encode(&uid)
                        ),
                    );
                });
        })
    }

    /// Deployment `k` (0 = oldest): environments cycle Test, Staging,
    /// Production; each releases one of the pipelines, in build order.
    pub(super) fn deployment_json(&self, w: usize, r: usize, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let repo = self.repo(w, r);
        let full = &repo.full;
        let d = self.n_deployments(w, r);
        let p = self.n_pipelines(w, r);
        let mut rng = Rng::new(&[seed, K_DEPLOY, w as u64, r as u64, k as u64]);
        let env = k % ENVIRONMENTS.len();
        let (build, base_us, commit) = if p > 0 {
            let b = ((k + 1) * p / (d + 1)).clamp(1, p);
            let m = self.pipeline_meta(w, r, b);
            (
                b,
                m.created_us + (m.queue_s + m.duration_s) * 1_000_000,
                m.commit,
            )
        } else {
            let t = (end_secs() - (d - k) as i64 * DAY_S) * 1_000_000;
            (
                k + 1,
                t,
                sha1_like(&[seed, K_DEPLOY, w as u64, r as u64, k as u64]),
            )
        };
        let started = base_us + rng.range(60, 600) * 1_000_000;
        let completed = started + rng.range(30, 900) * 1_000_000;
        let in_progress = k + 1 == d && rng.chance(1, 2);
        let undeployed = !in_progress && k + 3 < d && rng.chance(1, 3);
        let failed = rng.chance(3, 20);
        let deployer = self.user(rng.next_u64());
        let uid = uuid(&[seed, K_DEPLOY, w as u64, r as u64, k as u64]);
        let release_uuid = uuid(&[seed, K_DEPLOY, w as u64, r as u64, k as u64, 1]);
        let pipeline_uuid = if p > 0 {
            self.pipeline_uuid(w, r, build)
        } else {
            uuid(&[seed, K_DEPLOY, w as u64, r as u64, k as u64, 2])
        };
        let html = format!("{WEB}/{full}/pipelines/results/{build}");
        object(|o| {
            o.plain("type", "deployment")
                .plain("uuid", &uid)
                .num("number", k as u64 + 1)
                .obj("state", |s| {
                    if in_progress {
                        s.plain("type", "deployment_state_in_progress")
                            .plain("name", "IN_PROGRESS")
                            .plain("url", &html)
                            .raw("deployer", &deployer.json)
                            .plain("started_on", &rfc3339_micros(started));
                    } else if undeployed {
                        s.plain("type", "deployment_state_undeployed")
                            .plain("name", "UNDEPLOYED")
                            .plain("trigger_url", &html);
                    } else {
                        let status = if failed { "FAILED" } else { "SUCCESSFUL" };
                        s.plain("type", "deployment_state_completed")
                            .plain("name", "COMPLETED")
                            .plain("url", &html)
                            .raw("deployer", &deployer.json)
                            .obj("status", |st| {
                                st.plain(
                                    "type",
                                    &format!(
                                        "deployment_state_completed_status_{}",
                                        status.to_lowercase()
                                    ),
                                )
                                .plain("name", status);
                            })
                            .plain("started_on", &rfc3339_micros(started))
                            .plain("completed_on", &rfc3339_micros(completed));
                    }
                })
                .raw(
                    "environment",
                    &short_ref("deployment_environment", &self.environment_uuid(w, r, env)),
                )
                .obj("release", |x| {
                    x.plain("type", "deployment_release")
                        .plain("uuid", &release_uuid)
                        .plain("name", &format!("#{build}"))
                        .plain("url", &html)
                        .obj("commit", |c| self.write_commit_ref(c, &commit, full))
                        .plain("created_on", &rfc3339_micros(base_us));
                })
                .obj("deployable", |x| {
                    x.plain("type", "deployment_deployable")
                        .plain("uuid", &release_uuid)
                        .plain("name", &format!("#{build}"))
                        .plain("url", &html)
                        .raw("pipeline", &short_ref("pipeline", &pipeline_uuid))
                        .obj("commit", |c| self.write_commit_ref(c, &commit, full))
                        .plain("created_on", &rfc3339_micros(base_us));
                })
                .plain(
                    "last_update_time",
                    &rfc3339_micros(if in_progress { started } else { completed }),
                )
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!(
                            "{api_root}/repositories/{full}/deployments/{}",
                            brace_encode(&uid)
                        ),
                    );
                });
        })
    }

    // ------------------------------------------------------------ src

    /// Resolves `{commit}` of `…/src/{commit}/…`: a full or abbreviated (7+)
    /// hash of one of the repository's commits, a branch or tag name, or `HEAD`.
    pub(super) fn resolve_commit(&self, w: usize, r: usize, key: &str) -> Option<usize> {
        let n = self.repo(w, r).n_commits;
        if n == 0 {
            return None;
        }
        if key == "HEAD" {
            return Some(0);
        }
        if let Some(b) = self.branches_meta(w, r).into_iter().find(|b| b.0 == key) {
            return Some(b.1);
        }
        if let Some(t) = self.tags_meta(w, r).into_iter().find(|t| t.0 == key) {
            return Some(t.1);
        }
        let hex = (7..=40).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex {
            return (0..n).find(|&i| self.commit_hash(w, r, i).starts_with(key));
        }
        None
    }

    /// Index into the src tree of `path` (`None` for the root, `Err` if absent).
    pub(super) fn src_lookup(path: &str) -> Result<Option<usize>, ()> {
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Ok(None);
        }
        SRC_TREE
            .iter()
            .position(|e| e.0 == path)
            .map(Some)
            .ok_or(())
    }

    pub(super) fn src_is_dir(entry: Option<usize>) -> bool {
        entry.is_none_or(|i| SRC_TREE[i].1 == DIR)
    }

    /// Entries under directory `dir` (`None` = root), breadth first, down to
    /// `max_depth` levels (1 = direct children).
    pub(super) fn src_children(dir: Option<usize>, max_depth: usize) -> Vec<usize> {
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
    pub(super) fn src_entry_json(
        &self,
        w: usize,
        r: usize,
        commit: usize,
        entry: Option<usize>,
    ) -> String {
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
                o.plain("type", "commit_directory")
                    .plain("path", path)
                    .obj("commit", commit_ref)
                    .obj("links", |l| {
                        let dir = if path.is_empty() {
                            root.clone()
                        } else {
                            format!("{self_url}/")
                        };
                        l.href("self", &dir)
                            .href("meta", &format!("{dir}?format=meta"));
                    });
            } else {
                let attributes: Vec<String> = attrs.iter().map(|a| format!("\"{a}\"")).collect();
                o.plain("type", "commit_file")
                    .plain("path", path)
                    .plain("escaped_path", path)
                    .num("size", size)
                    .opt_str("mimetype", mime)
                    .raw_array("attributes", &attributes)
                    .obj("commit", commit_ref)
                    .obj("links", |l| {
                        l.href("self", &self_url)
                            .href("meta", &format!("{self_url}?format=meta"))
                            .href(
                                "history",
                                &format!(
                                    "{api_root}/repositories/{full}/filehistory/{hash}/{path}"
                                ),
                            );
                    });
            }
        })
    }

    // ------------------------------------------------------------ public accessors

    /// `…/refs/branches`, in the served order (by name); empty without commits.
    pub fn branches(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                self.branches_meta(w, r)
                    .iter()
                    .map(|(n, t)| parse(&self.branch_json(w, r, n, *t)))
                    .collect()
            })
    }

    /// Number of branches (`DatasetSpec::branches_per_repo`, 0 without commits).
    pub fn branch_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.branches_meta(w, r).len())
    }

    /// Branches whose `target.date` is on or after `since` (RFC 3339 or a
    /// date, as in BBQL). Panics if `since` does not parse.
    pub fn branches_with_target_date_since(
        &self,
        workspace: &str,
        repo: &str,
        since: &str,
    ) -> usize {
        let t = instant(since);
        self.find_repo(workspace, repo).map_or(0, |(w, r)| {
            self.branches_meta(w, r)
                .iter()
                .filter(|(_, i)| self.commit_date_s(w, r, *i) * 1_000_000 >= t)
                .count()
        })
    }

    /// `…/refs/tags`, in the served order (oldest = lowest version first).
    pub fn tags(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                self.tags_meta(w, r)
                    .iter()
                    .map(|t| parse(&self.tag_json(w, r, t)))
                    .collect()
            })
    }

    pub fn tag_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.tags_meta(w, r).len())
    }

    /// Tags whose `target.date` is on or after `since`. Panics if `since` does not parse.
    pub fn tags_with_target_date_since(&self, workspace: &str, repo: &str, since: &str) -> usize {
        let t = instant(since);
        self.find_repo(workspace, repo).map_or(0, |(w, r)| {
            self.tags_meta(w, r)
                .iter()
                .filter(|(_, i, _)| self.commit_date_s(w, r, *i) * 1_000_000 >= t)
                .count()
        })
    }

    /// `…/forks` (0-2 per repository).
    pub fn forks(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                (0..self.n_forks(w, r))
                    .map(|k| parse(&self.fork_json(w, r, k)))
                    .collect()
            })
    }

    pub fn fork_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.n_forks(w, r))
    }

    /// `…/watchers` (3-6 accounts).
    pub fn watchers(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                self.watchers_of(w, r)
                    .into_iter()
                    .map(|u| parse(&self.users[u].json))
                    .collect()
            })
    }

    pub fn watcher_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.watchers_of(w, r).len())
    }

    /// `…/branch-restrictions` (3-4).
    pub fn branch_restrictions(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                (0..self.n_branch_restrictions(w, r))
                    .map(|k| parse(&self.branch_restriction_json(w, r, k)))
                    .collect()
            })
    }

    pub fn branch_restriction_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.n_branch_restrictions(w, r))
    }

    /// `…/permissions-config/users` (3-5).
    pub fn user_permissions(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                self.user_permissions_of(w, r)
                    .into_iter()
                    .map(|p| parse(&self.user_permission_json(w, r, p)))
                    .collect()
            })
    }

    pub fn user_permission_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.user_permissions_of(w, r).len())
    }

    /// `…/permissions-config/groups` (2-3, by group slug).
    pub fn group_permissions(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                self.group_permissions_of(w, r)
                    .into_iter()
                    .map(|p| parse(&self.group_permission_json(w, r, p)))
                    .collect()
            })
    }

    pub fn group_permission_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.group_permissions_of(w, r).len())
    }

    /// `…/pipelines`, oldest first (build number 1 first).
    pub fn pipelines(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                (1..=self.n_pipelines(w, r))
                    .map(|b| parse(&self.pipeline_json(w, r, b)))
                    .collect()
            })
    }

    pub fn pipeline_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.n_pipelines(w, r))
    }

    /// Pipelines whose `created_on` is on or after `since`. Panics if `since` does not parse.
    pub fn pipelines_created_since(&self, workspace: &str, repo: &str, since: &str) -> usize {
        let t = instant(since);
        self.find_repo(workspace, repo).map_or(0, |(w, r)| {
            (1..=self.n_pipelines(w, r))
                .filter(|&b| self.pipeline_meta(w, r, b).created_us >= t)
                .count()
        })
    }

    /// `…/pipelines/{uuid}/steps` of pipeline `build_number` (2-4 steps); empty if unknown.
    pub fn pipeline_steps(&self, workspace: &str, repo: &str, build_number: usize) -> Vec<Value> {
        match self.find_repo(workspace, repo) {
            Some((w, r)) if (1..=self.n_pipelines(w, r)).contains(&build_number) => {
                let m = self.pipeline_meta(w, r, build_number);
                (0..m.steps)
                    .map(|j| parse(&self.step_json(w, r, &m, j)))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    pub fn pipeline_step_count(&self, workspace: &str, repo: &str, build_number: usize) -> usize {
        match self.find_repo(workspace, repo) {
            Some((w, r)) if (1..=self.n_pipelines(w, r)).contains(&build_number) => {
                self.pipeline_meta(w, r, build_number).steps
            }
            _ => 0,
        }
    }

    /// `…/deployments`, oldest first.
    pub fn deployments(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                (0..self.n_deployments(w, r))
                    .map(|k| parse(&self.deployment_json(w, r, k)))
                    .collect()
            })
    }

    pub fn deployment_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| self.n_deployments(w, r))
    }

    /// `…/environments`: Test, Staging, Production (rank order).
    pub fn environments(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                (0..self.n_environments())
                    .map(|e| parse(&self.environment_json(w, r, e)))
                    .collect()
            })
    }

    pub fn environment_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo)
            .map_or(0, |_| self.n_environments())
    }

    /// `…/src/{commit}/{dir}` listing (one level, path order) at the main
    /// branch head; `dir` is `""` for the root. Empty if unknown or not a directory.
    pub fn src_listing(&self, workspace: &str, repo: &str, dir: &str) -> Vec<Value> {
        let Some((w, r)) = self.find_repo(workspace, repo) else {
            return Vec::new();
        };
        match Self::src_lookup(dir) {
            Ok(d) if Self::src_is_dir(d) && self.n_commits(w, r) > 0 => Self::src_children(d, 1)
                .into_iter()
                .map(|i| parse(&self.src_entry_json(w, r, 0, Some(i))))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Entries of the `src` root (6; 0 for a repository without commits).
    pub fn src_root_count(&self, workspace: &str, repo: &str) -> usize {
        self.src_listing(workspace, repo, "").len()
    }
}

const MASK48: u64 = 0xffff_ffff_ffff;
/// Odd, so multiplying by it is a bijection modulo 2^48.
const SCRAMBLE: u64 = 0x9E37_79B9_7F4B;

/// Multiplicative inverse of an odd number modulo 2^64 (Newton's iteration).
fn inverse(odd: u64) -> u64 {
    let mut x = odd;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(x)));
    }
    x
}

/// Parses an accessor's `since` argument.
pub(super) fn instant(since: &str) -> i64 {
    parse_instant(since).unwrap_or_else(|| panic!("not an RFC 3339 instant or date: {since:?}"))
}
