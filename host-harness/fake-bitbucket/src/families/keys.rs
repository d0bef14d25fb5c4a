//! Keys: deploy keys of repositories (1-3) and projects (1-2), and the SSH
//! (1-3) and GPG (1-2, each with one subkey) keys of any account (a pool
//! user or the authenticated one, by `{uuid}` or account id); public
//! material only, as on Bitbucket. Handlers and accessors.

use crate::api::{list, resolve_repo, ApiError, ApiRequest, ApiResult};
use crate::dataset::{brace_encode, end_secs, parse, Dataset, DAY_S};
use crate::families::workspaces::resolve_project;
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{base64_encode, mix, rfc3339_micros, uuid, Rng};
use serde_json::Value;

/// Key labels, drawn in turn.
const LABELS: [&str; 5] = ["CI runner", "deploy@prod", "backup job", "laptop", "build agent"];

/// The parent a deploy key belongs to.
#[derive(Clone, Copy)]
enum Holder {
    Repo(usize, usize),
    Project(usize, usize),
}

impl Holder {
    fn parts(self) -> [u64; 3] {
        match self {
            Holder::Repo(w, r) => [w as u64, 0, r as u64],
            Holder::Project(w, p) => [w as u64, 1, p as u64],
        }
    }
}

/// An OpenSSH ed25519 public key (and its SHA-256 fingerprint) drawn from `parts`.
fn ssh_public_key(parts: &[u64]) -> (String, String) {
    let mut blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20".to_vec();
    let mut rng = Rng::new(parts);
    for _ in 0..4 {
        blob.extend_from_slice(&rng.next_u64().to_be_bytes());
    }
    let mut digest = Vec::new();
    for _ in 0..4 {
        digest.extend_from_slice(&rng.next_u64().to_be_bytes());
    }
    let fingerprint = format!("SHA256:{}", base64_encode(&digest).trim_end_matches('='));
    (format!("ssh-ed25519 {}", base64_encode(&blob)), fingerprint)
}

/// A time in the dataset's past, `lo..hi` days before its end, in microseconds.
fn days_ago(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    (end_secs() - rng.range(lo * DAY_S, hi * DAY_S)) * 1_000_000 + rng.range(0, 1_000_000)
}

impl Dataset {
    fn n_deploy_keys(&self, holder: Holder) -> usize {
        let [a, b, c] = holder.parts();
        let (lo, span) = if matches!(holder, Holder::Repo(..)) { (1, 3) } else { (1, 2) };
        lo + (mix(&[self.spec.seed, Seed::DeployKey.key(), a, b, c]) % span) as usize
    }

    fn deploy_key_json(&self, holder: Holder, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let [a, b, c] = holder.parts();
        let mut rng = Rng::new(&[self.spec.seed, Seed::DeployKey.key(), a, b, c, k as u64]);
        let id = 30_000_000 + (a * 1_000 + b * 500 + c) * 10 + k as u64;
        let (key, _) = ssh_public_key(&[self.spec.seed, Seed::DeployKey.key(), a, b, c, k as u64, 1]);
        let label = LABELS[(k + c as usize) % LABELS.len()];
        let added = days_ago(&mut rng, 30, 900);
        let used = (k != 1).then(|| days_ago(&mut rng, 0, 29));
        let adder = self.user(rng.next_u64());
        let comment = format!("{}@acme.example", label.replace([' ', '@'], "-"));
        object(|o| match holder {
            Holder::Repo(w, r) => {
                let full = &self.repo(w, r).full;
                o.plain("type", "deploy_key").num("id", id).plain("key", &key);
                o.raw("repository", &self.repo(w, r).ref_json);
                o.str("comment", &comment).str("label", label).plain("added_on", &rfc3339_micros(added));
                match used {
                    Some(t) => o.plain("last_used", &rfc3339_micros(t)),
                    None => o.null("last_used"),
                };
                o.obj("links", |l| {
                    l.href("self", &format!("{api_root}/repositories/{full}/deploy-keys/{id}"));
                })
                .raw("owner", &adder.json);
            }
            Holder::Project(w, p) => {
                let slug = &self.workspaces[w].slug;
                let project = self.project_ref_json(w, p);
                let pkey = crate::families::workspaces::PROJECTS[p].0;
                o.plain("type", "project_deploy_key").num("id", id).plain("key", &key).raw("project", project);
                o.str("comment", &comment).str("label", label).plain("added_on", &rfc3339_micros(added));
                match used {
                    Some(t) => o.plain("last_used", &rfc3339_micros(t)),
                    None => o.null("last_used"),
                };
                o.obj("links", |l| {
                    l.href("self", &format!("{api_root}/workspaces/{slug}/projects/{pkey}/deploy-keys/{id}"));
                })
                .raw("created_by", &adder.json);
            }
        })
    }

    /// An account by `{uuid}` or account id: `(seed index, its json, its uuid)`;
    /// the pool users are 0.., the authenticated user is `u64::MAX`.
    pub(crate) fn account(&self, key: &str) -> Option<(u64, String, String)> {
        let me = self.me_json();
        let v = parse(&me);
        if v["uuid"] == key || v["account_id"] == key {
            return Some((u64::MAX, me, v["uuid"].as_str().unwrap_or_default().to_string()));
        }
        self.users
            .iter()
            .enumerate()
            .find(|(_, u)| {
                let v = parse(&u.json);
                v["uuid"] == key || v["account_id"] == key
            })
            .map(|(i, u)| (i as u64, u.json.clone(), u.uuid.clone()))
    }

    fn n_ssh_keys(&self, who: u64) -> usize {
        1 + (mix(&[self.spec.seed, Seed::UserKey.key(), who, 0]) % 3) as usize
    }

    fn ssh_key_json(&self, (who, owner, owner_uuid): &(u64, String, String), k: usize) -> String {
        let api_root = self.api_root.as_str();
        let mut rng = Rng::new(&[self.spec.seed, Seed::UserKey.key(), *who, 0, k as u64]);
        let uid = uuid(&[self.spec.seed, Seed::UserKey.key(), *who, 0, k as u64]);
        let (key, fingerprint) = ssh_public_key(&[self.spec.seed, Seed::UserKey.key(), *who, 0, k as u64, 1]);
        let label = LABELS[(k + 3) % LABELS.len()];
        let created = days_ago(&mut rng, 60, 1200);
        let used = days_ago(&mut rng, 0, 59);
        let expires = (end_secs() + rng.range(30 * DAY_S, 365 * DAY_S)) * 1_000_000;
        object(|o| {
            o.plain("type", "ssh_key")
                .plain("uuid", &uid)
                .plain("key", &key)
                .str("comment", &format!("{}@workstation", label.replace([' ', '@'], "-")))
                .str("label", label)
                .plain("created_on", &rfc3339_micros(created));
            if k == 0 {
                o.plain("last_used", &rfc3339_micros(used)).plain("expires_on", &rfc3339_micros(expires));
            } else {
                o.null("last_used");
            }
            o.plain("fingerprint", &fingerprint).raw("owner", owner).obj("links", |l| {
                l.href("self", &format!("{api_root}/users/{}/ssh-keys/{}", brace_encode(owner_uuid), brace_encode(&uid)));
            });
        })
    }

    fn n_gpg_keys(&self, who: u64) -> usize {
        1 + (mix(&[self.spec.seed, Seed::UserKey.key(), who, 1]) % 2) as usize
    }

    /// A GPG key `(key_id, fingerprint)`: 40 upper-case hex digits, the id its last 16.
    fn gpg_ids(&self, who: u64, k: usize, sub: u64) -> (String, String) {
        let mut rng = Rng::new(&[self.spec.seed, Seed::UserKey.key(), who, 1, k as u64, sub]);
        let fp = format!("{:016X}{:016X}{:08X}", rng.next_u64(), rng.next_u64(), rng.next_u64() as u32);
        (fp[24..].to_string(), fp)
    }

    fn gpg_key_json(&self, (who, owner, owner_uuid): &(u64, String, String), k: usize) -> String {
        let api_root = self.api_root.as_str();
        let mut rng = Rng::new(&[self.spec.seed, Seed::UserKey.key(), *who, 1, k as u64]);
        let (key_id, fingerprint) = self.gpg_ids(*who, k, 0);
        let (sub_id, sub_fp) = self.gpg_ids(*who, k, 1);
        let created = days_ago(&mut rng, 100, 1500);
        let added = created + rng.range(DAY_S, 30 * DAY_S) * 1_000_000;
        let used = days_ago(&mut rng, 0, 90);
        let expires = (end_secs() + rng.range(30 * DAY_S, 700 * DAY_S)) * 1_000_000;
        let mut body = Vec::new();
        for _ in 0..12 {
            body.extend_from_slice(&rng.next_u64().to_be_bytes());
        }
        let armored =
            format!("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{}\n-----END PGP PUBLIC KEY BLOCK-----\n", base64_encode(&body));
        let self_url = format!("{api_root}/users/{}/gpg-keys/{fingerprint}", brace_encode(owner_uuid));
        let subkey = object(|s| {
            s.plain("type", "gpg_key")
                .plain("key_id", &sub_id)
                .plain("fingerprint", &sub_fp)
                .plain("parent_fingerprint", &fingerprint)
                .null("name")
                .plain("created_on", &rfc3339_micros(created))
                .plain("added_on", &rfc3339_micros(added))
                .null("expires_on");
        });
        object(|o| {
            o.plain("type", "gpg_key")
                .raw("owner", owner)
                .str("key", &armored)
                .plain("key_id", &key_id)
                .plain("fingerprint", &fingerprint)
                .null("parent_fingerprint")
                .str("name", LABELS[(k + 1) % LABELS.len()])
                .plain("created_on", &rfc3339_micros(created))
                .plain("added_on", &rfc3339_micros(added));
            if k == 0 {
                o.plain("last_used", &rfc3339_micros(used)).plain("expires_on", &rfc3339_micros(expires));
            } else {
                o.null("last_used").null("expires_on");
            }
            o.raw_array("subkeys", &[subkey]).obj("links", |l| {
                l.href("self", &self_url);
            });
        })
    }
}

fn resolve_account(req: &ApiRequest, key: &str) -> Result<(u64, String, String), ApiError> {
    req.dataset.account(key).ok_or_else(|| ApiError::not_found(format!("User {key} not found")))
}

/// `GET /repositories/{workspace}/{repo_slug}/deploy-keys`: id order.
pub fn list_deploy_keys(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let holder = Holder::Repo(w, r);
    list(req, LIST, None, ds.n_deploy_keys(holder), |k| ds.deploy_key_json(holder, k))
}

/// `GET /workspaces/{workspace}/projects/{project_key}/deploy-keys`: id order.
pub fn list_project_deploy_keys(req: &ApiRequest, ws: &str, key: &str) -> ApiResult {
    let (w, p) = resolve_project(req, ws, key)?;
    let ds = req.dataset;
    let holder = Holder::Project(w, p);
    list(req, LIST, None, ds.n_deploy_keys(holder), |k| ds.deploy_key_json(holder, k))
}

/// `GET /users/{selected_user}/ssh-keys`.
pub fn list_ssh_keys(req: &ApiRequest, user: &str) -> ApiResult {
    let who = resolve_account(req, user)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_ssh_keys(who.0), |k| ds.ssh_key_json(&who, k))
}

/// `GET /users/{selected_user}/gpg-keys`.
pub fn list_gpg_keys(req: &ApiRequest, user: &str) -> ApiResult {
    let who = resolve_account(req, user)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_gpg_keys(who.0), |k| ds.gpg_key_json(&who, k))
}

impl Dataset {
    /// `…/deploy-keys` of a repository (1-3).
    pub fn deploy_keys(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            let h = Holder::Repo(w, r);
            (0..self.n_deploy_keys(h)).map(|k| parse(&self.deploy_key_json(h, k))).collect()
        })
    }

    /// `…/projects/{key}/deploy-keys` (1-2).
    pub fn project_deploy_keys(&self, workspace: &str, key: &str) -> Vec<Value> {
        self.find_project(workspace, key).map_or_else(Vec::new, |(w, p)| {
            let h = Holder::Project(w, p);
            (0..self.n_deploy_keys(h)).map(|k| parse(&self.deploy_key_json(h, k))).collect()
        })
    }

    /// `/users/{user}/ssh-keys` (1-3; `user` a `{uuid}` or account id).
    pub fn ssh_keys(&self, user: &str) -> Vec<Value> {
        self.account(user)
            .map_or_else(Vec::new, |who| (0..self.n_ssh_keys(who.0)).map(|k| parse(&self.ssh_key_json(&who, k))).collect())
    }

    /// `/users/{user}/gpg-keys` (1-2, each with one subkey).
    pub fn gpg_keys(&self, user: &str) -> Vec<Value> {
        self.account(user)
            .map_or_else(Vec::new, |who| (0..self.n_gpg_keys(who.0)).map(|k| parse(&self.gpg_key_json(&who, k))).collect())
    }
}
