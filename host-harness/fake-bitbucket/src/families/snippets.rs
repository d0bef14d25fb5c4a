//! Snippets of a workspace (4, newest last), each with 0-3 comments and 1-3
//! commits; handlers and accessors. Snippet ids are Bitbucket's short
//! encoded ids (`kypj9`), as in their URLs.

use crate::api::{list, resolve_workspace, ApiError, ApiRequest, ApiResult};
use crate::dataset::{end_secs, parse, Dataset, DAY_S, TOPICS, VERBS, WEB};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, rfc3339_micros, rfc3339_secs, sha1_like, Rng};
use serde_json::Value;

/// Snippets per workspace.
const SNIPPETS: usize = 4;

/// Titles, by snippet index.
const TITLES: [&str; SNIPPETS] =
    ["nginx reverse proxy config", "Rotate API tokens (bash)", "SQL: slow query report", "pre-commit hook"];

const ID_CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

impl Dataset {
    /// Snippet `s`'s encoded id: 5 characters.
    pub(crate) fn snippet_id(&self, w: usize, s: usize) -> String {
        let mut rng = Rng::new(&[self.spec.seed, Seed::Snippet.key(), w as u64, s as u64, 0]);
        (0..5).map(|_| ID_CHARS[rng.below(ID_CHARS.len() as u64) as usize] as char).collect()
    }

    fn find_snippet(&self, w: usize, id: &str) -> Option<usize> {
        (0..SNIPPETS).find(|&s| self.snippet_id(w, s) == id)
    }

    /// (created, updated) in microseconds: creation spread over two years.
    fn snippet_dates(&self, w: usize, s: usize) -> (i64, i64) {
        let mut rng = Rng::new(&[self.spec.seed, Seed::Snippet.key(), w as u64, s as u64, 1]);
        let created = (end_secs() - (SNIPPETS - s) as i64 * 150 * DAY_S + rng.range(0, 30 * DAY_S)) * 1_000_000;
        (created, created + rng.range(DAY_S, 60 * DAY_S) * 1_000_000)
    }

    fn snippet_creator(&self, w: usize, s: usize) -> usize {
        let members = self.members_of(w);
        members[(mix(&[self.spec.seed, Seed::Snippet.key(), w as u64, s as u64, 2]) % members.len() as u64) as usize].0
    }

    pub(crate) fn snippet_json(&self, w: usize, s: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let id = self.snippet_id(w, s);
        let (created, updated) = self.snippet_dates(w, s);
        let api = format!("{api_root}/snippets/{}/{id}", ws.slug);
        object(|o| {
            o.plain("type", "snippet")
                .plain("id", &id)
                .str("title", TITLES[s])
                .plain("scm", "git")
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(updated))
                .raw("owner", &ws.owner_json)
                .raw("creator", &self.users[self.snippet_creator(w, s)].json)
                .bool("is_private", s != 1)
                .obj("links", |l| {
                    l.href("self", &api)
                        .href("html", &format!("{WEB}/{}/workspace/snippets/{id}", ws.slug))
                        .href("comments", &format!("{api}/comments"))
                        .href("watchers", &format!("{api}/watchers"))
                        .href("commits", &format!("{api}/commits"));
                });
        })
    }

    fn n_snippet_comments(&self, w: usize, s: usize) -> usize {
        if s == 0 {
            return 2;
        }
        (mix(&[self.spec.seed, Seed::Snippet.key(), w as u64, s as u64, 3]) % 4) as usize
    }

    fn snippet_comment_json(&self, w: usize, s: usize, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let sid = self.snippet_id(w, s);
        let mut rng = Rng::new(&[self.spec.seed, Seed::Snippet.key(), w as u64, s as u64, 4, k as u64]);
        let id = 9_000_000 + (w as u64 * 100 + s as u64) * 10 + k as u64;
        let (created, _) = self.snippet_dates(w, s);
        let at = created + (k as i64 + 1) * rng.range(3_600, DAY_S) * 1_000_000;
        let author = self.user(rng.next_u64());
        let (topic, _) = *rng.pick(&TOPICS);
        let text = format!("Works for me; maybe note the {topic} caveat?");
        object(|o| {
            o.plain("type", "snippet_comment").num("id", id).plain("created_on", &rfc3339_micros(at));
            if k == 0 {
                o.plain("updated_on", &rfc3339_micros(at + 600_000_000));
            } else {
                o.null("updated_on");
            }
            o.obj("content", |c| {
                c.plain("type", "rendered").str("raw", &text).plain("markup", "markdown").str("html", &format!("<p>{text}</p>"));
            })
            .raw("user", &author.json)
            .bool("deleted", false)
            .raw("snippet", &self.snippet_json(w, s))
            .obj("links", |l| {
                l.href("self", &format!("{api_root}/snippets/{}/{sid}/comments/{id}", ws.slug))
                    .href("html", &format!("{WEB}/{}/workspace/snippets/{sid}#comment-{id}", ws.slug));
            });
        })
    }

    fn n_snippet_commits(&self, w: usize, s: usize) -> usize {
        1 + (mix(&[self.spec.seed, Seed::Snippet.key(), w as u64, s as u64, 5]) % 3) as usize
    }

    fn snippet_commit_hash(&self, w: usize, s: usize, k: usize) -> String {
        sha1_like(&[self.spec.seed, Seed::Snippet.key(), w as u64, s as u64, 6, k as u64])
    }

    /// Commit `k` of snippet `s`, 0 = newest (the last is its creation).
    fn snippet_commit_json(&self, w: usize, s: usize, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let ws = &self.workspaces[w];
        let sid = self.snippet_id(w, s);
        let n = self.n_snippet_commits(w, s);
        let (created, updated) = self.snippet_dates(w, s);
        let date = created / 1_000_000 + (updated - created) / 1_000_000 * (n - 1 - k) as i64 / (n as i64).max(2);
        let hash = self.snippet_commit_hash(w, s, k);
        let mut rng = Rng::new(&[self.spec.seed, Seed::Snippet.key(), w as u64, s as u64, 7, k as u64]);
        let author = if k + 1 == n { &self.users[self.snippet_creator(w, s)] } else { self.user(rng.next_u64()) };
        let message =
            if k + 1 == n { format!("Create {}\n", TITLES[s]) } else { format!("{} {}\n", rng.pick(&VERBS), TITLES[s]) };
        let api = format!("{api_root}/snippets/{}/{sid}/commits/{hash}", ws.slug);
        let parents: Vec<String> = (k + 1 < n)
            .then(|| {
                let p = self.snippet_commit_hash(w, s, k + 1);
                object(|o| {
                    o.plain("type", "snippet_commit").plain("hash", &p).obj("links", |l| {
                        l.href("self", &format!("{api_root}/snippets/{}/{sid}/commits/{p}", ws.slug));
                    });
                })
            })
            .into_iter()
            .collect();
        object(|o| {
            o.plain("type", "snippet_commit")
                .plain("hash", &hash)
                .plain("date", &rfc3339_secs(date))
                .obj("author", |a| {
                    a.plain("type", "author")
                        .str("raw", &format!("{} <{}>", author.display_name, author.email))
                        .raw("user", &author.json);
                })
                .str("message", &message)
                .obj("summary", |x| {
                    x.plain("type", "rendered")
                        .str("raw", &message)
                        .plain("markup", "markdown")
                        .str("html", &format!("<p>{}</p>", message.trim()));
                })
                .raw_array("parents", &parents)
                .raw("snippet", &self.snippet_json(w, s))
                .obj("links", |l| {
                    l.href("self", &api)
                        .href("html", &format!("{WEB}/{}/workspace/snippets/{sid}/commits/{hash}", ws.slug))
                        .href("diff", &format!("{api_root}/snippets/{}/{sid}/{hash}/diff", ws.slug));
                });
        })
    }
}

fn resolve_snippet(req: &ApiRequest, ws: &str, id: &str) -> Result<(usize, usize), ApiError> {
    let w = resolve_workspace(req, ws)?;
    req.dataset.find_snippet(w, id).map(|s| (w, s)).ok_or_else(|| ApiError::not_found(format!("Snippet {id} not found")))
}

/// `GET /snippets/{workspace}`: oldest first; `role` (owner, contributor,
/// member) filters nothing here (the caller may see them all); anything
/// else is a 400.
pub fn list_snippets(req: &ApiRequest, ws: &str) -> ApiResult {
    let w = resolve_workspace(req, ws)?;
    if let Some(role) = req.param("role").filter(|r| !["owner", "contributor", "member"].contains(r)) {
        return Err(ApiError::bad_request(format!("Invalid role: {role}")));
    }
    let ds = req.dataset;
    list(req, LIST, None, SNIPPETS, |s| ds.snippet_json(w, s))
}

/// `GET /snippets/{workspace}/{encoded_id}/comments`: oldest first.
pub fn list_snippet_comments(req: &ApiRequest, ws: &str, id: &str) -> ApiResult {
    let (w, s) = resolve_snippet(req, ws, id)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_snippet_comments(w, s), |k| ds.snippet_comment_json(w, s, k))
}

/// `GET /snippets/{workspace}/{encoded_id}/commits`: newest first.
pub fn list_snippet_commits(req: &ApiRequest, ws: &str, id: &str) -> ApiResult {
    let (w, s) = resolve_snippet(req, ws, id)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.n_snippet_commits(w, s), |k| ds.snippet_commit_json(w, s, k))
}

impl Dataset {
    /// `GET /snippets/{workspace}` (4, oldest first).
    pub fn snippets(&self, workspace: &str) -> Vec<Value> {
        self.find_workspace(workspace).map_or_else(Vec::new, |w| (0..SNIPPETS).map(|s| parse(&self.snippet_json(w, s))).collect())
    }

    /// `…/{encoded_id}/comments` (0-3).
    pub fn snippet_comments(&self, workspace: &str, id: &str) -> Vec<Value> {
        let Some(w) = self.find_workspace(workspace) else { return Vec::new() };
        self.find_snippet(w, id).map_or_else(Vec::new, |s| {
            (0..self.n_snippet_comments(w, s)).map(|k| parse(&self.snippet_comment_json(w, s, k))).collect()
        })
    }

    /// `…/{encoded_id}/commits` (1-3, newest first).
    pub fn snippet_commits(&self, workspace: &str, id: &str) -> Vec<Value> {
        let Some(w) = self.find_workspace(workspace) else { return Vec::new() };
        self.find_snippet(w, id).map_or_else(Vec::new, |s| {
            (0..self.n_snippet_commits(w, s)).map(|k| parse(&self.snippet_commit_json(w, s, k))).collect()
        })
    }
}
