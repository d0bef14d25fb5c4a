//! Pull-request comments: generated (inline or general, replies, deleted
//! ones) between the PR's `created_on` and generated `updated_on`, plus the
//! comments added while the fake runs (`changes.rs`), last; the `…/comments`
//! handler (BBQL) and the accessors.

use crate::api::{list, ApiRequest, ApiResult};
use crate::dataset::{parse, Dataset, TOPICS, WEB};
use crate::families::pr_participants::Person;
use crate::families::pull_requests::{resolve_pr, PrCore};
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, render_markdown, rfc3339_micros, Rng};
use serde_json::Value;

/// One comment, before rendering.
pub(crate) struct CommentMeta {
    pub(crate) id: u64,
    k: usize,
    user: usize,
    pub(crate) created: i64,
    updated: i64,
    parent: Option<u64>,
    inline: Option<(&'static str, Option<u64>, Option<u64>)>,
    deleted: bool,
    /// The text of a comment added while the fake runs.
    text: Option<String>,
}

const INLINE_PATHS: [&str; 4] = ["src/main.rs", "src/lib/util.rs", "README.md", "docs/index.md"];

impl Dataset {
    /// 0-5 generated comments per pull request (independent of its other facts).
    pub(crate) fn pr_generated_comment_count(&self, w: usize, r: usize, id: u32) -> usize {
        (mix(&[self.spec.seed, Seed::Comment.key(), w as u64, r as u64, u64::from(id)]) % 6) as usize
    }

    /// Generated comments plus those added while the fake runs.
    pub(crate) fn pr_comment_count(&self, w: usize, r: usize, id: u32) -> usize {
        let added = self.pr_edits(w, r, id).map_or(0, |e| e.comments.len());
        self.pr_generated_comment_count(w, r, id) + added
    }

    /// Comments, oldest first: the generated ones (ids increase with the pull
    /// request and position), then those added while the fake runs.
    pub(crate) fn pr_comments_meta(&self, w: usize, r: usize, core: &PrCore, people: &[Person]) -> Vec<CommentMeta> {
        let n = self.pr_generated_comment_count(w, r, core.id);
        let mut rng = Rng::new(&[self.spec.seed, Seed::Comment.key(), w as u64, r as u64, u64::from(core.id), 1]);
        let mut speakers: Vec<usize> = people.iter().filter(|p| p.participated_on.is_some()).map(|p| p.user).collect();
        speakers.push(core.author);
        let span = (core.updated - core.created).max(2);
        let slot = (span / (n as i64 + 1)).max(1);
        let mut out: Vec<CommentMeta> = Vec::with_capacity(n);
        for k in 0..n {
            let id = 100_000_000 + u64::from(core.id) * 8 + k as u64;
            let created = core.created + slot * k as i64 + rng.range(1, slot);
            let updated = if rng.chance(1, 4) { created + rng.range(0, (core.updated - created).max(1)) } else { created };
            let parent = (k > 0 && rng.chance(1, 3)).then(|| out[rng.below(k as u64) as usize].id);
            let inline = (parent.is_none() && rng.chance(1, 3)).then(|| {
                let line = 1 + rng.below(200);
                let path = *rng.pick(&INLINE_PATHS);
                if rng.chance(1, 2) {
                    (path, None, Some(line))
                } else {
                    (path, Some(line), None)
                }
            });
            out.push(CommentMeta {
                id,
                k,
                user: *rng.pick(&speakers),
                created,
                updated,
                parent,
                inline,
                deleted: rng.chance(1, 12),
                text: None,
            });
        }
        for (j, c) in core.edits.iter().flat_map(|e| &e.comments).enumerate() {
            out.push(CommentMeta {
                id: c.id,
                k: n + j,
                user: core.author,
                created: c.when,
                updated: c.when,
                parent: None,
                inline: None,
                deleted: false,
                text: Some(c.text.clone()),
            });
        }
        out
    }

    pub(crate) fn pr_ref_json(&self, w: usize, r: usize, id: u32, title: &str) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.workspaces[w].repos[r].full;
        object(|o| {
            o.plain("type", "pullrequest").num("id", u64::from(id)).str("title", title).obj("links", |l| {
                l.href("self", &format!("{api_root}/repositories/{full}/pullrequests/{id}"))
                    .href("html", &format!("{WEB}/{full}/pull-requests/{id}"));
            });
        })
    }

    pub(crate) fn comment_json(&self, w: usize, r: usize, core: &PrCore, c: &CommentMeta) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.workspaces[w].repos[r].full;
        let pr = core.id;
        let mut rng = Rng::new(&[self.spec.seed, Seed::Comment.key(), w as u64, r as u64, c.id]);
        let (topic, _) = *rng.pick(&TOPICS);
        let raw = if let Some(text) = &c.text {
            text.clone()
        } else if c.deleted {
            String::new()
        } else {
            match (c.k + pr as usize) % 6 {
                0 => "LGTM 👍".to_string(),
                1 => format!("Could you add a test for the {topic}?"),
                2 => "Nit: `retry_count` → `max_retries`, and \"quote\" the <b>value</b> & done.".to_string(),
                3 => "Done.".to_string(),
                4 => format!("Why not reuse the existing helper?\n\n```\nlet {} = helper();\n```", topic.replace(' ', "_")),
                _ => format!("Thanks! Merging once the {topic} change is in."),
            }
        };
        let url = format!("{api_root}/repositories/{full}/pullrequests/{pr}/comments");
        let html = format!("{WEB}/{full}/pull-requests/{pr}/_/diff#comment-");
        object(|o| {
            o.plain("type", "pullrequest_comment")
                .num("id", c.id)
                .plain("created_on", &rfc3339_micros(c.created))
                .plain("updated_on", &rfc3339_micros(c.updated))
                .obj("content", |x| {
                    x.plain("type", "rendered").str("raw", &raw).plain("markup", "markdown").str("html", &render_markdown(&raw));
                })
                .raw("user", &self.users[c.user].json)
                .bool("deleted", c.deleted)
                .bool("pending", false);
            if let Some(p) = c.parent {
                o.obj("parent", |x| {
                    x.num("id", p).obj("links", |l| {
                        l.href("self", &format!("{url}/{p}")).href("html", &format!("{html}{p}"));
                    });
                });
            }
            if let Some((path, from, to)) = c.inline {
                o.obj("inline", |x| {
                    match from {
                        Some(v) => x.num("from", v),
                        None => x.null("from"),
                    };
                    match to {
                        Some(v) => x.num("to", v),
                        None => x.null("to"),
                    };
                    x.plain("path", path);
                });
            }
            o.raw("pullrequest", &self.pr_ref_json(w, r, pr, &core.title)).obj("links", |l| {
                l.href("self", &format!("{url}/{}", c.id)).href("html", &format!("{html}{}", c.id));
            });
        })
    }

    /// All comments of a pull request, oldest first.
    pub(crate) fn pr_comments_json(&self, w: usize, r: usize, id: u32) -> Vec<String> {
        let core = self.pr_core(w, r, id);
        let people = self.pr_people(w, r, &core);
        self.pr_comments_meta(w, r, &core, &people).iter().map(|c| self.comment_json(w, r, &core, c)).collect()
    }
}

const COMMENT_FIELDS: &[&str] = &[
    "type",
    "id",
    "created_on",
    "updated_on",
    "content",
    "user",
    "deleted",
    "pending",
    "parent",
    "inline",
    "links",
    "pullrequest",
];

/// `…/pullrequests/{id}/comments`: oldest first, BBQL `q`.
pub fn list_pr_comments(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let items = req.dataset.pr_comments_json(w, r, id);
    list(req, LIST, Some(COMMENT_FIELDS), items.len(), |i| items[i].clone())
}

impl Dataset {
    /// `…/pullrequests/{id}/comments`, oldest first (0-5 generated, then any
    /// added while the fake runs); empty if unknown.
    pub fn pull_request_comments(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id)
            .map_or_else(Vec::new, |(w, r, id)| self.pr_comments_json(w, r, id).iter().map(|j| parse(j)).collect())
    }

    pub fn pull_request_comment_count(&self, workspace: &str, repo: &str, id: u64) -> usize {
        self.pr_index(workspace, repo, id).map_or(0, |(w, r, id)| self.pr_comment_count(w, r, id))
    }
}
