//! Workspaces: the workspace objects (seeded at generation), members and
//! workspace permissions (5-8 of the pool users, in pool order; the first is
//! the owner), and projects: their data, handlers and accessors.

use crate::api::{list, resolve_workspace, ApiError, ApiRequest, ApiResult};
use crate::dataset::{brace_encode, end_secs, parse, pick_distinct, Dataset, DatasetSpec, DAY_S, WEB};
use crate::families::repositories::{make_repo, RepoMeta};
use crate::json::{object, Obj};
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, rfc3339_micros, uuid, Rng};
use serde_json::Value;

pub(crate) const PROJECTS: [(&str, &str); 2] = [("PLAT", "Platform"), ("PROD", "Product")];

pub(crate) struct WorkspaceMeta {
    pub(crate) slug: String,
    pub(crate) uuid: String,
    pub(crate) name: String,
    /// Serialised `workspace`, `owner` (team account) and `project` objects.
    pub(crate) workspace_json: String,
    pub(crate) owner_json: String,
    pub(crate) projects_json: Vec<String>,
    pub(crate) repos: Vec<RepoMeta>,
}

/// Workspace permission of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WsRole {
    Owner,
    Member,
    Collaborator,
}

impl WsRole {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            WsRole::Owner => "owner",
            WsRole::Member => "member",
            WsRole::Collaborator => "collaborator",
        }
    }
}

pub(crate) fn make_workspace(spec: &DatasetSpec, api_root: &str, w: usize, slug: &str) -> WorkspaceMeta {
    let seed = spec.seed;
    let uid = uuid(&[seed, Seed::Workspace.key(), w as u64]);
    let enc = brace_encode(&uid);
    let mut name = slug.to_string();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let name = format!("{name} Corp");

    let workspace_json = object(|o| {
        o.plain("type", "workspace").plain("slug", slug).str("name", &name).plain("uuid", &uid).obj("links", |l| {
            l.href("self", &format!("{api_root}/workspaces/{slug}"))
                .href("html", &format!("{WEB}/{slug}/"))
                .href("avatar", &format!("{WEB}/workspaces/{slug}/avatar/?ts=1700000000"));
        });
    });
    let owner_json = object(|o| {
        o.plain("type", "team").str("display_name", &name).plain("uuid", &uid).str("username", slug).obj("links", |l| {
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
                    .plain("uuid", &uuid(&[seed, Seed::Project.key(), w as u64, p as u64]))
                    .obj("links", |l| {
                        project_links(l, api_root, slug, key);
                    });
            })
        })
        .collect();
    let repos = (0..spec.repos_per_workspace).map(|r| make_repo(spec, api_root, w, slug, r)).collect();
    WorkspaceMeta { slug: slug.to_string(), uuid: uid, name, workspace_json, owner_json, projects_json, repos }
}

/// A project's `self`, `html` and `avatar` links, shared by the short
/// project object (in repositories) and the full one (`…/projects`).
pub(crate) fn project_links<'o, 'a>(l: &'o mut Obj<'a>, api_root: &str, slug: &str, key: &str) -> &'o mut Obj<'a> {
    l.href("self", &format!("{api_root}/workspaces/{slug}/projects/{key}"))
        .href("html", &format!("{WEB}/{slug}/workspace/projects/{key}"))
        .href("avatar", &format!("{WEB}/{slug}/workspace/projects/{key}/avatar/32?ts=1700000000"))
}

impl Dataset {
    /// Workspace index by slug or `{uuid}`.
    pub(crate) fn find_workspace(&self, key: &str) -> Option<usize> {
        self.workspaces.iter().position(|w| w.slug == key || w.uuid == key)
    }

    /// `GET /workspaces/{workspace}`: the full workspace object.
    pub(crate) fn workspace_full_json(&self, w: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let slug = &ws.slug;
        let mut rng = Rng::new(&[self.spec.seed, Seed::WorkspaceMeta.key(), w as u64]);
        let created = (end_secs() - rng.range(5 * 365, 9 * 365) * DAY_S) * 1_000_000 + rng.range(0, 1_000_000);
        let updated = (end_secs() - rng.range(1, 200) * DAY_S) * 1_000_000 + rng.range(0, 1_000_000);
        let api = format!("{api_root}/workspaces/{slug}");
        object(|o| {
            o.plain("type", "workspace")
                .plain("uuid", &ws.uuid)
                .str("name", &ws.name)
                .plain("slug", slug)
                .bool("is_private", true)
                .bool("is_privacy_enforced", false)
                .plain("forking_mode", "allow_forks")
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(updated))
                .obj("links", |l| {
                    l.href("self", &api)
                        .href("html", &format!("{WEB}/{slug}/"))
                        .href("avatar", &format!("{WEB}/workspaces/{slug}/avatar/?ts=1700000000"))
                        .href("members", &format!("{api}/members"))
                        .href("owners", &format!("{api}/members?q=permission%3D%22owner%22"))
                        .href("projects", &format!("{api}/projects"))
                        .href("repositories", &format!("{api_root}/repositories/{slug}"))
                        .href("snippets", &format!("{api_root}/snippets/{slug}"));
                });
        })
    }

    /// Members of workspace `w`: (user index, role), in pool order.
    pub(crate) fn members_of(&self, w: usize) -> Vec<(usize, WsRole)> {
        let seed = self.spec.seed;
        let n = 5 + (mix(&[seed, Seed::Member.key(), w as u64]) % 4) as usize;
        let mut rng = Rng::new(&[seed, Seed::Member.key(), w as u64, 1]);
        let mut users = pick_distinct(&mut rng, self.users.len(), n, None);
        users.sort_unstable();
        let count = users.len();
        users
            .into_iter()
            .enumerate()
            .map(|(k, u)| {
                let role = if k == 0 {
                    WsRole::Owner
                } else if k + 1 == count && count >= 7 {
                    WsRole::Collaborator
                } else if rng.chance(1, 6) {
                    WsRole::Owner
                } else {
                    WsRole::Member
                };
                (u, role)
            })
            .collect()
    }

    /// `workspace_membership`, as listed by `…/members` (or, with
    /// `permissions`, by `…/permissions`: `permission`, `added_on`, `last_accessed`).
    pub(crate) fn membership_json(&self, w: usize, member: (usize, WsRole), permissions: bool) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let user = &self.users[member.0];
        let enc = brace_encode(&user.uuid);
        let mut rng = Rng::new(&[self.spec.seed, Seed::Member.key(), w as u64, 2, member.0 as u64]);
        let added = (end_secs() - rng.range(30, 4 * 365) * DAY_S) * 1_000_000 + rng.range(0, 1_000_000);
        let accessed = (end_secs() - rng.range(3600, 20 * DAY_S)) * 1_000_000 + rng.range(0, 1_000_000);
        let added_on = if self.spec.offsetless_added_on && self.members_of(w).first() == Some(&member) {
            // `2021-04-02T14:25:58.600`: milliseconds, no offset.
            let micros = rfc3339_micros(added);
            micros[..23].to_string()
        } else {
            rfc3339_micros(added)
        };
        object(|o| {
            o.plain("type", "workspace_membership");
            if permissions {
                o.plain("permission", member.1.as_str())
                    .plain("last_accessed", &rfc3339_micros(accessed))
                    .plain("added_on", &added_on);
            }
            o.raw("user", &user.json).raw("workspace", &ws.workspace_json).obj("links", |l| {
                l.href("self", &format!("{api_root}/workspaces/{}/members/{enc}", ws.slug));
            });
        })
    }

    /// `GET /workspaces/{workspace}/projects` item.
    pub(crate) fn project_full_json(&self, w: usize, p: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let slug = &ws.slug;
        let (key, name) = PROJECTS[p];
        let mut rng = Rng::new(&[self.spec.seed, Seed::ProjectMeta.key(), w as u64, p as u64]);
        let created = (end_secs() - rng.range(2 * 365, 5 * 365) * DAY_S) * 1_000_000 + rng.range(0, 1_000_000);
        let updated = (end_secs() - rng.range(1, 300) * DAY_S) * 1_000_000 + rng.range(0, 1_000_000);
        let description = match p {
            0 => "Shared platform services, infrastructure and tooling",
            _ => "Customer-facing \"product\" apps & sites",
        };
        object(|o| {
            o.plain("type", "project")
                .plain("key", key)
                .plain("uuid", &uuid(&[self.spec.seed, Seed::Project.key(), w as u64, p as u64]))
                .str("name", name)
                .str("description", description)
                .bool("is_private", true)
                .bool("has_publicly_visible_repos", p == 1)
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(updated))
                .raw("owner", &ws.owner_json)
                .obj("links", |l| {
                    project_links(l, api_root, slug, key)
                        .href("repositories", &format!("{api_root}/repositories/{slug}?q=project.key%3D%22{key}%22"));
                });
        })
    }
}

const MEMBERSHIP_FIELDS: &[&str] = &["type", "user", "workspace", "links", "permission", "last_accessed", "added_on"];

/// `GET /workspaces/{workspace}`.
pub fn get_workspace(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    Ok(req.dataset.workspace_full_json(w))
}

/// `GET /workspaces/{workspace}/members` (`permissions == false`) and
/// `GET /workspaces/{workspace}/permissions`: pool order, BBQL `q`.
pub fn list_members(req: &ApiRequest, ws: &str, permissions: bool) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    let members = ds.members_of(w);
    list(req, LIST, Some(MEMBERSHIP_FIELDS), members.len(), |i| ds.membership_json(w, members[i], permissions))
}

/// `GET /workspaces/{workspace}/projects`: by key.
pub fn list_projects(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    list(req, LIST, None, PROJECTS.len(), |p| ds.project_full_json(w, p))
}

/// `(workspace, project)` indexes of `…/projects/{project_key}` (the key, as on Bitbucket).
pub(crate) fn resolve_project(req: &ApiRequest, ws: &str, key: &str) -> Result<(usize, usize), ApiError> {
    let w = resolve_workspace(req, ws)?;
    PROJECTS
        .iter()
        .position(|(k, _)| *k == key)
        .map(|p| (w, p))
        .ok_or_else(|| ApiError::not_found(format!("No project with key '{key}' in workspace {ws}")))
}

impl Dataset {
    /// `(workspace, project)` indexes of a project by key.
    pub(crate) fn find_project(&self, workspace: &str, key: &str) -> Option<(usize, usize)> {
        let w = self.find_workspace(workspace)?;
        PROJECTS.iter().position(|(k, _)| *k == key).map(|p| (w, p))
    }

    /// The short `project` object (as embedded in repositories).
    pub(crate) fn project_ref_json(&self, w: usize, p: usize) -> &str {
        &self.workspaces[w].projects_json[p]
    }

    /// Project keys of the workspace, in listing order.
    pub fn project_keys(&self, workspace: &str) -> Vec<String> {
        self.find_workspace(workspace).map_or_else(Vec::new, |_| PROJECTS.iter().map(|(k, _)| k.to_string()).collect())
    }

    pub fn workspaces(&self) -> Vec<String> {
        self.workspaces.iter().map(|w| w.slug.clone()).collect()
    }

    /// `GET /workspaces/{workspace}`.
    pub fn workspace(&self, workspace: &str) -> Option<Value> {
        self.find_workspace(workspace).map(|w| parse(&self.workspace_full_json(w)))
    }

    /// `GET /workspaces/{workspace}/members` (5-8 members, pool order).
    pub fn members(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace).map_or_else(Vec::new, |w| {
            self.members_of(w).into_iter().map(|m| parse(&self.membership_json(w, m, false))).collect()
        })
    }

    /// Number of members of the workspace; 0 if unknown.
    pub fn member_count(&self, workspace: &str) -> usize {
        self.find_workspace(workspace).map_or(0, |w| self.members_of(w).len())
    }

    /// `GET /workspaces/{workspace}/permissions` (same order as `members`).
    pub fn workspace_permissions(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace)
            .map_or_else(Vec::new, |w| self.members_of(w).into_iter().map(|m| parse(&self.membership_json(w, m, true))).collect())
    }

    /// `GET /workspaces/{workspace}/projects` (2: `PLAT`, `PROD`).
    pub fn projects(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace)
            .map_or_else(Vec::new, |w| (0..PROJECTS.len()).map(|p| parse(&self.project_full_json(w, p))).collect())
    }
}
