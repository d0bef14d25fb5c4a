//! Pipelines configuration: caches, schedules, SSH known hosts, variables
//! (repository, workspace and deployment environment; unsecured ones carry
//! their `value`, as on Bitbucket, secured ones do not) and runners
//! (repository and workspace); handlers and accessors.

use crate::api::{list, resolve_repo, resolve_workspace, ApiError, ApiRequest, ApiResult};
use crate::dataset::{brace_encode, end_secs, parse, Dataset, DAY_S};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, rfc3339_micros, sha1_like, uuid, Rng};
use serde_json::Value;

/// Caches: (name, path).
const CACHES: [(&str, &str); 3] = [("node", "node_modules"), ("pip", "~/.cache/pip"), ("docker", "/var/lib/docker")];

/// Known hosts: (hostname, key type).
const HOSTS: [(&str, &str); 2] = [("bitbucket.org", "ssh-rsa"), ("[git.acme.example]:7999", "ssh-ed25519")];

/// Variables: (key, secured, value when not secured).
const REPO_VARIABLES: [(&str, bool, &str); 4] = [
    ("NODE_ENV", false, "production-7f3a"),
    ("AWS_SECRET_ACCESS_KEY", true, ""),
    ("DEPLOY_USER", false, "deploy-bot-91c2"),
    ("SENTRY_DSN", true, ""),
];
const WORKSPACE_VARIABLES: [(&str, bool, &str); 3] =
    [("NPM_TOKEN", true, ""), ("ARTIFACT_BUCKET", false, "acme-artifacts-5d1e"), ("SLACK_WEBHOOK", true, "")];
const DEPLOYMENT_VARIABLES: [(&str, bool, &str); 3] =
    [("API_URL", false, "https://api.acme.example/env-4b8c"), ("DB_PASSWORD", true, ""), ("REPLICAS", false, "3-replicas-e0")];

/// Which variables: a repository's, a workspace's, or an environment's.
#[derive(Clone, Copy)]
enum Scope {
    Repository(usize, usize),
    Workspace(usize),
    Environment(usize, usize, usize),
}

/// The dataset's "now", in microseconds.
fn end_micros() -> i64 {
    end_secs() * 1_000_000
}

impl Dataset {
    fn n_caches(&self, w: usize, r: usize) -> usize {
        2 + (mix(&[self.spec.seed, Seed::PipelineCache.key(), w as u64, r as u64]) % 2) as usize
    }

    fn cache_json(&self, w: usize, r: usize, k: usize) -> String {
        let mut rng = Rng::new(&[self.spec.seed, Seed::PipelineCache.key(), w as u64, r as u64, k as u64]);
        let (name, path) = CACHES[k];
        let n = self.n_pipelines(w, r).max(1);
        let build = n - rng.below(n.min(5) as u64) as usize;
        let created = end_micros() - rng.range(DAY_S, 7 * DAY_S) * 1_000_000;
        object(|o| {
            o.plain("type", "pipeline_cache")
                .plain("uuid", &uuid(&[self.spec.seed, Seed::PipelineCache.key(), w as u64, r as u64, k as u64]))
                .plain("pipeline_uuid", &self.pipeline_uuid(w, r, build))
                .plain("step_uuid", &uuid(&[self.spec.seed, Seed::PipelineStep.key(), w as u64, r as u64, build as u64, 1]))
                .plain("name", name)
                .plain("key_hash", &sha1_like(&[self.spec.seed, Seed::PipelineCache.key(), w as u64, r as u64, k as u64, 1]))
                .plain("path", path)
                .num("file_size_bytes", 1_000_000 + rng.below(400_000_000))
                .plain("created_on", &rfc3339_micros(created));
        })
    }

    fn n_schedules(&self, w: usize, r: usize) -> usize {
        1 + (mix(&[self.spec.seed, Seed::PipelineSchedule.key(), w as u64, r as u64]) % 2) as usize
    }

    fn schedule_json(&self, w: usize, r: usize, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        let mut rng = Rng::new(&[self.spec.seed, Seed::PipelineSchedule.key(), w as u64, r as u64, k as u64]);
        let uid = uuid(&[self.spec.seed, Seed::PipelineSchedule.key(), w as u64, r as u64, k as u64]);
        let created = end_micros() - rng.range(60 * DAY_S, 300 * DAY_S) * 1_000_000;
        let (cron, pattern) = if k == 0 { ("0 0 2 * * ? *", "nightly") } else { ("0 30 6 ? * MON *", "weekly-audit") };
        object(|o| {
            o.plain("type", "pipeline_schedule")
                .plain("uuid", &uid)
                .bool("enabled", k == 0 || rng.chance(1, 2))
                .obj("target", |t| {
                    t.plain("type", "pipeline_ref_target").plain("ref_type", "branch").plain("ref_name", repo.mainbranch).obj(
                        "selector",
                        |s| {
                            s.plain("type", "custom").plain("pattern", pattern);
                        },
                    );
                })
                .plain("cron_pattern", cron)
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(created + rng.range(0, 30 * DAY_S) * 1_000_000))
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!("{api_root}/repositories/{}/pipelines_config/schedules/{}", repo.full, brace_encode(&uid)),
                    );
                });
        })
    }

    fn n_known_hosts(&self, w: usize, r: usize) -> usize {
        1 + (mix(&[self.spec.seed, Seed::KnownHost.key(), w as u64, r as u64]) % 2) as usize
    }

    fn known_host_json(&self, w: usize, r: usize, k: usize) -> String {
        let (hostname, key_type) = HOSTS[k];
        let seeds = [self.spec.seed, Seed::KnownHost.key(), w as u64, r as u64, k as u64];
        let md5: Vec<String> =
            sha1_like(&seeds).as_bytes()[..32].chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        object(|o| {
            o.plain("type", "pipeline_known_host").plain("uuid", &uuid(&seeds)).plain("hostname", hostname).obj(
                "public_key",
                |p| {
                    p.plain("type", "pipeline_ssh_public_key")
                        .plain("key_type", key_type)
                        .plain(
                            "key",
                            &format!("AAAAC3NzaC1lZDI1NTE5AAAAI{}", &sha1_like(&[seeds[0], seeds[1], seeds[4], 1])[..32]),
                        )
                        .plain("md5_fingerprint", &md5.join(":"))
                        .plain("sha256_fingerprint", &format!("SHA256:{}", &sha1_like(&[seeds[0], seeds[1], seeds[4], 2])[..40]));
                },
            );
        })
    }

    fn variables(&self, scope: Scope) -> &'static [(&'static str, bool, &'static str)] {
        let seed = self.spec.seed;
        match scope {
            Scope::Repository(w, r) => {
                &REPO_VARIABLES[..3 + (mix(&[seed, Seed::PipelineVariable.key(), w as u64, r as u64]) % 2) as usize]
            }
            Scope::Workspace(_) => &WORKSPACE_VARIABLES,
            Scope::Environment(w, r, e) => {
                &DEPLOYMENT_VARIABLES
                    [..1 + (mix(&[seed, Seed::DeploymentVariable.key(), w as u64, r as u64, e as u64]) % 3) as usize]
            }
        }
    }

    fn variable_json(&self, scope: Scope, k: usize) -> String {
        let (key, secured, value) = self.variables(scope)[k];
        let (kind, parts) = match scope {
            Scope::Repository(w, r) => ("pipeline_variable", [Seed::PipelineVariable.key(), w as u64, r as u64, 0]),
            Scope::Workspace(w) => ("pipeline_variable", [Seed::PipelineVariable.key(), w as u64, 1000, 0]),
            Scope::Environment(w, r, e) => {
                ("deployment_variable", [Seed::DeploymentVariable.key(), w as u64, r as u64, e as u64])
            }
        };
        let uid = uuid(&[self.spec.seed, parts[0], parts[1], parts[2], parts[3], k as u64]);
        object(|o| {
            o.plain("type", kind).plain("uuid", &uid).plain("key", key).bool("secured", secured);
            if !secured {
                o.plain("value", value);
            }
        })
    }

    fn n_runners(&self, w: usize, r: Option<usize>) -> usize {
        1 + (mix(&[self.spec.seed, Seed::Runner.key(), w as u64, r.map_or(1000, |r| r as u64)]) % 2) as usize
    }

    fn runner_json(&self, w: usize, r: Option<usize>, k: usize) -> String {
        let seeds = [self.spec.seed, Seed::Runner.key(), w as u64, r.map_or(1000, |r| r as u64), k as u64];
        let mut rng = Rng::new(&seeds);
        let created = end_micros() - rng.range(30 * DAY_S, 200 * DAY_S) * 1_000_000;
        let updated = end_micros() - rng.range(3600, DAY_S) * 1_000_000;
        let name = match (r, k) {
            (None, 0) => "acme-linux-shell",
            (None, _) => "acme-macos-arm",
            (_, 0) => "docker-runner-1",
            _ => "docker-runner-2",
        };
        let labels = if k == 0 { r#"["self.hosted","linux"]"# } else { r#"["self.hosted","linux.arm64"]"# };
        object(|o| {
            o.plain("type", "pipeline_runner")
                .plain("uuid", &uuid(&seeds))
                .plain("name", name)
                .raw("labels", labels)
                .obj("state", |s| {
                    s.plain("status", if k == 0 { "ONLINE" } else { "OFFLINE" })
                        .obj("version", |v| {
                            v.plain("version", if k == 0 { "3.7.0" } else { "3.5.1" }).plain("current", "3.7.0");
                        })
                        .plain("updated_on", &rfc3339_micros(updated))
                        .bool("cordoned", k != 0 && rng.chance(1, 2));
                })
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(updated))
                .obj("oauth_client", |c| {
                    c.plain("id", &sha1_like(&seeds)[..32])
                        .plain("token_endpoint", "https://auth.atlassian.com/oauth/token")
                        .plain("audience", "api.atlassian.com");
                });
        })
    }
}

/// `…/pipelines-config/caches`: 2-3.
pub fn list_caches(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_caches(w, r), |k| ds.cache_json(w, r, k))
}

/// `…/pipelines_config/schedules`: 1-2.
pub fn list_schedules(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_schedules(w, r), |k| ds.schedule_json(w, r, k))
}

/// `…/pipelines_config/ssh/known_hosts`: 1-2.
pub fn list_known_hosts(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_known_hosts(w, r), |k| ds.known_host_json(w, r, k))
}

fn list_variables(req: &ApiRequest, scope: Scope) -> ApiResult {
    let ds = req.dataset;
    list(req, LIST, None, ds.variables(scope).len(), |k| ds.variable_json(scope, k))
}

/// `…/pipelines_config/variables`: 3-4.
pub fn list_repo_variables(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    list_variables(req, Scope::Repository(w, r))
}

/// `/workspaces/{workspace}/pipelines-config/variables`: 3.
pub fn list_workspace_variables(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    list_variables(req, Scope::Workspace(w))
}

/// `…/deployments_config/environments/{environment_uuid}/variables`: 1-3.
pub fn list_deployment_variables(req: &ApiRequest, ws: &str, repo: &str, env: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let bare = env.trim_start_matches('{').trim_end_matches('}');
    let e = (0..ds.n_environments())
        .find(|&e| ds.environment_uuid(w, r, e).trim_matches(['{', '}']) == bare)
        .ok_or_else(|| ApiError::not_found(format!("Environment {env} not found")))?;
    list_variables(req, Scope::Environment(w, r, e))
}

/// `…/pipelines-config/runners`: 1-2.
pub fn list_repo_runners(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_runners(w, Some(r)), |k| ds.runner_json(w, Some(r), k))
}

/// `/workspaces/{workspace}/pipelines-config/runners`: 1-2.
pub fn list_workspace_runners(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_runners(w, None), |k| ds.runner_json(w, None, k))
}

impl Dataset {
    fn all(&self, n: usize, gen: impl Fn(usize) -> String) -> Vec<Value> {
        (0..n).map(|k| parse(&gen(k))).collect()
    }

    /// `…/pipelines-config/caches`: 2-3.
    pub fn pipeline_caches(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| self.all(self.n_caches(w, r), |k| self.cache_json(w, r, k)))
    }

    /// `…/pipelines_config/schedules`: 1-2.
    pub fn pipeline_schedules(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| self.all(self.n_schedules(w, r), |k| self.schedule_json(w, r, k)))
    }

    /// `…/pipelines_config/ssh/known_hosts`: 1-2.
    pub fn pipeline_known_hosts(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| self.all(self.n_known_hosts(w, r), |k| self.known_host_json(w, r, k)))
    }

    /// `…/pipelines_config/variables`: 3-4; unsecured ones carry `value`.
    pub fn pipeline_variables(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            let scope = Scope::Repository(w, r);
            self.all(self.variables(scope).len(), |k| self.variable_json(scope, k))
        })
    }

    /// `/workspaces/{workspace}/pipelines-config/variables`: 3.
    pub fn workspace_pipeline_variables(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace).map_or_else(Vec::new, |w| {
            let scope = Scope::Workspace(w);
            self.all(self.variables(scope).len(), |k| self.variable_json(scope, k))
        })
    }

    /// The variables of environment `e` (rank order: Test, Staging, Production): 1-3.
    pub fn deployment_variables(&self, workspace: &str, repo: &str, e: usize) -> Vec<Value> {
        self.find_repo(workspace, repo).filter(|_| e < self.n_environments()).map_or_else(Vec::new, |(w, r)| {
            let scope = Scope::Environment(w, r, e);
            self.all(self.variables(scope).len(), |k| self.variable_json(scope, k))
        })
    }

    /// Every value a variable of the dataset carries (the unsecured ones),
    /// which no report may output.
    pub fn variable_values(&self) -> Vec<&'static str> {
        REPO_VARIABLES.iter().chain(&WORKSPACE_VARIABLES).chain(&DEPLOYMENT_VARIABLES).filter(|v| !v.1).map(|v| v.2).collect()
    }

    /// `…/pipelines-config/runners`: 1-2.
    pub fn repository_runners(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| self.all(self.n_runners(w, Some(r)), |k| self.runner_json(w, Some(r), k)))
    }

    /// `/workspaces/{workspace}/pipelines-config/runners`: 1-2.
    pub fn workspace_runners(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace)
            .map_or_else(Vec::new, |w| self.all(self.n_runners(w, None), |k| self.runner_json(w, None, k)))
    }
}
