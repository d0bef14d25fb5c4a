//! Accounts: the pool of 8 users (seeded at generation), the authenticated
//! user, its emails and workspace accesses, and `/users/{uuid or
//! account_id}`: their data, handlers and accessors.

use crate::api::{list, ApiError, ApiRequest, ApiResult};
use crate::dataset::{brace_encode, end_secs, parse, Dataset, DAY_S, WEB};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, rfc3339_micros, uuid};
use serde_json::Value;

/// (display name, nickname, email, has a `557058:`-style account id)
pub(crate) const USERS: [(&str, &str, &str, bool); 8] = [
    ("Alice Chen", "alice", "alice.chen@example.com", true),
    ("Bob Okafor", "bob.okafor", "bob@example.com", false),
    ("Zoë Ångström", "zoe", "zoe.angstrom@example.com", true),
    ("Dmitri Ivanov", "dmitri", "dmitri.ivanov@example.com", false),
    ("Priya Raman", "priya", "priya.raman@example.com", true),
    ("José Álvarez", "jalvarez", "jose.alvarez@example.com", true),
    ("鈴木 花子", "hanako", "hanako.suzuki@example.com", false),
    ("Sam O'Neil", "sam.oneil", "sam.oneil@example.com", true),
];

/// (email, is_primary, is_confirmed) of the authenticated user.
const EMAILS: [(&str, bool, bool); 3] =
    [("demo@example.com", true, true), ("demo.user@acme.example", false, true), ("old-demo@example.org", false, false)];

pub(crate) struct UserMeta {
    pub(crate) display_name: &'static str,
    pub(crate) email: &'static str,
    pub(crate) uuid: String,
    /// The account object, serialised once.
    pub(crate) json: String,
}

pub(crate) fn make_user(
    seed: u64,
    api_root: &str,
    i: usize,
    (display_name, nickname, email, atlassian_id): (&'static str, &str, &'static str, bool),
) -> UserMeta {
    let uid = uuid(&[seed, Seed::User.key(), i as u64]);
    let account_id = if atlassian_id {
        format!("557058:{}", &uid[1..37])
    } else {
        format!("{:016x}{:08x}", mix(&[seed, Seed::User.key(), i as u64, 1]), 0x1f2e_3d4c)
    };
    let enc = brace_encode(&uid);
    let initials: String = display_name.split_whitespace().filter_map(|w| w.chars().next()).collect();
    let json = object(|o| {
        o.plain("type", "user")
            .str("display_name", display_name)
            .plain("uuid", &uid)
            .plain("account_id", &account_id)
            .str("nickname", nickname)
            .obj("links", |l| {
                l.href("self", &format!("{api_root}/users/{enc}")).href("html", &format!("{WEB}/{enc}/")).href(
                    "avatar",
                    &format!(
                        "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{initials}-{}.png",
                        i % 6
                    ),
                );
            });
    });
    UserMeta { display_name, email, uuid: uid, json }
}

impl Dataset {
    pub(crate) fn user(&self, pick: u64) -> &UserMeta {
        &self.users[(pick % self.users.len() as u64) as usize]
    }

    /// `GET /user`: the authenticated account (fixed per seed).
    pub(crate) fn me_json(&self) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let uid = uuid(&[seed, Seed::CurrentUser.key()]);
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
                .plain("created_on", &rfc3339_micros((end_secs() - 4 * 365 * DAY_S) * 1_000_000 + 421_337))
                .obj("links", |l| {
                    l.href("self", &format!("{api_root}/users/{enc}"))
                        .href("html", &format!("{WEB}/{enc}/"))
                        .href("avatar", "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/DU-3.png")
                        .href("repositories", &format!("{api_root}/repositories/{enc}"));
                });
        })
    }

    pub(crate) fn n_emails(&self) -> usize {
        EMAILS.len()
    }

    pub(crate) fn email_json(&self, i: usize) -> String {
        let api_root = self.api_root.as_str();
        let (email, primary, confirmed) = EMAILS[i];
        object(|o| {
            o.plain("type", "email").str("email", email).bool("is_primary", primary).bool("is_confirmed", confirmed).obj(
                "links",
                |l| {
                    l.href("self", &format!("{api_root}/user/emails/{email}"));
                },
            );
        })
    }

    /// The caller administers every other workspace (the first one included).
    pub(crate) fn is_workspace_admin(&self, w: usize) -> bool {
        w.is_multiple_of(2)
    }

    /// `GET /user/workspaces` item.
    pub(crate) fn workspace_access_json(&self, w: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let slug = &ws.slug;
        object(|o| {
            o.plain("type", "workspace_access")
                .bool("administrator", self.is_workspace_admin(w))
                .obj("workspace", |x| {
                    x.plain("type", "workspace").plain("uuid", &ws.uuid).plain("slug", slug).str("name", &ws.name).obj(
                        "links",
                        |l| {
                            l.href("self", &format!("{api_root}/workspaces/{slug}"))
                                .href("html", &format!("{WEB}/{slug}/"))
                                .href("avatar", &format!("{WEB}/workspaces/{slug}/avatar/?ts=1700000000"));
                        },
                    );
                })
                .obj("links", |l| {
                    l.href("self", &format!("{api_root}/user/workspaces/{slug}/permission"));
                });
        })
    }
}

/// `GET /user`.
pub fn get_user(req: &ApiRequest) -> ApiResult {
    Ok(req.dataset.me_json())
}

/// `GET /users/{selected_user}`: a pool user (or the caller) by `{uuid}` or account id.
pub fn get_any_user(req: &ApiRequest, key: &str) -> ApiResult {
    let ds = req.dataset;
    std::iter::once(ds.me_json())
        .chain(ds.users.iter().map(|u| u.json.clone()))
        .find(|j| {
            let v = parse(j);
            v["uuid"] == key || v["account_id"] == key
        })
        .ok_or_else(|| ApiError::not_found(format!("User {key} not found")))
}

/// `GET /user/emails`: numbered pages (pagelen 1-100), primary first.
pub fn list_emails(req: &ApiRequest) -> ApiResult {
    let ds = req.dataset;
    list(req, LIST, None, ds.n_emails(), |i| ds.email_json(i))
}

/// `GET /user/workspaces`: spec order, or `sort=slug` / `sort=-slug`;
/// `administrator=true|false` filters. Other `sort` values are a 400.
pub fn list_user_workspaces(req: &ApiRequest) -> ApiResult {
    let ds = req.dataset;
    let mut order: Vec<usize> = (0..ds.workspaces.len()).collect();
    match req.param("sort") {
        None | Some("") => {}
        Some("slug") => order.sort_by(|&a, &b| ds.workspaces[a].slug.cmp(&ds.workspaces[b].slug)),
        Some("-slug") => order.sort_by(|&a, &b| ds.workspaces[b].slug.cmp(&ds.workspaces[a].slug)),
        Some(other) => return Err(ApiError::bad_request(format!("Invalid sort field: {other}"))),
    }
    match req.param("administrator") {
        None => {}
        Some(v @ ("true" | "false")) => order.retain(|&w| ds.is_workspace_admin(w) == (v == "true")),
        Some(v) => return Err(ApiError::bad_request(format!("Invalid administrator value: {v}"))),
    }
    list(req, LIST, None, order.len(), |i| ds.workspace_access_json(order[i]))
}

impl Dataset {
    /// The pool of user accounts that authors, closers and committers come from.
    pub fn users(&self) -> Vec<Value> {
        self.users.iter().map(|u| parse(&u.json)).collect()
    }

    /// `GET /user`.
    pub fn current_user(&self) -> Value {
        parse(&self.me_json())
    }

    /// `GET /user/emails` (3, primary first).
    pub fn emails(&self) -> Vec<Value> {
        (0..self.n_emails()).map(|i| parse(&self.email_json(i))).collect()
    }

    /// `GET /user/workspaces` items, in spec order (one per workspace; the
    /// caller administers the 1st, 3rd, … workspace).
    pub fn user_workspaces(&self) -> Vec<Value> {
        (0..self.workspaces.len()).map(|w| parse(&self.workspace_access_json(w))).collect()
    }
}
