//! Permissions: branch restrictions (`kind` / `pattern` filters), explicit
//! user and group permissions (`permissions-config`), the groups, and the
//! workspace-level `…/permissions/repositories[/{repo}]`, the caller's own
//! `/user/workspaces/{workspace}/permissions/repositories`, and projects'
//! explicit user and group permissions; handlers and accessors.

use crate::api::{list, resolve_repo, resolve_workspace, ApiError, ApiRequest, ApiResult};
use crate::dataset::{brace_encode, parse, pick_distinct, Dataset, WEB};
use crate::families::workspaces::{resolve_project, WsRole, PROJECTS};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, Rng};
use serde_json::Value;

/// Workspace groups: (slug, name).
const GROUPS: [(&str, &str); 3] = [("administrators", "Administrators"), ("developers", "Developers"), ("qa", "QA")];

impl Dataset {
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
                    l.href("self", &format!("{api_root}/workspaces/{}/groups/{slug}", ws.slug))
                        .href("html", &format!("{WEB}/{}/workspace/settings/groups/{slug}", ws.slug));
                });
        })
    }

    pub(crate) fn n_branch_restrictions(&self, w: usize, r: usize) -> usize {
        3 + (mix(&[self.spec.seed, Seed::BranchRestriction.key(), w as u64, r as u64]) % 2) as usize
    }

    /// Branch restriction `k`: push (main), require_approvals_to_merge (main),
    /// delete (branching model: production), force (`release/*`).
    pub(crate) fn branch_restriction_json(&self, w: usize, r: usize, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        let full = &repo.full;
        let mut rng = Rng::new(&[self.spec.seed, Seed::BranchRestriction.key(), w as u64, r as u64, k as u64]);
        let id = 20_000_000 + (w as u64 * 1000 + r as u64) * 10 + k as u64;
        let (kind, glob, pattern, value) = match k {
            0 => ("push", true, repo.mainbranch, None),
            1 => ("require_approvals_to_merge", true, repo.mainbranch, Some(1 + rng.below(2))),
            2 => ("delete", false, "", None),
            _ => ("force", true, "release/*", None),
        };
        let users: Vec<&str> = if k == 0 { vec![self.user(rng.next_u64()).json.as_str()] } else { Vec::new() };
        let groups: Vec<String> = if k == 0 { vec![self.group_json(w, 0)] } else { Vec::new() };
        object(|o| {
            o.plain("type", "branchrestriction")
                .num("id", id)
                .plain("kind", kind)
                .plain("branch_match_kind", if glob { "glob" } else { "branching_model" });
            if !glob {
                o.plain("branch_type", "production");
            }
            o.str("pattern", pattern);
            match value {
                Some(v) => o.num("value", v),
                None => o.null("value"),
            };
            o.raw_array("users", &users).raw_array("groups", &groups).obj("links", |l| {
                l.href("self", &format!("{api_root}/repositories/{full}/branch-restrictions/{id}"));
            });
        })
    }

    /// Explicit user permissions: 3-5 users, the first an admin.
    pub(crate) fn user_permissions_of(&self, w: usize, r: usize) -> Vec<(usize, &'static str)> {
        let seed = self.spec.seed;
        let n = 3 + (mix(&[seed, Seed::UserPermission.key(), w as u64, r as u64]) % 3) as usize;
        let mut rng = Rng::new(&[seed, Seed::UserPermission.key(), w as u64, r as u64, 1]);
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

    pub(crate) fn user_permission_json(&self, w: usize, r: usize, (u, p): (usize, &str)) -> String {
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
                        &format!("{api_root}/repositories/{}/permissions-config/users/{}", repo.full, brace_encode(&user.uuid)),
                    );
                });
        })
    }

    /// Explicit group permissions: administrators (admin), developers
    /// (write) and, for some repositories, qa (read); slug order.
    pub(crate) fn group_permissions_of(&self, w: usize, r: usize) -> Vec<(usize, &'static str)> {
        let with_qa = mix(&[self.spec.seed, Seed::Group.key(), w as u64, r as u64]) % 2 == 1;
        let mut out = vec![(0, "admin"), (1, "write")];
        if with_qa {
            out.push((2, "read"));
        }
        out
    }

    pub(crate) fn group_slug(&self, g: usize) -> &'static str {
        GROUPS[g].0
    }

    pub(crate) fn group_permission_json(&self, w: usize, r: usize, (g, p): (usize, &str)) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        object(|o| {
            o.plain("type", "repository_group_permission")
                .plain("permission", p)
                .raw("group", &self.group_json(w, g))
                .raw("repository", &repo.ref_json)
                .obj("links", |l| {
                    l.href("self", &format!("{api_root}/repositories/{}/permissions-config/groups/{}", repo.full, GROUPS[g].0));
                });
        })
    }

    /// `GET /workspaces/{workspace}/permissions/repositories/{repo_slug}`:
    /// one `repository_permission` per workspace member (owners are admins).
    pub(crate) fn repo_permission_json(&self, w: usize, r: usize, member: (usize, WsRole)) -> String {
        let repo = &self.workspaces[w].repos[r];
        let mut rng = Rng::new(&[self.spec.seed, Seed::WorkspaceRepoPermission.key(), w as u64, r as u64, member.0 as u64]);
        let permission = match member.1 {
            WsRole::Owner => "admin",
            WsRole::Collaborator => "read",
            WsRole::Member if rng.chance(2, 3) => "write",
            WsRole::Member => "read",
        };
        object(|o| {
            o.plain("type", "repository_permission")
                .plain("permission", permission)
                .raw("user", &self.users[member.0].json)
                .raw("repository", &repo.ref_json);
        })
    }
}

impl Dataset {
    /// The caller's permission on repository `r`: admin where it administers
    /// the workspace, else write or read.
    pub(crate) fn my_repo_permission_json(&self, w: usize, r: usize) -> String {
        let repo = &self.workspaces[w].repos[r];
        let mut rng = Rng::new(&[self.spec.seed, Seed::WorkspaceRepoPermission.key(), w as u64, r as u64, u64::MAX]);
        let permission = match (self.is_workspace_admin(w), rng.chance(1, 2)) {
            (true, _) => "admin",
            (false, true) => "write",
            (false, false) => "read",
        };
        object(|o| {
            o.plain("type", "repository_permission")
                .plain("permission", permission)
                .raw("user", &self.me_json())
                .raw("repository", &repo.ref_json);
        })
    }
}

const REPO_PERMISSION_FIELDS: &[&str] = &["type", "permission", "user", "repository"];

/// `GET /workspaces/{workspace}/permissions/repositories/{repo_slug}`: member order, BBQL `q`.
pub fn list_workspace_repo_permissions(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let members = ds.members_of(w);
    list(req, LIST, Some(REPO_PERMISSION_FIELDS), members.len(), |i| ds.repo_permission_json(w, r, members[i]))
}

/// `GET /workspaces/{workspace}/permissions/repositories`: every repository
/// (listing order), each with one permission per member (member order); BBQL `q`.
pub fn list_all_workspace_repo_permissions(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    let members = ds.members_of(w);
    let n = members.len();
    list(req, LIST, Some(REPO_PERMISSION_FIELDS), ds.n_repos(w) * n, |i| ds.repo_permission_json(w, i / n, members[i % n]))
}

/// `GET /user/workspaces/{workspace}/permissions/repositories`: the caller's
/// permission on each repository (listing order); BBQL `q`.
pub fn list_my_repo_permissions(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    let ds = req.dataset;
    list(req, LIST, Some(REPO_PERMISSION_FIELDS), ds.n_repos(w), |r| ds.my_repo_permission_json(w, r))
}

/// `…/branch-restrictions`: id order; `kind` and `pattern` filter exactly.
pub fn list_branch_restrictions(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let mut items: Vec<String> = (0..ds.n_branch_restrictions(w, r)).map(|k| ds.branch_restriction_json(w, r, k)).collect();
    for key in ["kind", "pattern"] {
        if let Some(want) = req.param(key) {
            items.retain(|j| parse(j)[key] == want);
        }
    }
    list(req, LIST, None, items.len(), |i| items[i].clone())
}

/// `…/permissions-config/users` (no BBQL).
pub fn list_user_permissions(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let perms = ds.user_permissions_of(w, r);
    list(req, LIST, None, perms.len(), |i| ds.user_permission_json(w, r, perms[i]))
}

/// `…/permissions-config/groups` (no BBQL).
pub fn list_group_permissions(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let perms = ds.group_permissions_of(w, r);
    list(req, LIST, None, perms.len(), |i| ds.group_permission_json(w, r, perms[i]))
}

/// `…/permissions-config/groups/{group_slug}`.
pub fn get_group_permission(req: &ApiRequest, ws: &str, repo: &str, slug: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    ds.group_permissions_of(w, r)
        .into_iter()
        .find(|(g, _)| ds.group_slug(*g) == slug)
        .map(|p| ds.group_permission_json(w, r, p))
        .ok_or_else(|| ApiError::not_found(format!("Group {slug} not found")))
}

impl Dataset {
    /// `…/branch-restrictions` (3-4).
    pub fn branch_restrictions(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            (0..self.n_branch_restrictions(w, r)).map(|k| parse(&self.branch_restriction_json(w, r, k))).collect()
        })
    }

    pub fn branch_restriction_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.n_branch_restrictions(w, r))
    }

    /// `…/permissions-config/users` (3-5).
    pub fn user_permissions(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            self.user_permissions_of(w, r).into_iter().map(|p| parse(&self.user_permission_json(w, r, p))).collect()
        })
    }

    pub fn user_permission_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.user_permissions_of(w, r).len())
    }

    /// `…/permissions-config/groups` (2-3, by group slug).
    pub fn group_permissions(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            self.group_permissions_of(w, r).into_iter().map(|p| parse(&self.group_permission_json(w, r, p))).collect()
        })
    }

    pub fn group_permission_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.group_permissions_of(w, r).len())
    }

    /// `GET /workspaces/{workspace}/permissions/repositories/{repo_slug}`
    /// (one per member, same order as `members`).
    pub fn repository_permissions(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            self.members_of(w).into_iter().map(|m| parse(&self.repo_permission_json(w, r, m))).collect()
        })
    }
}

impl Dataset {
    /// Explicit user permissions of project `p`: 2-4 workspace members, the
    /// first an admin (pool order).
    pub(crate) fn project_user_permissions_of(&self, w: usize, p: usize) -> Vec<(usize, &'static str)> {
        let seed = self.spec.seed;
        let members = self.members_of(w);
        let n = 2 + (mix(&[seed, Seed::ProjectPermission.key(), w as u64, p as u64]) % 3) as usize;
        let mut rng = Rng::new(&[seed, Seed::ProjectPermission.key(), w as u64, p as u64, 1]);
        let mut users: Vec<usize> = pick_distinct(&mut rng, members.len(), n, None).into_iter().map(|i| members[i].0).collect();
        users.sort_unstable();
        users
            .into_iter()
            .enumerate()
            .map(|(k, u)| {
                let permission = match (k, rng.below(3)) {
                    (0, _) => "admin",
                    (_, 0) => "create-repo",
                    (_, 1) => "write",
                    _ => "read",
                };
                (u, permission)
            })
            .collect()
    }

    pub(crate) fn project_user_permission_json(&self, w: usize, p: usize, (u, permission): (usize, &str)) -> String {
        let api_root = self.api_root.as_str();
        let user = &self.users[u];
        let (key, _) = PROJECTS[p];
        object(|o| {
            o.plain("type", "project_user_permission")
                .plain("permission", permission)
                .raw("user", &user.json)
                .raw("project", self.project_ref_json(w, p))
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!(
                            "{api_root}/workspaces/{}/projects/{key}/permissions-config/users/{}",
                            self.workspaces[w].slug,
                            brace_encode(&user.uuid)
                        ),
                    );
                });
        })
    }

    /// Explicit group permissions of project `p`: administrators (admin) and
    /// developers (create-repo on the first project, write on the others).
    pub(crate) fn project_group_permissions_of(&self, _w: usize, p: usize) -> Vec<(usize, &'static str)> {
        vec![(0, "admin"), (1, if p == 0 { "create-repo" } else { "write" })]
    }

    pub(crate) fn project_group_permission_json(&self, w: usize, p: usize, (g, permission): (usize, &str)) -> String {
        let api_root = self.api_root.as_str();
        let (key, _) = PROJECTS[p];
        object(|o| {
            o.plain("type", "project_group_permission")
                .plain("permission", permission)
                .raw("group", &self.group_json(w, g))
                .raw("project", self.project_ref_json(w, p))
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!(
                            "{api_root}/workspaces/{}/projects/{key}/permissions-config/groups/{}",
                            self.workspaces[w].slug, GROUPS[g].0
                        ),
                    );
                });
        })
    }
}

/// `…/projects/{project_key}/permissions-config/users` (no BBQL).
pub fn list_project_user_permissions(req: &ApiRequest, ws: &str, key: &str) -> ApiResult {
    let (w, p) = resolve_project(req, ws, key)?;
    let ds = req.dataset;
    let perms = ds.project_user_permissions_of(w, p);
    list(req, LIST, None, perms.len(), |i| ds.project_user_permission_json(w, p, perms[i]))
}

/// `…/projects/{project_key}/permissions-config/groups` (no BBQL).
pub fn list_project_group_permissions(req: &ApiRequest, ws: &str, key: &str) -> ApiResult {
    let (w, p) = resolve_project(req, ws, key)?;
    let ds = req.dataset;
    let perms = ds.project_group_permissions_of(w, p);
    list(req, LIST, None, perms.len(), |i| ds.project_group_permission_json(w, p, perms[i]))
}

impl Dataset {
    /// `…/projects/{key}/permissions-config/users` (2-4).
    pub fn project_user_permissions(&self, workspace: &str, key: &str) -> Vec<Value> {
        self.find_project(workspace, key).map_or_else(Vec::new, |(w, p)| {
            self.project_user_permissions_of(w, p)
                .into_iter()
                .map(|x| parse(&self.project_user_permission_json(w, p, x)))
                .collect()
        })
    }

    /// `…/projects/{key}/permissions-config/groups` (2).
    pub fn project_group_permissions(&self, workspace: &str, key: &str) -> Vec<Value> {
        self.find_project(workspace, key).map_or_else(Vec::new, |(w, p)| {
            self.project_group_permissions_of(w, p)
                .into_iter()
                .map(|x| parse(&self.project_group_permission_json(w, p, x)))
                .collect()
        })
    }
}

impl Dataset {
    /// `GET /workspaces/{workspace}/permissions/repositories`: repositories
    /// times members, repository by repository.
    pub fn workspace_repository_permissions(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace).map_or_else(Vec::new, |w| {
            let members = self.members_of(w);
            (0..self.n_repos(w)).flat_map(|r| members.iter().map(move |m| parse(&self.repo_permission_json(w, r, *m)))).collect()
        })
    }

    /// `GET /user/workspaces/{workspace}/permissions/repositories` (one per repository).
    pub fn my_repository_permissions(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace)
            .map_or_else(Vec::new, |w| (0..self.n_repos(w)).map(|r| parse(&self.my_repo_permission_json(w, r))).collect())
    }
}
