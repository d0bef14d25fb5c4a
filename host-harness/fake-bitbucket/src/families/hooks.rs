//! Webhook subscriptions of repositories (1-3) and workspaces (2): where
//! events go and which; never a secret (Bitbucket only says `secret_set`).
//! Handlers and accessors.

use crate::api::{list, resolve_repo, resolve_workspace, ApiRequest, ApiResult};
use crate::dataset::{brace_encode, end_secs, parse, Dataset, DAY_S};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, rfc3339_micros, uuid, Rng};
use serde_json::Value;

/// (description, delivery URL, events), drawn in turn.
const HOOKS: [(&str, &str, &[&str]); 4] = [
    ("CI build trigger", "https://ci.acme.example/bitbucket/hook", &["repo:push"]),
    (
        "Chat notifications",
        "https://chat.acme.example/hooks/T024/bitbucket",
        &["pullrequest:created", "pullrequest:fulfilled", "pullrequest:comment_created"],
    ),
    ("Issue tracker sync", "https://tracker.acme.example/webhooks/bitbucket", &["repo:push", "pullrequest:updated"]),
    ("Audit log", "https://audit.acme.example/ingest", &["repo:updated", "project:updated"]),
];

impl Dataset {
    fn n_repo_hooks(&self, w: usize, r: usize) -> usize {
        1 + (mix(&[self.spec.seed, Seed::Webhook.key(), w as u64, r as u64]) % 3) as usize
    }

    /// Hook `k` of repository `r`, or of the workspace when `r` is `None`.
    fn hook_json(&self, w: usize, r: Option<usize>, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let which = r.map_or(u64::MAX, |r| r as u64);
        let mut rng = Rng::new(&[self.spec.seed, Seed::Webhook.key(), w as u64, which, k as u64]);
        let uid = uuid(&[self.spec.seed, Seed::Webhook.key(), w as u64, which, k as u64]);
        let (description, url, events) = HOOKS[(k + r.map_or(3, |r| r)) % HOOKS.len()];
        let events: Vec<String> = events.iter().map(|e| format!("\"{e}\"")).collect();
        let created = (end_secs() - rng.range(10 * DAY_S, 800 * DAY_S)) * 1_000_000 + rng.range(0, 1_000_000);
        let (subject_type, subject, self_url) = match r {
            Some(r) => {
                let repo = self.repo(w, r);
                (
                    "repository",
                    repo.ref_json.clone(),
                    format!("{api_root}/repositories/{}/hooks/{}", repo.full, brace_encode(&uid)),
                )
            }
            None => {
                let ws = &self.workspaces[w];
                (
                    "workspace",
                    ws.workspace_json.clone(),
                    format!("{api_root}/workspaces/{}/hooks/{}", ws.slug, brace_encode(&uid)),
                )
            }
        };
        object(|o| {
            o.plain("type", "webhook_subscription")
                .plain("uuid", &uid)
                .plain("url", url)
                .str("description", description)
                .plain("subject_type", subject_type)
                .raw("subject", &subject)
                .bool("active", k != 2)
                .plain("created_at", &rfc3339_micros(created))
                .raw_array("events", &events)
                .bool("secret_set", k == 0)
                .obj("links", |l| {
                    l.href("self", &self_url);
                });
        })
    }
}

/// Workspace-level webhooks.
const WORKSPACE_HOOKS: usize = 2;

/// `GET /repositories/{workspace}/{repo_slug}/hooks`.
pub fn list_repo_hooks(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_repo_hooks(w, r), |k| ds.hook_json(w, Some(r), k))
}

/// `GET /workspaces/{workspace}/hooks`.
pub fn list_workspace_hooks(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    list(req, LIST, None, WORKSPACE_HOOKS, |k| ds.hook_json(w, None, k))
}

impl Dataset {
    /// `…/hooks` of a repository (1-3).
    pub fn repository_webhooks(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| (0..self.n_repo_hooks(w, r)).map(|k| parse(&self.hook_json(w, Some(r), k))).collect())
    }

    /// `/workspaces/{workspace}/hooks` (2).
    pub fn workspace_webhooks(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace)
            .map_or_else(Vec::new, |w| (0..WORKSPACE_HOOKS).map(|k| parse(&self.hook_json(w, None, k))).collect())
    }
}
