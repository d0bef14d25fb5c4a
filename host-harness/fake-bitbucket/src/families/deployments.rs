//! Deployments and environments (three, in rank order), each deployment
//! tied to a pipeline of the repository; handlers and accessors.

use crate::api::{list, resolve_repo, ApiRequest, ApiResult};
use crate::dataset::{brace_encode, end_secs, parse, short_ref, Dataset, DAY_S, WEB};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{rfc3339_micros, sha1_like, uuid, Rng};
use serde_json::Value;

/// Deployment environments: (name, slug); the rank is the index.
const ENVIRONMENTS: [(&str, &str); 3] = [("Test", "test"), ("Staging", "staging"), ("Production", "production")];

impl Dataset {
    pub(crate) fn n_deployments(&self, _w: usize, _r: usize) -> usize {
        self.spec.deployments_per_repo
    }

    pub(crate) fn environment_uuid(&self, w: usize, r: usize, e: usize) -> String {
        uuid(&[self.spec.seed, Seed::Environment.key(), w as u64, r as u64, e as u64])
    }

    pub(crate) fn n_environments(&self) -> usize {
        ENVIRONMENTS.len()
    }

    pub(crate) fn environment_json(&self, w: usize, r: usize, e: usize) -> String {
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
                    t.plain("type", "deployment_environment_type").plain("name", name).num("rank", e as u64);
                })
                .obj("category", |c| {
                    c.plain("name", name);
                })
                .bool("hidden", false)
                .bool("environment_lock_enabled", true)
                .bool("deployment_gate_enabled", false)
                .obj("restrictions", |x| {
                    x.plain("type", "deployment_restrictions_configuration").bool("admin_only", e == 2);
                })
                .obj("lock", |x| {
                    x.plain("type", "deployment_environment_lock_open").plain("name", "OPEN");
                })
                .obj("links", |l| {
                    l.href("self", &format!("{api_root}/repositories/{full}/environments/{}", brace_encode(&uid)));
                });
        })
    }

    /// Deployment `k` (0 = oldest): environments cycle Test, Staging,
    /// Production; each releases one of the pipelines, in build order.
    pub(crate) fn deployment_json(&self, w: usize, r: usize, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let repo = self.repo(w, r);
        let full = &repo.full;
        let d = self.n_deployments(w, r);
        let p = self.n_pipelines(w, r);
        let mut rng = Rng::new(&[seed, Seed::Deployment.key(), w as u64, r as u64, k as u64]);
        let env = k % ENVIRONMENTS.len();
        let (build, base_us, commit) = if p > 0 {
            let b = ((k + 1) * p / (d + 1)).clamp(1, p);
            let m = self.pipeline_meta(w, r, b);
            (b, m.created_us + (m.queue_s + m.duration_s) * 1_000_000, m.commit)
        } else {
            let t = (end_secs() - (d - k) as i64 * DAY_S) * 1_000_000;
            (k + 1, t, sha1_like(&[seed, Seed::Deployment.key(), w as u64, r as u64, k as u64]))
        };
        let started = base_us + rng.range(60, 600) * 1_000_000;
        let completed = started + rng.range(30, 900) * 1_000_000;
        let in_progress = k + 1 == d && rng.chance(1, 2);
        let undeployed = !in_progress && k + 3 < d && rng.chance(1, 3);
        let failed = rng.chance(3, 20);
        let deployer = self.user(rng.next_u64());
        let uid = uuid(&[seed, Seed::Deployment.key(), w as u64, r as u64, k as u64]);
        let release_uuid = uuid(&[seed, Seed::Deployment.key(), w as u64, r as u64, k as u64, 1]);
        let pipeline_uuid = if p > 0 {
            self.pipeline_uuid(w, r, build)
        } else {
            uuid(&[seed, Seed::Deployment.key(), w as u64, r as u64, k as u64, 2])
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
                        s.plain("type", "deployment_state_undeployed").plain("name", "UNDEPLOYED").plain("trigger_url", &html);
                    } else {
                        let status = if failed { "FAILED" } else { "SUCCESSFUL" };
                        s.plain("type", "deployment_state_completed")
                            .plain("name", "COMPLETED")
                            .plain("url", &html)
                            .raw("deployer", &deployer.json)
                            .obj("status", |st| {
                                st.plain("type", &format!("deployment_state_completed_status_{}", status.to_lowercase()))
                                    .plain("name", status);
                            })
                            .plain("started_on", &rfc3339_micros(started))
                            .plain("completed_on", &rfc3339_micros(completed));
                    }
                })
                .raw("environment", &short_ref("deployment_environment", &self.environment_uuid(w, r, env)))
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
                .plain("last_update_time", &rfc3339_micros(if in_progress { started } else { completed }))
                .obj("links", |l| {
                    l.href("self", &format!("{api_root}/repositories/{full}/deployments/{}", brace_encode(&uid)));
                });
        })
    }
}

/// `…/deployments`: oldest first.
pub fn list_deployments(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_deployments(w, r), |k| ds.deployment_json(w, r, k))
}

/// `…/environments`: rank order.
pub fn list_environments(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_environments(), |e| ds.environment_json(w, r, e))
}

impl Dataset {
    /// `…/deployments`, oldest first.
    pub fn deployments(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            (0..self.n_deployments(w, r)).map(|k| parse(&self.deployment_json(w, r, k))).collect()
        })
    }

    pub fn deployment_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.n_deployments(w, r))
    }

    /// `…/environments`: Test, Staging, Production (rank order).
    pub fn environments(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| (0..self.n_environments()).map(|e| parse(&self.environment_json(w, r, e))).collect())
    }

    pub fn environment_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |_| self.n_environments())
    }
}
