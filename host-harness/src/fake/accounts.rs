//! Account- and workspace-level objects: the authenticated user, its emails
//! and workspace accesses, workspaces, members, permissions and projects.
//!
//! Membership is derived from `(seed, workspace)`: 5-8 of the 8 pool users,
//! in pool order; the first is the workspace's owner.

use serde_json::Value;

use super::data::{brace_encode, end_secs, parse, project_links, Dataset, DAY_S, PROJECTS, WEB};
use super::json::object;
use super::util::{mix, rfc3339_micros, uuid, Rng};

const K_ME: u64 = 30;
const K_MEMBER: u64 = 31;
const K_PROJECT_META: u64 = 32;
const K_WS_META: u64 = 33;
const K_REPO_PERM: u64 = 34;

/// (email, is_primary, is_confirmed) of the authenticated user.
const EMAILS: [(&str, bool, bool); 3] = [
    ("demo@example.com", true, true),
    ("demo.user@acme.example", false, true),
    ("old-demo@example.org", false, false),
];

/// Workspace permission of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WsRole {
    Owner,
    Member,
    Collaborator,
}

impl WsRole {
    fn as_str(self) -> &'static str {
        match self {
            WsRole::Owner => "owner",
            WsRole::Member => "member",
            WsRole::Collaborator => "collaborator",
        }
    }
}

/// A deterministic selection of `n` distinct indexes out of `0..len`, ascending.
pub(super) fn pick_distinct(
    rng: &mut Rng,
    len: usize,
    n: usize,
    exclude: Option<usize>,
) -> Vec<usize> {
    let mut pool: Vec<usize> = (0..len).filter(|&i| Some(i) != exclude).collect();
    let n = n.min(pool.len());
    for i in 0..n {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool
}

impl Dataset {
    // ------------------------------------------------------------ writers

    /// `GET /user`: the authenticated account (fixed per seed).
    pub(super) fn me_json(&self) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let uid = uuid(&[seed, K_ME]);
        let enc = brace_encode(&uid);
        object(|o| {
            o.plain("type", "user")
                .str("display_name", "Demo User")
                .plain("uuid", &uid)
                .plain("account_id", &format!("557058:{}", &uid[1..37]))
                .str("nickname", "demo")
                .plain("account_status", "active")
                .null("has_2fa_enabled")
                .bool("is_staff", false)
                .plain(
                    "created_on",
                    &rfc3339_micros((end_secs() - 4 * 365 * DAY_S) * 1_000_000 + 421_337),
                )
                .obj("links", |l| {
                    l.href("self", &format!("{api_root}/users/{enc}"))
                        .href("html", &format!("{WEB}/{enc}/"))
                        .href(
                            "avatar",
                            "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/DU-3.png",
                        )
                        .href("repositories", &format!("{api_root}/repositories/{enc}"));
                });
        })
    }

    pub(super) fn n_emails(&self) -> usize {
        EMAILS.len()
    }

    pub(super) fn email_json(&self, i: usize) -> String {
        let api_root = self.api_root.as_str();
        let (email, primary, confirmed) = EMAILS[i];
        object(|o| {
            o.plain("type", "email")
                .str("email", email)
                .bool("is_primary", primary)
                .bool("is_confirmed", confirmed)
                .obj("links", |l| {
                    l.href("self", &format!("{api_root}/user/emails/{email}"));
                });
        })
    }

    /// The caller administers every other workspace (the first one included).
    pub(super) fn is_workspace_admin(&self, w: usize) -> bool {
        w.is_multiple_of(2)
    }

    /// `GET /user/workspaces` item.
    pub(super) fn workspace_access_json(&self, w: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let slug = &ws.slug;
        object(|o| {
            o.plain("type", "workspace_access")
                .bool("administrator", self.is_workspace_admin(w))
                .obj("workspace", |x| {
                    x.plain("type", "workspace")
                        .plain("uuid", &ws.uuid)
                        .plain("slug", slug)
                        .str("name", &ws.name)
                        .obj("links", |l| {
                            l.href("self", &format!("{api_root}/workspaces/{slug}"))
                                .href("html", &format!("{WEB}/{slug}/"))
                                .href(
                                    "avatar",
                                    &format!("{WEB}/workspaces/{slug}/avatar/?ts=1700000000"),
                                );
                        });
                })
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!("{api_root}/user/workspaces/{slug}/permission"),
                    );
                });
        })
    }

    /// `GET /workspaces/{workspace}`: the full workspace object.
    pub(super) fn workspace_full_json(&self, w: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let slug = &ws.slug;
        let mut rng = Rng::new(&[self.spec.seed, K_WS_META, w as u64]);
        let created = (end_secs() - rng.range(5 * 365, 9 * 365) * DAY_S) * 1_000_000
            + rng.range(0, 1_000_000);
        let updated =
            (end_secs() - rng.range(1, 200) * DAY_S) * 1_000_000 + rng.range(0, 1_000_000);
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
                        .href(
                            "avatar",
                            &format!("{WEB}/workspaces/{slug}/avatar/?ts=1700000000"),
                        )
                        .href("members", &format!("{api}/members"))
                        .href(
                            "owners",
                            &format!("{api}/members?q=permission%3D%22owner%22"),
                        )
                        .href("projects", &format!("{api}/projects"))
                        .href("repositories", &format!("{api_root}/repositories/{slug}"))
                        .href("snippets", &format!("{api_root}/snippets/{slug}"));
                });
        })
    }

    /// Members of workspace `w`: (user index, role), in pool order.
    pub(super) fn members_of(&self, w: usize) -> Vec<(usize, WsRole)> {
        let seed = self.spec.seed;
        let n = 5 + (mix(&[seed, K_MEMBER, w as u64]) % 4) as usize;
        let mut rng = Rng::new(&[seed, K_MEMBER, w as u64, 1]);
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
    pub(super) fn membership_json(
        &self,
        w: usize,
        member: (usize, WsRole),
        permissions: bool,
    ) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let user = &self.users[member.0];
        let enc = brace_encode(&user.uuid);
        let mut rng = Rng::new(&[self.spec.seed, K_MEMBER, w as u64, 2, member.0 as u64]);
        let added =
            (end_secs() - rng.range(30, 4 * 365) * DAY_S) * 1_000_000 + rng.range(0, 1_000_000);
        let accessed =
            (end_secs() - rng.range(3600, 20 * DAY_S)) * 1_000_000 + rng.range(0, 1_000_000);
        object(|o| {
            o.plain("type", "workspace_membership");
            if permissions {
                o.plain("permission", member.1.as_str())
                    .plain("last_accessed", &rfc3339_micros(accessed))
                    .plain("added_on", &rfc3339_micros(added));
            }
            o.raw("user", &user.json)
                .raw("workspace", &ws.workspace_json)
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!("{api_root}/workspaces/{}/members/{enc}", ws.slug),
                    );
                });
        })
    }

    /// `GET /workspaces/{workspace}/projects` item.
    pub(super) fn project_full_json(&self, w: usize, p: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let slug = &ws.slug;
        let (key, name) = PROJECTS[p];
        let mut rng = Rng::new(&[self.spec.seed, K_PROJECT_META, w as u64, p as u64]);
        let created = (end_secs() - rng.range(2 * 365, 5 * 365) * DAY_S) * 1_000_000
            + rng.range(0, 1_000_000);
        let updated =
            (end_secs() - rng.range(1, 300) * DAY_S) * 1_000_000 + rng.range(0, 1_000_000);
        let description = match p {
            0 => "Shared platform services, infrastructure and tooling",
            _ => "Customer-facing \"product\" apps & sites",
        };
        object(|o| {
            o.plain("type", "project")
                .plain("key", key)
                .plain("uuid", &uuid(&[self.spec.seed, 3, w as u64, p as u64]))
                .str("name", name)
                .str("description", description)
                .bool("is_private", true)
                .bool("has_publicly_visible_repos", p == 1)
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(updated))
                .raw("owner", &ws.owner_json)
                .obj("links", |l| {
                    project_links(l, api_root, slug, key).href(
                        "repositories",
                        &format!("{api_root}/repositories/{slug}?q=project.key%3D%22{key}%22"),
                    );
                });
        })
    }

    /// `GET /workspaces/{workspace}/permissions/repositories/{repo_slug}`:
    /// one `repository_permission` per workspace member (owners are admins).
    pub(super) fn repo_permission_json(
        &self,
        w: usize,
        r: usize,
        member: (usize, WsRole),
    ) -> String {
        let repo = &self.workspaces[w].repos[r];
        let mut rng = Rng::new(&[
            self.spec.seed,
            K_REPO_PERM,
            w as u64,
            r as u64,
            member.0 as u64,
        ]);
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

    // ------------------------------------------------------------ public accessors

    /// `GET /user`.
    pub fn current_user(&self) -> Value {
        parse(&self.me_json())
    }

    /// `GET /user/emails` (3, primary first).
    pub fn emails(&self) -> Vec<Value> {
        (0..self.n_emails())
            .map(|i| parse(&self.email_json(i)))
            .collect()
    }

    /// `GET /user/workspaces` items, in spec order (one per workspace; the
    /// caller administers the 1st, 3rd, … workspace).
    pub fn user_workspaces(&self) -> Vec<Value> {
        (0..self.workspaces.len())
            .map(|w| parse(&self.workspace_access_json(w)))
            .collect()
    }

    /// `GET /workspaces/{workspace}`.
    pub fn workspace(&self, workspace: &str) -> Option<Value> {
        self.find_workspace(workspace)
            .map(|w| parse(&self.workspace_full_json(w)))
    }

    /// `GET /workspaces/{workspace}/members` (5-8 members, pool order).
    pub fn members(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace).map_or_else(Vec::new, |w| {
            self.members_of(w)
                .into_iter()
                .map(|m| parse(&self.membership_json(w, m, false)))
                .collect()
        })
    }

    /// Number of members of the workspace; 0 if unknown.
    pub fn member_count(&self, workspace: &str) -> usize {
        self.find_workspace(workspace)
            .map_or(0, |w| self.members_of(w).len())
    }

    /// `GET /workspaces/{workspace}/permissions` (same order as `members`).
    pub fn workspace_permissions(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace).map_or_else(Vec::new, |w| {
            self.members_of(w)
                .into_iter()
                .map(|m| parse(&self.membership_json(w, m, true)))
                .collect()
        })
    }

    /// `GET /workspaces/{workspace}/projects` (2: `PLAT`, `PROD`).
    pub fn projects(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace).map_or_else(Vec::new, |w| {
            (0..PROJECTS.len())
                .map(|p| parse(&self.project_full_json(w, p)))
                .collect()
        })
    }

    /// `GET /workspaces/{workspace}/permissions/repositories/{repo_slug}`
    /// (one per member, same order as `members`).
    pub fn repository_permissions(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                self.members_of(w)
                    .into_iter()
                    .map(|m| parse(&self.repo_permission_json(w, r, m)))
                    .collect()
            })
    }
}
