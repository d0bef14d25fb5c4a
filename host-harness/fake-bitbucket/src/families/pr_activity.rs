//! Pull-request activity: each PR's `update` (opened, closed, changed while
//! running), `approval`, `changes_requested` and `comment` items (newest
//! first, iterator pages), the repository-wide `…/pullrequests/activity`
//! (PRs newest first, cached running totals), and the accessors.

use crate::api::{list, resolve_repo, ApiRequest, ApiResult};
use crate::dataset::{parse, Dataset};
use crate::families::pr_comments::CommentMeta;
use crate::families::pr_participants::Person;
use crate::families::pull_requests::{resolve_pr, PrCore, PrState};
use crate::json::object;
use crate::paging::{paginate, ACTIVITY};
use crate::util::rfc3339_micros;
use serde_json::Value;
use std::cmp::Reverse;
use std::sync::Arc;

/// One pull request's activity, before rendering: `acts` newest first.
struct Activity {
    core: PrCore,
    people: Vec<Person>,
    comments: Vec<CommentMeta>,
    acts: Vec<(i64, Act)>,
}

/// What an activity item is about.
enum Act {
    Opened,
    Closed,
    /// `edits.updates[j]` (a change made while the fake runs).
    Updated(usize),
    Comment(usize),
    Approval(usize),
    ChangesRequested(usize),
}

impl Dataset {
    /// Activity of one pull request, newest first (ties: closing update and
    /// updates made while the fake runs, approvals / changes requested,
    /// comments, opening update).
    fn pr_activity_meta(&self, w: usize, r: usize, id: u32) -> Activity {
        let core = self.pr_core(w, r, id);
        let people = self.pr_people(w, r, &core);
        let comments = self.pr_comments_meta(w, r, &core, &people);
        let mut acts = vec![(core.created, Act::Opened)];
        if core.state != PrState::Open {
            acts.push((core.updated, Act::Closed));
        }
        for (j, u) in core.edits.iter().flat_map(|e| &e.updates).enumerate() {
            acts.push((u.0, Act::Updated(j)));
        }
        for (k, c) in comments.iter().enumerate() {
            acts.push((c.created, Act::Comment(k)));
        }
        for (k, p) in people.iter().enumerate() {
            if let Some(t) = p.participated_on {
                if p.approved {
                    acts.push((t, Act::Approval(k)));
                } else if p.changes_requested {
                    acts.push((t, Act::ChangesRequested(k)));
                }
            }
        }
        let rank = |a: &Act| match a {
            Act::Closed | Act::Updated(_) => 0,
            Act::Approval(_) | Act::ChangesRequested(_) => 1,
            Act::Comment(_) => 2,
            Act::Opened => 3,
        };
        acts.sort_by_key(|(t, a)| (Reverse(*t), rank(a)));
        Activity { core, people, comments, acts }
    }

    pub(crate) fn pr_activity_count(&self, w: usize, r: usize, id: u32) -> usize {
        self.pr_activity_meta(w, r, id).acts.len()
    }

    /// Activity items of one pull request, newest first.
    pub(crate) fn pr_activity_json(&self, w: usize, r: usize, id: u32) -> Vec<String> {
        let Activity { core, people, comments, acts } = self.pr_activity_meta(w, r, id);
        let pr_ref = self.pr_ref_json(w, r, id, &core.title);
        let author = &self.users[core.author].json;
        // Generated updates show the generated title, later ones their own.
        let original_title = core.edits.as_ref().map_or(core.title.as_str(), |e| e.original_title.as_str());
        acts.iter()
            .map(|(t, act)| {
                object(|o| {
                    match act {
                        Act::Opened | Act::Closed | Act::Updated(_) => {
                            let (state, title) = match act {
                                Act::Opened => (PrState::Open, original_title),
                                Act::Closed => (core.state, original_title),
                                Act::Updated(j) => (core.state, core.edits.as_ref().map_or("", |e| e.updates[*j].1.as_str())),
                                _ => unreachable!(),
                            };
                            o.obj("update", |u| {
                                u.plain("state", state.as_str())
                                    .str("title", title)
                                    .opt_str("description", core.description.as_deref())
                                    .str("reason", "")
                                    .raw("author", author)
                                    .plain("date", &rfc3339_micros(*t))
                                    .obj("source", |s| {
                                        s.obj("branch", |b| {
                                            b.str("name", &core.source_branch);
                                        });
                                    })
                                    .obj("destination", |s| {
                                        s.obj("branch", |b| {
                                            b.str("name", core.destination_branch);
                                        });
                                    });
                            });
                        }
                        Act::Comment(k) => {
                            o.raw("comment", &self.comment_json(w, r, &core, &comments[*k]));
                        }
                        Act::Approval(k) | Act::ChangesRequested(k) => {
                            let key = if matches!(act, Act::Approval(_)) { "approval" } else { "changes_requested" };
                            o.obj(key, |a| {
                                a.plain("date", &rfc3339_micros(*t))
                                    .raw("user", &self.users[people[*k].user].json)
                                    .raw("pullrequest", &pr_ref);
                            });
                        }
                    }
                    o.raw("pull_request", &pr_ref);
                })
            })
            .collect()
    }

    /// Running totals of activity items over the repository's pull requests,
    /// newest PR first: `totals[i]` = items of the `i` newest PRs (cached;
    /// changes made while the fake runs drop the cached totals).
    pub(crate) fn repo_activity_totals(&self, w: usize, r: usize) -> Arc<Vec<usize>> {
        let generation = self.cache_generation();
        if let Some(t) = self.activity_cache.lock().unwrap_or_else(|e| e.into_inner()).get(&(w, r)) {
            return t.clone();
        }
        let n = self.n_pull_requests(w, r) as u32;
        let mut totals = Vec::with_capacity(n as usize + 1);
        totals.push(0);
        let mut sum = 0;
        for id in (1..=n).rev() {
            sum += self.pr_activity_count(w, r, id);
            totals.push(sum);
        }
        let totals = Arc::new(totals);
        let mut cache = self.activity_cache.lock().unwrap_or_else(|e| e.into_inner());
        if self.cache_generation() == generation {
            cache.insert((w, r), totals.clone());
        }
        totals
    }

    /// Activity items `range` of the whole repository (PRs newest first, each
    /// PR's items newest first).
    pub(crate) fn repo_activity_json(&self, w: usize, r: usize, range: std::ops::Range<usize>) -> Vec<String> {
        let totals = self.repo_activity_totals(w, r);
        let n = self.n_pull_requests(w, r);
        let mut out = Vec::with_capacity(range.len());
        // First PR (position in newest-first order) whose items reach range.start.
        let mut pos = totals.partition_point(|&t| t <= range.start).saturating_sub(1);
        let mut skip = range.start - totals[pos.min(n)];
        while out.len() < range.len() && pos < n {
            let id = (n - pos) as u32;
            let items = self.pr_activity_json(w, r, id);
            let take = (range.len() - out.len()).min(items.len().saturating_sub(skip));
            out.extend(items.into_iter().skip(skip).take(take));
            skip = 0;
            pos += 1;
        }
        out
    }
}

/// `…/pullrequests/{id}/activity`: newest first, iterator pagination.
pub fn list_pr_activity(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let items = req.dataset.pr_activity_json(w, r, id);
    list(req, ACTIVITY, None, items.len(), |i| items[i].clone())
}

/// `…/pullrequests/activity`: PRs newest first, each PR's items newest first,
/// iterator pagination.
pub fn list_repo_activity(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let total = *ds.repo_activity_totals(w, r).last().unwrap_or(&0);
    paginate(req, ACTIVITY, total, |range| ds.repo_activity_json(w, r, range))
}

impl Dataset {
    /// `…/pullrequests/{id}/activity`, newest first.
    pub fn pull_request_activity(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id)
            .map_or_else(Vec::new, |(w, r, id)| self.pr_activity_json(w, r, id).iter().map(|j| parse(j)).collect())
    }

    /// Activity items of one pull request: 1 opening update, 1 closing update
    /// unless OPEN, 1 per comment, 1 per approval or changes-requested.
    pub fn pull_request_activity_count(&self, workspace: &str, repo: &str, id: u64) -> usize {
        self.pr_index(workspace, repo, id).map_or(0, |(w, r, id)| self.pr_activity_count(w, r, id))
    }

    /// Items of `…/pullrequests/activity` (the sum over every pull request).
    pub fn repository_activity_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| *self.repo_activity_totals(w, r).last().unwrap_or(&0))
    }
}
