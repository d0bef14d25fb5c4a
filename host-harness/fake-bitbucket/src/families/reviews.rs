//! Review items outside pull-request comments: the tasks of a pull request
//! and the comments on a commit; handlers (BBQL) and accessors.

use crate::api::{list, ApiRequest, ApiResult};
use crate::dataset::{parse, Dataset, DAY_S, TOPICS, WEB};
use crate::families::pull_requests::resolve_pr;
use crate::families::statuses::resolve_commit;
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, render_markdown, rfc3339_micros, Rng};
use serde_json::Value;

const TASKS: [&str; 4] = [
    "Add a test for the empty case",
    "Update the changelog",
    "Rename `tmp` to something clearer",
    "Check the migration on a copy of production",
];

const INLINE_PATHS: [&str; 3] = ["src/main.rs", "README.md", "src/lib/util.rs"];

impl Dataset {
    /// 0-3 tasks per pull request.
    fn task_count(&self, w: usize, r: usize, id: u32) -> usize {
        (mix(&[self.spec.seed, Seed::Task.key(), w as u64, r as u64, u64::from(id)]) % 4) as usize
    }

    fn task_json(&self, w: usize, r: usize, id: u32, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.repo(w, r).full;
        let core = self.pr_core(w, r, id);
        let mut rng = Rng::new(&[self.spec.seed, Seed::Task.key(), w as u64, r as u64, u64::from(id), k as u64]);
        let task_id = 5_000_000 + u64::from(id) * 8 + k as u64;
        let created = core.created + rng.range(60, DAY_S) * 1_000_000;
        let resolved = k == 0 || rng.chance(1, 2);
        let resolved_on = created + rng.range(600, 2 * DAY_S) * 1_000_000;
        let creator = self.user(rng.next_u64());
        let resolver = self.user(rng.next_u64());
        let raw = TASKS[rng.below(TASKS.len() as u64) as usize];
        let on_comment = k == 0 || rng.chance(1, 3);
        let comment_id = 100_000_000 + u64::from(id) * 8 + rng.below(6);
        let api = format!("{api_root}/repositories/{full}/pullrequests/{id}");
        object(|o| {
            o.num("id", task_id)
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(if resolved { resolved_on } else { created }))
                .plain("state", if resolved { "RESOLVED" } else { "UNRESOLVED" })
                .obj("content", |c| {
                    c.plain("type", "rendered").str("raw", raw).plain("markup", "markdown").str("html", &render_markdown(raw));
                })
                .raw("creator", &creator.json)
                .bool("pending", false);
            if resolved {
                o.plain("resolved_on", &rfc3339_micros(resolved_on)).raw("resolved_by", &resolver.json);
            } else {
                o.null("resolved_on").null("resolved_by");
            }
            if on_comment {
                o.obj("comment", |c| {
                    c.plain("type", "pullrequest_comment").num("id", comment_id).obj("links", |l| {
                        l.href("self", &format!("{api}/comments/{comment_id}"));
                    });
                });
            }
            o.obj("links", |l| {
                l.href("self", &format!("{api}/tasks/{task_id}"))
                    .href("html", &format!("{WEB}/{full}/pull-requests/{id}/_/diff#task-{task_id}"));
            });
        })
    }

    /// 0-2 comments per commit; the newest commit has 3 (a general one and
    /// two inline replies, on a new line and on an old one).
    fn commit_comment_count(&self, w: usize, r: usize, i: usize) -> usize {
        if i == 0 {
            3
        } else {
            (mix(&[self.spec.seed, Seed::CommitComment.key(), w as u64, r as u64, i as u64]) % 3) as usize
        }
    }

    fn commit_comment_json(&self, w: usize, r: usize, i: usize, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.repo(w, r).full;
        let hash = self.commit_hash(w, r, i);
        let mut rng = Rng::new(&[self.spec.seed, Seed::CommitComment.key(), w as u64, r as u64, i as u64, k as u64]);
        let base = 900_000_000 + (w as u64 * 100 + r as u64) * 1_000_000 + i as u64 * 4;
        let id = base + k as u64;
        let created = (self.commit_date_s(w, r, i) + rng.range(300, DAY_S) * (k as i64 + 1)) * 1_000_000;
        let edited = k == 1 || rng.chance(1, 4);
        let updated = if edited { created + rng.range(60, 3600) * 1_000_000 } else { created };
        let (topic, _) = TOPICS[rng.below(TOPICS.len() as u64) as usize];
        let raw = if k == 0 {
            format!("Nice, this fixes the {topic}.")
        } else {
            format!("Should the {topic} handle an empty input here?")
        };
        let author = self.user(rng.next_u64());
        let api = format!("{api_root}/repositories/{full}/commit/{hash}");
        object(|o| {
            o.plain("type", "commit_comment")
                .num("id", id)
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(updated))
                .obj("content", |c| {
                    c.plain("type", "rendered").str("raw", &raw).plain("markup", "markdown").str("html", &render_markdown(&raw));
                })
                .raw("user", &author.json)
                .bool("deleted", false);
            if k > 0 {
                o.obj("parent", |p| {
                    p.num("id", base).obj("links", |l| {
                        l.href("self", &format!("{api}/comments/{base}"));
                    });
                })
                .obj("inline", |x| {
                    x.plain("path", INLINE_PATHS[rng.below(3) as usize]);
                    if k == 2 {
                        x.num("from", 1 + rng.below(200)).null("to");
                    } else {
                        x.null("from").num("to", 1 + rng.below(200));
                    }
                });
            }
            o.obj("commit", |c| self.write_commit_ref(c, &hash, full)).obj("links", |l| {
                l.href("self", &format!("{api}/comments/{id}"))
                    .href("html", &format!("{WEB}/{full}/commits/{hash}#comment-{id}"));
            });
        })
    }
}

const TASK_FIELDS: &[&str] = &["id", "state", "content", "creator", "created_on", "updated_on", "resolved_on", "pending"];

const COMMENT_FIELDS: &[&str] = &["type", "id", "created_on", "updated_on", "content", "user", "deleted", "parent", "inline"];

/// `…/pullrequests/{id}/tasks`: 0-3, BBQL `q`.
pub fn list_pr_tasks(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let ds = req.dataset;
    list(req, LIST, Some(TASK_FIELDS), ds.task_count(w, r, id), |k| ds.task_json(w, r, id, k))
}

/// `…/commit/{commit}/comments`: 0-2, oldest first, BBQL `q`.
pub fn list_commit_comments(req: &ApiRequest, ws: &str, repo: &str, commit: &str) -> ApiResult {
    let (w, r, i) = resolve_commit(req, ws, repo, commit)?;
    let ds = req.dataset;
    list(req, LIST, Some(COMMENT_FIELDS), ds.commit_comment_count(w, r, i), |k| ds.commit_comment_json(w, r, i, k))
}

impl Dataset {
    /// `…/pullrequests/{id}/tasks`: 0-3.
    pub fn pull_request_tasks(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id).map_or_else(Vec::new, |(w, r, id)| {
            (0..self.task_count(w, r, id)).map(|k| parse(&self.task_json(w, r, id, k))).collect()
        })
    }

    /// `…/commit/{hash}/comments` of commit `index` (0 = newest): 0-2.
    pub fn commit_comments(&self, workspace: &str, repo: &str, index: usize) -> Vec<Value> {
        self.find_repo(workspace, repo).filter(|&(w, r)| index < self.n_commits(w, r)).map_or_else(Vec::new, |(w, r)| {
            (0..self.commit_comment_count(w, r, index)).map(|k| parse(&self.commit_comment_json(w, r, index, k))).collect()
        })
    }
}
